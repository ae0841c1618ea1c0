import { afterEach, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { join } from "node:path";
import DashboardView from "../dashboard/DashboardView.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

let core: Core | null = null;
afterEach(async () => {
  await core?.stop();
  core = null;
});

it("lets a manager add member cards to the roster with the PIN of the manager's key, and refuses a wrong PIN", async () => {
  setLang("ja");
  core = await startCore({ user: "山田 太郎", role: "manager" });
  const c = core;
  // The demo without its demo keys: this roster is built from the people's own.
  c.cli(["demo", "--out", join(c.dataDir, "demo.ismap"), "--without-keys"]);
  await c.client.openDemo({});
  for (const [who, pin] of [["山田 太郎", "yamada-pin"], ["鈴木 一郎", "suzuki-pin"]]) {
    c.cli(["key", "new"], who, { WORKBENCH_SIGNING_PIN: pin });
    c.cli(["key", "card", "--key", who, "--out", join(c.dataDir, `${who}.card`)], who);
  }
  const session = await sessionOn(c);
  renderInApp(DashboardView, session);
  expect((await screen.findByTestId("roster-none")).textContent).toContain("名簿に鍵はありません");

  // The manager's own card first, signed with his key.
  await c.choose([join(c.dataDir, "山田 太郎.card")]);
  await fireEvent.click(screen.getByTestId("roster-choose-card"));
  await fireEvent.input(await screen.findByTestId("roster-pin"), { target: { value: "yamada-pin" } });
  await fireEvent.click(screen.getByTestId("roster-add"));
  await waitFor(() => expect(screen.getAllByTestId("roster-row")).toHaveLength(1));
  expect(screen.getAllByTestId("roster-row")[0].textContent).toContain("山田 太郎（マネージャー）");

  // A wrong PIN adds nothing and says why.
  await c.choose([join(c.dataDir, "鈴木 一郎.card")]);
  await fireEvent.click(screen.getByTestId("roster-choose-card"));
  await fireEvent.input(await screen.findByTestId("roster-pin"), { target: { value: "not-my-pin" } });
  await fireEvent.click(screen.getByTestId("roster-add"));
  expect((await screen.findByTestId("roster-problem")).textContent).toContain("PIN が違います");
  expect(screen.getAllByTestId("roster-row")).toHaveLength(1);
  await fireEvent.input(screen.getByTestId("roster-pin"), { target: { value: "yamada-pin" } });
  await fireEvent.click(screen.getByTestId("roster-add"));
  await waitFor(() => expect(screen.getAllByTestId("roster-row")).toHaveLength(2));
  expect(within(screen.getByTestId("roster-table")).getByText(/鈴木 一郎/)).toBeTruthy();
  expect(c.cli(["log", "verify", join(c.dataDir, "demo.ismap")])).toContain("intact");

  // The reviewer's laptop is lost: the manager takes his key off, with the reason and his PIN.
  const suzuki = () => screen.getAllByTestId("roster-row").find((r) => r.textContent?.includes("鈴木 一郎"))!;
  await fireEvent.click(within(suzuki()).getByTestId("roster-remove"));
  const form = await screen.findByTestId("roster-remove-form");
  expect(within(form).getByTestId<HTMLButtonElement>("roster-remove-confirm").disabled).toBe(true);
  await fireEvent.input(within(form).getByTestId("roster-remove-reason"), { target: { value: "ノートPCの紛失" } });
  await fireEvent.input(within(form).getByTestId("roster-remove-pin"), { target: { value: "not-my-pin" } });
  await fireEvent.click(within(form).getByTestId("roster-remove-confirm"));
  expect((await screen.findByTestId("roster-problem")).textContent).toContain("PIN が違います");
  expect(suzuki().dataset.active).toBe("true");
  await fireEvent.input(within(form).getByTestId("roster-remove-pin"), { target: { value: "yamada-pin" } });
  await fireEvent.click(within(form).getByTestId("roster-remove-confirm"));
  await waitFor(() => expect(suzuki().dataset.active).toBe("false"));
  expect(suzuki().textContent).toContain("削除済み（ノートPCの紛失）");
  expect(screen.queryByTestId("roster-remove-form")).toBeNull();
  expect(c.cli(["roster", "list", join(c.dataDir, "demo.ismap")])).toContain("ノートPCの紛失");
  expect(c.cli(["log", "verify", join(c.dataDir, "demo.ismap")])).toContain("intact");
});

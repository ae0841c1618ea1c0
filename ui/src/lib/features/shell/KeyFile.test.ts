// A person's key travels between their computers as its key file, still
// sealed under their PIN, against the real core: the assessor makes her key
// in the profile, saves her member card and her key file, loses the key on
// this computer (a new laptop), is told how to bring it back when she tries
// to sign, imports it (a wrong PIN refused, nothing kept), and signs.
import { afterEach, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import Header from "./Header.svelte";
import WalkthroughView from "../walkthrough/WalkthroughView.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

const CONTROL = "9.2.3.11.PB";
const P1 = `${CONTROL}/P1`;

let core: Core | null = null;
afterEach(async () => {
  await core?.stop();
  core = null;
});

it("saves a member card and a key file from the profile, and brings the key back only with its PIN", async () => {
  setLang("ja");
  core = await startCore({ user: "佐藤 花子", role: "assessor" });
  const c = core;
  const demo = join(c.dataDir, "demo.ismap");
  // The demo without its demo keys: her own key is made here.
  c.cli(["demo", "--out", demo, "--without-keys"]);
  await c.client.openDemo({});
  const session = await sessionOn(c);
  session.openControl(CONTROL);
  renderInApp(Header, session);
  await fireEvent.click(screen.getByTestId("profile-button"));

  // She makes her key in the profile and saves her card and her key file.
  let dialog = await screen.findByTestId("profile-dialog");
  await fireEvent.input(within(dialog).getByTestId("profile-new-pin"), { target: { value: "sato-pin" } });
  await fireEvent.input(within(dialog).getByTestId("profile-new-pin-again"), { target: { value: "sato-pin" } });
  await fireEvent.click(within(dialog).getByTestId("profile-make-key"));
  const fingerprint = (await within(dialog).findByTestId("profile-fingerprint")).textContent!;
  const cardPath = join(c.dataDir, "sato.card.json");
  await c.choose([cardPath]);
  await fireEvent.click(within(dialog).getByTestId("profile-save-card"));
  expect((await within(dialog).findByTestId("profile-key-written")).textContent).toContain(cardPath);
  const card = JSON.parse(readFileSync(cardPath, "utf8"));
  expect(card).toMatchObject({ name: "佐藤 花子", fingerprint, role: "assessor" });
  expect(card).not.toHaveProperty("sealed");
  const keyPath = join(c.dataDir, "sato.key.json");
  await c.choose([keyPath]);
  await fireEvent.click(within(dialog).getByTestId("profile-export-key"));
  await waitFor(() => expect(within(dialog).getByTestId("profile-key-written").textContent).toContain(keyPath));
  expect(JSON.parse(readFileSync(keyPath, "utf8"))).toHaveProperty("sealed");
  session.profileOpen = false;
  await waitFor(() => expect(screen.queryByTestId("profile-dialog")).toBeNull());

  // The manager puts her card on the roster; then her key is gone from this computer.
  c.cli(["key", "new"], "山田 太郎", { WORKBENCH_SIGNING_PIN: "yamada-pin" });
  c.cli(["key", "card", "--key", "山田 太郎", "--out", join(c.dataDir, "yamada.card")], "山田 太郎");
  c.cli(["roster", "add", demo, "--card", join(c.dataDir, "yamada.card")], "山田 太郎", { WORKBENCH_SIGNING_PIN: "yamada-pin" });
  c.cli(["roster", "add", demo, "--card", cardPath], "山田 太郎", { WORKBENCH_SIGNING_PIN: "yamada-pin" });
  c.cli(["procedure", "record", demo, P1, "--result", "no_exception", "--work-done", "質問した。"], "佐藤 花子");
  const keys = join(c.dataDir, "keys");
  for (const f of readdirSync(keys)) {
    if (JSON.parse(readFileSync(join(keys, f), "utf8")).name === "佐藤 花子") rmSync(join(keys, f));
  }

  // As on a new laptop: the key opened when she made it is closed by
  // handing the laptop to another person and back.
  await session.switchProfile({ lang: "ja", name: "鈴木 一郎", initials: "", role: "reviewer" }, null);
  await session.switchProfile({ lang: "ja", name: "佐藤 花子", initials: "", role: "assessor" }, null);

  // Signing without her key here says how to bring it, and asks no PIN.
  await session.show(await c.open(demo));
  session.openControl(CONTROL);
  const walkthrough = renderInApp(WalkthroughView, session, { saveDelay: 20, listenForDrops: null });
  await screen.findByTestId("control-id");
  const procedureCard = () => screen.getAllByTestId("procedure")[0];
  await fireEvent.click(within(procedureCard()).getByTestId("sign-button"));
  expect((await within(procedureCard()).findByTestId("signoff-error")).textContent).toContain("鍵ファイルを取り込んで");
  expect(within(procedureCard()).queryByTestId("signoff-pin")).toBeNull();
  walkthrough.unmount();

  // She imports her key file: a wrong PIN is refused and keeps nothing; hers brings it back.
  await fireEvent.click(screen.getByTestId("profile-button"));
  dialog = await screen.findByTestId("profile-dialog");
  await c.choose([keyPath]);
  await fireEvent.click(await within(dialog).findByTestId("profile-choose-key-file"));
  expect((await within(dialog).findByTestId("profile-key-file")).textContent).toBe(keyPath);
  await fireEvent.input(within(dialog).getByTestId("profile-import-pin"), { target: { value: "not-her-pin" } });
  await fireEvent.click(within(dialog).getByTestId("profile-import-key"));
  expect((await within(dialog).findByTestId("profile-key-problem")).textContent).toContain("PIN");
  expect(readdirSync(keys).length).toBe(1);
  await fireEvent.input(within(dialog).getByTestId("profile-import-pin"), { target: { value: "sato-pin" } });
  await fireEvent.click(within(dialog).getByTestId("profile-import-key"));
  expect((await within(dialog).findByTestId("profile-fingerprint")).textContent).toBe(fingerprint);
  expect(readdirSync(keys).length).toBe(2);

  // Switching to a team member without a key here says what that means.
  await fireEvent.input(within(dialog).getByTestId("profile-name-input"), { target: { value: "鈴木 一郎" } });
  expect((await within(dialog).findByTestId("profile-no-key-here")).textContent).toContain("鍵ファイル");

  // The import opened her key: she signs, and the log verifies her signature.
  await session.engagement!.client.signOff({ item_kind: "procedure", item_id: P1, level: "preparer" });
  expect(c.cli(["log", "verify", demo])).toContain("intact");
  expect(existsSync(keyPath)).toBe(true);
});

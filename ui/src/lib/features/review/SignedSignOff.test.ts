// Signed sign-offs in the app, against the real core: the manager and the
// assessor hold keys on this computer and on the engagement's roster (made
// with the CLI); the assessor signs with her PIN (a wrong one refused), and
// switching the laptop to the manager takes his PIN.
import { afterEach, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { join } from "node:path";
import Header from "../shell/Header.svelte";
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

it("signs with the signer's key and PIN, refuses a wrong PIN, and takes the PIN to switch to a key holder", async () => {
  setLang("ja");
  core = await startCore({ user: "佐藤 花子", role: "assessor" });
  const c = core;
  const demo = join(c.dataDir, "demo.ismap");
  // The demo without its demo keys: this roster is built from the people's own.
  c.cli(["demo", "--out", demo, "--without-keys"]);
  await c.client.openDemo({});
  for (const [who, pin] of [["山田 太郎", "yamada-pin"], ["佐藤 花子", "sato-pin"]]) {
    c.cli(["key", "new"], who, { WORKBENCH_SIGNING_PIN: pin });
    c.cli(["key", "card", "--key", who, "--out", join(c.dataDir, `${who}.card`)], who);
  }
  c.cli(["roster", "add", demo, "--card", join(c.dataDir, "山田 太郎.card")], "山田 太郎", { WORKBENCH_SIGNING_PIN: "yamada-pin" });
  c.cli(["roster", "add", demo, "--card", join(c.dataDir, "佐藤 花子.card")], "山田 太郎", { WORKBENCH_SIGNING_PIN: "yamada-pin" });
  c.cli(["procedure", "record", demo, P1, "--result", "no_exception", "--work-done", "質問した。"], "佐藤 花子");

  const session = await sessionOn(c);
  session.openControl(CONTROL);
  renderInApp(Header, session);
  renderInApp(WalkthroughView, session, { saveDelay: 20, listenForDrops: null });
  await screen.findByTestId("control-id");
  const card = () => screen.getAllByTestId("procedure")[0];

  // Signing asks for the PIN; a wrong one is refused, the right one signs.
  await fireEvent.click(within(card()).getByTestId("sign-button"));
  const pin = await within(card()).findByTestId("signoff-pin");
  await fireEvent.input(pin, { target: { value: "wrong-pin" } });
  await fireEvent.click(within(card()).getByTestId("signoff-pin-sign"));
  expect((await within(card()).findByTestId("signoff-error")).textContent).toContain("PIN が違います");
  await fireEvent.input(within(card()).getByTestId("signoff-pin"), { target: { value: "sato-pin" } });
  await fireEvent.click(within(card()).getByTestId("signoff-pin-sign"));
  await waitFor(() => {
    const chip = within(card()).getAllByTestId("signoff-chip").find((x) => x.dataset.level === "preparer")!;
    expect(chip.dataset.signer).toBe("佐藤 花子");
  });
  expect(c.cli(["log", "verify", demo])).toContain("intact");

  // The profile shows her key's fingerprint.
  await fireEvent.click(screen.getByTestId("profile-button"));
  const dialog = await screen.findByTestId("profile-dialog");
  expect((await within(dialog).findByTestId("profile-fingerprint")).textContent).toMatch(/^([0-9A-F]{4} ){7}[0-9A-F]{4}$/);

  // Switching to the manager, whose key is on this computer, takes his PIN.
  await fireEvent.input(within(dialog).getByTestId("profile-name-input"), { target: { value: "山田 太郎" } });
  await fireEvent.click(within(dialog).getByTestId("profile-save"));
  // Asked for, not tried empty: the field says so and takes the keyboard.
  expect((await within(dialog).findByTestId("profile-pin-problem")).textContent).toBe("山田 太郎 さんの鍵の PIN を入力してください。");
  expect(document.activeElement).toBe(within(dialog).getByTestId("profile-pin"));
  expect(screen.getByTestId("profile-current").textContent).toBe("佐藤 花子");
  await fireEvent.input(within(dialog).getByTestId("profile-pin"), { target: { value: "yamada-pin" } });
  await fireEvent.click(within(dialog).getByTestId("profile-save"));
  await waitFor(() => expect(screen.queryByTestId("profile-dialog")).toBeNull());
  expect(screen.getByTestId("profile-current").textContent).toBe("山田 太郎");
});

// Opening an encrypted engagement in the app, on the real core: the
// passphrase dialog asks for it, a wrong one is said at the field with no
// other effect, the right one opens the engagement with the lock shown, and
// the recent list keeps nothing of its contents.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import App from "../../../App.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";

const PASSPHRASE = "みなと監査 2026 春";

let core: Core;
beforeEach(async () => {
  setLang("ja");
  core = await startCore();
});
afterEach(() => core.stop());

async function typePassphrase(value: string): Promise<void> {
  await fireEvent.input(await screen.findByTestId("passphrase-input"), { target: { value } });
  await fireEvent.click(screen.getByTestId("passphrase-submit"));
}

describe("an encrypted engagement", () => {
  it("asks for its passphrase, says a wrong one at the field, and opens with the right one", async () => {
    const file = join(core.dataDir, "暗号化デモ.ismap");
    core.cli(["demo", "--encrypt", "--out", file], "山田 太郎", { WORKBENCH_ENGAGEMENT_PASSPHRASE: PASSPHRASE });
    const before = readFileSync(file);
    render(App, { props: { client: core.client } });
    await core.choose([file]);
    await fireEvent.click(await screen.findByTestId("start-open"));
    const dialog = await screen.findByTestId("passphrase-dialog");
    expect(dialog.textContent).toContain("このファイルは暗号化されています");

    await typePassphrase("まちがい");
    expect((await screen.findByTestId("passphrase-wrong")).textContent).toBe("パスフレーズが違います。もう一度入力してください。");
    // Nothing else happened: still on the start screen, no banner, the field emptied for another try, the file unchanged.
    expect(screen.queryByTestId("error-banner")).toBeNull();
    expect(screen.getByTestId("start-open")).toBeTruthy();
    expect((screen.getByTestId("passphrase-input") as HTMLInputElement).value).toBe("");
    expect(readFileSync(file).equals(before)).toBe(true);

    await typePassphrase(PASSPHRASE);
    await waitFor(() => expect(screen.queryByTestId("passphrase-dialog")).toBeNull());
    expect((await screen.findByTestId("engagement-service")).textContent).toBe("サンプルクラウド IaaS");
    expect(screen.getByTestId("engagement-encrypted").getAttribute("title")).toBe("この監査業務ファイルは暗号化されています");
    // The plain profile names the file, not the provider or the service.
    const profile = readFileSync(join(core.dataDir, "profile.json"), "utf8");
    expect(profile).toContain("暗号化デモ.ismap");
    expect(profile).not.toContain("サンプルクラウド");
  });

  it("stays on the start screen when the dialog is cancelled, and asks again next time", async () => {
    const file = join(core.dataDir, "e.ismap");
    core.cli(["demo", "--encrypt", "--out", file], "山田 太郎", { WORKBENCH_ENGAGEMENT_PASSPHRASE: PASSPHRASE });
    render(App, { props: { client: core.client } });
    await core.choose([file]);
    await fireEvent.click(await screen.findByTestId("start-open"));
    await fireEvent.click(await screen.findByTestId("passphrase-cancel"));
    await waitFor(() => expect(screen.queryByTestId("passphrase-dialog")).toBeNull());
    expect(screen.queryByTestId("error-banner")).toBeNull();
    expect(screen.queryByTestId("engagement-service")).toBeNull();
    await core.choose([file]);
    await fireEvent.click(screen.getByTestId("start-open"));
    expect(await screen.findByTestId("passphrase-dialog")).toBeTruthy();
  });

  it("gives a field copy a passphrase of its own, and asks for it when the copy is merged back", async () => {
    render(App, { props: { client: core.client } });
    await fireEvent.click(await screen.findByTestId("start-demo"));
    await fireEvent.click(await screen.findByTestId("copy-open"));
    const dialog = await screen.findByTestId("copy-dialog");
    expect(within(dialog).getByTestId("copy-encryption").textContent).toContain("別のパスフレーズを指定しない限り");
    await fireEvent.input(within(dialog).getByTestId("copy-for"), { target: { value: "鈴木 一郎" } });
    const copy = join(core.dataDir, "suzuki.ismap");
    await core.choose([copy]);
    await fireEvent.click(within(dialog).getByTestId("copy-choose"));
    await waitFor(() => expect(within(dialog).getByTestId("copy-destination").textContent).toBe(copy));
    await fireEvent.click(within(dialog).getByTestId("copy-own-passphrase"));
    const own = "鈴木さんの現場用パスフレーズ";
    await fireEvent.input(within(dialog).getByTestId("copy-passphrase"), { target: { value: own } });
    await fireEvent.input(within(dialog).getByTestId("copy-passphrase-repeat"), { target: { value: own + "x" } });
    await fireEvent.click(within(dialog).getByTestId("copy-create"));
    // Typed differently: the core says so at the field, and nothing is written.
    expect((await within(dialog).findByTestId("copy-passphrase-problem")).textContent).toBe("確認のために入力したパスフレーズが一致しません。");
    expect(existsSync(copy)).toBe(false);
    await fireEvent.input(within(dialog).getByTestId("copy-passphrase-repeat"), { target: { value: own } });
    await fireEvent.click(within(dialog).getByTestId("copy-create"));
    expect((await screen.findByTestId("copy-made")).textContent).toContain("コピー A");
    expect(readFileSync(copy).subarray(0, 15).toString("latin1")).not.toBe("SQLite format 3");

    // The assessor works on the copy with its passphrase; the merge asks for it.
    core.cli(["procedure", "record", copy, "9.2.1.2/P1", "--work-done", "鈴木が質問した"], "鈴木 一郎", { WORKBENCH_ENGAGEMENT_PASSPHRASE: own });
    await core.choose([copy]);
    await fireEvent.click(screen.getByTestId("merge-open"));
    const ask = await screen.findByTestId("passphrase-dialog");
    expect(ask.textContent).toContain("suzuki.ismap は暗号化されています");
    await typePassphrase(own);
    expect(within(await screen.findByTestId("merge-dialog")).getByTestId("merge-summary").textContent).toContain("1 件");
  });
});

import { existsSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import IntakeDialog from "./IntakeDialog.svelte";
import type { Evidence } from "../../ipc/bindings/Evidence";
import type { EvidenceLink } from "../../ipc/bindings/EvidenceLink";
import { setLang } from "../../i18n/index.svelte";
import { localToday } from "../../format";
import type { Session } from "../../session.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";
import { pick, writeFile } from "./evidence.testing";

const PROCEDURE: EvidenceLink = { kind: "procedure", id: "9.2.3.11.PB/P2" };

let core: Core;
let session: Session;

beforeEach(async () => {
  setLang("ja");
  core = await startCore();
  session = await sessionOn(core);
});
afterEach(() => core.stop());

/** The intake dialog for files written under `names`, as the walkthrough opens it. */
async function open(files: Record<string, string | Uint8Array>, link = PROCEDURE) {
  const paths = Object.entries(files).map(([name, content]) => writeFile(core, name, content));
  const onclose = vi.fn();
  const ondone = vi.fn<(added: Evidence[]) => void>();
  renderInApp(IntakeDialog, session, { files: await pick(core, paths), link, onclose, ondone });
  const dialog = await screen.findByTestId("intake-dialog");
  return { dialog, paths, onclose, ondone };
}

const stored = () => session.engagement!.client.listEvidence({ include_removed: true });
const input = (dialog: HTMLElement, testid: string, index = 0) => within(dialog).getAllByTestId(testid)[index] as HTMLInputElement;

describe("evidence intake, on the real core", () => {
  it("starts from the core's defaults for the file, and takes it in as completed", async () => {
    const { dialog, ondone } = await open({ "特権ID申請記録_2026-04.xlsx": "申請番号,承認者\nREQ-1,山田\n" });
    const title = input(dialog, "intake-title-input");
    await waitFor(() => expect(document.activeElement).toBe(title));
    expect(title.value).toBe("特権ID申請記録_2026-04");
    expect((within(dialog).getByTestId("meta-kind") as HTMLSelectElement).value).toBe("document");
    expect(input(dialog, "meta-obtained-by").value).toBe("佐藤 花子");
    // The as-of date is the assessor's to say: it starts empty, and the form cannot be sent without it.
    expect(input(dialog, "meta-as-of").value).toBe("");
    expect(input(dialog, "meta-obtained-at").value).toBe(localToday());
    expect(dialog.textContent).toContain("入力してください。");
    expect((within(dialog).getByTestId("intake-submit") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(input(dialog, "meta-as-of"), { target: { value: "2026/4/30" } });
    expect((within(dialog).getByTestId("intake-submit") as HTMLButtonElement).disabled).toBe(false);
    expect(within(dialog).getByTestId("intake-link").textContent).toBe("関連付け先: 手続 9.2.3.11.PB/P2");
    expect(dialog.textContent).toContain("特権ID申請記録_2026-04.xlsx");
    // The team is offered for "obtained by".
    expect([...dialog.querySelectorAll("datalist option")].map((o) => o.getAttribute("value"))).toContain("鈴木 一郎");

    // A title is required: the core refuses a blank one, and stores nothing.
    await fireEvent.input(title, { target: { value: " " } });
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));
    expect((await within(dialog).findByTestId("intake-error")).textContent).toContain("表題のないファイルがあります");
    expect(await stored()).toEqual([]);
    expect(ondone).not.toHaveBeenCalled();

    // A day that does not exist is no date either: the field says so, and the form cannot be sent.
    await fireEvent.input(input(dialog, "meta-as-of"), { target: { value: "2026-04-31" } });
    await fireEvent.blur(input(dialog, "meta-as-of"));
    expect(within(dialog).getByTestId("meta-as-of-not-a-date").textContent).toContain("「2026-04-31」は日付として読めません");
    expect((within(dialog).getByTestId("intake-submit") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(input(dialog, "meta-as-of"), { target: { value: "2026-04-30" } });

    await fireEvent.input(title, { target: { value: "特権ID利用申請・承認記録（2026年4月）" } });
    await fireEvent.input(input(dialog, "meta-obtained-from"), { target: { value: "情報システム部 鈴木氏" } });
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));
    await waitFor(() => expect(ondone).toHaveBeenCalledTimes(1));
    const [added] = ondone.mock.calls[0][0];
    expect(added).toMatchObject({ id: "EV-0001", title: "特権ID利用申請・承認記録（2026年4月）", kind: "document", as_of: "2026-04-30" });
    expect((await stored())[0]).toMatchObject({
      obtained_from: "情報システム部 鈴木氏",
      obtained_by: "佐藤 花子",
      obtained_at: localToday(),
      links: [PROCEDURE],
    });
  });

  it("copies the first file's as-of date only to the files that have none, keeping each file's own", async () => {
    const { dialog, ondone } = await open({ "config.txt": "a", "auth.log": "b", "memo.txt": "c" });
    expect([0, 1, 2].map((i) => input(dialog, "meta-as-of", i).value)).toEqual(["", "", ""]);
    await fireEvent.input(input(dialog, "meta-as-of", 0), { target: { value: "2026-03-31" } });
    await fireEvent.input(input(dialog, "meta-as-of", 1), { target: { value: "2026-02-28" } });
    await fireEvent.input(input(dialog, "meta-obtained-at", 0), { target: { value: "2026-04-02" } });
    await fireEvent.click(within(dialog).getByTestId("intake-same-for-all"));
    // The log's own as-of date stays; the memo, which had none, takes the first file's.
    expect([0, 1, 2].map((i) => input(dialog, "meta-as-of", i).value)).toEqual(["2026-03-31", "2026-02-28", "2026-03-31"]);
    // The day obtained is shared, as before.
    expect([0, 1, 2].map((i) => input(dialog, "meta-obtained-at", i).value)).toEqual(["2026-04-02", "2026-04-02", "2026-04-02"]);
    expect(within(dialog).getByTestId("intake-same-for-all").textContent).toBe("入手元・入手者・入手日を全ファイルに揃え、空の基準日を埋める");
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));
    await waitFor(() => expect(ondone).toHaveBeenCalledTimes(1));
    expect((await stored()).map((e) => [e.id, e.as_of])).toEqual([
      ["EV-0001", "2026-03-31"],
      ["EV-0002", "2026-02-28"],
      ["EV-0003", "2026-03-31"],
    ]);
  });

  it("guesses a screenshot from an image, and copies the first file's source and dates to the others", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const { dialog, ondone } = await open({ "承認記録なし.png": png, "auth.log": "2026-04-01 ログオン成功\n" }, { kind: "exception", id: "E-0001" });
    expect(within(dialog).getByTestId("intake-link").textContent).toContain("例外事項 E-0001");
    expect((within(dialog).getAllByTestId("meta-kind") as HTMLSelectElement[]).map((s) => s.value)).toEqual(["screenshot", "log_export"]);
    await fireEvent.input(input(dialog, "meta-obtained-from"), { target: { value: "情報システム部" } });
    await fireEvent.input(input(dialog, "meta-as-of"), { target: { value: "2026-03-31" } });
    await fireEvent.click(within(dialog).getByTestId("intake-same-for-all"));
    expect(input(dialog, "meta-obtained-from", 1).value).toBe("情報システム部");
    expect(input(dialog, "meta-as-of", 1).value).toBe("2026-03-31");
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));
    await waitFor(() => expect(ondone).toHaveBeenCalledTimes(1));
    expect((await stored()).map((e) => [e.id, e.as_of, e.obtained_from, e.links])).toEqual([
      ["EV-0001", "2026-03-31", "情報システム部", [{ kind: "exception", id: "E-0001" }]],
      ["EV-0002", "2026-03-31", "情報システム部", [{ kind: "exception", id: "E-0001" }]],
    ]);
  });

  it("stores nothing when the intake is cancelled, and keeps the form", async () => {
    // A large file (sparse, so it costs no disk) that takes a while to take in.
    const path = writeFile(core, "大きなログ.log", "");
    truncateSync(path, 256 * 1024 * 1024);
    writeFileSync(path, "2026-04-01 ログオン成功\n", { flag: "r+" });
    const onclose = vi.fn();
    const ondone = vi.fn();
    renderInApp(IntakeDialog, session, { files: await pick(core, [path]), link: PROCEDURE, onclose, ondone });
    const dialog = await screen.findByTestId("intake-dialog");
    await fireEvent.input(input(dialog, "meta-as-of"), { target: { value: "2026-04-01" } });
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));
    expect(within(dialog).getByTestId("intake-progress")).toBeTruthy();
    // While the intake runs, the form cannot be sent again, only cancelled.
    expect((within(dialog).getByTestId("intake-submit") as HTMLButtonElement).disabled).toBe(true);
    // The core writes in one transaction; its journal says it has started.
    await vi.waitFor(() => expect(existsSync(join(core.dataDir, "demo.ismap-journal"))).toBe(true), { timeout: 10_000, interval: 2 });
    await fireEvent.click(within(dialog).getByTestId("intake-cancel"));

    expect((await within(dialog).findByTestId("intake-cancelled", {}, { timeout: 20_000 })).textContent).toContain("何も保存されていません");
    expect(within(dialog).queryByTestId("intake-progress")).toBeNull();
    expect(input(dialog, "intake-title-input").value).toBe("大きなログ");
    expect(await stored()).toEqual([]);
    expect(ondone).not.toHaveBeenCalled();
  }, 30_000);

  it("keeps the form and stores nothing when a file is emptied before the intake", async () => {
    const { dialog, paths, ondone } = await open({ "auth.log": "2026-04-01 ログオン成功\n" });
    await fireEvent.input(input(dialog, "intake-title-input"), { target: { value: "認証ログ" } });
    await fireEvent.input(input(dialog, "meta-as-of"), { target: { value: "2026-04-01" } });
    writeFileSync(paths[0], "");
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));
    expect((await within(dialog).findByTestId("intake-error")).textContent).toContain("取り込めません");
    expect(input(dialog, "intake-title-input").value).toBe("認証ログ");
    expect(await stored()).toEqual([]);
    expect(ondone).not.toHaveBeenCalled();
  });

  it("keeps Tab inside the dialog and closes on Escape sent to the page", async () => {
    const { dialog, onclose } = await open({ "a.txt": "a" });
    // With its as-of date the form can be sent, so its last button (send) takes the focus.
    await fireEvent.input(input(dialog, "meta-as-of"), { target: { value: "2026-04-01" } });
    const buttons = within(dialog).getAllByRole("button");
    const last = buttons[buttons.length - 1];
    last.focus();
    await fireEvent.keyDown(last, { key: "Tab", code: "Tab" });
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(document.activeElement).not.toBe(last);
    await fireEvent.keyDown(buttons[0], { key: "Tab", code: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(last);
    // As the end-to-end test sends it: to the document, with the focus nowhere.
    (document.activeElement as HTMLElement).blur();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(onclose).toHaveBeenCalledTimes(1);
  });
});

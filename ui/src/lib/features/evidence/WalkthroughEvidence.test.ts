import { afterEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { DEMO_PATH } from "../ipc/fake";
import { openWalkthrough } from "../walkthrough/walkthrough.testing";
import { localToday } from "../../format";

const CONTROL = "9.2.3.11.PB";

const openAt = openWalkthrough;

// jsdom does no layout, so it has no elementFromPoint; the tests say which
// element is under the drop point instead.
function dropTargetIs(element: Element | null): void {
  document.elementFromPoint = () => element;
}

afterEach(() => {
  delete (document as { elementFromPoint?: unknown }).elementFromPoint;
});

const card = (index: number) => screen.getAllByTestId("procedure")[index];

describe("walkthrough: evidence", () => {
  it("opens the intake with defaults for files dropped on a procedure, and lists the item after taking it in", async () => {
    const { backend } = await openAt(CONTROL);
    backend.putFile("/in/特権ID申請記録_2026-04.xlsx", "申請番号,承認者\nREQ-1,山田\n");
    expect(within(screen.getByTestId("evidence-panel")).queryAllByTestId("evidence-row")).toHaveLength(0);

    dropTargetIs(within(card(1)).getByTestId("work-done"));
    backend.dropFiles(["/in/特権ID申請記録_2026-04.xlsx"], 300, 400);

    const dialog = await screen.findByTestId("intake-dialog");
    const title = (await within(dialog).findByTestId("intake-title-input")) as HTMLInputElement;
    expect(title.value).toBe("特権ID申請記録_2026-04");
    expect((within(dialog).getByTestId("meta-kind") as HTMLSelectElement).value).toBe("document");
    expect((within(dialog).getByTestId("meta-obtained-by") as HTMLInputElement).value).toBe("佐藤 花子");
    expect((within(dialog).getByTestId("meta-as-of") as HTMLInputElement).value).toBe(localToday());
    expect((within(dialog).getByTestId("meta-obtained-at") as HTMLInputElement).value).toBe(localToday());
    expect(within(dialog).getByTestId("intake-link").textContent).toContain(`${CONTROL}/P2`);
    expect(dialog.textContent).toContain("特権ID申請記録_2026-04.xlsx");

    // The title and the as-of date are required before anything is sent.
    await fireEvent.input(title, { target: { value: " " } });
    expect((within(dialog).getByTestId("intake-submit") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(title, { target: { value: "特権ID利用申請・承認記録（2026年4月）" } });
    await fireEvent.input(within(dialog).getByTestId("meta-obtained-from"), { target: { value: "情報システム部 鈴木氏" } });
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));

    await waitFor(() => expect(screen.queryByTestId("intake-dialog")).toBeNull());
    const row = await within(screen.getByTestId("evidence-panel")).findByTestId("evidence-row");
    expect(row.dataset.evidenceId).toBe("EV-0001");
    expect(row.textContent).toContain("特権ID利用申請・承認記録（2026年4月）");
    expect(row.textContent).toContain("文書");
    expect(row.textContent).toContain("P2");
    expect(screen.getByTestId("evidence-notice").textContent).toContain("EV-0001");
    expect(within(card(1)).getByTestId("procedure-evidence").textContent).toContain("EV-0001");

    const [stored] = (await backend.controlDetail(DEMO_PATH, CONTROL)).evidence;
    expect(stored).toMatchObject({ id: "EV-0001", obtained_from: "情報システム部 鈴木氏", obtained_by: "佐藤 花子", as_of: localToday() });
    expect(stored.links).toEqual([{ kind: "procedure", id: `${CONTROL}/P2` }]);
  });

  it("links files dropped on an exception to that exception", async () => {
    const { backend } = await openAt(CONTROL, (b) => b.addException(DEMO_PATH, `${CONTROL}/P3`, "1件で承認記録がなかった。"));
    const item = await within(card(2)).findByTestId("exception-item");
    backend.putFile("/in/承認記録なし.png", new Uint8Array([137, 80, 78, 71]));
    dropTargetIs(item);
    backend.dropFiles(["/in/承認記録なし.png"], 1, 1);
    const dialog = await screen.findByTestId("intake-dialog");
    expect(within(dialog).getByTestId("intake-link").textContent).toContain("例外事項 E-0002");
    expect(((await within(dialog).findByTestId("meta-kind")) as HTMLSelectElement).value).toBe("screenshot");
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));
    await waitFor(() => expect(screen.queryByTestId("intake-dialog")).toBeNull());
    expect((await backend.listEvidence(DEMO_PATH, false))[0].links).toEqual([{ kind: "exception", id: "E-0002" }]);
    expect(await within(screen.getByTestId("evidence-panel")).findByTestId("evidence-row")).toBeTruthy();
  });

  it("says where to drop when files are dropped beside the cards", async () => {
    const { backend } = await openAt(CONTROL);
    dropTargetIs(document.body);
    backend.dropFiles(["/in/x.txt"], 5, 5);
    expect((await screen.findByTestId("drop-note")).textContent).toContain("手続のカード");
    expect(screen.queryByTestId("intake-dialog")).toBeNull();
  });

  it("stores nothing when the intake is cancelled, and keeps the form", async () => {
    const { backend } = await openAt(CONTROL);
    backend.putFile("/in/大きなログ.log", new Uint8Array(400_000).fill(65));
    const release = backend.holdIntake();
    dropTargetIs(card(0));
    backend.dropFiles(["/in/大きなログ.log"], 10, 10);
    const dialog = await screen.findByTestId("intake-dialog");
    await within(dialog).findByTestId("intake-title-input");
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));

    const bar = (await within(dialog).findByTestId("intake-progress")) as HTMLProgressElement;
    expect(bar.max).toBe(400_000);
    expect(dialog.textContent).toContain("大きなログ.log");
    expect(dialog.textContent).toContain("1 / 1");
    // While the intake runs, the form cannot be closed, only cancelled.
    expect((within(dialog).getByTestId("intake-submit") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(within(dialog).getByTestId("intake-cancel"));
    release();

    expect((await within(dialog).findByTestId("intake-cancelled")).textContent).toContain("何も保存されていません");
    expect(within(dialog).queryByTestId("intake-progress")).toBeNull();
    expect((within(dialog).getByTestId("intake-title-input") as HTMLInputElement).value).toBe("大きなログ");
    expect(await backend.listEvidence(DEMO_PATH, true)).toEqual([]);
    expect(within(screen.getByTestId("evidence-panel")).queryAllByTestId("evidence-row")).toHaveLength(0);
  });

  it("shows why an empty file cannot be taken in, and stores nothing", async () => {
    const { backend } = await openAt(CONTROL);
    backend.putFile("/in/空のエクスポート.csv", "");
    dropTargetIs(card(0));
    backend.dropFiles(["/in/空のエクスポート.csv"], 10, 10);
    const dialog = await screen.findByTestId("intake-dialog");
    const error = await within(dialog).findByTestId("intake-error");
    expect(error.textContent).toContain("取り込めません");
    expect(error.textContent).toContain("空のエクスポート.csv");
    expect(within(dialog).queryByTestId("intake-submit")).toBeNull();
    expect(await backend.listEvidence(DEMO_PATH, true)).toEqual([]);
  });

  it("keeps the form and stores nothing when a file is emptied before the intake", async () => {
    const { backend } = await openAt(CONTROL);
    backend.putFile("/in/auth.log", "2026-04-01 ログオン成功\n");
    dropTargetIs(card(0));
    backend.dropFiles(["/in/auth.log"], 10, 10);
    const dialog = await screen.findByTestId("intake-dialog");
    const title = (await within(dialog).findByTestId("intake-title-input")) as HTMLInputElement;
    await fireEvent.input(title, { target: { value: "認証ログ" } });
    backend.putFile("/in/auth.log", "");
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));
    expect((await within(dialog).findByTestId("intake-error")).textContent).toContain("取り込めません");
    expect((within(dialog).getByTestId("intake-title-input") as HTMLInputElement).value).toBe("認証ログ");
    expect(await backend.listEvidence(DEMO_PATH, true)).toEqual([]);
  });

  it("adds evidence chosen with the picker, closes on Escape and returns the focus", async () => {
    const { backend } = await openAt(CONTROL);
    backend.putFile("/in/a.txt", "a");
    backend.putFile("/in/b.txt", "b");
    backend.pickedFiles = ["/in/a.txt", "/in/b.txt"];
    const button = within(card(0)).getByTestId("add-evidence-button");
    button.focus();
    await fireEvent.click(button);
    const dialog = await screen.findByTestId("intake-dialog");
    expect(await within(dialog).findAllByTestId("intake-title-input")).toHaveLength(2);
    expect(within(dialog).getByTestId("intake-link").textContent).toContain(`${CONTROL}/P1`);
    // Shortcuts of the walkthrough do not reach behind the dialog.
    await fireEvent.keyDown(window, { key: "1", code: "Digit1", altKey: true });
    expect(within(card(0)).getByTestId("result-no_exception").getAttribute("aria-pressed")).toBe("false");
    await fireEvent.keyDown(dialog, { key: "Escape", code: "Escape" });
    expect(screen.queryByTestId("intake-dialog")).toBeNull();
    expect(document.activeElement).toBe(button);

    // A cancelled picker opens nothing.
    backend.pickedFiles = [];
    await fireEvent.click(button);
    await new Promise((r) => setTimeout(r, 10));
    expect(screen.queryByTestId("intake-dialog")).toBeNull();
  });

  it("previews an item of the panel and opens it with the system viewer", async () => {
    const { backend } = await openAt(CONTROL, (b) => {
      b.putFile("/in/設定.json", '{"mfa": true}');
      const meta = { title: "MFA設定", description: "", kind: "configuration" as const, obtained_from: "", obtained_by: "", obtained_at: null, as_of: "2026-04-30" };
      return b.addEvidence(DEMO_PATH, [{ path: "/in/設定.json", meta }], [{ kind: "procedure", id: `${CONTROL}/P1` }], () => {});
    });
    const row = await within(screen.getByTestId("evidence-panel")).findByTestId("evidence-row");
    await fireEvent.click(row);
    const dialog = await screen.findByTestId("preview-dialog");
    expect((await within(dialog).findByTestId("preview-text")).textContent).toBe('{"mfa": true}');
    expect(within(dialog).getByTestId("preview-sha256").textContent).toMatch(/^[0-9a-f]{64}$/);
    await fireEvent.click(within(dialog).getByTestId("preview-open"));
    await waitFor(() => expect(backend.opened).toEqual(["EV-0001"]));
    await fireEvent.keyDown(dialog, { key: "Escape", code: "Escape" });
    expect(screen.queryByTestId("preview-dialog")).toBeNull();
  });

  it("keeps Tab inside the dialog and closes it on Escape sent to the page", async () => {
    const { backend } = await openAt(CONTROL);
    backend.putFile("/in/a.txt", "a");
    backend.pickedFiles = ["/in/a.txt"];
    await fireEvent.click(within(card(0)).getByTestId("add-evidence-button"));
    const dialog = await screen.findByTestId("intake-dialog");
    const title = await within(dialog).findByTestId("intake-title-input");
    await waitFor(() => expect(document.activeElement).toBe(title));
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
    await waitFor(() => expect(screen.queryByTestId("intake-dialog")).toBeNull());
  });
});

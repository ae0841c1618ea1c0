import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { DEMO_PATH, recordSampleReview } from "../ipc/fake";
import { setLang } from "../../i18n/index.svelte";
import { openWalkthrough } from "../walkthrough/walkthrough.testing";

const CONTROL = "4.4.1.1";

const openAt = openWalkthrough;

const card = (index: number) => screen.getAllByTestId("procedure")[index];

/** Opens the sampling panel of a procedure that is not an operating test (closed until asked for). */
async function openPanel(index: number): Promise<HTMLElement> {
  const toggle = within(card(index)).getByTestId("sampling-toggle");
  expect(toggle.getAttribute("aria-expanded")).toBe("false");
  await fireEvent.click(toggle);
  const panel = await within(card(index)).findByTestId("sampling-panel");
  await within(panel).findByTestId("population-import");
  return panel;
}

/** A frame of 20 items dated inside the demo's audit period (rows 1 to 20), as in docs/sampling.md. */
function frameOfTwenty(): string {
  const rows = Array.from({ length: 20 }, (_, i) => `T-${String(i + 1).padStart(3, "0")},2025-${String(10 + Math.floor(i / 10)).padStart(2, "0")}-${String((i % 10) + 1).padStart(2, "0")},変更 ${i + 1}`);
  return ["番号,日付,件名", ...rows].join("\n");
}

async function importFile(panel: HTMLElement): Promise<void> {
  await fireEvent.click(within(panel).getByTestId("population-import"));
  const dialog = await screen.findByTestId("population-preview");
  await fireEvent.click(within(dialog).getByTestId("population-import-confirm"));
  await waitFor(() => expect(screen.queryByTestId("population-preview")).toBeNull());
  await within(panel).findByTestId("population-summary");
}

const cell = (panel: HTMLElement, no: number, attribute: string) =>
  within(panel).getAllByTestId("grid-cell").find((c) => c.dataset.no === String(no) && c.dataset.attribute === attribute)!;

describe("walkthrough: sampling", () => {
  it("opens for an operating test, and previews a population file with its first rows and guessed columns", async () => {
    await openAt(CONTROL);
    // The demo's change-management test (P3) is an operating test, so its panel is open.
    const sampled = within(card(2)).getByTestId("sampling-panel");
    expect(sampled.dataset.procedureId).toBe(`${CONTROL}/P3`);
    expect(within(card(0)).queryByTestId("sampling-panel")).toBeNull();

    const panel = await openPanel(0);
    expect(panel.dataset.procedureId).toBe(`${CONTROL}/P1`);
    await fireEvent.click(within(panel).getByTestId("population-import"));
    const dialog = await screen.findByTestId("population-preview");
    expect(dialog.textContent).toContain("change-tickets.csv");
    expect(within(dialog).getByTestId("population-preview-total").textContent).toBe("全 120 行（先頭 10 行を表示）");
    const table = within(dialog).getByTestId("population-preview-table");
    expect(within(table).getAllByRole("row")).toHaveLength(11);
    expect(table.textContent).toContain("CHG-0001");
    expect(table.textContent).toContain("OSパッチ適用（仮想サーバ基盤）");
    // Guessed from the headers: 変更番号 is the ID, 申請日 the first header ending in 日, 件名 the description.
    expect((within(dialog).getByTestId("population-column-id") as HTMLSelectElement).value).toBe("0");
    expect((within(dialog).getByTestId("population-column-date") as HTMLSelectElement).value).toBe("1");
    expect((within(dialog).getByTestId("population-column-description") as HTMLSelectElement).value).toBe("2");
    const chosen = [...table.querySelectorAll("th.chosen")].map((th) => th.textContent?.replace(/\s+/g, " ").trim());
    expect(chosen).toEqual(["ID 変更番号", "日付 申請日", "概要 件名"]);

    // Another column can be chosen; back to the filing date, which decides the period, as in the demo.
    await fireEvent.change(within(dialog).getByTestId("population-column-date"), { target: { value: "6" } });
    expect([...table.querySelectorAll("th.chosen")].map((th) => th.textContent?.replace(/\s+/g, " ").trim())).toEqual(["ID 変更番号", "概要 件名", "日付 実施日"]);
    await fireEvent.change(within(dialog).getByTestId("population-column-date"), { target: { value: "1" } });
    await fireEvent.click(within(dialog).getByTestId("population-import-confirm"));
    await waitFor(() => expect(screen.queryByTestId("population-preview")).toBeNull());
    const summary = await within(panel).findByTestId("population-summary");
    expect(summary.textContent).toContain("120 件");
    expect(within(summary).getByTestId("population-out-of-period-count").textContent).toBe("対象期間外 2 件（抽出の対象外）");
    expect(within(summary).getByTestId("population-out-of-period").textContent).toContain("CHG-0001");
    expect(summary.textContent).toContain("申請者、承認者、承認日、実施日");
  });

  it("shows the lines of a population file the import refuses", async () => {
    const { backend } = await openAt(CONTROL);
    backend.pickedPopulationFile = "/fake/change-tickets-broken.csv";
    const panel = await openPanel(0);
    await fireEvent.click(within(panel).getByTestId("population-import"));
    const dialog = await screen.findByTestId("population-preview");
    await fireEvent.click(within(dialog).getByTestId("population-import-confirm"));
    const problems = await within(dialog).findByTestId("population-import-problems");
    expect(problems.textContent).toContain("line 4");
    expect(problems.textContent).toContain('the ID "CHG-0002" is already used at line 3');
    expect(problems.textContent).toContain("line 6");
    expect((await backend.sampling(DEMO_PATH, `${CONTROL}/P1`)).population).toBe(null);
  });

  it("draws the sample of the worked example in docs/sampling.md, records the seed, and reproduces it", async () => {
    const { backend } = await openAt(CONTROL, async (b) => {
      b.putFile("/in/twenty.csv", frameOfTwenty());
      b.pickedPopulationFile = "/in/twenty.csv";
    });
    const panel = await openPanel(0);
    await importFile(panel);
    expect(within(panel).getByTestId("population-summary").textContent).toContain("すべて対象期間内");

    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "weekly" } });
    expect(within(panel).getByTestId("sample-rule").textContent?.trim()).toBe("規則表 common-practice 2026.1: 週次 → 5件");
    await fireEvent.input(within(panel).getByTestId("sample-seed"), { target: { value: "20261126" } });
    await fireEvent.click(within(panel).getByTestId("sample-select"));

    const list = await within(panel).findByTestId("sample-list");
    expect(within(list).getAllByTestId("sample-item").map((r) => Number(r.dataset.row))).toEqual([17, 5, 12, 10, 16]);
    expect(list.textContent).toContain("T-017");
    expect(within(list).getAllByText("無作為")).toHaveLength(5);
    const summary = within(panel).getByTestId("sample-summary").textContent ?? "";
    expect(summary).toContain("シード 20261126");
    expect(summary).toContain("規則表 common-practice 2026.1");
    expect(summary).toContain("5 件（規則 5 件）");
    expect((await backend.sampling(DEMO_PATH, `${CONTROL}/P1`)).sample?.seed).toBe(20261126);

    await fireEvent.click(within(panel).getByTestId("sample-reproduce"));
    const result = await within(panel).findByTestId("reproduce-result");
    expect(result.dataset.matches).toBe("true");
    expect(result.textContent).toContain("記録されたシード 20261126 から、同じ 5 件");
  });

  it("asks for the reason of a size other than the rule's, and draws nothing without it", async () => {
    const { backend } = await openAt(CONTROL, async (b) => {
      b.putFile("/in/twenty.csv", frameOfTwenty());
      b.pickedPopulationFile = "/in/twenty.csv";
    });
    const panel = await openPanel(0);
    await importFile(panel);
    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "daily" } });
    // Daily is 25 by the table, but only 20 items can be drawn.
    expect(within(panel).getByTestId("sample-rule").textContent).toContain("日次 → 20件");
    await fireEvent.click(within(panel).getByTestId("sample-override"));
    await fireEvent.input(within(panel).getByTestId("sample-size"), { target: { value: "8" } });
    await fireEvent.click(within(panel).getByTestId("sample-select"));
    const problem = await within(panel).findByTestId("sample-override-problem");
    expect(problem.textContent).toBe("規則の件数（20 件）と異なる件数にするには、理由を入力してください。");
    expect((await backend.sampling(DEMO_PATH, `${CONTROL}/P1`)).sample).toBe(null);

    await fireEvent.input(within(panel).getByTestId("sample-override-reason"), { target: { value: "四半期ごとの承認会議の回数に合わせるため" } });
    await fireEvent.click(within(panel).getByTestId("sample-select"));
    await within(panel).findByTestId("sample-list");
    expect(within(panel).getAllByTestId("sample-item")).toHaveLength(8);
    expect(within(panel).getByTestId("sample-summary").textContent).toContain("件数を変えた理由: 四半期ごとの承認会議の回数に合わせるため");
  });

  it("enters the grid by keyboard: a failure typed with its comment becomes the procedure's exception, a pass takes it away", async () => {
    const P = `${CONTROL}/P1`;
    const { backend } = await openAt(CONTROL, async (b) => {
      await b.setPopulationCount(DEMO_PATH, P, 30);
      await b.selectSample(DEMO_PATH, P, { frequency: "monthly", size_override: null, override_reason: null, seed: 42, by_quarter: false });
      await b.addAttribute(DEMO_PATH, P, "変更の実施前に承認されている");
    });
    await fireEvent.click(within(card(0)).getByTestId("sampling-toggle"));
    const panel = await within(card(0)).findByTestId("sampling-panel");
    const grid = await within(panel).findByTestId("test-grid");
    expect(grid.getAttribute("role")).toBe("grid");
    expect(grid.getAttribute("aria-rowcount")).toBe("3");
    // One Tab stop: the first cell.
    expect(within(grid).getAllByTestId("grid-cell").map((c) => c.tabIndex)).toEqual([0, -1]);

    cell(panel, 1, "A").focus();
    await fireEvent.keyDown(cell(panel, 1, "A"), { key: "p" });
    await waitFor(() => expect(cell(panel, 1, "A").dataset.result).toBe("pass"));
    expect(cell(panel, 1, "A").textContent).toContain("✓");

    // Down to S2, and f: a failure needs its facts, so the editor opens at the comment.
    await fireEvent.keyDown(cell(panel, 1, "A"), { key: "ArrowDown" });
    expect(document.activeElement).toBe(cell(panel, 2, "A"));
    expect(cell(panel, 2, "A").tabIndex).toBe(0);
    await fireEvent.keyDown(cell(panel, 2, "A"), { key: "f" });
    const editor = await screen.findByTestId("cell-editor");
    const comment = within(editor).getByTestId("cell-comment") as HTMLTextAreaElement;
    await waitFor(() => expect(document.activeElement).toBe(comment));
    expect((within(editor).getByTestId("cell-result") as HTMLSelectElement).value).toBe("fail");
    await fireEvent.input(comment, { target: { value: "承認日が実施日より後であった。" } });
    await fireEvent.keyDown(comment, { key: "Enter" });
    await waitFor(() => expect(screen.queryByTestId("cell-editor")).toBeNull());

    // The procedure shows the exception and the result the grid gives.
    const item = await within(card(0)).findByTestId("exception-item");
    expect(item.textContent).toContain("E-0002");
    expect(item.textContent).toContain("承認日が実施日より後であった。");
    expect(within(item).getByTestId("exception-from-grid").textContent).toBe("テスト S2・A");
    expect(within(item).queryByTestId("exception-edit")).toBeNull();
    await waitFor(() => expect(within(card(0)).getByTestId("result-exception").getAttribute("aria-pressed")).toBe("true"));
    expect(within(card(0)).getByTestId("result-exception").textContent).toContain("例外事項あり");
    expect(cell(panel, 2, "A").textContent).toContain("E-0002");
    expect(within(panel).getByTestId("grid-status").textContent).toContain("承認日が実施日より後であった。");
    expect(document.activeElement).toBe(cell(panel, 2, "A"));

    // Passed after all: the exception goes, and every cell passed gives no exception.
    await fireEvent.keyDown(cell(panel, 2, "A"), { key: "1" });
    await waitFor(() => expect(within(card(0)).queryByTestId("exception-item")).toBeNull());
    await waitFor(() => expect(within(card(0)).getByTestId("result-no_exception").getAttribute("aria-pressed")).toBe("true"));
    const stored = (await backend.controlDetail(DEMO_PATH, CONTROL)).procedures[0].procedure;
    expect(stored).toMatchObject({ result: "no_exception", exceptions: [] });
    expect((await backend.sampling(DEMO_PATH, P)).cells.map((c) => [c.no, c.result, c.tickmark])).toEqual([
      [1, "pass", "✓"],
      [2, "pass", "✓"],
    ]);
  });

  it("edits a cell with Enter and cancels with Escape, returning the focus to the cell", async () => {
    const { backend } = await openAt(CONTROL);
    const panel = within(card(2)).getByTestId("sampling-panel");
    await within(panel).findByTestId("test-grid");
    const target = cell(panel, 3, "B");
    target.focus();
    await fireEvent.keyDown(target, { key: "Enter" });
    const editor = await screen.findByTestId("cell-editor");
    expect((within(editor).getByTestId("cell-result") as HTMLSelectElement).value).toBe("pass");
    expect((within(editor).getByTestId("cell-tickmark") as HTMLSelectElement).value).toBe("✓");
    await fireEvent.change(within(editor).getByTestId("cell-tickmark"), { target: { value: "Ⓘ" } });
    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("cell-editor")).toBeNull());
    expect(document.activeElement).toBe(cell(panel, 3, "B"));
    expect((await backend.sampling(DEMO_PATH, `${CONTROL}/P3`)).cells.find((c) => c.no === 3 && c.attribute === "B")?.tickmark).toBe("✓");

    await fireEvent.keyDown(cell(panel, 3, "B"), { key: "F2" });
    const again = await screen.findByTestId("cell-editor");
    await fireEvent.change(within(again).getByTestId("cell-tickmark"), { target: { value: "Ⓘ" } });
    await fireEvent.input(within(again).getByTestId("cell-comment"), { target: { value: "変更管理責任者に質問して確認した。" } });
    await fireEvent.click(within(again).getByTestId("cell-save"));
    await waitFor(() => expect(cell(panel, 3, "B").textContent).toContain("Ⓘ"));
    expect(cell(panel, 3, "B").classList.contains("commented")).toBe(true);
  });

  it("shows the demo grid's failure, the legend in the UI language, and each row's evidence", async () => {
    const { backend } = await openAt(CONTROL);
    const panel = within(card(2)).getByTestId("sampling-panel");
    await within(panel).findByTestId("test-grid");
    expect(within(panel).getAllByTestId("grid-cell")).toHaveLength(50);
    expect(cell(panel, 7, "A").dataset.result).toBe("fail");
    expect(cell(panel, 7, "A").textContent).toContain("E-0001");
    expect(within(panel).getByTestId("sampling-result-note").textContent).toContain("例外事項あり");

    const legend = within(panel).getByTestId("tickmark-legend");
    expect(within(legend).getAllByTestId("tickmark").map((m) => m.textContent?.replace(/\s+/g, " ").trim())).toEqual([
      "✓ 証跡と照合し、問題なし",
      "× 例外事項あり（コメント参照）",
      "N/A 該当なし（コメント参照）",
      "Ⓘ 担当者への質問により確認",
      "Ⓡ 再実施により確認",
    ]);
    setLang("en");
    await waitFor(() => expect(legend.textContent).toContain("Agreed to evidence without exception"));
    setLang("ja");

    // A mark added to the legend is offered in the cell editor.
    await fireEvent.click(within(legend).getByTestId("tickmark-edit"));
    await fireEvent.input(within(legend).getByTestId("tickmark-mark"), { target: { value: "Ⓢ" } });
    await fireEvent.input(within(legend).getByTestId("tickmark-meaning-ja"), { target: { value: "システム画面で確認" } });
    await fireEvent.click(within(legend).getByTestId("tickmark-save"));
    await waitFor(() => expect(within(legend).getAllByTestId("tickmark")).toHaveLength(6));
    expect((await backend.sampling(DEMO_PATH, `${CONTROL}/P3`)).legend.at(-1)).toEqual({ mark: "Ⓢ", meaning_ja: "システム画面で確認", meaning_en: "" });

    // Existing evidence is linked to a sample row.
    backend.putFile("/in/CHG-0017.png", new Uint8Array([137, 80, 78, 71]));
    await backend.addEvidence(
      DEMO_PATH,
      [{ path: "/in/CHG-0017.png", meta: { title: "CHG-0017 承認画面", description: "", kind: "screenshot", obtained_from: "", obtained_by: "", obtained_at: null, as_of: "2026-05-01" } }],
      [],
      () => {},
    );
    const row = within(panel).getAllByTestId("sample-evidence-link")[6];
    await fireEvent.click(row);
    const dialog = await screen.findByTestId("sample-link-dialog");
    expect(dialog.textContent).toContain("S7");
    await fireEvent.change(within(dialog).getByTestId("sample-link-select"), { target: { value: "EV-0001" } });
    await fireEvent.click(within(dialog).getByTestId("sample-link-confirm"));
    await waitFor(() => expect(screen.queryByTestId("sample-link-dialog")).toBeNull());
    const evidenceRow = within(panel).getByTestId("test-grid").querySelector(`[data-sample-item="${CONTROL}/P3/S7"]`) as HTMLElement;
    await waitFor(() => expect(evidenceRow.textContent).toContain("EV-0001"));
    expect((await backend.listEvidence(DEMO_PATH, false))[0].links).toEqual([{ kind: "sample", id: `${CONTROL}/P3/S7` }]);
  });

  it("links files dropped on a row of the grid to that sample item", async () => {
    const { backend } = await openAt(CONTROL);
    const panel = within(card(2)).getByTestId("sampling-panel");
    await within(panel).findByTestId("test-grid");
    backend.putFile("/in/CHG-0014_承認記録.pdf", "%PDF-1.4");
    // jsdom does no layout, so the test says which element is under the drop point.
    document.elementFromPoint = () => cell(panel, 3, "B");
    try {
      backend.dropFiles(["/in/CHG-0014_承認記録.pdf"], 10, 10);
      const dialog = await screen.findByTestId("intake-dialog");
      expect(within(dialog).getByTestId("intake-link").textContent).toContain(`標本 ${CONTROL}/P3/S3`);
      await within(dialog).findByTestId("meta-kind");
      await fireEvent.click(within(dialog).getByTestId("intake-submit"));
      await waitFor(() => expect(screen.queryByTestId("intake-dialog")).toBeNull());
    } finally {
      delete (document as { elementFromPoint?: unknown }).elementFromPoint;
    }
    expect((await backend.listEvidence(DEMO_PATH, false))[0].links).toEqual([{ kind: "sample", id: `${CONTROL}/P3/S3` }]);
    const row = within(panel).getByTestId("test-grid").querySelector(`[data-sample-item="${CONTROL}/P3/S3"]`) as HTMLElement;
    await waitFor(() => expect(row.textContent).toContain("EV-0001"));
    expect(within(screen.getByTestId("evidence-panel")).getByTestId("evidence-row").textContent).toContain("P3/S3");
  });

  it("turns read-only when the engagement is finalized: nothing to import, draw or enter", async () => {
    const { backend } = await openAt(CONTROL, (b) => recordSampleReview(b, DEMO_PATH, { finalize: true }));
    expect(screen.getByTestId("locked-banner")).toBeTruthy();
    const panel = within(card(2)).getByTestId("sampling-panel");
    await within(panel).findByTestId("test-grid");
    for (const id of ["population-import", "population-count-toggle", "sample-add-toggle", "sample-discard-toggle", "attribute-add-text", "attribute-add", "attribute-edit", "tickmark-edit", "sample-evidence-link"]) {
      expect(within(panel).queryAllByTestId(id), id).toHaveLength(0);
    }
    // The keys move but change nothing, and the editor does not open.
    const target = cell(panel, 1, "A");
    target.focus();
    await fireEvent.keyDown(target, { key: "Delete" });
    await fireEvent.keyDown(target, { key: "Enter" });
    expect(screen.queryByTestId("cell-editor")).toBeNull();
    await fireEvent.keyDown(target, { key: "ArrowRight" });
    expect(document.activeElement).toBe(cell(panel, 1, "B"));
    expect((await backend.sampling(DEMO_PATH, `${CONTROL}/P3`)).cells).toHaveLength(50);
    // Checking the draw is still possible.
    await fireEvent.click(within(panel).getByTestId("sample-reproduce"));
    expect((await within(panel).findByTestId("reproduce-result")).dataset.matches).toBe("true");

    // A design procedure's panel opens too, with nothing to change.
    await fireEvent.click(within(card(0)).getByTestId("sampling-toggle"));
    const other = await within(card(0)).findByTestId("sampling-panel");
    await within(other).findByText("母集団はまだ登録されていません。一覧ファイルを取り込むか、一覧がない場合は件数を入力してください。");
    expect(within(other).queryByTestId("population-import")).toBeNull();
    expect(within(other).queryByTestId("sample-select")).toBeNull();
  });
});

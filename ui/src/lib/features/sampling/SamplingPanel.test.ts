import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configure, fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { sessionOn } from "../../../test/render";
import type { Session } from "../../session.svelte";
import { cell, frameOfTwenty, importChosen, renderPanel, writeList } from "./sampling.testing";

// The sampling panel of a procedure, on the real core: the population, the
// sample, the test grid and the tickmark legend.

const P1 = "4.4.1.1/P1";
const P3 = "4.4.1.1/P3";

// Every step is a round trip to the core.
configure({ asyncUtilTimeout: 5000 });

describe("the sampling panel, on the real core", { timeout: 60000 }, () => {
  let core: Core;
  let session: Session;
  beforeEach(async () => {
    setLang("ja");
    core = await startCore();
    session = await sessionOn(core);
  });
  afterEach(async () => {
    setLang("ja");
    await core.stop();
  });

  const sampling = (procedure_id: string) => session.engagement!.client.sampling({ procedure_id });

  it("previews a population file with its first rows and guessed columns, and imports it with the items out of the period flagged", async () => {
    const { panel, onchanged } = await renderPanel(session, P1);
    expect(panel.dataset.procedureId).toBe(P1);
    await core.choose([core.repoFile("assets/demo/change-tickets.csv")]);
    await fireEvent.click(within(panel).getByTestId("population-import"));
    const dialog = await screen.findByTestId("population-preview");
    expect(dialog.textContent).toContain("change-tickets.csv");
    expect(within(dialog).getByTestId("population-preview-total").textContent).toBe("全 120 行（先頭 10 行を表示）");
    const table = within(dialog).getByTestId("population-preview-table");
    expect(within(table).getAllByRole("row")).toHaveLength(11);
    expect(table.textContent).toContain("CHG-0001");
    expect(table.textContent).toContain("OSパッチ適用（仮想サーバ基盤）");
    // Guessed by the core from the headers: 変更番号 is the ID, 申請日 the date, 件名 the description.
    expect((within(dialog).getByTestId("population-column-id") as HTMLSelectElement).value).toBe("0");
    expect((within(dialog).getByTestId("population-column-date") as HTMLSelectElement).value).toBe("1");
    expect((within(dialog).getByTestId("population-column-description") as HTMLSelectElement).value).toBe("2");
    const chosen = () => [...table.querySelectorAll("th.chosen")].map((th) => th.textContent?.replace(/\s+/g, " ").trim());
    expect(chosen()).toEqual(["ID 変更番号", "日付 申請日", "概要 件名"]);

    // Another column can be chosen; back to the filing date, which decides the period, as in the demo.
    await fireEvent.change(within(dialog).getByTestId("population-column-date"), { target: { value: "6" } });
    expect(chosen()).toEqual(["ID 変更番号", "概要 件名", "日付 実施日"]);
    await fireEvent.change(within(dialog).getByTestId("population-column-date"), { target: { value: "1" } });
    await fireEvent.click(within(dialog).getByTestId("population-import-confirm"));
    await waitFor(() => expect(screen.queryByTestId("population-preview")).toBeNull());
    const summary = await within(panel).findByTestId("population-summary");
    expect(summary.textContent).toContain("120 件");
    expect(within(summary).getByTestId("population-out-of-period-count").textContent).toBe("対象期間外 2 件（抽出の対象外）");
    expect(within(summary).getByTestId("population-out-of-period").textContent).toContain("CHG-0001");
    expect(summary.textContent).toContain("申請者、承認者、承認日、実施日");
    expect(onchanged).toHaveBeenCalled();
    expect((await sampling(P1)).state.population_summary).toMatchObject({ listed: 120, frame: 118, out_of_period: 2 });
  });

  it("shows the lines of a population file the import refuses, and stores nothing", async () => {
    const broken = writeList(core, "broken.csv", ["変更番号,申請日,件名", "CHG-0001,2025-10-01,a", "CHG-0002,2025-10-02,b", "CHG-0002,2025-10-03,c", "CHG-0004,2025-10-04,d", ",2025-10-05,e"]);
    const { panel } = await renderPanel(session, P1);
    await core.choose([broken]);
    await fireEvent.click(within(panel).getByTestId("population-import"));
    const dialog = await screen.findByTestId("population-preview");
    await fireEvent.click(within(dialog).getByTestId("population-import-confirm"));
    const problems = await within(dialog).findByTestId("population-import-problems");
    expect(problems.textContent).toContain("broken.csv を取り込めませんでした。");
    expect(problems.textContent).toContain('line 4: the ID "CHG-0002" is already used at line 3');
    expect(problems.textContent).toContain("line 6");
    expect((await sampling(P1)).state.population).toBe(null);
  });

  it("sets a population by its count, saying what cannot be a number and showing the core's range", async () => {
    const { panel } = await renderPanel(session, P1);
    await fireEvent.click(within(panel).getByTestId("population-count-toggle"));
    const input = within(panel).getByTestId("population-count");
    await fireEvent.input(input, { target: { value: "十二" } });
    await fireEvent.click(within(panel).getByTestId("population-count-save"));
    expect(within(panel).getByRole("alert").textContent).toBe("数字で入力してください。");
    await fireEvent.input(input, { target: { value: "0" } });
    await fireEvent.click(within(panel).getByTestId("population-count-save"));
    await waitFor(() => expect(within(panel).getByRole("alert").textContent).toBe("母集団の件数は 1〜10000000 件で入力してください。"));
    expect((await sampling(P1)).state.population).toBe(null);
    // Full-width digits, as an input method types them.
    await fireEvent.input(input, { target: { value: "４８" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(within(panel).getByTestId("population-summary").textContent).toContain("件数のみ: 48 件"));
  });

  it("draws the sample of the worked example in docs/sampling.md, records the seed, and reproduces it", async () => {
    const { panel } = await renderPanel(session, P1);
    await importChosen(core, panel, frameOfTwenty(core));
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
    expect((await sampling(P1)).state.sample?.seed).toBe(20261126);

    await fireEvent.click(within(panel).getByTestId("sample-reproduce"));
    const result = await within(panel).findByTestId("reproduce-result");
    expect(result.dataset.matches).toBe("true");
    expect(result.textContent).toContain("記録されたシード 20261126 から、同じ 5 件");
  });

  it("shows the core's refusals of a draw beside their fields: the seed's range, the reason a size other than the rule's needs", async () => {
    const { panel } = await renderPanel(session, P1);
    await importChosen(core, panel, frameOfTwenty(core));
    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "daily" } });
    // Daily is 25 by the table, but only 20 items can be drawn.
    expect(within(panel).getByTestId("sample-rule").textContent).toContain("日次 → 20件");

    // What cannot be a number is not sent; a number out of the range is the core's to refuse.
    await fireEvent.input(within(panel).getByTestId("sample-seed"), { target: { value: "12a" } });
    await fireEvent.click(within(panel).getByTestId("sample-select"));
    expect(within(panel).getByTestId("sample-seed-problem").textContent).toBe("数字で入力してください。");
    await fireEvent.input(within(panel).getByTestId("sample-seed"), { target: { value: "0" } });
    await fireEvent.click(within(panel).getByTestId("sample-select"));
    await waitFor(() => expect(within(panel).getByTestId("sample-seed-problem").textContent).toBe("シードは 1〜2147483646 の整数で入力してください（0 は範囲外です）。"));
    await fireEvent.input(within(panel).getByTestId("sample-seed"), { target: { value: "" } });

    await fireEvent.click(within(panel).getByTestId("sample-override"));
    await fireEvent.input(within(panel).getByTestId("sample-size"), { target: { value: "8" } });
    await fireEvent.click(within(panel).getByTestId("sample-select"));
    const problem = await within(panel).findByTestId("sample-override-problem");
    expect(problem.textContent).toBe("規則の件数（20 件）と異なる件数にするには、理由を入力してください。");
    expect(within(panel).queryByTestId("sample-seed-problem")).toBeNull();
    expect((await sampling(P1)).state.sample).toBe(null);

    await fireEvent.input(within(panel).getByTestId("sample-override-reason"), { target: { value: "四半期ごとの承認会議の回数に合わせるため" } });
    await fireEvent.click(within(panel).getByTestId("sample-select"));
    await within(panel).findByTestId("sample-list");
    expect(within(panel).getAllByTestId("sample-item")).toHaveLength(8);
    expect(within(panel).getByTestId("sample-summary").textContent).toContain("件数を変えた理由: 四半期ごとの承認会議の回数に合わせるため");
  });

  it("chooses a sample by hand, adds an item with its reason, and discards the sample only while nothing is tested", async () => {
    const { panel } = await renderPanel(session, P1);
    await importChosen(core, panel, frameOfTwenty(core));
    await fireEvent.input(within(panel).getByTestId("sample-manual-ids"), { target: { value: "T-003、T-009" } });
    await fireEvent.click(within(panel).getByTestId("sample-manual-select"));
    // The reason is the core's to ask for.
    await waitFor(() => expect(within(panel).getByTestId("sample-manual-problem").textContent).toBe("理由を入力してください。"));
    await fireEvent.input(within(panel).getByTestId("sample-manual-reason"), { target: { value: "金額の大きい変更" } });
    await fireEvent.click(within(panel).getByTestId("sample-manual-select"));
    const list = await within(panel).findByTestId("sample-list");
    expect(within(list).getAllByTestId("sample-item").map((r) => Number(r.dataset.row))).toEqual([3, 9]);
    expect(within(list).getAllByText("任意")).toHaveLength(2);

    await fireEvent.click(within(panel).getByTestId("sample-add-toggle"));
    await fireEvent.input(within(panel).getByTestId("sample-add-id"), { target: { value: "T-099" } });
    await fireEvent.input(within(panel).getByTestId("sample-add-reason"), { target: { value: "追加" } });
    await fireEvent.click(within(panel).getByTestId("sample-add-confirm"));
    await waitFor(() => expect(within(panel).getByTestId("sample-add-problem").textContent).toBe("指定した項目が見つかりません。項目IDを確認してください。"));
    await fireEvent.input(within(panel).getByTestId("sample-add-id"), { target: { value: "T-003" } });
    await fireEvent.click(within(panel).getByTestId("sample-add-confirm"));
    await waitFor(() => expect(within(panel).getByTestId("sample-add-problem").textContent).toBe("「T-003」はすでに標本に含まれています。"));
    await fireEvent.input(within(panel).getByTestId("sample-add-id"), { target: { value: "T-012" } });
    await fireEvent.click(within(panel).getByTestId("sample-add-confirm"));
    await waitFor(() => expect(within(panel).getAllByTestId("sample-item")).toHaveLength(3));
    expect(within(panel).getAllByTestId("sample-item")[2].textContent).toContain("追加");

    // A tested cell keeps the sample: the core refuses to discard it.
    const client = session.engagement!.client;
    await client.addAttribute({ procedure_id: P1, text: "承認済み" });
    await client.setCell({ procedure_id: P1, no: 1, attribute: "A", input: { result: "pass", tickmark: null, comment: "" } });
    await fireEvent.click(within(panel).getByTestId("sample-discard-toggle"));
    await fireEvent.input(within(panel).getByTestId("sample-discard-reason"), { target: { value: "頻度の誤り" } });
    await fireEvent.click(within(panel).getByTestId("sample-discard-confirm"));
    await waitFor(() => expect(within(panel).getByTestId("sample-discard-problem").textContent).toBe("テスト済みのセルがあるため、標本を破棄できません。先にセルを空にしてください。"));
    await client.setCell({ procedure_id: P1, no: 1, attribute: "A", input: { result: null, tickmark: null, comment: "" } });
    await fireEvent.click(within(panel).getByTestId("sample-discard-confirm"));
    await waitFor(() => expect(within(panel).queryByTestId("sample-list")).toBeNull());
    expect((await sampling(P1)).state.sample).toBe(null);
  });

  it("enters the grid by keyboard: a failure refused without its comment opens the editor, saved with it becomes the procedure's exception, a pass takes it away", async () => {
    const client = session.engagement!.client;
    await client.setPopulationCount({ procedure_id: P1, count: 30 });
    await client.selectSample({ procedure_id: P1, request: { frequency: "monthly", size_override: null, override_reason: null, seed: 42, by_quarter: false } });
    await client.addAttribute({ procedure_id: P1, text: "変更の実施前に承認されている" });
    const { panel, onchanged } = await renderPanel(session, P1);
    const grid = await within(panel).findByTestId("test-grid");
    expect(grid.getAttribute("role")).toBe("grid");
    expect(grid.getAttribute("aria-rowcount")).toBe("3");
    // One Tab stop: the first cell.
    expect(within(grid).getAllByTestId("grid-cell").map((c) => c.tabIndex)).toEqual([0, -1]);

    cell(panel, 1, "A").focus();
    await fireEvent.keyDown(cell(panel, 1, "A"), { key: "p" });
    await waitFor(() => expect(cell(panel, 1, "A").dataset.result).toBe("pass"));
    expect(cell(panel, 1, "A").textContent).toContain("✓");

    // Down to S2, and f: the core wants the failure's facts, so the editor opens at the comment.
    await fireEvent.keyDown(cell(panel, 1, "A"), { key: "ArrowDown" });
    expect(document.activeElement).toBe(cell(panel, 2, "A"));
    expect(cell(panel, 2, "A").tabIndex).toBe(0);
    await fireEvent.keyDown(cell(panel, 2, "A"), { key: "f" });
    const editor = await screen.findByTestId("cell-editor");
    const comment = within(editor).getByTestId("cell-comment") as HTMLTextAreaElement;
    await waitFor(() => expect(document.activeElement).toBe(comment));
    expect((within(editor).getByTestId("cell-result") as HTMLSelectElement).value).toBe("fail");
    expect((within(editor).getByTestId("cell-tickmark") as HTMLSelectElement).value).toBe("×");
    // Saved without the facts, the core says what is missing.
    await fireEvent.keyDown(comment, { key: "Enter" });
    await waitFor(() => expect(within(editor).getByTestId("cell-problem").textContent).toBe("「例外事項あり」には、例外事項として記録する事実をコメントに記載してください。"));
    await fireEvent.input(comment, { target: { value: "承認日が実施日より後であった。" } });
    await fireEvent.keyDown(comment, { key: "Enter" });
    await waitFor(() => expect(screen.queryByTestId("cell-editor")).toBeNull());

    await waitFor(() => expect(cell(panel, 2, "A").textContent).toContain("E-0002"));
    expect(within(panel).getByTestId("grid-status").textContent).toContain("承認日が実施日より後であった。");
    expect(document.activeElement).toBe(cell(panel, 2, "A"));
    // The procedure has the exception, and the result the grid gives; the walkthrough is told to show it.
    expect(onchanged).toHaveBeenCalled();
    let procedure = (await client.controlDetail({ control_id: "4.4.1.1" })).procedures[0].procedure;
    expect(procedure).toMatchObject({ result: "exception", exceptions: [{ id: "E-0002", text: "承認日が実施日より後であった。" }] });

    // Passed after all: the exception goes, and every cell passed gives no exception.
    await fireEvent.keyDown(cell(panel, 2, "A"), { key: "1" });
    await waitFor(() => expect(cell(panel, 2, "A").dataset.result).toBe("pass"));
    procedure = (await client.controlDetail({ control_id: "4.4.1.1" })).procedures[0].procedure;
    expect(procedure).toMatchObject({ result: "no_exception", exceptions: [] });
    expect((await sampling(P1)).state.cells.map((c) => [c.no, c.result, c.tickmark])).toEqual([
      [1, "pass", "✓"],
      [2, "pass", "✓"],
    ]);
  });

  it("edits a cell with Enter and cancels with Escape, returning the focus to the cell", async () => {
    const { panel } = await renderPanel(session, P3);
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
    expect((await sampling(P3)).state.cells.find((c) => c.no === 3 && c.attribute === "B")?.tickmark).toBe("✓");

    await fireEvent.keyDown(cell(panel, 3, "B"), { key: "F2" });
    const again = await screen.findByTestId("cell-editor");
    await fireEvent.change(within(again).getByTestId("cell-tickmark"), { target: { value: "Ⓘ" } });
    await fireEvent.input(within(again).getByTestId("cell-comment"), { target: { value: "変更管理責任者に質問して確認した。" } });
    await fireEvent.click(within(again).getByTestId("cell-save"));
    await waitFor(() => expect(cell(panel, 3, "B").textContent).toContain("Ⓘ"));
    expect(cell(panel, 3, "B").classList.contains("commented")).toBe(true);
    expect((await sampling(P3)).state.cells.find((c) => c.no === 3 && c.attribute === "B")).toMatchObject({ tickmark: "Ⓘ", comment: "変更管理責任者に質問して確認した。" });
  });

  it("shows the demo grid's failure, the legend in the UI language, and links evidence to a row", async () => {
    const { panel, onchanged, rerender } = await renderPanel(session, P3);
    await within(panel).findByTestId("test-grid");
    expect(within(panel).getAllByTestId("grid-cell")).toHaveLength(50);
    expect(cell(panel, 7, "A").dataset.result).toBe("fail");
    expect(cell(panel, 7, "A").textContent).toContain("E-0001");
    expect(within(panel).getByTestId("sampling-result-note").textContent).toContain("例外事項あり");
    // Each row names its sample item (files dropped on a row are linked to it).
    expect(within(panel).getByTestId("test-grid").querySelectorAll("[data-sample-item]")).toHaveLength(25);

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
    expect((await sampling(P3)).state.legend.at(-1)).toEqual({ mark: "Ⓢ", meaning_ja: "システム画面で確認", meaning_en: "" });
    cell(panel, 1, "A").focus();
    await fireEvent.keyDown(cell(panel, 1, "A"), { key: "Enter" });
    const editor = await screen.findByTestId("cell-editor");
    expect([...within(editor).getByTestId("cell-tickmark").querySelectorAll("option")].map((o) => o.value)).toContain("Ⓢ");
    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("cell-editor")).toBeNull());

    // Existing evidence is linked to a sample row.
    const client = session.engagement!.client;
    const png = join(core.dataDir, "CHG-0017.png");
    writeFileSync(png, new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]));
    await core.choose([png]);
    const [picked] = await session.client.pickEvidenceFiles({});
    const meta = { title: "CHG-0017 承認画面", description: "", kind: "screenshot" as const, obtained_from: "", obtained_by: "", obtained_at: null, as_of: "2026-05-01" as const };
    const [added] = await client.addEvidence({ files: [{ file: picked.file, meta }], links: [] });
    await fireEvent.click(within(panel).getAllByTestId("sample-evidence-link")[6]);
    const dialog = await screen.findByTestId("sample-link-dialog");
    expect(dialog.textContent).toContain("S7");
    await fireEvent.change(within(dialog).getByTestId("sample-link-select"), { target: { value: added.id } });
    await fireEvent.click(within(dialog).getByTestId("sample-link-confirm"));
    await waitFor(() => expect(screen.queryByTestId("sample-link-dialog")).toBeNull());
    expect(onchanged).toHaveBeenCalled();
    const evidence = await client.listEvidence({ include_removed: false });
    expect(evidence.find((e) => e.id === added.id)?.links).toEqual([{ kind: "sample", id: `${P3}/S7` }]);
    // The walkthrough gives the panel the evidence again; the row shows it.
    await rerender({ evidence });
    const row = within(panel).getByTestId("test-grid").querySelector(`[data-sample-item="${P3}/S7"]`) as HTMLElement;
    expect(row.textContent).toContain(added.id);
  });

  it("turns read-only when the engagement is finalized: nothing to import, draw or enter", async () => {
    const path = join(core.dataDir, "final.ismap");
    core.cli(["demo", "--finalized", "--out", path]);
    await session.show(await core.open(path));
    expect(session.locked).toBe(true);
    const { panel } = await renderPanel(session, P3);
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
    expect((await sampling(P3)).state.cells).toHaveLength(50);
    // Checking the draw is still possible.
    await fireEvent.click(within(panel).getByTestId("sample-reproduce"));
    expect((await within(panel).findByTestId("reproduce-result")).dataset.matches).toBe("true");

    // A design procedure's panel opens too, with nothing to change.
    const { panel: other } = await renderPanel(session, P1);
    await within(other).findByText("母集団はまだ登録されていません。一覧ファイルを取り込むか、一覧がない場合は件数を入力してください。");
    expect(within(other).queryByTestId("population-import")).toBeNull();
    expect(within(other).queryByTestId("sample-select")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { setLang } from "../../i18n/index.svelte";
import { BackendError } from "../../ipc";
import type { ErrorKind } from "../../ipc/bindings/ErrorKind";
import type { FieldProblem } from "../../ipc/bindings/FieldProblem";
import { cellMark, defaultTickmark, failureText, gridKey, parseItemIds, placeProblems, wholeNumber, type GridKeyLike } from "./sampling";

const key = (k: string, extra: Partial<GridKeyLike> = {}): GridKeyLike => ({ key: k, altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, isComposing: false, ...extra });

/** A refusal as the core sends it (the English message is never shown). */
const refusal = (kind: ErrorKind, ...problems: Pick<FieldProblem, "field" | "code" | "params">[]) =>
  new BackendError({ kind, message: "m", input_problems: [], field_problems: problems.map((p) => ({ ...p, message: "m" })) });

describe("the test grid's keys", () => {
  it("enter results like a spreadsheet", () => {
    expect(["p", "P", "1"].map((k) => gridKey(key(k)))).toEqual(Array(3).fill({ kind: "set", result: "pass" }));
    expect(["f", "F", "x", "2"].map((k) => gridKey(key(k)))).toEqual(Array(4).fill({ kind: "set", result: "fail" }));
    expect(["n", "3"].map((k) => gridKey(key(k)))).toEqual(Array(2).fill({ kind: "set", result: "not_applicable" }));
    expect(["Delete", "Backspace"].map((k) => gridKey(key(k)))).toEqual(Array(2).fill({ kind: "set", result: null }));
    expect(["Enter", "F2"].map((k) => gridKey(key(k)))).toEqual(Array(2).fill({ kind: "edit" }));
  });

  it("move with the arrows, Home/End and PageUp/PageDown", () => {
    expect(gridKey(key("ArrowRight"))).toEqual({ kind: "move", rows: 0, cols: 1 });
    expect(gridKey(key("ArrowUp"))).toEqual({ kind: "move", rows: -1, cols: 0 });
    expect(gridKey(key("PageDown"))).toEqual({ kind: "move", rows: 10, cols: 0 });
    expect(gridKey(key("Home"))).toEqual({ kind: "row_start" });
    expect(gridKey(key("Home", { ctrlKey: true }))).toEqual({ kind: "first" });
    expect(gridKey(key("End", { ctrlKey: true }))).toEqual({ kind: "last" });
  });

  it("leave Alt shortcuts to the walkthrough, and every key to an input method that is composing", () => {
    expect(gridKey(key("1", { altKey: true }))).toBe(null);
    expect(gridKey(key("p", { ctrlKey: true }))).toBe(null);
    expect(gridKey(key("f", { isComposing: true }))).toBe(null);
    expect(gridKey(key("Process", { keyCode: 229 }))).toBe(null);
    expect(gridKey(key("?"))).toBe(null);
  });
});

describe("sampling in the panel", () => {
  it("reads numbers as typed (full-width digits and separators too), leaving whether they are allowed to the core", () => {
    expect(["", " ", "20261126", "２０２６１１２６", "2,147,483,646", "0", "2147483648", "12a", "-5", "2.5"].map(wholeNumber)).toEqual([
      null,
      null,
      20261126,
      20261126,
      2147483646,
      0,
      2147483648,
      "invalid",
      "invalid",
      "invalid",
    ]);
    expect(parseItemIds("CHG-0001\nCHG-0002, CHG-0003、 \n\nCHG-0004")).toEqual(["CHG-0001", "CHG-0002", "CHG-0003", "CHG-0004"]);
  });

  it("gives each result its usual mark when the legend has it", () => {
    const legend = ["✓", "×", "N/A"].map((mark) => ({ mark, meaning_ja: "", meaning_en: "" }));
    expect(defaultTickmark("pass", legend)).toBe("✓");
    expect(defaultTickmark("not_applicable", legend)).toBe("N/A");
    expect(defaultTickmark("fail", [])).toBe(null);
    expect(defaultTickmark(null, legend)).toBe(null);
    expect(cellMark({ no: 1, attribute: "A", result: "pass", tickmark: "Ⓘ", comment: "", exception_id: null })).toBe("Ⓘ");
    expect(cellMark({ no: 1, attribute: "A", result: "fail", tickmark: null, comment: "x", exception_id: "E-0001" })).toBe("×");
    expect(cellMark(undefined)).toBe("");
  });

  it("translates the core's refusals, naming a frequency in the user's language", () => {
    setLang("ja");
    expect(failureText(refusal("invalid", { field: "override_reason", code: "override_needs_reason", params: { rule: "25" } }))).toBe(
      "規則の件数（25 件）と異なる件数にするには、理由を入力してください。",
    );
    expect(failureText(refusal("invalid", { field: "frequency", code: "no_rule", params: { frequency: "weekly" } }))).toBe("規則表に「週次」の件数がありません。");
    expect(failureText(refusal("invalid", { field: "reason", code: "invalid", params: {} }))).toBe("理由を入力してください。");
    expect(failureText(refusal("not_found"))).toBe("指定した項目が見つかりません。項目IDを確認してください。");
    expect(failureText(refusal("locked"))).toContain("確定");
    setLang("en");
    expect(failureText(refusal("invalid", { field: "sizes", code: "duplicate_frequency", params: { frequency: "weekly" } }))).toBe('"Weekly" is given twice.');
    setLang("ja");
  });

  it("places each problem at the field a form shows it beside, and the rest below", () => {
    setLang("ja");
    const err = refusal(
      "invalid",
      { field: "name", code: "required", params: {} },
      { field: "size.daily", code: "size_range", params: { min: "1", max: "1000" } },
      { field: "sizes", code: "duplicate_frequency", params: { frequency: "daily" } },
    );
    expect(placeProblems(err, ["name", "size.daily"])).toEqual({
      name: "入力してください。",
      "size.daily": "件数は 1〜1000 の整数で入力してください（規則を設けない頻度は空欄にします）。",
      general: "「日次」の件数が2回指定されています。",
    });
    expect(placeProblems(refusal("io"), ["name"])).toEqual({ general: "ファイルの読み書きに失敗しました。" });
    expect(placeProblems(new Error("boom"), [])).toEqual({ general: "予期しないエラーが発生しました。" });
  });
});

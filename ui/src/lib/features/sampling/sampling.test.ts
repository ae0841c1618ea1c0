import { describe, expect, it } from "vitest";
import { setLang } from "../../i18n/index.svelte";
import { BackendError } from "../../ipc";
import { DEFAULT_TICKMARKS } from "../ipc/sampling";
import { cellMark, defaultTickmark, gridKey, parseItemIds, parseRuleSize, parseSeed, problemFor, samplingErrorText, shortSampleId, type GridKeyLike } from "./sampling";

const key = (k: string, extra: Partial<GridKeyLike> = {}): GridKeyLike => ({ key: k, altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, isComposing: false, ...extra });

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
  it("reads seeds and item lists as typed, full-width digits included", () => {
    expect(["", " ", "20261126", "２０２６１１２６", "2,147,483,646", "0", "2147483647", "12a", "-5"].map(parseSeed)).toEqual([
      null,
      null,
      20261126,
      20261126,
      2147483646,
      "invalid",
      "invalid",
      "invalid",
      "invalid",
    ]);
    expect(parseItemIds("CHG-0001\nCHG-0002, CHG-0003、 \n\nCHG-0004")).toEqual(["CHG-0001", "CHG-0002", "CHG-0003", "CHG-0004"]);
    expect(shortSampleId("4.4.1.1/P3/S7")).toBe("S7");
  });

  it("gives each result its usual mark when the legend has it", () => {
    expect(defaultTickmark("pass", DEFAULT_TICKMARKS)).toBe("✓");
    expect(defaultTickmark("not_applicable", DEFAULT_TICKMARKS)).toBe("N/A");
    expect(defaultTickmark("fail", [])).toBe(null);
    expect(defaultTickmark(null, DEFAULT_TICKMARKS)).toBe(null);
    expect(cellMark({ no: 1, attribute: "A", result: "pass", tickmark: "Ⓘ", comment: "", exception_id: null })).toBe("Ⓘ");
    expect(cellMark({ no: 1, attribute: "A", result: "fail", tickmark: null, comment: "x", exception_id: "E-0001" })).toBe("×");
    expect(cellMark(undefined)).toBe("");
  });

  it("translates the core's refusals, naming the frequency in the user's language", () => {
    setLang("ja");
    const refusal = (field: string, code: string, params: Record<string, string> = {}) =>
      new BackendError({ kind: "invalid", message: "m", input_problems: [], field_problems: [{ field, code, params, message: "m" }] });
    expect(samplingErrorText(refusal("override_reason", "override_needs_reason", { rule: "25" }))).toBe("規則の件数（25 件）と異なる件数にするには、理由を入力してください。");
    expect(samplingErrorText(refusal("frequency", "no_rule", { frequency: "weekly" }))).toBe("規則表に「週次」の件数がありません。");
    expect(samplingErrorText(refusal("reason", "invalid"))).toBe("理由を入力してください。");
    expect(problemFor(refusal("comment", "fail_needs_comment"), "comment")).toContain("コメント");
    expect(problemFor(refusal("comment", "fail_needs_comment"), "seed")).toBe(null);
    expect(samplingErrorText(new BackendError({ kind: "locked", message: "", input_problems: [], field_problems: [] }))).toContain("確定");
  });

  it("reads a rule table's sizes as typed, and translates the refusals of a saved table", () => {
    expect(["", " ", "30", "３０", "1", "1000", "1,000", "0", "1001", "abc", "2.5", "-1"].map(parseRuleSize)).toEqual([
      null,
      null,
      30,
      30,
      1,
      1000,
      1000,
      "invalid",
      "invalid",
      "invalid",
      "invalid",
      "invalid",
    ]);
    setLang("ja");
    const refusal = (field: string, code: string, params: Record<string, string> = {}) =>
      new BackendError({ kind: "invalid", message: "m", input_problems: [], field_problems: [{ field, code, params, message: "m" }] });
    expect(problemFor(refusal("name", "required"), "name")).toBe("入力してください。");
    expect(problemFor(refusal("size.daily", "size_range", { min: "1", max: "1000" }), "size.daily")).toBe("件数は 1〜1000 の整数で入力してください（規則を設けない頻度は空欄にします）。");
    expect(samplingErrorText(refusal("sizes", "duplicate_frequency", { frequency: "weekly" }))).toBe("「週次」の件数が2回指定されています。");
    expect(problemFor(refusal("version", "version_unchanged", { name: "firm", version: "1" }), "version")).toContain("名前とバージョンが規則表 firm 1 と同じですが、件数が異なります。");
    setLang("en");
    expect(samplingErrorText(refusal("sizes", "duplicate_frequency", { frequency: "weekly" }))).toBe('"Weekly" is given twice.');
    setLang("ja");
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { setLang } from "./index.svelte";
import { problemText } from "./messages";

describe("problem messages", () => {
  afterEach(() => setLang("ja"));

  it("show a coded parameter by its label, never by its code", () => {
    setLang("ja");
    expect(problemText({ code: "no_rule", params: { frequency: "monthly" } })).toBe("規則表に「月次」の件数がありません。");
    expect(problemText({ code: "previous_level_missing", params: { level: "reviewer" } })).toContain("査閲者として");
    setLang("en");
    expect(problemText({ code: "no_rule", params: { frequency: "monthly" } })).toBe("The rule table has no size for \"Monthly\".");
    expect(problemText({ code: "previous_level_missing", params: { level: "second_reviewer" } })).not.toContain("second_reviewer");
  });

  it("keep a parameter of words as it is", () => {
    setLang("ja");
    expect(problemText({ code: "column_reused", params: { column: "2" } })).toContain("列 2 が");
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { labelOr } from "./label";
import { setLang } from "./index.svelte";

describe("labelOr", () => {
  afterEach(() => setLang("ja"));

  it("shows the sample catalog's importance codes by their labels, in the user's language", () => {
    expect(labelOr("importance", "standard")).toBe("標準");
    expect(labelOr("importance", "high")).toBe("高");
    setLang("en");
    expect(labelOr("importance", "high")).toBe("High");
  });

  it("shows a value it has no label for as it is (a customer's own importance class)", () => {
    expect(labelOr("importance", "重要")).toBe("重要");
  });
});

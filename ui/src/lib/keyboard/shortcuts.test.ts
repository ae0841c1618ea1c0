import { describe, expect, it } from "vitest";
import { actionFor, type KeyLike } from "./shortcuts";

const key = (over: Partial<KeyLike>): KeyLike => ({
  key: "",
  code: "",
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  isComposing: false,
  target: null,
  ...over,
});

describe("shortcuts", () => {
  it("maps modified keys to actions by their physical code", () => {
    expect(actionFor(key({ key: "¡", code: "Digit1", altKey: true }))).toBe("result_no_exception");
    expect(actionFor(key({ key: "0", code: "Digit0", altKey: true }))).toBe("clear_result");
    expect(actionFor(key({ key: "ArrowRight", code: "ArrowRight", altKey: true }))).toBe("next_control");
    expect(actionFor(key({ key: "g", code: "KeyG", ctrlKey: true }))).toBe("jump");
    expect(actionFor(key({ key: "F1", code: "F1" }))).toBe("help");
  });

  it("leaves ordinary typing and IME composition alone", () => {
    const textarea = document.createElement("textarea");
    expect(actionFor(key({ key: "1", code: "Digit1" }))).toBe(null);
    expect(actionFor(key({ key: "1", code: "Digit1", altKey: true, isComposing: true }))).toBe(null);
    expect(actionFor(key({ key: "Process", code: "Digit1", altKey: true, keyCode: 229 }))).toBe(null);
    expect(actionFor(key({ key: "?", code: "Slash", shiftKey: true, target: textarea }))).toBe(null);
    expect(actionFor(key({ key: "?", code: "Slash", shiftKey: true, target: document.body }))).toBe("help");
    expect(actionFor(key({ key: "ArrowRight", code: "ArrowRight", ctrlKey: true }))).toBe(null);
  });
});

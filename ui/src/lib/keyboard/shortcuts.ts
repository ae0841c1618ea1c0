// The walkthrough's keyboard shortcuts. Every shortcut uses a modifier or a
// function key, except "?" which only counts outside text fields, so typing
// in a field is never taken over. Nothing fires while an input method (IME)
// is composing Japanese text: the keys then belong to the composition.

import type { ResultKind } from "../ipc/bindings/ResultKind";

export type Action =
  | "next_control"
  | "prev_control"
  | "next_procedure"
  | "prev_procedure"
  | "result_no_exception"
  | "result_exception"
  | "result_not_applicable"
  | "result_not_performed"
  | "clear_result"
  | "add_exception"
  | "jump"
  | "help"
  | "close";

/** The shortcuts in the order the help overlay lists them; names and keys are message keys. */
export const SHORTCUTS: Action[] = [
  "next_control",
  "prev_control",
  "next_procedure",
  "prev_procedure",
  "result_no_exception",
  "result_exception",
  "result_not_applicable",
  "result_not_performed",
  "clear_result",
  "add_exception",
  "jump",
  "help",
  "close",
];

export const RESULT_OF: Partial<Record<Action, ResultKind | null>> = {
  result_no_exception: "no_exception",
  result_exception: "exception",
  result_not_applicable: "not_applicable",
  result_not_performed: "not_performed",
  clear_result: null,
};

export interface KeyLike {
  key: string;
  code: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  isComposing: boolean;
  keyCode?: number;
  target: EventTarget | null;
}

export function inTextField(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== "string") return false;
  const el = target as HTMLElement;
  if (el.isContentEditable) return true;
  if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
  if (el.tagName !== "INPUT") return false;
  const type = (el as HTMLInputElement).type;
  return !["button", "checkbox", "radio", "submit", "reset"].includes(type);
}

const ALT_CODES: Record<string, Action> = {
  ArrowRight: "next_control",
  ArrowLeft: "prev_control",
  ArrowDown: "next_procedure",
  ArrowUp: "prev_procedure",
  Digit1: "result_no_exception",
  Digit2: "result_exception",
  Digit3: "result_not_applicable",
  Digit4: "result_not_performed",
  Digit0: "clear_result",
  KeyE: "add_exception",
};

/** The action a key press asks for, or null when it is ordinary typing. */
export function actionFor(e: KeyLike): Action | null {
  // keyCode 229 is what browsers report for keys the IME is handling, even
  // on the keydown that starts a composition, before isComposing is set.
  if (e.isComposing || e.keyCode === 229) return null;
  if (e.key === "F1") return "help";
  if (e.key === "Escape") return "close";
  if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.code === "KeyG" || e.key.toLowerCase() === "g")) return "jump";
  if (e.altKey && !e.ctrlKey && !e.metaKey) {
    // e.code, not e.key: with Alt held, some layouts turn digits into other characters.
    return ALT_CODES[e.code] ?? null;
  }
  if (e.key === "?" && !e.ctrlKey && !e.altKey && !e.metaKey && !inTextField(e.target)) return "help";
  return null;
}

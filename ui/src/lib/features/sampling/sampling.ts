// Sampling as the panel shows it, kept free of Svelte so it can be tested
// directly: the mark a cell shows, what a key does in the test grid, numbers
// and item lists as typed, and the sampling calls' refusals in the user's
// language. Every rule (sizes, seeds, reasons, what a failure needs) is the
// core's: the panel sends what was typed and shows what the core answers.

import { t } from "../../i18n/index.svelte";
import { errorText, problemText } from "../../i18n/messages";
import { BackendError } from "../../ipc";
import type { CellResult } from "../../ipc/bindings/CellResult";
import type { FieldProblem } from "../../ipc/bindings/FieldProblem";
import type { GridCell } from "../../ipc/bindings/GridCell";
import type { ItemOrigin } from "../../ipc/bindings/ItemOrigin";
import type { Tickmark } from "../../ipc/bindings/Tickmark";

export const CELL_RESULTS: CellResult[] = ["pass", "fail", "not_applicable"];
export const ORIGIN_TONE: Record<ItemOrigin, string> = { random: "idle", manual: "accent", added: "warn" };

/** The mark a result is shown with when its cell has no tickmark, and the tickmark a key gives it. */
const RESULT_MARK: Record<CellResult, string> = { pass: "✓", fail: "×", not_applicable: "N/A" };

/** The tickmark a result gets when entered by a key: its usual mark, when the legend has it. */
export function defaultTickmark(result: CellResult | null, legend: Tickmark[]): string | null {
  if (result === null) return null;
  const mark = RESULT_MARK[result];
  return legend.some((t) => t.mark === mark) ? mark : null;
}

/** What a cell shows: its tickmark, else its result's usual mark; nothing while untested. */
export function cellMark(cell: GridCell | undefined): string {
  if (!cell) return "";
  return cell.tickmark ?? RESULT_MARK[cell.result];
}

/**
 * A whole number as typed, to build a request with: null when blank, the
 * number when the text is digits (full-width ones, as a Japanese input
 * method types them, and thousands separators are read too), "invalid"
 * when it is not a number at all. Whether the number is allowed is the
 * core's to say.
 */
export function wholeNumber(text: string): number | null | "invalid" {
  const ascii = text.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/[,，]/g, "");
  if (ascii === "") return null;
  return /^[0-9]+$/.test(ascii) ? Number(ascii) : "invalid";
}

/** Item IDs typed one a line or separated by commas (Japanese ones too), blanks left out. */
export function parseItemIds(text: string): string[] {
  return text
    .split(/[\n,、，]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** What a key pressed on a grid cell asks for. */
export type GridKey =
  | { kind: "set"; result: CellResult | null }
  | { kind: "edit" }
  | { kind: "move"; rows: number; cols: number }
  | { kind: "row_start" }
  | { kind: "row_end" }
  | { kind: "first" }
  | { kind: "last" };

export type GridKeyLike = Pick<KeyboardEvent, "key" | "altKey" | "ctrlKey" | "metaKey" | "shiftKey" | "isComposing"> & { keyCode?: number };

const RESULT_KEYS: Record<string, CellResult> = { p: "pass", "1": "pass", f: "fail", x: "fail", "2": "fail", n: "not_applicable", "3": "not_applicable" };

const MOVES: Record<string, GridKey> = {
  ArrowUp: { kind: "move", rows: -1, cols: 0 },
  ArrowDown: { kind: "move", rows: 1, cols: 0 },
  ArrowLeft: { kind: "move", rows: 0, cols: -1 },
  ArrowRight: { kind: "move", rows: 0, cols: 1 },
  PageUp: { kind: "move", rows: -10, cols: 0 },
  PageDown: { kind: "move", rows: 10, cols: 0 },
  Home: { kind: "row_start" },
  End: { kind: "row_end" },
  Enter: { kind: "edit" },
  F2: { kind: "edit" },
  Delete: { kind: "set", result: null },
  Backspace: { kind: "set", result: null },
};

/**
 * The grid's keys, as in a spreadsheet: arrows, Home/End (with Ctrl, the
 * first and last cell), PageUp/PageDown by ten rows; p/1 pass, f/x/2 fail,
 * n/3 not applicable, Delete/Backspace empty; Enter/F2 edit. Keys with Alt
 * belong to the walkthrough, and nothing is taken while an input method
 * composes.
 */
export function gridKey(e: GridKeyLike): GridKey | null {
  if (e.isComposing || e.keyCode === 229 || e.altKey || e.metaKey) return null;
  if (e.ctrlKey) return e.key === "Home" ? { kind: "first" } : e.key === "End" ? { kind: "last" } : null;
  const result = RESULT_KEYS[e.key.toLowerCase()];
  return MOVES[e.key] ?? (result ? { kind: "set", result } : null);
}

/** The fields whose plain refusals ("invalid", or "required" when left blank) say what to enter there. */
const INVALID_FIELDS = ["reason", "text", "items", "mark", "meaning", "sample"];

/**
 * A problem of a sampling refusal in the user's language, saying what to
 * enter where the core only says that a field is wrong or blank.
 */
export function samplingProblem(p: FieldProblem): string {
  if ((p.code === "invalid" || p.code === "required") && INVALID_FIELDS.includes(p.field)) return t(`sampling.invalid.${p.field}`);
  return problemText(p);
}

/** A failed sampling call in the user's language: each of its problems, else its kind's message. */
export function failureText(err: unknown): string {
  if (err instanceof BackendError && err.payload.field_problems.length > 0) {
    return [...new Set(err.payload.field_problems.map(samplingProblem))].join(" ");
  }
  // A population item or sample item named by the user that is not there.
  if (err instanceof BackendError && err.kind === "not_found") return t("problem.not_found");
  return errorText(err);
}

/**
 * A refusal's problems at the fields a form shows them beside (keyed by the
 * core's field name); the rest, or any other failure, as one message under
 * `general`.
 */
export function placeProblems(err: unknown, fields: readonly string[]): Record<string, string> {
  const placed: Record<string, string> = {};
  const rest: string[] = [];
  const problems = err instanceof BackendError ? err.payload.field_problems : [];
  for (const p of problems) {
    const text = samplingProblem(p);
    if (fields.includes(p.field)) placed[p.field] ??= text;
    else if (!rest.includes(text)) rest.push(text);
  }
  if (problems.length === 0) rest.push(failureText(err));
  if (rest.length > 0) placed.general = rest.join(" ");
  return placed;
}

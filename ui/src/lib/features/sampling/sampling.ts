// Sampling as the panel shows it, kept free of Svelte so it can be tested
// directly: the size the rule table gives, the marks a cell shows, what a
// key does in the test grid, and the refusals of the sampling calls in the
// user's language.

import { t } from "../../i18n/index.svelte";
import { BackendError } from "../../ipc";
import type { CellResult } from "../../ipc/bindings/CellResult";
import type { FieldProblem } from "../../ipc/bindings/FieldProblem";
import type { Frequency } from "../../ipc/bindings/Frequency";
import type { GridCell } from "../../ipc/bindings/GridCell";
import type { ItemOrigin } from "../../ipc/bindings/ItemOrigin";
import type { SampleRuleTable } from "../../ipc/bindings/SampleRuleTable";
import type { Tickmark } from "../../ipc/bindings/Tickmark";
import { errorText } from "../../session.svelte";

// The frequencies and the shipped rule table are those the fake backend restates from the core.
export { FREQUENCIES, DEFAULT_SAMPLE_RULES as DEFAULT_RULE_TABLE } from "../ipc/sampling";
export const CELL_RESULTS: CellResult[] = ["pass", "fail", "not_applicable"];
export const ORIGIN_TONE: Record<ItemOrigin, string> = { random: "idle", manual: "accent", added: "warn" };

/** The sizes a rule table may give, as the core checks them. */
export const RULE_SIZE_MIN = 1;
export const RULE_SIZE_MAX = 1000;

/** The largest seed the generator takes (2³¹−2); a seed is recorded with the sample. */
export const MAX_SEED = 2147483646;

/** The mark a result is shown with when the cell has no tickmark, and the tickmark it gets by default. */
export const RESULT_MARK: Record<CellResult, string> = { pass: "✓", fail: "×", not_applicable: "N/A" };

/** The rule's size for a frequency, never more than the items that can be drawn; null when the table has none. */
export function ruleSize(table: SampleRuleTable, frequency: Frequency, frame: number): number | null {
  const rule = table.sizes.find((r) => r.frequency === frequency);
  return rule ? Math.min(rule.size, frame) : null;
}

/** The tickmark a result gets by default: its usual mark, when the legend has it. */
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
 * A seed as typed: null when blank (a new one is made), the number when it
 * is a whole number from 1 to 2³¹−2, "invalid" otherwise. Full-width
 * digits, as a Japanese input method types them, are read too.
 */
export function parseSeed(text: string): number | null | "invalid" {
  return parseWhole(text, MAX_SEED);
}

/**
 * A rule table's size as typed: null when blank (the frequency then has no
 * rule), the number when it is a whole number from 1 to 1,000, "invalid"
 * otherwise. Full-width digits are read too.
 */
export function parseRuleSize(text: string): number | null | "invalid" {
  return parseWhole(text, RULE_SIZE_MAX);
}

/** A whole number from 1 to `max` as typed, in ASCII or full-width digits, with or without thousands separators. */
function parseWhole(text: string, max: number): number | null | "invalid" {
  const ascii = text.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/[,，]/g, "");
  if (ascii === "") return null;
  if (!/^[0-9]+$/.test(ascii)) return "invalid";
  const n = Number(ascii);
  return n >= 1 && n <= max ? n : "invalid";
}

/** Item IDs typed one a line or separated by commas (Japanese ones too), blanks left out. */
export function parseItemIds(text: string): string[] {
  return text
    .split(/[\n,、，]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** A sample item's own number (S7) from its ID `PROCEDURE/S7`. */
export function shortSampleId(id: string): string {
  return id.slice(id.lastIndexOf("/") + 1);
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

export interface GridKeyLike {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  isComposing: boolean;
  keyCode?: number;
}

const RESULT_KEYS: Record<string, CellResult> = {
  p: "pass",
  "1": "pass",
  f: "fail",
  x: "fail",
  "2": "fail",
  n: "not_applicable",
  "3": "not_applicable",
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
  if (e.ctrlKey) {
    if (e.key === "Home") return { kind: "first" };
    if (e.key === "End") return { kind: "last" };
    return null;
  }
  switch (e.key) {
    case "ArrowUp":
      return { kind: "move", rows: -1, cols: 0 };
    case "ArrowDown":
      return { kind: "move", rows: 1, cols: 0 };
    case "ArrowLeft":
      return { kind: "move", rows: 0, cols: -1 };
    case "ArrowRight":
      return { kind: "move", rows: 0, cols: 1 };
    case "PageUp":
      return { kind: "move", rows: -10, cols: 0 };
    case "PageDown":
      return { kind: "move", rows: 10, cols: 0 };
    case "Home":
      return { kind: "row_start" };
    case "End":
      return { kind: "row_end" };
    case "Enter":
    case "F2":
      return { kind: "edit" };
    case "Delete":
    case "Backspace":
      return { kind: "set", result: null };
  }
  const result = RESULT_KEYS[e.key.toLowerCase()];
  return result ? { kind: "set", result } : null;
}

/** The field-problem codes of sampling refusals that have their own message. */
export const SAMPLING_PROBLEM_CODES = [
  "no_population",
  "sample_exists",
  "sample_drawn",
  "no_sample",
  "empty_frame",
  "no_rule",
  "size_out_of_range",
  "override_needs_reason",
  "no_dates",
  "too_small_to_stratify",
  "count_out_of_range",
  "already_in_sample",
  "sample_tested",
  "attribute_tested",
  "unknown_tickmark",
  "fail_needs_comment",
  "from_test_grid",
  "seed_out_of_range",
  // The firm's rule table, as edited in the app.
  "size_range",
  "duplicate_frequency",
  "version_unchanged",
];

/** The fields whose plain "invalid" refusals have a message of their own. */
const INVALID_FIELDS = ["reason", "text", "items", "mark", "meaning", "sample"];

/** A refusal of a sampling call, in the user's language. */
export function samplingProblemText(p: FieldProblem): string {
  // The core names a frequency by its code; the message names it in the user's language.
  const params = p.params.frequency ? { ...p.params, frequency: t(`frequency.${p.params.frequency}`) } : p.params;
  if (SAMPLING_PROBLEM_CODES.includes(p.code)) return t(`sampling.problem.${p.code}`, params);
  if (p.code === "required") return t("problem.required");
  if (p.code === "invalid" && INVALID_FIELDS.includes(p.field)) return t(`sampling.invalid.${p.field}`);
  return t("problem.invalid");
}

/** The message for a failed sampling call: each field problem translated, else the error's kind. */
export function samplingErrorText(err: unknown): string {
  if (err instanceof BackendError && err.kind === "invalid" && err.payload.field_problems.length > 0) {
    return [...new Set(err.payload.field_problems.map(samplingProblemText))].join(" ");
  }
  if (err instanceof BackendError && err.kind === "not_found") return t("sampling.problem.not_found");
  return errorText(err);
}

/** The field problem a refusal names for a field, translated, if any: for showing beside that field. */
export function problemFor(err: unknown, field: string): string | null {
  if (!(err instanceof BackendError)) return null;
  const p = err.payload.field_problems.find((x) => x.field === field);
  return p ? samplingProblemText(p) : null;
}

// The sampling rules of the Rust core (core/src/model/sampling.rs,
// core/src/import/population.rs, core/src/db/sampling.rs) restated for the
// fake backend: the sample-size table, the Park–Miller selection of
// docs/sampling.md, the quarters and their allocation, reading a population
// list and the result a test grid gives. When the core's rules change, these
// must change with them; the tests pin the worked examples of the document.

import sampleSizesJson from "../../../../assets/rules/sample-sizes.json";
import tickmarksJson from "../../../../assets/rules/tickmarks.json";
import type { Frequency } from "./bindings/Frequency";
import type { GridCell } from "./bindings/GridCell";
import type { InputProblem } from "./bindings/InputProblem";
import type { PopulationColumns } from "./bindings/PopulationColumns";
import type { ResultKind } from "./bindings/ResultKind";
import type { SampleRuleTable } from "./bindings/SampleRuleTable";
import type { Tickmark } from "./bindings/Tickmark";

export const DEFAULT_SAMPLE_RULES = sampleSizesJson as SampleRuleTable;
export const DEFAULT_TICKMARKS = tickmarksJson as Tickmark[];

/** How many items out of the audit period the app's panel lists (SHOWN_OUT_OF_PERIOD in the core). */
export const SHOWN_OUT_OF_PERIOD = 200;

export const FREQUENCIES: Frequency[] = ["multiple_daily", "daily", "weekly", "monthly", "quarterly", "annual", "automated"];

export const MODULUS = 2147483647;
export const MULTIPLIER = 16807;
/** The largest population given as a count; a list is bounded by its file size. */
export const MAX_POPULATION_COUNT = 10_000_000;
/** How many rows the import dialog previews. */
export const PREVIEW_ROWS = 10;

/** The size for a frequency, never more than the population; null when the table has none. */
export function sizeFor(table: SampleRuleTable, frequency: Frequency, population: number): number | null {
  const rule = table.sizes.find((r) => r.frequency === frequency);
  return rule ? Math.min(rule.size, population) : null;
}

/** Whether a number can seed the generator: a whole number from 1 to 2³¹−2. */
export function seedValid(seed: number): boolean {
  return Number.isInteger(seed) && seed >= 1 && seed < MODULUS;
}

/**
 * The Park–Miller "minimal standard" generator: x ← 16807·x mod (2³¹−1).
 * 16807·x stays below 2⁵³, so plain numbers are exact.
 */
export class ParkMiller {
  private x: number;
  constructor(seed: number) {
    if (!seedValid(seed)) throw new RangeError(`the seed must be between 1 and ${MODULUS - 1}; ${seed} is not`);
    this.x = seed;
  }
  next(): number {
    this.x = (this.x * MULTIPLIER) % MODULUS;
    return this.x;
  }
}

/**
 * Selects `n` of the frame's entries without replacement: at each step the
 * next value x picks position `x mod remaining` (0-based) of the entries not
 * yet chosen, kept in their original order. Returns them in the order chosen.
 */
export function select(frame: number[], n: number, generator: ParkMiller): number[] {
  const remaining = [...frame];
  const chosen: number[] = [];
  while (chosen.length < n && remaining.length > 0) {
    const x = generator.next();
    chosen.push(remaining.splice(x % remaining.length, 1)[0]);
  }
  return chosen;
}

// Dates are ISO `YYYY-MM-DD` strings, compared as strings.

function utc(text: string): Date {
  return new Date(`${text}T00:00:00Z`);
}

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Adds months as chrono does: a day beyond the target month's end becomes its last day. */
function addMonths(text: string, months: number): string {
  const d = utc(text);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return iso(new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay))));
}

function dayBefore(text: string): string {
  const d = utc(text);
  d.setUTCDate(d.getUTCDate() - 1);
  return iso(d);
}

/** The quarters of a period: consecutive three-month windows from its first day, the last ending with the period. */
export function quarters(start: string, end: string): [string, string][] {
  const out: [string, string][] = [];
  let from = start;
  while (from <= end) {
    const next = addMonths(from, 3);
    const last = dayBefore(next);
    out.push([from, last < end ? last : end]);
    from = next;
  }
  return out;
}

/**
 * How many items each stratum gets: one each, then `n − S` shared in
 * proportion to the strata's sizes (rounded down), then the rest one by one
 * to the largest remainders (the earlier stratum first on ties), skipping
 * strata already taken whole. Null when `n` cannot give each stratum one.
 */
export function allocate(sizes: number[], n: number): number[] | null {
  const strata = sizes.length;
  const total = sizes.reduce((a, b) => a + b, 0);
  if (strata === 0) return [];
  if (n < strata) return null;
  const size = Math.min(n, total);
  const share = size - strata;
  const alloc = sizes.map((s) => 1 + Math.floor((share * s) / total));
  const remainder = sizes.map((s) => (share * s) % total);
  const order = sizes.map((_, i) => i).sort((a, b) => remainder[b] - remainder[a] || a - b);
  let left = size - alloc.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let gave = false;
    for (const s of order) {
      if (left > 0 && alloc[s] < sizes[s]) {
        alloc[s]++;
        left--;
        gave = true;
      }
    }
    if (!gave) break;
  }
  return alloc;
}

/**
 * The strata of a stratified selection: for each quarter of the period with
 * items, the 0-based indexes of `dates` that fall in it (items without a
 * date are in none).
 */
export function strataByQuarter(dates: (string | null)[], period: [string, string]): number[][] {
  return quarters(period[0], period[1])
    .map(([from, to]) => dates.flatMap((d, i) => (d !== null && d >= from && d <= to ? [i] : [])))
    .filter((rows) => rows.length > 0);
}

/**
 * The stratified selection: each quarter with items gets its allocation,
 * and the quarters are drawn in order with one generator continuing.
 * Returns 0-based indexes of `dates` in the order chosen, or null when the
 * size cannot give every quarter one item.
 */
export function selectByQuarter(dates: (string | null)[], period: [string, string], n: number, seed: number): number[] | null {
  const generator = new ParkMiller(seed);
  const strata = strataByQuarter(dates, period);
  const alloc = allocate(strata.map((s) => s.length), n);
  if (alloc === null) return null;
  return strata.flatMap((rows, s) => select(rows, alloc[s], generator));
}

/** The grid's key for the n-th attribute (0-based): A..Z, then AA, AB, ... */
export function attributeKey(index: number): string {
  let out = "";
  let i = index;
  for (;;) {
    out = String.fromCharCode(65 + (i % 26)) + out;
    if (i < 26) break;
    i = Math.floor(i / 26) - 1;
  }
  return out;
}

/** Guesses the ID, date and description columns from the headers, in Japanese or English. */
export function guessColumns(headers: string[]): PopulationColumns {
  const find = (words: string[]) => {
    const i = headers.findIndex((h) => words.some((w) => h.toLowerCase().includes(w)));
    return i < 0 ? null : i;
  };
  const itemId = find(["id", "番号", "no", "チケット", "ticket", "key", "キー"]) ?? 0;
  // A Japanese date header ends in 日 (申請日, 実施日); the first such column
  // is the one a list is usually ordered by.
  const endsInDay = headers.findIndex((h) => h.trim().endsWith("日"));
  let date = find(["date", "日付", "日時", "年月日"]) ?? (endsInDay < 0 ? null : endsInDay);
  if (date === itemId) date = null;
  let description = find(["description", "概要", "内容", "件名", "summary", "title", "説明", "名称"]);
  if (description === itemId || description === date) description = null;
  return { item_id: itemId, date, description };
}

/** A date as people write it in lists: 2025-04-01, 2025/4/1, 2025年4月1日, 2025.4.1, with or without a time after it. */
export function parseListDate(text: string): string | null {
  const day = text.trim().split(/[ T]/)[0];
  const m = /^(\d{4})(?:-(\d{1,2})-(\d{1,2})|\/(\d{1,2})\/(\d{1,2})|年(\d{1,2})月(\d{1,2})日|\.(\d{1,2})\.(\d{1,2}))$/.exec(day);
  if (!m) return null;
  const parts = m.slice(2).filter((p) => p !== undefined).map(Number);
  const [y, mo, d] = [Number(m[1]), parts[0], parts[1]];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return iso(date);
}

/** A population file read as a table of text, each row with the place a person finds it at. */
export interface PopulationTable {
  headers: string[];
  rows: { place: string; cells: string[] }[];
}

/**
 * Reads CSV text as the core's reader does (quotes, doubled quotes, CRLF,
 * rows of any width, cells trimmed, blank rows skipped): the first row
 * names the columns. Returns the problem, with its place, when the file has
 * no header or no items.
 */
export function readCsv(text: string): PopulationTable | InputProblem {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  let atStart = true;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === "\n") line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === "") {
      quoted = true;
      atStart = false;
    } else if (c === ",") {
      cells.push(cell);
      cell = "";
      atStart = false;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && body[i + 1] === "\n") i++;
      if (!atStart || cell !== "") records.push({ line: start, cells: [...cells, cell] });
      cells = [];
      cell = "";
      line++;
      start = line;
      atStart = true;
    } else {
      cell += c;
      atStart = false;
    }
  }
  if (!atStart || cell !== "") records.push({ line: start, cells: [...cells, cell] });
  const kept = records.map((r) => ({ line: r.line, cells: r.cells.map((x) => x.trim()) })).filter((r) => r.cells.some((x) => x !== ""));
  const [head, ...rest] = kept;
  if (!head) return { location: "line 1", message: "the first row must name the columns" };
  if (rest.length === 0) return { location: "file", message: "the list has a header but no items" };
  return { headers: head.cells, rows: rest.map((r) => ({ place: `line ${r.line}`, cells: r.cells })) };
}

/** One item as the import makes it (the core's `PopulationItem`). */
export interface ListItem {
  row: number;
  item_id: string;
  date: string | null;
  description: string;
  extra: string[];
  out_of_period: boolean;
}

/**
 * Turns the table into population items with the chosen columns, checking
 * every row (an ID in each, no ID twice, dates that read as dates) and
 * flagging items dated outside the period. All problems are given at once,
 * at most fifty and a count of the rest.
 */
export function listItems(table: PopulationTable, columns: PopulationColumns, period: [string, string]): { extra: string[]; items: ListItem[] } | InputProblem[] {
  const width = table.headers.length;
  const problems: InputProblem[] = [];
  const named: [string, number | null][] = [["ID", columns.item_id], ["date", columns.date], ["description", columns.description]];
  for (const [name, c] of named) {
    if (c !== null && c >= width) problems.push({ location: "columns", message: `the ${name} column ${c + 1} is not in the file (${width} columns)` });
  }
  if (problems.length > 0) return problems;
  const chosen = [columns.item_id, columns.date, columns.description];
  const kept = table.headers.map((_, i) => i).filter((i) => !chosen.includes(i));
  const seen = new Map<string, string>();
  const items: ListItem[] = [];
  for (const { place, cells } of table.rows) {
    const cell = (c: number) => cells[c] ?? "";
    const id = cell(columns.item_id);
    if (id === "") {
      problems.push({ location: place, message: `the ID column "${table.headers[columns.item_id]}" is empty` });
      continue;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      problems.push({ location: place, message: `the ID "${id}" is already used at ${first}` });
      continue;
    }
    seen.set(id, place);
    const text = columns.date === null ? "" : cell(columns.date);
    let date: string | null = null;
    if (text !== "") {
      date = parseListDate(text);
      if (date === null) {
        problems.push({ location: place, message: `"${text}" in "${table.headers[columns.date!]}" is not a date (write 2025-04-01 or 2025/4/1)` });
        continue;
      }
    }
    items.push({
      row: items.length + 1,
      item_id: id,
      date,
      description: columns.description === null ? "" : cell(columns.description),
      extra: kept.map((i) => cells[i] ?? ""),
      out_of_period: date !== null && (date < period[0] || date > period[1]),
    });
  }
  if (problems.length > 0) {
    const total = problems.length;
    const shown = problems.slice(0, 50);
    if (total > 50) shown.push({ location: "file", message: `and ${total - 50} more problem(s)` });
    return shown;
  }
  return { extra: kept.map((i) => table.headers[i]), items };
}

/**
 * The procedure's result as its grid gives it: an exception when it has
 * any; when every cell is tested, not applicable if every cell is, else no
 * exception; none while cells are open. Undefined when the grid does not
 * decide (no sample items or no attributes): the assessor sets it by hand.
 */
export function gridResult(items: number, attributes: number, cells: GridCell[], exceptions: number): ResultKind | null | undefined {
  if (items === 0 || attributes === 0) return undefined;
  if (exceptions > 0) return "exception";
  if (cells.length < items * attributes) return null;
  return cells.every((c) => c.result === "not_applicable") ? "not_applicable" : "no_exception";
}

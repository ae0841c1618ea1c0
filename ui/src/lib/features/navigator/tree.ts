// The navigator's logic, kept free of Svelte so it can be tested directly and
// stays fast for 1,500 controls: filtering (with the core's search hits),
// the flattened tree of visible rows, and jumping to a typed ID.

import type { ControlRow } from "../../ipc/bindings/ControlRow";
import type { ResultKind } from "../../ipc/bindings/ResultKind";
import type { Status } from "../../ipc/bindings/Status";
import type { SearchResult } from "../../ipc/bindings/SearchResult";

export interface ControlFilter {
  status: Status | "";
  /** A result, or "none" for controls without one yet. */
  result: ResultKind | "none" | "";
  assignee: string;
  /** B, P, PB, or "none" for controls without a suffix. */
  suffix: string;
  scope: "in" | "out" | "";
  /** Only controls that (or one of whose procedures) changed after their preparer signed. */
  changed: boolean;
  query: string;
}

export const NO_FILTER: ControlFilter = { status: "", result: "", assignee: "", suffix: "", scope: "", changed: false, query: "" };

/**
 * Normalizes typed text the way Japanese users expect: full-width letters
 * and digits (９．２, ＡＢＣ) read as their half-width forms, and case is
 * ignored. Used to resolve typed IDs and to tell whether a query is empty.
 */
export function normalize(text: string): string {
  return text.normalize("NFKC").toLowerCase().trim();
}

export function isFiltering(f: ControlFilter): boolean {
  return f.status !== "" || f.result !== "" || f.assignee !== "" || f.suffix !== "" || f.scope !== "" || f.changed || normalize(f.query) !== "";
}

/** Whether only the search box is filled: then headings found by the search are shown too. */
function onlySearching(f: ControlFilter): boolean {
  return normalize(f.query) !== "" && !isFiltering({ ...f, query: "" });
}

/**
 * Whether a row passes the filters. The search itself is the core's
 * (`searchControls`, a full-text index over IDs, titles and criterion
 * text): `hits` holds the IDs it found for the query, null until it has
 * answered. Headings match only what the search found, and only when
 * nothing else is filtered (they have no status, result or assignee).
 */
export function matches(row: ControlRow, f: ControlFilter, hits: ReadonlySet<string> | null = null): boolean {
  const searching = normalize(f.query) !== "";
  if (!row.assessable) return searching && onlySearching(f) && (hits?.has(row.id) ?? false);
  if (f.status !== "" && row.status !== f.status) return false;
  if (f.result === "none" ? row.result !== null : f.result !== "" && row.result !== f.result) return false;
  if (f.assignee !== "" && !row.assignees.includes(f.assignee)) return false;
  if (f.suffix === "none" ? row.suffix !== null : f.suffix !== "" && row.suffix !== f.suffix) return false;
  if (f.scope === "in" && row.scope !== "in_scope") return false;
  if (f.scope === "out" && row.scope === "in_scope") return false;
  if (f.changed && !row.changed_after_signoff) return false;
  if (searching && !(hits?.has(row.id) ?? false)) return false;
  return true;
}

export interface VisibleRow {
  row: ControlRow;
  depth: number;
  hasChildren: boolean;
  expanded: boolean;
}

/** The catalog as a tree: children by parent ID, in catalog order. */
export interface ControlTree {
  roots: ControlRow[];
  children: Map<string, ControlRow[]>;
  byId: Map<string, ControlRow>;
}

export function buildTree(rows: ControlRow[]): ControlTree {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const children = new Map<string, ControlRow[]>();
  const roots: ControlRow[] = [];
  for (const r of rows) {
    if (r.parent !== null && byId.has(r.parent)) {
      const list = children.get(r.parent);
      if (list) list.push(r);
      else children.set(r.parent, [r]);
    } else {
      roots.push(r);
    }
  }
  return { roots, children, byId };
}

/**
 * The rows to show, in tree order. Without filters, a heading's children are
 * shown when it is expanded. With filters, every matching control is shown
 * with the headings above it, expanded, so that nothing found is hidden.
 */
export function visibleRows(tree: ControlTree, f: ControlFilter, expanded: Set<string>, hits: ReadonlySet<string> | null = null): VisibleRow[] {
  const out: VisibleRow[] = [];
  const filtering = isFiltering(f);
  // Returns whether the subtree holds a match; pushes its rows when it does.
  const walk = (row: ControlRow, depth: number): boolean => {
    const kids = tree.children.get(row.id) ?? [];
    if (!filtering) {
      const open = expanded.has(row.id);
      out.push({ row, depth, hasChildren: kids.length > 0, expanded: open });
      if (open) for (const k of kids) walk(k, depth + 1);
      return true;
    }
    // The row is pushed first and taken back if nothing below it matched,
    // which keeps the walk linear.
    const at = out.length;
    const entry: VisibleRow = { row, depth, hasChildren: kids.length > 0, expanded: false };
    out.push(entry);
    let any = false;
    for (const k of kids) any = walk(k, depth + 1) || any;
    if (any || matches(row, f, hits)) {
      entry.expanded = any;
      return true;
    }
    out.length = at;
    return false;
  };
  for (const r of tree.roots) walk(r, 0);
  return out;
}

/** The IDs of every heading above a control, so that it can be revealed. */
export function ancestors(tree: ControlTree, id: string): string[] {
  const out: string[] = [];
  let current = tree.byId.get(id)?.parent ?? null;
  while (current !== null && !out.includes(current)) {
    out.push(current);
    current = tree.byId.get(current)?.parent ?? null;
  }
  return out;
}

/**
 * The control a typed ID means: the exact ID (full-width digits and dots are
 * accepted), or the one detailed control whose ID is the typed one plus a
 * suffix (typing 9.2.3.11 finds 9.2.3.11.PB). Null when none or several.
 */
export function resolveId(rows: ControlRow[], typed: string): string | null {
  const wanted = normalize(typed).replace(/。|、/g, ".").toUpperCase();
  if (wanted === "") return null;
  const exact = rows.find((r) => r.id.toUpperCase() === wanted);
  if (exact) return exact.id;
  const withSuffix = rows.filter((r) => r.assessable && r.suffix !== null && r.id.toUpperCase() === `${wanted}.${r.suffix}`);
  return withSuffix.length === 1 ? withSuffix[0].id : null;
}

/** Every assignee named in the rows, sorted, for the filter's choices. */
export function assigneesOf(rows: ControlRow[]): string[] {
  const set = new Set<string>();
  for (const r of rows) for (const a of r.assignees) set.add(a);
  return [...set].sort((a, b) => a.localeCompare(b, "ja"));
}

/** The core's answer to the list's current query, once it has come; null otherwise. */
export function searchAnswer(state: { filter: ControlFilter; searched: { query: string; result: SearchResult } | null }): SearchResult | null {
  if (normalize(state.filter.query) === "") return null;
  return state.searched?.query === state.filter.query ? state.searched.result : null;
}

/** The assessed controls in catalog order, for next/previous in the walkthrough. */
export function assessedIds(rows: ControlRow[]): string[] {
  return rows.filter((r) => r.assessable).map((r) => r.id);
}

/**
 * The controls next/previous moves through: the list's, as filtered, when
 * a filter is on and finds anything (so the assessor works through what
 * they picked); otherwise every assessed control.
 */
export function walkOrder(rows: ControlRow[], f: ControlFilter, hits: ReadonlySet<string> | null, current: string | null): { ids: string[]; filtered: boolean } {
  if (isFiltering(f)) {
    // The control shown stays in the order even when it no longer matches
    // (its status changed as the assessor worked on it), so next still
    // means the next one found.
    const picked = rows.filter((r) => r.assessable && (r.id === current || matches(r, f, hits))).map((r) => r.id);
    if (picked.some((id) => id !== current)) return { ids: picked, filtered: true };
  }
  return { ids: assessedIds(rows), filtered: false };
}

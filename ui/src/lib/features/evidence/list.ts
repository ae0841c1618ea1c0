// The evidence list's filtering, search and sorting, kept free of Svelte so
// that it can be tested directly.

import type { Evidence } from "../../ipc/bindings/Evidence";
import type { EvidenceKind } from "../../ipc/bindings/EvidenceKind";
import { normalize } from "../navigator/tree";

export type SortKey = "id" | "title" | "as_of" | "size";
export type SortDirection = "asc" | "desc";

export interface EvidenceFilter {
  kind: EvidenceKind | "";
  query: string;
  showWithdrawn: boolean;
}

export const NO_EVIDENCE_FILTER: EvidenceFilter = { kind: "", query: "", showWithdrawn: false };

/**
 * Whether an item passes the filter. The search looks at the title, the
 * original file name, the ID and the description after NFKC normalisation,
 * so that full-width and half-width forms match; Japanese is matched as a
 * substring, since it has no spaces between words.
 */
export function matchesEvidence(e: Evidence, f: EvidenceFilter, query = normalize(f.query)): boolean {
  if (!f.showWithdrawn && e.removed !== null) return false;
  if (f.kind !== "" && e.kind !== f.kind) return false;
  if (query === "") return true;
  return [e.title, e.original_name, e.id, e.description].some((text) => normalize(text).includes(query));
}

// Numeric collation orders EV-9999 before EV-10000 and 第2版 before 第10版.
const collator = new Intl.Collator("ja", { numeric: true });

function compare(a: Evidence, b: Evidence, key: SortKey): number {
  switch (key) {
    case "title":
      return collator.compare(a.title, b.title);
    case "as_of":
      return a.as_of < b.as_of ? -1 : a.as_of > b.as_of ? 1 : 0;
    case "size":
      return a.size - b.size;
    case "id":
      return collator.compare(a.id, b.id);
  }
}

/** A sorted copy; ties keep the order taken in (by ID), so the order is stable and predictable. */
export function sortEvidence(items: Evidence[], key: SortKey, direction: SortDirection): Evidence[] {
  const sign = direction === "asc" ? 1 : -1;
  return [...items].sort((a, b) => sign * compare(a, b, key) || collator.compare(a.id, b.id));
}

export function visibleEvidence(items: Evidence[], f: EvidenceFilter, key: SortKey, direction: SortDirection): Evidence[] {
  const query = normalize(f.query);
  return sortEvidence(
    items.filter((e) => matchesEvidence(e, f, query)),
    key,
    direction,
  );
}

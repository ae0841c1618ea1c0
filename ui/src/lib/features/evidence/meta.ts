// The evidence form's draft: what the assessor types about an item, as
// strings while it is being typed, checked before it goes to the backend.

import type { Evidence } from "../../ipc/bindings/Evidence";
import type { EvidenceKind } from "../../ipc/bindings/EvidenceKind";
import type { EvidenceLink } from "../../ipc/bindings/EvidenceLink";
import type { EvidenceMeta } from "../../ipc/bindings/EvidenceMeta";
import type { EvidencePatch } from "../../ipc/bindings/EvidencePatch";
import type { FileFacts } from "../ipc/bindings/FileFacts";
import { isDate } from "../ipc/rules";
import { t } from "../../i18n/index.svelte";

export interface MetaDraft {
  title: string;
  description: string;
  kind: EvidenceKind;
  obtained_from: string;
  obtained_by: string;
  /** "" when not known. */
  obtained_at: string;
  as_of: string;
}

/** The intake form's defaults: the file's title and kind, the user as the one who obtained it, today for both dates. */
export function draftFromFacts(facts: FileFacts, user: string, today: string): MetaDraft {
  return { title: facts.title, description: "", kind: facts.kind, obtained_from: "", obtained_by: user, obtained_at: today, as_of: today };
}

export function draftFromEvidence(e: Evidence): MetaDraft {
  return {
    title: e.title,
    description: e.description,
    kind: e.kind,
    obtained_from: e.obtained_from,
    obtained_by: e.obtained_by,
    obtained_at: e.obtained_at ?? "",
    as_of: e.as_of,
  };
}

export function metaOf(d: MetaDraft): EvidenceMeta {
  return {
    title: d.title.trim(),
    description: d.description,
    kind: d.kind,
    obtained_from: d.obtained_from.trim(),
    obtained_by: d.obtained_by.trim(),
    obtained_at: d.obtained_at === "" ? null : d.obtained_at,
    as_of: d.as_of,
  };
}

/**
 * The changes from `before` to `after`. The patch cannot clear a date (its
 * fields are "leave as it is" when absent), so a cleared date of obtaining
 * is left unchanged; the form says so by refusing an empty one that was set.
 */
export function patchOf(before: Evidence, after: MetaDraft): EvidencePatch {
  const m = metaOf(after);
  const patch: EvidencePatch = {};
  if (m.title !== before.title) patch.title = m.title;
  if (m.description !== before.description) patch.description = m.description;
  if (m.kind !== before.kind) patch.kind = m.kind;
  if (m.obtained_from !== before.obtained_from) patch.obtained_from = m.obtained_from;
  if (m.obtained_by !== before.obtained_by) patch.obtained_by = m.obtained_by;
  if (m.obtained_at !== null && m.obtained_at !== before.obtained_at) patch.obtained_at = m.obtained_at;
  if (m.as_of !== before.as_of) patch.as_of = m.as_of;
  return patch;
}

export interface MetaProblems {
  title?: string;
  as_of?: string;
  obtained_at?: string;
}

/** The problems of a draft, translated, by field; none means it can be saved. */
export function metaProblems(d: MetaDraft, obtainedAtRequired = false): MetaProblems {
  const out: MetaProblems = {};
  if (d.title.trim() === "") out.title = t("problem.required");
  if (d.as_of === "") out.as_of = t("evidence.problem.as_of_required");
  else if (!isDate(d.as_of)) out.as_of = t("evidence.problem.date");
  if (d.obtained_at === "" && obtainedAtRequired) out.obtained_at = t("evidence.problem.obtained_at_kept");
  else if (d.obtained_at !== "" && !isDate(d.obtained_at)) out.obtained_at = t("evidence.problem.date");
  return out;
}

export function hasProblems(p: MetaProblems): boolean {
  return Object.keys(p).length > 0;
}

/** A link as the assessor reads it: "手続 9.2.3.11.PB/P2", "依頼資料 PBC-001". */
export function linkText(link: EvidenceLink): string {
  return t(`link_kind.${link.kind}`, { id: link.id });
}

/** The short form within one control: the procedure's own number (P2), its sample item's (P3/S7), or the exception's or request's ID. */
export function shortLinkId(link: EvidenceLink): string {
  if (link.kind === "procedure") return link.id.slice(link.id.lastIndexOf("/") + 1);
  if (link.kind === "sample") return link.id.slice(link.id.lastIndexOf("/P") + 1);
  return link.id;
}

/** The control a procedure ID belongs to (`9.2.3.11.PB/P2` → `9.2.3.11.PB`), also from a sample item's (`…/P2/S7`). */
export function controlOfProcedure(procedureId: string): string {
  return procedureId.slice(0, procedureId.lastIndexOf("/P"));
}

// The evidence form's draft: what the assessor types about an item, as
// strings while it is typed (a date input gives "" until a date is chosen).
// The core checks what is said; the page only turns the draft into a typed
// request, which a date that is not one yet cannot become.

import type { Evidence } from "../../ipc/bindings/Evidence";
import type { EvidenceKind } from "../../ipc/bindings/EvidenceKind";
import type { EvidenceLink } from "../../ipc/bindings/EvidenceLink";
import type { EvidenceMeta } from "../../ipc/bindings/EvidenceMeta";
import type { EvidencePatch } from "../../ipc/bindings/EvidencePatch";
import type { IsoDate } from "../../ipc/bindings/IsoDate";
import type { PickedFile } from "../../ipc/bindings/PickedFile";
import { isoDate } from "../../format";
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

/** What a form shows beside its fields: the translated problem of each, if any. */
export type MetaProblems = Partial<Record<"title" | "as_of" | "obtained_at", string>>;

/**
 * The intake form's defaults: the core's title and kind for the file, the
 * user as the one who obtained it, today as the day it was obtained. The
 * as-of date starts empty: it is the date the evidence speaks for (a
 * configuration as of, a log up to), which only the assessor knows, and a
 * default of today would pass the required check without anyone having
 * looked.
 */
export function draftFromPicked(file: PickedFile, user: string, today: IsoDate): MetaDraft {
  return { title: file.title, description: "", kind: file.kind, obtained_from: "", obtained_by: user, obtained_at: today, as_of: "" };
}

export function draftFromEvidence(e: Evidence): MetaDraft {
  const { title, description, kind, obtained_from, obtained_by, as_of } = e;
  return { title, description, kind, obtained_from, obtained_by, obtained_at: e.obtained_at ?? "", as_of };
}

/**
 * Why the draft's dates cannot be sent yet: the date the evidence speaks
 * for is part of every request, and a date input left half-typed is no date.
 * A date of obtaining that was recorded cannot be cleared (the patch has no
 * way to say "none"), so the edit form asks for one instead (`keepObtainedAt`).
 */
export function dateProblems(d: MetaDraft, keepObtainedAt = false): MetaProblems {
  const out: MetaProblems = {};
  // A date typed but not a day holds the form back with no words of its
  // own: the date field says why once the user leaves it (DateField).
  if (d.as_of === "") out.as_of = t("problem.required");
  else if (isoDate(d.as_of) === null) out.as_of = "";
  if (d.obtained_at === "" && keepObtainedAt) out.obtained_at = t("evidence.problem.obtained_at_kept");
  else if (d.obtained_at !== "" && isoDate(d.obtained_at) === null) out.obtained_at = "";
  return out;
}

/** The draft as the request's description; call it once `dateProblems` has none. */
export function metaOf(d: MetaDraft): EvidenceMeta {
  return { ...d, obtained_at: isoDate(d.obtained_at), as_of: isoDate(d.as_of) as IsoDate };
}

/** The changes from `before` to `after`, so that the history records exactly what was changed. */
export function patchOf(before: Evidence, after: MetaDraft): EvidencePatch {
  const m = metaOf(after);
  const patch: EvidencePatch = {};
  for (const key of ["title", "description", "kind", "obtained_from", "obtained_by", "as_of"] as const) {
    if (m[key] !== before[key]) (patch as Record<string, unknown>)[key] = m[key];
  }
  if (m.obtained_at !== null && m.obtained_at !== before.obtained_at) patch.obtained_at = m.obtained_at;
  return patch;
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

// Review and sign-off as the screens show it, kept free of Svelte so it can
// be tested directly: which level the current user signs next, the
// translated refusals and blockers, what changed since a sign-off, and the
// history of an item.

import { t } from "../../i18n/index.svelte";
import { BackendError } from "../../ipc";
import type { Blocker } from "../../ipc/bindings/Blocker";
import type { EngagementFields } from "../../ipc/bindings/EngagementFields";
import type { EventRecord } from "../../ipc/bindings/EventRecord";
import type { FieldProblem } from "../../ipc/bindings/FieldProblem";
import type { ReviewNote } from "../../ipc/bindings/ReviewNote";
import type { ReviewState } from "../../ipc/bindings/ReviewState";
import type { Role } from "../../ipc/bindings/Role";
import type { SignOffLevel } from "../../ipc/bindings/SignOffLevel";
import { levelAllows, mayReopen } from "../ipc/rules";
import { errorText } from "../../session.svelte";

/** The role of `name` on the engagement team, which decides what they may sign; null when not on it. */
export function teamRole(fields: EngagementFields | null | undefined, name: string | null | undefined): Role | null {
  if (!fields || !name) return null;
  return fields.team.find((m) => m.name === name)?.role ?? null;
}

export type NextSigning =
  | { kind: "sign"; level: SignOffLevel; again: boolean }
  | { kind: "complete" }
  | { kind: "not_on_team"; level: SignOffLevel }
  | { kind: "waiting"; level: SignOffLevel };

/**
 * The level an item needs next and whether the user may give it: after a
 * change, the preparer signs again; otherwise the first required level
 * without a standing sign-off. Whether the same person already signed
 * another level is left to the core, which says so.
 */
export function nextSigning(state: ReviewState, role: Role | null): NextSigning {
  const signed = new Set(state.signoffs.map((s) => s.level));
  const level = state.changed_after_signoff ? "preparer" : state.required.find((l) => !signed.has(l));
  if (level === undefined) return { kind: "complete" };
  if (role === null) return { kind: "not_on_team", level };
  if (!levelAllows(level, role)) return { kind: "waiting", level };
  return { kind: "sign", level, again: state.changed_after_signoff };
}

/** Whether the user may clear a note: its author, or a manager or partner on the team. */
export function mayClear(note: ReviewNote, me: string, role: Role | null): boolean {
  return note.author === me || (role !== null && mayReopen(role));
}

const REVIEW_PROBLEMS = ["not_on_team", "role_not_allowed", "no_result", "previous_level_missing", "same_person", "no_second_review", "not_author"];
const BLOCKER_CODES = ["log_mismatch", "no_result", "not_signed", "changed_after_signoff", "open_note"];

/** A refusal of the review commands, in the user's language. */
export function reviewProblemText(p: FieldProblem): string {
  const level = p.params.level ? t(`review.level.${p.params.level}`) : "";
  // Finalizing and reopening name the role, not a level.
  if (p.code === "role_not_allowed" && p.field === "role") return t("review.problem.role_not_allowed_manager");
  if (REVIEW_PROBLEMS.includes(p.code)) return t(`review.problem.${p.code}`, { ...p.params, level });
  if (BLOCKER_CODES.includes(p.code)) return blockerText({ code: p.code, item_id: p.field, level: (p.params.level || null) as SignOffLevel | null });
  return t("problem.invalid");
}

/** A refusal decided in the page (not by the core), already in the user's language. */
export class UserMessage extends Error {}

/** The message for a failed review call: each field problem translated, a standing sign-off, or the lock. */
export function reviewErrorText(err: unknown): string {
  if (err instanceof UserMessage) return err.message;
  if (err instanceof BackendError) {
    if (err.kind === "invalid" && err.payload.field_problems.length > 0) {
      return [...new Set(err.payload.field_problems.map(reviewProblemText))].join(" ");
    }
    if (err.kind === "already_exists") return t("review.problem.already_signed");
  }
  return errorText(err);
}

/** One reason an engagement cannot be finalized, in the user's language. */
export function blockerText(b: Pick<Blocker, "code" | "item_id" | "level">): string {
  const code = BLOCKER_CODES.includes(b.code) ? b.code : "other";
  return t(`review.blocker.${code}`, { id: b.item_id, level: b.level ? t(`review.level.${b.level}`) : "" });
}

/** The control an item belongs to: a control is its own, a procedure's is before `/P`. */
export function controlOfItem(id: string): string {
  const at = id.lastIndexOf("/P");
  return at > 0 ? id.slice(0, at) : id;
}

/** A procedure's own number (P2) from its ID, as the walkthrough shows it. */
export function shortId(id: string): string {
  return id.slice(id.lastIndexOf("/") + 1);
}


// ---- What changed ----

const FIELDS = [
  "work_done",
  "result",
  "notes",
  "assignee",
  "kind",
  "evaluation",
  "text_ja",
  "text_en",
  "exceptions",
  "evidence",
  "scope",
  "scope_reason",
  "procedures",
  "title",
  "description",
  "obtained_from",
  "obtained_by",
  "obtained_at",
  "as_of",
];

/** A field's name for people; sign-off contents name procedure fields as `procedure.work_done`. */
export function fieldLabel(field: string): string {
  // What a sign-off covers of a sampled procedure is one part: its sampling.
  if (field === "sampling" || field.startsWith("sampling.")) return t("review.field.sampling");
  const name = field.startsWith("procedure.") ? field.slice("procedure.".length) : field;
  return FIELDS.includes(name) ? t(`review.field.${name}`) : field;
}

type Json = unknown;

/** A value of a changed field for people: codes translated, lists of records by their IDs and texts. */
export function formatValue(field: string, value: Json): string {
  const name = field.slice(field.lastIndexOf(".") + 1);
  if (value === null || value === undefined || value === "") return t("review.value.empty");
  if (typeof value === "string") {
    const families: Record<string, string> = { result: "result", kind: "kind", evaluation: "evaluation", scope: "scope", decision: "scope" };
    const family = families[name];
    if (family) {
      const key = `${family}.${value}`;
      const text = t(key);
      return text === key ? value : text;
    }
    return value;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return t("review.value.empty");
    return value
      .map((v) => {
        if (v !== null && typeof v === "object" && "id" in v) {
          const r = v as { id: string; text?: string };
          return r.text ? `${r.id}：${r.text}` : r.id;
        }
        return formatValue("", v);
      })
      .join("、");
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export interface ShownChange {
  field: string;
  label: string;
  before: string;
  after: string;
}

/**
 * A change as shown: the field's name and both values. A control's
 * procedures are compared by their content digests, so instead of the
 * digests the procedures that were added, changed or removed are named.
 */
export function showChange(change: { field: string; before: Json; after: Json }): ShownChange {
  const { field, before, after } = change;
  if (field === "procedures" && Array.isArray(before) && Array.isArray(after)) {
    const digests = (list: Json[]) => new Map(list.map((p) => [(p as { id: string }).id, (p as { sha256?: string }).sha256]));
    const was = digests(before);
    const now = digests(after);
    const marks: string[] = [];
    for (const [id, sha] of now) {
      if (!was.has(id)) marks.push(t("review.value.added", { id: shortId(id) }));
      else if (was.get(id) !== sha) marks.push(t("review.value.changed", { id: shortId(id) }));
    }
    for (const id of was.keys()) if (!now.has(id)) marks.push(t("review.value.removed", { id: shortId(id) }));
    return {
      field,
      label: fieldLabel(field),
      before: [...was.keys()].map(shortId).join("、") || t("review.value.empty"),
      after: marks.join("、") || [...now.keys()].map(shortId).join("、"),
    };
  }
  return { field, label: fieldLabel(field), before: formatValue(field, before), after: formatValue(field, after) };
}

// ---- History ----

export interface HistoryEntry {
  seq: number;
  at: string;
  actor: string;
  kind: string;
  label: string;
  /** What the event was about, in a line. */
  detail: string;
  changes: ShownChange[];
}

const EVENT_KINDS = [
  "engagement_created",
  "engagement_edited",
  "scope_set",
  "procedure_added",
  "procedure_updated",
  "procedure_removed",
  "exception_added",
  "exception_edited",
  "exception_removed",
  "evidence_added",
  "evidence_edited",
  "evidence_linked",
  "evidence_unlinked",
  "evidence_removed",
  "pbc_added",
  "pbc_edited",
  "signed_off",
  "changed_after_signoff",
  "note_added",
  "note_answered",
  "note_cleared",
  "engagement_finalized",
  "engagement_reopened",
  "population_imported",
  "sample_selected",
  "sample_item_added",
  "sample_discarded",
  "attribute_added",
  "attribute_edited",
  "attribute_removed",
  "cell_set",
  "tickmark_set",
];

export function eventLabel(kind: string): string {
  return EVENT_KINDS.includes(kind) ? t(`event.${kind}`) : kind;
}

type Payload = Record<string, unknown> & { changes?: { field: string; before: Json; after: Json }[] };

/** The one-line subject of an event: the item, the level signed, the note's text. */
function detailOf(kind: string, p: Payload): string {
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const obj = (v: unknown) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>) : {});
  switch (kind) {
    case "scope_set":
      return `${str(p.control_id)}：${formatValue("scope", p.decision)}${str(p.reason) ? `（${str(p.reason)}）` : ""}`;
    case "procedure_added":
    case "procedure_removed":
      return str(obj(p.procedure).id);
    case "procedure_updated":
    case "evidence_edited":
    case "pbc_edited":
    case "exception_edited":
      return str(p.id);
    case "exception_added":
    case "exception_removed": {
      const x = obj(p.exception);
      return `${str(x.id)}（${shortId(str(x.procedure_id))}）：${str(x.text)}`;
    }
    case "evidence_added": {
      const ev = obj(p.evidence);
      return `${str(ev.id)} ${str(ev.title)}`;
    }
    case "evidence_linked":
    case "evidence_unlinked":
      return `${str(p.id)} → ${str(obj(p.link).id)}`;
    case "evidence_removed":
      return `${str(p.id)}：${str(obj(p.removal).reason)}`;
    case "signed_off": {
      const s = obj(p.signoff);
      return t("history.signed", { id: str(s.item_id), level: t(`review.level.${str(s.level)}`) });
    }
    case "changed_after_signoff": {
      const withdrawn = Array.isArray(p.withdrawn) ? (p.withdrawn as string[]) : [];
      return withdrawn.length > 0
        ? t("history.changed_withdrawn", { id: str(p.item_id), levels: withdrawn.map((l) => t(`review.level.${l}`)).join("、") })
        : t("history.changed", { id: str(p.item_id) });
    }
    case "note_added": {
      const n = obj(p.note);
      return `${str(n.id)}：${str(n.text)}`;
    }
    case "note_answered":
      return `${str(p.id)}：${str(p.answer)}`;
    case "note_cleared":
      return str(p.id);
    case "engagement_reopened":
      return str(p.reason);
    case "population_imported": {
      const pop = obj(p.population);
      return `${shortId(str(pop.procedure_id))}：${str(pop.source_name) || "#"}（${String(pop.count ?? "")}）`;
    }
    case "sample_selected":
    case "sample_discarded": {
      const s = obj(p.sample);
      return `${shortId(str(s.procedure_id))}${str(p.reason) ? `：${str(p.reason)}` : ""}`;
    }
    case "sample_item_added": {
      const item = obj(p.item);
      return `${str(item.id)} ${str(item.item_id)}：${str(item.reason)}`;
    }
    case "attribute_added":
    case "attribute_removed": {
      const a = obj(p.attribute);
      return `${shortId(str(p.procedure_id))} ${str(a.key)}：${str(a.text)}`;
    }
    case "attribute_edited":
      return `${shortId(str(p.procedure_id))} ${str(p.key)}：${str(p.after)}`;
    case "cell_set":
      return `${shortId(str(p.procedure_id))}/S${String(p.no ?? "")} ${str(p.attribute)}`;
    case "tickmark_set":
      return str(obj(p.tickmark).mark);
    default:
      return "";
  }
}

/** Events as the history dialog lists them, oldest first, with before → after where the event has changes. */
export function historyEntries(events: EventRecord[]): HistoryEntry[] {
  return events.map((e) => {
    let payload: Payload = {};
    try {
      payload = JSON.parse(e.payload) as Payload;
    } catch {
      // An unreadable payload still shows who did what when.
    }
    let changes: ShownChange[] = Array.isArray(payload.changes) ? payload.changes.map(showChange) : [];
    if (e.kind === "exception_edited") {
      changes = [{ field: "text", label: t("review.field.exception_text"), before: String(payload.before ?? ""), after: String(payload.after ?? "") }];
    } else if (e.kind === "scope_set") {
      changes = [{ field: "scope", label: fieldLabel("scope"), before: formatValue("scope", payload.before), after: formatValue("scope", payload.decision) }];
    }
    return { seq: e.seq, at: e.at, actor: e.actor, kind: e.kind, label: eventLabel(e.kind), detail: detailOf(e.kind, payload), changes };
  });
}

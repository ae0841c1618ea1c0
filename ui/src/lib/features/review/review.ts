// Review and sign-off as the screens word it, kept free of Svelte so it can
// be tested directly: the core's refusals and blockers in the user's
// language, what changed since a sign-off, and the history of an item.
// What the user may do (sign, clear, finalize, reopen) is not decided here:
// the core answers it in the engagement's rights and each item's `next`.

import { t } from "../../i18n/index.svelte";
import { errorText, problemText } from "../../i18n/messages";
import { BackendError } from "../../ipc";
import type { Blocker } from "../../ipc/bindings/Blocker";
import type { EventRecord } from "../../ipc/bindings/EventRecord";
import type { FieldProblem } from "../../ipc/bindings/FieldProblem";
import type { KeySummary } from "../../ipc/bindings/KeySummary";
import type { ProblemCode } from "../../ipc/bindings/ProblemCode";

/** A refusal decided in the page (not by the core), already in the user's language. */
export class UserMessage extends Error {}

/** The reasons finalizing can be blocked for, each with its own wording (`review.blocker.*`). */
const BLOCKER_CODES = new Set<ProblemCode>([
  "log_mismatch",
  "open_conflict",
  "no_result",
  "no_work_done",
  "no_exception",
  "exceptions_recorded",
  "no_representation",
  "representation_unanswered",
  "subsequent_not_considered",
  "not_signed",
  "changed_after_signoff",
  "open_note",
]);

/**
 * The fields of a sign-off's own refusal (the level, or what the workpaper
 * lacks); a finalizing refusal names the blocked item there instead.
 */
const SIGN_OFF_FIELDS = new Set(["level", "result", "work_done", "exceptions"]);

/** The message for `key` when the catalogs have one (a code newer than this page may have none), else null. */
function optional(key: string, params: Record<string, string | number>): string | null {
  const text = t(key, params);
  return text === key ? null : text;
}

/** One reason an engagement cannot be finalized, in the user's language. */
export function blockerText(b: Pick<Blocker, "code" | "item_id" | "level">): string {
  const params = { id: b.item_id, level: b.level ? t(`review.level.${b.level}`) : "" };
  return (BLOCKER_CODES.has(b.code) ? optional(`review.blocker.${b.code}`, params) : null) ?? t("review.blocker.other", params);
}

/** How many blockers of one code there are, in the user's language. */
export function blockerCountText(code: ProblemCode, count: number): string {
  return optional(`review.blocker_count.${code}`, { count }) ?? t("review.blocker_count.other", { count });
}

/** A refusal of the review operations: finalizing's blockers name their item (`problemText` translates the level). */
function reviewProblemText(p: FieldProblem): string {
  // Finalizing and reopening are refused for the role as a whole, not for a level.
  if (p.code === "role_not_allowed" && p.field === "role") return t("review.problem.role_not_allowed_manager");
  // Finalizing refused with what still blocks it (changed meanwhile) names the item as the field;
  // a sign-off refused for an incomplete workpaper names the level or the missing field.
  if (BLOCKER_CODES.has(p.code) && !SIGN_OFF_FIELDS.has(p.field)) return blockerText({ code: p.code, item_id: p.field, level: (p.params.level || null) as Blocker["level"] });
  return problemText(p);
}

/** The message for a failed review call: each of the core's problems translated, a standing sign-off, or the error's kind. */
/**
 * Whether a refused signature (a sign-off, finalizing, reopening) waits only
 * for the PIN: the core asked for the signer's signature and the signer's
 * key is on this computer. Without the key here, asking for a PIN would
 * lead nowhere; the refusal then says how to bring the key.
 */
export async function waitsForPin(err: unknown, signer: string, keys: () => Promise<KeySummary[]>): Promise<boolean> {
  if (!(err instanceof BackendError) || !err.payload.field_problems.some((p) => p.code === "signature_required")) return false;
  return (await keys()).some((k) => k.name === signer);
}

export function reviewErrorText(err: unknown): string {
  if (err instanceof UserMessage) return err.message;
  if (err instanceof BackendError) {
    if (err.payload.field_problems.length > 0) return [...new Set(err.payload.field_problems.map(reviewProblemText))].join(" ");
    if (err.kind === "already_exists") return t("review.problem.already_signed");
  }
  return errorText(err);
}

/**
 * The control an item belongs to, for leading to it in the walkthrough: a
 * control is its own; a procedure's (and a sample item's, …/P3/S7) is
 * before its procedure number.
 */
export function controlOfItem(id: string): string {
  const at = id.lastIndexOf("/P");
  return at > 0 ? id.slice(0, at) : id;
}

/** A procedure's own number (P2) from its ID, as the walkthrough shows it. */
export function shortId(id: string): string {
  return id.slice(id.lastIndexOf("/") + 1);
}

// ---- What changed ----

/** A field's name for people; sign-off contents name procedure fields as `procedure.work_done`. */
export function fieldLabel(field: string): string {
  // What a sign-off covers of a sampled procedure is one part: its sampling.
  if (field === "sampling" || field.startsWith("sampling.")) return t("review.field.sampling");
  const name = field.startsWith("procedure.") ? field.slice("procedure.".length) : field;
  return optional(`review.field.${name}`, {}) ?? field;
}

type Json = unknown;

/** The catalog family of each coded field, so that its values are shown translated. */
const FAMILIES: Record<string, string> = { result: "result", kind: "kind", evaluation: "evaluation", scope: "scope", decision: "scope" };

/** A value of a changed field for people: codes translated, lists of records by their IDs and texts. */
export function formatValue(field: string, value: Json): string {
  const name = field.slice(field.lastIndexOf(".") + 1);
  if (value === null || value === undefined || value === "") return t("review.value.empty");
  if (typeof value === "string") return (FAMILIES[name] && optional(`${FAMILIES[name]}.${value}`, {})) || value;
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
  kind: EventRecord["kind"];
  /** The field copy the change was made on, when a merge brought it in. */
  fromCopy: EventRecord["from_copy"];
  label: string;
  /** What the event was about, in a line. */
  detail: string;
  changes: ShownChange[];
}

type Payload = Record<string, unknown> & { changes?: { field: string; before: Json; after: Json }[] };

/** The one-line subject of an event: the item, the level signed, the note's text. */
function detailOf(kind: EventRecord["kind"], p: Payload): string {
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
    // A kind newer than this page is named as stored rather than hidden.
    const label = optional(`event.${e.kind}`, {}) ?? e.kind;
    return { seq: e.seq, at: e.at, actor: e.actor, kind: e.kind, fromCopy: e.from_copy, label, detail: detailOf(e.kind, payload), changes };
  });
}

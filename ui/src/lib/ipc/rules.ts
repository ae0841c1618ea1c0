// The rules of the Rust core (core/src/model/procedure.rs, engagement.rs,
// corporate_number.rs, ismap_id.rs, evidence.rs, review.rs) restated for the fake backend, so that
// the UI can be developed and tested without the core. When the core's
// rules change, these must change with them; the tests pin the same cases.

import type { CatalogItem } from "./bindings/CatalogItem";
import type { DerivedDates } from "./bindings/DerivedDates";
import type { EngagementFields } from "./bindings/EngagementFields";
import type { EvidenceKind } from "./bindings/EvidenceKind";
import type { PbcRequest } from "./bindings/PbcRequest";
import type { PbcStatus } from "./bindings/PbcStatus";
import type { FieldProblem } from "./bindings/FieldProblem";
import type { Procedure } from "./bindings/Procedure";
import type { ProgramRules } from "./bindings/ProgramRules";
import type { ResultKind } from "./bindings/ResultKind";
import type { Role } from "./bindings/Role";
import type { SignOffLevel } from "./bindings/SignOffLevel";
import type { Status } from "./bindings/Status";
import type { Warning } from "./bindings/Warning";

export const DEFAULT_RULES: ProgramRules = {
  max_period_months: 12,
  short_period_warning_months: 3,
  report_due_months_after_period: 3,
  registration_valid_months_after_period: 16,
};

export function procedureStatus(p: Procedure): Status {
  if (p.result !== null) return "done";
  if (p.work_done.trim() !== "" || p.exceptions.length > 0 || p.notes.trim() !== "") return "in_progress";
  return "not_started";
}

export function controlStatus(inScope: boolean, statuses: Status[]): Status {
  if (!inScope) return "out_of_scope";
  if (statuses.length === 0) return "no_procedures";
  if (statuses.every((s) => s === "done")) return "done";
  if (statuses.some((s) => s !== "not_started")) return "in_progress";
  return "not_started";
}

/**
 * A control's result once every procedure has one: any exception makes it an
 * exception; else any not performed makes it not performed; all not
 * applicable makes it not applicable; otherwise no exception.
 */
export function controlResult(results: (ResultKind | null)[]): ResultKind | null {
  if (results.length === 0 || results.some((r) => r === null)) return null;
  if (results.includes("exception")) return "exception";
  if (results.includes("not_performed")) return "not_performed";
  if (results.every((r) => r === "not_applicable")) return "not_applicable";
  return "no_exception";
}

/**
 * The Japanese corporate number: 13 ASCII digits, the first a check digit
 * over the other twelve. With P(n) the n-th digit of the base counted from
 * the right, weighted 1 for odd n and 2 for even n, the check digit is
 * 9 - (sum mod 9).
 */
export function corporateNumberValid(text: string): boolean {
  if (!/^[0-9]{13}$/.test(text)) return false;
  const digits = [...text].map(Number);
  const base = digits.slice(1).reverse();
  const sum = base.reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 1 : 2), 0);
  return digits[0] === 9 - (sum % 9);
}

// Dates are ISO `YYYY-MM-DD` strings, as chrono's NaiveDate serializes them.
// They are compared as strings, which orders them correctly.

function parseDate(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 ? d : null;
}

export function isDate(text: string): boolean {
  return parseDate(text) !== null;
}

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function addDays(text: string, days: number): string {
  const d = parseDate(text);
  if (!d) return text;
  d.setUTCDate(d.getUTCDate() + days);
  return iso(d);
}

/** Adds months as chrono does: a day beyond the target month's end becomes its last day. */
function addMonths(text: string, months: number): string {
  const d = parseDate(text);
  if (!d) return text;
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return iso(new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay))));
}

/** The last day a period starting on `start` may end on, for `months` months. */
export function latestEnd(start: string, months: number): string {
  return addDays(addMonths(start, months), -1);
}

export function derivedDates(fields: EngagementFields, rules: ProgramRules): DerivedDates | null {
  if (!isDate(fields.period.end)) return null;
  // Counted as the civil code counts: from the day after the period ends.
  const dayAfter = addDays(fields.period.end, 1);
  return {
    report_due: latestEnd(dayAfter, rules.report_due_months_after_period),
    registration_expiry: latestEnd(dayAfter, rules.registration_valid_months_after_period),
  };
}

function problem(field: string, code: string, params: Record<string, string>, message: string): FieldProblem {
  return { field, code, params, message };
}

export function fieldProblems(f: EngagementFields, rules: ProgramRules): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (f.provider.name.trim() === "") out.push(problem("provider.name", "required", {}, "the provider's name is required"));
  if (!corporateNumberValid(f.provider.corporate_number)) {
    out.push(
      problem(
        "provider.corporate_number",
        "corporate_number",
        { value: f.provider.corporate_number },
        `invalid corporate number: "${f.provider.corporate_number}"`,
      ),
    );
  }
  if (f.service.name.trim() === "") out.push(problem("service.name", "required", {}, "the service's name is required"));
  const url = f.service.url.trim();
  if (!(url === "" || url.startsWith("https://") || url.startsWith("http://")) || url.includes(" ")) {
    out.push(problem("service.url", "url", { value: url }, `"${url}" is not a web address (http:// or https://)`));
  }
  const { start, end } = f.period;
  if (end <= start) {
    out.push(problem("period", "period_inverted", { start, end }, `the period ends (${end}) on or before it starts (${start})`));
  } else {
    const latest = latestEnd(start, rules.max_period_months);
    if (end > latest) {
      const months = String(rules.max_period_months);
      out.push(
        problem("period", "period_too_long", { months, latest }, `the period ${start} to ${end} is longer than ${months} months`),
      );
    }
  }
  if (f.audit_kind !== "initial") {
    const reg = f.current_registration;
    if (reg === null) {
      out.push(
        problem("current_registration", "registration_required", {}, `a ${f.audit_kind} audit needs the service's current registration`),
      );
    } else {
      if (reg.number.trim() === "") {
        out.push(problem("current_registration.number", "required", {}, "the registration number is required"));
      }
      if (reg.expires_on <= reg.registered_on) {
        out.push(
          problem(
            "current_registration.expires_on",
            "registration_dates",
            {},
            `the registration expires (${reg.expires_on}) on or before it was granted (${reg.registered_on})`,
          ),
        );
      }
    }
  }
  if (f.assessor.name.trim() === "") out.push(problem("assessor.name", "required", {}, "the assessor firm's name is required"));
  f.team.forEach((member, i) => {
    if (member.name.trim() === "") {
      out.push(problem(`team[${i}].name`, "required", {}, "a team member needs a name"));
    } else if (f.team.slice(0, i).some((m) => m.name === member.name)) {
      out.push(problem(`team[${i}].name`, "duplicate_member", { name: member.name }, `"${member.name}" is in the team twice`));
    }
  });
  return out;
}

export function fieldWarnings(f: EngagementFields, rules: ProgramRules): Warning[] {
  const out: Warning[] = [];
  const { start, end } = f.period;
  const shortEnd = latestEnd(start, rules.short_period_warning_months);
  if (end > start && end < shortEnd) {
    const months = String(rules.short_period_warning_months);
    out.push({
      code: "short_period",
      params: { start, end, months },
      message: `the period ${start} to ${end} is shorter than ${months} months`,
    });
  }
  const dates = derivedDates(f, rules);
  const validUntil = f.assessor.registration_valid_until;
  if (dates && validUntil && validUntil < dates.report_due) {
    out.push({
      code: "assessor_registration_lapses",
      params: { valid_until: validUntil, report_due: dates.report_due },
      message: `the assessor firm's registration lapses on ${validUntil}, before the report is due on ${dates.report_due}`,
    });
  }
  if (f.team.length === 0) out.push({ code: "no_team", params: {}, message: "no team members are recorded" });
  return out;
}

const SUFFIXES = ["B", "P", "PB"];
const LEVELS = ["domain", "category", "objective", "detailed"];

/**
 * Completes a catalog item as the core's import does: the level from the
 * number of numeric parts, the suffix from the ID, and the parent from the
 * ID when that item is in the catalog.
 */
export function completeItem(raw: Partial<CatalogItem> & { group: string; id: string }, ids: Set<string>): CatalogItem {
  const parts = raw.id.split(".");
  const suffix = SUFFIXES.includes(parts[parts.length - 1]) ? parts[parts.length - 1] : null;
  const numbers = suffix ? parts.slice(0, -1) : parts;
  const parentId = numbers.length >= 2 ? numbers.slice(0, -1).join(".") : null;
  return {
    group: raw.group,
    id: raw.id,
    parent: raw.parent ?? (parentId !== null && ids.has(parentId) ? parentId : null),
    level: raw.level ?? LEVELS[numbers.length - 1] ?? null,
    suffix: raw.suffix ?? suffix,
    title_ja: raw.title_ja ?? "",
    title_en: raw.title_en ?? "",
    text_ja: raw.text_ja ?? "",
    text_en: raw.text_en ?? "",
    source_refs: raw.source_refs ?? [],
    importance: raw.importance ?? null,
    audit_cycle: raw.audit_cycle ?? null,
    liu_scope: raw.liu_scope ?? null,
    mandatory: raw.mandatory ?? false,
  };
}

/** The first part of a control ID (`9` for `9.2.3.11`), as the library and dashboard use it. */
export function domainOf(id: string): string {
  return id.split(/[.-]/)[0] ?? "";
}

// ---- Evidence and the PBC list (core/src/model/evidence.rs, db/evidence.rs) ----

/** A few of the media types the core's `mime_guess` gives, enough for the fake's files. */
const MEDIA_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  pdf: "application/pdf",
  txt: "text/plain",
  log: "text/plain",
  csv: "text/csv",
  md: "text/markdown",
  json: "application/json",
  xml: "text/xml",
  yaml: "text/x-yaml",
  yml: "text/x-yaml",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  zip: "application/zip",
};

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/** The media type of a file from its name, or application/octet-stream. */
export function mediaTypeOf(name: string): string {
  return MEDIA_TYPES[extensionOf(name)] ?? "application/octet-stream";
}

/** The intake form's default kind for a file, as `EvidenceKind::guess`. */
export function guessKind(mediaType: string, name: string): EvidenceKind {
  const ext = extensionOf(name);
  if (mediaType.startsWith("image/")) return "screenshot";
  if (["log", "evtx", "jsonl", "ndjson"].includes(ext)) return "log_export";
  if (["conf", "cfg", "ini", "yaml", "yml", "toml", "xml", "json", "tf", "properties"].includes(ext)) return "configuration";
  if (mediaType === "application/pdf" || ["doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "md", "csv", "odt", "ods"].includes(ext)) {
    return "document";
  }
  return "other";
}

/** Whether the provider still owes something for a request (`PbcStatus::is_open`). */
export function pbcIsOpen(status: PbcStatus): boolean {
  return status === "requested" || status === "follow_up";
}

/** An open request past its due date (`PbcRequest::is_overdue`); `today` is the user's local date. */
export function pbcIsOverdue(request: Pick<PbcRequest, "status" | "due">, today: string): boolean {
  return pbcIsOpen(request.status) && request.due !== null && request.due < today;
}

// ---- Review (core/src/model/review.rs) ----

/** Every sign-off level, in the order they are given. */
export const SIGNOFF_LEVELS: SignOffLevel[] = ["preparer", "reviewer", "second_reviewer"];

/** The levels an engagement requires, in order (`SignOffLevel::required`). */
export function requiredLevels(secondReview: boolean): SignOffLevel[] {
  return secondReview ? ["preparer", "reviewer", "second_reviewer"] : ["preparer", "reviewer"];
}

/** The level that must stand before this one (`SignOffLevel::previous`). */
export function previousLevel(level: SignOffLevel): SignOffLevel | null {
  return level === "reviewer" ? "preparer" : level === "second_reviewer" ? "reviewer" : null;
}

/**
 * Whether a team member of `role` may sign at `level` (`SignOffLevel::allows`):
 * anyone on the team prepares; reviewers, managers and partners review; the
 * second level is for managers and partners.
 */
export function levelAllows(level: SignOffLevel, role: Role): boolean {
  if (level === "preparer") return true;
  if (level === "reviewer") return role === "reviewer" || role === "manager" || role === "partner";
  return role === "manager" || role === "partner";
}

/** Who may finalize, reopen, and clear another person's review note (`may_reopen`). */
export function mayReopen(role: Role): boolean {
  return role === "manager" || role === "partner";
}

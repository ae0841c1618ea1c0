// Translation of field problems and warnings, and the preparation of a form
// whose dates are not all filled in yet for the backend's field check.

import { t } from "../../i18n/index.svelte";
import type { EngagementFields } from "../../ipc/bindings/EngagementFields";
import type { FieldProblem } from "../../ipc/bindings/FieldProblem";
import type { Warning } from "../../ipc/bindings/Warning";
import { isDate } from "../../ipc/rules";

const PROBLEM_CODES = [
  "required",
  "corporate_number",
  "url",
  "period_inverted",
  "period_too_long",
  "registration_required",
  "registration_dates",
  "duplicate_member",
  "invalid",
];
const WARNING_CODES = ["short_period", "assessor_registration_lapses", "no_team"];

export function problemText(p: FieldProblem): string {
  return t(`problem.${PROBLEM_CODES.includes(p.code) ? p.code : "invalid"}`, p.params);
}

export function warningText(w: Warning): string {
  return WARNING_CODES.includes(w.code) ? t(`warning.${w.code}`, w.params) : t("warning.other");
}

/**
 * The core takes dates as dates, so a form with an empty date cannot be sent
 * as it is. Empty dates are replaced by placeholders, the problems the core
 * finds about them are dropped, and "required" is reported for them here.
 */
export function withPlaceholderDates(fields: EngagementFields): {
  sendable: EngagementFields;
  localProblems: FieldProblem[];
  dropped: string[];
} {
  const sendable: EngagementFields = JSON.parse(JSON.stringify(fields)) as EngagementFields;
  const localProblems: FieldProblem[] = [];
  const dropped: string[] = [];
  const required = (field: string) => localProblems.push({ field, code: "required", params: {}, message: `${field} is required` });
  if (!isDate(fields.period.start) || !isDate(fields.period.end)) {
    if (!isDate(fields.period.start)) required("period.start");
    if (!isDate(fields.period.end)) required("period.end");
    sendable.period = { start: "2000-01-01", end: "2000-12-31" };
    dropped.push("period");
  }
  const reg = fields.current_registration;
  if (reg && (!isDate(reg.registered_on) || !isDate(reg.expires_on))) {
    if (!isDate(reg.registered_on)) required("current_registration.registered_on");
    if (!isDate(reg.expires_on)) required("current_registration.expires_on");
    sendable.current_registration = { number: reg.number, registered_on: "2000-01-01", expires_on: "2001-01-01" };
    dropped.push("current_registration.expires_on");
  }
  if (fields.assessor.registration_valid_until !== null && !isDate(fields.assessor.registration_valid_until)) {
    sendable.assessor.registration_valid_until = null;
  }
  return { sendable, localProblems, dropped };
}

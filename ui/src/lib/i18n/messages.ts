// The messages for what the core sends: errors by their kind, problems by
// their code (with the values they carry), never by their English message.

import type { FieldProblem } from "../ipc/bindings/FieldProblem";
import { BackendError } from "../ipc/transport";
import { t } from "./index.svelte";

/** The translated message for a failed call, chosen by its kind. */
export function errorText(err: unknown): string {
  return t(`error.${err instanceof BackendError ? err.kind : "internal"}`);
}

/**
 * The parameters that carry a code of a closed set (a frequency, a sign-off
 * level) rather than words, with the catalog prefix of their labels.
 */
const CODED_PARAMS: Record<string, string> = { frequency: "frequency", level: "review.level" };

/** The translated message of a problem with a field or an item. */
export function problemText(problem: Pick<FieldProblem, "code" | "params">): string {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(problem.params as Record<string, string>)) {
    params[name] = name in CODED_PARAMS ? t(`${CODED_PARAMS[name]}.${value}`) : value;
  }
  return t(`problem.${problem.code}`, params);
}

/** The problems of a refusal for `field`, translated; empty when it is not a refusal of that field. */
export function problemsFor(err: unknown, field: string): string[] {
  if (!(err instanceof BackendError)) return [];
  return err.payload.field_problems.filter((p) => p.field === field).map(problemText);
}

/** A refusal's text: its first problem when it names one, else its kind's message. */
export function refusalText(err: unknown): string {
  if (err instanceof BackendError && err.payload.field_problems.length > 0) return problemText(err.payload.field_problems[0]);
  return errorText(err);
}

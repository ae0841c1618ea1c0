// Where the export dialog shows each refusal of the core, kept free of
// Svelte so that it can be tested directly. The core names the field of
// each refusal and its code: `passphrase` (wrong passphrase, or not
// PKCS#12), `certificate` (unusable, required, unreadable), `destination`
// (could not be written), and `sign` or `package` when the engagement is
// not finalized after all.

import { errorText, problemText } from "../../i18n/messages";
import { BackendError } from "../../ipc";
import type { ProblemCode } from "../../ipc/bindings/ProblemCode";

/** The form's fields that a problem can be shown beside; the others are shown at the top of the dialog. */
export type ExportField = "certificate" | "passphrase" | "report_date" | "destination";

export interface ExportProblem {
  /** The field to show it beside, or null for the top of the dialog. */
  field: ExportField | null;
  /** The message in the user's language. */
  text: string;
  /** The core's own words (the certificate's defect, the system's reason), or "". */
  detail: string;
  /** Whether the core found the engagement open although the dialog thought it finalized (reopened meanwhile). */
  notFinal: boolean;
}

const FIELDS: readonly string[] = ["certificate", "passphrase", "destination"] satisfies ExportField[];

/** The refusals whose English message adds what the user needs: which defect, which system error. */
const DETAILED: readonly ProblemCode[] = ["certificate", "certificate_unreadable", "write"];

/** Where and how a failed export is shown. */
export function exportProblem(err: unknown): ExportProblem {
  const problem = err instanceof BackendError ? err.payload.field_problems[0] : undefined;
  if (problem) {
    return {
      field: FIELDS.includes(problem.field) ? (problem.field as ExportField) : null,
      text: problemText(problem),
      detail: DETAILED.includes(problem.code) ? problem.message : "",
      notFinal: problem.code === "not_final",
    };
  }
  return { field: null, text: errorText(err), detail: err instanceof Error ? err.message : String(err), notFinal: false };
}

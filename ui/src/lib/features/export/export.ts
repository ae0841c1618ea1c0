// The export dialog's decisions, kept free of Svelte so that they can be
// tested directly: the stages an export goes through, the file name the save
// dialog suggests, and where each refusal of the core is shown.

import { catalogs, fill, t, type Lang } from "../../i18n/index.svelte";
import { BackendError } from "../../ipc";
import { errorText } from "../../session.svelte";

export type ExportKind = "report" | "package";
export type ExportStage = "read" | "layout" | "sign" | "package" | "write";

/**
 * The stages the core reports, in its order (app/src/commands.rs and
 * report/src/export.rs): it signs only with a certificate, and packages only
 * a package, which is always signed. The dialog counts its progress along
 * this list rather than by the reported step numbers, which restart at each
 * layer of the core (read is 0 of 1, write 1 of 1).
 */
export function exportStages(kind: ExportKind, signing: boolean): ExportStage[] {
  if (kind === "package") return ["read", "layout", "sign", "package", "write"];
  return signing ? ["read", "layout", "sign", "write"] : ["read", "layout", "write"];
}

/** The longest part of a file name taken from the service's name, so that a long name still leaves room for the folder's path. */
const MAX_SERVICE_CHARS = 60;

/**
 * A text as part of a file name on every system the app runs on: the
 * characters Windows refuses (and the path separators of all systems) and
 * control characters become "_", as do runs of white space (full-width
 * spaces included), which are awkward in a name that people pass around by
 * mail; trailing dots, which Windows drops, go.
 */
export function fileNameSafe(text: string): string {
  return text
    .replace(/[\\/:*?"<>|\u0000-\u001f\u007f]/g, "_")
    .replace(/\s+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^[_.]+|[_.]+$/g, "");
}

/**
 * The name the save dialog suggests: the report (or package) and the
 * service in the report's language, and the report date, so that exports of
 * several services and dates sit apart in one folder. An empty service name
 * leaves no empty part behind.
 */
export function suggestedFileName(kind: ExportKind, reportLang: Lang, service: string, date: string): string {
  const safeService = [...fileNameSafe(service)].slice(0, MAX_SERVICE_CHARS).join("");
  const stem = fill(catalogs[reportLang][kind === "package" ? "export.file.package" : "export.file.report"], {
    service: safeService,
    date: fileNameSafe(date),
  });
  return `${fileNameSafe(stem)}.${kind === "package" ? "zip" : "pdf"}`;
}

/** The form's fields that a refusal can be shown beside; the others are shown at the top of the dialog. */
export type ExportField = "certificate" | "passphrase" | "report_date" | "destination";

export interface ExportProblem {
  /** The field to show it beside, or null for the top of the dialog. */
  field: ExportField | null;
  /** The message in the user's language. */
  text: string;
  /** The core's own words (a file's path, the certificate's defect), or "". */
  detail: string;
  /** Whether the core found the engagement open although the dialog thought it finalized (reopened meanwhile). */
  notFinal: boolean;
}

/**
 * Where and how a failed export is shown. The core names the field of each
 * refusal (report/src/export.rs, report/src/sign.rs): "passphrase" for a
 * wrong passphrase or a file that is not PKCS#12, "certificate" for a file
 * without key or certificate or with an unsupported key (or a package asked
 * for without one), "report_date", and "sign" or "package" when the
 * engagement is not finalized. A file it cannot read or write is an "io"
 * error whose message starts with the file's path: the certificate's, or
 * the destination's.
 */
export function exportProblem(err: unknown, certificate: string | null, destination: string | null): ExportProblem {
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof BackendError && err.kind === "invalid" && err.payload.field_problems.length > 0) {
    const p = err.payload.field_problems[0];
    switch (p.field) {
      case "passphrase":
        return { field: "passphrase", text: t("export.problem.passphrase"), detail: "", notFinal: false };
      case "certificate":
        return certificate === null
          ? { field: "certificate", text: t("export.problem.certificate_required"), detail: "", notFinal: false }
          : { field: "certificate", text: t("export.problem.certificate"), detail: p.message, notFinal: false };
      case "report_date":
        return { field: "report_date", text: t("export.problem.report_date"), detail: "", notFinal: false };
      case "sign":
      case "package":
        return { field: null, text: t("export.problem.not_final"), detail: "", notFinal: true };
    }
  }
  if (err instanceof BackendError && err.kind === "io" && certificate !== null && err.message.startsWith(certificate)) {
    return { field: "certificate", text: t("export.problem.certificate_unreadable"), detail, notFinal: false };
  }
  if (err instanceof BackendError && err.kind === "io" && destination !== null && err.message.startsWith(destination)) {
    return { field: "destination", text: t("export.problem.write"), detail, notFinal: false };
  }
  return { field: null, text: errorText(err), detail, notFinal: false };
}

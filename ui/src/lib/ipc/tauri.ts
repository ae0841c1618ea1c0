// The Backend over Tauri IPC. Each method is one command of
// src-tauri/app/src/commands.rs; arguments are passed in camelCase and
// arrive in Rust in snake_case.

import { Channel, invoke } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type { IntakeProgress } from "./bindings/IntakeProgress";
import type { ExportProgress } from "./bindings/ExportProgress";
import { BackendError, type Backend } from "./backend";
import type { ErrorPayload } from "./bindings/ErrorPayload";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    const payload: ErrorPayload =
      typeof raw === "object" && raw !== null && "kind" in raw
        ? (raw as ErrorPayload)
        : { kind: "internal", message: String(raw), input_problems: [], field_problems: [] };
    throw new BackendError(payload);
  }
}

export const tauriBackend: Backend = {
  getProfile: () => call("get_profile"),
  saveProfile: (profile) => call("save_profile", { profile }),
  pickEngagementToOpen: () => call("pick_engagement_to_open"),
  pickEngagementToCreate: (suggestedName) => call("pick_engagement_to_create", { suggestedName }),
  suggestEngagementPath: (serviceName) => call("suggest_engagement_path", { serviceName }),
  openEngagement: (path) => call("open_engagement", { path }),
  openDemo: () => call("open_demo"),
  listCatalogs: () => call("list_catalogs"),
  checkFields: (fields) => call("check_fields", { fields }),
  createEngagement: (path, catalog, fields) => call("create_engagement", { path, catalog, fields }),
  dashboard: (path) => call("dashboard", { path }),
  listControls: (path) => call("list_controls", { path }),
  controlDetail: (path, controlId) => call("control_detail", { path, controlId }),
  setScope: (path, controlId, decision, reason) => call("set_scope", { path, controlId, decision, reason }),
  addProcedure: (path, controlId, procedure) => call("add_procedure", { path, controlId, procedure }),
  updateProcedure: (path, procedureId, patch) => call("update_procedure", { path, procedureId, patch }),
  removeProcedure: (path, procedureId) => call("remove_procedure", { path, procedureId }),
  addException: (path, procedureId, text) => call("add_exception", { path, procedureId, text }),
  editException: (path, exceptionId, text) => call("edit_exception", { path, exceptionId, text }),
  removeException: (path, exceptionId) => call("remove_exception", { path, exceptionId }),

  pickEvidenceFiles: () => call("pick_evidence_files"),
  describeFiles: (paths) => call("describe_files", { paths }),
  addEvidence: (path, files, links, onProgress) => {
    const progress = new Channel<IntakeProgress>();
    progress.onmessage = onProgress;
    return call("add_evidence", { path, files, links, progress });
  },
  cancelIntake: () => call("cancel_intake"),
  listEvidence: (path, includeRemoved) => call("list_evidence", { path, includeRemoved }),
  editEvidence: (path, evidenceId, patch) => call("edit_evidence", { path, evidenceId, patch }),
  linkEvidence: (path, evidenceId, link) => call("link_evidence", { path, evidenceId, link }),
  unlinkEvidence: (path, evidenceId, link) => call("unlink_evidence", { path, evidenceId, link }),
  removeEvidence: (path, evidenceId, reason) => call("remove_evidence", { path, evidenceId, reason }),
  evidenceContent: async (path, evidenceId, limit) =>
    new Uint8Array(await call<ArrayBuffer>("evidence_content", { path, evidenceId, limit })),
  openEvidence: (path, evidenceId) => call("open_evidence", { path, evidenceId }),
  verifyEvidence: (path, onProgress) => {
    const progress = new Channel<[number, number]>();
    progress.onmessage = ([done, total]) => onProgress(done, total);
    return call("verify_evidence", { path, progress });
  },
  onFileDrop: async (handler) =>
    getCurrentWebview().onDragDropEvent((event) => {
      if (event.payload.type === "drop") {
        // The position arrives in physical pixels; the page works in CSS pixels.
        const scale = window.devicePixelRatio || 1;
        handler(event.payload.paths, event.payload.position.x / scale, event.payload.position.y / scale);
      }
    }),
  listPbc: (path) => call("list_pbc", { path }),
  addPbc: (path, fields) => call("add_pbc", { path, fields }),
  editPbc: (path, requestId, fields) => call("edit_pbc", { path, requestId, fields }),
  reviewSummary: (path) => call("review_summary", { path }),
  signOff: (path, itemKind, itemId, level) => call("sign_off", { path, itemKind, itemId, level }),
  addNote: (path, targetKind, targetId, text) => call("add_note", { path, targetKind, targetId, text }),
  answerNote: (path, noteId, text) => call("answer_note", { path, noteId, text }),
  clearNote: (path, noteId) => call("clear_note", { path, noteId }),
  finalizeCheck: (path) => call("finalize_check", { path }),
  finalize: (path) => call("finalize", { path }),
  reopen: (path, reason) => call("reopen", { path, reason }),
  itemHistory: (path, itemId) => call("item_history", { path, itemId }),

  pickPopulationFile: () => call("pick_population_file"),
  previewPopulation: (file) => call("preview_population", { file }),
  sampling: (path, procedureId) => call("sampling", { path, procedureId }),
  importPopulation: (path, procedureId, file, columns) =>
    call("import_population", { path, procedureId, file, columns }),
  setPopulationCount: (path, procedureId, count) => call("set_population_count", { path, procedureId, count }),
  sampleRules: () => call("sample_rules"),
  saveSampleRules: (table) => call("save_sample_rules", { table }),
  resetSampleRules: () => call("reset_sample_rules"),
  selectSample: (path, procedureId, request) => call("select_sample", { path, procedureId, request }),
  selectSampleManually: (path, procedureId, itemIds, reason) =>
    call("select_sample_manually", { path, procedureId, itemIds, reason }),
  addSampleItem: (path, procedureId, itemId, reason) => call("add_sample_item", { path, procedureId, itemId, reason }),
  discardSample: (path, procedureId, reason) => call("discard_sample", { path, procedureId, reason }),
  reproduceSample: (path, procedureId) => call("reproduce_sample", { path, procedureId }),
  addAttribute: (path, procedureId, text) => call("add_attribute", { path, procedureId, text }),
  editAttribute: (path, procedureId, key, text) => call("edit_attribute", { path, procedureId, key, text }),
  removeAttribute: (path, procedureId, key) => call("remove_attribute", { path, procedureId, key }),
  setCell: (path, procedureId, no, attribute, input) => call("set_cell", { path, procedureId, no, attribute, input }),
  setTickmark: (path, tickmark) => call("set_tickmark", { path, tickmark }),

  pickExportDestination: (kind, suggestedName) => call("pick_export_destination", { kind, suggestedName }),
  pickCertificateFile: () => call("pick_certificate_file"),
  exportReport: (path, request, onProgress) => {
    const progress = new Channel<ExportProgress>();
    progress.onmessage = onProgress;
    return call("export_report", { path, request, progress });
  },
  exportPackage: (path, request, onProgress) => {
    const progress = new Channel<ExportProgress>();
    progress.onmessage = onProgress;
    return call("export_package", { path, request, progress });
  },
  openPath: (path) => call("open_path", { path }),
  showInFolder: (path) => call("show_in_folder", { path }),
};

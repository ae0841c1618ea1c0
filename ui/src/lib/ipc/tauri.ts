// The Backend over Tauri IPC. Each method is one command of
// src-tauri/app/src/commands.rs; arguments are passed in camelCase and
// arrive in Rust in snake_case.

import { invoke } from "@tauri-apps/api/core";
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
};

// The backend interface: everything the UI asks of the Rust core. The app
// uses the Tauri implementation (tauri.ts); UI tests use the fake (fake.ts).
// Only files in this folder may import @tauri-apps/api.

import type { CatalogSummary } from "./bindings/CatalogSummary";
import type { ControlDetail } from "./bindings/ControlDetail";
import type { ControlRow } from "./bindings/ControlRow";
import type { Dashboard } from "./bindings/Dashboard";
import type { EngagementFields } from "./bindings/EngagementFields";
import type { EngagementView } from "./bindings/EngagementView";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { ExceptionRecord } from "./bindings/ExceptionRecord";
import type { FieldCheck } from "./bindings/FieldCheck";
import type { NewProcedure } from "./bindings/NewProcedure";
import type { Procedure } from "./bindings/Procedure";
import type { ProcedurePatch } from "./bindings/ProcedurePatch";
import type { Profile } from "./bindings/Profile";
import type { ScopeDecision } from "./bindings/ScopeDecision";

export type { FieldCheck };

/** Every failed call rejects with this error; switch on `kind`. */
export class BackendError extends Error {
  readonly payload: ErrorPayload;
  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.payload = payload;
  }
  get kind(): string {
    return this.payload.kind;
  }
}

export interface Backend {
  /** The profile (user name, language, recent engagements). */
  getProfile(): Promise<Profile>;
  saveProfile(profile: Profile): Promise<Profile>;

  /** Native dialogs; null when the user cancels. */
  pickEngagementToOpen(): Promise<string | null>;
  pickEngagementToCreate(suggestedName: string): Promise<string | null>;
  /** A free path for a new engagement named after the service (documents folder). */
  suggestEngagementPath(serviceName: string): Promise<string>;

  /** Opens an engagement (and remembers it as recent). */
  openEngagement(path: string): Promise<EngagementView>;
  /** Creates the demo engagement in the data folder if needed, and opens it. */
  openDemo(): Promise<EngagementView>;

  listCatalogs(): Promise<CatalogSummary[]>;
  checkFields(fields: EngagementFields): Promise<FieldCheck>;
  /** `catalog` is NAME@VERSION of a library catalog, or "" for the bundled sample catalog. */
  createEngagement(path: string, catalog: string, fields: EngagementFields): Promise<EngagementView>;

  dashboard(path: string): Promise<Dashboard>;
  listControls(path: string): Promise<ControlRow[]>;
  controlDetail(path: string, controlId: string): Promise<ControlDetail>;

  setScope(path: string, controlId: string, decision: ScopeDecision, reason: string): Promise<ControlDetail>;
  addProcedure(path: string, controlId: string, procedure: NewProcedure): Promise<Procedure>;
  updateProcedure(path: string, procedureId: string, patch: ProcedurePatch): Promise<Procedure>;
  removeProcedure(path: string, procedureId: string): Promise<void>;
  addException(path: string, procedureId: string, text: string): Promise<ExceptionRecord>;
  editException(path: string, exceptionId: string, text: string): Promise<ExceptionRecord>;
  removeException(path: string, exceptionId: string): Promise<void>;
}

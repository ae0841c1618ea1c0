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
import type { Evidence } from "./bindings/Evidence";
import type { EvidenceCheck } from "./bindings/EvidenceCheck";
import type { EvidenceLink } from "./bindings/EvidenceLink";
import type { EvidencePatch } from "./bindings/EvidencePatch";
import type { FileFacts } from "./bindings/FileFacts";
import type { IntakeFile } from "./bindings/IntakeFile";
import type { IntakeProgress } from "./bindings/IntakeProgress";
import type { PbcFields } from "./bindings/PbcFields";
import type { PbcRequest } from "./bindings/PbcRequest";
import type { EventRecord } from "./bindings/EventRecord";
import type { FinalizeCheck } from "./bindings/FinalizeCheck";
import type { NoteTargetKind } from "./bindings/NoteTargetKind";
import type { ReviewNote } from "./bindings/ReviewNote";
import type { ReviewState } from "./bindings/ReviewState";
import type { ReviewSummary } from "./bindings/ReviewSummary";
import type { SignOffLevel } from "./bindings/SignOffLevel";
import type { SignableKind } from "./bindings/SignableKind";
import type { CellInput } from "./bindings/CellInput";
import type { PopulationColumns } from "./bindings/PopulationColumns";
import type { PopulationPreview } from "./bindings/PopulationPreview";
import type { Reproduction } from "./bindings/Reproduction";
import type { SampleRequest } from "./bindings/SampleRequest";
import type { SampleRuleTable } from "./bindings/SampleRuleTable";
import type { SamplingState } from "./bindings/SamplingState";
import type { Tickmark } from "./bindings/Tickmark";
import type { ExportProgress } from "./bindings/ExportProgress";
import type { ExportRequest } from "./bindings/ExportRequest";
import type { ExportResult } from "./bindings/ExportResult";

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

  // ---- Evidence (issue 4) ----
  /** Native multi-file dialog; [] when the user cancels. */
  pickEvidenceFiles(): Promise<string[]>;
  /** Form defaults (name, size, media type, kind, title) for each file; rejects naming the first unusable file. */
  describeFiles(paths: string[]): Promise<FileFacts[]>;
  /**
   * Takes the files in, all linked to `links`, in one transaction (all or none).
   * `onProgress` is called as bytes are stored. Rejects with kind "cancelled"
   * after cancelIntake(), "source" for an empty/changed file, "not_found",
   * "disk_full", ...; in every failure nothing was stored.
   */
  addEvidence(
    path: string,
    files: IntakeFile[],
    links: EvidenceLink[],
    onProgress: (progress: IntakeProgress) => void,
  ): Promise<Evidence[]>;
  /** Cancels the running intake (it then rejects with kind "cancelled"). */
  cancelIntake(): Promise<void>;
  listEvidence(path: string, includeRemoved: boolean): Promise<Evidence[]>;
  editEvidence(path: string, evidenceId: string, patch: EvidencePatch): Promise<Evidence>;
  linkEvidence(path: string, evidenceId: string, link: EvidenceLink): Promise<Evidence>;
  unlinkEvidence(path: string, evidenceId: string, link: EvidenceLink): Promise<Evidence>;
  /** Withdraws an item (reason required); its record and content stay in the file. */
  removeEvidence(path: string, evidenceId: string, reason: string): Promise<Evidence>;
  /** At most `limit` bytes of the item's content, for previews. */
  evidenceContent(path: string, evidenceId: string, limit: number): Promise<Uint8Array>;
  /** Opens a temporary copy of the item with the system's viewer. */
  openEvidence(path: string, evidenceId: string): Promise<void>;
  /** Re-hashes every stored item; problems name the evidence IDs. */
  verifyEvidence(path: string, onProgress: (done: number, total: number) => void): Promise<EvidenceCheck>;
  /**
   * Files dropped onto the window from the desktop: the handler gets their
   * paths and the drop position in CSS pixels of the page. Returns the
   * function that stops listening.
   */
  onFileDrop(handler: (paths: string[], x: number, y: number) => void): Promise<() => void>;

  listPbc(path: string): Promise<PbcRequest[]>;
  addPbc(path: string, fields: PbcFields): Promise<PbcRequest>;
  editPbc(path: string, requestId: string, fields: PbcFields): Promise<PbcRequest>;

  // ---- Review and sign-off (issue 6) ----
  // Every call acts as the profile's name; sign-offs use that person's role
  // on the engagement team (fields.team). Errors: "invalid" with a
  // field_problems code (not_on_team, role_not_allowed, no_result,
  // previous_level_missing, same_person, no_second_review, not_author),
  // "already_exists" for a standing sign-off, and "locked" for every change
  // to a finalized engagement.
  reviewSummary(path: string): Promise<ReviewSummary>;
  signOff(path: string, itemKind: SignableKind, itemId: string, level: SignOffLevel): Promise<ReviewState>;
  addNote(path: string, targetKind: NoteTargetKind, targetId: string, text: string): Promise<ReviewNote>;
  answerNote(path: string, noteId: string, text: string): Promise<ReviewNote>;
  /** Only the note's author or a manager/partner may clear it. */
  clearNote(path: string, noteId: string): Promise<ReviewNote>;
  /** What still blocks finalizing (empty blockers when ready). */
  finalizeCheck(path: string): Promise<FinalizeCheck>;
  /** A manager or partner finalizes; rejects with "invalid" listing the blockers as field_problems. */
  finalize(path: string): Promise<EngagementView>;
  /** A manager or partner reopens a finalized engagement, with a reason. */
  reopen(path: string, reason: string): Promise<EngagementView>;
  /** Events about an item (control, procedure, exception, evidence, note), oldest first. */
  itemHistory(path: string, itemId: string): Promise<EventRecord[]>;

  // ---- Sampling and test grids (issue 5, docs/sampling.md) ----
  // Every mutation returns the procedure's whole SamplingState. A grid change
  // can also change the procedure (its result follows the grid, a failed cell
  // adds an exception), so callers reload the control detail afterwards.
  // Errors: "invalid" with field_problems codes no_population, sample_exists,
  // sample_drawn, no_sample, empty_frame, no_rule, size_out_of_range,
  // override_needs_reason, no_dates, too_small_to_stratify,
  // count_out_of_range, already_in_sample, sample_tested, attribute_tested,
  // unknown_tickmark, fail_needs_comment, from_test_grid; "import" for an
  // unreadable population file (problems name line/row); "not_found".

  /** The native file dialog for a population list (.csv, .xlsx); null when cancelled. */
  pickPopulationFile(): Promise<string | null>;
  /** Headers, first rows and guessed columns of a population file (nothing is stored). */
  previewPopulation(file: string): Promise<PopulationPreview>;
  sampling(path: string, procedureId: string): Promise<SamplingState>;
  importPopulation(path: string, procedureId: string, file: string, columns: PopulationColumns): Promise<SamplingState>;
  setPopulationCount(path: string, procedureId: string, count: number): Promise<SamplingState>;
  /** The firm's sample-size rule table (used for new samples). */
  sampleRules(): Promise<SampleRuleTable>;
  /**
   * Checks the table and saves it as the firm's; returns the saved table.
   * Errors: "invalid" with field_problems field "name" or "version" code
   * required, "size.<frequency>" size_range (params min, max), "sizes"
   * duplicate_frequency (params frequency), "version" version_unchanged
   * (params name, version: the sizes changed but the name and version did not).
   */
  saveSampleRules(table: SampleRuleTable): Promise<SampleRuleTable>;
  /** Goes back to the shipped default table and returns it. */
  resetSampleRules(): Promise<SampleRuleTable>;
  selectSample(path: string, procedureId: string, request: SampleRequest): Promise<SamplingState>;
  selectSampleManually(path: string, procedureId: string, itemIds: string[], reason: string): Promise<SamplingState>;
  addSampleItem(path: string, procedureId: string, itemId: string, reason: string): Promise<SamplingState>;
  discardSample(path: string, procedureId: string, reason: string): Promise<SamplingState>;
  reproduceSample(path: string, procedureId: string): Promise<Reproduction>;
  addAttribute(path: string, procedureId: string, text: string): Promise<SamplingState>;
  editAttribute(path: string, procedureId: string, key: string, text: string): Promise<SamplingState>;
  removeAttribute(path: string, procedureId: string, key: string): Promise<SamplingState>;
  /** `input.result: null` empties the cell. A "fail" needs a comment (it becomes the exception's text). */
  setCell(path: string, procedureId: string, no: number, attribute: string, input: CellInput): Promise<SamplingState>;
  setTickmark(path: string, tickmark: Tickmark): Promise<Tickmark[]>;

  // ---- Report and submission package (issue 7) ----
  // An open engagement yields a draft report only (watermarked, never signed);
  // a finalized one yields the final report, signed when a certificate is
  // given, and the signed submission package. Errors: "invalid" with
  // field_problems field "sign" (signing a draft), "package" (package of an
  // open engagement), "certificate" (package without one, or a PKCS#12 without
  // key/certificate, or an unsupported key), "passphrase" (wrong passphrase or
  // not PKCS#12), "report_date"; "io" naming the file.

  /** The native save dialog; `kind` "pdf" or "zip"; null when cancelled. */
  pickExportDestination(kind: "pdf" | "zip", suggestedName: string): Promise<string | null>;
  /** The native dialog for the firm's PKCS#12 file (.p12/.pfx); null when cancelled. */
  pickCertificateFile(): Promise<string | null>;
  /** Writes the report PDF; progress reports stages read, layout, sign, write. */
  exportReport(path: string, request: ExportRequest, onProgress: (p: ExportProgress) => void): Promise<ExportResult>;
  /** Writes the signed submission package (zip); stages read, layout, sign, package, write. */
  exportPackage(path: string, request: ExportRequest, onProgress: (p: ExportProgress) => void): Promise<ExportResult>;
  /** Opens a written file with the system's viewer. */
  openPath(path: string): Promise<void>;
  /** Shows a written file's folder in the file manager. */
  showInFolder(path: string): Promise<void>;
}

// Generated from src-tauri/ops/src/operations/declarations.rs by
// `UPDATE_BINDINGS=1 cargo test -p workbench-ops --features ts`: do not edit.
// Each operation of the workbench, declared once in Rust.

import type { Transport } from "../transport";
import type { AddAttributeRequest } from "../bindings/AddAttributeRequest";
import type { AddEvidenceRequest } from "../bindings/AddEvidenceRequest";
import type { AddExceptionRequest } from "../bindings/AddExceptionRequest";
import type { AddMemberKeyRequest } from "../bindings/AddMemberKeyRequest";
import type { AddNoteRequest } from "../bindings/AddNoteRequest";
import type { AddPbcRequest } from "../bindings/AddPbcRequest";
import type { AddProcedureRequest } from "../bindings/AddProcedureRequest";
import type { AddSampleItemRequest } from "../bindings/AddSampleItemRequest";
import type { AddSubsequentEventRequest } from "../bindings/AddSubsequentEventRequest";
import type { AnswerNoteRequest } from "../bindings/AnswerNoteRequest";
import type { AssessmentTargetsRequest } from "../bindings/AssessmentTargetsRequest";
import type { CancelIntakeRequest } from "../bindings/CancelIntakeRequest";
import type { CatalogSummary } from "../bindings/CatalogSummary";
import type { ChainReport } from "../bindings/ChainReport";
import type { ChangeKindInfo } from "../bindings/ChangeKindInfo";
import type { CheckFieldsRequest } from "../bindings/CheckFieldsRequest";
import type { CheckNewPassphraseRequest } from "../bindings/CheckNewPassphraseRequest";
import type { ChosenFile } from "../bindings/ChosenFile";
import type { ClearNoteRequest } from "../bindings/ClearNoteRequest";
import type { CloseEngagementRequest } from "../bindings/CloseEngagementRequest";
import type { ClosingRequest } from "../bindings/ClosingRequest";
import type { ClosingView } from "../bindings/ClosingView";
import type { Conflict } from "../bindings/Conflict";
import type { ConsiderSubsequentEventsRequest } from "../bindings/ConsiderSubsequentEventsRequest";
import type { ControlChangeKindsRequest } from "../bindings/ControlChangeKindsRequest";
import type { ControlDetail } from "../bindings/ControlDetail";
import type { ControlDetailRequest } from "../bindings/ControlDetailRequest";
import type { ControlRow } from "../bindings/ControlRow";
import type { CopyMade } from "../bindings/CopyMade";
import type { CreateEngagementRequest } from "../bindings/CreateEngagementRequest";
import type { CreateSigningKeyRequest } from "../bindings/CreateSigningKeyRequest";
import type { Dashboard } from "../bindings/Dashboard";
import type { DashboardRequest } from "../bindings/DashboardRequest";
import type { DiscardSampleRequest } from "../bindings/DiscardSampleRequest";
import type { EditAttributeRequest } from "../bindings/EditAttributeRequest";
import type { EditEvidenceRequest } from "../bindings/EditEvidenceRequest";
import type { EditExceptionRequest } from "../bindings/EditExceptionRequest";
import type { EditPbcRequest } from "../bindings/EditPbcRequest";
import type { EventRecord } from "../bindings/EventRecord";
import type { Evidence } from "../bindings/Evidence";
import type { EvidenceCheck } from "../bindings/EvidenceCheck";
import type { EvidenceContentRequest } from "../bindings/EvidenceContentRequest";
import type { ExceptionRecord } from "../bindings/ExceptionRecord";
import type { ExportPlan } from "../bindings/ExportPlan";
import type { ExportProgress } from "../bindings/ExportProgress";
import type { ExportRequest } from "../bindings/ExportRequest";
import type { ExportSigningKeyRequest } from "../bindings/ExportSigningKeyRequest";
import type { Exported } from "../bindings/Exported";
import type { FieldCheck } from "../bindings/FieldCheck";
import type { FileHandle } from "../bindings/FileHandle";
import type { FinalizeCheck } from "../bindings/FinalizeCheck";
import type { FinalizeCheckRequest } from "../bindings/FinalizeCheckRequest";
import type { FinalizeRequest } from "../bindings/FinalizeRequest";
import type { ForgetPassphraseRequest } from "../bindings/ForgetPassphraseRequest";
import type { GetProfileRequest } from "../bindings/GetProfileRequest";
import type { ImportPopulationRequest } from "../bindings/ImportPopulationRequest";
import type { ImportSigningKeyRequest } from "../bindings/ImportSigningKeyRequest";
import type { IntakeProgress } from "../bindings/IntakeProgress";
import type { ItemHistoryRequest } from "../bindings/ItemHistoryRequest";
import type { KeySummary } from "../bindings/KeySummary";
import type { LinkEvidenceRequest } from "../bindings/LinkEvidenceRequest";
import type { ListCatalogsRequest } from "../bindings/ListCatalogsRequest";
import type { ListConflictsRequest } from "../bindings/ListConflictsRequest";
import type { ListControlsRequest } from "../bindings/ListControlsRequest";
import type { ListEvidenceRequest } from "../bindings/ListEvidenceRequest";
import type { ListPbcRequest } from "../bindings/ListPbcRequest";
import type { MakeCopyRequest } from "../bindings/MakeCopyRequest";
import type { MergeCopyRequest } from "../bindings/MergeCopyRequest";
import type { MergeOutcome } from "../bindings/MergeOutcome";
import type { OpenDemoRequest } from "../bindings/OpenDemoRequest";
import type { OpenEngagementRequest } from "../bindings/OpenEngagementRequest";
import type { OpenEvidenceRequest } from "../bindings/OpenEvidenceRequest";
import type { OpenExportedRequest } from "../bindings/OpenExportedRequest";
import type { OpenedEngagement } from "../bindings/OpenedEngagement";
import type { PassphraseCheck } from "../bindings/PassphraseCheck";
import type { PbcRow } from "../bindings/PbcRow";
import type { PickCertificateRequest } from "../bindings/PickCertificateRequest";
import type { PickCopyDestinationRequest } from "../bindings/PickCopyDestinationRequest";
import type { PickCopyToMergeRequest } from "../bindings/PickCopyToMergeRequest";
import type { PickEngagementToCreateRequest } from "../bindings/PickEngagementToCreateRequest";
import type { PickEngagementToOpenRequest } from "../bindings/PickEngagementToOpenRequest";
import type { PickEvidenceFilesRequest } from "../bindings/PickEvidenceFilesRequest";
import type { PickExportDestinationRequest } from "../bindings/PickExportDestinationRequest";
import type { PickKeyFileRequest } from "../bindings/PickKeyFileRequest";
import type { PickMemberCardRequest } from "../bindings/PickMemberCardRequest";
import type { PickPopulationFileRequest } from "../bindings/PickPopulationFileRequest";
import type { PickedFile } from "../bindings/PickedFile";
import type { PlanExportRequest } from "../bindings/PlanExportRequest";
import type { PopulationPreview } from "../bindings/PopulationPreview";
import type { PreviewPopulationRequest } from "../bindings/PreviewPopulationRequest";
import type { Procedure } from "../bindings/Procedure";
import type { ProfileView } from "../bindings/ProfileView";
import type { RecordControlChangeRequest } from "../bindings/RecordControlChangeRequest";
import type { RecordRepresentationRequest } from "../bindings/RecordRepresentationRequest";
import type { RemoveAttributeRequest } from "../bindings/RemoveAttributeRequest";
import type { RemoveControlChangeRequest } from "../bindings/RemoveControlChangeRequest";
import type { RemoveEvidenceRequest } from "../bindings/RemoveEvidenceRequest";
import type { RemoveExceptionRequest } from "../bindings/RemoveExceptionRequest";
import type { RemoveMemberKeyRequest } from "../bindings/RemoveMemberKeyRequest";
import type { RemoveProcedureRequest } from "../bindings/RemoveProcedureRequest";
import type { RemoveSubsequentEventRequest } from "../bindings/RemoveSubsequentEventRequest";
import type { ReopenRequest } from "../bindings/ReopenRequest";
import type { ReproduceSampleRequest } from "../bindings/ReproduceSampleRequest";
import type { Reproduction } from "../bindings/Reproduction";
import type { ResetSampleRulesRequest } from "../bindings/ResetSampleRulesRequest";
import type { ResolveConflictRequest } from "../bindings/ResolveConflictRequest";
import type { ReviewNote } from "../bindings/ReviewNote";
import type { ReviewQueue } from "../bindings/ReviewQueue";
import type { ReviewQueueRequest } from "../bindings/ReviewQueueRequest";
import type { ReviewState } from "../bindings/ReviewState";
import type { ReviewSummary } from "../bindings/ReviewSummary";
import type { ReviewSummaryRequest } from "../bindings/ReviewSummaryRequest";
import type { RosterEntry } from "../bindings/RosterEntry";
import type { RosterRequest } from "../bindings/RosterRequest";
import type { SampleRuleTable } from "../bindings/SampleRuleTable";
import type { SampleRulesRequest } from "../bindings/SampleRulesRequest";
import type { SamplingRequest } from "../bindings/SamplingRequest";
import type { SamplingView } from "../bindings/SamplingView";
import type { SaveMemberCardRequest } from "../bindings/SaveMemberCardRequest";
import type { SaveProfileRequest } from "../bindings/SaveProfileRequest";
import type { SaveSampleRulesRequest } from "../bindings/SaveSampleRulesRequest";
import type { SearchControlsRequest } from "../bindings/SearchControlsRequest";
import type { SearchResult } from "../bindings/SearchResult";
import type { SelectSampleManuallyRequest } from "../bindings/SelectSampleManuallyRequest";
import type { SelectSampleRequest } from "../bindings/SelectSampleRequest";
import type { SetCellRequest } from "../bindings/SetCellRequest";
import type { SetPopulationCountRequest } from "../bindings/SetPopulationCountRequest";
import type { SetScopeRequest } from "../bindings/SetScopeRequest";
import type { SetTickmarkRequest } from "../bindings/SetTickmarkRequest";
import type { ShowExportedRequest } from "../bindings/ShowExportedRequest";
import type { SignOffRequest } from "../bindings/SignOffRequest";
import type { SigningKeysRequest } from "../bindings/SigningKeysRequest";
import type { SuffixLegendRequest } from "../bindings/SuffixLegendRequest";
import type { SuffixMeaning } from "../bindings/SuffixMeaning";
import type { SuggestEngagementFileRequest } from "../bindings/SuggestEngagementFileRequest";
import type { TargetDefaults } from "../bindings/TargetDefaults";
import type { Tickmark } from "../bindings/Tickmark";
import type { UnlinkEvidenceRequest } from "../bindings/UnlinkEvidenceRequest";
import type { UnlockFileRequest } from "../bindings/UnlockFileRequest";
import type { UnlockSigningKeyRequest } from "../bindings/UnlockSigningKeyRequest";
import type { UpdateProcedureRequest } from "../bindings/UpdateProcedureRequest";
import type { VerifyEvidenceRequest } from "../bindings/VerifyEvidenceRequest";
import type { VerifyLogRequest } from "../bindings/VerifyLogRequest";
import type { VerifyProgress } from "../bindings/VerifyProgress";

/** Every operation, by the name the transport carries. */
export const OPERATIONS = [
  "get_profile",
  "save_profile",
  "pick_engagement_to_open",
  "suggest_engagement_file",
  "pick_engagement_to_create",
  "open_engagement",
  "unlock_file",
  "forget_passphrase",
  "close_engagement",
  "check_new_passphrase",
  "open_demo",
  "list_catalogs",
  "check_fields",
  "create_engagement",
  "dashboard",
  "list_controls",
  "search_controls",
  "control_detail",
  "set_scope",
  "add_procedure",
  "update_procedure",
  "remove_procedure",
  "add_exception",
  "edit_exception",
  "remove_exception",
  "pick_evidence_files",
  "add_evidence",
  "cancel_intake",
  "list_evidence",
  "edit_evidence",
  "link_evidence",
  "unlink_evidence",
  "remove_evidence",
  "evidence_content",
  "open_evidence",
  "verify_evidence",
  "list_pbc",
  "add_pbc",
  "edit_pbc",
  "review_queue",
  "review_summary",
  "sign_off",
  "add_note",
  "answer_note",
  "clear_note",
  "suffix_legend",
  "assessment_targets",
  "control_change_kinds",
  "record_control_change",
  "remove_control_change",
  "closing",
  "record_representation",
  "add_subsequent_event",
  "remove_subsequent_event",
  "consider_subsequent_events",
  "finalize_check",
  "finalize",
  "reopen",
  "item_history",
  "pick_population_file",
  "preview_population",
  "sampling",
  "import_population",
  "set_population_count",
  "sample_rules",
  "save_sample_rules",
  "reset_sample_rules",
  "select_sample",
  "select_sample_manually",
  "add_sample_item",
  "discard_sample",
  "reproduce_sample",
  "add_attribute",
  "edit_attribute",
  "remove_attribute",
  "set_cell",
  "set_tickmark",
  "plan_export",
  "pick_export_destination",
  "pick_certificate",
  "export",
  "open_exported",
  "show_exported",
  "verify_log",
  "pick_copy_destination",
  "make_copy",
  "pick_copy_to_merge",
  "merge_copy",
  "list_conflicts",
  "resolve_conflict",
  "signing_keys",
  "create_signing_key",
  "unlock_signing_key",
  "save_member_card",
  "export_signing_key",
  "pick_key_file",
  "import_signing_key",
  "roster",
  "pick_member_card",
  "add_member_key",
  "remove_member_key",
] as const;

export type OperationName = (typeof OPERATIONS)[number];

/** The client of every operation over `transport`. */
export function client(transport: Transport) {
  return {
    /** The profile: the user, the language and the recent engagements. */
    getProfile: (request: GetProfileRequest): Promise<ProfileView> => transport.call("get_profile", request),
    /** Saves the user's name, initials, role and language. Switching to a person who has a signing key on this computer needs their PIN (`pin`), which opens the key for their signatures. */
    saveProfile: (request: SaveProfileRequest): Promise<ProfileView> => transport.call("save_profile", request),
    /** The native dialog to open an engagement; `null` when cancelled. */
    pickEngagementToOpen: (request: PickEngagementToOpenRequest): Promise<FileHandle | null> => transport.call("pick_engagement_to_open", request),
    /** A free file for a new engagement named after its service, in the user's documents folder. */
    suggestEngagementFile: (request: SuggestEngagementFileRequest): Promise<ChosenFile> => transport.call("suggest_engagement_file", request),
    /** The native save dialog for a new engagement, starting at the suggested file; `null` when cancelled. */
    pickEngagementToCreate: (request: PickEngagementToCreateRequest): Promise<ChosenFile | null> => transport.call("pick_engagement_to_create", request),
    /** Opens an engagement (and remembers it first in the recent list). */
    openEngagement: (request: OpenEngagementRequest): Promise<OpenedEngagement> => transport.call("open_engagement", request),
    /** Gives the passphrase of an encrypted file (an engagement to open, a field copy to merge), checked at once: a wrong one is refused (`wrong_passphrase`) with no other effect; the right one is kept in memory until the engagement is closed or the app exits. */
    unlockFile: (request: UnlockFileRequest): Promise<null> => transport.call("unlock_file", request),
    /** Forgets the passphrase given for a file (a field copy once merged, or a passphrase the file no longer takes). */
    forgetPassphrase: (request: ForgetPassphraseRequest): Promise<null> => transport.call("forget_passphrase", request),
    /** Closes the engagement: its passphrase is forgotten and the plain copies opened with the system's viewer are removed. */
    closeEngagement: (request: CloseEngagementRequest): Promise<null> => transport.call("close_engagement", request),
    /** Checks a new passphrase as it is typed: its problems and strength. */
    checkNewPassphrase: (request: CheckNewPassphraseRequest): Promise<PassphraseCheck> => transport.call("check_new_passphrase", request),
    /** Opens the demo engagement, creating it in the data folder the first time, with its team's demo keys (PIN `0000`) on its roster. */
    openDemo: (request: OpenDemoRequest): Promise<OpenedEngagement> => transport.call("open_demo", request),
    /** The catalogs of the library. */
    listCatalogs: (request: ListCatalogsRequest): Promise<Array<CatalogSummary>> => transport.call("list_catalogs", request),
    /** Checks a new engagement's fields as the user types: problems, warnings, derived dates. */
    checkFields: (request: CheckFieldsRequest): Promise<FieldCheck> => transport.call("check_fields", request),
    /** Creates an engagement in the chosen file from a library catalog (`NAME@VERSION`), or from the bundled sample catalog when `catalog` is empty. With `passphrase` (typed twice: `passphrase_repeat`) the file is encrypted from its first byte; without, it is plain. */
    createEngagement: (request: CreateEngagementRequest): Promise<OpenedEngagement> => transport.call("create_engagement", request),
    /** The dashboard; overdue requests are judged by today's date in Japan. */
    dashboard: (request: DashboardRequest): Promise<Dashboard> => transport.call("dashboard", request),
    /** Every catalog item, assessed controls with their status and result. */
    listControls: (request: ListControlsRequest): Promise<Array<ControlRow>> => transport.call("list_controls", request),
    /** The catalog items holding every word of the query (IDs, titles and criterion text, Japanese and English), each with its context. */
    searchControls: (request: SearchControlsRequest): Promise<SearchResult> => transport.call("search_controls", request),
    /** One control with everything the walkthrough shows. */
    controlDetail: (request: ControlDetailRequest): Promise<ControlDetail> => transport.call("control_detail", request),
    setScope: (request: SetScopeRequest): Promise<ControlDetail> => transport.call("set_scope", request),
    addProcedure: (request: AddProcedureRequest): Promise<Procedure> => transport.call("add_procedure", request),
    /** Changes the given fields of a procedure (autosave sends one at a time). */
    updateProcedure: (request: UpdateProcedureRequest): Promise<Procedure> => transport.call("update_procedure", request),
    removeProcedure: (request: RemoveProcedureRequest): Promise<null> => transport.call("remove_procedure", request),
    addException: (request: AddExceptionRequest): Promise<ExceptionRecord> => transport.call("add_exception", request),
    editException: (request: EditExceptionRequest): Promise<ExceptionRecord> => transport.call("edit_exception", request),
    removeException: (request: RemoveExceptionRequest): Promise<null> => transport.call("remove_exception", request),
    /** The native multi-file dialog, each file with the intake form's defaults; empty when cancelled. */
    pickEvidenceFiles: (request: PickEvidenceFilesRequest): Promise<Array<PickedFile>> => transport.call("pick_evidence_files", request),
    /** Takes the files in, all linked to `links`, in one transaction: all or none. A cancelled or failed intake stores nothing. */
    addEvidence: (request: AddEvidenceRequest, onProgress?: (progress: IntakeProgress) => void): Promise<Array<Evidence>> => transport.call("add_evidence", request, onProgress),
    /** Cancels the running intake (it then fails with `cancelled`). */
    cancelIntake: (request: CancelIntakeRequest): Promise<null> => transport.call("cancel_intake", request),
    listEvidence: (request: ListEvidenceRequest): Promise<Array<Evidence>> => transport.call("list_evidence", request),
    editEvidence: (request: EditEvidenceRequest): Promise<Evidence> => transport.call("edit_evidence", request),
    linkEvidence: (request: LinkEvidenceRequest): Promise<Evidence> => transport.call("link_evidence", request),
    unlinkEvidence: (request: UnlinkEvidenceRequest): Promise<Evidence> => transport.call("unlink_evidence", request),
    /** Withdraws an item (a reason is required); its record and content stay. */
    removeEvidence: (request: RemoveEvidenceRequest): Promise<Evidence> => transport.call("remove_evidence", request),
    /** At most `limit` bytes of an item's content, for previews. */
    evidenceContent: (request: EvidenceContentRequest): Promise<ArrayBuffer> => transport.call("evidence_content", request),
    /** Opens a copy of an item with the system's app: only documents and images that run nothing, from a folder private to the user. */
    openEvidence: (request: OpenEvidenceRequest): Promise<null> => transport.call("open_evidence", request),
    /** Re-hashes every stored item. */
    verifyEvidence: (request: VerifyEvidenceRequest, onProgress?: (progress: VerifyProgress) => void): Promise<EvidenceCheck> => transport.call("verify_evidence", request, onProgress),
    /** The PBC list, each request with whether it is open and overdue today. */
    listPbc: (request: ListPbcRequest): Promise<Array<PbcRow>> => transport.call("list_pbc", request),
    addPbc: (request: AddPbcRequest): Promise<PbcRow> => transport.call("add_pbc", request),
    editPbc: (request: EditPbcRequest): Promise<PbcRow> => transport.call("edit_pbc", request),
    /** The work queue of a team member (of the person using the app when none is named): what waits for review, for signing again, for an answer or clearing, and what is not yet prepared. */
    reviewQueue: (request: ReviewQueueRequest): Promise<ReviewQueue> => transport.call("review_queue", request),
    reviewSummary: (request: ReviewSummaryRequest): Promise<ReviewSummary> => transport.call("review_summary", request),
    /** Signs an item at `level` as the session's user. */
    signOff: (request: SignOffRequest): Promise<ReviewState> => transport.call("sign_off", request),
    addNote: (request: AddNoteRequest): Promise<ReviewNote> => transport.call("add_note", request),
    answerNote: (request: AnswerNoteRequest): Promise<ReviewNote> => transport.call("answer_note", request),
    clearNote: (request: ClearNoteRequest): Promise<ReviewNote> => transport.call("clear_note", request),
    /** What the suffixes P, B and PB of detailed controls mean (CC2022 §2.1), as the engagement's catalog says. */
    suffixLegend: (request: SuffixLegendRequest): Promise<Array<SuffixMeaning>> => transport.call("suffix_legend", request),
    /** The firm's table of assessment targets (CC2022 Attached table 8), or the shipped one. */
    assessmentTargets: (request: AssessmentTargetsRequest): Promise<Array<TargetDefaults>> => transport.call("assessment_targets", request),
    /** The kinds of change a control may record (ISMAP FAQ KB0010866). */
    controlChangeKinds: (request: ControlChangeKindsRequest): Promise<Array<ChangeKindInfo>> => transport.call("control_change_kinds", request),
    /** Records that a control changed during the period, from a date on. */
    recordControlChange: (request: RecordControlChangeRequest): Promise<ControlDetail> => transport.call("record_control_change", request),
    /** Takes back a change recorded by mistake. */
    removeControlChange: (request: RemoveControlChangeRequest): Promise<ControlDetail> => transport.call("remove_control_change", request),
    /** The representation, the subsequent events and up to when they were considered. */
    closing: (request: ClosingRequest): Promise<ClosingView> => transport.call("closing", request),
    /** Records the provider's written representation (経営者確認書), replacing the one before. */
    recordRepresentation: (request: RecordRepresentationRequest): Promise<ClosingView> => transport.call("record_representation", request),
    addSubsequentEvent: (request: AddSubsequentEventRequest): Promise<ClosingView> => transport.call("add_subsequent_event", request),
    removeSubsequentEvent: (request: RemoveSubsequentEventRequest): Promise<ClosingView> => transport.call("remove_subsequent_event", request),
    /** A manager's statement that subsequent events were considered up to `through`. */
    considerSubsequentEvents: (request: ConsiderSubsequentEventsRequest): Promise<ClosingView> => transport.call("consider_subsequent_events", request),
    /** What still blocks finalizing. */
    finalizeCheck: (request: FinalizeCheckRequest): Promise<FinalizeCheck> => transport.call("finalize_check", request),
    finalize: (request: FinalizeRequest): Promise<OpenedEngagement> => transport.call("finalize", request),
    reopen: (request: ReopenRequest): Promise<OpenedEngagement> => transport.call("reopen", request),
    /** The events about an item, oldest first. */
    itemHistory: (request: ItemHistoryRequest): Promise<Array<EventRecord>> => transport.call("item_history", request),
    /** The native dialog for a population list (CSV or Excel); `null` when cancelled. */
    pickPopulationFile: (request: PickPopulationFileRequest): Promise<ChosenFile | null> => transport.call("pick_population_file", request),
    /** A population file's columns, first rows and guessed columns. */
    previewPopulation: (request: PreviewPopulationRequest): Promise<PopulationPreview> => transport.call("preview_population", request),
    /** The sampling panel of a procedure. */
    sampling: (request: SamplingRequest): Promise<SamplingView> => transport.call("sampling", request),
    importPopulation: (request: ImportPopulationRequest): Promise<SamplingView> => transport.call("import_population", request),
    setPopulationCount: (request: SetPopulationCountRequest): Promise<SamplingView> => transport.call("set_population_count", request),
    /** The firm's sample-size table (the shipped default until one is saved). */
    sampleRules: (request: SampleRulesRequest): Promise<SampleRuleTable> => transport.call("sample_rules", request),
    /** Makes an edited table the firm's; used for new samples only. */
    saveSampleRules: (request: SaveSampleRulesRequest): Promise<SampleRuleTable> => transport.call("save_sample_rules", request),
    resetSampleRules: (request: ResetSampleRulesRequest): Promise<SampleRuleTable> => transport.call("reset_sample_rules", request),
    /** Draws a sample with the firm's rule table. */
    selectSample: (request: SelectSampleRequest): Promise<SamplingView> => transport.call("select_sample", request),
    selectSampleManually: (request: SelectSampleManuallyRequest): Promise<SamplingView> => transport.call("select_sample_manually", request),
    addSampleItem: (request: AddSampleItemRequest): Promise<SamplingView> => transport.call("add_sample_item", request),
    discardSample: (request: DiscardSampleRequest): Promise<SamplingView> => transport.call("discard_sample", request),
    /** Draws the sample again from its record. */
    reproduceSample: (request: ReproduceSampleRequest): Promise<Reproduction> => transport.call("reproduce_sample", request),
    addAttribute: (request: AddAttributeRequest): Promise<SamplingView> => transport.call("add_attribute", request),
    editAttribute: (request: EditAttributeRequest): Promise<SamplingView> => transport.call("edit_attribute", request),
    removeAttribute: (request: RemoveAttributeRequest): Promise<SamplingView> => transport.call("remove_attribute", request),
    /** Enters a grid cell; a failure becomes an exception of the procedure. */
    setCell: (request: SetCellRequest): Promise<SamplingView> => transport.call("set_cell", request),
    setTickmark: (request: SetTickmarkRequest): Promise<Array<Tickmark>> => transport.call("set_tickmark", request),
    /** What the export dialog proposes: the file name, the report date (today in Japan unless given) and the stages the export will go through. */
    planExport: (request: PlanExportRequest): Promise<ExportPlan> => transport.call("plan_export", request),
    /** The native save dialog for an export, proposing `file_name`; `null` when cancelled. */
    pickExportDestination: (request: PickExportDestinationRequest): Promise<ChosenFile | null> => transport.call("pick_export_destination", request),
    /** The native dialog for the firm's PKCS#12 file; `null` when cancelled. */
    pickCertificate: (request: PickCertificateRequest): Promise<ChosenFile | null> => transport.call("pick_certificate", request),
    /** Writes the report (a draft while the engagement is open; the final report, signed when a certificate is given, once finalized) or the signed submission package, whole or not at all. */
    export: (request: ExportRequest, onProgress?: (progress: ExportProgress) => void): Promise<Exported> => transport.call("export", request, onProgress),
    /** Opens a file the app has just written (a report) with the system's app. */
    openExported: (request: OpenExportedRequest): Promise<null> => transport.call("open_exported", request),
    /** Shows a file the app has just written (a package) in its folder. */
    showExported: (request: ShowExportedRequest): Promise<null> => transport.call("show_exported", request),
    /** Checks the engagement's audit trail: the hash chain, the state rebuilt from the events against the stored state, and every sign-off. */
    verifyLog: (request: VerifyLogRequest): Promise<ChainReport> => transport.call("verify_log", request),
    /** The native save dialog for a field copy for `for_name`, starting at a free file beside the engagement; `null` when cancelled. */
    pickCopyDestination: (request: PickCopyDestinationRequest): Promise<ChosenFile | null> => transport.call("pick_copy_destination", request),
    /** Writes a field copy of the engagement for one team member: all its evidence, or that of `controls`, or of the controls assigned to them. The copy of an encrypted engagement is encrypted with its passphrase, or with `passphrase` when one is given (typed twice: `passphrase_repeat`), which is then forgotten: merging the copy asks for it. */
    makeCopy: (request: MakeCopyRequest): Promise<CopyMade> => transport.call("make_copy", request),
    /** The native dialog to choose a field copy to merge; `null` when cancelled. */
    pickCopyToMerge: (request: PickCopyToMergeRequest): Promise<ChosenFile | null> => transport.call("pick_copy_to_merge", request),
    /** Brings a field copy's work back into the engagement. */
    mergeCopy: (request: MergeCopyRequest): Promise<MergeOutcome> => transport.call("merge_copy", request),
    /** The conflicts merges found: open ones, or all with `all`. */
    listConflicts: (request: ListConflictsRequest): Promise<Array<Conflict>> => transport.call("list_conflicts", request),
    /** Decides a conflict: one side's value, or a typed text. */
    resolveConflict: (request: ResolveConflictRequest): Promise<Conflict> => transport.call("resolve_conflict", request),
    /** The signing keys of this computer. */
    signingKeys: (request: SigningKeysRequest): Promise<Array<KeySummary>> => transport.call("signing_keys", request),
    /** Makes the profile person's signing key, sealed under `pin`, and opens it. */
    createSigningKey: (request: CreateSigningKeyRequest): Promise<KeySummary> => transport.call("create_signing_key", request),
    /** Opens the profile person's signing key with their PIN, for their signatures over the next few minutes. */
    unlockSigningKey: (request: UnlockSigningKeyRequest): Promise<KeySummary> => transport.call("unlock_signing_key", request),
    /** Writes the profile person's member card (name, role, public key, fingerprint) where they choose, to hand to the manager; `null` when the save dialog is cancelled. */
    saveMemberCard: (request: SaveMemberCardRequest): Promise<ChosenFile | null> => transport.call("save_member_card", request),
    /** Writes the profile person's key, still sealed under their PIN, where they choose, to carry to another computer of theirs; `null` when the save dialog is cancelled. */
    exportSigningKey: (request: ExportSigningKeyRequest): Promise<ChosenFile | null> => transport.call("export_signing_key", request),
    /** The native dialog for a key file carried from another computer; `null` when cancelled. */
    pickKeyFile: (request: PickKeyFileRequest): Promise<ChosenFile | null> => transport.call("pick_key_file", request),
    /** Brings a key file into this computer's data folder; its PIN must open it. A key of the profile person is then open for signing. */
    importSigningKey: (request: ImportSigningKeyRequest): Promise<KeySummary> => transport.call("import_signing_key", request),
    /** The engagement's roster of public keys. */
    roster: (request: RosterRequest): Promise<Array<RosterEntry>> => transport.call("roster", request),
    /** The native dialog for a member card; `null` when cancelled. */
    pickMemberCard: (request: PickMemberCardRequest): Promise<ChosenFile | null> => transport.call("pick_member_card", request),
    /** Adds the key of a member card to the roster, signed with the manager's key, opened now with `pin`. */
    addMemberKey: (request: AddMemberKeyRequest): Promise<Array<RosterEntry>> => transport.call("add_member_key", request),
    /** Takes a key off the roster (a lost laptop, a member who left), with the reason, signed with the manager's key, opened now with `pin`. Its past signatures stay valid; it signs nothing new. */
    removeMemberKey: (request: RemoveMemberKeyRequest): Promise<Array<RosterEntry>> => transport.call("remove_member_key", request),
  };
}

/** What `client` returns: the typed operations. */
export type Client = ReturnType<typeof client>;

//! The IPC commands. Each is a few lines: take the arguments, call
//! `workbench_core::api`, return plain data or a typed error.

use std::path::{Path, PathBuf};

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;
use workbench_core::api::{self, Dashboard, EngagementView, FieldCheck};
use workbench_core::api::{
    CatalogSummary, ControlDetail, ControlRow, EvidenceCheck, FileFacts, IntakeFile, IntakeProgress,
};
use workbench_core::error::ErrorPayload;
use workbench_core::model::engagement::{EngagementFields, ProgramRules};
use workbench_core::model::event::EventRecord;
use workbench_core::model::event::{format_time, Actor, Clock, Context, SystemClock};
use workbench_core::model::evidence::{Evidence, EvidenceLink, EvidencePatch, PbcFields, PbcRequest};
use workbench_core::model::procedure::{ExceptionRecord, NewProcedure, Procedure, ProcedurePatch, ScopeDecision};
use workbench_core::model::review::{
    FinalizeCheck, NoteTargetKind, ReviewNote, ReviewState, ReviewSummary, SignOffLevel, SignableKind,
};
use workbench_core::profile::Profile;

use crate::AppState;

/// An error as the UI receives it: `{kind, message, input_problems, field_problems}`.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct CommandError(ErrorPayload);

impl From<workbench_core::Error> for CommandError {
    fn from(err: workbench_core::Error) -> Self {
        CommandError(ErrorPayload::from(&err))
    }
}

impl CommandError {
    fn internal(message: impl Into<String>) -> Self {
        CommandError(ErrorPayload {
            kind: "internal".into(),
            message: message.into(),
            input_problems: Vec::new(),
            field_problems: Vec::new(),
        })
    }
}

type Reply<T> = Result<T, CommandError>;

impl AppState {
    fn profile(&self) -> Reply<std::sync::MutexGuard<'_, Profile>> {
        self.profile.lock().map_err(|_| CommandError::internal("the profile lock was poisoned"))
    }

    fn actor(&self) -> Reply<Actor> {
        let name = self.profile()?.name.clone();
        Ok(Actor::new(if name.trim().is_empty() { "unknown".to_string() } else { name }))
    }

    /// Puts an opened engagement first in the recent list and saves the profile.
    fn remember(&self, view: &EngagementView) -> Reply<()> {
        let title = format!("{} / {}", view.fields.provider.name, view.fields.service.name);
        let mut profile = self.profile()?;
        profile.remember(&view.path, title, format_time(SystemClock.now()));
        profile.save(&self.data_dir)?;
        Ok(())
    }
}

/// Runs `f` with the request's actor and the system clock.
fn with_ctx<T>(state: &AppState, f: impl FnOnce(Context<'_>) -> workbench_core::Result<T>) -> Reply<T> {
    let actor = state.actor()?;
    Ok(f(Context { actor: &actor, clock: &SystemClock })?)
}

#[tauri::command]
pub fn get_profile(state: State<'_, AppState>) -> Reply<Profile> {
    Ok(state.profile()?.clone())
}

#[tauri::command]
pub fn save_profile(state: State<'_, AppState>, profile: Profile) -> Reply<Profile> {
    profile.save(&state.data_dir)?;
    *state.profile()? = profile.clone();
    Ok(profile)
}

const EXTENSION: &str = "ismap";

/// The native open dialog (rfd). Runs on the main thread, as GTK requires.
#[tauri::command]
pub fn pick_engagement_to_open() -> Option<String> {
    rfd::FileDialog::new().add_filter("ISMAP Workbench", &[EXTENSION]).pick_file().map(|p| p.display().to_string())
}

#[tauri::command]
pub fn pick_engagement_to_create(suggested_name: String) -> Option<String> {
    rfd::FileDialog::new()
        .add_filter("ISMAP Workbench", &[EXTENSION])
        .set_file_name(format!("{}.{EXTENSION}", safe_file_stem(suggested_name.trim_end_matches(".ismap"))))
        .save_file()
        .map(|p| p.display().to_string())
}

/// A free path for a new engagement named after the service, in the user's
/// documents folder (or the data folder where there is none).
#[tauri::command]
pub fn suggest_engagement_path(state: State<'_, AppState>, service_name: String) -> String {
    let dir = std::env::var_os("WORKBENCH_DOCUMENTS_DIR")
        .map(PathBuf::from)
        .or_else(tauri_documents_dir)
        .unwrap_or_else(|| state.data_dir.join("engagements"));
    free_path(&dir, &safe_file_stem(&service_name)).display().to_string()
}

fn tauri_documents_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join("Documents")).filter(|d| d.is_dir())
}

/// A file name from free text: characters that file systems refuse become `_`.
fn safe_file_stem(name: &str) -> String {
    let cleaned: String = name
        .trim()
        .chars()
        .map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '_' } else { c })
        .take(80)
        .collect();
    if cleaned.trim_matches(['.', ' ', '_']).is_empty() {
        "engagement".into()
    } else {
        cleaned
    }
}

fn free_path(dir: &Path, stem: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.{EXTENSION}"));
    if !first.exists() {
        return first;
    }
    (2..).map(|n| dir.join(format!("{stem} ({n}).{EXTENSION}"))).find(|p| !p.exists()).unwrap_or(first)
}

#[tauri::command]
pub fn open_engagement(state: State<'_, AppState>, path: String) -> Reply<EngagementView> {
    let view = api::show_engagement(Path::new(&path))?;
    state.remember(&view)?;
    Ok(view)
}

/// Opens the demo engagement, creating it in the data folder the first time.
#[tauri::command]
pub fn open_demo(state: State<'_, AppState>) -> Reply<EngagementView> {
    std::fs::create_dir_all(&state.data_dir).map_err(|e| CommandError::internal(e.to_string()))?;
    let path = state.data_dir.join(format!("demo.{EXTENSION}"));
    let view = if path.exists() {
        api::show_engagement(&path)?
    } else {
        with_ctx(&state, |ctx| api::create_demo(&path, uuid::Uuid::new_v4().to_string(), ctx))?
    };
    state.remember(&view)?;
    Ok(view)
}

#[tauri::command]
pub fn list_catalogs(state: State<'_, AppState>) -> Reply<Vec<CatalogSummary>> {
    Ok(api::list_catalogs(&state.data_dir)?)
}

#[tauri::command]
pub fn check_fields(fields: EngagementFields) -> FieldCheck {
    api::check_fields(&fields)
}

/// Creates an engagement from a library catalog, or from the bundled sample
/// catalog when `catalog` is empty.
#[tauri::command]
pub fn create_engagement(
    state: State<'_, AppState>,
    path: String,
    catalog: String,
    fields: EngagementFields,
) -> Reply<EngagementView> {
    let path = PathBuf::from(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| CommandError::internal(format!("{}: {e}", dir.display())))?;
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let view = with_ctx(&state, |ctx| {
        if catalog.is_empty() {
            api::create_engagement_from_sample(&path, uuid, fields, ProgramRules::default(), ctx)
        } else {
            api::create_engagement(&path, &state.data_dir, &catalog, None, uuid, fields, ProgramRules::default(), ctx)
        }
    })?;
    state.remember(&view)?;
    Ok(view)
}

/// The dashboard; overdue PBC requests are judged against the user's local date.
#[tauri::command]
pub fn dashboard(path: String) -> Reply<Dashboard> {
    Ok(api::dashboard(Path::new(&path), chrono::Local::now().date_naive())?)
}

#[tauri::command]
pub fn list_controls(path: String) -> Reply<Vec<ControlRow>> {
    Ok(api::list_controls(Path::new(&path))?)
}

#[tauri::command]
pub fn control_detail(path: String, control_id: String) -> Reply<ControlDetail> {
    Ok(api::control_detail(Path::new(&path), &control_id)?)
}

#[tauri::command]
pub fn set_scope(
    state: State<'_, AppState>,
    path: String,
    control_id: String,
    decision: ScopeDecision,
    reason: String,
) -> Reply<ControlDetail> {
    with_ctx(&state, |ctx| api::set_scope(Path::new(&path), &control_id, decision, &reason, ctx))
}

#[tauri::command]
pub fn add_procedure(
    state: State<'_, AppState>,
    path: String,
    control_id: String,
    procedure: NewProcedure,
) -> Reply<Procedure> {
    with_ctx(&state, |ctx| api::add_procedure(Path::new(&path), &control_id, procedure, ctx))
}

#[tauri::command]
pub fn update_procedure(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    patch: ProcedurePatch,
) -> Reply<Procedure> {
    with_ctx(&state, |ctx| api::update_procedure(Path::new(&path), &procedure_id, patch, ctx))
}

#[tauri::command]
pub fn remove_procedure(state: State<'_, AppState>, path: String, procedure_id: String) -> Reply<()> {
    with_ctx(&state, |ctx| api::remove_procedure(Path::new(&path), &procedure_id, ctx))
}

#[tauri::command]
pub fn add_exception(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    text: String,
) -> Reply<ExceptionRecord> {
    with_ctx(&state, |ctx| api::add_exception(Path::new(&path), &procedure_id, &text, ctx))
}

#[tauri::command]
pub fn edit_exception(
    state: State<'_, AppState>,
    path: String,
    exception_id: String,
    text: String,
) -> Reply<ExceptionRecord> {
    with_ctx(&state, |ctx| api::edit_exception(Path::new(&path), &exception_id, &text, ctx))
}

#[tauri::command]
pub fn remove_exception(state: State<'_, AppState>, path: String, exception_id: String) -> Reply<()> {
    with_ctx(&state, |ctx| api::remove_exception(Path::new(&path), &exception_id, ctx))
}

// ---- Evidence and the PBC list -------------------------------------------------

/// The native multi-file dialog. The end-to-end test cannot drive GTK's
/// dialog, so `WORKBENCH_E2E_PICK_FILES` (paths separated like PATH) stands
/// in for the user's choice there; everything after the choice is the same.
#[tauri::command]
pub fn pick_evidence_files() -> Vec<String> {
    if let Some(paths) = std::env::var_os("WORKBENCH_E2E_PICK_FILES") {
        return std::env::split_paths(&paths).map(|p| p.display().to_string()).collect();
    }
    rfd::FileDialog::new().pick_files().unwrap_or_default().into_iter().map(|p| p.display().to_string()).collect()
}

#[tauri::command]
pub fn describe_files(paths: Vec<String>) -> Reply<Vec<FileFacts>> {
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    Ok(api::describe_files(&paths)?)
}

/// How often progress crosses IPC: often enough for a smooth bar, rarely
/// enough that ten thousand small files do not flood the web view.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Takes files in on a worker thread (an intake of gigabytes takes seconds
/// to minutes), reporting progress on `progress` and stopping when
/// `cancel_intake` is called. A cancelled or failed intake stores nothing.
#[tauri::command]
pub async fn add_evidence(
    state: State<'_, AppState>,
    path: String,
    files: Vec<IntakeFile>,
    links: Vec<EvidenceLink>,
    progress: Channel<IntakeProgress>,
) -> Reply<Vec<Evidence>> {
    let actor = state.actor()?;
    let cancel = state.intake_cancel.clone();
    cancel.store(false, Ordering::SeqCst);
    let work = tauri::async_runtime::spawn_blocking(move || {
        let mut last_sent: Option<Instant> = None;
        let mut report = |p: &IntakeProgress| {
            if last_sent.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) || p.bytes_done == p.bytes_total {
                // A closed channel (the window went away) must not stop the intake.
                let _ = progress.send(p.clone());
                last_sent = Some(Instant::now());
            }
            !cancel.load(Ordering::SeqCst)
        };
        api::add_evidence(Path::new(&path), &files, &links, Context { actor: &actor, clock: &SystemClock }, &mut report)
    });
    Ok(work.await.map_err(|e| CommandError::internal(e.to_string()))??)
}

#[tauri::command]
pub fn cancel_intake(state: State<'_, AppState>) {
    state.intake_cancel.store(true, Ordering::SeqCst);
}

#[tauri::command]
pub fn list_evidence(path: String, include_removed: bool) -> Reply<Vec<Evidence>> {
    Ok(api::list_evidence(Path::new(&path), include_removed)?)
}

#[tauri::command]
pub fn edit_evidence(
    state: State<'_, AppState>,
    path: String,
    evidence_id: String,
    patch: EvidencePatch,
) -> Reply<Evidence> {
    with_ctx(&state, |ctx| api::edit_evidence(Path::new(&path), &evidence_id, patch, ctx))
}

#[tauri::command]
pub fn link_evidence(
    state: State<'_, AppState>,
    path: String,
    evidence_id: String,
    link: EvidenceLink,
) -> Reply<Evidence> {
    with_ctx(&state, |ctx| api::link_evidence(Path::new(&path), &evidence_id, link, ctx))
}

#[tauri::command]
pub fn unlink_evidence(
    state: State<'_, AppState>,
    path: String,
    evidence_id: String,
    link: EvidenceLink,
) -> Reply<Evidence> {
    with_ctx(&state, |ctx| api::unlink_evidence(Path::new(&path), &evidence_id, link, ctx))
}

#[tauri::command]
pub fn remove_evidence(
    state: State<'_, AppState>,
    path: String,
    evidence_id: String,
    reason: String,
) -> Reply<Evidence> {
    with_ctx(&state, |ctx| api::remove_evidence(Path::new(&path), &evidence_id, &reason, ctx))
}

/// The content as raw bytes (an ArrayBuffer in the web view), not JSON.
#[tauri::command]
pub fn evidence_content(path: String, evidence_id: String, limit: u64) -> Reply<tauri::ipc::Response> {
    let (_, bytes, _) = api::evidence_content(Path::new(&path), &evidence_id, limit)?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// Opens a copy of an item with the system's viewer (`api::viewer_copy`:
/// only kinds of file that run nothing when opened, in a private folder).
#[tauri::command]
pub fn open_evidence(path: String, evidence_id: String) -> Reply<()> {
    let copy = api::viewer_copy(Path::new(&path), &evidence_id)?;
    open::that_detached(&copy).map_err(|e| CommandError::internal(format!("{}: {e}", copy.display())))?;
    Ok(())
}

#[tauri::command]
pub async fn verify_evidence(path: String, progress: Channel<(u64, u64)>) -> Reply<EvidenceCheck> {
    let work = tauri::async_runtime::spawn_blocking(move || {
        let mut last_sent: Option<Instant> = None;
        api::verify_evidence(Path::new(&path), &mut |done, total| {
            if last_sent.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) || done == total {
                let _ = progress.send((done, total));
                last_sent = Some(Instant::now());
            }
            true
        })
    });
    Ok(work.await.map_err(|e| CommandError::internal(e.to_string()))??)
}

#[tauri::command]
pub fn list_pbc(path: String) -> Reply<Vec<PbcRequest>> {
    Ok(api::list_pbc(Path::new(&path))?)
}

#[tauri::command]
pub fn add_pbc(state: State<'_, AppState>, path: String, fields: PbcFields) -> Reply<PbcRequest> {
    with_ctx(&state, |ctx| api::add_pbc(Path::new(&path), fields, ctx))
}

#[tauri::command]
pub fn edit_pbc(state: State<'_, AppState>, path: String, request_id: String, fields: PbcFields) -> Reply<PbcRequest> {
    with_ctx(&state, |ctx| api::edit_pbc(Path::new(&path), &request_id, fields, ctx))
}

// ---- Review and sign-off ------------------------------------------------------------

#[tauri::command]
pub fn review_summary(path: String) -> Reply<ReviewSummary> {
    Ok(api::review_summary(Path::new(&path))?)
}

#[tauri::command]
pub fn sign_off(
    state: State<'_, AppState>,
    path: String,
    item_kind: SignableKind,
    item_id: String,
    level: SignOffLevel,
) -> Reply<ReviewState> {
    with_ctx(&state, |ctx| api::sign_off(Path::new(&path), item_kind, &item_id, level, ctx))
}

#[tauri::command]
pub fn add_note(
    state: State<'_, AppState>,
    path: String,
    target_kind: NoteTargetKind,
    target_id: String,
    text: String,
) -> Reply<ReviewNote> {
    with_ctx(&state, |ctx| api::add_note(Path::new(&path), target_kind, &target_id, &text, ctx))
}

#[tauri::command]
pub fn answer_note(state: State<'_, AppState>, path: String, note_id: String, text: String) -> Reply<ReviewNote> {
    with_ctx(&state, |ctx| api::answer_note(Path::new(&path), &note_id, &text, ctx))
}

#[tauri::command]
pub fn clear_note(state: State<'_, AppState>, path: String, note_id: String) -> Reply<ReviewNote> {
    with_ctx(&state, |ctx| api::clear_note(Path::new(&path), &note_id, ctx))
}

#[tauri::command]
pub fn finalize_check(path: String) -> Reply<FinalizeCheck> {
    Ok(api::finalize_check(Path::new(&path))?)
}

#[tauri::command]
pub fn finalize(state: State<'_, AppState>, path: String) -> Reply<EngagementView> {
    with_ctx(&state, |ctx| api::finalize(Path::new(&path), ctx))?;
    Ok(api::show_engagement(Path::new(&path))?)
}

#[tauri::command]
pub fn reopen(state: State<'_, AppState>, path: String, reason: String) -> Reply<EngagementView> {
    with_ctx(&state, |ctx| api::reopen(Path::new(&path), &reason, ctx))?;
    Ok(api::show_engagement(Path::new(&path))?)
}

#[tauri::command]
pub fn item_history(path: String, item_id: String) -> Reply<Vec<EventRecord>> {
    Ok(api::item_history(Path::new(&path), &item_id)?)
}

// ---- Sampling and test grids ----------------------------------------------------------

use workbench_core::model::sampling::{
    CellInput, PopulationColumns, PopulationPreview, Reproduction, SampleRequest, SampleRuleTable, SamplingState,
    Tickmark,
};

/// The native dialog for a population list; `WORKBENCH_E2E_PICK_FILES`
/// stands in for the choice under WebDriver, as for evidence.
#[tauri::command]
pub fn pick_population_file() -> Option<String> {
    if let Some(paths) = std::env::var_os("WORKBENCH_E2E_PICK_FILES") {
        return std::env::split_paths(&paths).next().map(|p| p.display().to_string());
    }
    rfd::FileDialog::new()
        .add_filter("CSV / Excel", &["csv", "xlsx", "CSV", "XLSX"])
        .pick_file()
        .map(|p| p.display().to_string())
}

#[tauri::command]
pub fn preview_population(file: String) -> Reply<PopulationPreview> {
    Ok(api::preview_population(Path::new(&file))?)
}

// Every sampling reply is `SamplingState::trimmed`: the panel shows the
// population in figures and the items it needs, and a large list would
// otherwise cross IPC whole after every cell typed in the grid.

#[tauri::command]
pub fn sampling(path: String, procedure_id: String) -> Reply<SamplingState> {
    Ok(api::sampling(Path::new(&path), &procedure_id)?.trimmed())
}

#[tauri::command]
pub fn import_population(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    file: String,
    columns: PopulationColumns,
) -> Reply<SamplingState> {
    with_ctx(&state, |ctx| {
        api::import_population(Path::new(&path), &procedure_id, Path::new(&file), &columns, ctx)
            .map(SamplingState::trimmed)
    })
}

#[tauri::command]
pub fn set_population_count(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    count: u32,
) -> Reply<SamplingState> {
    with_ctx(&state, |ctx| {
        api::set_population_count(Path::new(&path), &procedure_id, count, ctx).map(SamplingState::trimmed)
    })
}

#[tauri::command]
pub fn sample_rules(state: State<'_, AppState>) -> Reply<SampleRuleTable> {
    Ok(api::sample_rules(&state.data_dir)?)
}

/// The firm's table as edited in the app; used for new samples only.
#[tauri::command]
pub fn save_sample_rules(state: State<'_, AppState>, table: SampleRuleTable) -> Reply<SampleRuleTable> {
    Ok(api::save_sample_rules(&state.data_dir, table)?)
}

#[tauri::command]
pub fn reset_sample_rules(state: State<'_, AppState>) -> Reply<SampleRuleTable> {
    Ok(api::reset_sample_rules(&state.data_dir)?)
}

#[tauri::command]
pub fn select_sample(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    request: SampleRequest,
) -> Reply<SamplingState> {
    let data_dir = state.data_dir.clone();
    with_ctx(&state, |ctx| {
        api::select_sample(Path::new(&path), &data_dir, &procedure_id, &request, ctx).map(SamplingState::trimmed)
    })
}

#[tauri::command]
pub fn select_sample_manually(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    item_ids: Vec<String>,
    reason: String,
) -> Reply<SamplingState> {
    with_ctx(&state, |ctx| {
        api::select_sample_manually(Path::new(&path), &procedure_id, &item_ids, &reason, ctx)
            .map(SamplingState::trimmed)
    })
}

#[tauri::command]
pub fn add_sample_item(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    item_id: String,
    reason: String,
) -> Reply<SamplingState> {
    with_ctx(&state, |ctx| {
        api::add_sample_item(Path::new(&path), &procedure_id, &item_id, &reason, ctx).map(SamplingState::trimmed)
    })
}

#[tauri::command]
pub fn discard_sample(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    reason: String,
) -> Reply<SamplingState> {
    with_ctx(&state, |ctx| {
        api::discard_sample(Path::new(&path), &procedure_id, &reason, ctx).map(SamplingState::trimmed)
    })
}

#[tauri::command]
pub fn reproduce_sample(path: String, procedure_id: String) -> Reply<Reproduction> {
    Ok(api::reproduce_sample(Path::new(&path), &procedure_id)?)
}

#[tauri::command]
pub fn add_attribute(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    text: String,
) -> Reply<SamplingState> {
    with_ctx(&state, |ctx| api::add_attribute(Path::new(&path), &procedure_id, &text, ctx).map(SamplingState::trimmed))
}

#[tauri::command]
pub fn edit_attribute(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    key: String,
    text: String,
) -> Reply<SamplingState> {
    with_ctx(&state, |ctx| {
        api::edit_attribute(Path::new(&path), &procedure_id, &key, &text, ctx).map(SamplingState::trimmed)
    })
}

#[tauri::command]
pub fn remove_attribute(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    key: String,
) -> Reply<SamplingState> {
    with_ctx(&state, |ctx| {
        api::remove_attribute(Path::new(&path), &procedure_id, &key, ctx).map(SamplingState::trimmed)
    })
}

#[tauri::command]
pub fn set_cell(
    state: State<'_, AppState>,
    path: String,
    procedure_id: String,
    no: u32,
    attribute: String,
    input: CellInput,
) -> Reply<SamplingState> {
    with_ctx(&state, |ctx| {
        api::set_cell(Path::new(&path), &procedure_id, no, &attribute, &input, ctx).map(SamplingState::trimmed)
    })
}

#[tauri::command]
pub fn set_tickmark(state: State<'_, AppState>, path: String, tickmark: Tickmark) -> Reply<Vec<Tickmark>> {
    with_ctx(&state, |ctx| api::set_tickmark(Path::new(&path), tickmark, ctx))
}

// ---- Report and submission package ---------------------------------------------------

use workbench_core::model::report::{ExportProgress, ExportRequest, ExportResult};

/// The native save dialog for a report (`pdf`) or a package (`zip`).
#[tauri::command]
pub fn pick_export_destination(kind: String, suggested_name: String) -> Option<String> {
    if let Some(dir) = std::env::var_os("WORKBENCH_E2E_EXPORT_DIR") {
        return Some(PathBuf::from(dir).join(&suggested_name).display().to_string());
    }
    let (label, ext) = if kind == "zip" { ("ZIP", "zip") } else { ("PDF", "pdf") };
    rfd::FileDialog::new()
        .set_file_name(&suggested_name)
        .add_filter(label, &[ext])
        .save_file()
        .map(|p| p.display().to_string())
}

/// The native dialog for the firm's PKCS#12 file.
#[tauri::command]
pub fn pick_certificate_file() -> Option<String> {
    if let Some(paths) = std::env::var_os("WORKBENCH_E2E_PICK_CERTIFICATE") {
        return Some(PathBuf::from(paths).display().to_string());
    }
    rfd::FileDialog::new()
        .add_filter("PKCS#12", &["p12", "pfx", "P12", "PFX"])
        .pick_file()
        .map(|p| p.display().to_string())
}

fn export_with(
    state: &AppState,
    path: &str,
    mut request: ExportRequest,
    output: workbench_report::export::Output,
    progress: &Channel<ExportProgress>,
) -> Reply<ExportResult> {
    // The passphrase is zeroed when this returns, whatever happens.
    let passphrase = zeroize::Zeroizing::new(request.passphrase.take().unwrap_or_default());
    let actor = state.actor()?;
    let ctx = Context { actor: &actor, clock: &SystemClock };
    let date = match request.report_date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| workbench_core::Error::invalid("report_date", format!("{d} is not a date (YYYY-MM-DD)")))?,
        None => chrono::Local::now().date_naive(),
    };
    let lang = workbench_report::Lang::parse(&request.lang).unwrap_or(workbench_report::Lang::Ja);
    let send = |stage: &str, step: u32, steps: u32| {
        let _ = progress.send(ExportProgress { stage: stage.into(), step, steps });
    };
    send("read", 0, 1);
    let model = api::report_model(Path::new(path), date, ctx)?;
    workbench_report::export::check(&model, output, request.certificate.is_some())?;
    let identity = match &request.certificate {
        Some(p12) => {
            let bytes = std::fs::read(p12).map_err(|e| workbench_core::Error::Io { path: p12.into(), source: e })?;
            Some(workbench_report::sign::SigningIdentity::from_pkcs12(&bytes, &passphrase)?)
        }
        None => None,
    };
    let signed_at = workbench_report::sign::pdf_date(SystemClock.now());
    let done =
        workbench_report::export::export(&model, lang, output, identity.as_ref(), &signed_at, &mut |s, n, t| {
            send(s, n, t)
        })?;
    send("write", 1, 1);
    let out = PathBuf::from(&request.out);
    workbench_report::export::write_whole(&out, &done.bytes)?;
    Ok(ExportResult {
        path: out.display().to_string(),
        pages: done.pages as u32,
        is_final: model.is_final,
        signed: done.signed,
        bytes: done.bytes.len() as u64,
    })
}

/// Writes the report: a draft while the engagement is open; the final
/// report, signed when a certificate is given, once it is finalized.
#[tauri::command]
pub async fn export_report(
    state: State<'_, AppState>,
    path: String,
    request: ExportRequest,
    progress: Channel<ExportProgress>,
) -> Reply<ExportResult> {
    export_with(&state, &path, request, workbench_report::export::Output::Report, &progress)
}

/// Writes the signed submission package of a finalized engagement.
#[tauri::command]
pub async fn export_package(
    state: State<'_, AppState>,
    path: String,
    request: ExportRequest,
    progress: Channel<ExportProgress>,
) -> Reply<ExportResult> {
    export_with(&state, &path, request, workbench_report::export::Output::Package, &progress)
}

/// Opens a written report with the system's PDF viewer.
#[tauri::command]
pub fn open_path(path: String) -> Reply<()> {
    open::that_detached(&path).map_err(|e| CommandError::internal(format!("{path}: {e}")))
}

/// Shows a written package in the file manager (its folder).
#[tauri::command]
pub fn show_in_folder(path: String) -> Reply<()> {
    let dir = Path::new(&path).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    open::that_detached(&dir).map_err(|e| CommandError::internal(format!("{}: {e}", dir.display())))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    use crate::AppState;

    struct TestApp {
        _dir: tempfile::TempDir,
        webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
        data_dir: std::path::PathBuf,
    }

    fn app() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let mut state = AppState::load(data_dir.clone());
        state.profile.get_mut().unwrap().name = "佐藤 花子".into();
        let app = crate::builder(mock_builder(), state).build(mock_context(noop_assets())).unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        TestApp { _dir: dir, webview, data_dir }
    }

    fn invoke(app: &TestApp, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&app.webview, request).map(|b| b.deserialize::<Value>().unwrap())
    }

    #[test]
    fn the_demo_opens_and_a_procedure_is_recorded_through_ipc() {
        let app = app();
        let view = invoke(&app, "open_demo", json!({})).unwrap();
        let path = view["path"].as_str().unwrap().to_string();
        assert!(path.ends_with("demo.ismap"), "{path}");
        assert_eq!(view["fields"]["provider"]["name"], "株式会社サンプルクラウド");

        let id = "9.2.3.11.PB/P1";
        let patch = json!({"work_done": "部長に質問した", "result": "exception"});
        let p = invoke(&app, "update_procedure", json!({"path": path, "procedureId": id, "patch": patch})).unwrap();
        assert_eq!(p["result"], "exception");
        let e = invoke(&app, "add_exception", json!({"path": path, "procedureId": id, "text": "記録がなかった。"}))
            .unwrap();
        assert_eq!(e["id"], "E-0002", "the demo's test grid holds E-0001");

        let detail = invoke(&app, "control_detail", json!({"path": path, "controlId": "9.2.3.11.PB"})).unwrap();
        assert_eq!(detail["procedures"][0]["status"], "done");
        assert_eq!(detail["procedures"][0]["procedure"]["exceptions"][0]["text"], "記録がなかった。");
        let rows = invoke(&app, "list_controls", json!({"path": path})).unwrap();
        let row = rows.as_array().unwrap().iter().find(|r| r["id"] == "9.2.3.11.PB").unwrap();
        assert_eq!(row["status"], "in_progress");

        // The actor is the profile's user, and the log still verifies.
        let events = workbench_core::api::recent_events(std::path::Path::new(&path), 1).unwrap();
        assert_eq!(events[0].actor, "佐藤 花子");
        assert!(workbench_core::api::verify_log(std::path::Path::new(&path), None).unwrap().is_intact());

        // Opening it again remembers it once, first.
        invoke(&app, "open_engagement", json!({"path": path})).unwrap();
        let profile = invoke(&app, "get_profile", json!({})).unwrap();
        assert_eq!(profile["recent"].as_array().unwrap().len(), 1);
        assert!(app.data_dir.join("profile.json").exists());
    }

    #[test]
    fn sampling_through_ipc_import_select_and_a_failed_cell() {
        let app = app();
        let path = invoke(&app, "open_demo", json!({})).unwrap()["path"].as_str().unwrap().to_string();
        let demo = invoke(&app, "sampling", json!({"path": path, "procedureId": "4.4.1.1/P3"})).unwrap();
        assert_eq!(demo["sample"]["items"].as_array().unwrap().len(), 25);
        assert_eq!(demo["sample"]["seed"], 20_261_126);

        let list = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo/change-tickets.csv");
        let preview = invoke(&app, "preview_population", json!({"file": list})).unwrap();
        assert_eq!(preview["total_rows"], 120);
        assert_eq!(preview["guess"], json!({"item_id": 0, "date": 1, "description": 2}));
        let id = "9.2.3.11.PB/P1";
        let args = json!({"path": path, "procedureId": id, "file": list, "columns": preview["guess"]});
        let state = invoke(&app, "import_population", args).unwrap();
        assert_eq!(state["population"]["count"], 120);
        // The list is summed up, and only its two items dated outside the
        // period cross IPC until a sample is drawn (see SamplingState::trimmed).
        assert_eq!(
            state["population_summary"],
            json!({"listed": 120, "frame": 118, "out_of_period": 2, "has_dates": true, "trimmed": true})
        );
        let rows = |items: &Value| -> Vec<u64> {
            let mut rows: Vec<u64> = items.as_array().unwrap().iter().map(|i| i["row"].as_u64().unwrap()).collect();
            rows.sort_unstable();
            rows
        };
        assert_eq!(rows(&state["population"]["items"]), [1, 2]);
        let rules = invoke(&app, "sample_rules", json!({})).unwrap();
        assert_eq!(rules["name"], "common-practice");
        // The firm's table edited in the app: a changed table under the
        // default's name and version is refused at the version field, a new
        // version is saved and used, and a reset brings the default back.
        let mut edited = rules.clone();
        edited["sizes"][3]["size"] = json!(3);
        assert_eq!(edited["sizes"][3]["frequency"], "monthly");
        let refused = invoke(&app, "save_sample_rules", json!({"table": edited})).unwrap_err();
        assert_eq!(
            (&refused["field_problems"][0]["field"], &refused["field_problems"][0]["code"]),
            (&json!("version"), &json!("version_unchanged"))
        );
        edited["sizes"][3]["size"] = json!(0);
        edited["version"] = json!("2026.2");
        let refused = invoke(&app, "save_sample_rules", json!({"table": edited})).unwrap_err();
        assert_eq!(refused["field_problems"][0]["field"], "size.monthly");
        edited["sizes"][3]["size"] = json!(3);
        assert_eq!(invoke(&app, "save_sample_rules", json!({"table": edited})).unwrap()["version"], "2026.2");
        assert_eq!(invoke(&app, "sample_rules", json!({})).unwrap(), edited);
        let request = json!({"frequency": "monthly", "size_override": null, "override_reason": null, "seed": 5, "by_quarter": false});
        let state =
            invoke(&app, "select_sample", json!({"path": path, "procedureId": id, "request": request})).unwrap();
        assert_eq!(
            (&state["sample"]["size"], &state["sample"]["rule_table"]["version"]),
            (&json!(3), &json!("2026.2"))
        );
        let mut expected = rows(&state["sample"]["items"]);
        expected.extend([1, 2]);
        expected.sort_unstable();
        assert_eq!(rows(&state["population"]["items"]), expected);
        assert_eq!(invoke(&app, "reset_sample_rules", json!({})).unwrap()["version"], "2026.1");
        invoke(&app, "add_attribute", json!({"path": path, "procedureId": id, "text": "承認済み"})).unwrap();
        let fail = |comment: &str| json!({"result": "fail", "tickmark": "×", "comment": comment});
        let refused = invoke(
            &app,
            "set_cell",
            json!({"path": path, "procedureId": id, "no": 1, "attribute": "A", "input": fail("")}),
        )
        .unwrap_err();
        assert_eq!(refused["field_problems"][0]["code"], "fail_needs_comment");
        let state = invoke(
            &app,
            "set_cell",
            json!({"path": path, "procedureId": id, "no": 1, "attribute": "A", "input": fail("承認がない")}),
        )
        .unwrap();
        assert_eq!(state["cells"][0]["exception_id"], "E-0002");
        let detail = invoke(&app, "control_detail", json!({"path": path, "controlId": "9.2.3.11.PB"})).unwrap();
        let procedure = &detail["procedures"][0]["procedure"];
        assert_eq!(procedure["result"], "exception");
        assert_eq!(procedure["exceptions"][0]["sample_item"], "9.2.3.11.PB/P1/S1");
        let reproduction = invoke(&app, "reproduce_sample", json!({"path": path, "procedureId": id})).unwrap();
        assert_eq!(reproduction["problems"], json!([]));
    }

    #[test]
    fn errors_cross_ipc_with_their_kind_and_fields() {
        let app = app();
        let not_there = invoke(&app, "open_engagement", json!({"path": "/nowhere/x.ismap"})).unwrap_err();
        assert_eq!(not_there["kind"], "not_found");

        let mut fields = serde_json::to_value(workbench_core::sample::demo_fields()).unwrap();
        fields["provider"]["corporate_number"] = json!("7123456789013");
        let check = invoke(&app, "check_fields", json!({"fields": fields})).unwrap();
        assert_eq!(check["problems"][0]["field"], "provider.corporate_number");
        assert_eq!(check["problems"][0]["code"], "corporate_number");

        let target = app.data_dir.join("new.ismap");
        let refused =
            invoke(&app, "create_engagement", json!({"path": target, "catalog": "", "fields": fields})).unwrap_err();
        assert_eq!(refused["kind"], "invalid");
        assert_eq!(refused["field_problems"][0]["code"], "corporate_number");
        assert!(!target.exists());

        fields["provider"]["corporate_number"] = json!("7123456789012");
        let created =
            invoke(&app, "create_engagement", json!({"path": target, "catalog": "", "fields": fields})).unwrap();
        assert_eq!(created["catalog"]["name"], "ismap-sample");
        assert!(target.exists());
        let missing_catalog = invoke(
            &app,
            "create_engagement",
            json!({"path": app.data_dir.join("b.ismap"), "catalog": "nope@1", "fields": fields}),
        )
        .unwrap_err();
        assert_eq!(missing_catalog["kind"], "not_found");
    }

    #[test]
    fn review_through_ipc_and_the_lock_on_every_change() {
        let app = app();
        let view = invoke(&app, "open_demo", json!({})).unwrap();
        let path = view["path"].as_str().unwrap().to_string();
        let id = "9.2.3.11.PB/P1";
        invoke(&app, "update_procedure", json!({"path": path, "procedureId": id, "patch": {"result": "no_exception"}}))
            .unwrap();
        // The profile's user, 佐藤 花子, is the demo's assessor: she prepares.
        let args = json!({"path": path, "itemKind": "procedure", "itemId": id, "level": "preparer"});
        let state = invoke(&app, "sign_off", args).unwrap();
        assert_eq!(state["signoffs"][0]["signer"], "佐藤 花子");
        let args = json!({"path": path, "itemKind": "procedure", "itemId": id, "level": "reviewer"});
        let refused = invoke(&app, "sign_off", args).unwrap_err();
        assert_eq!(refused["kind"], "invalid");
        assert_eq!(refused["field_problems"][0]["code"], "role_not_allowed");
        let note =
            invoke(&app, "add_note", json!({"path": path, "targetKind": "procedure", "targetId": id, "text": "確認"}))
                .unwrap();
        assert_eq!(note["status"], "open");
        let check = invoke(&app, "finalize_check", json!({"path": path})).unwrap();
        assert_eq!(check["ready"], false);

        // A finalized engagement refuses changes through IPC with the kind `locked`.
        let final_path = app.data_dir.join("final.ismap");
        let ctx_actor = workbench_core::model::event::Actor::new("山田 太郎");
        let ctx = workbench_core::model::event::Context {
            actor: &ctx_actor,
            clock: &workbench_core::model::event::SystemClock,
        };
        workbench_core::api::create_demo_finalized(&final_path, "u".into(), ctx).unwrap();
        let view = invoke(&app, "open_engagement", json!({"path": final_path})).unwrap();
        assert_eq!(view["finalized"]["by"], "山田 太郎");
        let locked =
            invoke(&app, "update_procedure", json!({"path": final_path, "procedureId": id, "patch": {"notes": "x"}}))
                .unwrap_err();
        assert_eq!(locked["kind"], "locked");
    }

    #[test]
    fn suggested_paths_are_safe_and_free() {
        assert_eq!(super::safe_file_stem("A/B:C*?"), "A_B_C__");
        assert_eq!(super::safe_file_stem(" .. "), "engagement");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.ismap"), "").unwrap();
        assert_eq!(super::free_path(dir.path(), "x"), dir.path().join("x (2).ismap"));
        assert_eq!(super::free_path(dir.path(), "y"), dir.path().join("y.ismap"));
    }
}

//! The facade every front end calls: plain functions over plain data. The
//! CLI and the desktop app reach the domain only through here, so both
//! behave the same.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::db::engagement_file::{self, CatalogInfo, ControlRow, EngagementFile};
use crate::db::events::ChainReport;
use crate::db::library::{CatalogSummary, Library};
use crate::error::Result;
use crate::generate::GenerateOptions;
use crate::import::{read_catalog, ImportOptions};
use crate::model::engagement::{DerivedDates, EngagementFields, ProgramRules, Warning};
use crate::model::event::{Context, EventRecord};

/// Imports a catalog file into the library in `data_dir`. All or nothing.
pub fn import_catalog(
    data_dir: &Path,
    file: &Path,
    options: &ImportOptions,
    ctx: Context<'_>,
) -> Result<CatalogSummary> {
    let catalog = read_catalog(file, options)?;
    let mut library = Library::open_in(data_dir)?;
    library.add(&catalog, &file.display().to_string(), ctx.clock)
}

pub fn list_catalogs(data_dir: &Path) -> Result<Vec<CatalogSummary>> {
    Library::open_in(data_dir)?.list()
}

/// An engagement as shown to a user: its fields and everything derived.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EngagementView {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    pub uuid: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub schema_version: i64,
    pub fields: EngagementFields,
    pub rules: ProgramRules,
    pub derived: Option<DerivedDates>,
    pub warnings: Vec<Warning>,
    pub catalog: CatalogInfo,
    pub controls: ControlCounts,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: i64,
    /// Set once the engagement is finalized: every change is then refused.
    pub finalized: Option<Finalization>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ControlCounts {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub items: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub assessable: usize,
    /// Assessable controls per catalog group, in catalog order.
    pub by_group: Vec<GroupCount>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GroupCount {
    pub group: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: usize,
}

/// Imports a procedure library file into the library in `data_dir`.
pub fn import_procedure_library(
    data_dir: &Path,
    file: &Path,
    ctx: Context<'_>,
) -> Result<crate::db::library::ProcedureLibrarySummary> {
    let procedures = crate::import::read_procedure_library(file)?;
    Library::open_in(data_dir)?.add_procedures(&procedures, &file.display().to_string(), ctx.clock)
}

pub fn list_procedure_libraries(data_dir: &Path) -> Result<Vec<crate::db::library::ProcedureLibrarySummary>> {
    Library::open_in(data_dir)?.procedure_libraries()
}

/// Creates an engagement at `path` from the catalog `catalog_ref`
/// (`NAME@VERSION`) of the library in `data_dir`, with procedures planned
/// from the procedure library `procedures_ref` (the default one if `None`).
#[allow(clippy::too_many_arguments)]
pub fn create_engagement(
    path: &Path,
    data_dir: &Path,
    catalog_ref: &str,
    procedures_ref: Option<&str>,
    uuid: String,
    fields: EngagementFields,
    rules: ProgramRules,
    ctx: Context<'_>,
) -> Result<EngagementView> {
    let store = Library::open_in(data_dir)?;
    let catalog = store.load(catalog_ref)?;
    let library = match procedures_ref {
        Some(reference) => store.load_procedures(reference)?,
        None => crate::sample::default_procedure_library()?,
    };
    let file = EngagementFile::create(path, ctx, uuid, fields, rules, &catalog, Some(&library))?;
    view(&file)
}

/// Creates an engagement on the bundled sample catalog (for trying the
/// workbench before the customer's catalog is imported).
pub fn create_engagement_from_sample(
    path: &Path,
    uuid: String,
    fields: EngagementFields,
    rules: ProgramRules,
    ctx: Context<'_>,
) -> Result<EngagementView> {
    let catalog = crate::sample::sample_catalog()?;
    let library = crate::sample::default_procedure_library()?;
    view(&EngagementFile::create(path, ctx, uuid, fields, rules, &catalog, Some(&library))?)
}

/// Creates the demo engagement from the bundled sample catalog, with its
/// sampled procedures (`sample::add_demo_sampling`).
pub fn create_demo(path: &Path, uuid: String, ctx: Context<'_>) -> Result<EngagementView> {
    build_then_rename(path, |work| {
        create_engagement_from_sample(work, uuid, crate::sample::demo_fields(), ProgramRules::default(), ctx)?;
        crate::sample::add_demo_sampling(work, ctx.clock)
    })
}

/// The demo engagement with the whole audit done: every in-scope procedure
/// performed (one with an exception), signed by the assessor and the
/// reviewer, every control signed, and finalized by the manager, so that
/// the final report can be tried at once.
pub fn create_demo_finalized(path: &Path, uuid: String, ctx: Context<'_>) -> Result<EngagementView> {
    build_then_rename(path, |work| {
        create_engagement_from_sample(work, uuid, crate::sample::demo_fields(), ProgramRules::default(), ctx)?;
        crate::sample::add_demo_sampling(work, ctx.clock)?;
        crate::sample::perform_and_finalize(work, ctx.clock)
    })
}

/// Builds a file in several steps under a temporary name beside `path` and
/// renames it into place only when every step worked, like every new
/// engagement: a failure leaves nothing behind.
fn build_then_rename(path: &Path, build: impl FnOnce(&Path) -> Result<()>) -> Result<EngagementView> {
    if path.exists() {
        return Err(crate::Error::AlreadyExists { what: "file", id: path.display().to_string() });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".workbench-demo-")
        .tempdir_in(dir)
        .map_err(|e| crate::Error::Io { path: dir.into(), source: e })?;
    let work = temp.path().join("demo.ismap");
    build(&work)?;
    std::fs::rename(&work, path).map_err(|e| crate::Error::Io { path: path.into(), source: e })?;
    show_engagement(path)
}

pub fn show_engagement(path: &Path) -> Result<EngagementView> {
    view(&EngagementFile::open(path)?)
}

/// Replaces the engagement's fields; returns the event, or `None` when
/// nothing changed.
pub fn edit_engagement(path: &Path, fields: EngagementFields, ctx: Context<'_>) -> Result<Option<EventRecord>> {
    writable(path)?.edit(ctx, fields)
}

pub fn list_controls(path: &Path) -> Result<Vec<ControlRow>> {
    EngagementFile::open(path)?.controls()
}

pub fn recent_events(path: &Path, limit: usize) -> Result<Vec<EventRecord>> {
    EngagementFile::open(path)?.recent_events(limit)
}

pub fn verify_log(path: &Path) -> Result<ChainReport> {
    EngagementFile::open(path)?.verify_log()
}

pub fn generate_large(path: &Path, options: GenerateOptions, ctx: Context<'_>) -> Result<EngagementView> {
    view(&crate::generate::large_engagement(path, options, ctx)?)
}

fn view(file: &EngagementFile) -> Result<EngagementView> {
    let fields = file.fields()?;
    let rules = file.rules()?;
    let controls = file.controls()?;
    let mut by_group: Vec<GroupCount> = Vec::new();
    for c in controls.iter().filter(|c| c.assessable) {
        match by_group.iter_mut().find(|g| g.group == c.group) {
            Some(g) => g.count += 1,
            None => by_group.push(GroupCount { group: c.group.clone(), count: 1 }),
        }
    }
    Ok(EngagementView {
        path: file.path().to_path_buf(),
        uuid: file.uuid()?,
        schema_version: engagement_file::schema_version(),
        derived: fields.derived_dates(&rules),
        warnings: fields.warnings(&rules),
        fields,
        rules,
        catalog: file.catalog_info()?,
        controls: ControlCounts {
            items: controls.len(),
            assessable: controls.iter().filter(|c| c.assessable).count(),
            by_group,
        },
        events: file.event_count()?,
        finalized: file.finalization()?,
    })
}

// ---- The assessor's work: scope, procedures, exceptions -------------------

use crate::db::work::{ControlDetail, ProcedureEntry};
use crate::model::procedure::{
    ExceptionRecord, NewProcedure, Procedure, ProcedurePatch, ResultKind, ScopeDecision, Status,
};

pub fn control_detail(path: &Path, control_id: &str) -> Result<ControlDetail> {
    EngagementFile::open(path)?.control_detail(control_id)
}

/// Every procedure with its status, in catalog order.
pub fn list_procedures(path: &Path) -> Result<Vec<ProcedureEntry>> {
    let file = EngagementFile::open(path)?;
    let (rows, second) = file.review_states()?;
    Ok(file
        .procedures()?
        .into_iter()
        .map(|p| ProcedureEntry {
            status: p.status(),
            review: EngagementFile::state_from(&rows, second, SignableKind::Procedure, &p.id),
            procedure: p,
        })
        .collect())
}

pub fn set_scope(
    path: &Path,
    control_id: &str,
    decision: ScopeDecision,
    reason: &str,
    ctx: Context<'_>,
) -> Result<ControlDetail> {
    let mut file = writable(path)?;
    file.set_scope(ctx, control_id, decision, reason)?;
    file.control_detail(control_id)
}

pub fn add_procedure(path: &Path, control_id: &str, new: NewProcedure, ctx: Context<'_>) -> Result<Procedure> {
    writable(path)?.add_procedure(ctx, control_id, new)
}

pub fn update_procedure(path: &Path, id: &str, patch: ProcedurePatch, ctx: Context<'_>) -> Result<Procedure> {
    Ok(writable(path)?.update_procedure(ctx, id, patch)?.0)
}

pub fn remove_procedure(path: &Path, id: &str, ctx: Context<'_>) -> Result<()> {
    writable(path)?.remove_procedure(ctx, id).map(|_| ())
}

pub fn add_exception(path: &Path, procedure_id: &str, text: &str, ctx: Context<'_>) -> Result<ExceptionRecord> {
    writable(path)?.add_exception(ctx, procedure_id, text)
}

pub fn edit_exception(path: &Path, id: &str, text: &str, ctx: Context<'_>) -> Result<ExceptionRecord> {
    writable(path)?.edit_exception(ctx, id, text)
}

pub fn remove_exception(path: &Path, id: &str, ctx: Context<'_>) -> Result<()> {
    writable(path)?.remove_exception(ctx, id).map(|_| ())
}

/// Progress of one criteria group and domain: controls by status and result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Progress {
    pub group: String,
    /// The first part of the control IDs (`9` for `9.2.3.11`).
    pub domain: String,
    pub domain_title_ja: String,
    pub domain_title_en: String,
    pub controls: u32,
    pub not_started: u32,
    pub in_progress: u32,
    pub done: u32,
    pub no_procedures: u32,
    pub out_of_scope: u32,
    pub no_exception: u32,
    pub exception: u32,
    pub not_applicable: u32,
    pub not_performed: u32,
}

/// An exception with the control it was found in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExceptionListing {
    pub exception: ExceptionRecord,
    pub control_id: String,
    pub control_title_ja: String,
    pub control_title_en: String,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dashboard {
    pub engagement: EngagementView,
    pub progress: Vec<Progress>,
    pub exceptions: Vec<ExceptionListing>,
    /// Evidence items taken in (withdrawn ones not counted).
    pub evidence_items: u32,
    /// PBC requests still owed by the provider.
    pub pbc_open: u32,
    /// Open PBC requests past their due date, as of `today`.
    pub pbc_overdue: Vec<PbcRequest>,
    pub review: ReviewSummary,
}

/// The dashboard; `today` (the user's local date) decides which PBC
/// requests are overdue.
pub fn dashboard(path: &Path, today: NaiveDate) -> Result<Dashboard> {
    let file = EngagementFile::open(path)?;
    let engagement = view(&file)?;
    let controls = file.controls()?;
    let titles: std::collections::HashMap<&str, (&str, &str)> =
        controls.iter().map(|c| (c.id.as_str(), (c.title_ja.as_str(), c.title_en.as_str()))).collect();
    let mut progress: Vec<Progress> = Vec::new();
    for c in controls.iter().filter(|c| c.assessable) {
        let domain = c.id.split(['.', '-']).next().unwrap_or("").to_string();
        let index = match progress.iter().position(|p| p.group == c.group && p.domain == domain) {
            Some(i) => i,
            None => {
                let (ja, en) = titles.get(domain.as_str()).copied().unwrap_or(("", ""));
                progress.push(Progress {
                    group: c.group.clone(),
                    domain_title_ja: ja.into(),
                    domain_title_en: en.into(),
                    domain,
                    ..Progress::default()
                });
                progress.len() - 1
            }
        };
        let p = &mut progress[index];
        p.controls += 1;
        match c.status {
            Some(Status::NotStarted) => p.not_started += 1,
            Some(Status::InProgress) => p.in_progress += 1,
            Some(Status::Done) => p.done += 1,
            Some(Status::NoProcedures) => p.no_procedures += 1,
            Some(Status::OutOfScope) => p.out_of_scope += 1,
            None => {}
        }
        match c.result {
            Some(ResultKind::NoException) => p.no_exception += 1,
            Some(ResultKind::Exception) => p.exception += 1,
            Some(ResultKind::NotApplicable) => p.not_applicable += 1,
            Some(ResultKind::NotPerformed) => p.not_performed += 1,
            None => {}
        }
    }
    let exceptions = file
        .exceptions()?
        .into_iter()
        .map(|e| {
            let control_id = e.procedure_id.rsplit_once("/P").map_or(String::new(), |(c, _)| c.to_string());
            let (ja, en) = titles.get(control_id.as_str()).copied().unwrap_or(("", ""));
            ExceptionListing { control_title_ja: ja.into(), control_title_en: en.into(), control_id, exception: e }
        })
        .collect();
    let pbc = file.pbc_list()?;
    Ok(Dashboard {
        engagement,
        progress,
        exceptions,
        evidence_items: file.evidence_list(false)?.len() as u32,
        pbc_open: pbc.iter().filter(|r| r.status.is_open()).count() as u32,
        pbc_overdue: pbc.into_iter().filter(|r| r.is_overdue(today)).collect(),
        review: file.review_summary()?,
    })
}

/// The result of checking an engagement's fields before creating it: the
/// problems that block it and the warnings that do not.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldCheck {
    pub problems: Vec<crate::error::FieldProblem>,
    pub warnings: Vec<Warning>,
    pub derived: Option<DerivedDates>,
}

/// Checks fields against the default program rules, for a form to show
/// problems as the user types.
pub fn check_fields(fields: &EngagementFields) -> FieldCheck {
    let rules = ProgramRules::default();
    FieldCheck {
        problems: fields.problems(&rules),
        warnings: fields.warnings(&rules),
        derived: fields.derived_dates(&rules),
    }
}

// ---- Evidence and the PBC list -------------------------------------------------

use crate::db::evidence::{EvidenceCheck, ExportReport, FileFacts, IntakeFile, IntakeProgress};
use crate::model::evidence::{Evidence, EvidenceLink, EvidencePatch, PbcFields, PbcRequest};
use chrono::NaiveDate;

/// The intake form's defaults for each file; fails on the first file that
/// cannot be taken in, naming it.
pub fn describe_files(paths: &[PathBuf]) -> Result<Vec<FileFacts>> {
    paths.iter().map(|p| crate::db::evidence::describe_file(p)).collect()
}

/// Takes files in as evidence, all linked to `links`: all or none.
/// `progress` returns false to cancel (which writes nothing).
pub fn add_evidence(
    path: &Path,
    files: &[IntakeFile],
    links: &[EvidenceLink],
    ctx: Context<'_>,
    progress: &mut dyn FnMut(&IntakeProgress) -> bool,
) -> Result<Vec<Evidence>> {
    writable(path)?.take_in(ctx, files, links, progress)
}

pub fn list_evidence(path: &Path, include_removed: bool) -> Result<Vec<Evidence>> {
    EngagementFile::open(path)?.evidence_list(include_removed)
}

pub fn edit_evidence(path: &Path, id: &str, patch: EvidencePatch, ctx: Context<'_>) -> Result<Evidence> {
    writable(path)?.edit_evidence(ctx, id, patch)
}

pub fn link_evidence(path: &Path, id: &str, link: EvidenceLink, ctx: Context<'_>) -> Result<Evidence> {
    writable(path)?.link_evidence(ctx, id, link)
}

pub fn unlink_evidence(path: &Path, id: &str, link: EvidenceLink, ctx: Context<'_>) -> Result<Evidence> {
    writable(path)?.unlink_evidence(ctx, id, link)
}

pub fn remove_evidence(path: &Path, id: &str, reason: &str, ctx: Context<'_>) -> Result<Evidence> {
    writable(path)?.remove_evidence(ctx, id, reason)
}

/// An item's content, at most `limit` bytes (for previews), and whether it was cut.
pub fn evidence_content(path: &Path, id: &str, limit: u64) -> Result<(Evidence, Vec<u8>, bool)> {
    let file = EngagementFile::open(path)?;
    let evidence = file.evidence(id)?;
    let (bytes, cut) = file.evidence_content(id, limit)?;
    Ok((evidence, bytes, cut))
}

/// Re-hashes every stored item; `progress(done, total)` returns false to cancel.
pub fn verify_evidence(path: &Path, progress: &mut dyn FnMut(u64, u64) -> bool) -> Result<EvidenceCheck> {
    EngagementFile::open(path)?.verify_evidence(progress)
}

/// Writes every current item to `out` with a manifest and SHA256SUMS.
pub fn export_evidence(path: &Path, out: &Path, ctx: Context<'_>) -> Result<ExportReport> {
    EngagementFile::open(path)?.export_evidence(out, &crate::model::event::format_time(ctx.clock.now()))
}

/// Writes one item to `dir` (for opening it with the system viewer).
pub fn export_one_evidence(path: &Path, id: &str, dir: &Path) -> Result<PathBuf> {
    EngagementFile::open(path)?.export_one_evidence(id, dir)
}

pub fn list_pbc(path: &Path) -> Result<Vec<PbcRequest>> {
    EngagementFile::open(path)?.pbc_list()
}

pub fn add_pbc(path: &Path, fields: PbcFields, ctx: Context<'_>) -> Result<PbcRequest> {
    writable(path)?.add_pbc(ctx, fields)
}

pub fn edit_pbc(path: &Path, id: &str, fields: PbcFields, ctx: Context<'_>) -> Result<PbcRequest> {
    writable(path)?.edit_pbc(ctx, id, fields)
}

// ---- Review and sign-off ---------------------------------------------------------

use crate::model::review::{
    Finalization, FinalizeCheck, NoteTargetKind, ReviewNote, ReviewState, ReviewSummary, SignOffLevel, SignableKind,
};

pub fn review_summary(path: &Path) -> Result<ReviewSummary> {
    EngagementFile::open(path)?.review_summary()
}

pub fn review_state(path: &Path, kind: SignableKind, id: &str) -> Result<ReviewState> {
    EngagementFile::open(path)?.review_state(kind, id)
}

/// Signs an item at `level` as the context's actor (who must be on the team
/// in a role allowed to sign at that level).
pub fn sign_off(
    path: &Path,
    kind: SignableKind,
    id: &str,
    level: SignOffLevel,
    ctx: Context<'_>,
) -> Result<ReviewState> {
    writable(path)?.sign_off(ctx, kind, id, level)
}

pub fn add_note(
    path: &Path,
    kind: NoteTargetKind,
    target_id: &str,
    text: &str,
    ctx: Context<'_>,
) -> Result<ReviewNote> {
    writable(path)?.add_note(ctx, kind, target_id, text)
}

pub fn answer_note(path: &Path, id: &str, answer: &str, ctx: Context<'_>) -> Result<ReviewNote> {
    writable(path)?.answer_note(ctx, id, answer)
}

pub fn clear_note(path: &Path, id: &str, ctx: Context<'_>) -> Result<ReviewNote> {
    writable(path)?.clear_note(ctx, id)
}

pub fn finalize_check(path: &Path) -> Result<FinalizeCheck> {
    EngagementFile::open(path)?.finalize_check()
}

/// Finalizes and locks the engagement; refused with every blocker named.
pub fn finalize(path: &Path, ctx: Context<'_>) -> Result<Finalization> {
    writable(path)?.finalize(ctx)
}

pub fn reopen(path: &Path, reason: &str, ctx: Context<'_>) -> Result<()> {
    EngagementFile::open(path)?.reopen(ctx, reason)
}

/// The events about one item, oldest first.
pub fn item_history(path: &Path, id: &str) -> Result<Vec<EventRecord>> {
    EngagementFile::open(path)?.item_history(id)
}

// ---- Sampling (docs/sampling.md) ---------------------------------------------------

use crate::model::sampling::{
    CellInput, PopulationColumns, PopulationPreview, Reproduction, SampleRequest, SampleRuleTable, SamplingState,
    Tickmark,
};

/// Reads a population file for the import dialog: its columns, first rows
/// and the columns guessed to hold the ID, date and description.
pub fn preview_population(file: &Path) -> Result<PopulationPreview> {
    Ok(crate::import::population::preview(&crate::import::population::read_table(file)?))
}

pub fn sampling(path: &Path, procedure_id: &str) -> Result<SamplingState> {
    EngagementFile::open(path)?.sampling(procedure_id)
}

pub fn import_population(
    path: &Path,
    procedure_id: &str,
    file: &Path,
    columns: &PopulationColumns,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    writable(path)?.import_population(ctx, procedure_id, file, columns)
}

pub fn set_population_count(path: &Path, procedure_id: &str, count: u32, ctx: Context<'_>) -> Result<SamplingState> {
    writable(path)?.set_population_count(ctx, procedure_id, count)
}

/// Draws a sample with the firm's rule table from `data_dir`.
pub fn select_sample(
    path: &Path,
    data_dir: &Path,
    procedure_id: &str,
    request: &SampleRequest,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    let mut file = writable(path)?;
    let rules = crate::db::sampling::load_rules(data_dir)?;
    file.select_sample(ctx, procedure_id, &rules, request)
}

pub fn select_sample_manually(
    path: &Path,
    procedure_id: &str,
    item_ids: &[String],
    reason: &str,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    writable(path)?.select_manually(ctx, procedure_id, item_ids, reason)
}

pub fn add_sample_item(
    path: &Path,
    procedure_id: &str,
    item_id: &str,
    reason: &str,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    writable(path)?.add_sample_item(ctx, procedure_id, item_id, reason)
}

pub fn discard_sample(path: &Path, procedure_id: &str, reason: &str, ctx: Context<'_>) -> Result<SamplingState> {
    writable(path)?.discard_sample(ctx, procedure_id, reason)
}

/// Draws the sample again from its record (`workbench sample reproduce`).
pub fn reproduce_sample(path: &Path, procedure_id: &str) -> Result<Reproduction> {
    EngagementFile::open(path)?.reproduce_sample(procedure_id)
}

pub fn add_attribute(path: &Path, procedure_id: &str, text: &str, ctx: Context<'_>) -> Result<SamplingState> {
    writable(path)?.add_attribute(ctx, procedure_id, text)
}

pub fn edit_attribute(
    path: &Path,
    procedure_id: &str,
    key: &str,
    text: &str,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    writable(path)?.edit_attribute(ctx, procedure_id, key, text)
}

pub fn remove_attribute(path: &Path, procedure_id: &str, key: &str, ctx: Context<'_>) -> Result<SamplingState> {
    writable(path)?.remove_attribute(ctx, procedure_id, key)
}

pub fn set_cell(
    path: &Path,
    procedure_id: &str,
    no: u32,
    attribute: &str,
    input: &CellInput,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    writable(path)?.set_cell(ctx, procedure_id, no, attribute, input)
}

pub fn tickmarks(path: &Path) -> Result<Vec<Tickmark>> {
    EngagementFile::open(path)?.tickmarks()
}

pub fn set_tickmark(path: &Path, tickmark: Tickmark, ctx: Context<'_>) -> Result<Vec<Tickmark>> {
    writable(path)?.set_tickmark(ctx, tickmark)
}

/// The firm's sample-size table (the default until one is saved).
pub fn sample_rules(data_dir: &Path) -> Result<SampleRuleTable> {
    crate::db::sampling::load_rules(data_dir)
}

/// Checks a rule table file and makes it the firm's; samples already drawn
/// keep the table they recorded.
pub fn set_sample_rules(data_dir: &Path, file: &Path) -> Result<SampleRuleTable> {
    let bytes = std::fs::read(file).map_err(|e| crate::Error::Io { path: file.into(), source: e })?;
    let table = crate::db::sampling::read_rules(file, &bytes)?;
    crate::db::sampling::replace_rules(data_dir, table)
}

/// Checks a rule table edited in the app and makes it the firm's; problems
/// come back by field (`name`, `version`, `size.<frequency>`).
pub fn save_sample_rules(data_dir: &Path, table: SampleRuleTable) -> Result<SampleRuleTable> {
    crate::db::sampling::replace_rules(data_dir, table)
}

pub fn reset_sample_rules(data_dir: &Path) -> Result<SampleRuleTable> {
    crate::db::sampling::reset_rules(data_dir)?;
    SampleRuleTable::default_table()
}

/// The report model of an engagement: a draft while it is open, the final
/// report's content once it is finalized.
pub fn report_model(
    path: &Path,
    report_date: NaiveDate,
    ctx: Context<'_>,
) -> Result<crate::model::report::ReportModel> {
    let file = EngagementFile::open(path)?;
    file.report_model(report_date, &crate::model::event::format_time(ctx.clock.now()))
}

/// Opens an engagement to change it: a finalized engagement is refused here,
/// before any check of the change itself, so that every mutating call says
/// `locked` (the event spine refuses it again, whatever the path).
fn writable(path: &Path) -> Result<EngagementFile> {
    let file = EngagementFile::open(path)?;
    if file.finalization()?.is_some() {
        return Err(crate::Error::Locked);
    }
    Ok(file)
}

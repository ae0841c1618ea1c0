//! The facade every front end calls: plain functions over plain data. The
//! CLI and the desktop app reach the domain only through here, so both
//! behave the same.
//!
//! Every change goes through one path, [`execute`]: the state a decision
//! needs is read (`store`), the rule decides (`domain`), and the changes are
//! recorded as events and applied in one write transaction. Reads open the
//! file to read only, and never change it.

pub mod cipher;
pub(crate) mod execute;
mod merge;
mod report;
mod views;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain;
use crate::error::{Error, Result};
use crate::generate::GenerateOptions;
use crate::import::{read_catalog, ImportOptions};
use crate::model::engagement::{DerivedDates, EngagementFields, ProgramRules, Warning};
use crate::model::event::{format_time, Change, Context, EventRecord};
use crate::store::engagement_file::EngagementFile;
use crate::store::library::Library;
use crate::store::{self, Access};

use execute::{execute, Decision};

pub use crate::store::engagement_file::{schema_version, CatalogInfo};
pub use crate::store::events::{BrokenEvent, ChainReport, SignOffProblem};
pub use crate::store::evidence::{
    describe_file, safe_file_name, EvidenceCheck, EvidenceProblem, ExportReport, FileFacts, IntakeFile, IntakeProgress,
    CHUNK_SIZE,
};
pub use crate::store::library::{default_data_dir, CatalogSummary, ProcedureLibrarySummary};
pub use crate::store::replay::{Difference, DifferenceKind};
pub use merge::{conflicts, copies, make_copy, merge, resolve_conflict, CopyMade, CopyScope};
pub use views::{
    ControlCounts, ControlDetail, ControlRow, Dashboard, EngagementView, ExceptionListing, GroupCount, ObjectiveScope,
    ProcedureEntry, Progress,
};

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

/// What the suffixes P, B and PB mean for an engagement's catalog: the
/// catalog's own legend when its file gave one, else the shipped legend
/// (none for an OSCAL catalog, whose IDs have no such suffixes).
pub fn suffix_legend(path: &Path) -> Result<Vec<crate::model::catalog::SuffixMeaning>> {
    read(path, |file| {
        let info = file.catalog_info()?;
        crate::model::catalog::legend_for(info.id_scheme, &info.suffix_legend)
    })
}

pub fn list_catalogs(data_dir: &Path) -> Result<Vec<CatalogSummary>> {
    Library::open_in(data_dir)?.list()
}

/// One catalog of the library, by `NAME@VERSION` (or `NAME` when it has
/// only one version).
pub fn load_catalog(data_dir: &Path, reference: &str) -> Result<crate::model::catalog::Catalog> {
    Library::open_in(data_dir)?.load(reference)
}

pub fn import_procedure_library(data_dir: &Path, file: &Path, ctx: Context<'_>) -> Result<ProcedureLibrarySummary> {
    let procedures = crate::import::read_procedure_library(file)?;
    Library::open_in(data_dir)?.add_procedures(&procedures, &file.display().to_string(), ctx.clock)
}

pub fn list_procedure_libraries(data_dir: &Path) -> Result<Vec<ProcedureLibrarySummary>> {
    Library::open_in(data_dir)?.procedure_libraries()
}

// ---- The engagement ---------------------------------------------------------------

/// The change the first event of a request recorded (the reply of a
/// request that adds an item reads the item under the ID it was given).
fn recorded(events: &[EventRecord]) -> Result<Change> {
    let first = events.first().ok_or_else(|| Error::invalid("event", "nothing was recorded"))?;
    serde_json::from_str(&first.payload).map_err(|e| Error::invalid("event", e.to_string()))
}

fn unexpected(change: &Change) -> Error {
    Error::invalid("event", format!("unexpected {} event", change.kind()))
}

/// Opens an engagement to read it: never changes the file.
fn readable(path: &Path) -> Result<EngagementFile> {
    EngagementFile::open(path, Access::Read)
}

/// Reads an engagement: opens it to read and runs `f`; a storage error met
/// on the way is named with the file (a value a damaged file cannot hold is
/// `corrupt`).
fn read<T>(path: &Path, f: impl FnOnce(&EngagementFile) -> Result<T>) -> Result<T> {
    f(&readable(path)?).map_err(|e| located(path, e))
}

fn located(path: &Path, e: Error) -> Error {
    match e {
        Error::Storage(s) => Error::from_sqlite_at(path, s),
        other => other,
    }
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
    create(path, ctx, uuid, fields, rules, &catalog, &library)
}

fn create(
    path: &Path,
    ctx: Context<'_>,
    uuid: String,
    fields: EngagementFields,
    rules: ProgramRules,
    catalog: &crate::model::catalog::Catalog,
    library: &crate::model::procedure::ProcedureLibrary,
) -> Result<EngagementView> {
    let created = domain::engagement::create(uuid, fields, rules, catalog, Some(library))?;
    views::engagement_view(&EngagementFile::create(path, ctx, &created, catalog)?)
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
    create(path, ctx, uuid, fields, rules, &catalog, &library)
}

/// Creates the demo engagement from the bundled sample catalog, with its
/// sampled procedures (`sample::add_demo_sampling`).
pub fn create_demo(path: &Path, uuid: String, ctx: Context<'_>) -> Result<EngagementView> {
    build_then_rename(path, |work| {
        create_engagement_from_sample(work, uuid, crate::sample::demo_fields(), ProgramRules::default(), ctx)?;
        crate::sample::add_demo_sampling(work, ctx.clock)?;
        crate::sample::add_demo_scope(work, ctx.clock)?;
        crate::sample::add_demo_closing(work, ctx.clock)
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
        crate::sample::add_demo_scope(work, ctx.clock)?;
        crate::sample::perform_and_finalize(work, ctx.clock)
    })
}

/// The demo as the front ends make it: its team holds demo keys (installed
/// in `data_dir`, each sealed under the published PIN `0000`, and put on the
/// demo's roster by its manager), so that its sign-offs are signed as a real
/// engagement's are. `finalized` does the whole audit as
/// [`create_demo_finalized`] does, every signature made with the signer's key.
pub fn create_demo_with_keys(
    path: &Path,
    uuid: String,
    data_dir: &Path,
    finalized: bool,
    ctx: Context<'_>,
) -> Result<EngagementView> {
    build_then_rename(path, |work| {
        create_engagement_from_sample(work, uuid, crate::sample::demo_fields(), ProgramRules::default(), ctx)?;
        crate::sample::add_demo_sampling(work, ctx.clock)?;
        crate::sample::add_demo_scope(work, ctx.clock)?;
        let keys = add_demo_keys(work, data_dir, ctx.clock)?;
        if finalized {
            crate::sample::perform_and_finalize_signed(work, ctx.clock, &keys)
        } else {
            crate::sample::add_demo_closing(work, ctx.clock)
        }
    })
}

/// Installs the demo keys of the team of the engagement at `path` in
/// `data_dir` and puts them on its roster: the manager's first, signing
/// itself, then the others, signed by the manager's. Returns them opened.
fn add_demo_keys(
    path: &Path,
    data_dir: &Path,
    clock: &dyn crate::model::event::Clock,
) -> Result<Vec<crate::keys::UnlockedKey>> {
    use crate::model::engagement::Role;
    let fields = show_engagement(path)?.fields;
    let names: Vec<&str> = fields.team.iter().map(|m| m.name.as_str()).collect();
    let installed = crate::keys::install_demo(data_dir, &names, &format_time(clock.now()))?;
    let opened = installed
        .iter()
        .map(|k| crate::keys::unlock(data_dir, &k.fingerprint, crate::keys::DEMO_PIN))
        .collect::<Result<Vec<_>>>()?;
    let manager = fields
        .team
        .iter()
        .find(|m| m.role == Role::Manager)
        .ok_or_else(|| Error::invalid("team", "the demo's team has no manager to start its roster"))?;
    let signer = opened
        .iter()
        .find(|k| k.name == manager.name)
        .ok_or_else(|| Error::invalid("team", "the demo's manager has no demo key"))?;
    let actor = crate::model::event::Actor::new(manager.name.clone());
    let ctx = Context { actor: &actor, clock };
    let mut order: Vec<&crate::model::engagement::TeamMember> = fields.team.iter().collect();
    order.sort_by_key(|m| m.name != manager.name);
    for member in order {
        let key = installed
            .iter()
            .find(|k| k.name == member.name)
            .ok_or_else(|| Error::invalid("team", format!("{} has no demo key", member.name)))?;
        let card = crate::keys::card(data_dir, &key.fingerprint, Some(member.role))?;
        add_member_card(path, &card, signer, ctx)?;
    }
    Ok(opened)
}

/// Builds a file in several steps under a temporary name beside `path` and
/// renames it into place only when every step worked, like every new
/// engagement: a failure leaves nothing behind.
fn build_then_rename(path: &Path, build: impl FnOnce(&Path) -> Result<()>) -> Result<EngagementView> {
    if path.exists() {
        return Err(Error::AlreadyExists { what: "file", id: path.display().to_string() });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".workbench-demo-")
        .tempdir_in(dir)
        .map_err(|e| Error::Io { path: dir.into(), source: e })?;
    let work = temp.path().join("demo.ismap");
    // The demo is built under a temporary name: a passphrase given for the
    // file applies to that name too, so that it is encrypted from the start.
    // It is plain unless a passphrase was given for the file itself.
    let passphrase = store::cipher::given_for_file(path);
    match &passphrase {
        Some(p) => store::cipher::remember(&work, p.clone()),
        None => store::cipher::mark_plain(&work),
    }
    let built = build(&work);
    store::cipher::forget(&work);
    built?;
    std::fs::rename(&work, path).map_err(|e| Error::Io { path: path.into(), source: e })?;
    store::sync_parent(path)?;
    if passphrase.is_none() {
        store::cipher::mark_plain(path);
    }
    let view = show_engagement(path);
    if passphrase.is_none() {
        store::cipher::forget(path);
    }
    view
}

pub fn show_engagement(path: &Path) -> Result<EngagementView> {
    read(path, views::engagement_view)
}

/// Replaces the engagement's fields; returns the event, or `None` when
/// nothing changed.
pub fn edit_engagement(path: &Path, fields: EngagementFields, ctx: Context<'_>) -> Result<Option<EventRecord>> {
    execute(
        path,
        ctx,
        |tx| {
            let file_fields = store::engagement_file::read_fields(tx)?;
            let rules = store::engagement_file::read_rules(tx)?;
            let keyed = store::roster::roster(tx)?.iter().any(|e| e.is_active());
            let changes = domain::engagement::edit(&file_fields, &rules, &fields, &ctx.actor.name, keyed)?;
            if !changes.is_empty() {
                domain::change::check_period(fields.period.start, fields.period.end, &store::change::all_changes(tx)?)?;
            }
            Ok(changes.into())
        },
        |_, events| Ok(events.first().cloned()),
    )
}

pub fn list_controls(path: &Path) -> Result<Vec<ControlRow>> {
    read(path, views::control_rows)
}

/// The catalog items holding every word of `query` in their ID, titles or
/// criterion text (Japanese or English), in catalog order, with context.
pub fn search_controls(path: &Path, query: &str) -> Result<crate::search::SearchResult> {
    read(path, |file| {
        let catalog = file.catalog_info()?;
        store::search::index_for(&file.conn, path, &catalog.content_sha256)?.search(query)
    })
}

/// Builds the search index of the engagement's catalog ahead of the first
/// search (a front end calls it when a file is opened, off the main
/// thread), so that the first search answers as fast as the next ones.
pub fn prepare_search(path: &Path) -> Result<()> {
    read(path, |file| {
        let catalog = file.catalog_info()?;
        store::search::index_for(&file.conn, path, &catalog.content_sha256).map(|_| ())
    })
}

pub fn recent_events(path: &Path, limit: usize) -> Result<Vec<EventRecord>> {
    read(path, |file| file.recent_events(limit))
}

/// Checks the event log (`workbench log verify`): the chain of hashes, then
/// the stored state against the state the log gives when replayed, then
/// every standing sign-off against its item. `expect_head` is the head a
/// signed report or package recorded, which the log must still end in.
pub fn verify_log(path: &Path, expect_head: Option<&str>) -> Result<ChainReport> {
    read(path, |file| {
        let mut report = check_log(file)?;
        report.expected_head = expect_head.map(str::to_string);
        Ok(report)
    })
}

fn check_log(file: &EngagementFile) -> Result<ChainReport> {
    let mut report = store::replay::check(file)?;
    if report.first_broken.is_none() {
        let located = |e: Error| match e {
            Error::Storage(s) => Error::from_sqlite_at(file.path(), s),
            other => other,
        };
        report.signoff_problems = file.verify_signoffs().map_err(located)?;
        report.signoff_problems.extend(store::roster::signature_problems(&file.conn).map_err(located)?);
    }
    Ok(report)
}

/// Refuses a file whose log does not verify or whose state is not what its
/// log gives: nothing is exported or signed from it.
fn require_true_log(file: &EngagementFile) -> Result<()> {
    let report = check_log(file)?;
    if report.is_intact() {
        return Ok(());
    }
    let mut differences = report.differences;
    if let Some(broken) = report.first_broken {
        differences.insert(
            0,
            Difference {
                item_kind: "event".into(),
                item_id: format!("#{}", broken.seq),
                field: None,
                kind: DifferenceKind::Unreplayable,
                stored: None,
                replayed: Some(broken.reason),
            },
        );
    }
    differences.extend(report.signoff_problems.into_iter().map(|p| Difference {
        item_kind: "signoff".into(),
        item_id: format!("{} {}", p.item_id, p.level),
        field: None,
        kind: DifferenceKind::Changed,
        stored: None,
        replayed: Some(p.problem),
    }));
    Err(Error::LogMismatch { path: file.path().into(), differences })
}

pub fn generate_large(path: &Path, options: GenerateOptions, ctx: Context<'_>) -> Result<EngagementView> {
    crate::generate::large_engagement(path, options, ctx)?;
    show_engagement(path)
}

// ---- The assessor's work: scope, procedures, exceptions -------------------

use crate::model::procedure::{ExceptionRecord, NewProcedure, Procedure, ProcedurePatch, ScopeDecision};

pub fn control_detail(path: &Path, control_id: &str) -> Result<ControlDetail> {
    read(path, |file| views::control_detail(file, control_id))
}

/// Every procedure with its status, in catalog order.
pub fn list_procedures(path: &Path) -> Result<Vec<ProcedureEntry>> {
    read(path, views::procedure_entries)
}

pub fn set_scope(
    path: &Path,
    control_id: &str,
    decision: ScopeDecision,
    reason: &str,
    inherited_from: Option<crate::model::procedure::InheritedService>,
    ctx: Context<'_>,
) -> Result<ControlDetail> {
    execute(
        path,
        ctx,
        |tx| {
            let control = store::work::control_facts(tx, control_id)?;
            Ok(domain::work::set_scope(&control, decision, reason, inherited_from)?.into())
        },
        |file, _| views::control_detail(file, control_id),
    )
}

pub fn add_procedure(path: &Path, control_id: &str, new: NewProcedure, ctx: Context<'_>) -> Result<Procedure> {
    execute(
        path,
        ctx,
        |tx| {
            let control = store::work::control_facts(tx, control_id)?;
            let code = store::copies::own_code(tx)?;
            let id = domain::work::next_procedure_id(
                control_id,
                &code,
                store::work::procedure_ids_ever_used(tx, control_id)?,
            );
            Ok(domain::work::add_procedure(&control, id, new)?.into())
        },
        |file, events| match recorded(events)? {
            Change::ProcedureAdded { procedure } => file.procedure(&procedure.id),
            other => Err(unexpected(&other)),
        },
    )
}

pub fn update_procedure(path: &Path, id: &str, patch: ProcedurePatch, ctx: Context<'_>) -> Result<Procedure> {
    execute(
        path,
        ctx,
        |tx| Ok(domain::work::update_procedure(&store::work::read_procedure(tx, id)?, patch).into()),
        |file, _| file.procedure(id),
    )
}

pub fn remove_procedure(path: &Path, id: &str, ctx: Context<'_>) -> Result<()> {
    use crate::model::evidence::LinkKind;
    execute(
        path,
        ctx,
        |tx| {
            let procedure = store::work::read_procedure(tx, id)?;
            let attached = domain::work::Attachments {
                evidence: store::evidence::linked_evidence(tx, LinkKind::Procedure, id)?,
                sampled: store::work::is_sampled(tx, id)?,
            };
            Ok(domain::work::remove_procedure(&procedure, &attached)?.into())
        },
        |_, _| Ok(()),
    )
}

pub fn add_exception(path: &Path, procedure_id: &str, text: &str, ctx: Context<'_>) -> Result<ExceptionRecord> {
    execute(
        path,
        ctx,
        |tx| {
            let procedure = store::work::read_procedure(tx, procedure_id)?;
            let code = store::copies::own_code(tx)?;
            let id = domain::work::next_exception_id(&code, store::work::highest_exception(tx, &code)?);
            Ok(domain::work::add_exception(&procedure, id, text)?.into())
        },
        |file, events| match recorded(events)? {
            Change::ExceptionAdded { exception } => store::work::read_exception(&file.conn, &exception.id),
            other => Err(unexpected(&other)),
        },
    )
}

pub fn edit_exception(path: &Path, id: &str, text: &str, ctx: Context<'_>) -> Result<ExceptionRecord> {
    execute(
        path,
        ctx,
        |tx| Ok(domain::work::edit_exception(&store::work::read_exception(tx, id)?, text)?.into()),
        |file, _| store::work::read_exception(&file.conn, id),
    )
}

pub fn remove_exception(path: &Path, id: &str, ctx: Context<'_>) -> Result<()> {
    use crate::model::evidence::LinkKind;
    execute(
        path,
        ctx,
        |tx| {
            let exception = store::work::read_exception(tx, id)?;
            let evidence = store::evidence::linked_evidence(tx, LinkKind::Exception, id)?;
            Ok(domain::work::remove_exception(&exception, &evidence)?.into())
        },
        |_, _| Ok(()),
    )
}

/// The dashboard; `today` (the user's local date) decides which PBC
/// requests are overdue.
pub fn dashboard(path: &Path, today: NaiveDate) -> Result<Dashboard> {
    read(path, |file| views::dashboard(file, today))
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

use crate::model::evidence::{Evidence, EvidenceLink, EvidencePatch, LinkKind, PbcFields, PbcRequest, Removal};

/// The intake form's defaults for each file; fails on the first file that
/// cannot be taken in, naming it.
pub fn describe_files(paths: &[PathBuf]) -> Result<Vec<FileFacts>> {
    paths.iter().map(|p| describe_file(p)).collect()
}

/// Takes files in as evidence, all linked to `links`, in one transaction:
/// all or none. Each file is read once; its hash is computed while its
/// chunks are written. `progress` returns false to cancel (which writes
/// nothing).
pub fn add_evidence(
    path: &Path,
    files: &[IntakeFile],
    links: &[EvidenceLink],
    ctx: Context<'_>,
    progress: &mut dyn FnMut(&IntakeProgress) -> bool,
) -> Result<Vec<Evidence>> {
    if files.is_empty() {
        return Err(Error::invalid("files", "no file was given"));
    }
    // Everything that can be checked before writing is checked first, so
    // that a bad file among many is reported before any work is done.
    let mut sizes = Vec::with_capacity(files.len());
    for file in files {
        sizes.push(store::evidence::check_source(&file.path)?);
        domain::evidence::check_meta(&file.path, &file.meta)?;
    }
    let bytes_total: u64 = sizes.iter().sum();
    execute(
        path,
        ctx,
        |tx| {
            for link in links {
                store::evidence::require_target(tx, link)?;
            }
            let code = store::copies::own_code(tx)?;
            let highest = store::evidence::highest_ord(tx, "evidence", &code)?;
            let mut changes = Vec::with_capacity(files.len());
            let mut done_before = 0u64;
            for (index, file) in files.iter().enumerate() {
                let name = store::evidence::display_name(&file.path);
                let mut report = |done: u64| {
                    progress(&IntakeProgress {
                        file: index + 1,
                        files: files.len(),
                        name: name.clone(),
                        bytes_done: done_before + done,
                        bytes_total,
                    })
                };
                let stored = store::evidence::take_in_content(tx, &file.path, &mut report)?;
                done_before += stored.size;
                changes.push(domain::evidence::added(
                    crate::model::ids::next("EV-", &code, 4, highest + index as i64),
                    stored.sha256,
                    stored.size,
                    name.clone(),
                    store::evidence::media_type_of(&name),
                    &file.meta,
                    links,
                    format_time(ctx.clock.now()),
                    ctx.actor.name.clone(),
                    stored.new_content,
                ));
            }
            Ok(changes.into())
        },
        |file, events| {
            let ids: Vec<String> = events
                .iter()
                .filter_map(|e| match serde_json::from_str(&e.payload) {
                    Ok(Change::EvidenceAdded { evidence, .. }) => Some(evidence.id),
                    _ => None,
                })
                .collect();
            file.evidence_items(&ids.iter().map(String::as_str).collect::<Vec<_>>())
        },
    )
}

pub fn list_evidence(path: &Path, include_removed: bool) -> Result<Vec<Evidence>> {
    read(path, |file| file.evidence_list(include_removed))
}

pub fn edit_evidence(path: &Path, id: &str, patch: EvidencePatch, ctx: Context<'_>) -> Result<Evidence> {
    execute(
        path,
        ctx,
        |tx| Ok(domain::evidence::edit(&store::evidence::read_evidence(tx, id)?, patch)?.into()),
        |file, _| file.evidence(id),
    )
}

pub fn link_evidence(path: &Path, id: &str, link: EvidenceLink, ctx: Context<'_>) -> Result<Evidence> {
    execute(
        path,
        ctx,
        |tx| {
            let evidence = store::evidence::read_evidence(tx, id)?;
            store::evidence::require_target(tx, &link)?;
            Ok(domain::evidence::link(&evidence, link)?.into())
        },
        |file, _| file.evidence(id),
    )
}

pub fn unlink_evidence(path: &Path, id: &str, link: EvidenceLink, ctx: Context<'_>) -> Result<Evidence> {
    execute(
        path,
        ctx,
        |tx| Ok(domain::evidence::unlink(&store::evidence::read_evidence(tx, id)?, link)?.into()),
        |file, _| file.evidence(id),
    )
}

/// Withdraws an evidence item, with a reason. Its record and content stay.
pub fn remove_evidence(path: &Path, id: &str, reason: &str, ctx: Context<'_>) -> Result<Evidence> {
    execute(
        path,
        ctx,
        |tx| {
            let evidence = store::evidence::read_evidence(tx, id)?;
            // The procedures the item supports whose sign-offs stand unchanged.
            let mut signed = Vec::new();
            if evidence.removed.is_none() {
                for link in &evidence.links {
                    let procedure = match link.kind {
                        LinkKind::Procedure => Some(link.id.clone()),
                        LinkKind::Exception => store::work::read_exception(tx, &link.id).ok().map(|x| x.procedure_id),
                        LinkKind::Pbc => None,
                        LinkKind::Sample => store::sampling::procedure_of_sample_item(&link.id).map(str::to_string),
                    };
                    if let Some(procedure) = procedure {
                        let rows = store::review::rows_of(tx, SignableKind::Procedure, &procedure)?;
                        let second = store::engagement_file::read_fields(tx)?.second_review;
                        let state = domain::review::state(SignableKind::Procedure, &procedure, &rows, second, None);
                        if !state.signoffs.is_empty() && !state.changed_after_signoff {
                            signed.push(procedure);
                        }
                    }
                }
            }
            domain::closing::refuse_if_cited(
                id,
                store::closing::representation(tx)?.as_ref(),
                &store::closing::subsequent_events(tx)?,
            )?;
            let removal =
                Removal { reason: String::new(), at: format_time(ctx.clock.now()), by: ctx.actor.name.clone() };
            Ok(domain::evidence::withdraw(&evidence, reason, &signed, removal)?.into())
        },
        |file, _| file.evidence(id),
    )
}

/// An item's content, at most `limit` bytes (for previews), and whether it was cut.
pub fn evidence_content(path: &Path, id: &str, limit: u64) -> Result<(Evidence, Vec<u8>, bool)> {
    read(path, |file| {
        let evidence = file.evidence(id)?;
        let (bytes, cut) = file.evidence_content(id, limit)?;
        Ok((evidence, bytes, cut))
    })
}

/// Re-hashes every stored item; `progress(done, total)` returns false to cancel.
pub fn verify_evidence(path: &Path, progress: &mut dyn FnMut(u64, u64) -> bool) -> Result<EvidenceCheck> {
    read(path, |file| file.verify_evidence(progress))
}

/// Writes every current item to `out` with a manifest and SHA256SUMS; a
/// file whose state is not what its log gives is refused first.
pub fn export_evidence(path: &Path, out: &Path, ctx: Context<'_>) -> Result<ExportReport> {
    read(path, |file| {
        require_true_log(file)?;
        file.export_evidence(out, &format_time(ctx.clock.now()))
    })
}

/// The private folder of this user's copies for the system's viewer.
const VIEWER_COPIES: &str = "ismap-workbench-viewer";

/// A copy of an evidence item to open with the system's viewer, in a folder
/// private to this user: the stored content itself is never handed to
/// another program. Only documents and images that run nothing when opened
/// are copied (`files::not_viewable`); anything else is refused with its
/// reason (`not_viewable`), to be exported and opened with care. On Windows
/// the copy is marked as coming from another computer.
pub fn viewer_copy(path: &Path, id: &str) -> Result<PathBuf> {
    read(path, |file| viewer_copy_of(file, id))
}

fn viewer_copy_of(file: &EngagementFile, id: &str) -> Result<PathBuf> {
    let evidence = file.evidence(id)?;
    let name = safe_file_name(&evidence.id, &evidence.original_name);
    let (head, _) = file.evidence_content(id, 16)?;
    if let Some(why) = crate::files::not_viewable(&name, &head) {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_string()).unwrap_or_default();
        return Err(domain::refuse(
            "evidence",
            why.code(),
            &[("ext", ext)],
            format!(
                "{id} ({name}) is not opened with the system's viewer ({}); export it and open it with care",
                why.code()
            ),
        ));
    }
    let root = crate::files::private_dir(VIEWER_COPIES)?;
    let dir = tempfile::Builder::new().prefix("copy-").tempdir_in(&root).map_err(|e| Error::io(&root, e))?.keep();
    let copy = file.export_one_evidence(id, &dir)?;
    crate::files::mark_from_elsewhere(&copy)?;
    Ok(copy)
}

/// Removes every viewer copy of this user (at the app's start and exit):
/// confidential evidence does not linger in a temporary folder.
pub fn clear_viewer_copies() -> Result<()> {
    let root = crate::files::private_dir(VIEWER_COPIES)?;
    let entries = std::fs::read_dir(&root).map_err(|e| Error::io(&root, e))?;
    for entry in entries.flatten() {
        let _ = std::fs::remove_dir_all(entry.path());
    }
    Ok(())
}

pub fn list_pbc(path: &Path) -> Result<Vec<PbcRequest>> {
    read(path, |file| file.pbc_list())
}

pub fn add_pbc(path: &Path, fields: PbcFields, ctx: Context<'_>) -> Result<PbcRequest> {
    execute(
        path,
        ctx,
        |tx| {
            let code = store::copies::own_code(tx)?;
            let id = crate::model::ids::next("PBC-", &code, 3, store::evidence::highest_ord(tx, "pbc_request", &code)?);
            Ok(domain::evidence::add_pbc(id, fields)?.into())
        },
        |file, events| match recorded(events)? {
            Change::PbcAdded { request } => file.pbc(&request.id),
            other => Err(unexpected(&other)),
        },
    )
}

pub fn edit_pbc(path: &Path, id: &str, fields: PbcFields, ctx: Context<'_>) -> Result<PbcRequest> {
    execute(
        path,
        ctx,
        |tx| {
            domain::evidence::check_pbc(&fields)?;
            Ok(domain::evidence::edit_pbc(&store::evidence::read_pbc(tx, id)?, fields)?.into())
        },
        |file, _| file.pbc(id),
    )
}

// ---- Review and sign-off ---------------------------------------------------------

use crate::model::review::{
    Finalization, FinalizeCheck, NoteTargetKind, ReviewNote, ReviewState, ReviewSummary, SignOffLevel, SignableKind,
};

/// The work queue of `person`: what waits to be reviewed, signed again,
/// answered or cleared, and what is not yet prepared.
pub fn review_queue(path: &Path, person: &str) -> Result<crate::model::review::ReviewQueue> {
    read(path, |file| views::review_queue(file, person))
}

pub fn review_summary(path: &Path) -> Result<ReviewSummary> {
    read(path, views::review_summary)
}

pub fn review_state(path: &Path, kind: SignableKind, id: &str) -> Result<ReviewState> {
    read(path, |file| views::review_state(file, kind, id))
}

/// Signs an item at `level` as the context's actor (who must be on the team
/// in a role allowed to sign at that level). The checks, the content hashed
/// and the sign-off are one immediate transaction: no other writer (the CLI
/// on the same file) can change the item between what is checked and what
/// is signed.
pub fn sign_off(
    path: &Path,
    kind: SignableKind,
    id: &str,
    level: SignOffLevel,
    ctx: Context<'_>,
) -> Result<ReviewState> {
    sign_off_with_key(path, kind, id, level, None, ctx)
}

/// Signs an item at `level` as the context's person, with their key
/// (opened with its PIN) when they hold one on the engagement's roster:
/// then the sign-off must carry its signature (`domain::roster::sign`).
pub fn sign_off_with_key(
    path: &Path,
    kind: SignableKind,
    id: &str,
    level: SignOffLevel,
    key: Option<&crate::keys::UnlockedKey>,
    ctx: Context<'_>,
) -> Result<ReviewState> {
    execute(
        path,
        ctx,
        |tx| {
            let fields = store::engagement_file::read_fields(tx)?;
            let content = store::review::content_of(tx, kind, id)?;
            let procedure;
            let item = match kind {
                SignableKind::Procedure => {
                    procedure = store::work::read_procedure(tx, id)?;
                    domain::review::Signable::Procedure(&procedure)
                }
                SignableKind::Control => {
                    let control = store::work::control_facts(tx, id)?;
                    let procedures = store::work::procedures_of(tx, id)?;
                    domain::review::Signable::Control {
                        assessable: control.assessable,
                        in_scope: control.scope == ScopeDecision::InScope,
                        incomplete: procedures
                            .iter()
                            .filter(|p| !domain::work::missing(p).is_empty())
                            .map(|p| p.id.clone())
                            .collect(),
                    }
                }
            };
            let rows = store::review::rows_of(tx, kind, id)?;
            let at = format_time(ctx.clock.now());
            let mut changes =
                domain::review::sign_off(&fields, &ctx.actor.name, kind, id, level, item, content, &rows, at)?;
            let roster = store::roster::roster(tx)?;
            let uuid = store::engagement_file::uuid_of(tx)?;
            let sign = |message: &[u8]| key.map(|k| k.sign(message)).unwrap_or_default();
            let signer = key.map(|k| domain::roster::Signer { fingerprint: &k.fingerprint, sign: &sign });
            if let Some(Change::SignedOff { signoff, .. }) = changes.first_mut() {
                let separate = fields.one_person_reason().is_none();
                domain::roster::sign(&roster, signoff, &rows, signer.as_ref(), &uuid, separate)?;
            }
            Ok(changes.into())
        },
        |file, _| views::review_state(file, kind, id),
    )
}

pub fn add_note(
    path: &Path,
    kind: NoteTargetKind,
    target_id: &str,
    text: &str,
    ctx: Context<'_>,
) -> Result<ReviewNote> {
    execute(
        path,
        ctx,
        |tx| {
            match kind {
                NoteTargetKind::Control => drop(store::work::catalog_item(tx, target_id)?),
                NoteTargetKind::Procedure => drop(store::work::read_procedure(tx, target_id)?),
                NoteTargetKind::Exception => drop(store::work::read_exception(tx, target_id)?),
                NoteTargetKind::Evidence => drop(store::evidence::read_evidence(tx, target_id)?),
            }
            let code = store::copies::own_code(tx)?;
            let id = crate::model::ids::next("RN-", &code, 3, store::evidence::highest_ord(tx, "review_note", &code)?);
            let at = format_time(ctx.clock.now());
            Ok(domain::review::add_note(id, kind, target_id, text, &ctx.actor.name, at)?.into())
        },
        |file, events| match recorded(events)? {
            Change::NoteAdded { note } => store::review::read_note(&file.conn, &note.id),
            other => Err(unexpected(&other)),
        },
    )
}

pub fn answer_note(path: &Path, id: &str, answer: &str, ctx: Context<'_>) -> Result<ReviewNote> {
    execute(
        path,
        ctx,
        |tx| {
            let note = store::review::read_note(tx, id)?;
            Ok(domain::review::answer_note(&note, answer, &ctx.actor.name, format_time(ctx.clock.now()))?.into())
        },
        |file, _| store::review::read_note(&file.conn, id),
    )
}

/// Clears a note: only its author or a manager (or partner) may.
pub fn clear_note(path: &Path, id: &str, ctx: Context<'_>) -> Result<ReviewNote> {
    execute(
        path,
        ctx,
        |tx| {
            let note = store::review::read_note(tx, id)?;
            let fields = store::engagement_file::read_fields(tx)?;
            let role = domain::review::team_role(&fields, &ctx.actor.name).ok();
            Ok(domain::review::clear_note(&note, &ctx.actor.name, role, format_time(ctx.clock.now()))?.into())
        },
        |file, _| store::review::read_note(&file.conn, id),
    )
}

/// What still blocks finalizing. A file whose state is not what its log
/// gives is blocked too (code `log_mismatch`), naming the first difference.
pub fn finalize_check(path: &Path, phrases: &[String]) -> Result<FinalizeCheck> {
    read(path, |file| {
        let mut check = views::finalize_check(file)?;
        check.wording = views::wording_hits(file, phrases)?;
        if let Err(Error::LogMismatch { differences, .. }) = require_true_log(file) {
            check.ready = false;
            check.blockers.insert(0, log_blocker(&differences));
        }
        Ok(check)
    })
}

fn log_blocker(differences: &[Difference]) -> crate::model::review::Blocker {
    let first = differences.first();
    crate::model::review::Blocker {
        code: crate::error::ProblemCode::LogMismatch,
        item_kind: first.map_or_else(|| "event".into(), |d| d.item_kind.clone()),
        item_id: first.map_or_else(String::new, |d| d.item_id.clone()),
        level: None,
        message: first.map_or_else(|| "the stored state does not match the log".into(), |d| d.to_string()),
    }
}

/// Finalizes and locks the engagement; refused with every blocker named,
/// and refused when the stored state is not what the log gives.
pub fn finalize(path: &Path, ctx: Context<'_>) -> Result<Finalization> {
    finalize_with_key(path, None, ctx)
}

/// Finalizes, signed with the manager's key when they hold one on the
/// roster (`domain::roster::sign_lock`).
pub fn finalize_with_key(
    path: &Path,
    key: Option<&crate::keys::UnlockedKey>,
    ctx: Context<'_>,
) -> Result<Finalization> {
    read(path, |file| if file.finalization()?.is_none() { require_true_log(file) } else { Ok(()) })?;
    execute(
        path,
        ctx,
        |tx| {
            let fields = store::engagement_file::read_fields(tx)?;
            let finalized = store::review::finalization(tx)?.is_some();
            let file = EngagementFile::open(path, Access::Read)?;
            let check = views::finalize_check(&file)?;
            let mut changes =
                domain::review::finalize(&fields, &ctx.actor.name, finalized, &check, format_time(ctx.clock.now()))?;
            sign_lock(tx, &mut changes, key)?;
            Ok(changes.into())
        },
        |file, _| file.finalization()?.ok_or(Error::Locked),
    )
}

pub fn reopen(path: &Path, reason: &str, ctx: Context<'_>) -> Result<()> {
    reopen_with_key(path, reason, None, ctx)
}

/// Reopens, signed with the manager's key when they hold one on the roster.
pub fn reopen_with_key(
    path: &Path,
    reason: &str,
    key: Option<&crate::keys::UnlockedKey>,
    ctx: Context<'_>,
) -> Result<()> {
    execute::execute_on_locked(
        path,
        ctx,
        |tx| {
            let fields = store::engagement_file::read_fields(tx)?;
            let finalized = store::review::finalization(tx)?.is_some();
            let mut changes =
                domain::review::reopen(&fields, &ctx.actor.name, finalized, reason, format_time(ctx.clock.now()))?;
            sign_lock(tx, &mut changes, key)?;
            Ok(changes.into())
        },
        |_, _| Ok(()),
    )
}

/// Signs the finalizing or reopening in `changes` with `key`, as the
/// roster requires.
fn sign_lock(
    tx: &rusqlite::Transaction<'_>,
    changes: &mut [Change],
    key: Option<&crate::keys::UnlockedKey>,
) -> Result<()> {
    let roster = store::roster::roster(tx)?;
    let uuid = store::engagement_file::uuid_of(tx)?;
    // The event before the one being signed: the head of the log now.
    let head: String = tx.query_row("SELECT head_hash FROM engagement WHERE id = 1", [], |r| r.get(0))?;
    let sign = |message: &[u8]| key.map(|k| k.sign(message)).unwrap_or_default();
    let signer = key.map(|k| domain::roster::Signer { fingerprint: &k.fingerprint, sign: &sign });
    for change in changes {
        domain::roster::sign_lock(&roster, change, signer.as_ref(), &uuid, &head)?;
    }
    Ok(())
}

/// The events about one item, oldest first.
/// Every event names one of the kinds of `EventKind` (what the page
/// translates); an event of another kind is a damaged log.
pub fn item_history(path: &Path, id: &str) -> Result<Vec<EventRecord>> {
    let events = read(path, |file| file.item_history(id))?;
    if let Some(e) = events.iter().find(|e| crate::model::event::EventKind::parse(&e.kind).is_none()) {
        return Err(Error::Corrupt {
            path: path.into(),
            detail: format!("event {} is of an unknown kind {:?}", e.seq, e.kind),
        });
    }
    Ok(events)
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
    read(path, |file| file.sampling(procedure_id))
}

/// Runs one sampling request on a procedure: its decision from the
/// procedure's sampling state, then its result follows its grid.
fn sample_request(
    path: &Path,
    procedure_id: &str,
    ctx: Context<'_>,
    decide: impl FnOnce(&rusqlite::Transaction<'_>, &domain::sampling::ProcedureSampling) -> Result<Vec<Change>>,
) -> Result<SamplingState> {
    execute(
        path,
        ctx,
        |tx| {
            let state = store::sampling::procedure_sampling(tx, procedure_id)?;
            Ok(Decision { changes: decide(tx, &state)?, grid_of: Some(procedure_id.to_string()) })
        },
        |file, _| file.sampling(procedure_id),
    )
}

fn period(tx: &rusqlite::Transaction<'_>) -> Result<(NaiveDate, NaiveDate)> {
    let fields = store::engagement_file::read_fields(tx)?;
    Ok((fields.period.start, fields.period.end))
}

pub fn import_population(
    path: &Path,
    procedure_id: &str,
    file: &Path,
    columns: &PopulationColumns,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    sample_request(path, procedure_id, ctx, |tx, state| {
        let table = crate::import::population::read_table(file)?;
        let (extra, items) = crate::import::population::items(file, &table, columns, period(tx)?)?;
        let population = crate::model::sampling::Population {
            procedure_id: procedure_id.into(),
            source_name: Some(table.file_name.clone()),
            source_sha256: Some(table.sha256.clone()),
            count: items.len() as u32,
            columns: extra,
            items,
            imported_by: ctx.actor.name.clone(),
            imported_at: format_time(ctx.clock.now()),
        };
        domain::sampling::record_population(state, population)
    })
}

pub fn set_population_count(path: &Path, procedure_id: &str, count: u32, ctx: Context<'_>) -> Result<SamplingState> {
    sample_request(path, procedure_id, ctx, |_, state| {
        let at = format_time(ctx.clock.now());
        domain::sampling::count_population(state, count, domain::sampling::Stamp { by: &ctx.actor.name, at: &at })
    })
}

/// Draws a sample with the firm's rule table from `data_dir`.
pub fn select_sample(
    path: &Path,
    data_dir: &Path,
    procedure_id: &str,
    request: &SampleRequest,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    select_sample_with(path, &store::sampling::load_rules(data_dir)?, procedure_id, request, ctx)
}

/// Draws a sample with a given rule table (the demo's is the default).
pub(crate) fn select_sample_with(
    path: &Path,
    rules: &SampleRuleTable,
    procedure_id: &str,
    request: &SampleRequest,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    sample_request(path, procedure_id, ctx, |tx, state| {
        let at = format_time(ctx.clock.now());
        let seed = request.seed.unwrap_or_else(|| crate::model::sampling::new_seed(&at, procedure_id));
        let stamp = domain::sampling::Stamp { by: &ctx.actor.name, at: &at };
        domain::sampling::select_sample(state, rules, request, period(tx)?, seed, stamp)
    })
}

pub fn select_sample_manually(
    path: &Path,
    procedure_id: &str,
    item_ids: &[String],
    reason: &str,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    sample_request(path, procedure_id, ctx, |tx, state| {
        let at = format_time(ctx.clock.now());
        let stamp = domain::sampling::Stamp { by: &ctx.actor.name, at: &at };
        domain::sampling::select_manually(state, item_ids, reason, period(tx)?, stamp)
    })
}

pub fn add_sample_item(
    path: &Path,
    procedure_id: &str,
    item_id: &str,
    reason: &str,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    sample_request(path, procedure_id, ctx, |_, state| domain::sampling::add_sample_item(state, item_id, reason))
}

pub fn discard_sample(path: &Path, procedure_id: &str, reason: &str, ctx: Context<'_>) -> Result<SamplingState> {
    sample_request(path, procedure_id, ctx, |tx, state| {
        let mut evidence = Vec::new();
        for item in state.sample.iter().flat_map(|s| &s.items) {
            evidence.push((item.id.clone(), store::evidence::linked_evidence(tx, LinkKind::Sample, &item.id)?));
        }
        domain::sampling::discard_sample(state, reason, &evidence)
    })
}

/// Draws the sample again from its record (`workbench sample reproduce`).
pub fn reproduce_sample(path: &Path, procedure_id: &str) -> Result<Reproduction> {
    read(path, |file| domain::sampling::reproduce(&store::sampling::procedure_sampling(&file.conn, procedure_id)?))
}

pub fn add_attribute(path: &Path, procedure_id: &str, text: &str, ctx: Context<'_>) -> Result<SamplingState> {
    sample_request(path, procedure_id, ctx, |tx, state| {
        let used = store::sampling::attributes_ever_added(tx, procedure_id)?;
        let legend = if state.legend.is_empty() { crate::model::sampling::default_tickmarks()? } else { Vec::new() };
        domain::sampling::add_attribute(state, used, legend, text)
    })
}

pub fn edit_attribute(
    path: &Path,
    procedure_id: &str,
    key: &str,
    text: &str,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    sample_request(path, procedure_id, ctx, |_, state| domain::sampling::edit_attribute(state, key, text))
}

pub fn remove_attribute(path: &Path, procedure_id: &str, key: &str, ctx: Context<'_>) -> Result<SamplingState> {
    sample_request(path, procedure_id, ctx, |_, state| domain::sampling::remove_attribute(state, key))
}

pub fn set_cell(
    path: &Path,
    procedure_id: &str,
    no: u32,
    attribute: &str,
    input: &CellInput,
    ctx: Context<'_>,
) -> Result<SamplingState> {
    sample_request(path, procedure_id, ctx, |tx, state| {
        let code = store::copies::own_code(tx)?;
        let next = domain::work::next_exception_id(&code, store::work::highest_exception(tx, &code)?);
        domain::sampling::set_cell(state, no, attribute, input, next)
    })
}

pub fn tickmarks(path: &Path) -> Result<Vec<Tickmark>> {
    read(path, |file| file.tickmarks())
}

pub fn set_tickmark(path: &Path, tickmark: Tickmark, ctx: Context<'_>) -> Result<Vec<Tickmark>> {
    execute(
        path,
        ctx,
        |tx| Ok(domain::sampling::set_tickmark(&store::sampling::read_legend(tx)?, tickmark)?.into()),
        |file, _| file.tickmarks(),
    )
}

/// The firm's sample-size table (the default until one is saved).
pub fn sample_rules(data_dir: &Path) -> Result<SampleRuleTable> {
    store::sampling::load_rules(data_dir)
}

/// The firm's list of assurance-like phrases from `data_dir`
/// (`assurance-phrases.json`), or the shipped one.
pub fn assurance_phrases(data_dir: &Path) -> Result<Vec<String>> {
    store::wording::load(data_dir)
}

/// Checks a rule table file and makes it the firm's; samples already drawn
/// keep the table they recorded.
pub fn set_sample_rules(data_dir: &Path, file: &Path) -> Result<SampleRuleTable> {
    let bytes = std::fs::read(file).map_err(|e| Error::Io { path: file.into(), source: e })?;
    let table = store::sampling::read_rules(file, &bytes)?;
    store::sampling::replace_rules(data_dir, table)
}

/// Checks a rule table edited in the app and makes it the firm's; problems
/// come back by field (`name`, `version`, `size.<frequency>`).
pub fn save_sample_rules(data_dir: &Path, table: SampleRuleTable) -> Result<SampleRuleTable> {
    store::sampling::replace_rules(data_dir, table)
}

pub fn reset_sample_rules(data_dir: &Path) -> Result<SampleRuleTable> {
    store::sampling::reset_rules(data_dir)?;
    SampleRuleTable::default_table()
}

/// The report model of an engagement: a draft while it is open, the final
/// report's content once it is finalized. A file whose state is not what
/// its log gives is refused: no report is made from it.
pub fn report_model(
    path: &Path,
    report_date: NaiveDate,
    ctx: Context<'_>,
) -> Result<crate::model::report::ReportModel> {
    read(path, |file| {
        require_true_log(file)?;
        let model = report::report_model(file, report_date, &format_time(ctx.clock.now()))?;
        if let Some(finalization) = model.finalization.as_ref().filter(|_| model.is_final) {
            let finalized_on = crate::model::event::japan_date_of(&finalization.at);
            let today = ctx.clock.today_in_japan();
            domain::review::check_report_date(model.fields.period.end, finalized_on, today, report_date)?;
            let closing = &model.closing;
            domain::closing::check_report_date(
                closing.representation.as_ref(),
                closing.subsequent_review.as_ref(),
                report_date,
            )?;
        }
        Ok(model)
    })
}

// ---- The written representation and subsequent events ---------------------------------

use crate::model::representation::{ClosingView, RepresentationInput, SubsequentEventInput};

/// Whether `id` is an evidence item of the engagement that was not withdrawn.
fn evidence_known<'a>(tx: &'a rusqlite::Transaction<'a>) -> impl Fn(&str) -> bool + 'a {
    move |id: &str| store::evidence::read_evidence(tx, id).is_ok_and(|e| e.removed.is_none())
}

fn closing_stamp<'a>(ctx: Context<'_>, by: &'a str, at: &'a str) -> domain::closing::Stamp<'a> {
    domain::closing::Stamp { by, at, today: ctx.clock.today_in_japan() }
}

/// The representation, the subsequent events and their consideration.
pub fn closing(path: &Path) -> Result<ClosingView> {
    read(path, |file| store::closing::view(&file.conn))
}

/// Records the written representation (経営者確認書), replacing the one
/// recorded before.
pub fn record_representation(path: &Path, input: RepresentationInput, ctx: Context<'_>) -> Result<ClosingView> {
    execute(
        path,
        ctx,
        |tx| {
            let fields = store::engagement_file::read_fields(tx)?;
            let before = store::closing::representation(tx)?;
            let at = format_time(ctx.clock.now());
            let stamp = closing_stamp(ctx, &ctx.actor.name, &at);
            let changes =
                domain::closing::record_representation(fields.period.end, input, evidence_known(tx), before, stamp)?;
            Ok(changes.into())
        },
        |file, _| store::closing::view(&file.conn),
    )
}

/// Adds a subsequent event (後発事象), numbered `SE-001`, ...
pub fn add_subsequent_event(path: &Path, input: SubsequentEventInput, ctx: Context<'_>) -> Result<ClosingView> {
    execute(
        path,
        ctx,
        |tx| {
            let fields = store::engagement_file::read_fields(tx)?;
            let id = store::closing::next_event_id(tx)?;
            let at = format_time(ctx.clock.now());
            let stamp = closing_stamp(ctx, &ctx.actor.name, &at);
            let changes =
                domain::closing::add_subsequent_event(fields.period.end, id, input, evidence_known(tx), stamp)?;
            Ok(changes.into())
        },
        |file, _| store::closing::view(&file.conn),
    )
}

pub fn remove_subsequent_event(path: &Path, id: &str, ctx: Context<'_>) -> Result<ClosingView> {
    execute(
        path,
        ctx,
        |tx| {
            let event = store::closing::subsequent_events(tx)?
                .into_iter()
                .find(|e| e.id == id)
                .ok_or_else(|| Error::NotFound { what: "subsequent event", id: id.to_string() })?;
            Ok(domain::closing::remove_subsequent_event(event).into())
        },
        |file, _| store::closing::view(&file.conn),
    )
}

/// A manager's (or partner's) statement that subsequent events were
/// considered up to `through`.
///
/// Allowed on a finalized engagement too: the consideration runs up to the
/// report date, which may come after finalizing; it changes no workpaper.
pub fn consider_subsequent_events(path: &Path, through: NaiveDate, ctx: Context<'_>) -> Result<ClosingView> {
    execute::execute_on_locked(
        path,
        ctx,
        |tx| {
            let fields = store::engagement_file::read_fields(tx)?;
            domain::review::require_manager(&fields, &ctx.actor.name, "states that subsequent events were considered")?;
            let at = format_time(ctx.clock.now());
            let stamp = closing_stamp(ctx, &ctx.actor.name, &at);
            Ok(domain::closing::consider_subsequent_events(fields.period.end, through, stamp)?.into())
        },
        |file, _| store::closing::view(&file.conn),
    )
}

// ---- Controls changed during the period ------------------------------------------------

use crate::model::change::{ChangeKindInfo, ControlChange, ControlChangeInput};

/// The kinds of change a control may record (FAQ KB0010866), as data.
pub fn control_change_kinds() -> Result<Vec<ChangeKindInfo>> {
    crate::model::change::change_kinds()
}

/// Every change recorded for the engagement's controls.
pub fn control_changes(path: &Path) -> Result<Vec<ControlChange>> {
    read(path, |file| store::change::all_changes(&file.conn))
}

/// Records that a control changed during the period: from `effective` on it
/// is a new version, against which the items dated from then are tested.
pub fn record_control_change(
    path: &Path,
    control_id: &str,
    input: ControlChangeInput,
    ctx: Context<'_>,
) -> Result<ControlDetail> {
    execute(
        path,
        ctx,
        |tx| {
            let control = store::work::control_facts(tx, control_id)?;
            let fields = store::engagement_file::read_fields(tx)?;
            let existing = store::change::changes_of(tx, control_id)?;
            let id = store::change::next_change_id(tx)?;
            let at = format_time(ctx.clock.now());
            let stamp = closing_stamp(ctx, &ctx.actor.name, &at);
            let kinds = crate::model::change::change_kinds()?;
            let changes = domain::change::record_change(
                &control,
                (fields.period.start, fields.period.end),
                &existing,
                &kinds,
                id,
                input,
                stamp,
            )?;
            Ok(changes.into())
        },
        |file, _| views::control_detail(file, control_id),
    )
}

/// Takes back a change recorded by mistake.
pub fn remove_control_change(path: &Path, id: &str, ctx: Context<'_>) -> Result<ControlDetail> {
    let control_id = read(path, |file| Ok(store::change::change(&file.conn, id)?.control_id))?;
    execute(
        path,
        ctx,
        |tx| Ok(domain::change::remove_change(store::change::change(tx, id)?).into()),
        |file, _| views::control_detail(file, &control_id),
    )
}

// ---- Assessment targets (CC2022 Attached table 8) ---------------------------------------

use crate::model::procedure::TargetDefaults;

/// The firm's table of assessment targets, or the shipped one.
pub fn assessment_targets(data_dir: &Path) -> Result<Vec<TargetDefaults>> {
    store::targets::load(data_dir)
}

/// Makes the table in `source` the firm's, once checked.
pub fn save_assessment_targets(data_dir: &Path, source: &Path) -> Result<Vec<TargetDefaults>> {
    store::targets::replace(data_dir, source)
}

/// Goes back to the shipped table.
pub fn reset_assessment_targets(data_dir: &Path) -> Result<Vec<TargetDefaults>> {
    store::targets::reset(data_dir)?;
    store::targets::default_targets()
}

// ---- The roster of public keys (docs/security.md, "Personal signing keys") ------------

use crate::model::roster::RosterEntry;

/// The keys of the engagement's roster, active and removed.
pub fn roster(path: &Path) -> Result<Vec<RosterEntry>> {
    read(path, |file| store::roster::roster(&file.conn))
}

/// Adds the key of the member card at `card` to the roster, signed with
/// the manager's `key` (their first key signs itself).
pub fn add_member_key(
    path: &Path,
    card: &Path,
    key: &crate::keys::UnlockedKey,
    ctx: Context<'_>,
) -> Result<Vec<RosterEntry>> {
    add_member_card(path, &crate::keys::read_card(card)?, key, ctx)
}

/// Adds the key of a member card, already read and checked, to the roster.
fn add_member_card(
    path: &Path,
    card: &crate::keys::MemberCard,
    key: &crate::keys::UnlockedKey,
    ctx: Context<'_>,
) -> Result<Vec<RosterEntry>> {
    roster_change(path, key, ctx, |fields, roster, signer, uuid, at| {
        domain::roster::add_key(fields, roster, card, &ctx.actor.name, signer, uuid, at)
    })
}

/// Takes a key off the roster, with the reason, signed with the manager's
/// `key`: its past signatures stay valid, and it can make no new ones.
pub fn remove_member_key(
    path: &Path,
    fingerprint: &str,
    reason: &str,
    key: &crate::keys::UnlockedKey,
    ctx: Context<'_>,
) -> Result<Vec<RosterEntry>> {
    let wanted = fingerprint.replace(' ', "").to_uppercase();
    roster_change(path, key, ctx, |fields, roster, signer, uuid, at| {
        let fingerprint = roster
            .iter()
            .map(|e| e.key.fingerprint.clone())
            .find(|f| f.replace(' ', "") == wanted)
            .unwrap_or_else(|| fingerprint.to_string());
        domain::roster::remove_key(fields, roster, &fingerprint, reason, &ctx.actor.name, signer, uuid, at)
    })
}

/// One change of the roster, signed with the manager's `key`: `decide`
/// gets the team, the roster, the signer, the engagement's UUID and the time.
fn roster_change(
    path: &Path,
    key: &crate::keys::UnlockedKey,
    ctx: Context<'_>,
    decide: impl FnOnce(&EngagementFields, &[RosterEntry], &domain::roster::Signer<'_>, &str, String) -> Result<Vec<Change>>,
) -> Result<Vec<RosterEntry>> {
    execute(
        path,
        ctx,
        |tx| {
            let fields = store::engagement_file::read_fields(tx)?;
            let roster = store::roster::roster(tx)?;
            let uuid = store::engagement_file::uuid_of(tx)?;
            let sign = |message: &[u8]| key.sign(message);
            let signer = domain::roster::Signer { fingerprint: &key.fingerprint, sign: &sign };
            Ok(decide(&fields, &roster, &signer, &uuid, format_time(ctx.clock.now()))?.into())
        },
        |file, _| store::roster::roster(&file.conn),
    )
}

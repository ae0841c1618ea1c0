//! The operations: their declarations (`declarations.rs`, one per
//! operation) and the few things several of them share. The declarations
//! file holds nothing but the `operations!` invocation, because the desktop
//! app's build script reads it to learn the operations' names.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use workbench_core::api::cipher::PassphraseCheck;
use workbench_core::api::{
    self, CatalogSummary, ChainReport, ControlDetail, ControlRow, CopyMade, CopyScope, Dashboard, EngagementView,
    EvidenceCheck, FieldCheck, IntakeProgress,
};
use workbench_core::error::{ErrorPayload, ProblemCode};
use workbench_core::keys::KeySummary;
use workbench_core::model::copy::{Choice, Conflict, MergeOutcome};
use workbench_core::model::engagement::{EngagementFields, ProgramRules, Role};
use workbench_core::model::event::{format_time, Clock, EventRecord, SystemClock};
use workbench_core::model::evidence::{
    Evidence, EvidenceKind, EvidenceLink, EvidenceMeta, EvidencePatch, PbcFields, PbcRequest,
};
use workbench_core::model::procedure::{
    ExceptionRecord, InheritedService, NewProcedure, Procedure, ProcedurePatch, ScopeDecision,
};
use workbench_core::model::report::{ExportKind, ExportProgress, ExportResult, ExportStage};
use workbench_core::model::representation::{ClosingView, RepresentationInput, SubsequentEventInput};
use workbench_core::model::review::{
    FinalizeCheck, NoteTargetKind, ReviewNote, ReviewQueue, ReviewState, ReviewSummary, SignOffLevel, SignableKind,
};
use workbench_core::model::roster::RosterEntry;
use workbench_core::model::sampling::{
    CellInput, Frequency, PopulationColumns, PopulationPreview, Reproduction, SampleRequest, SampleRuleTable,
    SamplingState, Tickmark,
};
use workbench_core::profile::{Profile, RecentDetails, RecentEngagement};
use workbench_core::search::SearchResult;
use workbench_core::{Error, Lang, Result};

use crate::{Bytes, FileHandle, Passphrase, Session};

include!("declarations.rs");

/// Engagement files are `.ismap`.
const EXTENSION: &str = "ismap";

/// Today in Japan (`Clock::today_in_japan`).
fn today_in_japan() -> NaiveDate {
    SystemClock.today_in_japan()
}

/// The profile as the page sees it: the user and the recent engagements,
/// each by a handle (the page never holds a path).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProfileView {
    pub name: String,
    pub initials: String,
    pub role: Role,
    pub lang: Lang,
    pub recent: Vec<RecentView>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecentView {
    pub file: FileHandle,
    pub title: String,
    /// Where it is, for people to read.
    pub location: String,
    pub opened_at: String,
    /// Provider, service, period, audit kind and status, when known.
    pub details: Option<RecentDetails>,
}

/// What the user may change of the profile.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProfileEdit {
    pub name: String,
    pub initials: String,
    pub role: Role,
    pub lang: Lang,
}

fn profile_view(s: &Session, profile: &Profile) -> ProfileView {
    ProfileView {
        name: profile.name.clone(),
        initials: profile.initials.clone(),
        role: profile.role,
        lang: profile.lang,
        recent: profile.recent.iter().map(|r| recent_view(s, r)).collect(),
    }
}

fn recent_view(s: &Session, r: &RecentEngagement) -> RecentView {
    RecentView {
        file: s.handle_for(PathBuf::from(&r.path)),
        title: r.title.clone(),
        location: r.path.clone(),
        opened_at: r.opened_at.clone(),
        details: r.details.clone(),
    }
}

/// An engagement the page has open: its handle, and what it shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OpenedEngagement {
    pub engagement: FileHandle,
    pub view: EngagementView,
    /// What the user of this session may do on it.
    pub rights: Rights,
}

/// What the acting person may do on an engagement, from their role on its
/// team (`domain::review`): the page shows the buttons that the core would
/// accept, and the core still checks every request.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rights {
    pub name: String,
    /// `None` when the person is not on the team (they may read, not sign).
    pub role: Option<Role>,
    /// The sign-off levels the person's role may sign.
    pub may_sign: Vec<SignOffLevel>,
    pub may_finalize: bool,
    pub may_reopen: bool,
    /// Clear notes written by others (their own they always may).
    pub may_clear_any_note: bool,
}

fn rights(s: &Session, fields: &EngagementFields) -> Rights {
    let name = s.actor().name;
    let facts = workbench_core::domain::review::rights(fields, &name);
    Rights {
        name,
        role: facts.role,
        may_sign: facts.may_sign,
        may_finalize: facts.may_finalize,
        may_reopen: facts.may_reopen,
        may_clear_any_note: facts.may_clear_any_note,
    }
}

/// Opens an engagement: remembered first in the recent list.
fn opened(s: &Session, path: &Path) -> Result<OpenedEngagement> {
    let view = api::show_engagement(path)?;
    remember(s, &view)?;
    // The catalog's search index is built while the user looks at the
    // dashboard, so that the first search answers as fast as the next. A
    // failure here is the first search's to report, so it is ignored.
    let indexed = path.to_path_buf();
    std::thread::spawn(move || api::prepare_search(&indexed));
    Ok(OpenedEngagement { engagement: s.handle_for(path.to_path_buf()), rights: rights(s, &view.fields), view })
}

/// The passphrase a new file (an engagement, a field copy) is encrypted
/// with, typed twice and checked by the core; none makes it plain (or, for
/// a copy of an encrypted engagement, encrypted with the engagement's key).
fn new_file_passphrase(path: &Path, passphrase: Option<Passphrase>, repeat: Option<Passphrase>) -> Result<()> {
    match passphrase {
        Some(passphrase) => {
            let repeat = repeat.as_ref().map(Passphrase::expose).unwrap_or_default();
            api::cipher::check_new_passphrase(passphrase.expose(), Some(repeat))?;
            api::cipher::remember_passphrase(path, passphrase.take());
        }
        None => api::cipher::forget_passphrase(path),
    }
    Ok(())
}

fn remember(s: &Session, view: &EngagementView) -> Result<()> {
    let mut profile = s.profile();
    // The profile is a plain file: an encrypted engagement is listed by its
    // file's name alone, so that its provider and service stay inside it.
    let (title, details) = if view.encrypted {
        (view.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), None)
    } else {
        let details = RecentDetails {
            provider: view.fields.provider.name.clone(),
            service: view.fields.service.name.clone(),
            period: view.fields.period,
            audit_kind: view.fields.audit_kind,
            finalized: view.finalized.is_some(),
        };
        (format!("{} / {}", view.fields.provider.name, view.fields.service.name), Some(details))
    };
    profile.remember(&view.path, title, format_time(s.now()), details);
    profile.save(s.data_dir())
}

/// A file the user picked to take in, by handle, with the intake form's
/// defaults (`api::describe_file`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PickedFile {
    pub file: FileHandle,
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub media_type: String,
    pub kind: EvidenceKind,
    pub title: String,
}

/// Files dropped on the window, as the page receives them (the app's
/// `workbench://dropped` event): by handle, with the intake form's
/// defaults, and where they were dropped (in the window's physical pixels).
/// When one of them cannot be taken (a folder, a file gone meanwhile), no
/// file is given and `error` says why, so that the page can tell the user.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dropped {
    pub files: Vec<PickedFile>,
    pub x: f64,
    pub y: f64,
    pub error: Option<ErrorPayload>,
}

/// The files dropped at (`x`, `y`), each given a handle, or the reason
/// they are refused.
pub fn dropped(s: &Session, paths: Vec<PathBuf>, x: f64, y: f64) -> Dropped {
    match picked(s, paths) {
        Ok(files) => Dropped { files, x, y, error: None },
        Err(err) => Dropped { files: Vec::new(), x, y, error: Some(ErrorPayload::from(&err)) },
    }
}

fn picked(s: &Session, paths: Vec<PathBuf>) -> Result<Vec<PickedFile>> {
    paths
        .into_iter()
        .map(|p| {
            let facts = api::describe_file(&p)?;
            Ok(PickedFile {
                file: s.handle_for(p),
                name: facts.name,
                size: facts.size,
                media_type: facts.media_type,
                kind: facts.kind,
                title: facts.title,
            })
        })
        .collect()
}

/// One file of an intake: the picked file and what the assessor says of it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IntakeItem {
    pub file: FileHandle,
    pub meta: EvidenceMeta,
}

/// A request of the PBC list with what follows from it today.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PbcRow {
    pub request: PbcRequest,
    /// Still owed by the provider.
    pub open: bool,
    /// Open and past its due date, today in Japan.
    pub overdue: bool,
}

fn pbc_row(request: PbcRequest, today: NaiveDate) -> PbcRow {
    PbcRow { open: request.status.is_open(), overdue: request.is_overdue(today), request }
}

/// The sampling panel: the procedure's sampling (the population trimmed to
/// what the panel shows), the firm's rule table, and the size it gives for
/// each frequency for this population.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SamplingView {
    pub state: SamplingState,
    pub rules: SampleRuleTable,
    pub sizes: Vec<RuleSize>,
    /// The frequency the firm's table of assessment targets gives the
    /// procedure's target (none: chosen each time, as for records).
    pub default_frequency: Option<Frequency>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleSize {
    pub frequency: Frequency,
    /// `None` when the table has no size for it.
    pub size: Option<u32>,
}

fn sampling_view(s: &Session, state: SamplingState) -> Result<SamplingView> {
    let rules = api::sample_rules(s.data_dir())?;
    let frame = state.population_summary.as_ref().map_or(0, |p| p.frame as usize);
    let sizes = Frequency::VARIANTS
        .iter()
        .copied()
        .map(|frequency| RuleSize { frequency, size: rules.size_for(frequency, frame).map(|n| n as u32) })
        .collect();
    // The panel follows a change that is already written: a firm's table
    // that cannot be read (the targets operation says why) leaves the
    // frequency to be chosen rather than reporting the change as failed.
    let default_frequency = state.target.and_then(|target| {
        let targets = api::assessment_targets(s.data_dir()).ok()?;
        targets.into_iter().find(|t| t.target == target).and_then(|t| t.default_frequency)
    });
    Ok(SamplingView { state: state.trimmed(), rules, sizes, default_frequency })
}

/// A sampling request on a procedure of an engagement, then the panel.
fn sampling_change(
    s: &Session,
    engagement: &FileHandle,
    change: impl FnOnce(&Path, workbench_core::model::event::Context<'_>) -> Result<SamplingState>,
) -> Result<SamplingView> {
    let path = s.path(engagement)?;
    let state = s.with_ctx(|ctx| change(&path, ctx))?;
    sampling_view(s, state)
}

/// How far a re-hashing of the evidence has come, in bytes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VerifyProgress {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
}

/// What an export wrote, and the handle of the written file (which the page
/// may then ask to open or show, and no other).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Exported {
    pub file: FileHandle,
    pub result: ExportResult,
}

/// A free path for a new engagement named after the service, in the user's
/// documents folder (or the data folder where there is none).
fn suggested_engagement_path(s: &Session, service_name: &str) -> PathBuf {
    let dir = std::env::var_os("WORKBENCH_DOCUMENTS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join("Documents")).filter(|d| d.is_dir()))
        .unwrap_or_else(|| s.data_dir().join("engagements"));
    free_path(&dir, &safe_file_stem(service_name))
}

/// A file name from free text: characters that file systems refuse become `_`.
pub(crate) fn safe_file_stem(name: &str) -> String {
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

pub(crate) fn free_path(dir: &Path, stem: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.{EXTENSION}"));
    if !first.exists() {
        return first;
    }
    (2..).map(|n| dir.join(format!("{stem} ({n}).{EXTENSION}"))).find(|p| !p.exists()).unwrap_or(first)
}

/// Switches the profile to `name`: whoever had the laptop closes their key;
/// a person with a signing key on this computer is let in only with its
/// PIN, which opens it.
fn switch_person(s: &Session, name: &str, pin: Option<&Passphrase>) -> Result<()> {
    s.forget_key();
    let found = match workbench_core::keys::find(s.data_dir(), name) {
        Ok(found) => found,
        // Nobody of that name has a key here: switching needs no PIN.
        Err(Error::NotFound { .. }) => return Ok(()),
        // Several keys, or a damaged one: refused, never let in without a PIN.
        Err(other) => return Err(other),
    };
    let Some(pin) = pin else {
        return Err(Error::Invalid {
            problems: vec![workbench_core::error::FieldProblem::new(
                "pin",
                ProblemCode::PinRequired,
                &[("name", name.to_string())],
                format!("{name} has a signing key on this computer: switching to them needs its PIN"),
            )],
        });
    };
    s.keep_key(workbench_core::keys::unlock(s.data_dir(), &found.fingerprint, pin.expose())?);
    Ok(())
}

/// A free file for a field copy, beside the engagement: `SERVICE（NAME）.ismap`.
fn suggested_copy_path(engagement: &Path, for_name: &str) -> PathBuf {
    let dir = engagement.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let stem = engagement.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    free_path(dir, &safe_file_stem(&format!("{stem}（{}）", for_name.trim())))
}

/// Which evidence a field copy carries, as the copy dialog asks it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "carry", rename_all = "snake_case", deny_unknown_fields)]
pub enum CopyScopeChoice {
    All,
    Assigned,
    Controls { ids: Vec<String> },
}

/// A new engagement's file, chosen: its handle and where it is.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChosenFile {
    pub file: FileHandle,
    pub location: String,
}

/// The file name a save dialog proposes for a member card or a key file:
/// ASCII, from the key's fingerprint, so that it means the same on every
/// system (`member-card-1A2B3C4D.json`).
fn key_file_name(what: &str, fingerprint: &str) -> String {
    let short: String = fingerprint.chars().filter(char::is_ascii_alphanumeric).take(8).collect();
    format!("{what}-{short}.json")
}

fn chosen(s: &Session, path: PathBuf) -> ChosenFile {
    ChosenFile { location: path.display().to_string(), file: s.handle_for(path) }
}

/// What the export dialog proposes: the file name the save dialog starts
/// with, the default report date, and the stages the export will report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportPlan {
    pub file_name: String,
    #[cfg_attr(feature = "ts", ts(as = "workbench_core::model::IsoDate"))]
    pub report_date: NaiveDate,
    pub stages: Vec<ExportStage>,
}

fn export_plan(view: &EngagementView, kind: ExportKind, lang: Lang, date: NaiveDate, signing: bool) -> ExportPlan {
    let file_name = workbench_report::export::file_name(
        lang,
        kind == ExportKind::Package,
        &view.fields.service.name,
        &date.to_string(),
    );
    ExportPlan { file_name, report_date: date, stages: kind.stages(signing) }
}

/// The export dialog's request.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportChoice {
    pub kind: ExportKind,
    pub lang: Lang,
    /// The destination chosen in the save dialog.
    pub destination: FileHandle,
    /// The firm's PKCS#12 file chosen in its dialog; required for a
    /// package, refused for a draft.
    pub certificate: Option<FileHandle>,
    pub passphrase: Option<Passphrase>,
    /// The date on the cover; today in Japan when absent.
    #[cfg_attr(feature = "ts", ts(as = "Option<workbench_core::model::IsoDate>"))]
    pub report_date: Option<NaiveDate>,
}

fn run_export(
    s: &Session,
    engagement: &FileHandle,
    choice: ExportChoice,
    progress: &mut crate::Progress<'_, ExportProgress>,
) -> Result<ExportResult> {
    let path = s.path(engagement)?;
    let out = s.path(&choice.destination)?;
    let certificate = choice.certificate.as_ref().map(|h| s.path(h)).transpose()?;
    let passphrase = choice.passphrase;
    let mut key_of_file;
    let key: Option<&mut dyn FnMut() -> Result<workbench_report::sign::SigningIdentity>> = match &certificate {
        Some(p12) => {
            key_of_file = move || {
                let bytes = std::fs::read(p12).map_err(|e| {
                    let message = format!("{}: {e}", p12.display());
                    field_refusal("certificate", ProblemCode::CertificateUnreadable, message)
                })?;
                let passphrase = passphrase.as_ref().map(Passphrase::expose).unwrap_or_default();
                workbench_report::sign::SigningIdentity::from_pkcs12(&bytes, passphrase)
            };
            Some(&mut key_of_file)
        }
        None => None,
    };
    let done = s.with_ctx(|ctx| {
        workbench_report::export::run(&path, &out, choice.kind, choice.lang, choice.report_date, key, ctx, &mut |p| {
            progress.send(&p, true)
        })
    });
    // The page knows the destination by its handle only: a failure to
    // write it is shown beside the destination, with the system's words.
    // That includes its folder (gone, read-only) and the partial file the
    // export writes beside it before moving it into place.
    let folder = out.parent().map(Path::to_path_buf).unwrap_or_default();
    let at_destination = |path: &Path| path == out || path == folder || path.parent() == Some(folder.as_path());
    done.map_err(|e| {
        let on_destination = matches!(&e, Error::Io { path, .. } | Error::DiskFull { path } | Error::DiskIo { path, .. } if at_destination(path));
        if on_destination {
            field_refusal("destination", ProblemCode::Write, e.to_string())
        } else {
            e
        }
    })
}

/// A refusal shown beside a field of a form.
fn field_refusal(field: &str, code: ProblemCode, message: String) -> Error {
    Error::Invalid { problems: vec![workbench_core::error::FieldProblem::new(field, code, &[], message)] }
}

/// A refusal of the host (a file the system could not open).
fn host_error(path: &Path, e: std::io::Error) -> Error {
    Error::Io { path: path.to_path_buf(), source: e }
}

/// The program rules of a new engagement: the shipped ones.
fn default_rules() -> ProgramRules {
    ProgramRules::default()
}

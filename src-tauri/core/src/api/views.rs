//! What the front ends are shown: the reply types of the API and how they
//! are put together from the state `store` reads, with what `domain` and
//! `model` derive (statuses, results, review states, blockers).

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain;
use crate::error::Result;
use crate::model::catalog::CatalogItem;
use crate::model::engagement::{DerivedDates, EngagementFields, ProgramRules, Warning};
use crate::model::evidence::{Evidence, PbcRequest};
use crate::model::procedure::{
    control_result, control_status, ExceptionRecord, Procedure, ResultKind, ScopeDecision, Status,
};
use crate::model::review::{
    Finalization, FinalizeCheck, NoteStatus, ReviewNote, ReviewState, ReviewSummary, SignOff, SignableKind,
};
use crate::store::engagement_file::{self, CatalogInfo, EngagementFile};
use crate::store::review::RowsByItem;
use crate::store::{review as review_store, work as work_store};

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
    /// Set when this file is a field copy: for whom, and of which file.
    pub this_copy: Option<crate::model::copy::CopyRecord>,
    /// Conflicts from merging field copies that no one has decided yet.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub open_conflicts: usize,
    /// Whether the file is encrypted (the header's lock).
    pub encrypted: bool,
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

/// One row of the control list, with what is derived from its procedures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ControlRow {
    pub id: String,
    pub group: String,
    pub parent: Option<String>,
    pub level: String,
    pub suffix: Option<String>,
    pub title_ja: String,
    pub title_en: String,
    pub assessable: bool,
    /// For assessed controls: where the work stands.
    pub status: Option<Status>,
    /// For assessed controls whose procedures all have results.
    pub result: Option<ResultKind>,
    pub scope: ScopeDecision,
    pub procedures: u32,
    pub procedures_done: u32,
    pub exceptions: u32,
    /// The people assigned to its procedures, without repeats.
    pub assignees: Vec<String>,
    /// The control or one of its procedures changed after its preparer signed it.
    pub changed_after_signoff: bool,
    /// A merge found a conflict on the control or its procedures (競合あり).
    pub conflict: bool,
    /// The control and its procedures are signed at every required level.
    pub review_complete: bool,
}

/// One assessed control with everything the walkthrough shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ControlDetail {
    pub item: CatalogItem,
    pub assessable: bool,
    pub scope: ScopeDecision,
    pub scope_reason: String,
    /// For an inherited control: the registered service it comes from.
    pub inherited_from: Option<crate::model::procedure::InheritedService>,
    pub status: Option<Status>,
    pub result: Option<ResultKind>,
    pub procedures: Vec<ProcedureEntry>,
    /// The evidence linked to its procedures or their exceptions.
    pub evidence: Vec<Evidence>,
    /// The control's own sign-offs (assessed controls only).
    pub review: Option<ReviewState>,
    /// The reviewers' standing sign-offs on the control that a change of
    /// its own content (its scope decision, its changes during the period,
    /// a procedure added) would withdraw now
    /// (`domain::review::withdrawn_by_change`); empty when none would. A
    /// change of one of its procedures is that procedure's
    /// `withdrawn_by_change`.
    pub withdrawn_by_change: Vec<SignOff>,
    /// Review notes on the control, its procedures, their exceptions and evidence.
    pub notes: Vec<ReviewNote>,
    /// The control objective (統制目標, a 3-part ID) it belongs to, whose
    /// exclusion exempts its basic statement controls (CC2022 §2.2.4).
    pub objective: Option<ObjectiveScope>,
    /// Its changes during the period, by date (none for most controls).
    pub changes: Vec<crate::model::change::ControlChange>,
    /// The versions those changes make over the period (none if it did not change).
    pub versions: Vec<crate::model::change::ControlVersion>,
    /// Open conflicts from merging field copies on the control or its procedures.
    pub conflicts: Vec<crate::model::copy::Conflict>,
}

/// A control objective and the decision recorded for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ObjectiveScope {
    pub id: String,
    pub title_ja: String,
    pub title_en: String,
    /// `in_scope`, or `not_adopted` when excluded.
    pub scope: ScopeDecision,
    pub reason: String,
    /// The reviewers' sign-offs a change of its decision would withdraw: on
    /// the basic-statement controls it exempts or puts back, whose scope
    /// (part of what was signed) follows it.
    pub withdrawn_by_change: Vec<SignOff>,
}

/// The objective `id`, if it is one.
fn objective_scope(file: &EngagementFile, id: &str) -> Result<Option<ObjectiveScope>> {
    let facts = work_store::control_facts(&file.conn, id)?;
    if !facts.objective {
        return Ok(None);
    }
    let (item, _) = work_store::catalog_item(&file.conn, id)?;
    let mut withdrawn = Vec::new();
    for control in work_store::basic_statements_under(&file.conn, id)? {
        let (scope, _) = work_store::scope_of(&file.conn, &control)?;
        if matches!(scope, ScopeDecision::InScope | ScopeDecision::ExemptByObjective) {
            let rows = review_store::rows_of(&file.conn, SignableKind::Control, &control)?;
            withdrawn.extend(domain::review::withdrawn_by_change(&rows).into_iter().cloned());
        }
    }
    Ok(Some(ObjectiveScope {
        id: id.to_string(),
        title_ja: item.title_ja,
        title_en: item.title_en,
        scope: facts.recorded.0,
        reason: facts.recorded.1,
        withdrawn_by_change: withdrawn,
    }))
}

/// A procedure with its derived status.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProcedureEntry {
    pub procedure: Procedure,
    pub status: Status,
    pub review: ReviewState,
    /// Whether its test is on a sample unless the assessor says otherwise
    /// (operating effectiveness of records, CC2022 Attached table 8).
    pub sampled_by_default: bool,
    /// The reviewers' standing sign-offs, on the procedure and then on its
    /// control, that a change of the procedure would withdraw now
    /// (`domain::review::withdrawn_by_procedure_change`); empty when none
    /// would, so that a screen asks before such a change and only then.
    pub withdrawn_by_change: Vec<SignOff>,
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
    /// The control's result: none until every procedure has one, so a
    /// control can list an exception before it is concluded 例外事項あり.
    pub control_result: Option<ResultKind>,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dashboard {
    pub engagement: EngagementView,
    pub progress: Vec<Progress>,
    /// The whole engagement's counts (the sum of `progress`), so that every
    /// screen shows the core's figures rather than adding its own.
    pub totals: Progress,
    pub exceptions: Vec<ExceptionListing>,
    /// Assessed controls with at least one exception recorded, concluded or
    /// not: as many as the distinct controls of `exceptions`.
    pub controls_with_exceptions: u32,
    /// Evidence items taken in (withdrawn ones not counted).
    pub evidence_items: u32,
    /// PBC requests still owed by the provider.
    pub pbc_open: u32,
    /// Open PBC requests past their due date, as of `today`.
    pub pbc_overdue: Vec<PbcRequest>,
    pub review: ReviewSummary,
    /// The field copies this file issued: for whom, when, last merged.
    pub copies: Vec<crate::model::copy::CopyRecord>,
}

pub(crate) fn engagement_view(file: &EngagementFile) -> Result<EngagementView> {
    let fields = file.fields()?;
    let rules = file.rules()?;
    let controls = control_rows(file)?;
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
        this_copy: crate::store::copies::this_copy(&file.conn)?,
        open_conflicts: crate::store::copies::conflicts(&file.conn, false)?.len(),
        encrypted: file.is_encrypted(),
    })
}

/// Every catalog item of the engagement in catalog order; assessed
/// controls with their status and result. Two reads, merged here, so that
/// the 1,500 controls of a large engagement list in milliseconds.
pub(crate) fn control_rows(file: &EngagementFile) -> Result<Vec<ControlRow>> {
    struct Summary {
        statuses: Vec<Status>,
        results: Vec<Option<ResultKind>>,
        exceptions: u32,
        assignees: Vec<String>,
        ids: Vec<String>,
    }
    let mut summaries: HashMap<String, Summary> = HashMap::new();
    for p in work_store::procedure_listings(&file.conn)? {
        let s = summaries.entry(p.control_id).or_insert_with(|| Summary {
            statuses: Vec::new(),
            results: Vec::new(),
            exceptions: 0,
            assignees: Vec::new(),
            ids: Vec::new(),
        });
        s.ids.push(p.id);
        s.statuses.push(if p.result.is_some() {
            Status::Done
        } else if p.started || p.exceptions > 0 {
            Status::InProgress
        } else {
            Status::NotStarted
        });
        s.results.push(p.result);
        s.exceptions += p.exceptions;
        if let Some(a) = p.assignee {
            if !s.assignees.contains(&a) {
                s.assignees.push(a);
            }
        }
    }
    let mut controls: Vec<ControlRow> = work_store::control_listings(&file.conn)?
        .into_iter()
        .map(|c| ControlRow {
            id: c.id,
            group: c.group,
            parent: c.parent,
            level: c.level,
            suffix: c.suffix,
            title_ja: c.title_ja,
            title_en: c.title_en,
            assessable: c.assessable,
            status: None,
            result: None,
            scope: c.scope,
            procedures: 0,
            procedures_done: 0,
            exceptions: 0,
            assignees: Vec::new(),
            changed_after_signoff: false,
            conflict: false,
            review_complete: false,
        })
        .collect();
    let in_conflict = crate::store::copies::controls_in_conflict(&file.conn)?;
    for c in controls.iter_mut().filter(|c| in_conflict.contains(&c.id)) {
        c.conflict = true;
    }
    // Review flags only where something was signed: most engagements in
    // progress have few sign-offs, and the large one lists fast.
    let (signoffs, second) = review_rows(file)?;
    for c in controls.iter_mut().filter(|c| c.assessable) {
        let in_scope = c.scope == ScopeDecision::InScope;
        match summaries.remove(&c.id) {
            Some(s) => {
                c.status = Some(control_status(in_scope, &s.statuses));
                c.result = if in_scope { control_result(&s.results) } else { None };
                c.procedures = s.statuses.len() as u32;
                c.procedures_done = s.statuses.iter().filter(|st| **st == Status::Done).count() as u32;
                c.exceptions = s.exceptions;
                c.assignees = s.assignees;
                if !signoffs.is_empty() {
                    let control = state_from(&signoffs, second, SignableKind::Control, &c.id);
                    let procedures: Vec<_> =
                        s.ids.iter().map(|p| state_from(&signoffs, second, SignableKind::Procedure, p)).collect();
                    c.changed_after_signoff =
                        control.changed_after_signoff || procedures.iter().any(|p| p.changed_after_signoff);
                    c.review_complete = control.complete && (!in_scope || procedures.iter().all(|p| p.complete));
                }
            }
            None => c.status = Some(control_status(in_scope, &[])),
        }
    }
    Ok(controls)
}

/// The control `id` with its text, scope, procedures, evidence, review and notes.
pub(crate) fn control_detail(file: &EngagementFile, id: &str) -> Result<ControlDetail> {
    let (item, assessable) = work_store::catalog_item(&file.conn, id)?;
    let (scope, scope_reason) = work_store::scope_of(&file.conn, id)?;
    let control_signoffs = review_store::rows_of(&file.conn, SignableKind::Control, id)?;
    let procedures: Vec<ProcedureEntry> = work_store::procedures_of(&file.conn, id)?
        .into_iter()
        .map(|p| {
            let rows = review_store::rows_of(&file.conn, SignableKind::Procedure, &p.id)?;
            Ok(ProcedureEntry {
                status: p.status(),
                sampled_by_default: crate::model::procedure::sampled_by_default(p.evaluation, p.target),
                review: review_state(file, SignableKind::Procedure, &p.id)?,
                withdrawn_by_change: domain::review::withdrawn_by_procedure_change(&rows, &control_signoffs),
                procedure: p,
            })
        })
        .collect::<Result<_>>()?;
    let in_scope = scope == ScopeDecision::InScope;
    let changes = crate::store::change::changes_of(&file.conn, id)?;
    let item_parent = item.parent.clone();
    let statuses: Vec<_> = procedures.iter().map(|p| p.status).collect();
    let results: Vec<_> = procedures.iter().map(|p| p.procedure.result).collect();
    Ok(ControlDetail {
        item,
        assessable,
        status: assessable.then(|| control_status(in_scope, &statuses)),
        result: if assessable && in_scope { control_result(&results) } else { None },
        scope,
        scope_reason,
        inherited_from: work_store::inherited_from(&file.conn, id)?,
        procedures,
        evidence: file.control_evidence(id)?,
        review: if assessable { Some(review_state(file, SignableKind::Control, id)?) } else { None },
        withdrawn_by_change: domain::review::withdrawn_by_change(&control_signoffs).into_iter().cloned().collect(),
        notes: file.control_notes(id)?,
        objective: match &item_parent {
            Some(parent) => objective_scope(file, parent)?,
            None => None,
        },
        versions: crate::store::change::versions(&file.conn, &changes)?,
        changes,
        conflicts: crate::store::copies::conflicts(&file.conn, false)?
            .into_iter()
            .filter(|c| c.control_id.as_deref() == Some(id))
            .collect(),
    })
}

/// Every procedure with its status and review, in catalog order.
pub(crate) fn procedure_entries(file: &EngagementFile) -> Result<Vec<ProcedureEntry>> {
    let (rows, second) = review_rows(file)?;
    let empty = Vec::new();
    let rows_of = |kind: SignableKind, id: &str| rows.get(&(kind, id.to_string())).unwrap_or(&empty);
    Ok(file
        .procedures()?
        .into_iter()
        .map(|p| ProcedureEntry {
            status: p.status(),
            sampled_by_default: crate::model::procedure::sampled_by_default(p.evaluation, p.target),
            review: state_from(&rows, second, SignableKind::Procedure, &p.id),
            withdrawn_by_change: domain::review::withdrawn_by_procedure_change(
                rows_of(SignableKind::Procedure, &p.id),
                rows_of(SignableKind::Control, &p.control_id),
            ),
            procedure: p,
        })
        .collect())
}

/// Where the review of one item stands, with what changed since it was signed.
pub(crate) fn review_state(file: &EngagementFile, kind: SignableKind, id: &str) -> Result<ReviewState> {
    let current = review_store::content_of(&file.conn, kind, id)?;
    let second = file.fields()?.second_review;
    Ok(domain::review::state(kind, id, &review_store::rows_of(&file.conn, kind, id)?, second, Some(&current)))
}

/// Every stored sign-off by item, and whether a second review is required:
/// what lists need to show review states without hashing every item.
pub(crate) fn review_rows(file: &EngagementFile) -> Result<(RowsByItem, bool)> {
    Ok((review_store::all_rows(&file.conn)?, file.fields()?.second_review))
}

pub(crate) fn state_from(rows: &RowsByItem, second: bool, kind: SignableKind, id: &str) -> ReviewState {
    let empty = Vec::new();
    domain::review::state(kind, id, rows.get(&(kind, id.to_string())).unwrap_or(&empty), second, None)
}

/// The procedures of in-scope controls whose workpaper is incomplete, with
/// what each lacks.
type Incomplete = Vec<(String, Vec<crate::error::FieldProblem>)>;

/// The items to sign before finalizing: procedures of in-scope controls
/// and every assessed control, each with its review state; and the
/// procedures of in-scope controls whose workpaper is incomplete.
fn items_to_sign(file: &EngagementFile) -> Result<(Vec<domain::review::ItemToSign>, Incomplete)> {
    let (rows, second) = review_rows(file)?;
    let controls = control_rows(file)?;
    let in_scope: std::collections::HashSet<&str> =
        controls.iter().filter(|c| c.assessable && c.scope == ScopeDecision::InScope).map(|c| c.id.as_str()).collect();
    let mut unperformed = Vec::new();
    let mut items = Vec::new();
    for p in file.procedures()? {
        if !in_scope.contains(p.control_id.as_str()) {
            continue;
        }
        let missing = domain::work::missing(&p);
        if !missing.is_empty() {
            unperformed.push((p.id.clone(), missing));
        }
        items.push((SignableKind::Procedure, p.id));
    }
    items.extend(controls.iter().filter(|c| c.assessable).map(|c| (SignableKind::Control, c.id.clone())));
    let items = items
        .into_iter()
        .map(|(kind, id)| domain::review::ItemToSign { state: state_from(&rows, second, kind, &id), kind, id })
        .collect();
    Ok((items, unperformed))
}

/// The workpapers' texts that read like assurance (`domain::review::wording_hits`):
/// what was done and noted on each procedure, each exception, each review
/// note and its answer.
pub(crate) fn wording_hits(file: &EngagementFile, phrases: &[String]) -> Result<Vec<crate::model::review::WordingHit>> {
    use domain::review::Text;
    let procedures = file.procedures()?;
    let notes = file.notes()?;
    let mut texts = Vec::new();
    for p in &procedures {
        texts.push(Text { item_kind: "procedure", item_id: &p.id, field: "work_done", text: &p.work_done });
        texts.push(Text { item_kind: "procedure", item_id: &p.id, field: "notes", text: &p.notes });
        for e in &p.exceptions {
            texts.push(Text { item_kind: "exception", item_id: &e.id, field: "text", text: &e.text });
        }
    }
    for n in &notes {
        texts.push(Text { item_kind: "note", item_id: &n.id, field: "text", text: &n.text });
        if let Some(answer) = &n.answer {
            texts.push(Text { item_kind: "note", item_id: &n.id, field: "answer", text: answer });
        }
    }
    Ok(domain::review::wording_hits(phrases, &texts))
}

/// What still blocks finalizing (`domain::review::blockers`).
pub(crate) fn finalize_check(file: &EngagementFile) -> Result<FinalizeCheck> {
    let (items, unperformed) = items_to_sign(file)?;
    let mut check = domain::review::blockers(&unperformed, &items, &file.notes()?);
    let conflicts = domain::merge::blockers(&crate::store::copies::conflicts(&file.conn, false)?);
    check.ready &= conflicts.is_empty();
    check.blockers.extend(conflicts);
    let representation = crate::store::closing::representation(&file.conn)?;
    let review = crate::store::closing::subsequent_review(&file.conn)?;
    for (item, code, message) in domain::closing::missing(representation.as_ref(), review.as_ref()) {
        check.blockers.push(crate::model::review::Blocker {
            code,
            item_kind: item.into(),
            item_id: item.into(),
            level: None,
            message,
        });
        check.ready = false;
    }
    Ok(check)
}

/// The work queue of `person` (`domain::review::queue`).
pub(crate) fn review_queue(file: &EngagementFile, person: &str) -> Result<crate::model::review::ReviewQueue> {
    let (items, incomplete) = items_to_sign(file)?;
    let notes = file.notes()?;
    let mut assignees: HashMap<String, Vec<String>> =
        control_rows(file)?.into_iter().filter(|c| c.assessable).map(|c| (c.id, c.assignees)).collect();
    for p in work_store::procedure_listings(&file.conn)? {
        assignees.insert(p.id, p.assignee.into_iter().collect());
    }
    let note_controls: HashMap<String, String> = notes
        .iter()
        .filter(|n| n.status != NoteStatus::Cleared)
        .filter_map(|n| Some((n.id.clone(), review_store::control_of_note(&file.conn, n)?)))
        .collect();
    let context = domain::review::QueueContext { assignees: &assignees, note_controls: &note_controls };
    Ok(domain::review::queue(&file.fields()?, person, &items, &incomplete, &notes, &context))
}

pub(crate) fn review_summary(file: &EngagementFile) -> Result<ReviewSummary> {
    let (rows, second) = review_rows(file)?;
    let (items, _) = items_to_sign(file)?;
    let complete = items.iter().filter(|i| i.state.complete).count() as u32;
    let changed = items.iter().filter(|i| i.state.changed_after_signoff).count() as u32;
    let awaiting = items.iter().filter(|i| domain::review::awaits_review(&i.state)).count() as u32;
    let mut states: Vec<ReviewState> = Vec::new();
    let mut keys: Vec<&(SignableKind, String)> = rows.keys().collect();
    keys.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    for (kind, id) in keys {
        let current = review_store::content_of(&file.conn, *kind, id).ok();
        let all = &rows[&(*kind, id.clone())];
        states.push(domain::review::state(*kind, id, all, second, current.as_ref()));
    }
    let notes = file.notes()?;
    Ok(ReviewSummary {
        second_review: second,
        finalized: file.finalization()?,
        items: items.len() as u32,
        complete,
        changed_after_signoff: changed,
        awaiting_review: awaiting,
        open_notes: notes.iter().filter(|n| n.status != NoteStatus::Cleared).count() as u32,
        states,
        notes,
    })
}

pub(crate) fn dashboard(file: &EngagementFile, today: NaiveDate) -> Result<Dashboard> {
    let engagement = engagement_view(file)?;
    let controls = control_rows(file)?;
    let titles: HashMap<&str, (&str, &str)> =
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
    let mut totals = Progress::default();
    for p in &progress {
        totals.controls += p.controls;
        totals.not_started += p.not_started;
        totals.in_progress += p.in_progress;
        totals.done += p.done;
        totals.no_procedures += p.no_procedures;
        totals.out_of_scope += p.out_of_scope;
        totals.no_exception += p.no_exception;
        totals.exception += p.exception;
        totals.not_applicable += p.not_applicable;
        totals.not_performed += p.not_performed;
    }
    let results: HashMap<&str, Option<ResultKind>> = controls.iter().map(|c| (c.id.as_str(), c.result)).collect();
    let exceptions = file
        .exceptions()?
        .into_iter()
        .map(|e| {
            let control_id = domain::review::control_of_item(&e.procedure_id).to_string();
            let (ja, en) = titles.get(control_id.as_str()).copied().unwrap_or(("", ""));
            ExceptionListing {
                control_title_ja: ja.into(),
                control_title_en: en.into(),
                control_result: results.get(control_id.as_str()).copied().flatten(),
                control_id,
                exception: e,
            }
        })
        .collect();
    let pbc = file.pbc_list()?;
    Ok(Dashboard {
        engagement,
        progress,
        totals,
        exceptions,
        controls_with_exceptions: controls.iter().filter(|c| c.assessable && c.exceptions > 0).count() as u32,
        evidence_items: file.evidence_list(false)?.len() as u32,
        pbc_open: pbc.iter().filter(|r| r.status.is_open()).count() as u32,
        pbc_overdue: pbc.into_iter().filter(|r| r.is_overdue(today)).collect(),
        review: review_summary(file)?,
        copies: crate::store::copies::copies(&file.conn)?.into_iter().filter(|c| !c.here).collect(),
    })
}

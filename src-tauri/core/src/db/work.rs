//! The assessor's work inside an engagement: scope decisions, procedures
//! and exceptions. Reads, and `apply`, which turns a [`Change`] into state.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::model::event::{Change, FieldChange};
use crate::model::evidence::LinkKind;
use crate::model::procedure::{
    fill_title, Evaluation, ExceptionRecord, Procedure, ProcedureKind, ProcedureLibrary, ResultKind, ScopeDecision,
};
use crate::model::review::SignableKind;

/// Writes the state a change produces. Every change but the engagement's
/// creation (which also needs the catalog) is applied here, so the state is
/// a function of the event log.
pub(crate) fn apply(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    match change {
        Change::EngagementCreated { .. } => {
            Err(Error::invalid("event", "an engagement is created only by EngagementFile::create"))
        }
        Change::EngagementEdited { changes } => {
            let current: String = tx.query_row("SELECT fields FROM engagement WHERE id = 1", [], |r| r.get(0))?;
            let mut value: serde_json::Value = serde_json::from_str(&current).map_err(json_error)?;
            for c in changes {
                let mut target = &mut value;
                for part in c.field.split('.') {
                    target = &mut target[part];
                }
                *target = c.after.clone();
            }
            // The result must still be valid engagement fields.
            let fields: crate::model::engagement::EngagementFields =
                serde_json::from_value(value).map_err(json_error)?;
            tx.execute(
                "UPDATE engagement SET fields = ?1 WHERE id = 1",
                [serde_json::to_string(&fields).map_err(json_error)?],
            )?;
            Ok(())
        }
        Change::ScopeSet { control_id, decision, reason, .. } => {
            require_control(tx, control_id)?;
            if *decision == ScopeDecision::InScope {
                tx.execute("DELETE FROM scope WHERE control_id = ?1", [control_id])?;
            } else {
                tx.execute(
                    "INSERT INTO scope (control_id, decision, reason) VALUES (?1, ?2, ?3)
                     ON CONFLICT (control_id) DO UPDATE SET decision = excluded.decision, reason = excluded.reason",
                    params![control_id, decision.as_str(), reason],
                )?;
            }
            Ok(())
        }
        Change::ProcedureAdded { procedure } => insert_procedure(tx, procedure),
        Change::ProcedureUpdated { id, changes } => {
            let mut procedure = read_procedure(tx, id)?;
            for c in changes {
                set_procedure_field(&mut procedure, c)?;
            }
            tx.execute(
                "UPDATE procedure SET kind = ?2, evaluation = ?3, text_ja = ?4, text_en = ?5, assignee = ?6,
                        work_done = ?7, result = ?8, notes = ?9 WHERE id = ?1",
                params![
                    id,
                    procedure.kind.as_str(),
                    procedure.evaluation.as_str(),
                    procedure.text_ja,
                    procedure.text_en,
                    procedure.assignee,
                    procedure.work_done,
                    procedure.result.map(ResultKind::as_str),
                    procedure.notes
                ],
            )?;
            Ok(())
        }
        Change::ProcedureRemoved { procedure } => {
            refuse_if_evidence_linked(tx, LinkKind::Procedure, &procedure.id)?;
            refuse_if_sampled(tx, &procedure.id)?;
            let exceptions: i64 =
                tx.query_row("SELECT count(*) FROM exception WHERE procedure_id = ?1", [&procedure.id], |r| r.get(0))?;
            if exceptions > 0 {
                return Err(Error::invalid(
                    "procedure",
                    format!("procedure {} has {exceptions} exception(s); remove them first", procedure.id),
                ));
            }
            if tx.execute("DELETE FROM procedure WHERE id = ?1", [&procedure.id])? == 0 {
                return Err(Error::NotFound { what: "procedure", id: procedure.id.clone() });
            }
            Ok(())
        }
        Change::ExceptionAdded { exception } => {
            read_procedure(tx, &exception.procedure_id)?;
            let ord: i64 = tx.query_row(
                "SELECT coalesce(max(ord), 0) + 1 FROM exception WHERE procedure_id = ?1",
                [&exception.procedure_id],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO exception (id, procedure_id, ord, text, sample_item, attribute)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    exception.id,
                    exception.procedure_id,
                    ord,
                    exception.text,
                    exception.sample_item,
                    exception.attribute
                ],
            )?;
            Ok(())
        }
        Change::ExceptionEdited { id, after, .. } => {
            if tx.execute("UPDATE exception SET text = ?2 WHERE id = ?1", params![id, after])? == 0 {
                return Err(Error::NotFound { what: "exception", id: id.clone() });
            }
            Ok(())
        }
        Change::ExceptionRemoved { exception } => {
            refuse_if_evidence_linked(tx, LinkKind::Exception, &exception.id)?;
            if tx.execute("DELETE FROM exception WHERE id = ?1", [&exception.id])? == 0 {
                return Err(Error::NotFound { what: "exception", id: exception.id.clone() });
            }
            Ok(())
        }
        Change::EvidenceAdded { .. }
        | Change::EvidenceEdited { .. }
        | Change::EvidenceLinked { .. }
        | Change::EvidenceUnlinked { .. }
        | Change::EvidenceRemoved { .. }
        | Change::PbcAdded { .. }
        | Change::PbcEdited { .. } => super::evidence::apply(tx, change),
        Change::SignedOff { .. }
        | Change::ChangedAfterSignOff { .. }
        | Change::NoteAdded { .. }
        | Change::NoteAnswered { .. }
        | Change::NoteCleared { .. }
        | Change::EngagementFinalized { .. }
        | Change::EngagementReopened { .. } => super::review::apply(tx, change),
        Change::PopulationImported { .. }
        | Change::SampleSelected { .. }
        | Change::SampleItemAdded { .. }
        | Change::SampleDiscarded { .. }
        | Change::AttributeAdded { .. }
        | Change::AttributeEdited { .. }
        | Change::AttributeRemoved { .. }
        | Change::CellSet { .. }
        | Change::TickmarkSet { .. } => super::sampling::apply(tx, change),
    }
}

/// Evidence keeps pointing at what it supports; removing that thing first
/// would leave the evidence dangling, so the assessor unlinks it first.
fn refuse_if_evidence_linked(tx: &Transaction<'_>, kind: LinkKind, id: &str) -> Result<()> {
    let linked = super::evidence::linked_evidence(tx, kind, id)?;
    if linked.is_empty() {
        return Ok(());
    }
    Err(Error::invalid(
        kind.as_str(),
        format!("{id} is supported by evidence {}; unlink the evidence first", linked.join(", ")),
    ))
}

/// A procedure with a population, sample or test grid keeps them; removing
/// it would lose tested work, so the assessor removes the sampling first.
fn refuse_if_sampled(tx: &Transaction<'_>, id: &str) -> Result<()> {
    let sampled: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM population WHERE procedure_id = ?1)
             OR EXISTS (SELECT 1 FROM test_attribute WHERE procedure_id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    if sampled {
        return Err(Error::invalid(
            "procedure",
            format!("procedure {id} has a population or a test grid; it cannot be removed"),
        ));
    }
    Ok(())
}

fn json_error(e: serde_json::Error) -> Error {
    Error::invalid("record", e.to_string())
}

fn require_control(tx: &Transaction<'_>, id: &str) -> Result<()> {
    let assessable: Option<bool> =
        tx.query_row("SELECT assessable FROM control WHERE item_id = ?1", [id], |r| r.get(0)).optional()?;
    match assessable {
        Some(true) => Ok(()),
        Some(false) => Err(Error::invalid("control", format!("{id} is a heading, not an assessed control"))),
        None => Err(Error::NotFound { what: "control", id: id.into() }),
    }
}

fn set_procedure_field(p: &mut Procedure, change: &FieldChange) -> Result<()> {
    let v = &change.after;
    let text = || v.as_str().map(str::to_string).ok_or_else(|| Error::invalid(&change.field, "expected text"));
    match change.field.as_str() {
        "kind" => p.kind = v.as_str().and_then(ProcedureKind::parse).ok_or_else(|| bad(change))?,
        "evaluation" => p.evaluation = v.as_str().and_then(Evaluation::parse).ok_or_else(|| bad(change))?,
        "text_ja" => p.text_ja = text()?,
        "text_en" => p.text_en = text()?,
        "assignee" => p.assignee = if v.is_null() { None } else { Some(text()?) },
        "work_done" => p.work_done = text()?,
        "result" => {
            p.result = if v.is_null() {
                None
            } else {
                Some(v.as_str().and_then(ResultKind::parse).ok_or_else(|| bad(change))?)
            }
        }
        "notes" => p.notes = text()?,
        other => return Err(Error::invalid(other, "not a field of a procedure")),
    }
    Ok(())
}

fn bad(change: &FieldChange) -> Error {
    Error::invalid(&change.field, format!("{} is not a valid value", change.after))
}

pub(crate) fn insert_procedure(tx: &Transaction<'_>, p: &Procedure) -> Result<()> {
    require_control(tx, &p.control_id)?;
    let ord: i64 =
        tx.query_row("SELECT coalesce(max(ord), 0) + 1 FROM procedure WHERE control_id = ?1", [&p.control_id], |r| {
            r.get(0)
        })?;
    let inserted = tx.execute(
        "INSERT INTO procedure (id, control_id, ord, kind, evaluation, text_ja, text_en, assignee, work_done, result, notes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (id) DO NOTHING",
        params![
            p.id,
            p.control_id,
            ord,
            p.kind.as_str(),
            p.evaluation.as_str(),
            p.text_ja,
            p.text_en,
            p.assignee,
            p.work_done,
            p.result.map(ResultKind::as_str),
            p.notes
        ],
    )?;
    if inserted == 0 {
        return Err(Error::AlreadyExists { what: "procedure", id: p.id.clone() });
    }
    Ok(())
}

const PROCEDURE_COLUMNS: &str =
    "id, control_id, kind, evaluation, text_ja, text_en, assignee, work_done, result, notes";

fn procedure_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Procedure> {
    let parse_err = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, format!("unknown {what}").into())
    };
    let kind: String = r.get(2)?;
    let evaluation: String = r.get(3)?;
    let result: Option<String> = r.get(8)?;
    Ok(Procedure {
        id: r.get(0)?,
        control_id: r.get(1)?,
        kind: ProcedureKind::parse(&kind).ok_or_else(|| parse_err(2, "procedure kind"))?,
        evaluation: Evaluation::parse(&evaluation).ok_or_else(|| parse_err(3, "evaluation"))?,
        text_ja: r.get(4)?,
        text_en: r.get(5)?,
        assignee: r.get(6)?,
        work_done: r.get(7)?,
        result: match result {
            None => None,
            Some(t) => Some(ResultKind::parse(&t).ok_or_else(|| parse_err(8, "result"))?),
        },
        notes: r.get(9)?,
        exceptions: Vec::new(),
    })
}

pub(crate) fn read_procedure(conn: &rusqlite::Connection, id: &str) -> Result<Procedure> {
    let mut p = conn
        .query_row(&format!("SELECT {PROCEDURE_COLUMNS} FROM procedure WHERE id = ?1"), [id], procedure_row)
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "procedure", id: id.into() })?;
    p.exceptions = exceptions_of(conn, id)?;
    Ok(p)
}

pub(crate) fn procedures_of(conn: &rusqlite::Connection, control_id: &str) -> Result<Vec<Procedure>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {PROCEDURE_COLUMNS} FROM procedure WHERE control_id = ?1 ORDER BY ord"))?;
    let mut procedures = stmt.query_map([control_id], procedure_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    for p in &mut procedures {
        p.exceptions = exceptions_of(conn, &p.id)?;
    }
    Ok(procedures)
}

pub(crate) fn all_procedures(conn: &rusqlite::Connection) -> Result<Vec<Procedure>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM procedure p JOIN control c ON c.item_id = p.control_id ORDER BY c.ord, p.ord",
        PROCEDURE_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ")
    ))?;
    let mut procedures = stmt.query_map([], procedure_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    let mut by_procedure: std::collections::HashMap<String, Vec<ExceptionRecord>> = std::collections::HashMap::new();
    for e in all_exceptions(conn)? {
        by_procedure.entry(e.procedure_id.clone()).or_default().push(e);
    }
    for p in &mut procedures {
        if let Some(list) = by_procedure.remove(&p.id) {
            p.exceptions = list;
        }
    }
    Ok(procedures)
}

const EXCEPTION_COLUMNS: &str = "id, procedure_id, text, sample_item, attribute";

fn exception_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ExceptionRecord> {
    Ok(ExceptionRecord {
        id: r.get(0)?,
        procedure_id: r.get(1)?,
        text: r.get(2)?,
        sample_item: r.get(3)?,
        attribute: r.get(4)?,
    })
}

fn exceptions_of(conn: &rusqlite::Connection, procedure_id: &str) -> Result<Vec<ExceptionRecord>> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {EXCEPTION_COLUMNS} FROM exception WHERE procedure_id = ?1 ORDER BY ord"))?;
    let rows = stmt.query_map([procedure_id], exception_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn all_exceptions(conn: &rusqlite::Connection) -> Result<Vec<ExceptionRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {EXCEPTION_COLUMNS} FROM exception ORDER BY id"))?;
    let rows = stmt.query_map([], exception_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn read_exception(conn: &rusqlite::Connection, id: &str) -> Result<ExceptionRecord> {
    conn.query_row(&format!("SELECT {EXCEPTION_COLUMNS} FROM exception WHERE id = ?1"), [id], exception_row)
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "exception", id: id.into() })
}

/// The next free exception number: `E-0001`, `E-0002`, ... Numbers of
/// removed exceptions are not reused, so a reference never changes meaning.
pub(crate) fn next_exception_id(conn: &rusqlite::Connection) -> Result<String> {
    let used: i64 = conn.query_row("SELECT count(*) FROM event WHERE kind = 'exception_added'", [], |r| r.get(0))?;
    Ok(format!("E-{:04}", used + 1))
}

/// The next free procedure ID of a control: `CONTROL/P1`, `CONTROL/P2`, ...
/// never reusing the number of a removed one.
pub(crate) fn next_procedure_id(conn: &rusqlite::Connection, control_id: &str) -> Result<String> {
    let prefix = format!("{control_id}/P");
    let mut stmt = conn.prepare_cached("SELECT id FROM procedure WHERE control_id = ?1")?;
    let mut highest: u32 = stmt
        .query_map([control_id], |r| r.get::<_, String>(0))?
        .filter_map(|id| id.ok()?.strip_prefix(&prefix)?.parse().ok())
        .max()
        .unwrap_or(0);
    // Removed procedures still hold their numbers in the log.
    let mut removed = conn
        .prepare_cached("SELECT json_extract(payload, '$.procedure.id') FROM event WHERE kind = 'procedure_removed'")?;
    for id in removed.query_map([], |r| r.get::<_, Option<String>>(0))? {
        if let Some(n) = id?.as_deref().and_then(|id| id.strip_prefix(&prefix)).and_then(|n| n.parse().ok()) {
            highest = highest.max(n);
        }
    }
    Ok(format!("{prefix}{}", highest + 1))
}

/// The scope decision of a control (in scope when none is recorded).
pub(crate) fn scope_of(conn: &rusqlite::Connection, control_id: &str) -> Result<(ScopeDecision, String)> {
    let row: Option<(String, String)> = conn
        .query_row("SELECT decision, reason FROM scope WHERE control_id = ?1", [control_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(match row {
        None => (ScopeDecision::InScope, String::new()),
        Some((d, reason)) => (ScopeDecision::parse(&d).unwrap_or(ScopeDecision::InScope), reason),
    })
}

/// Plans the library's procedures for every assessed control, in the
/// creation transaction. Returns how many were planned.
pub(crate) fn plan_procedures(
    tx: &Transaction<'_>,
    library: &ProcedureLibrary,
    default_evaluation: Evaluation,
) -> Result<usize> {
    let mut controls =
        tx.prepare("SELECT item_id, grp, title_ja, title_en FROM control WHERE assessable ORDER BY ord")?;
    let rows = controls
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut insert = tx.prepare(
        "INSERT INTO procedure (id, control_id, ord, kind, evaluation, text_ja, text_en) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut count = 0;
    for (id, group, title_ja, title_en) in rows {
        // A control without a Japanese title shows its English one in both texts.
        let ja_title = if title_ja.is_empty() { &title_en } else { &title_ja };
        let en_title = if title_en.is_empty() { &title_ja } else { &title_en };
        for (n, entry) in library.entries_for(&group, &id).into_iter().enumerate() {
            insert.execute(params![
                format!("{id}/P{}", n + 1),
                id,
                n as i64 + 1,
                entry.kind.as_str(),
                entry.evaluation.unwrap_or(default_evaluation).as_str(),
                fill_title(&entry.text_ja, ja_title, en_title),
                fill_title(&entry.text_en, ja_title, en_title),
            ])?;
            count += 1;
        }
    }
    Ok(count)
}

/// One assessed control with everything the walkthrough shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ControlDetail {
    pub item: crate::model::catalog::CatalogItem,
    pub assessable: bool,
    pub scope: ScopeDecision,
    pub scope_reason: String,
    pub status: Option<crate::model::procedure::Status>,
    pub result: Option<ResultKind>,
    pub procedures: Vec<ProcedureEntry>,
    /// The evidence linked to its procedures or their exceptions.
    pub evidence: Vec<crate::model::evidence::Evidence>,
    /// The control's own sign-offs (assessed controls only).
    pub review: Option<crate::model::review::ReviewState>,
    /// Review notes on the control, its procedures, their exceptions and evidence.
    pub notes: Vec<crate::model::review::ReviewNote>,
}

/// A procedure with its derived status.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProcedureEntry {
    pub procedure: Procedure,
    pub status: crate::model::procedure::Status,
    pub review: crate::model::review::ReviewState,
}

use super::engagement_file::EngagementFile;
use crate::model::event::{Context, EventRecord};
use crate::model::procedure::{control_result, control_status, NewProcedure, ProcedurePatch};

impl EngagementFile {
    fn at(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |e| Error::from_sqlite_at(self.path(), e)
    }

    /// The control `id` with its text, scope and procedures.
    pub fn control_detail(&self, id: &str) -> Result<ControlDetail> {
        let row = self
            .conn
            .query_row(
                "SELECT grp, item_id, parent_id, level, suffix, title_ja, title_en, text_ja, text_en, source_refs,
                        importance, audit_cycle, liu_scope, mandatory, assessable
                 FROM control WHERE item_id = ?1",
                [id],
                |r| {
                    let refs: String = r.get(9)?;
                    Ok((
                        crate::model::catalog::CatalogItem {
                            group: r.get(0)?,
                            id: r.get(1)?,
                            parent: r.get(2)?,
                            level: r.get(3)?,
                            suffix: r.get(4)?,
                            title_ja: r.get(5)?,
                            title_en: r.get(6)?,
                            text_ja: r.get(7)?,
                            text_en: r.get(8)?,
                            source_refs: serde_json::from_str(&refs).unwrap_or_default(),
                            importance: r.get(10)?,
                            audit_cycle: r.get(11)?,
                            liu_scope: r.get(12)?,
                            mandatory: r.get(13)?,
                        },
                        r.get::<_, bool>(14)?,
                    ))
                },
            )
            .optional()
            .map_err(self.at())?
            .ok_or_else(|| Error::NotFound { what: "control", id: id.into() })?;
        let (item, assessable) = row;
        let (scope, scope_reason) = scope_of(&self.conn, id)?;
        let (rows, second) = self.review_states()?;
        let procedures: Vec<ProcedureEntry> = procedures_of(&self.conn, id)?
            .into_iter()
            .map(|p| ProcedureEntry {
                status: p.status(),
                review: self
                    .review_state(SignableKind::Procedure, &p.id)
                    .unwrap_or_else(|_| EngagementFile::state_from(&rows, second, SignableKind::Procedure, &p.id)),
                procedure: p,
            })
            .collect();
        let in_scope = scope == ScopeDecision::InScope;
        let statuses: Vec<_> = procedures.iter().map(|p| p.status).collect();
        let results: Vec<_> = procedures.iter().map(|p| p.procedure.result).collect();
        Ok(ControlDetail {
            item,
            assessable,
            status: assessable.then(|| control_status(in_scope, &statuses)),
            result: if assessable && in_scope { control_result(&results) } else { None },
            scope,
            scope_reason,
            procedures,
            evidence: self.control_evidence(id)?,
            review: if assessable { Some(self.review_state(SignableKind::Control, id)?) } else { None },
            notes: self.control_notes(id)?,
        })
    }

    pub fn procedure(&self, id: &str) -> Result<Procedure> {
        read_procedure(&self.conn, id)
    }

    /// Every procedure, in catalog order, with its exceptions.
    pub fn procedures(&self) -> Result<Vec<Procedure>> {
        all_procedures(&self.conn)
    }

    pub fn exceptions(&self) -> Result<Vec<ExceptionRecord>> {
        all_exceptions(&self.conn)
    }

    /// Puts a control in or out of scope. Out of scope needs a reason.
    pub fn set_scope(
        &mut self,
        ctx: Context<'_>,
        control_id: &str,
        decision: ScopeDecision,
        reason: &str,
    ) -> Result<Option<EventRecord>> {
        let (before, before_reason) = scope_of(&self.conn, control_id)?;
        if decision != ScopeDecision::InScope && reason.trim().is_empty() {
            return Err(Error::invalid(
                "reason",
                "a control out of scope needs the reason (e.g. the provider's statement)",
            ));
        }
        let reason = if decision == ScopeDecision::InScope { String::new() } else { reason.trim().to_string() };
        if before == decision && before_reason == reason {
            return Ok(None);
        }
        let change = Change::ScopeSet { control_id: control_id.into(), decision, reason, before };
        self.commit(ctx, change).map(Some)
    }

    pub fn add_procedure(&mut self, ctx: Context<'_>, control_id: &str, new: NewProcedure) -> Result<Procedure> {
        if new.text_ja.trim().is_empty() && new.text_en.trim().is_empty() {
            return Err(Error::invalid("text", "a procedure needs a text in Japanese or English"));
        }
        let id = next_procedure_id(&self.conn, control_id)?;
        let procedure = Procedure {
            id: id.clone(),
            control_id: control_id.into(),
            kind: new.kind,
            evaluation: new.evaluation,
            text_ja: new.text_ja,
            text_en: new.text_en,
            assignee: new.assignee.filter(|a| !a.trim().is_empty()),
            work_done: String::new(),
            result: None,
            notes: String::new(),
            exceptions: Vec::new(),
        };
        self.commit(ctx, Change::ProcedureAdded { procedure: Box::new(procedure) })?;
        self.procedure(&id)
    }

    /// Changes the given fields of a procedure (autosave sends one field at a
    /// time). Returns the procedure and the event, if anything changed.
    pub fn update_procedure(
        &mut self,
        ctx: Context<'_>,
        id: &str,
        patch: ProcedurePatch,
    ) -> Result<(Procedure, Option<EventRecord>)> {
        let before = self.procedure(id)?;
        let mut changes = Vec::new();
        let mut diff = |field: &str, old: serde_json::Value, new: Option<serde_json::Value>| {
            if let Some(new) = new {
                if new != old {
                    changes.push(FieldChange { field: field.into(), before: old, after: new });
                }
            }
        };
        use serde_json::json;
        diff("kind", json!(before.kind), patch.kind.map(|v| json!(v)));
        diff("evaluation", json!(before.evaluation), patch.evaluation.map(|v| json!(v)));
        diff("text_ja", json!(before.text_ja), patch.text_ja.map(|v| json!(v)));
        diff("text_en", json!(before.text_en), patch.text_en.map(|v| json!(v)));
        diff("assignee", json!(before.assignee), patch.assignee.map(|v| json!(v.filter(|a| !a.trim().is_empty()))));
        diff("work_done", json!(before.work_done), patch.work_done.map(|v| json!(v)));
        diff("result", json!(before.result), patch.result.map(|v| json!(v)));
        diff("notes", json!(before.notes), patch.notes.map(|v| json!(v)));
        if changes.is_empty() {
            return Ok((before, None));
        }
        let event = self.commit(ctx, Change::ProcedureUpdated { id: id.into(), changes })?;
        Ok((self.procedure(id)?, Some(event)))
    }

    pub fn remove_procedure(&mut self, ctx: Context<'_>, id: &str) -> Result<EventRecord> {
        let procedure = self.procedure(id)?;
        self.commit(ctx, Change::ProcedureRemoved { procedure: Box::new(procedure) })
    }

    /// Records an exception (例外事項) found by a procedure, as a fact.
    pub fn add_exception(&mut self, ctx: Context<'_>, procedure_id: &str, text: &str) -> Result<ExceptionRecord> {
        if text.trim().is_empty() {
            return Err(Error::invalid("text", "an exception needs its facts written out"));
        }
        self.procedure(procedure_id)?;
        let exception = ExceptionRecord {
            id: next_exception_id(&self.conn)?,
            procedure_id: procedure_id.into(),
            text: text.trim().to_string(),
            sample_item: None,
            attribute: None,
        };
        self.commit(ctx, Change::ExceptionAdded { exception: exception.clone() })?;
        Ok(exception)
    }

    pub fn edit_exception(&mut self, ctx: Context<'_>, id: &str, text: &str) -> Result<ExceptionRecord> {
        let before = read_exception(&self.conn, id)?;
        super::sampling::refuse_if_from_grid(&before)?;
        if text.trim().is_empty() {
            return Err(Error::invalid("text", "an exception needs its facts written out; remove it instead"));
        }
        if before.text != text.trim() {
            self.commit(
                ctx,
                Change::ExceptionEdited { id: id.into(), before: before.text.clone(), after: text.trim().into() },
            )?;
        }
        read_exception(&self.conn, id)
    }

    pub fn remove_exception(&mut self, ctx: Context<'_>, id: &str) -> Result<EventRecord> {
        let exception = read_exception(&self.conn, id)?;
        super::sampling::refuse_if_from_grid(&exception)?;
        self.commit(ctx, Change::ExceptionRemoved { exception })
    }
}

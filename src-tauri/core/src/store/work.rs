//! The assessor's work inside an engagement file: scope decisions,
//! procedures and exceptions. Reads, and `apply` of their changes; the
//! rules are `domain::work`.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::domain::work::ControlFacts;
use crate::error::{Error, Result};
use crate::model::event::{Change, FieldChange};
use crate::model::procedure::{
    fill_title, AssessmentTarget, Evaluation, ExceptionRecord, InheritedService, Procedure, ProcedureKind,
    ProcedureLibrary, ResultKind, ScopeDecision,
};

/// Writes the state of a work change (scope, procedures, exceptions).
pub(crate) fn apply(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    match change {
        Change::ScopeSet { control_id, decision, reason, inherited_from, .. } => {
            if *decision == ScopeDecision::InScope {
                super::exec(tx, "DELETE FROM scope WHERE control_id = ?1", [control_id])?;
            } else {
                let inherited = inherited_from
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| Error::invalid("event", e.to_string()))?;
                super::exec(
                    tx,
                    "INSERT INTO scope (control_id, decision, reason, inherited_from) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (control_id) DO UPDATE SET decision = excluded.decision, reason = excluded.reason,
                         inherited_from = excluded.inherited_from",
                    params![control_id, decision.as_str(), reason, inherited],
                )?;
            }
            Ok(())
        }
        Change::ProcedureAdded { procedure } => insert_procedure(tx, procedure),
        Change::ProcedureUpdated { id, changes } => {
            // Each field is written by itself: reading the whole procedure
            // back to write it whole would be most of the cost of a replay.
            for c in changes {
                let (column, value) = procedure_column(c)?;
                let sql = match column {
                    "kind" => "UPDATE procedure SET kind = ?2 WHERE id = ?1",
                    "evaluation" => "UPDATE procedure SET evaluation = ?2 WHERE id = ?1",
                    "text_ja" => "UPDATE procedure SET text_ja = ?2 WHERE id = ?1",
                    "text_en" => "UPDATE procedure SET text_en = ?2 WHERE id = ?1",
                    "assignee" => "UPDATE procedure SET assignee = ?2 WHERE id = ?1",
                    "work_done" => "UPDATE procedure SET work_done = ?2 WHERE id = ?1",
                    "result" => "UPDATE procedure SET result = ?2 WHERE id = ?1",
                    "target" => "UPDATE procedure SET target = ?2 WHERE id = ?1",
                    _ => "UPDATE procedure SET notes = ?2 WHERE id = ?1",
                };
                if super::exec(tx, sql, params![id, value])? == 0 {
                    return Err(Error::NotFound { what: "procedure", id: id.clone() });
                }
            }
            Ok(())
        }
        Change::ProcedureRemoved { procedure } => {
            if super::exec(tx, "DELETE FROM procedure WHERE id = ?1", [&procedure.id])? == 0 {
                return Err(Error::NotFound { what: "procedure", id: procedure.id.clone() });
            }
            Ok(())
        }
        Change::ExceptionAdded { exception } => {
            let ord: i64 = tx
                .prepare_cached("SELECT coalesce(max(ord), 0) + 1 FROM exception WHERE procedure_id = ?1")?
                .query_row([&exception.procedure_id], |r| r.get(0))?;
            tx.prepare_cached(
                "INSERT INTO exception (id, procedure_id, ord, text, sample_item, attribute)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                exception.id,
                exception.procedure_id,
                ord,
                exception.text,
                exception.sample_item,
                exception.attribute
            ])?;
            Ok(())
        }
        Change::ExceptionEdited { id, after, .. } => {
            if super::exec(tx, "UPDATE exception SET text = ?2 WHERE id = ?1", params![id, after])? == 0 {
                return Err(Error::NotFound { what: "exception", id: id.clone() });
            }
            Ok(())
        }
        Change::ExceptionRemoved { exception } => {
            if super::exec(tx, "DELETE FROM exception WHERE id = ?1", [&exception.id])? == 0 {
                return Err(Error::NotFound { what: "exception", id: exception.id.clone() });
            }
            Ok(())
        }
        _ => Err(Error::invalid("event", format!("{} is not a change of the work", change.kind()))),
    }
}

/// A catalog item as the work rules need it: whether it is assessed, and
/// its scope decision.
pub(crate) fn control_facts(conn: &Connection, id: &str) -> Result<ControlFacts> {
    let assessable: Option<bool> = conn
        .prepare_cached("SELECT assessable FROM control WHERE item_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let assessable = assessable.ok_or_else(|| Error::NotFound { what: "control", id: id.into() })?;
    let level: String =
        conn.prepare_cached("SELECT level FROM control WHERE item_id = ?1")?.query_row([id], |r| r.get(0))?;
    let (scope, scope_reason) = scope_of(conn, id)?;
    let (recorded, recorded_reason, inherited_from) = recorded_scope(conn, id)?;
    Ok(ControlFacts {
        id: id.to_string(),
        assessable,
        objective: level == crate::ismap_id::Level::Objective.as_str(),
        scope,
        scope_reason,
        recorded: (recorded, recorded_reason),
        inherited_from,
    })
}

/// The column a procedure field change writes, and the value, checked to
/// be one the field can hold (a text, a known kind, evaluation or result,
/// or none where the field may be empty).
fn procedure_column(change: &FieldChange) -> Result<(&'static str, Option<String>)> {
    let v = &change.after;
    let text = || v.as_str().map(str::to_string).ok_or_else(|| Error::invalid(&change.field, "expected text"));
    let code = |known: bool| if known { Ok(v.as_str().map(str::to_string)) } else { Err(bad(change)) };
    Ok(match change.field.as_str() {
        "kind" => ("kind", code(v.as_str().and_then(ProcedureKind::parse).is_some())?),
        "evaluation" => ("evaluation", code(v.as_str().and_then(Evaluation::parse).is_some())?),
        "text_ja" => ("text_ja", Some(text()?)),
        "text_en" => ("text_en", Some(text()?)),
        "assignee" => ("assignee", if v.is_null() { None } else { Some(text()?) }),
        "work_done" => ("work_done", Some(text()?)),
        "result" => {
            ("result", if v.is_null() { None } else { code(v.as_str().and_then(ResultKind::parse).is_some())? })
        }
        "notes" => ("notes", Some(text()?)),
        "target" => {
            ("target", if v.is_null() { None } else { code(v.as_str().and_then(AssessmentTarget::parse).is_some())? })
        }
        other => return Err(Error::invalid(other, "not a field of a procedure")),
    })
}

fn bad(change: &FieldChange) -> Error {
    Error::invalid(&change.field, format!("{} is not a valid value", change.after))
}

pub(crate) fn insert_procedure(tx: &Transaction<'_>, p: &Procedure) -> Result<()> {
    let ord: i64 =
        tx.query_row("SELECT coalesce(max(ord), 0) + 1 FROM procedure WHERE control_id = ?1", [&p.control_id], |r| {
            r.get(0)
        })?;
    let inserted = super::exec(
                tx,
        "INSERT INTO procedure (id, control_id, ord, kind, evaluation, text_ja, text_en, assignee, work_done, result, notes,
                                target)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (id) DO NOTHING",
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
            p.notes,
            p.target.map(AssessmentTarget::as_str)
        ],
    )?;
    if inserted == 0 {
        return Err(Error::AlreadyExists { what: "procedure", id: p.id.clone() });
    }
    Ok(())
}

const PROCEDURE_COLUMNS: &str =
    "id, control_id, kind, evaluation, text_ja, text_en, assignee, work_done, result, notes, target";

fn procedure_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Procedure> {
    let id: String = r.get(0)?;
    // A value no workbench writes names the procedure, the field and the
    // value (shortened and escaped), so that the damage can be found.
    let parse_err = |i: usize, what: &str, value: &str| {
        let value: String = value.chars().take(40).flat_map(char::escape_debug).collect();
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("procedure {id}: \"{value}\" is not a known {what}").into(),
        )
    };
    let kind: String = r.get(2)?;
    let evaluation: String = r.get(3)?;
    let result: Option<String> = r.get(8)?;
    Ok(Procedure {
        control_id: r.get(1)?,
        kind: ProcedureKind::parse(&kind).ok_or_else(|| parse_err(2, "procedure kind", &kind))?,
        evaluation: Evaluation::parse(&evaluation).ok_or_else(|| parse_err(3, "evaluation", &evaluation))?,
        text_ja: r.get(4)?,
        text_en: r.get(5)?,
        assignee: r.get(6)?,
        work_done: r.get(7)?,
        result: match result {
            None => None,
            Some(t) => Some(ResultKind::parse(&t).ok_or_else(|| parse_err(8, "result", &t))?),
        },
        notes: r.get(9)?,
        exceptions: Vec::new(),
        target: match r.get::<_, Option<String>>(10)? {
            None => None,
            Some(t) => Some(AssessmentTarget::parse(&t).ok_or_else(|| parse_err(10, "assessment target", &t))?),
        },
        id,
    })
}

pub(crate) fn read_procedure(conn: &Connection, id: &str) -> Result<Procedure> {
    let mut p = conn
        .prepare_cached(&format!("SELECT {PROCEDURE_COLUMNS} FROM procedure WHERE id = ?1"))?
        .query_row([id], procedure_row)
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "procedure", id: id.into() })?;
    p.exceptions = exceptions_of(conn, id)?;
    Ok(p)
}

pub(crate) fn procedures_of(conn: &Connection, control_id: &str) -> Result<Vec<Procedure>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {PROCEDURE_COLUMNS} FROM procedure WHERE control_id = ?1 ORDER BY ord"))?;
    let mut procedures = stmt.query_map([control_id], procedure_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    for p in &mut procedures {
        p.exceptions = exceptions_of(conn, &p.id)?;
    }
    Ok(procedures)
}

pub(crate) fn all_procedures(conn: &Connection) -> Result<Vec<Procedure>> {
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

fn exceptions_of(conn: &Connection, procedure_id: &str) -> Result<Vec<ExceptionRecord>> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {EXCEPTION_COLUMNS} FROM exception WHERE procedure_id = ?1 ORDER BY ord"))?;
    let rows = stmt.query_map([procedure_id], exception_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn all_exceptions(conn: &Connection) -> Result<Vec<ExceptionRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {EXCEPTION_COLUMNS} FROM exception ORDER BY id"))?;
    let rows = stmt.query_map([], exception_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn read_exception(conn: &Connection, id: &str) -> Result<ExceptionRecord> {
    conn.query_row(&format!("SELECT {EXCEPTION_COLUMNS} FROM exception WHERE id = ?1"), [id], exception_row)
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "exception", id: id.into() })
}

/// The highest exception number this file (a field copy: its code) ever
/// gave, removed ones included: the next follows it
/// (`domain::work::next_exception_id`).
pub(crate) fn highest_exception(conn: &Connection, code: &str) -> Result<i64> {
    super::copies::highest_in_events(conn, "exception_added", "$.exception.id", "E-", code)
}

/// The controls with a procedure assigned to `name`, in catalog order.
pub(crate) fn controls_assigned_to(conn: &Connection, name: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT p.control_id FROM procedure p JOIN control c ON c.item_id = p.control_id
         WHERE p.assignee = ?1 ORDER BY c.ord",
    )?;
    let rows = stmt.query_map([name], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every procedure ID a control has used: its procedures now, and those
/// removed (their numbers stay in the log).
pub(crate) fn procedure_ids_ever_used(conn: &Connection, control_id: &str) -> Result<Vec<String>> {
    let mut ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM procedure WHERE control_id = ?1")?
        .query_map([control_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut removed = conn
        .prepare_cached("SELECT json_extract(payload, '$.procedure.id') FROM event WHERE kind = 'procedure_removed'")?;
    for id in removed.query_map([], |r| r.get::<_, Option<String>>(0))? {
        ids.extend(id?);
    }
    Ok(ids)
}

/// Whether a procedure has a population or a test grid.
pub(crate) fn is_sampled(conn: &Connection, procedure_id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM population WHERE procedure_id = ?1)
             OR EXISTS (SELECT 1 FROM test_attribute WHERE procedure_id = ?1)",
        [procedure_id],
        |r| r.get(0),
    )?)
}

/// The scope decision recorded for a catalog item (in scope when none is).
fn recorded_scope(conn: &Connection, id: &str) -> Result<(ScopeDecision, String, Option<InheritedService>)> {
    let row: Option<(String, String, Option<String>)> = conn
        .prepare_cached("SELECT decision, reason, inherited_from FROM scope WHERE control_id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(match row {
        None => (ScopeDecision::InScope, String::new(), None),
        Some((d, reason, inherited)) => (
            ScopeDecision::parse(&d).unwrap_or(ScopeDecision::InScope),
            reason,
            inherited.and_then(|j| serde_json::from_str(&j).ok()),
        ),
    })
}

/// Whether a control is a basic-statement requirement (`.B` or `.PB`),
/// which an excluded control objective exempts.
pub(crate) fn is_basic_statement(suffix: Option<&str>) -> bool {
    suffix.is_some_and(|s| s.contains('B'))
}

/// The basic-statement controls whose nearest control objective is
/// `objective`: those its exclusion exempts, whose scope (and so signed
/// content) follows its decision.
pub(crate) fn basic_statements_under(conn: &Connection, objective: &str) -> Result<Vec<String>> {
    let level: Option<String> = conn
        .prepare_cached("SELECT level FROM control WHERE item_id = ?1")?
        .query_row([objective], |r| r.get(0))
        .optional()?;
    if level.as_deref() != Some(crate::ismap_id::Level::Objective.as_str()) {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT item_id, suffix FROM control WHERE assessable = 1 ORDER BY ord")?;
    let candidates: Vec<(String, Option<String>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (id, suffix) in candidates {
        if is_basic_statement(suffix.as_deref()) && objective_of(conn, &id)?.as_deref() == Some(objective) {
            out.push(id);
        }
    }
    Ok(out)
}

/// The control objective above a catalog item (its nearest ancestor of
/// level `objective`), if any.
fn objective_of(conn: &Connection, id: &str) -> Result<Option<String>> {
    let mut current = id.to_string();
    // A catalog is a tree of a few levels; the bound only guards a damaged file.
    for _ in 0..16 {
        let parent: Option<Option<String>> = conn
            .prepare_cached("SELECT parent_id FROM control WHERE item_id = ?1")?
            .query_row([&current], |r| r.get(0))
            .optional()?;
        let Some(Some(parent)) = parent else { return Ok(None) };
        let level: String =
            conn.prepare_cached("SELECT level FROM control WHERE item_id = ?1")?.query_row([&parent], |r| r.get(0))?;
        if level == crate::ismap_id::Level::Objective.as_str() {
            return Ok(Some(parent));
        }
        current = parent;
    }
    Ok(None)
}

/// The scope decision of a control: the one recorded, except that a `.B`
/// control in scope under an excluded objective is exempt, with the
/// objective's reason (reversible with the objective's decision).
pub(crate) fn scope_of(conn: &Connection, control_id: &str) -> Result<(ScopeDecision, String)> {
    let (decision, reason, inherited) = recorded_scope(conn, control_id)?;
    if decision == ScopeDecision::InScope {
        let suffix: Option<Option<String>> = conn
            .prepare_cached("SELECT suffix FROM control WHERE item_id = ?1")?
            .query_row([control_id], |r| r.get(0))
            .optional()?;
        if is_basic_statement(suffix.flatten().as_deref()) {
            if let Some(objective) = objective_of(conn, control_id)? {
                let (objective_decision, objective_reason, _) = recorded_scope(conn, &objective)?;
                if objective_decision == ScopeDecision::NotAdopted {
                    return Ok((ScopeDecision::ExemptByObjective, format!("{objective}: {objective_reason}")));
                }
            }
        }
    }
    let reason = match inherited {
        Some(s) if reason.is_empty() => format!("{} ({})", s.service_name, s.registration_number),
        Some(s) => format!("{} ({}): {reason}", s.service_name, s.registration_number),
        None => reason,
    };
    Ok((decision, reason))
}

/// The registered service a control is inherited from, as recorded.
pub(crate) fn inherited_from(conn: &Connection, control_id: &str) -> Result<Option<InheritedService>> {
    Ok(recorded_scope(conn, control_id)?.2)
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
        "INSERT INTO procedure (id, control_id, ord, kind, evaluation, text_ja, text_en, target)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
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
                entry.target.map(AssessmentTarget::as_str),
            ])?;
            count += 1;
        }
    }
    Ok(count)
}

/// Procedure and exception reads on the file handle.
impl super::engagement_file::EngagementFile {
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
}

/// One catalog item as the control list shows it, with its scope decision.
#[derive(Debug, Clone)]
pub(crate) struct ControlListing {
    pub id: String,
    pub group: String,
    pub parent: Option<String>,
    pub level: String,
    pub suffix: Option<String>,
    pub title_ja: String,
    pub title_en: String,
    pub assessable: bool,
    pub scope: ScopeDecision,
}

/// What the control list needs of one procedure.
#[derive(Debug, Clone)]
pub(crate) struct ProcedureListing {
    pub id: String,
    pub control_id: String,
    pub result: Option<ResultKind>,
    /// Work done or notes written.
    pub started: bool,
    pub assignee: Option<String>,
    pub exceptions: u32,
}

/// Every catalog item in catalog order, with its scope decision.
pub(crate) fn control_listings(conn: &Connection) -> Result<Vec<ControlListing>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.item_id, c.grp, c.parent_id, c.level, c.suffix, c.title_ja, c.title_en, c.assessable, s.decision
         FROM control c LEFT JOIN scope s ON s.control_id = c.item_id ORDER BY c.ord",
    )?;
    let rows = stmt.query_map([], |r| {
        let scope = r.get::<_, Option<String>>(8)?.as_deref().and_then(ScopeDecision::parse);
        Ok(ControlListing {
            id: r.get(0)?,
            group: r.get(1)?,
            parent: r.get(2)?,
            level: r.get(3)?,
            suffix: r.get(4)?,
            title_ja: r.get(5)?,
            title_en: r.get(6)?,
            assessable: r.get(7)?,
            scope: scope.unwrap_or(ScopeDecision::InScope),
        })
    })?;
    let mut listings = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    // A `.B` control in scope under an excluded objective is exempt
    // (`scope_of`); the catalog order puts every objective before its
    // controls, so one pass finds them.
    let objective = crate::ismap_id::Level::Objective.as_str();
    let mut excluded = std::collections::HashSet::new();
    let mut parents: std::collections::HashMap<String, Option<String>> = std::collections::HashMap::new();
    let mut levels: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for l in &mut listings {
        parents.insert(l.id.clone(), l.parent.clone());
        levels.insert(l.id.clone(), l.level.clone());
        if l.level == objective && l.scope == ScopeDecision::NotAdopted {
            excluded.insert(l.id.clone());
        }
        if l.scope == ScopeDecision::InScope && is_basic_statement(l.suffix.as_deref()) {
            let mut up = l.parent.clone();
            for _ in 0..16 {
                let Some(p) = up else { break };
                if levels.get(&p).is_some_and(|level| level == objective) {
                    if excluded.contains(&p) {
                        l.scope = ScopeDecision::ExemptByObjective;
                    }
                    break;
                }
                up = parents.get(&p).cloned().flatten();
            }
        }
    }
    Ok(listings)
}

/// Every procedure, by control and order, with what the control list needs.
pub(crate) fn procedure_listings(conn: &Connection) -> Result<Vec<ProcedureListing>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.control_id, p.result, trim(p.work_done) <> '' OR trim(p.notes) <> '', p.assignee,
                (SELECT count(*) FROM exception e WHERE e.procedure_id = p.id), p.id
         FROM procedure p ORDER BY p.control_id, p.ord",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ProcedureListing {
            control_id: r.get(0)?,
            result: r.get::<_, Option<String>>(1)?.as_deref().and_then(ResultKind::parse),
            started: r.get(2)?,
            assignee: r.get(3)?,
            exceptions: r.get(4)?,
            id: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One catalog item whole, and whether it is assessed.
pub(crate) fn catalog_item(conn: &Connection, id: &str) -> Result<(crate::model::catalog::CatalogItem, bool)> {
    conn.query_row(
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
    .optional()?
    .ok_or_else(|| Error::NotFound { what: "control", id: id.into() })
}

//! The engagement file: one SQLite file per engagement (see ARCHITECTURE.md,
//! "The engagement file").

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, Transaction};
use serde::Serialize;

use super::events::{self, ChainReport};
use super::Schema;
use crate::error::{Error, Result};
use crate::model::catalog::{Catalog, IdScheme};
use crate::model::engagement::AuditKind;
use crate::model::engagement::{EngagementFields, ProgramRules};
use crate::model::event::{CatalogRef, Change, Context, EventRecord, FieldChange};
use crate::model::procedure::{
    control_result, control_status, Evaluation, ProcedureLibrary, ResultKind, ScopeDecision, Status,
};

/// "ISMW" in the SQLite header's application_id field.
const APPLICATION_ID: i32 = 0x4953_4D57;

pub(crate) static SCHEMA: Schema = Schema {
    application_id: APPLICATION_ID,
    what: "an ISMAP Workbench engagement file",
    migrations: &[
        include_str!("../../migrations/engagement/0001_initial.sql"),
        include_str!("../../migrations/engagement/0002_procedures.sql"),
        include_str!("../../migrations/engagement/0003_evidence.sql"),
        include_str!("../../migrations/engagement/0004_review.sql"),
        include_str!("../../migrations/engagement/0005_sampling.sql"),
    ],
    page_size: PAGE_SIZE,
};

/// Pages of 64 KiB, SQLite's largest: evidence content is stored in 1 MiB
/// chunks, which then take 16 pages instead of 256, and an intake runs about
/// three times faster (docs/benchmarks.md). A small edit journals a few
/// larger pages, which costs less than the commit's fsync.
const PAGE_SIZE: u32 = 65536;

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    SCHEMA.latest()
}

#[derive(Debug)]
pub struct EngagementFile {
    pub(crate) conn: Connection,
    path: PathBuf,
}

/// The frozen catalog an engagement was planned on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CatalogInfo {
    pub name: String,
    pub version: String,
    pub title: String,
    pub id_scheme: IdScheme,
    pub sample: bool,
    pub content_sha256: String,
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
    /// The control and its procedures are signed at every required level.
    pub review_complete: bool,
}

impl EngagementFile {
    /// Creates the engagement at `path`, which must not exist. The file is
    /// built under a temporary name in the same folder and renamed into place
    /// only when complete, so a failure leaves nothing behind.
    pub fn create(
        path: &Path,
        ctx: Context<'_>,
        uuid: String,
        fields: EngagementFields,
        rules: ProgramRules,
        catalog: &Catalog,
        library: Option<&ProcedureLibrary>,
    ) -> Result<EngagementFile> {
        let problems = fields.problems(&rules);
        if !problems.is_empty() {
            return Err(Error::Invalid { problems });
        }
        let temp = temp_beside(path)?;
        let mut conn = super::create(temp.path(), &SCHEMA)?;
        let change = Change::EngagementCreated {
            engagement_uuid: uuid.clone(),
            fields: Box::new(fields.clone()),
            rules,
            catalog: CatalogRef {
                name: catalog.name.clone(),
                version: catalog.version.clone(),
                content_sha256: catalog.content_hash(),
                item_count: catalog.items.len(),
            },
            procedure_library: library.map(|l| format!("{}@{}", l.name, l.version)),
            procedures_planned: library.map_or(0, |l| {
                catalog
                    .items
                    .iter()
                    .filter(|i| catalog.id_scheme.is_assessable(i.level.as_deref().unwrap_or("")))
                    .map(|i| l.entries_for(&i.group, &i.id).len())
                    .sum()
            }),
        };
        // An initial audit evaluates design; every later one, operation (ISMAP.md section 3).
        let evaluation =
            if fields.audit_kind == AuditKind::Initial { Evaluation::Design } else { Evaluation::Operating };
        let tx = conn.transaction()?;
        events::record(&tx, ctx, &change, |tx| {
            let created_at = crate::model::event::format_time(ctx.clock.now());
            tx.execute(
                "INSERT INTO engagement (id, uuid, fields, rules, created_at, head_hash, procedure_library)
                 VALUES (1, ?1, ?2, ?3, ?4, '', ?5)",
                params![
                    uuid,
                    to_json(&fields)?,
                    to_json(&rules)?,
                    created_at,
                    library.map(|l| format!("{}@{}", l.name, l.version))
                ],
            )?;
            write_catalog(tx, catalog)?;
            if let Some(library) = library {
                super::work::plan_procedures(tx, library, evaluation)?;
            }
            Ok(())
        })?;
        tx.commit()?;
        drop(conn);
        temp.persist_noclobber(path).map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => Error::AlreadyExists { what: "file", id: path.display().to_string() },
            _ => Error::io(path, e.error),
        })?;
        EngagementFile::open(path)
    }

    /// Opens an existing engagement file (see [`super::open`] for the checks).
    pub fn open(path: &Path) -> Result<EngagementFile> {
        let conn = super::open(path, &SCHEMA)?;
        let file = EngagementFile { conn, path: path.to_path_buf() };
        // A file can carry our application id and schema yet have lost its
        // engagement row; say so now rather than at the first query.
        let rows: i64 =
            file.conn.query_row("SELECT count(*) FROM engagement", [], |r| r.get(0)).map_err(|e| file.db_error(e))?;
        if rows != 1 {
            return Err(Error::Corrupt { path: path.into(), detail: "the engagement record is missing".into() });
        }
        file.enlarge_pages();
        Ok(file)
    }

    /// Files created before evidence existed have 4 KiB pages. While they
    /// hold no evidence content they are small, and rebuilding them with the
    /// current page size (VACUUM, atomic under the rollback journal) takes
    /// milliseconds. Best effort: a file busy elsewhere stays as it is and
    /// works, only more slowly for large evidence.
    fn enlarge_pages(&self) {
        let small: bool = self
            .conn
            .query_row("SELECT page_size < ?1 FROM pragma_page_size", [PAGE_SIZE], |r| r.get(0))
            .unwrap_or(false);
        let empty: bool =
            self.conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM blob)", [], |r| r.get(0)).unwrap_or(false);
        if small && empty {
            let _ = self.conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}; VACUUM;"));
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn db_error(&self, err: rusqlite::Error) -> Error {
        Error::from_sqlite_at(&self.path, err)
    }

    fn json_column<T: serde::de::DeserializeOwned>(&self, sql: &str) -> Result<T> {
        let text: String = self.conn.query_row(sql, [], |r| r.get(0)).map_err(|e| self.db_error(e))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::Corrupt { path: self.path.clone(), detail: format!("unreadable stored record: {e}") })
    }

    pub fn uuid(&self) -> Result<String> {
        self.conn.query_row("SELECT uuid FROM engagement WHERE id = 1", [], |r| r.get(0)).map_err(|e| self.db_error(e))
    }

    pub fn fields(&self) -> Result<EngagementFields> {
        self.json_column("SELECT fields FROM engagement WHERE id = 1")
    }

    pub fn rules(&self) -> Result<ProgramRules> {
        self.json_column("SELECT rules FROM engagement WHERE id = 1")
    }

    pub fn catalog_info(&self) -> Result<CatalogInfo> {
        self.conn
            .query_row(
                "SELECT name, version, title, id_scheme, sample, content_sha256 FROM catalog_info WHERE id = 1",
                [],
                |r| {
                    Ok(CatalogInfo {
                        name: r.get(0)?,
                        version: r.get(1)?,
                        title: r.get(2)?,
                        id_scheme: IdScheme::parse(&r.get::<_, String>(3)?).unwrap_or(IdScheme::Ismap),
                        sample: r.get(4)?,
                        content_sha256: r.get(5)?,
                    })
                },
            )
            .map_err(|e| self.db_error(e))
    }

    /// Every catalog item of the engagement in catalog order; assessed
    /// controls with their status and result. Two queries, merged here, so
    /// that the 1,500 controls of a large engagement list in milliseconds.
    pub fn controls(&self) -> Result<Vec<ControlRow>> {
        struct Summary {
            statuses: Vec<Status>,
            results: Vec<Option<ResultKind>>,
            exceptions: u32,
            assignees: Vec<String>,
            ids: Vec<String>,
        }
        let at = |e| self.db_error(e);
        let mut summaries: std::collections::HashMap<String, Summary> = std::collections::HashMap::new();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT p.control_id, p.result, trim(p.work_done) <> '' OR trim(p.notes) <> '', p.assignee,
                        (SELECT count(*) FROM exception e WHERE e.procedure_id = p.id), p.id
                 FROM procedure p ORDER BY p.control_id, p.ord",
            )
            .map_err(at)?;
        let mut rows = stmt.query([]).map_err(at)?;
        while let Some(r) = rows.next().map_err(at)? {
            let control: String = r.get(0).map_err(at)?;
            let result = r.get::<_, Option<String>>(1).map_err(at)?.as_deref().and_then(ResultKind::parse);
            let started: bool = r.get(2).map_err(at)?;
            let assignee: Option<String> = r.get(3).map_err(at)?;
            let exceptions: u32 = r.get(4).map_err(at)?;
            let s = summaries.entry(control).or_insert_with(|| Summary {
                statuses: Vec::new(),
                results: Vec::new(),
                exceptions: 0,
                assignees: Vec::new(),
                ids: Vec::new(),
            });
            s.ids.push(r.get(5).map_err(at)?);
            s.statuses.push(if result.is_some() {
                Status::Done
            } else if started || exceptions > 0 {
                Status::InProgress
            } else {
                Status::NotStarted
            });
            s.results.push(result);
            s.exceptions += exceptions;
            if let Some(a) = assignee {
                if !s.assignees.contains(&a) {
                    s.assignees.push(a);
                }
            }
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.item_id, c.grp, c.parent_id, c.level, c.suffix, c.title_ja, c.title_en, c.assessable, s.decision
                 FROM control c LEFT JOIN scope s ON s.control_id = c.item_id ORDER BY c.ord",
            )
            .map_err(at)?;
        let rows = stmt
            .query_map([], |r| {
                let assessable: bool = r.get(7)?;
                let scope = r.get::<_, Option<String>>(8)?.as_deref().and_then(ScopeDecision::parse);
                Ok(ControlRow {
                    id: r.get(0)?,
                    group: r.get(1)?,
                    parent: r.get(2)?,
                    level: r.get(3)?,
                    suffix: r.get(4)?,
                    title_ja: r.get(5)?,
                    title_en: r.get(6)?,
                    assessable,
                    status: None,
                    result: None,
                    scope: scope.unwrap_or(ScopeDecision::InScope),
                    procedures: 0,
                    procedures_done: 0,
                    exceptions: 0,
                    assignees: Vec::new(),
                    changed_after_signoff: false,
                    review_complete: false,
                })
            })
            .map_err(at)?;
        let mut controls = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(at)?;
        // Review flags only where something was signed: most engagements
        // in progress have few sign-offs, and the large one lists fast.
        let (signoffs, second) = self.review_states()?;
        let review = |kind: crate::model::review::SignableKind, id: &str| {
            EngagementFile::state_from(&signoffs, second, kind, id)
        };
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
                        use crate::model::review::SignableKind;
                        let control = review(SignableKind::Control, &c.id);
                        let procedures: Vec<_> = s.ids.iter().map(|p| review(SignableKind::Procedure, p)).collect();
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

    pub fn event_count(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT head_seq FROM engagement WHERE id = 1", [], |r| r.get(0))
            .map_err(|e| self.db_error(e))
    }

    /// The newest events first, at most `limit`.
    pub fn recent_events(&self, limit: usize) -> Result<Vec<EventRecord>> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, kind, payload, actor, at, prev_hash, hash FROM event ORDER BY seq DESC LIMIT ?1")
            .map_err(|e| self.db_error(e))?;
        let rows = stmt.query_map([limit as i64], event_row).map_err(|e| self.db_error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.db_error(e))
    }

    /// Replaces the engagement's fields, recording which fields changed.
    /// Returns `None` when nothing changed (and records nothing).
    pub fn edit(&mut self, ctx: Context<'_>, fields: EngagementFields) -> Result<Option<EventRecord>> {
        let rules = self.rules()?;
        let problems = fields.problems(&rules);
        if !problems.is_empty() {
            return Err(Error::Invalid { problems });
        }
        let before = self.fields()?;
        let changes = diff_fields(&before, &fields)?;
        if changes.is_empty() {
            return Ok(None);
        }
        self.commit(ctx, Change::EngagementEdited { changes }).map(Some)
    }

    /// Runs one change through the event spine in its own transaction: the
    /// state it produces (`work::apply`) and its event, together or not at all.
    pub(crate) fn commit(&mut self, ctx: Context<'_>, change: Change) -> Result<EventRecord> {
        let path = self.path.clone();
        let at = |e| Error::from_sqlite_at(&path, e);
        let tx = self.conn.transaction().map_err(at)?;
        let event = super::review::record_with_review(&tx, ctx, &change).map_err(|e| match e {
            Error::Storage(s) => Error::from_sqlite_at(&path, s),
            other => other,
        })?;
        tx.commit().map_err(at)?;
        Ok(event)
    }

    /// Runs many changes through the event spine in one transaction (bulk
    /// generation); each still gets its own event.
    pub(crate) fn commit_batch(&mut self, ctx: Context<'_>, changes: impl Iterator<Item = Change>) -> Result<()> {
        let path = self.path.clone();
        let at = |e: Error| match e {
            Error::Storage(s) => Error::from_sqlite_at(&path, s),
            other => other,
        };
        let tx = self.conn.transaction().map_err(|e| at(e.into()))?;
        for change in changes {
            super::review::record_with_review(&tx, ctx, &change).map_err(at)?;
        }
        tx.commit().map_err(|e| at(e.into()))?;
        Ok(())
    }

    /// Recomputes the event chain (`workbench log verify`).
    pub fn verify_log(&self) -> Result<ChainReport> {
        let at = |e| match e {
            Error::Storage(s) => self.db_error(s),
            other => other,
        };
        let mut report = events::verify(&self.conn).map_err(at)?;
        if report.first_broken.is_none() {
            report.signoff_problems = self.verify_signoffs().map_err(at)?;
        }
        Ok(report)
    }
}

/// An event row read with the columns `seq, kind, payload, actor, at, prev_hash, hash`.
pub(crate) fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRecord> {
    Ok(EventRecord {
        seq: r.get(0)?,
        kind: r.get(1)?,
        payload: r.get(2)?,
        actor: r.get(3)?,
        at: r.get(4)?,
        prev_hash: r.get(5)?,
        hash: r.get(6)?,
    })
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::invalid("record", e.to_string()))
}

/// The top-level fields (and the provider's, service's and assessor's
/// sub-fields) that differ, with their values before and after.
pub(crate) fn diff_fields(before: &EngagementFields, after: &EngagementFields) -> Result<Vec<FieldChange>> {
    let to_value = |f: &EngagementFields| serde_json::to_value(f).map_err(|e| Error::invalid("record", e.to_string()));
    let (before, after) = (to_value(before)?, to_value(after)?);
    let mut changes = Vec::new();
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (key, a_value) in a {
            let b_value = b.get(key).cloned().unwrap_or(serde_json::Value::Null);
            match (b_value.as_object(), a_value.as_object()) {
                (Some(bo), Some(ao)) if key != "period" && key != "current_registration" => {
                    for (sub, av) in ao {
                        let bv = bo.get(sub).cloned().unwrap_or(serde_json::Value::Null);
                        if &bv != av {
                            changes.push(FieldChange { field: format!("{key}.{sub}"), before: bv, after: av.clone() });
                        }
                    }
                }
                _ if &b_value != a_value => {
                    changes.push(FieldChange { field: key.clone(), before: b_value, after: a_value.clone() });
                }
                _ => {}
            }
        }
    }
    Ok(changes)
}

fn write_catalog(tx: &Transaction<'_>, catalog: &Catalog) -> Result<()> {
    tx.execute(
        "INSERT INTO catalog_info (id, name, version, title, id_scheme, sample, content_sha256)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            catalog.name,
            catalog.version,
            catalog.title,
            catalog.id_scheme.as_str(),
            catalog.sample,
            catalog.content_hash()
        ],
    )?;
    // Parents may come after their children in a file; foreign keys are
    // checked at commit so the order of insertion does not matter.
    tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let mut insert = tx.prepare(
        "INSERT INTO control (item_id, ord, grp, parent_id, level, suffix, title_ja, title_en, text_ja, text_en,
                              source_refs, importance, audit_cycle, liu_scope, mandatory, assessable)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?;
    for (ord, item) in catalog.items.iter().enumerate() {
        let level = item.level.clone().unwrap_or_default();
        insert.execute(params![
            item.id,
            ord as i64,
            item.group,
            item.parent,
            level,
            item.suffix,
            item.title_ja,
            item.title_en,
            item.text_ja,
            item.text_en,
            to_json(&item.source_refs)?,
            item.importance,
            item.audit_cycle,
            item.liu_scope,
            item.mandatory,
            catalog.id_scheme.is_assessable(&level),
        ])?;
    }
    Ok(())
}

/// A temporary file in the destination's folder (so the final rename stays
/// on one filesystem and is atomic). Refuses an existing destination first.
fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    if path.exists() {
        return Err(Error::AlreadyExists { what: "file", id: path.display().to_string() });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".workbench-")
        .suffix(".engagement.tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))
}

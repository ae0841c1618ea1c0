//! The engagement file: one SQLite file per engagement (see ARCHITECTURE.md,
//! "The engagement file").

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, Transaction};
use serde::Serialize;

use super::events::{self, ChainReport};
use super::Schema;
use crate::error::{Error, Result};
use crate::model::catalog::{Catalog, IdScheme};
use crate::model::engagement::{EngagementFields, ProgramRules};
use crate::model::event::{CatalogRef, Change, Context, EventRecord, FieldChange};

/// "ISMW" in the SQLite header's application_id field.
const APPLICATION_ID: i32 = 0x4953_4D57;

pub(crate) static SCHEMA: Schema = Schema {
    application_id: APPLICATION_ID,
    what: "an ISMAP Workbench engagement file",
    migrations: &[include_str!("../../migrations/engagement/0001_initial.sql")],
};

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    SCHEMA.latest()
}

#[derive(Debug)]
pub struct EngagementFile {
    conn: Connection,
    path: PathBuf,
}

/// The frozen catalog an engagement was planned on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogInfo {
    pub name: String,
    pub version: String,
    pub title: String,
    pub id_scheme: IdScheme,
    pub sample: bool,
    pub content_sha256: String,
}

/// One row of the control list. The status is derived: until procedures
/// exist every assessable control is `not_started`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlRow {
    pub id: String,
    pub group: String,
    pub parent: Option<String>,
    pub level: String,
    pub suffix: Option<String>,
    pub title_ja: String,
    pub title_en: String,
    pub assessable: bool,
    pub status: Option<&'static str>,
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
        };
        let tx = conn.transaction()?;
        events::record(&tx, ctx, &change, |tx| {
            let created_at = crate::model::event::format_time(ctx.clock.now());
            tx.execute(
                "INSERT INTO engagement (id, uuid, fields, rules, created_at, head_hash) VALUES (1, ?1, ?2, ?3, ?4, '')",
                params![uuid, to_json(&fields)?, to_json(&rules)?, created_at],
            )?;
            write_catalog(tx, catalog)
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
        Ok(file)
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

    /// Every catalog item of the engagement in catalog order, with status.
    pub fn controls(&self) -> Result<Vec<ControlRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT item_id, grp, parent_id, level, suffix, title_ja, title_en, assessable
                 FROM control ORDER BY ord",
            )
            .map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map([], |r| {
                let assessable: bool = r.get(7)?;
                Ok(ControlRow {
                    id: r.get(0)?,
                    group: r.get(1)?,
                    parent: r.get(2)?,
                    level: r.get(3)?,
                    suffix: r.get(4)?,
                    title_ja: r.get(5)?,
                    title_en: r.get(6)?,
                    assessable,
                    status: assessable.then_some("not_started"),
                })
            })
            .map_err(|e| self.db_error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.db_error(e))
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
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok(EventRecord {
                    seq: r.get(0)?,
                    kind: r.get(1)?,
                    payload: r.get(2)?,
                    actor: r.get(3)?,
                    at: r.get(4)?,
                    prev_hash: r.get(5)?,
                    hash: r.get(6)?,
                })
            })
            .map_err(|e| self.db_error(e))?;
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
        let json = to_json(&fields)?;
        let change = Change::EngagementEdited { changes };
        self.commit(ctx, &change, |tx| {
            tx.execute("UPDATE engagement SET fields = ?1 WHERE id = 1", [&json])?;
            Ok(())
        })
        .map(|((), event)| Some(event))
    }

    /// Runs one change through the event spine in its own transaction.
    fn commit<T>(
        &mut self,
        ctx: Context<'_>,
        change: &Change,
        apply: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<(T, EventRecord)> {
        let tx = self.conn.transaction().map_err(|e| Error::from_sqlite_at(&self.path, e))?;
        let result = events::record(&tx, ctx, change, apply)?;
        tx.commit().map_err(|e| Error::from_sqlite_at(&self.path, e))?;
        Ok(result)
    }

    /// Runs many changes through the event spine in one transaction (bulk
    /// generation); each still gets its own event.
    pub(crate) fn commit_batch(
        &mut self,
        ctx: Context<'_>,
        changes: impl Iterator<Item = (Change, EngagementFields)>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (change, fields) in changes {
            let json = to_json(&fields)?;
            events::record(&tx, ctx, &change, |tx| {
                tx.execute("UPDATE engagement SET fields = ?1 WHERE id = 1", [&json])?;
                Ok(())
            })?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Recomputes the event chain (`workbench log verify`).
    pub fn verify_log(&self) -> Result<ChainReport> {
        events::verify(&self.conn).map_err(|e| match e {
            Error::Storage(s) => self.db_error(s),
            other => other,
        })
    }
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

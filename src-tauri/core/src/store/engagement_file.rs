//! The engagement file: one SQLite file per engagement (see ARCHITECTURE.md,
//! "The engagement file").

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, Transaction};
use serde::Serialize;

use super::apply::EventMeta;
use super::Schema;
use crate::error::{Error, Result};
use crate::model::catalog::{Catalog, CatalogItem, IdScheme};
use crate::model::engagement::{EngagementFields, ProgramRules};
use crate::model::event::{Change, Context, EventRecord};
use crate::model::procedure::ProcedureLibrary;

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
        include_str!("../../migrations/engagement/0006_replay.sql"),
        include_str!("../../migrations/engagement/0007_closing.sql"),
        include_str!("../../migrations/engagement/0008_changes_targets.sql"),
        include_str!("../../migrations/engagement/0009_field_copies.sql"),
        include_str!("../../migrations/engagement/0010_roster.sql"),
    ],
    page_size: PAGE_SIZE,
    encryptable: true,
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
    access: super::Access,
    /// An older file opened to read is read from an upgraded copy here.
    _upgraded_copy: Option<tempfile::TempDir>,
    /// The key of an encrypted file (for copies made of it).
    pub(crate) key: Option<super::cipher::RawKey>,
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
    /// The catalog's own legend of suffixes (empty: it gave none).
    pub suffix_legend: Vec<crate::model::catalog::SuffixMeaning>,
}

impl EngagementFile {
    /// Creates the engagement at `path`, which must not exist, from its
    /// first event (`domain::engagement::create`). The file is built under
    /// a temporary name in the same folder and renamed into place only when
    /// complete, so a failure leaves nothing behind.
    pub(crate) fn create(path: &Path, ctx: Context<'_>, created: &Change, catalog: &Catalog) -> Result<EngagementFile> {
        let temp = temp_beside(path)?;
        let key = super::cipher::key_for_new(path);
        let mut conn = super::create(temp.path(), &SCHEMA, key.as_ref())?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let event = super::events::append(&tx, ctx, created)?;
        apply_creation(&tx, EventMeta { seq: event.seq, at: &event.at }, created, catalog)?;
        super::events::set_head(&tx, &event)?;
        tx.commit()?;
        drop(conn);
        temp.persist_noclobber(path).map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => Error::AlreadyExists { what: "file", id: path.display().to_string() },
            _ => Error::io(path, e.error),
        })?;
        super::sync_parent(path)?;
        let keying = match key {
            Some(key) => super::cipher::Keying::With(key),
            None => super::cipher::Keying::Plain,
        };
        EngagementFile::open_with(path, super::Access::Write, &keying)
    }

    /// Opens an existing engagement file (see [`super::open`] for the
    /// checks), to read it or to change it. Reading never writes to the file.
    pub fn open(path: &Path, access: super::Access) -> Result<EngagementFile> {
        EngagementFile::open_with(path, access, &super::cipher::Keying::AsFound)
    }

    /// Opens it with the key `keying` says (a file being encrypted or
    /// rekeyed).
    pub(crate) fn open_with(
        path: &Path,
        access: super::Access,
        keying: &super::cipher::Keying,
    ) -> Result<EngagementFile> {
        let opened = super::open(path, &SCHEMA, access, keying)?;
        let file = EngagementFile {
            conn: opened.conn,
            path: path.to_path_buf(),
            access,
            _upgraded_copy: opened.upgraded_copy,
            key: opened.key,
        };
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
        if small && empty && self.access == super::Access::Write {
            let _ = self.conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}; VACUUM;"));
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// Gives back the pages of removed content (a field copy made without
    /// some evidence), so that the file is as small as what it holds.
    pub(crate) fn reclaim_space(&self) -> Result<()> {
        self.conn.execute_batch("VACUUM").map_err(|e| self.db_error(e))
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
                "SELECT name, version, title, id_scheme, sample, content_sha256, suffix_legend FROM catalog_info
                 WHERE id = 1",
                [],
                |r| {
                    Ok(CatalogInfo {
                        name: r.get(0)?,
                        version: r.get(1)?,
                        title: r.get(2)?,
                        id_scheme: IdScheme::parse(&r.get::<_, String>(3)?).unwrap_or(IdScheme::Ismap),
                        sample: r.get(4)?,
                        content_sha256: r.get(5)?,
                        suffix_legend: legend_column(6, r.get(6)?)?,
                    })
                },
            )
            .map_err(|e| self.db_error(e))
    }

    pub fn event_count(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT head_seq FROM engagement WHERE id = 1", [], |r| r.get(0))
            .map_err(|e| self.db_error(e))
    }

    /// The head of the event log as the engagement row records it: the
    /// number and hash of the newest event.
    pub fn head(&self) -> Result<(i64, String)> {
        self.conn
            .query_row("SELECT head_seq, head_hash FROM engagement WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
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
}

/// The engagement's fields as stored.
pub(crate) fn read_fields(conn: &Connection) -> Result<EngagementFields> {
    let text: String = conn.query_row("SELECT fields FROM engagement WHERE id = 1", [], |r| r.get(0))?;
    serde_json::from_str(&text).map_err(|e| Error::invalid("record", format!("unreadable stored fields: {e}")))
}

/// The program rules the engagement was planned with.
pub(crate) fn read_rules(conn: &Connection) -> Result<ProgramRules> {
    let text: String = conn.query_row("SELECT rules FROM engagement WHERE id = 1", [], |r| r.get(0))?;
    serde_json::from_str(&text).map_err(|e| Error::invalid("record", format!("unreadable stored rules: {e}")))
}

/// A stored legend of suffixes: JSON, or NULL when the catalog gave none.
fn legend_column(i: usize, text: Option<String>) -> rusqlite::Result<Vec<crate::model::catalog::SuffixMeaning>> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                format!("suffix legend: {e}").into(),
            )
        }),
    }
}

/// Reads the frozen catalog back into the value it was created from.
pub(crate) fn read_catalog(conn: &Connection) -> Result<Catalog> {
    let (name, version, title, id_scheme, sample, suffix_legend): (
        String,
        String,
        String,
        String,
        bool,
        Option<String>,
    ) = conn.query_row(
        "SELECT name, version, title, id_scheme, sample, suffix_legend FROM catalog_info WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
    )?;
    let suffix_legend = legend_column(5, suffix_legend)?;
    let id_scheme = IdScheme::parse(&id_scheme)
        .ok_or_else(|| Error::invalid("catalog", format!("{id_scheme} is not a catalog ID scheme")))?;
    let mut stmt = conn.prepare(
        "SELECT grp, item_id, parent_id, level, suffix, title_ja, title_en, text_ja, text_en, source_refs,
                importance, audit_cycle, liu_scope, mandatory
         FROM control ORDER BY ord",
    )?;
    let items = stmt
        .query_map([], |r| {
            let refs: String = r.get(9)?;
            let level: String = r.get(3)?;
            Ok(CatalogItem {
                group: r.get(0)?,
                id: r.get(1)?,
                parent: r.get(2)?,
                // Validated catalogs always carry a level; an empty one was absent.
                level: if level.is_empty() { None } else { Some(level) },
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
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Catalog { name, version, title, id_scheme, sample, items, suffix_legend })
}

/// Writes the state of an engagement edit.
pub(crate) fn apply(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    let Change::EngagementEdited { changes } = change else {
        return Err(Error::invalid("event", format!("{} is not an edit of the engagement", change.kind())));
    };
    let current: String = tx.query_row("SELECT fields FROM engagement WHERE id = 1", [], |r| r.get(0))?;
    let before: EngagementFields =
        serde_json::from_str(&current).map_err(|e| Error::invalid("record", e.to_string()))?;
    let fields = crate::domain::engagement::edited(&before, changes)?;
    super::exec(tx, "UPDATE engagement SET fields = ?1 WHERE id = 1", [to_json(&fields)?])?;
    Ok(())
}

/// Writes the state of an engagement's creation: its row (created at its
/// first event's time), the frozen catalog, which must be the one the
/// event names, and the procedures planned from its library.
pub(crate) fn apply_creation(
    tx: &Transaction<'_>,
    event: EventMeta<'_>,
    change: &Change,
    catalog: &Catalog,
) -> Result<()> {
    let Change::EngagementCreated {
        engagement_uuid, fields, rules, catalog: named, procedure_library, library, ..
    } = change
    else {
        return Err(Error::invalid("event", format!("{} does not create an engagement", change.kind())));
    };
    if catalog.content_hash() != named.content_sha256 {
        return Err(Error::invalid(
            "catalog",
            format!("the catalog is not the one the engagement was created from ({}@{})", named.name, named.version),
        ));
    }
    super::exec(
        tx,
        "INSERT INTO engagement (id, uuid, fields, rules, created_at, head_hash, procedure_library)
         VALUES (1, ?1, ?2, ?3, ?4, '', ?5)",
        params![engagement_uuid, to_json(fields)?, to_json(rules)?, event.at, procedure_library],
    )?;
    write_catalog(tx, catalog)?;
    let library: Option<std::borrow::Cow<'_, ProcedureLibrary>> = match (library, procedure_library) {
        (Some(library), _) => Some(std::borrow::Cow::Borrowed(library.as_ref())),
        (None, Some(name)) => Some(std::borrow::Cow::Owned(legacy_library(name)?)),
        (None, None) => None,
    };
    if let Some(library) = library {
        let evaluation = crate::domain::engagement::default_evaluation(fields.audit_kind);
        super::work::plan_procedures(tx, &library, evaluation)?;
    }
    Ok(())
}

/// In files made before the creation event held the procedure library, it
/// names only the library; the library bundled under that name and version
/// is the one they were planned from. Any other cannot be known from the
/// file, so such a file cannot be replayed.
fn legacy_library(name: &str) -> Result<ProcedureLibrary> {
    let mut bundled = crate::sample::default_procedure_library()?;
    if format!("{}@{}", bundled.name, bundled.version) == name {
        return Ok(bundled);
    }
    // The default library 2026.2 is 2026.1 with each entry's assessment
    // target added (CC2022 Attached table 8); 2026.1 is it without them.
    if name == "default@2026.1" {
        bundled.version = "2026.1".into();
        for entry in &mut bundled.entries {
            entry.target = None;
        }
        return Ok(bundled);
    }
    Err(Error::invalid(
        "procedure_library",
        format!("the procedures were planned from the library {name}, which this file does not hold (made by an earlier version)"),
    ))
}

/// The engagement's UUID, inside a transaction.
pub(crate) fn uuid_of(conn: &Connection) -> Result<String> {
    Ok(conn.query_row("SELECT uuid FROM engagement WHERE id = 1", [], |r| r.get(0))?)
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
        from_copy: None,
    })
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::invalid("record", e.to_string()))
}

fn write_catalog(tx: &Transaction<'_>, catalog: &Catalog) -> Result<()> {
    super::exec(
        tx,
        "INSERT INTO catalog_info (id, name, version, title, id_scheme, sample, content_sha256, suffix_legend)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            catalog.name,
            catalog.version,
            catalog.title,
            catalog.id_scheme.as_str(),
            catalog.sample,
            catalog.content_hash(),
            if catalog.suffix_legend.is_empty() {
                None
            } else {
                Some(
                    serde_json::to_string(&catalog.suffix_legend)
                        .map_err(|e| Error::invalid("catalog", e.to_string()))?,
                )
            }
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
pub(crate) fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    if path.exists() {
        return Err(Error::AlreadyExists { what: "file", id: path.display().to_string() });
    }
    temp_beside_existing(path)
}

/// A temporary file in the folder of `path`, which may exist (the new form
/// of a file that will replace it). It is locked while its writer lives, as
/// every partial file is (`files::Partial`): what a killed writer left in
/// the folder (a partial engagement, a decrypted one among them) is removed
/// first.
pub(crate) fn temp_beside_existing(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    crate::files::sweep(dir);
    let temp = tempfile::Builder::new()
        .prefix(crate::files::PARTIAL)
        .suffix(".engagement.tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    // A file system without locks still gets its file; only the sweep of
    // others' leftovers then cannot tell a live writer's file apart.
    let _ = temp.as_file().try_lock();
    Ok(temp)
}

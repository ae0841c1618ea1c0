//! The catalog library: the catalogs a user has imported, kept in one SQLite
//! file in the user's data directory. Each catalog version is stored whole,
//! so an import is all-or-nothing and versions live side by side.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::Schema;
use crate::error::{Error, Result};
use crate::model::catalog::{Catalog, IdScheme};
use crate::model::event::{format_time, Clock};
use crate::model::procedure::ProcedureLibrary;

/// "ISML" in the SQLite header's application_id field.
const APPLICATION_ID: i32 = 0x4953_4D4C;

static SCHEMA: Schema = Schema {
    application_id: APPLICATION_ID,
    what: "an ISMAP Workbench catalog library",
    migrations: &[
        include_str!("../../migrations/library/0001_initial.sql"),
        include_str!("../../migrations/library/0002_procedure_libraries.sql"),
    ],
    page_size: 4096,
    encryptable: false,
};

const FILE_NAME: &str = "catalogs.sqlite";

/// The environment variable that moves the data directory (tests always set it).
pub const DATA_DIR_ENV: &str = "WORKBENCH_DATA_DIR";

#[derive(Debug)]
pub struct Library {
    conn: Connection,
    path: PathBuf,
}

/// A catalog as listed: without its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CatalogSummary {
    pub name: String,
    pub version: String,
    pub title: String,
    pub id_scheme: IdScheme,
    pub sample: bool,
    pub source_file: String,
    pub imported_at: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub items: i64,
    /// Items that are assessed: detailed controls (OSCAL: controls and
    /// enhancements).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub controls: i64,
    pub content_sha256: String,
}

/// The data directory: `WORKBENCH_DATA_DIR` if set, else the platform's
/// per-user data folder (e.g. `~/.local/share/ismap-workbench` on Linux,
/// `%APPDATA%\ismap-workbench` on Windows).
pub fn default_data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir().map(|d| d.join("ismap-workbench")).ok_or_else(|| {
        Error::invalid(DATA_DIR_ENV, "no per-user data folder is known on this system; set WORKBENCH_DATA_DIR")
    })
}

impl Library {
    /// Opens the library in `data_dir`, creating the folder and file if needed.
    pub fn open_in(data_dir: &Path) -> Result<Library> {
        std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
        let path = data_dir.join(FILE_NAME);
        let conn = if path.exists() {
            super::open(&path, &SCHEMA, super::Access::Write, &super::cipher::Keying::Plain)?.conn
        } else {
            super::create(&path, &SCHEMA, None)?
        };
        Ok(Library { conn, path })
    }

    /// Stores a checked catalog. Refuses a name and version already present:
    /// a released version of the criteria never changes.
    pub fn add(&mut self, catalog: &Catalog, source_file: &str, clock: &dyn Clock) -> Result<CatalogSummary> {
        let content = serde_json::to_string(catalog).map_err(|e| Error::invalid("catalog", e.to_string()))?;
        let tx = self.conn.transaction()?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT id FROM catalog WHERE name = ?1 AND version = ?2",
                [&catalog.name, &catalog.version],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_some() {
            return Err(Error::AlreadyExists { what: "catalog", id: catalog.reference() });
        }
        tx.execute(
            "INSERT INTO catalog (name, version, title, id_scheme, sample, source_file, imported_at, content_sha256,
                                  content, item_count, control_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                catalog.name,
                catalog.version,
                catalog.title,
                catalog.id_scheme.as_str(),
                catalog.sample,
                source_file,
                format_time(clock.now()),
                catalog.content_hash(),
                content,
                catalog.items.len() as i64,
                catalog.assessable_count() as i64,
            ],
        )?;
        tx.commit()?;
        self.summary(&catalog.name, &catalog.version)
    }

    pub fn list(&self) -> Result<Vec<CatalogSummary>> {
        let mut stmt = self.conn.prepare(&format!("{SUMMARY_SQL} ORDER BY name, version"))?;
        let rows = stmt.query_map([], summary_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn summary(&self, name: &str, version: &str) -> Result<CatalogSummary> {
        self.conn
            .query_row(&format!("{SUMMARY_SQL} WHERE name = ?1 AND version = ?2"), [name, version], summary_row)
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "catalog", id: format!("{name}@{version}") })
    }

    /// Loads a catalog by `name@version`. The version may be left out when
    /// the library holds only one version of that name.
    pub fn load(&self, reference: &str) -> Result<Catalog> {
        let (name, version) = match reference.rsplit_once('@') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => {
                let versions: Vec<String> =
                    self.list()?.into_iter().filter(|c| c.name == reference).map(|c| c.version).collect();
                match versions.as_slice() {
                    [only] => (reference.to_string(), only.clone()),
                    [] => return Err(Error::NotFound { what: "catalog", id: reference.into() }),
                    many => {
                        return Err(Error::invalid(
                            "catalog",
                            format!(
                                "\"{reference}\" has several versions ({}); name one as NAME@VERSION",
                                many.join(", ")
                            ),
                        ))
                    }
                }
            }
        };
        let content: String = self
            .conn
            .query_row("SELECT content FROM catalog WHERE name = ?1 AND version = ?2", [&name, &version], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "catalog", id: format!("{name}@{version}") })?;
        serde_json::from_str(&content).map_err(|e| Error::Corrupt {
            path: self.path.clone(),
            detail: format!("catalog {name}@{version} is unreadable: {e}"),
        })
    }
}

/// A procedure library as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcedureLibrarySummary {
    pub name: String,
    pub version: String,
    pub title: String,
    pub source_file: String,
    pub imported_at: String,
    pub entries: i64,
    pub content_sha256: String,
}

impl Library {
    /// Stores a checked procedure library; a name and version already present is refused.
    pub fn add_procedures(
        &mut self,
        library: &ProcedureLibrary,
        source_file: &str,
        clock: &dyn Clock,
    ) -> Result<ProcedureLibrarySummary> {
        let content = serde_json::to_string(library).map_err(|e| Error::invalid("procedures", e.to_string()))?;
        let hash = {
            use sha2::{Digest, Sha256};
            hex::encode(Sha256::digest(content.as_bytes()))
        };
        let tx = self.conn.transaction()?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT id FROM procedure_library WHERE name = ?1 AND version = ?2",
                [&library.name, &library.version],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_some() {
            return Err(Error::AlreadyExists {
                what: "procedure library",
                id: format!("{}@{}", library.name, library.version),
            });
        }
        tx.execute(
            "INSERT INTO procedure_library (name, version, title, source_file, imported_at, content_sha256, content, entry_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                library.name,
                library.version,
                library.title,
                source_file,
                format_time(clock.now()),
                hash,
                content,
                library.entries.len() as i64
            ],
        )?;
        tx.commit()?;
        self.procedure_libraries()?
            .into_iter()
            .find(|l| l.name == library.name && l.version == library.version)
            .ok_or_else(|| Error::NotFound { what: "procedure library", id: library.name.clone() })
    }

    pub fn procedure_libraries(&self) -> Result<Vec<ProcedureLibrarySummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, version, title, source_file, imported_at, entry_count, content_sha256
             FROM procedure_library ORDER BY name, version",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ProcedureLibrarySummary {
                name: r.get(0)?,
                version: r.get(1)?,
                title: r.get(2)?,
                source_file: r.get(3)?,
                imported_at: r.get(4)?,
                entries: r.get(5)?,
                content_sha256: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Loads a procedure library by `name@version`.
    pub fn load_procedures(&self, reference: &str) -> Result<ProcedureLibrary> {
        let not_found = || Error::NotFound { what: "procedure library", id: reference.into() };
        let (name, version) = reference.rsplit_once('@').ok_or_else(not_found)?;
        let content: String = self
            .conn
            .query_row("SELECT content FROM procedure_library WHERE name = ?1 AND version = ?2", [name, version], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(not_found)?;
        serde_json::from_str(&content).map_err(|e| Error::Corrupt {
            path: self.path.clone(),
            detail: format!("procedure library {reference} is unreadable: {e}"),
        })
    }
}

const SUMMARY_SQL: &str = "SELECT name, version, title, id_scheme, sample, source_file, imported_at, item_count,
        control_count, content_sha256 FROM catalog";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CatalogSummary> {
    Ok(CatalogSummary {
        name: r.get(0)?,
        version: r.get(1)?,
        title: r.get(2)?,
        id_scheme: IdScheme::parse(&r.get::<_, String>(3)?).unwrap_or(IdScheme::Ismap),
        sample: r.get(4)?,
        source_file: r.get(5)?,
        imported_at: r.get(6)?,
        items: r.get(7)?,
        controls: r.get(8)?,
        content_sha256: r.get(9)?,
    })
}

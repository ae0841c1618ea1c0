//! Storage: the one place where SQLite files are opened, their pragmas set
//! and their migrations run.

pub mod engagement_file;
pub mod events;
pub mod evidence;
pub mod library;
pub mod report;
pub mod review;
pub mod sampling;
pub mod work;

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// A schema: its file identity and its append-only list of migrations.
#[derive(Debug)]
pub(crate) struct Schema {
    /// Written to SQLite's `application_id` header field, so that a file of
    /// another program (or of the other schema) is recognised at once.
    pub application_id: i32,
    /// What the file is, for messages.
    pub what: &'static str,
    /// Migration `i` brings the schema from version `i` to `i + 1`.
    pub migrations: &'static [&'static str],
    /// SQLite's page size for new files.
    pub page_size: u32,
}

impl Schema {
    pub fn latest(&self) -> i64 {
        self.migrations.len() as i64
    }
}

/// Pragmas set on every connection. The rollback journal (DELETE) is chosen
/// over WAL so that a committed change is always in the main file: copying
/// or e-mailing the engagement file alone is then a complete copy.
/// `synchronous = FULL` makes a commit durable before it returns, and
/// `secure_delete` overwrites freed pages, as client evidence is confidential.
fn set_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    // 32 MiB of page cache (64 KiB pages): an intake of many small files
    // touches a dozen b-tree pages per file, and a smaller cache would write
    // them out again and again.
    conn.pragma_update(None, "cache_size", -32768)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// Creates a new, empty file of the schema at `path`, which must not exist.
pub(crate) fn create(path: &Path, schema: &Schema) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)?;
    // The page size must be set before the first table is created.
    conn.pragma_update(None, "page_size", schema.page_size)?;
    set_pragmas(&conn)?;
    conn.pragma_update(None, "application_id", schema.application_id)?;
    migrate(&mut conn, path, schema)?;
    Ok(conn)
}

/// Opens an existing file of the schema: checks that it is one, refuses a
/// newer schema, and brings an older one up to date in one transaction.
pub(crate) fn open(path: &Path, schema: &Schema) -> Result<Connection> {
    check_header(path, schema)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let at = |e| Error::from_sqlite_at(path, e);
    let mut conn = Connection::open_with_flags(path, flags).map_err(at)?;
    set_pragmas(&conn).map_err(at)?;
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(at)?;
    if app_id != schema.application_id {
        return Err(Error::NotAnEngagement {
            path: path.into(),
            reason: format!("a SQLite database of another program, not {}", schema.what),
        });
    }
    migrate(&mut conn, path, schema)?;
    Ok(conn)
}

/// Reads the 100-byte SQLite header before SQLite does, so that a foreign or
/// truncated file gets a precise message instead of a failure at some later
/// query.
fn check_header(path: &Path, schema: &Schema) -> Result<()> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound { what: "file", id: path.display().to_string() },
        _ => Error::io(path, e),
    })?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut header = [0u8; 100];
    let not_ours = |reason: &str| Error::NotAnEngagement { path: path.into(), reason: reason.to_string() };
    if len < 100 {
        return Err(not_ours(if len == 0 { "the file is empty" } else { "the file is too short" }));
    }
    file.read_exact(&mut header).map_err(|e| Error::io(path, e))?;
    if &header[..16] != b"SQLite format 3\0" {
        return Err(not_ours(&format!("not {}", schema.what)));
    }
    let be32 = |at: usize| u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    if be32(68) as i32 != schema.application_id {
        return Err(not_ours(&format!("a SQLite database of another program, not {}", schema.what)));
    }
    // The header records the database size in pages; it is reliable when the
    // "version valid for" field equals the change counter. A file shorter
    // than that has lost its end (an interrupted copy or download).
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536,
        n => u64::from(n),
    };
    if be32(92) == be32(24) {
        let expected = u64::from(be32(28)) * page_size;
        if len < expected {
            return Err(Error::Corrupt {
                path: path.into(),
                detail: format!("the file is truncated: {len} bytes where its header says {expected}"),
            });
        }
    }
    Ok(())
}

/// Applies the migrations the file lacks, all in one transaction: a file is
/// either at its old version or at the latest, never in between.
fn migrate(conn: &mut Connection, path: &Path, schema: &Schema) -> Result<()> {
    let at = |e| Error::from_sqlite_at(path, e);
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(at)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(at)?;
    if version > schema.latest() {
        return Err(Error::NewerVersion { path: path.into(), found: version, supported: schema.latest() });
    }
    if version < 0 {
        return Err(Error::Corrupt { path: path.into(), detail: format!("schema version {version}") });
    }
    for sql in &schema.migrations[version as usize..] {
        tx.execute_batch(sql).map_err(at)?;
    }
    if version < schema.latest() {
        tx.pragma_update(None, "user_version", schema.latest()).map_err(at)?;
    }
    tx.commit().map_err(at)?;
    Ok(())
}

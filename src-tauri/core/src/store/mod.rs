//! Storage: SQL and nothing else. The one place where SQLite files are
//! opened (pragmas, migrations, refusing foreign or newer files), the reads
//! of state, `apply` (the one writer of state tables), the event log, and
//! replay. Decisions are `domain`'s; the write transaction is `api::execute`'s.

pub(crate) mod apply;
pub mod change;
pub mod cipher;
pub mod closing;
pub mod copies;
pub mod engagement_file;
pub mod events;
pub mod evidence;
pub mod library;
pub mod replay;
pub mod review;
pub mod roster;
pub mod sampling;
pub(crate) mod search;
pub mod targets;
pub mod wording;
pub mod work;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use rusqlite::config::DbConfig;
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
    /// Whether its files may be encrypted (engagement files; the catalog
    /// library holds nothing confidential and stays plain).
    pub encryptable: bool,
}

impl Schema {
    pub fn latest(&self) -> i64 {
        self.migrations.len() as i64
    }
}

/// Whether a file is opened to change it or only to read it. Reading never
/// writes to the file: it may be on read-only media, or be evidence of
/// what someone sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Settings every connection gets, reading or writing. Defensive mode and
/// an untrusted schema keep a crafted file from changing SQLite's own
/// structures or running functions from its schema (the file's objects are
/// also checked against ours before anything else is read).
fn harden(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.pragma_update(None, "trusted_schema", "OFF")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// Pragmas of a connection that writes. The rollback journal (DELETE) is
/// chosen over WAL so that a committed change is always in the main file:
/// copying or e-mailing the engagement file alone is then a complete copy.
/// `synchronous = FULL` makes a commit durable before it returns, and
/// `secure_delete` overwrites freed pages, as client evidence is confidential.
fn set_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    harden(conn)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    // 32 MiB of page cache (64 KiB pages): an intake of many small files
    // touches a dozen b-tree pages per file, and a smaller cache would write
    // them out again and again.
    conn.pragma_update(None, "cache_size", -32768)?;
    Ok(())
}

/// Creates a new, empty file of the schema at `path`, which must not
/// exist, encrypted with `key` when one is given.
pub(crate) fn create(path: &Path, schema: &Schema, key: Option<&cipher::RawKey>) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)?;
    match key {
        // The key sets the page size of an encrypted file.
        Some(key) => cipher::key_connection(&conn, key)?,
        // The page size must be set before the first table is created.
        None => conn.pragma_update(None, "page_size", schema.page_size)?,
    }
    set_pragmas(&conn)?;
    conn.pragma_update(None, "application_id", schema.application_id)?;
    migrate(&mut conn, path, schema)?;
    Ok(conn)
}

/// An open file: its connection, and, when an older file was opened to
/// read, the folder of the upgraded copy that is read instead (removed
/// when the file is closed), and the key when it is encrypted.
#[derive(Debug)]
pub(crate) struct Opened {
    pub conn: Connection,
    pub upgraded_copy: Option<tempfile::TempDir>,
    pub key: Option<cipher::RawKey>,
}

/// Opens the file at `path` with `flags`, keyed when encrypted, hardened.
fn connect(path: &Path, flags: OpenFlags, key: Option<&cipher::RawKey>) -> Result<Connection> {
    let at = |e| Error::from_sqlite_at(path, e);
    let conn = Connection::open_with_flags(path, flags).map_err(at)?;
    if let Some(key) = key {
        cipher::key_connection(&conn, key).map_err(at)?;
    }
    harden(&conn).map_err(at)?;
    Ok(conn)
}

/// Opens an existing file of the schema: checks that it is one and that it
/// holds only the objects our migrations make, refuses a newer schema, and
/// brings an older one up to date in one transaction (to write), or reads
/// an upgraded copy (to read, so the file itself is never changed).
pub(crate) fn open(path: &Path, schema: &Schema, access: Access, keying: &cipher::Keying) -> Result<Opened> {
    let (key, source) = match schema.encryptable {
        true => {
            cipher::erase_leftover(path);
            match cipher::key_for_existing(path, keying)? {
                Some((key, source)) => (Some(key), Some(source)),
                None => (None, None),
            }
        }
        false => (None, None),
    };
    if key.is_none() {
        check_header(path, schema)?;
    }
    let at = |e| Error::from_sqlite_at(path, e);
    let flags = match access {
        Access::Write => OpenFlags::SQLITE_OPEN_READ_WRITE,
        Access::Read => OpenFlags::SQLITE_OPEN_READ_ONLY,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = connect(path, flags, key.as_ref())?;
    if let Some(k) = &key {
        // The key is checked at the first read, before anything else reads
        // (after a failed check SQLCipher answers every read as out of
        // memory); a reader meeting an interrupted change checks it once a
        // writer has restored the file.
        if cipher::check_key(&conn, path)? == cipher::KeyCheck::NotYet {
            conn = recover_if_interrupted(conn, path, flags, Some(k))?;
            cipher::check_key(&conn, path)?;
        }
        if let Some(source) = source {
            cipher::opened_with(path, source);
        }
    }
    if access == Access::Write {
        set_pragmas(&conn).map_err(at)?;
    }
    if access == Access::Read && key.is_none() {
        conn = recover_if_interrupted(conn, path, flags, None)?;
    }
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(at)?;
    if app_id != schema.application_id {
        return Err(Error::NotAnEngagement {
            path: path.into(),
            reason: format!("a SQLite database of another program, not {}", schema.what),
        });
    }
    let version = schema_version_of(&conn, path, schema)?;
    check_objects(&conn, path, schema, version)?;
    if version == schema.latest() {
        return Ok(Opened { conn, upgraded_copy: None, key });
    }
    match access {
        Access::Write => {
            migrate(&mut conn, path, schema)?;
            Ok(Opened { conn, upgraded_copy: None, key })
        }
        Access::Read => upgraded_copy(&conn, path, schema, key),
    }
}

/// A program killed in the middle of a change leaves a journal beside the
/// file, from which SQLite restores the last committed state the next time
/// the file is opened to write. A reader cannot do that, so when it finds
/// such a journal it lets SQLite restore the file (which changes nothing
/// that was committed) and reads it then; on read-only media it says why it
/// cannot read the file.
/// SQLITE_READONLY_ROLLBACK: a hot journal that a read-only connection cannot roll back.
pub(crate) const READONLY_ROLLBACK: std::ffi::c_int = 776;

fn recover_if_interrupted(
    conn: Connection,
    path: &Path,
    flags: OpenFlags,
    key: Option<&cipher::RawKey>,
) -> Result<Connection> {
    let probe = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0));
    match probe {
        Err(e) if e.sqlite_error().is_some_and(|s| s.extended_code == READONLY_ROLLBACK) => {
            drop(conn);
            let writer = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX, key)
                .and_then(|w| {
                    w.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))
                        .map(|_| w)
                        .map_err(|e| Error::from_sqlite_at(path, e))
                });
            match writer {
                Ok(writer) => drop(writer),
                // With a wrong key the restore fails before it writes anything.
                Err(Error::NotAnEngagement { .. }) if key.is_some() => {
                    return Err(Error::WrongPassphrase { path: path.into() })
                }
                Err(_) => {
                    return Err(Error::Corrupt {
                        path: path.into(),
                        detail: "a change to it was interrupted and it cannot be restored where it is (read-only); copy it, with the file ending in -journal beside it, to a folder you can write to and open that copy".into(),
                    })
                }
            }
            connect(path, flags, key)
        }
        _ => Ok(conn),
    }
}

/// The schema version a file records, refused when newer than ours.
fn schema_version_of(conn: &Connection, path: &Path, schema: &Schema) -> Result<i64> {
    let version: i64 =
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| Error::from_sqlite_at(path, e))?;
    if version > schema.latest() {
        return Err(Error::NewerVersion { path: path.into(), found: version, supported: schema.latest() });
    }
    if version < 0 {
        return Err(Error::Corrupt { path: path.into(), detail: format!("schema version {version}") });
    }
    Ok(version)
}

/// An older file opened to read: a copy of it, upgraded, in a private
/// temporary folder, so that reading never writes to the file itself. The
/// copy of an encrypted file is encrypted with the same key.
fn upgraded_copy(conn: &Connection, path: &Path, schema: &Schema, key: Option<cipher::RawKey>) -> Result<Opened> {
    let dir = tempfile::Builder::new().prefix("workbench-upgrade-").tempdir().map_err(|e| Error::io(path, e))?;
    let copy = dir.path().join("upgraded.ismap");
    let at = |e| Error::from_sqlite_at(path, e);
    match &key {
        Some(k) => cipher::export(conn, Some(k), &copy, Some(k))?,
        None => {
            let mut target = Connection::open(&copy).map_err(at)?;
            let backup = rusqlite::backup::Backup::new(conn, &mut target).map_err(at)?;
            backup.run_to_completion(1024, std::time::Duration::ZERO, None).map_err(at)?;
        }
    }
    let mut upgraded = connect(&copy, OpenFlags::SQLITE_OPEN_READ_WRITE, key.as_ref())?;
    set_pragmas(&upgraded).map_err(at)?;
    migrate(&mut upgraded, path, schema)?;
    Ok(Opened { conn: upgraded, upgraded_copy: Some(dir), key })
}

/// One object of a schema: its type, name, table and SQL text.
type SchemaObject = (String, String, String, Option<String>);

/// The objects of each schema (by application id) at each version.
type ObjectsByVersion = HashMap<(i32, i64), BTreeSet<SchemaObject>>;

/// The objects our migrations make, up to `version`, computed once per
/// schema and version in an empty in-memory database.
fn expected_objects(schema: &Schema, version: i64) -> Result<BTreeSet<SchemaObject>> {
    static CACHE: OnceLock<Mutex<ObjectsByVersion>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let key = (schema.application_id, version);
    if let Some(found) = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key) {
        return Ok(found.clone());
    }
    let conn = Connection::open_in_memory()?;
    for sql in &schema.migrations[..version as usize] {
        conn.execute_batch(sql)?;
    }
    let objects = objects_of(&conn)?;
    cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, objects.clone());
    Ok(objects)
}

fn objects_of(conn: &Connection) -> rusqlite::Result<BTreeSet<SchemaObject>> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    rows.collect()
}

/// Refuses a file holding any object our migrations did not make (a
/// trigger, a view, a table or index of its own, or one of ours changed),
/// naming it: such an object could run code of the sender's whenever the
/// file is changed, or show something other than what is stored.
fn check_objects(conn: &Connection, path: &Path, schema: &Schema, version: i64) -> Result<()> {
    let expected = expected_objects(schema, version)?;
    let found = objects_of(conn).map_err(|e| Error::from_sqlite_at(path, e))?;
    if let Some((kind, name, _, _)) = found.difference(&expected).next() {
        let ours = expected.iter().any(|(k, n, _, _)| k == kind && n == name);
        return Err(Error::ForeignObject {
            path: path.into(),
            object: format!("{kind} {name}"),
            detail: if ours { "its definition was changed" } else { "our schema has no such object" }.into(),
        });
    }
    if let Some((kind, name, _, _)) = expected.difference(&found).next() {
        return Err(Error::Corrupt { path: path.into(), detail: format!("the {kind} {name} is missing") });
    }
    Ok(())
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
    // A writer killed while committing leaves the file part-written beside
    // its journal, from which SQLite restores it when it opens it: the size
    // is only judged when there is no journal to restore from.
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    let restorable = std::fs::metadata(std::path::PathBuf::from(journal)).is_ok_and(|m| m.len() > 0);
    if be32(92) == be32(24) && !restorable {
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
    let version = schema_version_of(&tx, path, schema)?;
    for sql in &schema.migrations[version as usize..] {
        tx.execute_batch(sql).map_err(at)?;
    }
    if version < schema.latest() {
        tx.pragma_update(None, "user_version", schema.latest()).map_err(at)?;
    }
    tx.commit().map_err(at)?;
    Ok(())
}

/// Makes a rename or a new file in `path`'s folder durable: the folder's
/// entry is flushed too, so that a power cut right after does not lose the
/// file's name. Folders cannot be flushed this way on Windows, whose file
/// system journals names itself.
pub(crate) fn sync_parent(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Runs one statement through the connection's cache of prepared
/// statements: `apply` runs the same few statements tens of thousands of
/// times in a replay, and parsing each anew would be most of its cost.
pub(crate) fn exec<P: rusqlite::Params>(conn: &Connection, sql: &str, params: P) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

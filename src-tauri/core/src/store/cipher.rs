//! Encryption at rest: engagement files encrypted whole with SQLCipher
//! (ARCHITECTURE.md, "Encryption at rest"; docs/security.md).
//!
//! A passphrase is turned into the file's key exactly as SQLCipher 4 does by
//! default (PBKDF2-HMAC-SHA512, 256,000 iterations, the 16-byte salt SQLCipher
//! keeps at the start of the file, a 256-bit AES key), so the `sqlcipher`
//! shell opens our files with the passphrase, `PRAGMA cipher_page_size =
//! 65536` and `PRAGMA cipher_hmac_algorithm = HMAC_SHA256` (see [`HMAC`]). We derive it ourselves, once per file and passphrase, and key every
//! connection with the raw key: the app opens the file for each request, and
//! a quarter of a second of key derivation each time would make every screen
//! slow.
//!
//! Which passphrase a file is opened with is decided here, so that every
//! function of `api` works on an encrypted file unchanged: a passphrase the
//! front end gave for that file (the app's unlock dialog), else the one a
//! script gave for every file (the CLI's environment variable), else the
//! front end is asked (the CLI's prompt), else the file is refused with a
//! message that asks for it.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use rusqlite::Connection;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// SQLCipher 4's default key derivation: PBKDF2-HMAC-SHA512 with this many
/// iterations.
pub const KDF_ITERATIONS: u32 = 256_000;

/// Pages of encrypted files, as of plain ones (`engagement_file::PAGE_SIZE`).
/// SQLCipher does not record it in the file, so every connection sets it.
pub const CIPHER_PAGE_SIZE: u32 = 65536;

/// Pages are authenticated with HMAC-SHA256 rather than SQLCipher 4's
/// default HMAC-SHA512: as strong for this use (a 256-bit key and tag), and
/// twice as fast on processors with SHA extensions, which is most of the
/// cost of reading an encrypted page (docs/benchmarks.md). Not recorded in
/// the file either: every connection sets it.
pub const HMAC: &str = "HMAC_SHA256";

/// The salt SQLCipher keeps in the first 16 bytes of an encrypted file.
const SALT_LEN: usize = 16;

/// The shortest passphrase accepted for a new key. Length is what makes a
/// passphrase strong; the UI shows a strength hint beyond this floor.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// A passphrase, zeroed when dropped.
pub type Passphrase = Zeroizing<String>;

/// A file's raw key with the salt it was derived with.
#[derive(Clone)]
pub(crate) struct RawKey {
    key: Zeroizing<[u8; 32]>,
    salt: [u8; SALT_LEN],
}

impl std::fmt::Debug for RawKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawKey(..)")
    }
}

impl RawKey {
    /// SQLCipher's derivation of `passphrase` with `salt`.
    fn derive(passphrase: &str, salt: [u8; SALT_LEN]) -> RawKey {
        let mut key = Zeroizing::new([0u8; 32]);
        pbkdf2::pbkdf2_hmac::<sha2::Sha512>(passphrase.as_bytes(), &salt, KDF_ITERATIONS, key.as_mut());
        RawKey { key, salt }
    }

    /// A key for a new file: a fresh random salt.
    pub(crate) fn fresh(passphrase: &str) -> RawKey {
        use rand_core::RngCore;
        let mut salt = [0u8; SALT_LEN];
        rand_core::OsRng.fill_bytes(&mut salt);
        RawKey::derive(passphrase, salt)
    }

    /// The key in SQLCipher's raw form with its salt (`x'KEY SALT'`), which
    /// a new file takes as its salt.
    fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}{}'", hex::encode(self.key.as_ref()), hex::encode(self.salt)))
    }
}

type DerivedCache = Vec<(Passphrase, RawKey)>;

fn derived_cache() -> &'static Mutex<DerivedCache> {
    static CACHE: OnceLock<Mutex<DerivedCache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(Vec::new()))
}

/// Derived keys, by salt and passphrase, so that a passphrase is derived
/// once per file and process. Memory only; a forgotten passphrase's keys go
/// with it ([`forget`]).
fn derived(passphrase: &str, salt: [u8; SALT_LEN]) -> RawKey {
    let cache = derived_cache();
    if let Some((_, key)) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|(p, k)| k.salt == salt && p.as_str() == passphrase)
    {
        return key.clone();
    }
    let key = RawKey::derive(passphrase, salt);
    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    // A long-running app sees few files; the bound only keeps a script that
    // opens thousands of them from holding every key.
    if cache.len() >= 64 {
        cache.remove(0);
    }
    cache.push((Zeroizing::new(passphrase.to_string()), key.clone()));
    key
}

/// Drops the derived keys of `passphrase`, unless another file still has it.
fn drop_derived(passphrase: &str) {
    let still_given = given_for_files()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .values()
        .any(|p| p.as_ref().is_some_and(|p| p.as_str() == passphrase))
        || given_for_all()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|p| p.as_str() == passphrase);
    if !still_given {
        derived_cache().lock().unwrap_or_else(PoisonError::into_inner).retain(|(p, _)| p.as_str() != passphrase);
    }
}

// ---- Which passphrase a file is opened with ------------------------------------

/// Passphrases given for one file each (the app's unlock dialog), by the
/// file's absolute path; `None` for a file known to be plain (one this
/// process is building plain), which the passphrase given for every file
/// then does not concern.
fn given_for_files() -> &'static Mutex<HashMap<PathBuf, Option<Passphrase>>> {
    static GIVEN: OnceLock<Mutex<HashMap<PathBuf, Option<Passphrase>>>> = OnceLock::new();
    GIVEN.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A passphrase given for every file (a script's environment variable).
fn given_for_all() -> &'static Mutex<Option<Passphrase>> {
    static GIVEN: OnceLock<Mutex<Option<Passphrase>>> = OnceLock::new();
    GIVEN.get_or_init(|| Mutex::new(None))
}

/// How the front end asks its user for a file's passphrase (a terminal
/// prompt); `None` when it cannot.
pub type Asker = Box<dyn Fn(&Path) -> Option<Passphrase> + Send + Sync>;

fn asker() -> &'static OnceLock<Asker> {
    static ASKER: OnceLock<Asker> = OnceLock::new();
    &ASKER
}

/// The path a passphrase is remembered under: absolute, with the folder's
/// links resolved, so that `a.ismap` and `./a.ismap` are one file. A file
/// that does not exist yet (one being created) is named by its folder's
/// resolved path.
fn file_key(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(parent), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// Remembers `passphrase` for the file at `path` (existing or to be
/// created) for this process.
pub fn remember(path: &Path, passphrase: Passphrase) {
    given_for_files().lock().unwrap_or_else(PoisonError::into_inner).insert(file_key(path), Some(passphrase));
}

/// Marks the file at `path` as plain for this process (until [`forget`]).
pub(crate) fn mark_plain(path: &Path) {
    given_for_files().lock().unwrap_or_else(PoisonError::into_inner).insert(file_key(path), None);
}

/// Forgets the passphrase remembered for `path`, and the keys derived from it.
pub fn forget(path: &Path) {
    let removed = given_for_files().lock().unwrap_or_else(PoisonError::into_inner).remove(&file_key(path));
    if let Some(Some(passphrase)) = removed {
        drop_derived(&passphrase);
    }
}

/// Sets the passphrase given for every file to open (`None` clears it). An
/// empty one is none. It opens files; it never makes a new file encrypted
/// (that takes a passphrase given for that file).
pub fn give_for_all(passphrase: Option<Passphrase>) {
    let passphrase = passphrase.filter(|p| !p.is_empty());
    let old = std::mem::replace(&mut *given_for_all().lock().unwrap_or_else(PoisonError::into_inner), passphrase);
    if let Some(old) = old {
        drop_derived(&old);
    }
}

/// Sets how the front end asks for a passphrase; the first setting stays.
pub fn set_asker(ask: Asker) {
    let _ = asker().set(ask);
}

/// What was given for the file at `path` itself: nothing, a passphrase, or
/// that it is plain.
fn decided_for_file(path: &Path) -> Option<Option<Passphrase>> {
    given_for_files().lock().unwrap_or_else(PoisonError::into_inner).get(&file_key(path)).cloned()
}

/// The passphrase given for the file at `path` itself (not for every file).
pub(crate) fn given_for_file(path: &Path) -> Option<Passphrase> {
    decided_for_file(path).flatten()
}

/// The passphrase given for `path` without asking anyone.
pub(crate) fn given(path: &Path) -> Option<Passphrase> {
    match decided_for_file(path) {
        Some(decided) => decided,
        None => given_for_all().lock().unwrap_or_else(PoisonError::into_inner).clone(),
    }
}

/// Where the passphrase of a file being opened came from.
pub(crate) enum Source {
    Given,
    /// Typed at the front end's prompt: remembered for the file once it
    /// opens it, so that one command asks once.
    Asked(Passphrase),
}

/// The passphrase for `path`: given, else asked for.
fn for_file(path: &Path) -> Option<(Passphrase, Source)> {
    if let Some(p) = given(path) {
        return Some((p, Source::Given));
    }
    let asked = asker().get().and_then(|ask| ask(path))?;
    Some((asked.clone(), Source::Asked(asked)))
}

// ---- Files ----------------------------------------------------------------------

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileForm {
    /// A plain SQLite file (ours or another program's: the header says).
    Plain,
    /// Not a plain SQLite file, but of the size an encrypted one has (whole
    /// pages): encrypted, if it is an engagement file at all. Without the
    /// key, an encrypted file cannot be told from random bytes.
    Encrypted,
    /// Neither (empty, short, or not a whole number of pages).
    Other,
}

/// Reads the start of the file at `path` to tell a plain SQLite file from
/// an encrypted one.
pub fn form_of(path: &Path) -> Result<(FileForm, [u8; SALT_LEN])> {
    let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound { what: "file", id: path.display().to_string() },
        _ => Error::io(path, e),
    })?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut head = [0u8; 24];
    let mut start = [0u8; SALT_LEN];
    if len < head.len() as u64 {
        return Ok((FileForm::Other, start));
    }
    file.read_exact(&mut head).map_err(|e| Error::io(path, e))?;
    start.copy_from_slice(&head[..SALT_LEN]);
    // SQLite writes 64, 32, 32 at bytes 21 to 23 of every file (the payload
    // fractions); an encrypted file has them there by chance once in 16
    // million. A plain file whose first bytes were damaged is thus not
    // taken for an encrypted one.
    let plain_fractions = head[21..24] == [64, 32, 32];
    let form = if &start == b"SQLite format 3\0" {
        FileForm::Plain
    } else if !plain_fractions && len >= u64::from(CIPHER_PAGE_SIZE) && len % u64::from(CIPHER_PAGE_SIZE) == 0 {
        FileForm::Encrypted
    } else {
        FileForm::Other
    };
    Ok((form, start))
}

/// How a file is to be opened.
#[derive(Debug, Clone)]
pub(crate) enum Keying {
    /// As its form says, with the passphrase given or asked for when it is
    /// encrypted (every ordinary open).
    AsFound,
    /// It must be plain (the source of `encrypt`, whatever passphrase a
    /// script gave for the new file).
    Plain,
    /// With this key (the file `encrypt` or `rekey` just wrote).
    With(RawKey),
}

/// The key an existing file at `path` is opened with: `None` for a plain
/// file. Refuses an encrypted file without a passphrase, and a plain file
/// that was given one (whoever gave it expected an encrypted file, and
/// would otherwise believe this one is).
pub(crate) fn key_for_existing(path: &Path, keying: &Keying) -> Result<Option<(RawKey, Source)>> {
    let (form, salt) = form_of(path)?;
    match (keying, form) {
        (Keying::With(key), _) => Ok(Some((key.clone(), Source::Given))),
        (Keying::Plain, FileForm::Encrypted) => Err(Error::AlreadyEncrypted { path: path.into() }),
        (Keying::Plain, _) => Ok(None),
        (Keying::AsFound, FileForm::Plain) => match given(path) {
            Some(_) => Err(Error::NotEncrypted { path: path.into() }),
            None => Ok(None),
        },
        // Too short or of no whole number of pages: the header check names it.
        (Keying::AsFound, FileForm::Other) => Ok(None),
        (Keying::AsFound, FileForm::Encrypted) => match for_file(path) {
            Some((passphrase, source)) => Ok(Some((derived(&passphrase, salt), source))),
            None => Err(Error::PassphraseNeeded { path: path.into() }),
        },
    }
}

/// Remembers a passphrase typed at the prompt once its key opened the file.
pub(crate) fn opened_with(path: &Path, source: Source) {
    if let Source::Asked(passphrase) = source {
        remember(path, passphrase);
    }
}

/// The key a new file at `path` is created with: a fresh one when a
/// passphrase was given for that file (never the one given for every
/// file to open, so that a script's variable does not encrypt what it
/// creates unasked).
pub(crate) fn key_for_new(path: &Path) -> Option<RawKey> {
    given_for_file(path).map(|p| RawKey::fresh(&p))
}

/// Keys a connection just opened: the key first (SQLCipher reads nothing
/// before it), then the page size, which SQLCipher does not record in the
/// file. Temporary tables and sorts stay in memory, never in a plain
/// temporary file.
pub(crate) fn key_connection(conn: &Connection, key: &RawKey) -> rusqlite::Result<()> {
    quiet(conn);
    conn.execute_batch(&Zeroizing::new(format!("PRAGMA key = \"{}\";", key.pragma_value().as_str())))?;
    conn.pragma_update(None, "cipher_page_size", CIPHER_PAGE_SIZE)?;
    conn.execute_batch(&format!("PRAGMA cipher_hmac_algorithm = {HMAC};"))?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// SQLCipher reports a failed key check on standard error by default; our
/// own message says it, in the user's language, so its log is turned off.
/// The page authentication of files attached without `key_connection` (the
/// source of an export) is set as the default. Both are process-wide
/// settings, made once.
fn quiet(conn: &Connection) {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
        let _ = conn.execute_batch(&format!("PRAGMA cipher_default_hmac_algorithm = {HMAC};"));
    });
}

/// What the first read of a keyed connection found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyCheck {
    /// The key opens the file.
    Opens,
    /// A change to the file was interrupted, and a reader cannot restore
    /// it: the key is checked once a writer has (`recover_if_interrupted`).
    NotYet,
}

/// The first read of a keyed connection: SQLCipher checks the key there,
/// and a wrong key (or a first page damaged beyond its checksum) reads as
/// "not a database".
pub(crate) fn check_key(conn: &Connection, path: &Path) -> Result<KeyCheck> {
    match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => Ok(KeyCheck::Opens),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Err(Error::WrongPassphrase { path: path.into() })
        }
        Err(e) if e.sqlite_error().is_some_and(|s| s.extended_code == super::READONLY_ROLLBACK) => Ok(KeyCheck::NotYet),
        Err(e) => Err(Error::from_sqlite_at(path, e)),
    }
}

/// Checks a passphrase for the existing encrypted file at `path` without
/// remembering it: `WrongPassphrase` when it does not open the file.
pub fn check_passphrase(path: &Path, passphrase: &str) -> Result<()> {
    let (form, salt) = form_of(path)?;
    match form {
        FileForm::Plain => return Err(Error::NotEncrypted { path: path.into() }),
        FileForm::Other => {
            return Err(Error::NotAnEngagement {
                path: path.into(),
                reason: "neither a plain engagement file nor a whole encrypted one".into(),
            })
        }
        FileForm::Encrypted => {}
    }
    let key = derived(passphrase, salt);
    let at = |e| Error::from_sqlite_at(path, e);
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(at)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(at)?;
    key_connection(&conn, &key).map_err(at)?;
    if check_key(&conn, path)? == KeyCheck::Opens {
        return Ok(());
    }
    // An interrupted change: a writer restores it (which changes nothing
    // committed, and fails before writing anything with a wrong key), and
    // its first read checks the key.
    drop(conn);
    let writer = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(at)?;
    writer.busy_timeout(std::time::Duration::from_secs(5)).map_err(at)?;
    key_connection(&writer, &key).map_err(at)?;
    check_key(&writer, path).map(|_| ())
}

/// Refuses a new passphrase too short to be a file's key, or typed the
/// second time differently (`repeated`, when the front end asks twice).
pub fn check_new_passphrase(passphrase: &str, repeated: Option<&str>) -> Result<()> {
    use crate::error::{FieldProblem, ProblemCode};
    let mut problems = Vec::new();
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        problems.push(FieldProblem::new(
            "passphrase",
            ProblemCode::PassphraseTooShort,
            &[("min", MIN_PASSPHRASE_CHARS.to_string())],
            format!("a passphrase needs at least {MIN_PASSPHRASE_CHARS} characters"),
        ));
    }
    if repeated.is_some_and(|r| r != passphrase) {
        problems.push(FieldProblem::new(
            "passphrase_repeat",
            ProblemCode::PassphraseMismatch,
            &[],
            "the passphrase was typed differently the second time".into(),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid { problems })
    }
}

/// How hard a passphrase is to guess, as the new-file form shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    Weak,
    Fair,
    Strong,
}

/// A new passphrase checked as it is typed: its problems (too short, typed
/// differently the second time) and its strength.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PassphraseCheck {
    pub problems: Vec<crate::error::FieldProblem>,
    pub strength: Strength,
    /// The estimate the strength is judged by, in bits.
    pub bits: u32,
}

/// An estimate of a passphrase's guessing entropy: each distinct character
/// counts the size of its kind of character (lower case, upper case,
/// digits, other ASCII, kana and kanji), so that repeating one character or
/// a short word does not look strong. Below 50 bits is weak, from 80 strong
/// (the range of a random 10 to 13 character password); a dictionary
/// attack on real words is not modelled, which the hint's text says.
pub fn strength_of(passphrase: &str) -> (Strength, u32) {
    let mut seen = std::collections::BTreeSet::new();
    let (mut lower, mut upper, mut digit, mut symbol, mut wide) = (false, false, false, false, false);
    for c in passphrase.chars() {
        seen.insert(c);
        match c {
            'a'..='z' => lower = true,
            'A'..='Z' => upper = true,
            '0'..='9' => digit = true,
            c if c.is_ascii() => symbol = true,
            _ => wide = true,
        }
    }
    let pool: f64 = [(lower, 26.0), (upper, 26.0), (digit, 10.0), (symbol, 33.0), (wide, 2000.0)]
        .iter()
        .filter(|(present, _)| *present)
        .map(|(_, size)| size)
        .sum();
    // Distinct characters carry the pool's bits; repeats add one bit each.
    let distinct = seen.len() as f64;
    let repeats = passphrase.chars().count() as f64 - distinct;
    let bits = if pool > 0.0 { distinct * pool.log2() + repeats } else { 0.0 };
    let bits = bits.round() as u32;
    let strength = match bits {
        0..50 => Strength::Weak,
        50..80 => Strength::Fair,
        _ => Strength::Strong,
    };
    (strength, bits)
}

/// Checks a new passphrase as it is typed (`repeated`: typed again).
pub fn check_typed(passphrase: &str, repeated: &str) -> PassphraseCheck {
    let problems = match check_new_passphrase(passphrase, Some(repeated)) {
        Err(Error::Invalid { problems }) => problems,
        _ => Vec::new(),
    };
    let (strength, bits) = strength_of(passphrase);
    PassphraseCheck { problems, strength, bits }
}

/// Copies the whole database of `source` (ours, already checked, keyed
/// with `source_key` when encrypted) into a new file at `target`, encrypted
/// with `key` or plain: SQLCipher's `sqlcipher_export` on a connection to
/// the new file with the source attached, in one transaction, so the copy
/// is consistent even while another program writes. The schema version and
/// application id are carried, which the export does not copy.
pub(crate) fn export(
    source: &Connection,
    source_key: Option<&RawKey>,
    target: &Path,
    key: Option<&RawKey>,
) -> Result<()> {
    let source_path = match source.path() {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => return Err(Error::invalid("file", "the file's path cannot be given to SQLite (not UTF-8)")),
    };
    let at = |e| Error::from_sqlite_at(target, e);
    let version: i64 = source.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(at)?;
    let app_id: i32 = source.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(at)?;
    let conn = Connection::open(target).map_err(at)?;
    match key {
        Some(k) => key_connection(&conn, k).map_err(at)?,
        None => conn.pragma_update(None, "page_size", CIPHER_PAGE_SIZE).map_err(at)?,
    }
    conn.pragma_update(None, "trusted_schema", "OFF").map_err(at)?;
    conn.pragma_update(None, "journal_mode", "DELETE").map_err(at)?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(at)?;
    let source_key = match source_key {
        Some(k) => k.pragma_value(),
        None => Zeroizing::new(String::new()),
    };
    // An attached file is read at once, before a page size could be set
    // for it alone: the default is set first.
    quiet(&conn);
    conn.execute_batch(&format!("PRAGMA cipher_default_page_size = {CIPHER_PAGE_SIZE};")).map_err(at)?;
    conn.execute("ATTACH DATABASE ?1 AS source KEY ?2", [&*source_path.to_string_lossy(), source_key.as_str()])
        .map_err(|e| Error::from_sqlite_at(&source_path, e))?;
    conn.execute_batch("BEGIN").map_err(at)?;
    let exported = conn
        .query_row("SELECT sqlcipher_export('main', 'source')", [], |_| Ok(()))
        .and_then(|()| conn.pragma_update(Some("main"), "user_version", version))
        .and_then(|()| conn.pragma_update(Some("main"), "application_id", app_id));
    match exported {
        Ok(()) => conn.execute_batch("COMMIT").map_err(at)?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(at(e));
        }
    }
    conn.execute("DETACH DATABASE source", []).map_err(at)?;
    Ok(())
}

// ---- Replacing a file by its encrypted, decrypted or rekeyed form -----------------

/// The name the old contents of a replaced file keep until they are
/// overwritten: beside it, so that the replacement is one rename.
fn leftover_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".workbench-erase");
    PathBuf::from(name)
}

/// Deals with what a replacement interrupted by a crash left under the
/// second name (`FILE.workbench-erase`), the next time the file is opened.
/// Only a regular file of that name is touched (never a link someone put
/// there). When the file itself is gone (a crash between the two renames
/// where hard links are not possible), the old contents are put back in
/// its place. When the second name is the file itself (a crash after the
/// hard link, before the new file took the name), the second name alone
/// goes. Otherwise the old contents are overwritten, when nothing else
/// links to them, and removed. Best effort: whoever opens the file next
/// must not fail because of it.
pub(crate) fn erase_leftover(path: &Path) {
    let leftover = leftover_of(path);
    let Ok(meta) = std::fs::symlink_metadata(&leftover) else { return };
    if !meta.file_type().is_file() {
        return;
    }
    let current = match std::fs::symlink_metadata(path) {
        Ok(current) => current,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let _ = std::fs::rename(&leftover, path);
            return;
        }
        Err(_) => return,
    };
    if same_file(&meta, &current) || !sole_link(&meta) {
        let _ = std::fs::remove_file(&leftover);
        return;
    }
    let _ = overwrite_and_remove(&leftover);
}

/// Whether two names are one file (Unix: device and inode). Elsewhere the
/// answer is "maybe", and a maybe is never overwritten.
#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

/// Whether the file has no other name (overwriting it then destroys
/// nothing but the old contents: not a backup tool's hard link).
#[cfg(unix)]
fn sole_link(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.nlink() == 1
}

#[cfg(not(unix))]
fn sole_link(_: &std::fs::Metadata) -> bool {
    false
}

/// Overwrites a file's bytes with zeros, flushes them, and removes it. On
/// a hard disk with an ordinary file system the old bytes are then gone;
/// on an SSD, a copy-on-write file system (Btrfs, ZFS, APFS) or a journal
/// of data, the old blocks may survive elsewhere (docs/security.md).
fn overwrite_and_remove(path: &Path) -> std::io::Result<()> {
    use std::io::{Seek, Write};
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    let len = file.metadata()?.len();
    file.seek(std::io::SeekFrom::Start(0))?;
    let zeros = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    drop(file);
    std::fs::remove_file(path)
}

/// Puts the complete, verified `new` file (beside `path`, same folder) in
/// the place of `path` and overwrites the old contents. The old file is
/// first given a second name (a hard link), so that the rename of the new
/// file over it is atomic: until then `path` is the old file, unchanged;
/// after it, the new one. Where hard links are not possible (FAT, exFAT),
/// the old file is renamed away first, and a crash between the two renames
/// leaves it beside under its second name.
pub(crate) fn replace_with(path: &Path, new: tempfile::NamedTempFile) -> Result<()> {
    let leftover = leftover_of(path);
    erase_leftover(path);
    // The file keeps who may read it (the temporary file was private).
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(new.path(), meta.permissions());
    }
    let linked = std::fs::hard_link(path, &leftover).is_ok();
    if !linked {
        std::fs::rename(path, &leftover).map_err(|e| Error::io(path, e))?;
    }
    if let Err(e) = new.persist(path) {
        // The original keeps its name: the second name goes, or the
        // original gets its name back.
        if linked {
            let _ = std::fs::remove_file(&leftover);
        } else {
            let _ = std::fs::rename(&leftover, path);
        }
        return Err(Error::io(path, e.error));
    }
    super::sync_parent(path)?;
    let old = std::fs::symlink_metadata(&leftover).map_err(|e| Error::io(&leftover, e))?;
    if sole_link(&old) || cfg!(not(unix)) {
        overwrite_and_remove(&leftover).map_err(|e| Error::io(&leftover, e))?;
    } else {
        std::fs::remove_file(&leftover).map_err(|e| Error::io(&leftover, e))?;
    }
    super::sync_parent(path)?;
    Ok(())
}

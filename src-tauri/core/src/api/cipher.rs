//! Encrypting, decrypting and rekeying an engagement file, and the
//! passphrases files are opened with (store::cipher).
//!
//! Each of the three writes the new form of the file beside it, opens it as
//! any reader would (our schema only), verifies its event log by replay,
//! and only then puts it in the old file's place in one rename; the old
//! contents are overwritten. Until that rename the old file is untouched, so
//! an interruption at any point (kill -9, a full disk) leaves it as it was.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::cipher::{self, Keying, Passphrase, RawKey};
use crate::store::engagement_file::{temp_beside_existing, EngagementFile};
use crate::store::Access;

pub use crate::store::cipher::{
    check_new_passphrase, check_typed, forget as forget_passphrase, form_of, give_for_all as give_passphrase_for_all,
    remember as remember_passphrase, set_asker as set_passphrase_asker, strength_of, Asker, FileForm, PassphraseCheck,
    Strength, CIPHER_PAGE_SIZE, HMAC, KDF_ITERATIONS, MIN_PASSPHRASE_CHARS,
};

/// What a replacement did, for the front end to report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Reencrypted {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: std::path::PathBuf,
    pub encrypted: bool,
    /// Events of the log, verified by replay in the new file.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: i64,
}

/// Whether the file at `path` is an encrypted one (by its first bytes; the
/// passphrase is not needed to tell).
pub fn is_encrypted(path: &Path) -> Result<bool> {
    Ok(form_of(path)?.0 == FileForm::Encrypted)
}

/// Checks `passphrase` against the encrypted file at `path` and, when it
/// opens the file, remembers it for `path` for the rest of this process (the
/// app's unlock dialog). A wrong one is `WrongPassphrase`, and nothing else
/// happens.
pub fn unlock(path: &Path, passphrase: Passphrase) -> Result<()> {
    cipher::check_passphrase(path, &passphrase)?;
    cipher::remember(path, passphrase);
    Ok(())
}

/// Encrypts the plain engagement file at `path` with `passphrase`.
pub fn encrypt(path: &Path, passphrase: &str) -> Result<Reencrypted> {
    check_new_passphrase(passphrase, None)?;
    let source = EngagementFile::open_with(path, Access::Write, &Keying::Plain)?;
    let done = rewrite(source, Some(&RawKey::fresh(passphrase)))?;
    cipher::forget(path);
    Ok(done)
}

/// Decrypts the encrypted engagement file at `path` (opened with the
/// passphrase given or asked for): a plain file in its place.
pub fn decrypt(path: &Path) -> Result<Reencrypted> {
    let source = EngagementFile::open(path, Access::Write)?;
    if !source.is_encrypted() {
        return Err(Error::NotEncrypted { path: path.into() });
    }
    let done = rewrite(source, None)?;
    cipher::forget(path);
    Ok(done)
}

/// Gives the encrypted engagement file at `path` a new passphrase: the
/// whole file is encrypted anew with a new salt and key, so the old
/// passphrase opens nothing of it.
pub fn rekey(path: &Path, new_passphrase: &str) -> Result<Reencrypted> {
    check_new_passphrase(new_passphrase, None)?;
    let source = EngagementFile::open(path, Access::Write)?;
    if !source.is_encrypted() {
        return Err(Error::NotEncrypted { path: path.into() });
    }
    let done = rewrite(source, Some(&RawKey::fresh(new_passphrase)))?;
    cipher::forget(path);
    Ok(done)
}

/// Writes `source` anew beside it, encrypted with `key` or plain, checks the
/// new file, and puts it in the old one's place. The source is opened to
/// write (an interrupted change is restored, an older schema brought up to
/// date, in place) and holds SQLite's write lock from before the copy until
/// the new file has its name: a change from another program (the app's
/// autosave, another command) waits meanwhile, and then finds the file
/// moved and fails rather than writing into the old contents, so nothing
/// said to be saved is lost. Windows cannot rename over an open file: there
/// the lock ends just before the rename.
fn rewrite(source: EngagementFile, key: Option<&RawKey>) -> Result<Reencrypted> {
    let path = source.path().to_path_buf();
    let at = |e| Error::from_sqlite_at(&path, e);
    super::require_true_log(&source)?;
    source.conn.execute_batch("BEGIN IMMEDIATE").map_err(at)?;
    let temp = temp_beside_existing(&path)?;
    cipher::export(&source.conn, source.key.as_ref(), temp.path(), key)?;
    let keying = match key {
        Some(k) => Keying::With(k.clone()),
        None => Keying::Plain,
    };
    let events = {
        let written = EngagementFile::open_with(temp.path(), Access::Read, &keying)?;
        super::require_true_log(&written)?;
        written.event_count()?
    };
    temp.as_file().sync_all().map_err(|e| Error::io(temp.path(), e))?;
    if cfg!(windows) {
        drop(source);
        cipher::replace_with(&path, temp)?;
    } else {
        cipher::replace_with(&path, temp)?;
        let _ = source.conn.execute_batch("ROLLBACK");
        drop(source);
    }
    Ok(Reencrypted { path, encrypted: key.is_some(), events })
}

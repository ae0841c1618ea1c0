//! Encrypted engagement files from the command line: where passphrases
//! come from, and `engagement encrypt|decrypt|rekey` (docs/security.md).
//!
//! A passphrase never comes from the command line, where other users of
//! the machine can read it: it comes from $WORKBENCH_ENGAGEMENT_PASSPHRASE
//! (and, for the new passphrase of `rekey` or of a field copy,
//! $WORKBENCH_NEW_ENGAGEMENT_PASSPHRASE), taken out of the environment at
//! start so that no process started later inherits it, else from a prompt
//! on the terminal.

use std::io::IsTerminal;
use std::path::Path;

use workbench_core::api::cipher as crypt;
use zeroize::Zeroizing;

use crate::messages::{Lang, Messages};
use crate::{Failure, Outcome};

/// The passphrase of the engagement files a command opens or creates.
pub const PASSPHRASE_VARIABLE: &str = "WORKBENCH_ENGAGEMENT_PASSPHRASE";
/// The new passphrase of `rekey`, or of a field copy given its own.
pub const NEW_PASSPHRASE_VARIABLE: &str = "WORKBENCH_NEW_ENGAGEMENT_PASSPHRASE";

/// The passphrases taken from the environment at start.
pub struct Given {
    /// For every engagement file the command opens or creates.
    pub passphrase: Option<Zeroizing<String>>,
    /// The new passphrase of `rekey` or of a field copy.
    pub new_passphrase: Option<Zeroizing<String>>,
}

fn take(name: &str) -> Option<Zeroizing<String>> {
    let value = std::env::var_os(name)?;
    std::env::remove_var(name);
    Some(Zeroizing::new(value.into_string().unwrap_or_else(|v| v.to_string_lossy().into_owned())))
}

/// Takes both variables out of the environment (before anything else runs
/// or is started).
pub fn take_variables() -> Given {
    Given { passphrase: take(PASSPHRASE_VARIABLE), new_passphrase: take(NEW_PASSPHRASE_VARIABLE) }
}

/// Tells the core where passphrases come from: the variable for every
/// file, else a prompt when the command runs at a terminal.
pub fn install(given: &Given, lang: Lang) {
    crypt::give_passphrase_for_all(given.passphrase.clone());
    crypt::set_passphrase_asker(Box::new(move |path: &Path| {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        let m = Messages::load(lang);
        let prompt = m.get("encryption.prompt", &[("file", &path.display())]);
        rpassword::prompt_password(prompt).ok().map(Zeroizing::new)
    }));
}

/// A new passphrase: from `variable`, else typed twice at the terminal;
/// checked by the core's rules either way.
pub fn new_passphrase(
    from_variable: Option<Zeroizing<String>>,
    variable: &str,
    file: &Path,
    m: &Messages,
) -> Result<Zeroizing<String>, Failure> {
    if let Some(p) = from_variable {
        crypt::check_new_passphrase(&p, None)?;
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(m.get("encryption.no_terminal", &[("variable", &variable)])));
    }
    let read = |key: &str| {
        rpassword::prompt_password(m.get(key, &[("file", &file.display())]))
            .map(Zeroizing::new)
            .map_err(|e| Failure::Usage(m.get("encryption.unreadable", &[("error", &e), ("variable", &variable)])))
    };
    let first = read("encryption.new_prompt")?;
    let second = read("encryption.repeat_prompt")?;
    crypt::check_new_passphrase(&first, Some(&second))?;
    Ok(first)
}

/// The passphrase a new engagement file (`demo --encrypt`, `engagement new
/// --encrypt`) is created with, remembered for its path.
pub fn for_new_file(out: &Path, given: &mut Given, m: &Messages) -> Outcome {
    let passphrase = new_passphrase(given.passphrase.take(), PASSPHRASE_VARIABLE, out, m)?;
    crypt::remember_passphrase(out, passphrase);
    Ok(())
}

/// `engagement encrypt FILE`.
pub fn encrypt(file: &Path, given: &mut Given, m: &Messages) -> Outcome {
    // The variable is the new file's passphrase: the plain file is opened without it.
    crypt::give_passphrase_for_all(None);
    let passphrase = new_passphrase(given.passphrase.take(), PASSPHRASE_VARIABLE, file, m)?;
    let done = crypt::encrypt(file, &passphrase)?;
    report(&done.path, done.events, "encryption.encrypted", m);
    Ok(())
}

/// `engagement decrypt FILE`.
pub fn decrypt(file: &Path, m: &Messages) -> Outcome {
    let done = crypt::decrypt(file)?;
    report(&done.path, done.events, "encryption.decrypted", m);
    Ok(())
}

/// `engagement rekey FILE`: the current passphrase as for any file, the new
/// one from its own variable or typed twice.
pub fn rekey(file: &Path, given: &mut Given, m: &Messages) -> Outcome {
    // The current passphrase is checked before a new one is asked for.
    workbench_core::api::show_engagement(file)?;
    let new = new_passphrase(given.new_passphrase.take(), NEW_PASSPHRASE_VARIABLE, file, m)?;
    let done = crypt::rekey(file, &new)?;
    report(&done.path, done.events, "encryption.rekeyed", m);
    Ok(())
}

/// A field copy's own passphrase (`team copy --new-passphrase`).
pub fn for_copy(out: &Path, given: &mut Given, m: &Messages) -> Outcome {
    let passphrase = new_passphrase(given.new_passphrase.take(), NEW_PASSPHRASE_VARIABLE, out, m)?;
    crypt::remember_passphrase(out, passphrase);
    Ok(())
}

fn report(path: &Path, events: i64, key: &str, m: &Messages) {
    println!("{}", m.get(key, &[("path", &path.display()), ("events", &events)]));
}

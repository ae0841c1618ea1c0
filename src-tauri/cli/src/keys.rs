//! Personal signing keys from the command line: make one, list them, hand
//! over the public half as a member card, check a PIN.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::Subcommand;
use workbench_core::keys;
use workbench_core::model::engagement::Role;
use zeroize::Zeroizing;

use crate::messages::Messages;
use crate::{print_json, Failure, Outcome};

/// The environment variable that may hold the PIN, for scripts.
pub const PIN_VARIABLE: &str = "WORKBENCH_SIGNING_PIN";

/// The PIN from the environment: none, the text, or bytes that are not
/// text (refused when asked for: replacing them would make many PINs one).
static PIN: OnceLock<Option<Result<Zeroizing<String>, ()>>> = OnceLock::new();

/// Takes the PIN out of the environment at start, before anything else
/// runs, so that no process started later inherits it.
pub fn take_pin_variable() {
    let value = std::env::var_os(PIN_VARIABLE).map(|v| v.into_string().map(Zeroizing::new).map_err(|_| ()));
    std::env::remove_var(PIN_VARIABLE);
    let _ = PIN.set(value);
}

/// The PIN: $WORKBENCH_SIGNING_PIN (taken at start), else a prompt (twice
/// for a new key, so that a typing slip does not lock the key away).
pub(crate) fn pin(m: &Messages, prompt: &str, twice: bool) -> Result<Zeroizing<String>, Failure> {
    match PIN.get() {
        Some(Some(Ok(pin))) => return Ok(pin.clone()),
        Some(Some(Err(()))) => return Err(Failure::Usage(m.get("key.pin_not_text", &[("variable", &PIN_VARIABLE)]))),
        _ => {}
    }
    let ask = |text: String| {
        rpassword::prompt_password(text)
            .map(Zeroizing::new)
            .map_err(|e| Failure::Usage(m.get("key.no_terminal", &[("error", &e), ("variable", &PIN_VARIABLE)])))
    };
    let first = ask(m.get(prompt, &[]))?;
    if twice && *ask(m.get("key.pin_again", &[]))? != *first {
        return Err(Failure::Usage(m.get("key.pins_differ", &[])));
    }
    Ok(first)
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make your personal signing key on this computer, sealed under a PIN you choose (at least four characters;
    /// from a prompt, or $WORKBENCH_SIGNING_PIN). It stays in the data folder, never in an engagement file.
    New {
        /// Whose key it is [default: --as, else $WORKBENCH_USER, else the login name].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the signing keys of this computer with their fingerprints.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a key's member card (name, role, public key, fingerprint) to hand to the manager.
    Card {
        /// The key: its person's name or its fingerprint.
        #[arg(long, value_name = "NAME|FINGERPRINT")]
        key: String,
        /// The role the person takes on the team.
        #[arg(long, value_parser = ["assessor", "reviewer", "manager", "partner"])]
        role: Option<String>,
        /// Where to write the card (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Write a key, still sealed under its PIN, to a file you carry to another computer of yours (keep it as you
    /// would a bank card: with its PIN, it signs as you).
    Export {
        /// The key: its person's name or its fingerprint.
        #[arg(long, value_name = "NAME|FINGERPRINT")]
        key: String,
        /// Where to write it (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Bring your key file (from `workbench key export` on another computer) into this computer's data folder.
    /// Its PIN (from a prompt, or $WORKBENCH_SIGNING_PIN) must open it; nothing is written otherwise.
    Import {
        /// The key file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check a key's PIN (it opens the key and closes it again).
    Check {
        /// The key: its person's name or its fingerprint.
        #[arg(long, value_name = "NAME|FINGERPRINT")]
        key: String,
    },
}

pub fn key(command: KeyCommand, data_dir: &Path, actor: &str, now: String, m: &Messages) -> Outcome {
    match command {
        KeyCommand::New { name, json } => {
            let name = name.unwrap_or_else(|| actor.to_string());
            let pin = pin(m, "key.pin_new", true)?;
            let made = keys::create(data_dir, &name, &pin, now)?;
            if json {
                return print_json(&made);
            }
            println!("{}", m.get("key.made", &[("name", &made.name), ("fingerprint", &made.fingerprint)]));
            println!("{}", m.get("key.kept", &[("path", &made.path.display())]));
            Ok(())
        }
        KeyCommand::List { json } => {
            let all = keys::list(data_dir)?;
            if json {
                return print_json(&all);
            }
            if all.is_empty() {
                println!("{}", m.get("key.none", &[]));
            }
            for k in &all {
                println!(
                    "{}",
                    m.get("key.row", &[("name", &k.name), ("fingerprint", &k.fingerprint), ("created", &k.created_at)])
                );
                if k.demo {
                    println!("{}", m.get("key.demo", &[("pin", &keys::DEMO_PIN)]));
                }
            }
            Ok(())
        }
        KeyCommand::Card { key, role, out } => {
            let card = keys::write_card(data_dir, &key, role.as_deref().and_then(Role::parse), &out)?;
            println!("{}", m.get("key.card_written", &[("path", &out.display()), ("fingerprint", &card.fingerprint)]));
            Ok(())
        }
        KeyCommand::Export { key, out } => {
            let written = keys::export(data_dir, &key, &out)?;
            println!("{}", m.get("key.exported", &[("path", &out.display()), ("fingerprint", &written.fingerprint)]));
            Ok(())
        }
        KeyCommand::Import { file, json } => {
            let pin = pin(m, "key.pin", false)?;
            let here = keys::import(data_dir, &file, &pin)?;
            if json {
                return print_json(&here);
            }
            println!("{}", m.get("key.imported", &[("name", &here.name), ("fingerprint", &here.fingerprint)]));
            println!("{}", m.get("key.kept", &[("path", &here.path.display())]));
            Ok(())
        }
        KeyCommand::Check { key } => {
            let found = keys::find(data_dir, &key)?;
            let pin = pin(m, "key.pin", false)?;
            let opened = keys::unlock(data_dir, &found.fingerprint, &pin)?;
            println!("{}", m.get("key.pin_ok", &[("name", &opened.name), ("fingerprint", &opened.fingerprint)]));
            Ok(())
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Add a member's key to the engagement's roster from their member card, signed with your key (a manager or
    /// partner; your own card first, which your key signs itself). The PIN comes from a prompt or
    /// $WORKBENCH_SIGNING_PIN.
    Add {
        /// The engagement file.
        file: PathBuf,
        /// The member card (workbench key card).
        #[arg(long, value_name = "CARD")]
        card: PathBuf,
        /// Your key on this computer [default: your only one].
        #[arg(long, value_name = "NAME|FINGERPRINT")]
        key: Option<String>,
    },
    /// Take a key off the roster, with the reason (a lost laptop, a member who left), signed with your key: its
    /// past signatures stay valid, and it can sign nothing new.
    Remove {
        /// The engagement file.
        file: PathBuf,
        /// The key's fingerprint.
        fingerprint: String,
        /// Why it is taken off.
        #[arg(long)]
        reason: String,
        /// Your key on this computer [default: your only one].
        #[arg(long, value_name = "NAME|FINGERPRINT")]
        key: Option<String>,
    },
    /// List the roster's keys: whose, fingerprint, added by whom, removed.
    List {
        /// The engagement file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Opens the actor's key: the one named, else their only key here.
pub(crate) fn open_key(
    data_dir: &Path,
    which: Option<&str>,
    actor: &str,
    m: &Messages,
) -> Result<keys::UnlockedKey, Failure> {
    let found = keys::find(data_dir, which.unwrap_or(actor))?;
    let pin = pin(m, "key.pin", false)?;
    Ok(keys::unlock(data_dir, &found.fingerprint, &pin)?)
}

pub fn roster(
    command: RosterCommand,
    data_dir: &Path,
    ctx: workbench_core::model::event::Context<'_>,
    m: &Messages,
) -> Outcome {
    use workbench_core::api;
    let print = |entries: &[workbench_core::model::roster::RosterEntry]| {
        for e in entries {
            let state = match &e.removal {
                Some(r) => m.get(
                    "roster.removed",
                    &[
                        ("at", &workbench_core::model::event::shown_in_japan(&r.removed_at)),
                        ("by", &r.removed_by),
                        ("reason", &r.reason),
                    ],
                ),
                None => m.get("roster.active", &[]),
            };
            let role = m.word(&format!("role.{}", e.key.role.as_str()), e.key.role.as_str());
            println!(
                "{}",
                m.get(
                    "roster.row",
                    &[
                        ("name", &e.key.name),
                        ("role", &role),
                        ("fingerprint", &e.key.fingerprint),
                        ("by", &e.key.added_by),
                        ("state", &state)
                    ]
                )
            );
        }
    };
    match command {
        RosterCommand::Add { file, card, key } => {
            let opened = open_key(data_dir, key.as_deref(), &ctx.actor.name, m)?;
            let entries = api::add_member_key(&file, &card, &opened, ctx)?;
            println!("{}", m.get("roster.added", &[]));
            print(&entries);
            Ok(())
        }
        RosterCommand::Remove { file, fingerprint, reason, key } => {
            let opened = open_key(data_dir, key.as_deref(), &ctx.actor.name, m)?;
            let entries = api::remove_member_key(&file, &fingerprint, &reason, &opened, ctx)?;
            print(&entries);
            Ok(())
        }
        RosterCommand::List { file, json } => {
            let entries = api::roster(&file)?;
            if json {
                return print_json(&entries);
            }
            if entries.is_empty() {
                println!("{}", m.get("roster.none", &[]));
            }
            print(&entries);
            Ok(())
        }
    }
}

//! `workbench`: the ISMAP Assessor Workbench from a terminal. Everything the
//! desktop app does goes through the same `workbench_core::api` calls.
//!
//! Exit codes: 0 success, 1 refused input or a failed check, 2 usage error.

// Printing is this binary's job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod closing;
mod encryption;
mod evidence;
mod fields;
mod keys;
mod messages;
mod review;
mod sampling;
mod team;
mod verify;
mod work;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use workbench_core::api;
use workbench_core::api::default_data_dir;
use workbench_core::generate::GenerateOptions;
use workbench_core::import::{Format, ImportOptions};
use workbench_core::model::event::{format_time, Actor, Clock, Context, SystemClock};
use workbench_report::verify::printable;
use zeroize::Zeroizing;

use crate::fields::FieldArgs;
use crate::messages::{Lang, Messages};

/// ISMAP Assessor Workbench: engagement files, catalogs and checks from the command line.
#[derive(Debug, Parser)]
#[command(name = "workbench", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    /// Language of the output (Japanese or English).
    #[arg(long, global = true, value_enum, env = "WORKBENCH_LANG", default_value = "ja")]
    lang: Lang,

    /// Folder of the catalog library and profile [default: the per-user data folder].
    #[arg(long, global = true, env = "WORKBENCH_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// The person recorded as making changes [default: $WORKBENCH_USER, else the login name].
    #[arg(long = "as", global = true, value_name = "NAME")]
    actor: Option<String>,

    #[command(subcommand)]
    command: Command,
}

// The command is parsed once per run; boxing its largest variant would
// only make the matching below harder to read.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Create a demo engagement from the bundled sample catalog.
    Demo {
        /// Where to write the engagement file (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Perform every in-scope procedure, sign everything at every level and finalize (to try the final report).
        #[arg(long)]
        finalized: bool,
        /// Leave the demo's roster empty and install no demo keys (to try adding members' cards yourself); its team
        /// then signs by name.
        #[arg(long)]
        without_keys: bool,
        /// Encrypt the file with a passphrase ($WORKBENCH_ENGAGEMENT_PASSPHRASE, else asked twice).
        #[arg(long)]
        encrypt: bool,
    },
    /// Import and list catalogs of control criteria.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Import and list procedure libraries (the standard procedures new engagements start from).
    #[command(subcommand, name = "procedure-library")]
    ProcedureLibrary(ProcedureLibraryCommand),
    /// Create, show and edit engagements.
    #[command(subcommand)]
    Engagement(EngagementCommand),
    /// List an engagement's assessed controls with status and result.
    Controls(work::ControlsArgs),
    /// Show a control.
    #[command(subcommand)]
    Control(work::ControlCommand),
    /// List, add, record and remove procedures.
    #[command(subcommand)]
    Procedure(work::ProcedureCommand),
    /// Record, edit, remove and list exceptions (例外事項).
    #[command(subcommand)]
    Exception(work::ExceptionCommand),
    /// Decide which controls are in scope.
    #[command(subcommand)]
    Scope(work::ScopeCommand),
    /// Take in, list, verify and export evidence (証跡).
    #[command(subcommand)]
    Evidence(evidence::EvidenceCommand),
    /// The PBC request list: what the provider was asked to provide (依頼資料).
    #[command(subcommand)]
    Pbc(evidence::PbcCommand),
    /// Sampling for operating-effectiveness tests: populations, samples, test grids (docs/sampling.md).
    #[command(subcommand)]
    Sample(sampling::SampleCommand),
    /// Write the assessor's report (実施結果報告書) as PDF: a draft while the engagement is open, the final report once it is finalized.
    Report {
        /// The engagement file.
        file: PathBuf,
        /// Where to write the PDF (an existing file is replaced only when the new one is complete).
        #[arg(long, value_name = "PDF")]
        out: PathBuf,
        /// The report's language.
        #[arg(long = "report-lang", value_name = "LANG", value_parser = ["ja", "en"], default_value = "ja")]
        report_lang: String,
        /// The report date printed on the cover [default: today].
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::fields::parse_date)]
        date: Option<chrono::NaiveDate>,
        /// Sign the final report with the firm's key and certificate (PKCS#12: RSA, ECDSA P-256 or P-384).
        /// The passphrase comes from $WORKBENCH_P12_PASSPHRASE, else a prompt.
        #[arg(long, value_name = "P12")]
        sign: Option<PathBuf>,
    },
    /// Make the submission package (zip): the signed final report, results (JSON, CSV, OSCAL), the evidence
    /// manifest, the event log's head, and a signed manifest of all of them.
    Package {
        /// The engagement file (finalized).
        file: PathBuf,
        /// The firm's key and certificate (PKCS#12); the passphrase comes from $WORKBENCH_P12_PASSPHRASE, else a prompt.
        #[arg(long, value_name = "P12")]
        sign: PathBuf,
        /// Where to write the package.
        #[arg(long, value_name = "ZIP")]
        out: PathBuf,
        /// The report's language.
        #[arg(long = "report-lang", value_name = "LANG", value_parser = ["ja", "en"], default_value = "ja")]
        report_lang: String,
        /// The report date printed on the cover [default: today].
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::fields::parse_date)]
        date: Option<chrono::NaiveDate>,
    },
    /// Verify offline what a firm sends: `verify package FILE` (a submission package) or `verify report FILE`
    /// (a signed report on its own); `verify FILE` takes the kind from the name's ending (.zip or .pdf).
    /// Exit 1 names what failed.
    Verify(verify::VerifyArgs),
    /// Sign off a procedure or control at a level (preparer, reviewer, second_reviewer).
    #[command(name = "signoff")]
    SignOff(review::SignOffArgs),
    /// Where the review stands.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    /// Review notes: add, answer, clear, list.
    #[command(subcommand)]
    Note(review::NoteCommand),
    /// The provider's written representation (経営者確認書): record, show.
    #[command(subcommand)]
    Representation(closing::RepresentationCommand),
    /// Subsequent events (後発事象) after the period's end: add, remove, list, considered.
    #[command(subcommand)]
    Subsequent(closing::SubsequentCommand),
    /// Finalize and lock the engagement (a manager or partner), or list what blocks it.
    Finalize {
        /// The engagement file.
        file: PathBuf,
        /// Only list what blocks finalizing (exit 1 while anything does).
        #[arg(long)]
        check: bool,
    },
    /// Reopen a finalized engagement (a manager or partner), with the reason.
    Reopen {
        /// The engagement file.
        file: PathBuf,
        /// Why it is reopened.
        #[arg(long)]
        reason: String,
    },
    /// Make a field copy of the engagement for one team member, to work on apart and merge back
    /// (docs/team-fieldwork.md).
    Copy(team::CopyArgs),
    /// Bring a field copy's work back into the engagement, and decide the conflicts merges found.
    Merge(team::MergeArgs),
    /// List the conflicts that merges found and no one has decided yet (--all: decided ones too).
    Conflicts(team::ConflictsArgs),
    /// List the field copies made from the engagement: for whom, when, when last merged.
    Copies(team::CopiesArgs),
    /// Personal signing keys on this computer: make one (sealed under a PIN), list them, write a member card.
    #[command(subcommand)]
    Key(keys::KeyCommand),
    /// The engagement's roster of public keys: add a member's key from their card, take one off, list them.
    #[command(subcommand)]
    Roster(keys::RosterCommand),
    /// Who changed what, when, before and after: for one item or the whole engagement.
    History {
        /// The engagement file.
        file: PathBuf,
        /// A control, procedure, exception, evidence item or review note.
        #[arg(long, value_name = "ID")]
        item: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check and show the event log (the audit trail).
    #[command(subcommand)]
    Log(LogCommand),
    /// Write a synthetic large engagement, for benchmarks and scale tests.
    Generate {
        /// Where to write the engagement file (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Number of detailed controls.
        #[arg(long, default_value_t = 1500)]
        controls: usize,
        /// Number of events in the log, the creation event included.
        #[arg(long, default_value_t = 30_000)]
        events: usize,
        /// Number of evidence items (small text files, ten to a procedure).
        #[arg(long, default_value_t = 1000)]
        evidence: usize,
        /// Number of sampled procedures (a sample of five each, tested).
        #[arg(long, default_value_t = 20)]
        samples: usize,
    },
    /// Serve every operation of the app over HTTP on 127.0.0.1, for the UI's
    /// tests and for developing the UI in a browser. Prints one JSON line
    /// {"url", "token"}; requests must carry the token. Development only.
    Serve {
        /// Required: says that this is the development server, not a service.
        #[arg(long)]
        dev: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// Import a catalog file into the library (all or nothing).
    Import {
        /// The catalog file: workbench CSV or JSON, Excel (.xlsx), or OSCAL catalog JSON.
        file: PathBuf,
        /// The file's format [default: from the file name and content].
        #[arg(long, value_parser = ["csv", "json", "xlsx", "oscal"])]
        format: Option<String>,
        /// The catalog's name (required for CSV and Excel; overrides the file's for JSON and OSCAL).
        #[arg(long)]
        name: Option<String>,
        /// The catalog's version (required for CSV and Excel; overrides the file's for JSON and OSCAL).
        #[arg(long = "catalog-version", value_name = "VERSION")]
        catalog_version: Option<String>,
    },
    /// List the catalogs in the library.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ProcedureLibraryCommand {
    /// Import a procedure library (JSON, see docs/procedure-library-format.md).
    Import {
        /// The library file.
        file: PathBuf,
    },
    /// List the imported procedure libraries.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum EngagementCommand {
    /// Create an engagement from a catalog of the library.
    New {
        /// The catalog as NAME@VERSION (the version may be left out if there is only one).
        #[arg(long, value_name = "NAME@VERSION")]
        catalog: String,
        /// The procedure library as NAME@VERSION [default: the bundled default library].
        #[arg(long, value_name = "NAME@VERSION")]
        procedures: Option<String>,
        /// Where to write the engagement file (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Program rules as JSON (period limits, due-date offsets) [default: assets/rules/program-rules.json].
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
        /// Encrypt the file with a passphrase ($WORKBENCH_ENGAGEMENT_PASSPHRASE, else asked twice).
        #[arg(long)]
        encrypt: bool,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Encrypt a plain engagement file in place with a passphrase ($WORKBENCH_ENGAGEMENT_PASSPHRASE, else asked
    /// twice). The encrypted file is written beside it, verified, and put in its place in one step; the old contents
    /// are overwritten (see docs/security.md for where that cannot be guaranteed).
    Encrypt {
        /// The engagement file.
        file: PathBuf,
    },
    /// Decrypt an encrypted engagement file in place (its passphrase: $WORKBENCH_ENGAGEMENT_PASSPHRASE, else asked).
    Decrypt {
        /// The engagement file.
        file: PathBuf,
    },
    /// Give an encrypted engagement file a new passphrase (the current one: $WORKBENCH_ENGAGEMENT_PASSPHRASE, else
    /// asked; the new one: $WORKBENCH_NEW_ENGAGEMENT_PASSPHRASE, else asked twice). The whole file is encrypted anew.
    Rekey {
        /// The engagement file.
        file: PathBuf,
    },
    /// Show an engagement: its fields, derived dates, warnings and counts.
    Show {
        /// The engagement file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Change an engagement's fields; each change is recorded as an event.
    Edit {
        /// The engagement file.
        file: PathBuf,
        #[command(flatten)]
        fields: FieldArgs,
    },
}

#[derive(Debug, Subcommand)]
enum LogCommand {
    /// Check the log: recompute the hash chain, rebuild the state from the
    /// events alone and compare it with the stored state, then check every
    /// sign-off. Exit 1 names the first event, item or field that does not match.
    Verify {
        /// The engagement file.
        file: PathBuf,
        /// Also fail unless the log ends in this hash (the log head printed
        /// in a signed report and recorded in a submission package).
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
        /// Print JSON instead of text (every difference, as data).
        #[arg(long)]
        json: bool,
    },
    /// Show the newest events.
    Show {
        /// The engagement file.
        file: PathBuf,
        /// How many events to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print JSON instead of text (with payloads).
        #[arg(long)]
        json: bool,
    },
}

/// How a command ended, beyond success.
pub(crate) enum Failure {
    /// The core refused the input or failed; the kind gives the message header.
    Core(workbench_core::Error),
    /// A check ran and found a problem (already reported).
    CheckFailed,
    /// Input this binary itself could not use (a rules file, a field value).
    Usage(String),
}

impl From<workbench_core::Error> for Failure {
    fn from(e: workbench_core::Error) -> Self {
        Failure::Core(e)
    }
}

pub(crate) type Outcome = Result<(), Failure>;

fn main() -> ExitCode {
    // When the reader of our output goes away (`workbench controls F | head`),
    // printing fails; stop quietly, as Unix tools do, instead of a panic report.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>().map(String::as_str).unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info)
    }));
    let passphrase = take_passphrase_variable();
    let mut engagement_passphrases = encryption::take_variables();
    keys::take_pin_variable();
    let cli = Cli::parse();
    let messages = Messages::load(cli.lang);
    encryption::install(&engagement_passphrases, cli.lang);
    match run(cli, passphrase, &mut engagement_passphrases, &messages) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::CheckFailed) => ExitCode::from(1),
        Err(Failure::Core(workbench_core::Error::LogMismatch { path, differences })) => {
            // Nothing is made from a file whose state is not what its log
            // gives; each difference is named in the user's words.
            let kind = messages.word("error.kind.log_mismatch", "log_mismatch");
            let message = messages.get("error.log_mismatch", &[("file", &printable(&path.display().to_string()))]);
            eprintln!("{}", messages.get("error.prefix", &[("kind", &kind), ("message", &message)]));
            for d in differences.iter().take(20) {
                eprintln!("  {}", difference(d, &messages));
            }
            ExitCode::from(1)
        }
        Err(Failure::Core(workbench_core::Error::Invalid { problems })) => {
            // Each refused field in the user's language, named.
            let kind = messages.word("error.kind.invalid", "invalid");
            let message = messages.get("error.invalid", &[("count", &problems.len())]);
            eprintln!("{}", messages.get("error.prefix", &[("kind", &kind), ("message", &message)]));
            for p in &problems {
                eprintln!("  {}", printable(&messages.problem(p)));
            }
            ExitCode::from(1)
        }
        Err(Failure::Core(workbench_core::Error::Import { file, problems })) => {
            // The file, then each problem on its own line with its place.
            let kind = messages.word("error.kind.import", "import");
            let message = messages
                .get("error.import", &[("file", &printable(&file.display().to_string())), ("count", &problems.len())]);
            eprintln!("{}", messages.get("error.prefix", &[("kind", &kind), ("message", &message)]));
            for p in &problems {
                eprintln!("  {}", printable(&p.to_string()));
            }
            ExitCode::from(1)
        }
        Err(Failure::Core(workbench_core::Error::NotFound { what, id })) => {
            let kind = messages.word("error.kind.not_found", "not_found");
            let what = messages.word(&format!("error.what.{}", what.replace(' ', "_")), what);
            let message = messages.get("error.not_found", &[("what", &what), ("id", &printable(&id))]);
            eprintln!("{}", messages.get("error.prefix", &[("kind", &kind), ("message", &message)]));
            ExitCode::from(1)
        }
        Err(Failure::Core(workbench_core::Error::Locked)) => {
            let kind = messages.word("error.kind.locked", "locked");
            eprintln!(
                "{}",
                messages.get("error.prefix", &[("kind", &kind), ("message", &messages.get("error.locked", &[]))])
            );
            ExitCode::from(1)
        }
        Err(Failure::Core(
            err @ (workbench_core::Error::PassphraseNeeded { .. }
            | workbench_core::Error::WrongPassphrase { .. }
            | workbench_core::Error::NotEncrypted { .. }
            | workbench_core::Error::AlreadyEncrypted { .. }),
        )) => {
            // Each in the user's language, naming the file and what to do.
            let path = match &err {
                workbench_core::Error::PassphraseNeeded { path }
                | workbench_core::Error::WrongPassphrase { path }
                | workbench_core::Error::NotEncrypted { path }
                | workbench_core::Error::AlreadyEncrypted { path } => path.display().to_string(),
                _ => String::new(),
            };
            let kind = messages.word(&format!("error.kind.{}", err.kind()), err.kind().as_str());
            let message = messages.get(
                &format!("error.{}", err.kind()),
                &[("file", &printable(&path)), ("variable", &encryption::PASSPHRASE_VARIABLE)],
            );
            eprintln!("{}", messages.get("error.prefix", &[("kind", &kind), ("message", &message)]));
            ExitCode::from(1)
        }
        Err(Failure::Core(err)) => {
            let kind = messages.word(&format!("error.kind.{}", err.kind()), err.kind().as_str());
            eprintln!(
                "{}",
                messages.get("error.prefix", &[("kind", &kind), ("message", &printable(&err.to_string()))])
            );
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            let kind = messages.word("error.kind.usage", "usage");
            eprintln!("{}", messages.get("error.prefix", &[("kind", &kind), ("message", &message)]));
            ExitCode::from(2)
        }
    }
}

fn actor(cli_actor: Option<String>) -> Actor {
    Actor::or_from_environment(cli_actor)
}

fn data_dir(given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    match given {
        Some(dir) => Ok(dir),
        None => Ok(default_data_dir()?),
    }
}

pub(crate) fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The environment variable that may hold the PKCS#12 passphrase.
const PASSPHRASE_VARIABLE: &str = "WORKBENCH_P12_PASSPHRASE";

/// Takes the passphrase out of the environment at start, before anything
/// else runs, so that no process started later inherits it; it is zeroed
/// when dropped.
fn take_passphrase_variable() -> Option<Zeroizing<String>> {
    let value = std::env::var_os(PASSPHRASE_VARIABLE)?;
    std::env::remove_var(PASSPHRASE_VARIABLE);
    Some(Zeroizing::new(value.into_string().unwrap_or_else(|v| v.to_string_lossy().into_owned())))
}

/// The firm's signing key and certificate from a PKCS#12 file. The
/// passphrase never comes from the command line (where other users of the
/// machine could see it): $WORKBENCH_P12_PASSPHRASE (taken at start), else
/// a prompt; either way it is zeroed once the key is read.
pub(crate) fn signing_identity(
    p12: &Path,
    passphrase: Option<Zeroizing<String>>,
    m: &Messages,
) -> Result<workbench_report::sign::SigningIdentity, Failure> {
    let bytes = std::fs::read(p12)
        .map_err(|e| Failure::Core(workbench_core::Error::Io { path: p12.to_path_buf(), source: e }))?;
    let passphrase = match passphrase {
        Some(p) => p,
        None => Zeroizing::new(
            rpassword::prompt_password(m.get("report.passphrase", &[("file", &p12.display())])).map_err(|e| {
                Failure::Usage(format!("cannot read the passphrase from the terminal ({e}); set {PASSPHRASE_VARIABLE}"))
            })?,
        ),
    };
    Ok(workbench_report::sign::SigningIdentity::from_pkcs12(&bytes, &passphrase)?)
}

/// `report` and `package` (`workbench_report::export::run`): the checks
/// come before the passphrase is asked for, and the file is written whole
/// or not at all.
#[allow(clippy::too_many_arguments)]
fn export(
    file: &Path,
    out: &Path,
    lang: &str,
    date: Option<chrono::NaiveDate>,
    p12: Option<&Path>,
    output: workbench_report::export::Output,
    passphrase: Option<Zeroizing<String>>,
    ctx: Context<'_>,
    m: &Messages,
) -> Outcome {
    use workbench_report::export::Output;
    let lang = workbench_report::Lang::parse(lang).unwrap_or(workbench_report::Lang::Ja);
    let mut passphrase = passphrase;
    let mut key = |p12: &Path| signing_identity(p12, passphrase.take(), m);
    let mut key_of_file;
    let key: Option<&mut dyn FnMut() -> Result<workbench_report::sign::SigningIdentity, Failure>> = match p12 {
        Some(p12) => {
            key_of_file = move || key(p12);
            Some(&mut key_of_file)
        }
        None => None,
    };
    let done = workbench_report::export::run(file, out, output, lang, date, key, ctx, &mut |_| {})?;
    if output == Output::Package {
        println!("{}", m.get("package.written", &[("path", &out.display()), ("pages", &done.pages)]));
        return Ok(());
    }
    let kind = m.word(
        match (done.is_final, done.signed) {
            (true, true) => "report.signed",
            (true, false) => "report.final",
            _ => "report.draft",
        },
        "",
    );
    println!("{}", m.get("report.written", &[("path", &out.display()), ("kind", &kind), ("pages", &done.pages)]));
    Ok(())
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Outcome {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::Usage(e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn run(
    cli: Cli,
    passphrase: Option<Zeroizing<String>>,
    engagement_passphrases: &mut encryption::Given,
    m: &Messages,
) -> Outcome {
    let actor = actor(cli.actor);
    let clock = SystemClock;
    let ctx = Context { actor: &actor, clock: &clock };
    match cli.command {
        Command::Demo { out, finalized, without_keys, encrypt } => {
            if encrypt {
                encryption::for_new_file(&out, engagement_passphrases, m)?;
            }
            let view = match (without_keys, finalized) {
                (true, true) => api::create_demo_finalized(&out, new_uuid(), ctx)?,
                (true, false) => api::create_demo(&out, new_uuid(), ctx)?,
                (false, _) => api::create_demo_with_keys(&out, new_uuid(), &data_dir(cli.data_dir)?, finalized, ctx)?,
            };
            println!("{}", m.get("demo.created", &[("path", &out.display())]));
            if !without_keys {
                println!("{}", m.get("demo.keys", &[("pin", &workbench_core::keys::DEMO_PIN)]));
            }
            println!();
            fields::print_view(&view, m);
            Ok(())
        }
        Command::Catalog(CatalogCommand::Import { file, format, name, catalog_version }) => {
            let options =
                ImportOptions { format: format.as_deref().and_then(Format::parse), name, version: catalog_version };
            let s = api::import_catalog(&data_dir(cli.data_dir)?, &file, &options, ctx)?;
            println!(
                "{}",
                m.get(
                    "catalog.imported",
                    &[("name", &s.name), ("version", &s.version), ("items", &s.items), ("controls", &s.controls)]
                )
            );
            Ok(())
        }
        Command::Catalog(CatalogCommand::List { json }) => {
            let catalogs = api::list_catalogs(&data_dir(cli.data_dir)?)?;
            if json {
                return print_json(&catalogs);
            }
            if catalogs.is_empty() {
                println!("{}", m.get("catalog.none", &[]));
            }
            for c in &catalogs {
                println!(
                    "{}",
                    m.get(
                        "catalog.row",
                        &[
                            ("name", &c.name),
                            ("version", &c.version),
                            ("controls", &c.controls),
                            ("items", &c.items),
                            ("title", &c.title)
                        ]
                    )
                );
            }
            Ok(())
        }
        Command::Engagement(EngagementCommand::New { catalog, procedures, out, rules, encrypt, fields }) => {
            if encrypt {
                encryption::for_new_file(&out, engagement_passphrases, m)?;
            }
            let rules = fields::read_rules(rules.as_deref())?;
            let values = fields.into_new_fields()?;
            let view = api::create_engagement(
                &out,
                &data_dir(cli.data_dir)?,
                &catalog,
                procedures.as_deref(),
                new_uuid(),
                values,
                rules,
                ctx,
            )?;
            println!("{}", m.get("engagement.created", &[("path", &out.display())]));
            println!();
            fields::print_view(&view, m);
            Ok(())
        }
        Command::ProcedureLibrary(ProcedureLibraryCommand::Import { file }) => {
            let s = api::import_procedure_library(&data_dir(cli.data_dir)?, &file, ctx)?;
            println!(
                "{}",
                m.get("procedures.imported", &[("name", &s.name), ("version", &s.version), ("entries", &s.entries)])
            );
            Ok(())
        }
        Command::ProcedureLibrary(ProcedureLibraryCommand::List { json }) => {
            let libraries = api::list_procedure_libraries(&data_dir(cli.data_dir)?)?;
            if json {
                return print_json(&libraries);
            }
            if libraries.is_empty() {
                println!("{}", m.get("procedures.none", &[]));
            }
            for l in &libraries {
                println!(
                    "{}",
                    m.get(
                        "procedures.row",
                        &[("name", &l.name), ("version", &l.version), ("entries", &l.entries), ("title", &l.title)]
                    )
                );
            }
            Ok(())
        }
        Command::Engagement(EngagementCommand::Show { file, json }) => {
            let view = api::show_engagement(&file)?;
            if json {
                return print_json(&view);
            }
            fields::print_view(&view, m);
            Ok(())
        }
        Command::Engagement(EngagementCommand::Encrypt { file }) => {
            encryption::encrypt(&file, engagement_passphrases, m)
        }
        Command::Engagement(EngagementCommand::Decrypt { file }) => encryption::decrypt(&file, m),
        Command::Engagement(EngagementCommand::Rekey { file }) => encryption::rekey(&file, engagement_passphrases, m),
        Command::Engagement(EngagementCommand::Edit { file, fields }) => {
            let current = api::show_engagement(&file)?.fields;
            let updated = fields.apply_to(current)?;
            match api::edit_engagement(&file, updated, ctx)? {
                Some(event) => {
                    let count = match serde_json::from_str::<serde_json::Value>(&event.payload) {
                        Ok(v) => v["changes"].as_array().map_or(0, Vec::len),
                        Err(_) => 0,
                    };
                    println!("{}", m.get("engagement.edited", &[("seq", &event.seq), ("count", &count)]));
                }
                None => println!("{}", m.get("engagement.unchanged", &[])),
            }
            Ok(())
        }
        Command::Controls(args) => work::controls(args, m),
        Command::Control(command) => work::control(command, ctx, m),
        Command::Procedure(command) => {
            let dir = cli.data_dir;
            work::procedure(command, &|| data_dir(dir.clone()), ctx, m)
        }
        Command::Exception(command) => work::exception(command, ctx, m),
        Command::Scope(command) => work::scope(command, ctx, m),
        Command::Evidence(command) => evidence::evidence(command, ctx, m),
        Command::Pbc(command) => evidence::pbc(command, ctx, m),
        Command::Sample(command) => {
            let dir = cli.data_dir;
            sampling::run(command, &|| data_dir(dir.clone()), ctx, m)
        }
        Command::Report { file, out, report_lang, date, sign } => export(
            &file,
            &out,
            &report_lang,
            date,
            sign.as_deref(),
            workbench_report::export::Output::Report,
            passphrase,
            ctx,
            m,
        ),
        Command::Package { file, sign, out, report_lang, date } => export(
            &file,
            &out,
            &report_lang,
            date,
            Some(&sign),
            workbench_report::export::Output::Package,
            passphrase,
            ctx,
            m,
        ),
        Command::Verify(args) => verify::verify(args, m),
        Command::SignOff(args) => review::sign_off(args, &data_dir(cli.data_dir.clone())?, ctx, m),
        Command::Review(command) => review::review(command, ctx, m),
        Command::Note(command) => review::note(command, ctx, m),
        Command::Representation(command) => closing::representation(command, ctx, m),
        Command::Subsequent(command) => closing::subsequent(command, ctx, m),
        Command::Finalize { file, check } => review::finalize(file, check, &data_dir(cli.data_dir)?, ctx, m),
        Command::Reopen { file, reason } => review::reopen(file, reason, &data_dir(cli.data_dir.clone())?, ctx, m),
        Command::History { file, item, json } => review::history(file, item, json, m),
        Command::Copy(args) => {
            if args.new_passphrase {
                encryption::for_copy(&args.out, engagement_passphrases, m)?;
            }
            team::copy(args, ctx, m)
        }
        Command::Roster(command) => keys::roster(command, &data_dir(cli.data_dir)?, ctx, m),
        Command::Key(command) => keys::key(command, &data_dir(cli.data_dir)?, &actor.name, format_time(clock.now()), m),
        Command::Merge(args) => team::merge(args, ctx, m),
        Command::Conflicts(args) => team::conflicts(args, m),
        Command::Copies(args) => team::copies(args, m),
        Command::Log(LogCommand::Verify { file, expect_head, json }) => {
            verify_log(&file, expect_head.as_deref(), json, m)
        }
        Command::Log(LogCommand::Show { file, limit, json }) => {
            let events = api::recent_events(&file, limit)?;
            if json {
                return print_json(&events);
            }
            for e in &events {
                println!(
                    "{}",
                    m.get("log.event", &[("seq", &e.seq), ("at", &e.at), ("actor", &e.actor), ("kind", &e.kind)])
                );
            }
            Ok(())
        }
        Command::Serve { dev } => {
            if !dev {
                return Err(Failure::Usage(m.get("serve.dev_only", &[])));
            }
            let dir = data_dir(cli.data_dir)?;
            workbench_ops::serve::serve(dir, |url, token| {
                use std::io::Write;
                println!("{}", serde_json::json!({ "url": url, "token": token }));
                let _ = std::io::stdout().flush();
            })
            .map_err(|e| Failure::Usage(e.to_string()))
        }
        Command::Generate { out, controls, events, evidence, samples } => {
            let view = api::generate_large(&out, GenerateOptions { controls, events, evidence, samples }, ctx)?;
            println!(
                "{}",
                m.get("generate.done", &[("path", &out.display()), ("controls", &controls), ("events", &view.events)])
            );
            Ok(())
        }
    }
}

fn verify_log(file: &Path, expect_head: Option<&str>, json: bool, m: &Messages) -> Outcome {
    let report = api::verify_log(file, expect_head)?;
    if json {
        print_json(&report)?;
    } else if let Some(broken) = &report.first_broken {
        println!(
            "{}",
            m.get(
                "log.broken",
                &[
                    ("seq", &broken.seq),
                    ("kind", &broken.kind),
                    ("at", &broken.at),
                    ("reason", &printable(&broken.reason))
                ]
            )
        );
        println!("{}", m.get("log.intact_before", &[("count", &report.events)]));
    } else if !report.differences.is_empty() {
        println!("{}", m.get("log.replay_failed", &[("count", &report.events)]));
        const SHOWN: usize = 20;
        for d in report.differences.iter().take(SHOWN) {
            println!("  {}", difference(d, m));
        }
        if report.differences.len() > SHOWN {
            println!("{}", m.get("log.difference.more", &[("count", &(report.differences.len() - SHOWN))]));
        }
    } else if !report.signoff_problems.is_empty() {
        for p in &report.signoff_problems {
            println!(
                "{}",
                m.get(
                    "log.signoff_problem",
                    &[("id", &printable(&p.item_id)), ("level", &p.level), ("problem", &p.problem)]
                )
            );
        }
        println!("{}", m.get("log.chain_intact_signoffs_not", &[("count", &report.events)]));
    } else if let Some(expected) = report.expected_head.as_ref().filter(|h| **h != report.head_hash) {
        println!("{}", m.get("log.head_mismatch", &[("found", &report.head_hash), ("expected", &printable(expected))]));
    } else {
        println!("{}", m.get("log.intact", &[("count", &report.events), ("hash", &report.head_hash)]));
    }
    if report.is_intact() {
        Ok(())
    } else {
        Err(Failure::CheckFailed)
    }
}

/// One difference between the stored state and the replayed log, in the
/// user's words: the item by its kind and ID, the field by its label.
pub(crate) fn difference(d: &api::Difference, m: &Messages) -> String {
    let kind = m.word(&format!("log.item.{}", d.item_kind), &d.item_kind);
    let item =
        if d.item_id.is_empty() { kind } else { m.get("log.item", &[("kind", &kind), ("id", &printable(&d.item_id))]) };
    let field_key = d.field.as_deref().unwrap_or_default();
    let field = m.word(&format!("log.field.{}.{field_key}", d.item_kind), field_key);
    // Values that are codes (a result, a role) are shown by their name.
    let codes = match (d.item_kind.as_str(), field_key) {
        ("procedure", "result") => Some("result"),
        ("procedure", "kind") => Some("kind"),
        ("procedure", "evaluation") => Some("evaluation"),
        ("scope", "decision") => Some("scope"),
        ("signoff", "role") => Some("role"),
        ("engagement", "program") => Some("program"),
        ("engagement", "audit_kind") => Some("audit_kind"),
        _ => None,
    };
    let value = |v: &Option<String>| match (v, codes) {
        (None, _) => m.word("value.none", "-"),
        (Some(code), Some(prefix)) => printable(&m.word(&format!("{prefix}.{code}"), code)),
        (Some(text), None) => printable(text),
    };
    // A sign-off that no longer matches its item is not a field of a row:
    // it is said as `log verify` says it.
    if d.item_kind == "signoff" && d.field.is_none() {
        let (id, level) = d.item_id.rsplit_once(' ').unwrap_or((d.item_id.as_str(), ""));
        let level = m.word(&format!("signoff.level.{level}"), level);
        return m.get(
            "log.signoff_problem",
            &[("id", &printable(id)), ("level", &level), ("problem", &value(&d.replayed))],
        );
    }
    match d.kind {
        api::DifferenceKind::Changed => m.get(
            "log.difference.changed",
            &[("item", &item), ("field", &field), ("stored", &value(&d.stored)), ("replayed", &value(&d.replayed))],
        ),
        api::DifferenceKind::Missing => m.get("log.difference.missing", &[("item", &item)]),
        api::DifferenceKind::Extra => m.get("log.difference.extra", &[("item", &item)]),
        api::DifferenceKind::Unreplayable => {
            m.get("log.difference.unreplayable", &[("item", &item), ("detail", &value(&d.replayed))])
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn the_passphrase_variable_is_taken_out_of_the_environment_and_no_child_inherits_it() {
        std::env::set_var(super::PASSPHRASE_VARIABLE, "s3cret-from-env");
        let taken = super::take_passphrase_variable().expect("the variable was set");
        assert_eq!(taken.as_str(), "s3cret-from-env");
        assert!(std::env::var_os(super::PASSPHRASE_VARIABLE).is_none());
        // A process started now sees no such variable (env(1) prints its environment).
        let child = std::process::Command::new("env").output().expect("env is part of coreutils");
        let environment = String::from_utf8_lossy(&child.stdout);
        assert!(!environment.contains(super::PASSPHRASE_VARIABLE), "{environment}");
        assert!(!environment.contains("s3cret-from-env"));
    }
}

//! Evidence and the PBC request list from the command line.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use clap::Subcommand;
use workbench_core::api;
use workbench_core::api::{IntakeFile, IntakeProgress};
use workbench_core::error::{FieldProblem, ProblemCode};
use workbench_core::model::event::Context;
use workbench_core::model::evidence::{
    Evidence, EvidenceKind, EvidenceLink, EvidenceMeta, EvidencePatch, LinkKind, PbcFields, PbcStatus,
};

use crate::messages::Messages;
use crate::{print_json, Failure, Outcome};

/// What an evidence item is linked to, given as options.
#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    /// A procedure the evidence supports, e.g. 9.2.3.11.PB/P1 (repeatable).
    #[arg(long = "procedure", value_name = "ID")]
    procedures: Vec<String>,
    /// An exception the evidence documents, e.g. E-0001 (repeatable).
    #[arg(long = "exception", value_name = "ID")]
    exceptions: Vec<String>,
    /// A PBC request the evidence answers, e.g. PBC-001 (repeatable).
    #[arg(long = "pbc", value_name = "ID")]
    pbc: Vec<String>,
}

impl LinkArgs {
    fn links(self) -> Vec<EvidenceLink> {
        let to = |kind: LinkKind| move |id: String| EvidenceLink { kind, id };
        let mut links: Vec<EvidenceLink> = self.procedures.into_iter().map(to(LinkKind::Procedure)).collect();
        links.extend(self.exceptions.into_iter().map(to(LinkKind::Exception)));
        links.extend(self.pbc.into_iter().map(to(LinkKind::Pbc)));
        links
    }
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Take files in as evidence (all of them or none), linked to procedures, exceptions or PBC requests.
    Add {
        /// The engagement file.
        file: PathBuf,
        /// The files to take in.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        links: LinkArgs,
        /// The title [default: the file name without its extension].
        #[arg(long)]
        title: Option<String>,
        /// What the evidence is [default: guessed from the file].
        #[arg(long, value_parser = EvidenceKind::ALL.to_vec())]
        kind: Option<String>,
        /// What the evidence shows, in a sentence or two.
        #[arg(long, default_value = "")]
        description: String,
        /// The person or system at the provider it came from.
        #[arg(long = "from", value_name = "WHO", default_value = "")]
        obtained_from: String,
        /// The date it was obtained (YYYY-MM-DD) [default: today].
        #[arg(long, value_name = "DATE", value_parser = crate::fields::parse_date)]
        obtained_at: Option<NaiveDate>,
        /// The date the evidence speaks for (YYYY-MM-DD) [default: today].
        #[arg(long, value_name = "DATE", value_parser = crate::fields::parse_date)]
        as_of: Option<NaiveDate>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List evidence items.
    List {
        /// The engagement file.
        file: PathBuf,
        /// Include withdrawn items.
        #[arg(long)]
        all: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Change an item's title, description, kind or dates.
    Edit {
        /// The engagement file.
        file: PathBuf,
        /// The evidence ID, e.g. EV-0001.
        id: String,
        /// The new title.
        #[arg(long)]
        title: Option<String>,
        /// The new description.
        #[arg(long)]
        description: Option<String>,
        /// The new kind.
        #[arg(long, value_parser = EvidenceKind::ALL.to_vec())]
        kind: Option<String>,
        /// The person or system at the provider it came from.
        #[arg(long = "from", value_name = "WHO")]
        obtained_from: Option<String>,
        /// The date the evidence speaks for (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", value_parser = crate::fields::parse_date)]
        as_of: Option<NaiveDate>,
    },
    /// Link an item to more procedures, exceptions or PBC requests.
    Link {
        /// The engagement file.
        file: PathBuf,
        /// The evidence ID.
        id: String,
        #[command(flatten)]
        links: LinkArgs,
    },
    /// Remove links of an item (each is recorded as an event).
    Unlink {
        /// The engagement file.
        file: PathBuf,
        /// The evidence ID.
        id: String,
        #[command(flatten)]
        links: LinkArgs,
    },
    /// Withdraw an item from the engagement; its record and content stay in the file and the history.
    Remove {
        /// The engagement file.
        file: PathBuf,
        /// The evidence ID.
        id: String,
        /// Why it is withdrawn.
        #[arg(long)]
        reason: String,
    },
    /// Re-hash every stored item and report any mismatch by evidence ID (exit 1 on a mismatch).
    Verify {
        /// The engagement file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write every current item to a folder, named safely, with manifest.json and SHA256SUMS.
    Export {
        /// The engagement file.
        file: PathBuf,
        /// The folder to write to (created if missing; must be empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
pub struct PbcArgs {
    /// What is asked for.
    #[arg(long)]
    item: Option<String>,
    /// The date of the request (YYYY-MM-DD) [default for a new request: today].
    #[arg(long, value_name = "DATE", value_parser = crate::fields::parse_date)]
    requested_on: Option<NaiveDate>,
    /// The due date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = crate::fields::parse_date)]
    due: Option<NaiveDate>,
    /// The person at the provider asked.
    #[arg(long = "from", value_name = "WHO")]
    from_whom: Option<String>,
    /// Where the request stands [default for a new request: requested].
    #[arg(long, value_parser = PbcStatus::ALL.to_vec())]
    status: Option<String>,
    /// Free notes (what was chased, when).
    #[arg(long)]
    notes: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PbcCommand {
    /// Add a request to the PBC list (what the provider is asked to provide).
    Add {
        /// The engagement file.
        file: PathBuf,
        #[command(flatten)]
        fields: PbcArgs,
    },
    /// Change a request (its status, due date, ...).
    Edit {
        /// The engagement file.
        file: PathBuf,
        /// The request ID, e.g. PBC-001.
        id: String,
        #[command(flatten)]
        fields: PbcArgs,
    },
    /// List the requests; overdue ones are marked.
    List {
        /// The engagement file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Today in Japan (`Clock::today_in_japan`), as the app decides it.
fn today() -> NaiveDate {
    use workbench_core::model::event::{Clock, SystemClock};
    SystemClock.today_in_japan()
}

fn kind_of(text: Option<&str>) -> Result<Option<EvidenceKind>, Failure> {
    text.map(|k| EvidenceKind::parse(k).ok_or_else(|| Failure::Usage(format!("unknown kind {k}")))).transpose()
}

pub fn evidence(command: EvidenceCommand, ctx: Context<'_>, m: &Messages) -> Outcome {
    match command {
        EvidenceCommand::Add {
            file,
            paths,
            links,
            title,
            kind,
            description,
            obtained_from,
            obtained_at,
            as_of,
            json,
        } => {
            let kind = kind_of(kind.as_deref())?;
            let facts = api::describe_files(&paths)?;
            let files: Vec<IntakeFile> = facts
                .into_iter()
                .map(|f| IntakeFile {
                    meta: EvidenceMeta {
                        title: title.clone().unwrap_or(f.title),
                        description: description.clone(),
                        kind: kind.unwrap_or(f.kind),
                        obtained_from: obtained_from.clone(),
                        obtained_by: ctx.actor.name.clone(),
                        obtained_at: Some(obtained_at.unwrap_or_else(today)),
                        as_of: as_of.unwrap_or_else(today),
                    },
                    path: f.path,
                })
                .collect();
            let mut progress = ProgressLine::new(m);
            let added = api::add_evidence(&file, &files, &links.links(), ctx, &mut |p| progress.show(p));
            progress.finish();
            let added = added?;
            if json {
                return print_json(&added);
            }
            for e in &added {
                println!(
                    "{}",
                    m.get(
                        "evidence.added",
                        &[("id", &e.id), ("name", &e.original_name), ("size", &e.size), ("sha256", &e.sha256)]
                    )
                );
                print_as_of_warning(e, m);
            }
            Ok(())
        }
        EvidenceCommand::List { file, all, json } => {
            let items = api::list_evidence(&file, all)?;
            if json {
                return print_json(&items);
            }
            if items.is_empty() {
                println!("{}", m.get("evidence.none", &[]));
            }
            for e in &items {
                print_row(e, m);
                print_as_of_warning(e, m);
            }
            Ok(())
        }
        EvidenceCommand::Edit { file, id, title, description, kind, obtained_from, as_of } => {
            let patch = EvidencePatch {
                title,
                description,
                kind: kind_of(kind.as_deref())?,
                obtained_from,
                as_of,
                ..EvidencePatch::default()
            };
            api::edit_evidence(&file, &id, patch, ctx)?;
            println!("{}", m.get("evidence.edited", &[("id", &id)]));
            Ok(())
        }
        EvidenceCommand::Link { file, id, links } => {
            let links = links.links();
            if links.is_empty() {
                return Err(Failure::Usage("give --procedure, --exception or --pbc".into()));
            }
            for link in links {
                api::link_evidence(&file, &id, link.clone(), ctx)?;
                println!("{}", m.get("evidence.linked", &[("id", &id), ("target", &link.id)]));
            }
            Ok(())
        }
        EvidenceCommand::Unlink { file, id, links } => {
            let links = links.links();
            if links.is_empty() {
                return Err(Failure::Usage("give --procedure, --exception or --pbc".into()));
            }
            for link in links {
                api::unlink_evidence(&file, &id, link.clone(), ctx)?;
                println!("{}", m.get("evidence.unlinked", &[("id", &id), ("target", &link.id)]));
            }
            Ok(())
        }
        EvidenceCommand::Remove { file, id, reason } => {
            api::remove_evidence(&file, &id, &reason, ctx)?;
            println!("{}", m.get("evidence.removed", &[("id", &id)]));
            Ok(())
        }
        EvidenceCommand::Verify { file, json } => {
            let check = api::verify_evidence(&file, &mut |_, _| true)?;
            if json {
                print_json(&check)?;
            } else {
                for p in &check.problems {
                    println!(
                        "{}",
                        m.get(
                            "evidence.verify.problem",
                            &[("ids", &p.evidence_ids.join(", ")), ("sha256", &p.sha256), ("problem", &p.problem)]
                        )
                    );
                }
                let key = if check.problems.is_empty() { "evidence.verify.ok" } else { "evidence.verify.failed" };
                println!(
                    "{}",
                    m.get(
                        key,
                        &[
                            ("items", &check.items),
                            ("contents", &check.contents),
                            ("bytes", &check.bytes),
                            ("problems", &check.problems.len())
                        ]
                    )
                );
                if check.not_carried > 0 {
                    println!("{}", m.get("evidence.verify.not_carried", &[("count", &check.not_carried)]));
                }
            }
            if check.problems.is_empty() {
                Ok(())
            } else {
                Err(Failure::CheckFailed)
            }
        }
        EvidenceCommand::Export { file, out } => {
            let report = api::export_evidence(&file, &out, ctx)?;
            println!(
                "{}",
                m.get(
                    "evidence.exported",
                    &[("files", &report.files), ("dir", &report.dir.display()), ("bytes", &report.bytes)]
                )
            );
            if !report.not_carried.is_empty() {
                println!("{}", m.get("evidence.export.not_carried", &[("ids", &report.not_carried.join(", "))]));
            }
            Ok(())
        }
    }
}

/// The warning an item's as-of date calls for, in the user's language.
fn print_as_of_warning(e: &Evidence, m: &Messages) {
    if let Some(w) = &e.as_of_warning {
        let (date, limit) = (e.meta.as_of.to_string(), w.limit.to_string());
        let english = match w.code {
            ProblemCode::AsOfInFuture => format!("the as-of date {date} is after the day it was taken in ({limit})"),
            ProblemCode::AsOfAfterObtained => {
                format!("the as-of date {date} is after the day it was obtained ({limit})")
            }
            _ => format!("the as-of date {date} is after the period's end ({limit})"),
        };
        let problem = FieldProblem::new("as_of", w.code, &[("date", date), ("limit", limit)], english);
        println!("{}", m.get("evidence.as_of_warning", &[("id", &e.id), ("warning", &m.problem(&problem))]));
    }
}

fn print_row(e: &Evidence, m: &Messages) {
    let kind = m.word(&format!("evidence.kind.{}", e.meta.kind.as_str()), e.meta.kind.as_str());
    let links = e.links.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", ");
    let key = if e.removed.is_some() { "evidence.row.removed" } else { "evidence.row" };
    println!(
        "{}",
        m.get(
            key,
            &[
                ("id", &e.id),
                ("as_of", &e.meta.as_of),
                ("kind", &kind),
                ("size", &e.size),
                ("title", &e.meta.title),
                ("links", &links)
            ]
        )
    );
}

/// A progress line on standard error for intakes that take more than a
/// moment, redrawn in place on a terminal and left out otherwise.
struct ProgressLine<'a> {
    m: &'a Messages,
    started: Instant,
    last: Option<Instant>,
    drawn: bool,
    terminal: bool,
}

impl<'a> ProgressLine<'a> {
    fn new(m: &'a Messages) -> Self {
        ProgressLine { m, started: Instant::now(), last: None, drawn: false, terminal: std::io::stderr().is_terminal() }
    }

    fn show(&mut self, p: &IntakeProgress) -> bool {
        let due = self.last.is_none_or(|t| t.elapsed() >= Duration::from_millis(250));
        if self.terminal && due && self.started.elapsed() >= Duration::from_millis(500) {
            let percent = (p.bytes_done * 100).checked_div(p.bytes_total).unwrap_or(100);
            let mib = |b: u64| format!("{:.1}", b as f64 / (1024.0 * 1024.0));
            eprint!(
                "\r{}",
                self.m.get(
                    "evidence.progress",
                    &[
                        ("file", &p.file),
                        ("files", &p.files),
                        ("percent", &percent),
                        ("done", &mib(p.bytes_done)),
                        ("total", &mib(p.bytes_total))
                    ]
                )
            );
            self.last = Some(Instant::now());
            self.drawn = true;
        }
        true
    }

    fn finish(&self) {
        if self.drawn {
            eprintln!();
        }
    }
}

pub fn pbc(command: PbcCommand, ctx: Context<'_>, m: &Messages) -> Outcome {
    match command {
        PbcCommand::Add { file, fields } => {
            let status = fields.status.as_deref().map(parse_status).transpose()?.unwrap_or(PbcStatus::Requested);
            let new = PbcFields {
                item: fields.item.ok_or_else(|| Failure::Usage("--item is required".into()))?,
                requested_on: fields.requested_on.unwrap_or_else(today),
                due: fields.due,
                from_whom: fields.from_whom.unwrap_or_default(),
                status,
                notes: fields.notes.unwrap_or_default(),
            };
            let r = api::add_pbc(&file, new, ctx)?;
            println!("{}", m.get("pbc.added", &[("id", &r.id)]));
            Ok(())
        }
        PbcCommand::Edit { file, id, fields } => {
            let current = api::list_pbc(&file)?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or(workbench_core::Error::NotFound { what: "PBC request", id: id.clone() })?;
            let edited = PbcFields {
                item: fields.item.unwrap_or(current.item),
                requested_on: fields.requested_on.unwrap_or(current.requested_on),
                due: fields.due.or(current.due),
                from_whom: fields.from_whom.unwrap_or(current.from_whom),
                status: fields.status.as_deref().map(parse_status).transpose()?.unwrap_or(current.status),
                notes: fields.notes.unwrap_or(current.notes),
            };
            api::edit_pbc(&file, &id, edited, ctx)?;
            println!("{}", m.get("pbc.edited", &[("id", &id)]));
            Ok(())
        }
        PbcCommand::List { file, json } => {
            let requests = api::list_pbc(&file)?;
            if json {
                return print_json(&requests);
            }
            if requests.is_empty() {
                println!("{}", m.get("pbc.none", &[]));
            }
            let today = today();
            for r in &requests {
                let status = m.word(&format!("pbc.status.{}", r.status.as_str()), r.status.as_str());
                let due = r.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
                let key = if r.is_overdue(today) { "pbc.row.overdue" } else { "pbc.row" };
                println!(
                    "{}",
                    m.get(
                        key,
                        &[
                            ("id", &r.id),
                            ("status", &status),
                            ("due", &due),
                            ("from", &r.from_whom),
                            ("item", &r.item),
                            ("evidence", &r.evidence.join(", "))
                        ]
                    )
                );
            }
            Ok(())
        }
    }
}

fn parse_status(text: &str) -> Result<PbcStatus, Failure> {
    PbcStatus::parse(text).ok_or_else(|| Failure::Usage(format!("unknown status {text}")))
}

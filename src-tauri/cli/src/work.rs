//! The assessor's work from the command line: controls, procedures,
//! exceptions and scope.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;
use workbench_core::api;
use workbench_core::api::ProcedureEntry;
use workbench_core::model::change::{ControlChangeInput, ControlVersion};
use workbench_core::model::event::Context;
use workbench_core::model::procedure::{
    AssessmentTarget, Evaluation, NewProcedure, Procedure, ProcedureKind, ProcedurePatch, ResultKind, ScopeDecision,
    Status,
};

use crate::messages::Messages;
use crate::{print_json, Failure, Outcome};

#[derive(Debug, clap::Args)]
pub struct ControlsArgs {
    /// The engagement file.
    file: PathBuf,
    /// Only controls with this status.
    #[arg(long, value_parser = Status::ALL.to_vec())]
    status: Option<String>,
    /// Only controls with this result.
    #[arg(long, value_parser = ResultKind::ALL.to_vec())]
    result: Option<String>,
    /// Only controls with a procedure assigned to this person.
    #[arg(long)]
    assignee: Option<String>,
    /// Only controls holding every word of this text in their ID, titles or criterion text (Japanese or English;
    /// words separated by spaces); each is shown with where it matched.
    #[arg(long, value_name = "WORDS")]
    search: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ControlCommand {
    /// Show one control: its criterion, scope, procedures, results and exceptions.
    Show {
        /// The engagement file.
        file: PathBuf,
        /// The control's ID, e.g. 9.2.3.11.PB.
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Record that a control changed during the audit period (CC2022 §2.2.4, FAQ KB0010866): from the effective
    /// date on it is a new version, and sample items dated from then are tested against it.
    Change {
        /// The engagement file.
        file: PathBuf,
        /// The control's ID, e.g. 6.1.2.1.B.
        id: String,
        /// The first day the changed control applied (after the period's first day, not after its last).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::fields::parse_date)]
        effective: NaiveDate,
        /// The kind of change: regulations, implementation, operation, mechanism or adopted
        /// (see `workbench control change-kinds`).
        #[arg(long)]
        kind: String,
        /// What the control became, as the provider's statement describes it.
        #[arg(long, value_name = "TEXT")]
        text: String,
        /// What it was before (for the first change).
        #[arg(long, value_name = "TEXT", default_value = "")]
        before: String,
    },
    /// Take back a change recorded by mistake.
    ChangeRemove {
        /// The engagement file.
        file: PathBuf,
        /// The change's ID, e.g. CHG-001.
        change_id: String,
    },
    /// List the controls that changed during the period, with their versions.
    Changes {
        /// The engagement file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the kinds of change a control may record.
    ChangeKinds {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProcedureCommand {
    /// List procedures with their status.
    List {
        /// The engagement file.
        file: PathBuf,
        /// Only the procedures of this control.
        #[arg(long)]
        control: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Add a procedure to a control.
    Add {
        /// The engagement file.
        file: PathBuf,
        /// The control's ID.
        #[arg(long)]
        control: String,
        /// The procedure type.
        #[arg(long, value_parser = ProcedureKind::ALL.to_vec())]
        kind: String,
        /// Design or operating effectiveness.
        #[arg(long, value_parser = Evaluation::ALL.to_vec(), default_value = "design")]
        evaluation: String,
        /// The procedure in Japanese.
        #[arg(long, default_value = "")]
        text_ja: String,
        /// The procedure in English.
        #[arg(long, default_value = "")]
        text_en: String,
        /// The team member who performs it.
        #[arg(long)]
        assignee: Option<String>,
        /// Its main assessment target (CC2022 Attached table 8); only records are sampled by default.
        #[arg(long, value_parser = AssessmentTarget::ALL.to_vec())]
        target: Option<String>,
    },
    /// Record what was done and what was found for a procedure.
    Record {
        /// The engagement file.
        file: PathBuf,
        /// The procedure's ID, e.g. 9.2.3.11.PB/P1.
        id: String,
        /// The result.
        #[arg(long, value_parser = ResultKind::ALL.to_vec(), conflicts_with = "clear_result")]
        result: Option<String>,
        /// Remove the recorded result.
        #[arg(long)]
        clear_result: bool,
        /// What was done: who was asked and when, what was inspected or observed.
        #[arg(long)]
        work_done: Option<String>,
        /// Notes.
        #[arg(long)]
        notes: Option<String>,
        /// The team member who performs it ("" to unassign).
        #[arg(long)]
        assignee: Option<String>,
        /// Change the procedure type.
        #[arg(long, value_parser = ProcedureKind::ALL.to_vec())]
        kind: Option<String>,
        /// Change design / operating.
        #[arg(long, value_parser = Evaluation::ALL.to_vec())]
        evaluation: Option<String>,
        /// Change the Japanese text.
        #[arg(long)]
        text_ja: Option<String>,
        /// Change the English text.
        #[arg(long)]
        text_en: Option<String>,
        /// Change its main assessment target ("" to clear it).
        #[arg(long, value_parser = [AssessmentTarget::ALL, &[""]].concat())]
        target: Option<String>,
    },
    /// Remove a procedure (refused while it has exceptions).
    Remove {
        /// The engagement file.
        file: PathBuf,
        /// The procedure's ID.
        id: String,
    },
    /// Show the table of assessment targets (CC2022 Attached table 8) with their example frequencies, or make a
    /// firm's own table the default (--set FILE), or go back to the shipped one (--reset).
    Targets {
        /// Make this JSON table the firm's: the form of `assets/rules/assessment-targets.json`, or the list `--json` prints.
        #[arg(long, value_name = "FILE", conflicts_with = "reset")]
        set: Option<PathBuf>,
        /// Go back to the shipped table.
        #[arg(long)]
        reset: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExceptionCommand {
    /// Record an exception (例外事項) found by a procedure, written as a fact.
    Add {
        /// The engagement file.
        file: PathBuf,
        /// The procedure that found it.
        #[arg(long)]
        procedure: String,
        /// The facts.
        text: String,
    },
    /// Rewrite an exception's text.
    Edit {
        /// The engagement file.
        file: PathBuf,
        /// The exception's ID, e.g. E-0001.
        id: String,
        /// The new text.
        text: String,
    },
    /// Remove an exception.
    Remove {
        /// The engagement file.
        file: PathBuf,
        /// The exception's ID.
        id: String,
    },
    /// List every exception.
    List {
        /// The engagement file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScopeCommand {
    /// Put a control in or out of scope; a control objective (3-part ID) excluded with --decision not_adopted
    /// exempts its .B detailed controls, until it is put back in scope.
    Set {
        /// The engagement file.
        file: PathBuf,
        /// The control's (or control objective's) ID.
        control: String,
        /// In scope, not adopted by the provider, outside the ISMAP-LIU scope, or inherited from a registered service.
        #[arg(long, value_parser = ["in_scope", "not_adopted", "liu_excluded", "inherited"])]
        decision: String,
        /// Why it is out of scope (required when not adopted or outside the LIU scope).
        #[arg(long, default_value = "")]
        reason: String,
        /// For an inherited control: the registered service it is taken over from.
        #[arg(long, value_name = "NAME", required_if_eq("decision", "inherited"))]
        service_name: Option<String>,
        /// For an inherited control: that service's ISMAP registration number.
        #[arg(long, value_name = "NUMBER", required_if_eq("decision", "inherited"))]
        registration_number: Option<String>,
    },
}

fn word(m: &Messages, prefix: &str, value: &str) -> String {
    m.word(&format!("{prefix}.{value}"), value)
}

fn result_word(m: &Messages, r: Option<ResultKind>) -> String {
    r.map_or_else(|| m.get("result.none", &[]), |r| word(m, "result", r.as_str()))
}

pub fn controls(args: ControlsArgs, m: &Messages) -> Outcome {
    // A search of nothing but spaces lists everything, as an empty search box does.
    let found = match args.search.as_deref().filter(|w| !w.trim().is_empty()) {
        Some(words) => Some(api::search_controls(&args.file, words)?),
        None => None,
    };
    let contexts: std::collections::HashMap<&str, String> = found
        .iter()
        .flat_map(|f| &f.hits)
        .map(|h| {
            let text: String =
                h.context.iter().map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() }).collect();
            (h.id.as_str(), text)
        })
        .collect();
    let controls: Vec<_> = api::list_controls(&args.file)?
        .into_iter()
        .filter(|c| c.assessable)
        .filter(|c| found.is_none() || contexts.contains_key(c.id.as_str()))
        .filter(|c| args.status.as_deref().is_none_or(|s| c.status.map(Status::as_str) == Some(s)))
        .filter(|c| args.result.as_deref().is_none_or(|r| c.result.map(ResultKind::as_str) == Some(r)))
        .filter(|c| args.assignee.as_ref().is_none_or(|a| c.assignees.contains(a)))
        .collect();
    if args.json {
        return print_json(&controls);
    }
    for c in &controls {
        let status = c.status.map(|s| word(m, "status", s.as_str())).unwrap_or_default();
        let title = crate::fields::title(m, &c.title_ja, &c.title_en);
        println!(
            "{}",
            m.get(
                "controls.row",
                &[
                    ("id", &c.id),
                    ("status", &status),
                    ("result", &result_word(m, c.result)),
                    ("done", &c.procedures_done),
                    ("total", &c.procedures),
                    ("title", &title)
                ]
            )
        );
        if let Some(context) = contexts.get(c.id.as_str()) {
            println!("{}", m.get("controls.context", &[("context", context)]));
        }
    }
    if found.is_some() && controls.is_empty() {
        println!("{}", m.get("controls.no_hits", &[("query", &args.search.as_deref().unwrap_or_default().trim())]));
    }
    Ok(())
}

fn print_procedure(p: &Procedure, status: Status, m: &Messages) {
    let none = m.get("value.none", &[]);
    println!(
        "{}",
        m.get(
            "procedure.row",
            &[
                ("id", &p.id),
                ("kind", &word(m, "kind", p.kind.as_str())),
                ("evaluation", &word(m, "evaluation", p.evaluation.as_str())),
                ("status", &word(m, "status", status.as_str())),
                ("result", &result_word(m, p.result)),
                ("assignee", p.assignee.as_ref().unwrap_or(&none)),
            ]
        )
    );
    println!("{}", m.get("procedure.text", &[("text", &crate::fields::title(m, &p.text_ja, &p.text_en))]));
    if let Some(target) = p.target {
        println!("{}", m.get("procedure.target_line", &[("target", &word(m, "target", target.as_str()))]));
    }
    if !p.work_done.is_empty() {
        println!("{}", m.get("procedure.work_done", &[("text", &p.work_done)]));
    }
    if !p.notes.is_empty() {
        println!("{}", m.get("procedure.notes", &[("text", &p.notes)]));
    }
    for e in &p.exceptions {
        println!("{}", m.get("procedure.exception", &[("id", &e.id), ("text", &e.text)]));
    }
}

pub fn control(command: ControlCommand, ctx: Context<'_>, m: &Messages) -> Outcome {
    let (file, id, json) = match command {
        ControlCommand::Show { file, id, json } => (file, id, json),
        ControlCommand::Change { file, id, effective, kind, text, before } => {
            let input = ControlChangeInput { effective, kind, text, before };
            let detail = api::record_control_change(&file, &id, input, ctx)?;
            if let Some(change) = detail.changes.iter().find(|c| c.effective == effective) {
                println!("{}", m.get("control.change_recorded", &[("id", &change.id), ("control", &id)]));
            }
            print_versions(&detail.versions, m);
            return Ok(());
        }
        ControlCommand::ChangeRemove { file, change_id } => {
            let detail = api::remove_control_change(&file, &change_id, ctx)?;
            println!("{}", m.get("control.change_removed", &[("id", &change_id), ("control", &detail.item.id)]));
            return Ok(());
        }
        ControlCommand::Changes { file, json } => {
            let changes = api::control_changes(&file)?;
            if json {
                return print_json(&changes);
            }
            if changes.is_empty() {
                println!("{}", m.get("control.no_changes", &[]));
            }
            let mut controls: Vec<&str> = changes.iter().map(|c| c.control_id.as_str()).collect();
            controls.dedup();
            for control in controls {
                let detail = api::control_detail(&file, control)?;
                let title = crate::fields::title(m, &detail.item.title_ja, &detail.item.title_en);
                println!("{}", m.get("control.title", &[("id", &control), ("title", &title)]));
                print_versions(&detail.versions, m);
            }
            return Ok(());
        }
        ControlCommand::ChangeKinds { json } => {
            let kinds = api::control_change_kinds()?;
            if json {
                return print_json(&kinds);
            }
            for k in kinds {
                let words = if m.lang() == crate::messages::Lang::Ja { k.ja } else { k.en };
                println!("{:<16}{}", crate::messages::shown(&k.code), crate::messages::shown(&words));
            }
            return Ok(());
        }
    };
    let detail = api::control_detail(&file, &id)?;
    if json {
        return print_json(&detail);
    }
    let item = &detail.item;
    println!(
        "{}",
        m.get(
            "control.title",
            &[("id", &item.id), ("title", &crate::fields::title(m, &item.title_ja, &item.title_en))]
        )
    );
    let status = detail.status.map(|s| word(m, "status", s.as_str())).unwrap_or_default();
    println!(
        "{}",
        m.get(
            "control.status",
            &[
                ("status", &status),
                ("result", &result_word(m, detail.result)),
                ("scope", &word(m, "scope", detail.scope.as_str()))
            ]
        )
    );
    if !detail.scope_reason.is_empty() {
        println!("{}", m.get("control.scope_reason", &[("reason", &detail.scope_reason)]));
    }
    let text = crate::fields::title(m, &item.text_ja, &item.text_en);
    if !text.is_empty() {
        println!("{}", m.get("control.text", &[("text", &text)]));
    }
    print_versions(&detail.versions, m);
    for ProcedureEntry { procedure, status, .. } in &detail.procedures {
        println!();
        print_procedure(procedure, *status, m);
    }
    Ok(())
}

/// The versions of a changed control, one line each with its dates, and
/// what it was.
fn print_versions(versions: &[ControlVersion], m: &Messages) {
    let kinds = api::control_change_kinds().unwrap_or_default();
    for v in versions {
        let kind = v
            .kind
            .as_ref()
            .map(|code| {
                let k = kinds.iter().find(|k| &k.code == code);
                let words = k.map(|k| if m.lang() == crate::messages::Lang::Ja { &k.ja } else { &k.en });
                let words = words.cloned().unwrap_or_else(|| code.clone());
                m.get("control.version_kind", &[("id", &v.change_id.clone().unwrap_or_default()), ("kind", &words)])
            })
            .unwrap_or_default();
        println!("{}", m.get("control.version", &[("no", &v.no), ("from", &v.from), ("to", &v.to), ("kind", &kind)]));
        if !v.text.is_empty() {
            println!("    {}", crate::messages::shown(&v.text));
        }
    }
}

pub fn procedure(
    command: ProcedureCommand,
    data_dir: &dyn Fn() -> Result<PathBuf, Failure>,
    ctx: Context<'_>,
    m: &Messages,
) -> Outcome {
    match command {
        ProcedureCommand::List { file, control, json } => {
            let entries: Vec<ProcedureEntry> = api::list_procedures(&file)?
                .into_iter()
                .filter(|e| control.as_ref().is_none_or(|c| &e.procedure.control_id == c))
                .collect();
            if json {
                return print_json(&entries);
            }
            for e in &entries {
                print_procedure(&e.procedure, e.status, m);
            }
            Ok(())
        }
        ProcedureCommand::Add { file, control, kind, evaluation, text_ja, text_en, assignee, target } => {
            let new = NewProcedure {
                kind: parse(ProcedureKind::parse(&kind), "kind")?,
                evaluation: parse(Evaluation::parse(&evaluation), "evaluation")?,
                text_ja,
                text_en,
                assignee,
                target: target.as_deref().map(|t| parse(AssessmentTarget::parse(t), "target")).transpose()?,
            };
            let p = api::add_procedure(&file, &control, new, ctx)?;
            println!("{}", m.get("procedure.added", &[("id", &p.id)]));
            Ok(())
        }
        ProcedureCommand::Record {
            file,
            id,
            result,
            clear_result,
            work_done,
            notes,
            assignee,
            kind,
            evaluation,
            text_ja,
            text_en,
            target,
        } => {
            let before = api::list_procedures(&file)?.into_iter().find(|e| e.procedure.id == id);
            let patch = ProcedurePatch {
                kind: kind.as_deref().map(|k| parse(ProcedureKind::parse(k), "kind")).transpose()?,
                evaluation: evaluation.as_deref().map(|e| parse(Evaluation::parse(e), "evaluation")).transpose()?,
                text_ja,
                text_en,
                assignee: assignee.map(|a| Some(a).filter(|a| !a.trim().is_empty())),
                work_done,
                result: if clear_result {
                    Some(None)
                } else {
                    result.as_deref().map(|r| parse(ResultKind::parse(r), "result").map(Some)).transpose()?
                },
                notes,
                target: match target.as_deref() {
                    None => None,
                    Some("") => Some(None),
                    Some(t) => Some(Some(parse(AssessmentTarget::parse(t), "target")?)),
                },
            };
            let after = api::update_procedure(&file, &id, patch, ctx)?;
            if before.is_some_and(|b| b.procedure == after) {
                println!("{}", m.get("procedure.unchanged", &[("id", &id)]));
            } else {
                let status = word(m, "status", after.status().as_str());
                println!(
                    "{}",
                    m.get(
                        "procedure.recorded",
                        &[("id", &id), ("status", &status), ("result", &result_word(m, after.result))]
                    )
                );
            }
            Ok(())
        }
        ProcedureCommand::Remove { file, id } => {
            api::remove_procedure(&file, &id, ctx)?;
            println!("{}", m.get("procedure.removed", &[("id", &id)]));
            Ok(())
        }
        ProcedureCommand::Targets { set, reset, json } => {
            let dir = data_dir()?;
            let targets = match (set, reset) {
                (Some(source), _) => api::save_assessment_targets(&dir, &source)?,
                (None, true) => api::reset_assessment_targets(&dir)?,
                (None, false) => api::assessment_targets(&dir)?,
            };
            if json {
                return print_json(&targets);
            }
            let ja = m.lang() == crate::messages::Lang::Ja;
            for t in &targets {
                let (name, examples, frequency) = if ja {
                    (&t.ja, &t.examples_ja, &t.frequency_ja)
                } else {
                    (&t.en, &t.examples_en, &t.frequency_en)
                };
                let sampled = m.word(
                    if t.target.sampled() { "procedure.target_sampled" } else { "procedure.target_not_sampled" },
                    "",
                );
                let default = t
                    .default_frequency
                    .map(|f| word(m, "frequency", f.as_str()))
                    .unwrap_or_else(|| m.word("procedure.target_as_run", ""));
                println!(
                    "{}",
                    m.get(
                        "procedure.target",
                        &[
                            ("code", &t.target.as_str()),
                            ("name", name),
                            ("examples", examples),
                            ("frequency", frequency),
                            ("default", &default),
                            ("sampled", &sampled)
                        ]
                    )
                );
            }
            Ok(())
        }
    }
}

pub fn exception(command: ExceptionCommand, ctx: Context<'_>, m: &Messages) -> Outcome {
    match command {
        ExceptionCommand::Add { file, procedure, text } => {
            let e = api::add_exception(&file, &procedure, &text, ctx)?;
            println!("{}", m.get("exception.added", &[("id", &e.id), ("procedure", &e.procedure_id)]));
        }
        ExceptionCommand::Edit { file, id, text } => {
            api::edit_exception(&file, &id, &text, ctx)?;
            println!("{}", m.get("exception.edited", &[("id", &id)]));
        }
        ExceptionCommand::Remove { file, id } => {
            api::remove_exception(&file, &id, ctx)?;
            println!("{}", m.get("exception.removed", &[("id", &id)]));
        }
        ExceptionCommand::List { file, json } => {
            let listing = api::dashboard(
                &file,
                workbench_core::model::event::Clock::today_in_japan(&workbench_core::model::event::SystemClock),
            )?
            .exceptions;
            if json {
                return print_json(&listing);
            }
            if listing.is_empty() {
                println!("{}", m.get("exception.none", &[]));
            }
            for l in &listing {
                println!(
                    "{}",
                    m.get(
                        "exception.row",
                        &[
                            ("id", &l.exception.id),
                            ("control", &l.control_id),
                            ("procedure", &l.exception.procedure_id),
                            ("text", &l.exception.text)
                        ]
                    )
                );
            }
        }
    }
    Ok(())
}

pub fn scope(command: ScopeCommand, ctx: Context<'_>, m: &Messages) -> Outcome {
    let ScopeCommand::Set { file, control, decision, reason, service_name, registration_number } = command;
    let decision = parse(ScopeDecision::parse(&decision), "decision")?;
    let inherited = match (service_name, registration_number) {
        (None, None) => None,
        (name, number) => Some(workbench_core::model::procedure::InheritedService {
            service_name: name.unwrap_or_default(),
            registration_number: number.unwrap_or_default(),
        }),
    };
    let detail = api::set_scope(&file, &control, decision, &reason, inherited, ctx)?;
    println!("{}", m.get("scope.set", &[("id", &control), ("scope", &word(m, "scope", detail.scope.as_str()))]));
    Ok(())
}

/// clap has already checked the value against the list; this only turns it into the type.
fn parse<T>(value: Option<T>, what: &str) -> Result<T, Failure> {
    value.ok_or_else(|| Failure::Usage(format!("unknown {what}")))
}

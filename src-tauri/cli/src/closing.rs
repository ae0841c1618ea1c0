//! The written representation (経営者確認書) and subsequent events (後発事象)
//! from the command line.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;
use workbench_core::api;
use workbench_core::model::event::Context;
use workbench_core::model::representation::{
    Answer, ClosingView, Confirmation, RepresentationInput, SubsequentEventInput, CONFIRMATIONS,
};

use crate::messages::Messages;
use crate::{print_json, Failure, Outcome};

#[derive(Debug, Subcommand)]
pub enum RepresentationCommand {
    /// Record the provider's written representation (CC2022 §2.2.8): its date, who signed it, and the answer to
    /// each of its eight confirmations. Recording again replaces it; confirmations not named keep their answer.
    Record {
        /// The engagement file.
        file: PathBuf,
        /// The letter's date (after the period's end, not after the report date).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::fields::parse_date)]
        date: Option<NaiveDate>,
        /// Who signed it, as "NAME, TITLE" (e.g. "田中 一郎, 代表取締役社長").
        #[arg(long, value_name = "NAME, TITLE")]
        signatory: Option<String>,
        /// The confirmations given, by number (1 to 8), e.g. --confirm 1,2,3,4,5,6,8.
        #[arg(long, value_name = "N,...", value_delimiter = ',')]
        confirm: Vec<usize>,
        /// A confirmation not given, by number; each needs a --comment, in the same order.
        #[arg(long = "not-confirmed", value_name = "N")]
        not_confirmed: Vec<usize>,
        /// Why a confirmation was not given (e.g. the significant event disclosed under item 7).
        #[arg(long, value_name = "TEXT")]
        comment: Vec<String>,
        /// The scanned, signed letter, as an evidence item (e.g. EV-0003).
        #[arg(long, value_name = "EV-ID")]
        evidence: Option<String>,
    },
    /// Show the written representation.
    Show {
        /// The engagement file.
        file: PathBuf,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SubsequentCommand {
    /// Add a subsequent event (CC2022 §2.2.6): something after the period's end that may bear on the controls.
    Add {
        /// The engagement file.
        file: PathBuf,
        /// When it happened (after the period's end, not in the future).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::fields::parse_date)]
        date: NaiveDate,
        /// What happened.
        #[arg(long, value_name = "TEXT")]
        description: String,
        /// Its effect on the controls, as the assessor judges it.
        #[arg(long, value_name = "TEXT", default_value = "")]
        effect: String,
        /// Evidence about it (repeat for each), e.g. EV-0004.
        #[arg(long, value_name = "EV-ID")]
        evidence: Vec<String>,
    },
    /// Remove a subsequent event recorded by mistake.
    Remove {
        /// The engagement file.
        file: PathBuf,
        /// Its ID, e.g. SE-001.
        id: String,
    },
    /// List the subsequent events and up to which date they were considered.
    List {
        /// The engagement file.
        file: PathBuf,
        /// Print them as JSON.
        #[arg(long)]
        json: bool,
    },
    /// State, as a manager or partner, that subsequent events were considered up to a date (the report may not be
    /// dated after it). Allowed on a finalized engagement.
    Considered {
        /// The engagement file.
        file: PathBuf,
        /// The last day considered.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::fields::parse_date)]
        through: NaiveDate,
    },
}

fn number(n: usize) -> Result<usize, Failure> {
    if (1..=CONFIRMATIONS).contains(&n) {
        Ok(n - 1)
    } else {
        Err(Failure::Usage(format!("confirmation {n} does not exist; they are numbered 1 to {CONFIRMATIONS}")))
    }
}

pub fn representation(command: RepresentationCommand, ctx: Context<'_>, m: &Messages) -> Outcome {
    match command {
        RepresentationCommand::Record { file, date, signatory, confirm, not_confirmed, comment, evidence } => {
            if not_confirmed.len() != comment.len() {
                return Err(Failure::Usage("give one --comment for each --not-confirmed, in the same order".into()));
            }
            let before = api::closing(&file)?.representation;
            let (name, title) = match signatory.as_deref() {
                Some(s) => {
                    let (name, title) = s.split_once([',', '、', '，']).unwrap_or((s, ""));
                    (name.trim().to_string(), title.trim().to_string())
                }
                None => before
                    .as_ref()
                    .map(|b| (b.signatory_name.clone(), b.signatory_title.clone()))
                    .ok_or_else(|| Failure::Usage("missing: --signatory".into()))?,
            };
            let date =
                date.or(before.as_ref().map(|b| b.date)).ok_or_else(|| Failure::Usage("missing: --date".into()))?;
            let mut confirmations = before
                .as_ref()
                .map(|b| b.confirmations.clone())
                .unwrap_or_else(|| vec![Confirmation { answer: None, comment: String::new() }; CONFIRMATIONS]);
            for n in confirm {
                confirmations[number(n)?] = Confirmation { answer: Some(Answer::Confirmed), comment: String::new() };
            }
            for (n, text) in not_confirmed.into_iter().zip(comment) {
                confirmations[number(n)?] = Confirmation { answer: Some(Answer::NotConfirmed), comment: text };
            }
            let evidence_id = evidence.or(before.and_then(|b| b.evidence_id));
            let input =
                RepresentationInput { date, signatory_name: name, signatory_title: title, confirmations, evidence_id };
            let view = api::record_representation(&file, input, ctx)?;
            print_representation(&view, m);
            Ok(())
        }
        RepresentationCommand::Show { file, json } => {
            let view = api::closing(&file)?;
            if json {
                return print_json(&view.representation);
            }
            print_representation(&view, m);
            Ok(())
        }
    }
}

fn print_representation(view: &ClosingView, m: &Messages) {
    let Some(r) = &view.representation else {
        println!("{}", m.get("representation.none", &[]));
        return;
    };
    println!(
        "{}",
        m.get("representation.head", &[("date", &r.date), ("name", &r.signatory_name), ("title", &r.signatory_title)])
    );
    for (i, c) in r.confirmations.iter().enumerate() {
        let answer = match c.answer {
            Some(a) => m.word(&format!("representation.answer.{a}"), a.as_str()),
            None => m.word("representation.answer.none", "-"),
        };
        let item = m.word(&format!("representation.item.{}", i + 1), "");
        println!("{}", m.get("representation.row", &[("n", &(i + 1)), ("item", &item), ("answer", &answer)]));
        if !c.comment.is_empty() {
            println!("{}", m.get("representation.comment", &[("text", &c.comment)]));
        }
    }
    if let Some(e) = &r.evidence_id {
        println!("{}", m.get("representation.evidence", &[("id", e)]));
    }
    let open = r.unanswered();
    if !open.is_empty() {
        let items = open.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
        println!("{}", m.get("representation.unanswered", &[("items", &items)]));
    }
}

pub fn subsequent(command: SubsequentCommand, ctx: Context<'_>, m: &Messages) -> Outcome {
    let view = match command {
        SubsequentCommand::Add { file, date, description, effect, evidence } => {
            let view = api::add_subsequent_event(
                &file,
                SubsequentEventInput { occurred_on: date, description, effect, evidence },
                ctx,
            )?;
            if let Some(e) = view.subsequent_events.last() {
                println!("{}", m.get("subsequent.added", &[("id", &e.id)]));
            }
            view
        }
        SubsequentCommand::Remove { file, id } => {
            let view = api::remove_subsequent_event(&file, &id, ctx)?;
            println!("{}", m.get("subsequent.removed", &[("id", &id)]));
            view
        }
        SubsequentCommand::Considered { file, through } => {
            let view = api::consider_subsequent_events(&file, through, ctx)?;
            println!("{}", m.get("subsequent.considered", &[("through", &through), ("by", &ctx.actor.name)]));
            view
        }
        SubsequentCommand::List { file, json } => {
            let view = api::closing(&file)?;
            if json {
                return print_json(&serde_json::json!({
                    "events": view.subsequent_events,
                    "considered": view.subsequent_review,
                }));
            }
            view
        }
    };
    if view.subsequent_events.is_empty() {
        println!("{}", m.get("subsequent.none", &[]));
    }
    for e in &view.subsequent_events {
        println!("{}", m.get("subsequent.row", &[("id", &e.id), ("date", &e.occurred_on), ("text", &e.description)]));
        if !e.effect.is_empty() {
            println!("{}", m.get("subsequent.effect", &[("text", &e.effect)]));
        }
    }
    match &view.subsequent_review {
        Some(r) => println!("{}", m.get("subsequent.review", &[("through", &r.through), ("by", &r.by)])),
        None => println!("{}", m.get("subsequent.not_considered", &[])),
    }
    Ok(())
}

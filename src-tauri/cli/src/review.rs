//! Review from the command line: sign-offs, review notes, finalizing,
//! reopening and history. Every command acts as `--as NAME` (or
//! $WORKBENCH_USER, or the login name), whose role comes from the team.

use std::path::PathBuf;

use clap::Subcommand;
use workbench_core::api;
use workbench_core::model::event::{shown_in_japan, Context};
use workbench_core::model::review::{
    NoteStatus, NoteTargetKind, QueueCategory, ReviewState, SignOffLevel, SignableKind,
};

use crate::messages::Messages;
use crate::{print_json, Failure, Outcome};

/// A procedure ID has `/P`; anything else signable is a control.
fn signable(id: &str) -> SignableKind {
    if id.contains("/P") {
        SignableKind::Procedure
    } else {
        SignableKind::Control
    }
}

/// What a note is on, from the form of its ID.
fn note_target(id: &str) -> NoteTargetKind {
    if id.starts_with("EV-") {
        NoteTargetKind::Evidence
    } else if id.starts_with("E-") {
        NoteTargetKind::Exception
    } else if id.contains("/P") {
        NoteTargetKind::Procedure
    } else {
        NoteTargetKind::Control
    }
}

#[derive(Debug, clap::Args)]
pub struct SignOffArgs {
    /// The engagement file.
    file: PathBuf,
    /// A procedure (9.2.3.11.PB/P1) or a control (9.2.3.11.PB).
    id: String,
    /// The level to sign at.
    #[arg(long, value_parser = SignOffLevel::ALL.to_vec(), default_value = "preparer")]
    level: String,
    /// Sign with this key of this computer (its PIN from a prompt or $WORKBENCH_SIGNING_PIN) [default: your key on
    /// the engagement's roster, when you hold one].
    #[arg(long, value_name = "NAME|FINGERPRINT")]
    key: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Show where the review stands: counts, items signed, items changed after sign-off.
    Status {
        /// The engagement file.
        file: PathBuf,
        /// Only the items changed after their sign-off.
        #[arg(long)]
        changed: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// A person's work queue: what waits for their review (査閲待ち), what changed after its sign-off, the review
    /// notes to answer or clear, and the work not yet prepared (未完了).
    Queue {
        /// The engagement file.
        file: PathBuf,
        /// Whose queue [default: the person acting, --as].
        #[arg(long, value_name = "NAME")]
        person: Option<String>,
        /// Only this list.
        #[arg(long, value_parser = QueueCategory::ALL.to_vec())]
        list: Option<String>,
        /// Everyone's items, not only those waiting for the person.
        #[arg(long)]
        all: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Leave a review note on a control, procedure, exception (E-0001) or evidence item (EV-0001).
    Add {
        /// The engagement file.
        file: PathBuf,
        /// What the note is on.
        #[arg(long = "on", value_name = "ID")]
        target: String,
        /// The note.
        text: String,
    },
    /// Answer a note (it becomes "answered"; the author or a manager then clears it).
    Answer {
        /// The engagement file.
        file: PathBuf,
        /// The note's ID, e.g. RN-001.
        id: String,
        /// The answer.
        text: String,
    },
    /// Clear a note (its author or a manager).
    Clear {
        /// The engagement file.
        file: PathBuf,
        /// The note's ID.
        id: String,
    },
    /// List review notes.
    List {
        /// The engagement file.
        file: PathBuf,
        /// Only notes not cleared.
        #[arg(long)]
        open: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn sign_off(args: SignOffArgs, data_dir: &std::path::Path, ctx: Context<'_>, m: &Messages) -> Outcome {
    let level = SignOffLevel::parse(&args.level).ok_or_else(|| Failure::Usage("unknown level".into()))?;
    let key = roster_key(&args.file, data_dir, args.key, ctx, m)?;
    let state = api::sign_off_with_key(&args.file, signable(&args.id), &args.id, level, key.as_ref(), ctx)?;
    let level_word = m.word(&format!("signoff.level.{}", level.as_str()), level.as_str());
    println!("{}", m.get("signoff.done", &[("id", &args.id), ("level", &level_word), ("who", &ctx.actor.name)]));
    print_state(&state, m);
    Ok(())
}

/// The key the acting person signs with: the one named, else their key on
/// the engagement's roster when it is on this computer (opened with its
/// PIN); none for a person without one, whom the rules let sign by name.
fn roster_key(
    file: &std::path::Path,
    data_dir: &std::path::Path,
    named: Option<String>,
    ctx: Context<'_>,
    m: &Messages,
) -> Result<Option<workbench_core::keys::UnlockedKey>, Failure> {
    let which = match named {
        Some(k) => Some(k),
        None => api::roster(file)?
            .into_iter()
            .filter(|e| e.is_active() && e.key.name == ctx.actor.name)
            .map(|e| e.key.fingerprint)
            .find(|f| workbench_core::keys::find(data_dir, f).is_ok()),
    };
    match which {
        Some(k) => Ok(Some(crate::keys::open_key(data_dir, Some(&k), &ctx.actor.name, m)?)),
        None => Ok(None),
    }
}

fn print_state(s: &ReviewState, m: &Messages) {
    for level in &s.required {
        let word = m.word(&format!("signoff.level.{}", level.as_str()), level.as_str());
        match s.signoffs.iter().find(|x| x.level == *level) {
            Some(x) => println!(
                "{}",
                m.get("signoff.row", &[("level", &word), ("who", &x.signer), ("at", &shown_in_japan(&x.at))])
            ),
            None => println!("{}", m.get("signoff.missing", &[("level", &word)])),
        }
    }
    if s.changed_after_signoff {
        println!("{}", m.get("signoff.changed", &[("id", &s.item_id)]));
        for c in &s.changes {
            println!("{}", m.get("signoff.change", &[("field", &c.field), ("before", &c.before), ("after", &c.after)]));
        }
    }
}

pub fn review(command: ReviewCommand, ctx: Context<'_>, m: &Messages) -> Outcome {
    let (file, changed, json) = match command {
        ReviewCommand::Status { file, changed, json } => (file, changed, json),
        ReviewCommand::Queue { file, person, list, all, json } => {
            return queue(&file, person.as_deref().unwrap_or(&ctx.actor.name), list.as_deref(), all, json, m)
        }
    };
    let summary = api::review_summary(&file)?;
    if json {
        return print_json(&summary);
    }
    println!(
        "{}",
        m.get(
            "review.summary",
            &[
                ("complete", &summary.complete),
                ("items", &summary.items),
                ("changed", &summary.changed_after_signoff),
                ("notes", &summary.open_notes)
            ]
        )
    );
    if let Some(f) = &summary.finalized {
        println!("{}", m.get("review.finalized", &[("by", &f.by), ("at", &shown_in_japan(&f.at))]));
    }
    for s in summary.states.iter().filter(|s| !changed || s.changed_after_signoff) {
        let key = if s.changed_after_signoff {
            "review.item.changed"
        } else if s.complete {
            "review.item.complete"
        } else {
            "review.item.partial"
        };
        let levels = s
            .signoffs
            .iter()
            .map(|x| {
                let level = m.word(&format!("signoff.level.{}", x.level.as_str()), x.level.as_str());
                m.get("review.item.signoff", &[("level", &level), ("who", &x.signer)])
            })
            .collect::<Vec<_>>()
            .join(m.get("review.item.separator", &[]).as_str());
        println!("{}", m.get(key, &[("id", &s.item_id), ("signoffs", &levels)]));
    }
    Ok(())
}

fn queue(file: &std::path::Path, person: &str, list: Option<&str>, all: bool, json: bool, m: &Messages) -> Outcome {
    let queue = api::review_queue(file, person)?;
    if json {
        return print_json(&queue);
    }
    for count in &queue.counts {
        let category = count.category.as_str();
        if list.is_some_and(|l| l != category) {
            continue;
        }
        let name = m.word(&format!("queue.category.{category}"), category);
        println!(
            "{}",
            m.get("queue.heading", &[("list", &name), ("mine", &count.mine), ("all", &count.all), ("person", &person)])
        );
        for r in queue.rows.iter().filter(|r| r.category == count.category && (all || r.mine)) {
            let level =
                r.level.map(|l| m.word(&format!("signoff.level.{}", l.as_str()), l.as_str())).unwrap_or_default();
            let reasons = r
                .codes
                .iter()
                .map(|c| m.word(&format!("queue.reason.{}", c.as_str()), c.as_str()))
                .collect::<Vec<_>>()
                .join(m.get("review.item.separator", &[]).as_str());
            let key = if r.item_kind == "note" { "queue.row.note" } else { "queue.row" };
            println!(
                "{}",
                m.get(key, &[("id", &r.item_id), ("level", &level), ("reasons", &reasons), ("text", &r.text)])
            );
        }
    }
    Ok(())
}

pub fn note(command: NoteCommand, ctx: Context<'_>, m: &Messages) -> Outcome {
    match command {
        NoteCommand::Add { file, target, text } => {
            let n = api::add_note(&file, note_target(&target), &target, &text, ctx)?;
            println!("{}", m.get("note.added", &[("id", &n.id), ("target", &n.target_id)]));
        }
        NoteCommand::Answer { file, id, text } => {
            api::answer_note(&file, &id, &text, ctx)?;
            println!("{}", m.get("note.answered", &[("id", &id)]));
        }
        NoteCommand::Clear { file, id } => {
            api::clear_note(&file, &id, ctx)?;
            println!("{}", m.get("note.cleared", &[("id", &id)]));
        }
        NoteCommand::List { file, open, json } => {
            let notes: Vec<_> = api::review_summary(&file)?
                .notes
                .into_iter()
                .filter(|n| !open || n.status != NoteStatus::Cleared)
                .collect();
            if json {
                return print_json(&notes);
            }
            if notes.is_empty() {
                println!("{}", m.get("note.none", &[]));
            }
            for n in &notes {
                let status = m.word(&format!("note.status.{}", n.status.as_str()), n.status.as_str());
                println!(
                    "{}",
                    m.get(
                        "note.row",
                        &[
                            ("id", &n.id),
                            ("status", &status),
                            ("target", &n.target_id),
                            ("author", &n.author),
                            ("text", &n.text)
                        ]
                    )
                );
                if let (Some(answer), Some(by)) = (&n.answer, &n.answered_by) {
                    println!("{}", m.get("note.answer", &[("by", by), ("text", answer)]));
                }
            }
        }
    }
    Ok(())
}

/// Finalizes, or with `check` only lists what blocks it; exit 1 while anything does.
pub fn finalize(file: PathBuf, check: bool, data_dir: &std::path::Path, ctx: Context<'_>, m: &Messages) -> Outcome {
    let report = api::finalize_check(&file, &api::assurance_phrases(data_dir)?)?;
    // Wording that reads like assurance is a warning: listed, never blocking.
    for hit in &report.wording {
        let field = m.word(&format!("wording.field.{}", hit.field), &hit.field);
        eprintln!("{}", m.get("finalize.wording", &[("id", &hit.item_id), ("field", &field), ("phrase", &hit.phrase)]));
    }
    if !report.ready {
        for b in &report.blockers {
            let level =
                b.level.map(|l| m.word(&format!("signoff.level.{}", l.as_str()), l.as_str())).unwrap_or_default();
            println!("{}", m.get(&format!("finalize.blocker.{}", b.code), &[("id", &b.item_id), ("level", &level)]));
        }
        println!("{}", m.get("finalize.blocked", &[("count", &report.blockers.len())]));
        return Err(Failure::CheckFailed);
    }
    if check {
        println!("{}", m.get("finalize.ready", &[]));
        return Ok(());
    }
    let key = roster_key(&file, data_dir, None, ctx, m)?;
    let f = api::finalize_with_key(&file, key.as_ref(), ctx)?;
    println!("{}", m.get("finalize.done", &[("by", &f.by), ("at", &shown_in_japan(&f.at))]));
    Ok(())
}

pub fn reopen(file: PathBuf, reason: String, data_dir: &std::path::Path, ctx: Context<'_>, m: &Messages) -> Outcome {
    let key = roster_key(&file, data_dir, None, ctx, m)?;
    api::reopen_with_key(&file, &reason, key.as_ref(), ctx)?;
    println!("{}", m.get("reopen.done", &[("by", &ctx.actor.name)]));
    Ok(())
}

pub fn history(file: PathBuf, item: Option<String>, json: bool, m: &Messages) -> Outcome {
    let events = match &item {
        Some(id) => api::item_history(&file, id)?,
        None => {
            let mut all = api::recent_events(&file, usize::MAX)?;
            all.reverse();
            all
        }
    };
    if json {
        return print_json(&events);
    }
    for e in &events {
        let line = match &e.from_copy {
            Some(copy) => m.get(
                "log.event_from_copy",
                &[
                    ("seq", &e.seq),
                    ("at", &shown_in_japan(&e.at)),
                    ("actor", &e.actor),
                    ("kind", &e.kind),
                    ("code", &copy.code),
                    ("for", &copy.for_name),
                ],
            ),
            None => m.get(
                "log.event",
                &[("seq", &e.seq), ("at", &shown_in_japan(&e.at)), ("actor", &e.actor), ("kind", &e.kind)],
            ),
        };
        println!("{line}");
        if let Ok(payload) = serde_json::from_str::<serde_json::Value>(&e.payload) {
            for c in payload["changes"].as_array().into_iter().flatten() {
                println!(
                    "{}",
                    m.get(
                        "signoff.change",
                        &[("field", &c["field"]), ("before", &c["before"]), ("after", &c["after"])]
                    )
                );
            }
        }
    }
    Ok(())
}

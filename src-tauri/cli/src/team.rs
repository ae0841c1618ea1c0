//! Team fieldwork from the command line: field copies, merging them back,
//! and deciding conflicts (docs/team-fieldwork.md).

use std::path::PathBuf;

use clap::Args;
use workbench_core::api::{self, CopyScope};
use workbench_core::model::copy::{Choice, Conflict, ConflictSide};
use workbench_core::model::event::Context;

use crate::messages::Messages;
use crate::{print_json, Failure, Outcome};

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The engagement file to copy from.
    file: PathBuf,
    /// Where to write the field copy (must not exist).
    #[arg(long, value_name = "COPY")]
    pub out: PathBuf,
    /// The team member the copy is for (shown in the copy's header and on the manager's dashboard).
    #[arg(long = "for", value_name = "NAME")]
    for_name: String,
    /// Carry only the evidence of these controls (comma-separated IDs); every event is carried all the same.
    #[arg(long, value_name = "ID,...", value_delimiter = ',', conflicts_with = "assigned")]
    controls: Vec<String>,
    /// Carry only the evidence of the controls with a procedure assigned to the person.
    #[arg(long)]
    assigned: bool,
    /// Encrypt the copy with a passphrase of its own ($WORKBENCH_NEW_ENGAGEMENT_PASSPHRASE, else asked twice)
    /// [default: a copy of an encrypted engagement has the engagement's passphrase, of a plain one is plain].
    #[arg(long)]
    pub new_passphrase: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn copy(args: CopyArgs, ctx: Context<'_>, m: &Messages) -> Outcome {
    let scope = if args.assigned {
        CopyScope::Assigned
    } else if args.controls.is_empty() {
        CopyScope::All
    } else {
        CopyScope::Controls(args.controls.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect())
    };
    let made = api::make_copy(&args.file, &args.out, &args.for_name, scope, crate::new_uuid(), ctx)?;
    if args.json {
        return print_json(&made);
    }
    println!(
        "{}",
        m.get(
            "copy.made",
            &[
                ("path", &made.path.display()),
                ("code", &made.copy.code),
                ("for", &made.copy.for_name),
                ("events", &made.events)
            ]
        )
    );
    match &made.copy.controls {
        Some(controls) if controls.is_empty() => println!("{}", m.get("copy.evidence_none", &[])),
        Some(controls) => println!("{}", m.get("copy.evidence_of", &[("controls", &controls.join(", "))])),
        None => println!("{}", m.get("copy.evidence_all", &[])),
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The engagement file to merge into.
    file: PathBuf,
    /// The field copy to bring back [not needed with --resolve alone].
    copy: Option<PathBuf>,
    /// Decide a conflict: KEY=ours, KEY=theirs, KEY=copy:CODE (that copy's side) or KEY=TEXT (a new text);
    /// KEY as listed, e.g. 9.2.1.2/P1.work_done. Repeat for each.
    #[arg(long, value_name = "KEY=CHOICE")]
    resolve: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `KEY=CHOICE` split at the first `=` (keys hold none; a text may): the
/// words `ours` and `theirs` in any case, `copy:CODE`, or else a text.
fn parse_choice(text: &str) -> Option<(String, Choice)> {
    let (key, value) = text.split_once('=')?;
    let key = key.trim();
    if key.is_empty() {
        return None;
    }
    let word = value.trim().to_ascii_lowercase();
    let choice = match word.as_str() {
        "ours" => Choice::Ours,
        "theirs" => Choice::Theirs,
        _ => match word.strip_prefix("copy:") {
            Some(code) if !code.trim().is_empty() => Choice::Copy(code.trim().to_ascii_uppercase()),
            Some(_) => return None,
            None => Choice::Text(value.to_string()),
        },
    };
    Some((key.to_string(), choice))
}

pub fn merge(args: MergeArgs, ctx: Context<'_>, m: &Messages) -> Outcome {
    let mut decisions = Vec::new();
    for text in &args.resolve {
        let parsed =
            parse_choice(text).ok_or_else(|| Failure::Usage(m.get("merge.resolve_usage", &[("given", text)])))?;
        decisions.push(parsed);
    }
    if args.copy.is_none() && decisions.is_empty() {
        return Err(Failure::Usage(m.get("merge.nothing", &[])));
    }
    let mut outcome = None;
    if let Some(copy) = &args.copy {
        outcome = Some(api::merge(&args.file, copy, ctx)?);
    }
    let mut decided = Vec::new();
    for (key, choice) in decisions {
        decided.push(api::resolve_conflict(&args.file, &key, choice, ctx)?);
    }
    let open = api::conflicts(&args.file, false)?;
    if args.json {
        return print_json(&serde_json::json!({ "merge": outcome, "decided": decided, "open_conflicts": open }));
    }
    if let Some(o) = &outcome {
        if o.imported == 0 && o.conflicts.is_empty() {
            println!("{}", m.get("merge.nothing_new", &[("code", &o.code), ("for", &o.for_name)]));
        } else {
            println!(
                "{}",
                m.get(
                    "merge.done",
                    &[
                        ("code", &o.code),
                        ("for", &o.for_name),
                        ("events", &o.imported),
                        ("contents", &o.new_contents),
                        ("conflicts", &o.conflicts.len())
                    ]
                )
            );
        }
    }
    for c in &decided {
        let value = c.resolution.as_ref().map(|r| value_text(&r.value, m)).unwrap_or_default();
        println!("{}", m.get("merge.decided", &[("key", &c.key), ("value", &value)]));
    }
    print_conflicts(&open, m);
    Ok(())
}

#[derive(Debug, Args)]
pub struct ConflictsArgs {
    /// The engagement file.
    file: PathBuf,
    /// Also list conflicts already decided.
    #[arg(long)]
    all: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn conflicts(args: ConflictsArgs, m: &Messages) -> Outcome {
    let list = api::conflicts(&args.file, args.all)?;
    if args.json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!("{}", m.get("conflicts.none", &[]));
    }
    print_conflicts(&list, m);
    Ok(())
}

#[derive(Debug, Args)]
pub struct CopiesArgs {
    /// The engagement file.
    file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn copies(args: CopiesArgs, m: &Messages) -> Outcome {
    let list = api::copies(&args.file)?;
    if args.json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!("{}", m.get("copies.none", &[]));
    }
    for c in &list {
        if let (true, Some(fork)) = (c.here, &c.fork) {
            println!(
                "{}",
                m.get(
                    "copies.this",
                    &[
                        ("code", &c.copy.code),
                        ("for", &c.copy.for_name),
                        ("source", &fork.source_name),
                        ("seq", &fork.seq)
                    ]
                )
            );
            continue;
        }
        let merged = c.last_merged_at.clone().unwrap_or_else(|| m.get("copies.never", &[]));
        println!(
            "{}",
            m.get(
                "copies.row",
                &[
                    ("code", &c.copy.code),
                    ("for", &c.copy.for_name),
                    ("made_at", &c.copy.made_at),
                    ("made_by", &c.copy.made_by),
                    ("merged", &merged),
                    ("merges", &c.merges)
                ]
            )
        );
    }
    Ok(())
}

fn value_text(value: &serde_json::Value, m: &Messages) -> String {
    match value {
        serde_json::Value::Null => m.get("conflicts.removed", &[]),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn side_text(side: &ConflictSide, m: &Messages) -> String {
    let origin = if side.origin.is_empty() {
        m.get("conflicts.this_file", &[])
    } else {
        m.get("conflicts.copy", &[("code", &side.origin), ("for", &side.origin_name)])
    };
    let value = if side.removed { m.get("conflicts.removed", &[]) } else { value_text(&side.value, m) };
    m.get(
        "conflicts.side",
        &[
            ("origin", &origin),
            ("by", &side.by),
            ("at", &workbench_core::model::event::shown_in_japan(&side.at)),
            ("value", &value),
        ],
    )
}

fn print_conflicts(list: &[Conflict], m: &Messages) {
    for c in list {
        let state = if c.resolution.is_some() { m.get("conflicts.decided", &[]) } else { m.get("conflicts.open", &[]) };
        println!("{}", m.get("conflicts.row", &[("key", &c.key), ("state", &state)]));
        for side in &c.sides {
            println!("{}", side_text(side, m));
        }
    }
    let open = list.iter().filter(|c| c.resolution.is_none()).count();
    if open > 0 {
        println!("{}", m.get("conflicts.how", &[("count", &open)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_is_a_word_a_copy_or_a_text() {
        assert_eq!(parse_choice("9.2.1.2/P1.work_done=ours"), Some(("9.2.1.2/P1.work_done".into(), Choice::Ours)));
        assert_eq!(parse_choice("E-0001.text=theirs"), Some(("E-0001.text".into(), Choice::Theirs)));
        assert_eq!(parse_choice("E-0001.text=copy:B"), Some(("E-0001.text".into(), Choice::Copy("B".into()))));
        assert_eq!(parse_choice("E-0001.text=a=b"), Some(("E-0001.text".into(), Choice::Text("a=b".into()))));
        assert_eq!(parse_choice("E-0001.text= Ours "), Some(("E-0001.text".into(), Choice::Ours)));
        assert_eq!(parse_choice("E-0001.text=copy:b"), Some(("E-0001.text".into(), Choice::Copy("B".into()))));
        assert_eq!(parse_choice("E-0001.text=copy:"), None);
        assert_eq!(parse_choice("=ours"), None);
        assert_eq!(parse_choice("no choice"), None);
    }
}

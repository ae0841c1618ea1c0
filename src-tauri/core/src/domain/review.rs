//! Review: who may sign what and when, what a later change does to a
//! sign-off, review notes, what blocks finalizing, finalizing and
//! reopening. See ARCHITECTURE.md, "Review".

use chrono::NaiveDate;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::refuse;
use crate::error::{Error, FieldProblem, ProblemCode, Result};
use crate::model::engagement::{EngagementFields, Role};
use crate::model::event::{Change, FieldChange};
use crate::model::procedure::{Procedure, ScopeDecision};
use crate::model::review::{
    may_reopen, Blocker, Finalization, FinalizeCheck, NoteStatus, NoteTargetKind, QueueCategory, QueueCount, QueueRow,
    ReviewNote, ReviewQueue, ReviewState, SignOff, SignOffLevel, SignableKind, StoredSignOff, WordingHit,
};

/// SHA-256 of a content's JSON. serde_json writes object keys in sorted
/// order, so one content has one spelling.
pub fn content_hash(content: &Value) -> String {
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

/// The fields that differ between two contents, by JSON path.
pub fn diff(before: &Value, after: &Value, path: &str, out: &mut Vec<FieldChange>) {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let sub = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                diff(b.get(k).unwrap_or(&Value::Null), a.get(k).unwrap_or(&Value::Null), &sub, out);
            }
        }
        _ if before != after => {
            out.push(FieldChange { field: path.to_string(), before: before.clone(), after: after.clone() })
        }
        _ => {}
    }
}

/// The standing sign-off of a level: the newest, unless withdrawn.
pub fn standing(rows: &[StoredSignOff], level: SignOffLevel) -> Option<&StoredSignOff> {
    rows.iter().rev().find(|r| r.signoff.level == level).filter(|r| r.signoff.withdrawn.is_none())
}

/// Where an item's review stands, from its stored sign-offs; with its
/// current content, what changed since the preparer signed.
pub fn state(
    kind: SignableKind,
    id: &str,
    rows: &[StoredSignOff],
    second_review: bool,
    current: Option<&Value>,
) -> ReviewState {
    let required = SignOffLevel::required(second_review).to_vec();
    let all_levels = [SignOffLevel::Preparer, SignOffLevel::Reviewer, SignOffLevel::SecondReviewer];
    let signoffs: Vec<SignOff> =
        all_levels.iter().filter_map(|l| standing(rows, *l)).map(|r| r.signoff.clone()).collect();
    let preparer = standing(rows, SignOffLevel::Preparer);
    let changed = preparer.is_some_and(|p| p.changed_seq.is_some());
    let mut changes = Vec::new();
    if let (true, Some(p), Some(now)) = (changed, preparer, current) {
        if let Ok(signed) = serde_json::from_str::<Value>(&p.content) {
            diff(&signed, now, "", &mut changes);
        }
    }
    let complete = !changed && required.iter().all(|l| standing(rows, *l).is_some());
    let next = if changed {
        Some(SignOffLevel::Preparer)
    } else {
        required.iter().copied().find(|l| standing(rows, *l).is_none())
    };
    ReviewState {
        item_kind: kind,
        item_id: id.to_string(),
        signoffs,
        required,
        changed_after_signoff: changed,
        changes,
        complete,
        next,
    }
}

/// The role of a team member, looked up by name; signing, clearing others'
/// notes, finalizing and reopening need one.
pub fn team_role(fields: &EngagementFields, name: &str) -> Result<Role> {
    fields.team.iter().find(|m| m.name == name).map(|m| m.role).ok_or_else(|| Error::Invalid {
        problems: vec![FieldProblem::new(
            "signer",
            ProblemCode::NotOnTeam,
            &[("name", name.to_string())],
            format!("{name} is not on the engagement team; add them to the team first"),
        )],
    })
}

/// What the sign-off rules need to know about the item to be signed.
#[derive(Debug, Clone)]
pub enum Signable<'a> {
    Procedure(&'a Procedure),
    Control {
        assessable: bool,
        in_scope: bool,
        /// The control's procedures whose workpaper is not complete
        /// (`work::missing`).
        incomplete: Vec<String>,
    },
}

/// A sign-off at `level` by `signer`, over the item's `content` now.
#[allow(clippy::too_many_arguments)]
pub fn sign_off(
    fields: &EngagementFields,
    signer: &str,
    kind: SignableKind,
    id: &str,
    level: SignOffLevel,
    item: Signable<'_>,
    content: Value,
    rows: &[StoredSignOff],
    at: String,
) -> Result<Vec<Change>> {
    let role = team_role(fields, signer)?;
    let refuse_level =
        |code: ProblemCode, message: String| refuse("level", code, &[("level", level.as_str().to_string())], message);
    if level == SignOffLevel::SecondReviewer && !fields.second_review {
        return Err(refuse_level(ProblemCode::NoSecondReview, "this engagement has no second-level review".into()));
    }
    if !level.allows(role) {
        return Err(refuse_level(
            ProblemCode::RoleNotAllowed,
            format!("{signer} is on the team as {}, who cannot sign as {}", role.as_str(), level.as_str()),
        ));
    }
    match item {
        Signable::Procedure(p) => {
            // Every level signs a complete workpaper: a reviewer may not
            // sign what was emptied after the preparer signed either (the
            // change would have marked it, but say what is missing).
            let missing = super::work::missing(p);
            if level == SignOffLevel::Preparer && p.result.is_none() {
                return Err(refuse_level(ProblemCode::NoResult, format!("{id} has no result yet")));
            }
            if !missing.is_empty() {
                return Err(Error::Invalid { problems: missing });
            }
        }
        Signable::Control { assessable, in_scope, incomplete } => {
            if !assessable {
                return Err(Error::invalid("control", format!("{id} is a heading, not an assessed control")));
            }
            if in_scope && !incomplete.is_empty() {
                return Err(refuse_level(
                    ProblemCode::NoResult,
                    format!("not every procedure of {id} is complete: {}", incomplete.join(", ")),
                ));
            }
        }
    }
    let current = state(kind, id, rows, fields.second_review, None);
    if let Some(existing) = standing(rows, level) {
        let stale = level == SignOffLevel::Preparer && current.changed_after_signoff;
        if !stale {
            return Err(Error::AlreadyExists {
                what: "sign-off",
                id: format!("{id} ({}, by {})", level.as_str(), existing.signoff.signer),
            });
        }
    }
    if let Some(previous) = level.previous() {
        if standing(rows, previous).is_none() || current.changed_after_signoff {
            return Err(refuse_level(
                ProblemCode::PreviousLevelMissing,
                format!("{id} needs a standing {} sign-off first", previous.as_str()),
            ));
        }
    }
    // One person does not sign two levels of the same item, unless the
    // engagement is worked by one person alone and a manager recorded why.
    let separate = fields.one_person_reason().is_none();
    for other in [SignOffLevel::Preparer, SignOffLevel::Reviewer, SignOffLevel::SecondReviewer] {
        if separate && other != level && standing(rows, other).is_some_and(|r| r.signoff.signer == signer) {
            return Err(refuse_level(
                ProblemCode::SamePerson,
                format!(
                    "{signer} already signed {id} as {}; another person must sign as {}",
                    other.as_str(),
                    level.as_str()
                ),
            ));
        }
    }
    let signoff = SignOff {
        item_kind: kind,
        item_id: id.to_string(),
        level,
        signer: signer.to_string(),
        role,
        at,
        content_sha256: content_hash(&content),
        withdrawn: None,
        signature: None,
    };
    Ok(vec![Change::SignedOff { signoff, content }])
}

/// What a change (event `by_seq`) does to a signed item whose content hash
/// is now `now` (`None` when the item is gone): when it no longer matches
/// what the preparer signed, the preparer's sign-off is marked and the
/// reviewers' withdrawn, visibly. Nothing when the item was not signed, is
/// already marked, or did not change.
pub fn changed_after_signoff(
    kind: SignableKind,
    id: &str,
    rows: &[StoredSignOff],
    now: Option<&str>,
    by_seq: i64,
    at: impl FnOnce() -> String,
) -> Option<Change> {
    let preparer = standing(rows, SignOffLevel::Preparer)?;
    if preparer.changed_seq.is_some() || now == Some(preparer.signoff.content_sha256.as_str()) {
        return None;
    }
    let withdrawn = withdrawn_by_change(rows).into_iter().map(|s| s.level).collect();
    Some(Change::ChangedAfterSignOff { item_kind: kind, item_id: id.to_string(), by_seq, at: at(), withdrawn })
}

/// The reviewers' sign-offs (reviewer, second reviewer) of one item that a
/// change of its content would withdraw now: those standing while its
/// preparer's sign-off stands unmarked. `changed_after_signoff` withdraws
/// exactly these, so that what a screen warns of before a change is what
/// the change then does. Nothing without a preparer's sign-off, and
/// nothing once it is marked: the change that marked it withdrew them.
pub fn withdrawn_by_change(rows: &[StoredSignOff]) -> Vec<&SignOff> {
    match standing(rows, SignOffLevel::Preparer) {
        Some(preparer) if preparer.changed_seq.is_none() => [SignOffLevel::Reviewer, SignOffLevel::SecondReviewer]
            .into_iter()
            .filter_map(|l| standing(rows, l))
            .map(|r| &r.signoff)
            .collect(),
        _ => Vec::new(),
    }
}

/// What a change of a procedure (its fields, its exceptions, its evidence,
/// its sample; or its removal) would withdraw now: the reviewers'
/// sign-offs on the procedure and on its control, procedure first. A
/// control's signed content holds the content hash of each of its
/// procedures (`store::review::control_content`), so a procedure that
/// changes changes its control too.
pub fn withdrawn_by_procedure_change(procedure: &[StoredSignOff], control: &[StoredSignOff]) -> Vec<SignOff> {
    withdrawn_by_change(procedure).into_iter().chain(withdrawn_by_change(control)).cloned().collect()
}

/// What a person may do on an engagement, from their role on its team: the
/// levels they may sign, finalizing and reopening, clearing others' notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rights {
    /// `None` when the person is not on the team.
    pub role: Option<Role>,
    pub may_sign: Vec<SignOffLevel>,
    pub may_finalize: bool,
    pub may_reopen: bool,
    pub may_clear_any_note: bool,
}

pub fn rights(fields: &EngagementFields, name: &str) -> Rights {
    let role = team_role(fields, name).ok();
    let levels = SignOffLevel::required(fields.second_review);
    let manager = role.is_some_and(may_reopen);
    Rights {
        role,
        may_sign: role.map_or_else(Vec::new, |r| levels.iter().copied().filter(|l| l.allows(r)).collect()),
        may_finalize: manager,
        may_reopen: manager,
        may_clear_any_note: manager,
    }
}

// ---- Notes -----------------------------------------------------------------------

/// A review note `id` (the next number, `model::ids`) on an item that
/// exists (checked by the caller).
pub fn add_note(
    id: String,
    target_kind: NoteTargetKind,
    target_id: &str,
    text: &str,
    author: &str,
    at: String,
) -> Result<Vec<Change>> {
    if text.trim().is_empty() {
        return Err(Error::required("text", "a review note needs its text"));
    }
    let note = ReviewNote {
        id,
        target_kind,
        target_id: target_id.to_string(),
        text: text.trim().to_string(),
        author: author.to_string(),
        created_at: at,
        status: NoteStatus::Open,
        answer: None,
        answered_by: None,
        answered_at: None,
        cleared_by: None,
        cleared_at: None,
    };
    Ok(vec![Change::NoteAdded { note }])
}

pub fn answer_note(note: &ReviewNote, answer: &str, by: &str, at: String) -> Result<Vec<Change>> {
    if note.status == NoteStatus::Cleared {
        return Err(Error::invalid("note", format!("{} is already cleared", note.id)));
    }
    if answer.trim().is_empty() {
        return Err(Error::required("text", "an answer needs its text"));
    }
    Ok(vec![Change::NoteAnswered { id: note.id.clone(), answer: answer.trim().into(), by: by.into(), at }])
}

/// Clears a note: only its author or a manager (or partner) may.
pub fn clear_note(note: &ReviewNote, who: &str, role: Option<Role>, at: String) -> Result<Vec<Change>> {
    if note.status == NoteStatus::Cleared {
        return Err(Error::invalid("note", format!("{} is already cleared", note.id)));
    }
    let manager = role.is_some_and(may_reopen);
    if note.author != who && !manager {
        return Err(refuse(
            "note",
            ProblemCode::NotAuthor,
            &[("author", note.author.clone())],
            format!("only {} (who wrote {}) or a manager can clear it", note.author, note.id),
        ));
    }
    Ok(vec![Change::NoteCleared { id: note.id.clone(), by: who.into(), at }])
}

// ---- Finalizing ----------------------------------------------------------------------

/// One item to be signed before finalizing, with where its review stands.
#[derive(Debug, Clone)]
pub struct ItemToSign {
    pub kind: SignableKind,
    pub id: String,
    pub state: ReviewState,
}

/// What still blocks finalizing: procedures of in-scope controls whose
/// workpaper is incomplete (`incomplete`, from `work::missing`: no result,
/// no work done, an exception result without exceptions...); procedures
/// and assessed controls not signed at every required level, or changed
/// since; review notes not cleared.
pub fn blockers(
    incomplete: &[(String, Vec<FieldProblem>)],
    items: &[ItemToSign],
    notes: &[ReviewNote],
) -> FinalizeCheck {
    let mut blockers = Vec::new();
    for (id, problems) in incomplete {
        for problem in problems {
            blockers.push(Blocker {
                code: problem.code,
                item_kind: "procedure".into(),
                item_id: id.clone(),
                level: None,
                message: problem.message.clone(),
            });
        }
    }
    for item in items {
        let (kind, id, s) = (item.kind, &item.id, &item.state);
        if s.changed_after_signoff {
            blockers.push(Blocker {
                code: ProblemCode::ChangedAfterSignoff,
                item_kind: kind.as_str().into(),
                item_id: id.clone(),
                level: None,
                message: format!("{id} changed after it was signed; sign it again"),
            });
        }
        for level in &s.required {
            if !s.signoffs.iter().any(|x| x.level == *level) {
                blockers.push(Blocker {
                    code: ProblemCode::NotSigned,
                    item_kind: kind.as_str().into(),
                    item_id: id.clone(),
                    level: Some(*level),
                    message: format!("{id} is not signed off as {}", level.as_str()),
                });
            }
        }
    }
    for n in notes.iter().filter(|n| n.status != NoteStatus::Cleared) {
        blockers.push(Blocker {
            code: ProblemCode::OpenNote,
            item_kind: "note".into(),
            item_id: n.id.clone(),
            level: None,
            message: format!("review note {} on {} is not cleared", n.id, n.target_id),
        });
    }
    FinalizeCheck { ready: blockers.is_empty(), blockers, wording: Vec::new() }
}

/// What the work queue needs besides the items and notes: who is assigned
/// to each item (a procedure's assignee; for a control, its procedures'),
/// and the control each note is about.
#[derive(Debug)]
pub struct QueueContext<'a> {
    pub assignees: &'a std::collections::HashMap<String, Vec<String>>,
    pub note_controls: &'a std::collections::HashMap<String, String>,
}

/// The control a procedure (`C/P1`), a sample item (`C/P1/S2`) or a control
/// ID belongs to.
pub fn control_of_item(id: &str) -> &str {
    id.rsplit_once("/P").map_or(id, |(control, _)| control)
}

/// Whether an item waits for a reviewer: its preparer signed it, nothing
/// changed since, and a reviewer's level is the next one required.
pub fn awaits_review(state: &ReviewState) -> bool {
    !state.changed_after_signoff && state.next.is_some_and(|l| l != SignOffLevel::Preparer)
}

/// The work queue of `person`: every item not yet complete, in the list its
/// review state puts it in (`QueueCategory`), and every note not cleared;
/// `mine` marks what waits for this person. Each row is one item the
/// finalize check blocks on (one row per item, however many of its levels
/// or fields are missing), from the same review states as the review
/// summary, so that the queue's counts and the dashboard's agree.
pub fn queue(
    fields: &EngagementFields,
    person: &str,
    items: &[ItemToSign],
    incomplete: &[(String, Vec<FieldProblem>)],
    notes: &[ReviewNote],
    context: &QueueContext<'_>,
) -> ReviewQueue {
    let rights = rights(fields, person);
    let separate = fields.one_person_reason().is_none();
    let assigned = |item: &str| context.assignees.get(item).map_or(&[][..], Vec::as_slice);
    // Work nobody is assigned to waits for the team's assessors (or for the
    // one person who works the engagement alone), not for every reviewer
    // who could also prepare it.
    let preparer = rights.role == Some(Role::Assessor) || !separate;
    let my_work = |item: &str| {
        let people = assigned(item);
        people.iter().any(|p| p == person) || (people.is_empty() && preparer)
    };
    let missing: std::collections::HashMap<&str, &Vec<FieldProblem>> =
        incomplete.iter().map(|(id, problems)| (id.as_str(), problems)).collect();
    let mut rows = Vec::new();
    for item in items {
        let s = &item.state;
        let control = control_of_item(&item.id).to_string();
        let kind = item.kind.as_str().to_string();
        if s.changed_after_signoff {
            let signed_it = s.signoffs.iter().any(|x| x.level == SignOffLevel::Preparer && x.signer == person);
            rows.push(QueueRow {
                category: QueueCategory::ChangedAfterSignoff,
                item_kind: kind,
                item_id: item.id.clone(),
                mine: signed_it || my_work(&item.id),
                control_id: Some(control),
                level: Some(SignOffLevel::Preparer),
                codes: vec![ProblemCode::ChangedAfterSignoff],
                note_status: None,
                text: String::new(),
            });
            continue;
        }
        let Some(level) = s.next else { continue };
        if !awaits_review(s) {
            let mut codes: Vec<ProblemCode> =
                missing.get(item.id.as_str()).map_or_else(Vec::new, |p| p.iter().map(|x| x.code).collect());
            codes.push(ProblemCode::NotSigned);
            rows.push(QueueRow {
                category: QueueCategory::Incomplete,
                item_kind: kind,
                item_id: item.id.clone(),
                mine: my_work(&item.id),
                control_id: Some(control),
                level: Some(level),
                codes,
                note_status: None,
                text: String::new(),
            });
        } else {
            let signed_below = s.signoffs.iter().any(|x| x.level != level && x.signer == person);
            rows.push(QueueRow {
                category: QueueCategory::AwaitingReview,
                item_kind: kind,
                item_id: item.id.clone(),
                mine: rights.may_sign.contains(&level) && !(separate && signed_below),
                control_id: Some(control),
                level: Some(level),
                codes: vec![ProblemCode::NotSigned],
                note_status: None,
                text: String::new(),
            });
        }
    }
    for n in notes.iter().filter(|n| n.status != NoteStatus::Cleared) {
        let control = context.note_controls.get(&n.id).cloned();
        // An open note waits for an answer from whoever does the work; an
        // answered one for its author (or a manager) to clear it.
        let mine = match n.status {
            NoteStatus::Open => control.as_deref().map_or(preparer, my_work),
            _ => n.author == person || rights.may_clear_any_note,
        };
        rows.push(QueueRow {
            category: QueueCategory::OpenNote,
            item_kind: "note".into(),
            item_id: n.id.clone(),
            control_id: control,
            level: None,
            codes: vec![ProblemCode::OpenNote],
            mine,
            note_status: Some(n.status),
            text: n.text.clone(),
        });
    }
    let counts = QueueCategory::VARIANTS
        .iter()
        .map(|category| {
            let of: Vec<&QueueRow> = rows.iter().filter(|r| r.category == *category).collect();
            QueueCount { category: *category, all: of.len() as u32, mine: of.iter().filter(|r| r.mine).count() as u32 }
        })
        .collect();
    ReviewQueue { person: person.to_string(), levels: rights.may_sign, counts, rows }
}

/// One text of the workpapers to check for assurance-like wording.
#[derive(Debug, Clone)]
pub struct Text<'a> {
    pub item_kind: &'static str,
    pub item_id: &'a str,
    pub field: &'static str,
    pub text: &'a str,
}

/// The texts that contain a phrase of `phrases`, each with the first phrase
/// found. Letters are compared without case and white space is ignored,
/// so that 「重要な問題は ない」 or "No Significant  Issues" are found too.
pub fn wording_hits(phrases: &[String], texts: &[Text<'_>]) -> Vec<WordingHit> {
    let fold = |s: &str| s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect::<String>();
    let folded: Vec<(String, &String)> = phrases.iter().map(|p| (fold(p), p)).filter(|(f, _)| !f.is_empty()).collect();
    texts
        .iter()
        .filter_map(|t| {
            let text = fold(t.text);
            folded.iter().find(|(f, _)| text.contains(f.as_str())).map(|(_, phrase)| WordingHit {
                item_kind: t.item_kind.into(),
                item_id: t.item_id.into(),
                field: t.field.into(),
                phrase: (*phrase).clone(),
            })
        })
        .collect()
}

/// Finalizing and reopening are for the team's managers and partners.
pub fn require_manager(fields: &EngagementFields, who: &str, act: &str) -> Result<()> {
    let role = team_role(fields, who)?;
    if may_reopen(role) {
        return Ok(());
    }
    Err(refuse(
        "role",
        ProblemCode::RoleNotAllowed,
        &[],
        format!("{who} is on the team as {}; a manager or partner {act}", role.as_str()),
    ))
}

/// Finalizes and locks the engagement (a manager or partner, when nothing
/// blocks it); refused with every blocker named otherwise.
pub fn finalize(
    fields: &EngagementFields,
    who: &str,
    finalized: bool,
    check: &FinalizeCheck,
    at: String,
) -> Result<Vec<Change>> {
    if finalized {
        return Err(Error::Locked);
    }
    require_manager(fields, who, "finalizes")?;
    if !check.ready {
        return Err(Error::Invalid {
            problems: check
                .blockers
                .iter()
                .map(|b| {
                    let level = b.level.map(|l| l.as_str().to_string()).unwrap_or_default();
                    FieldProblem::new(&b.item_id, b.code, &[("level", level)], b.message.clone())
                })
                .collect(),
        });
    }
    Ok(vec![Change::EngagementFinalized { finalization: Finalization { by: who.into(), at }, signature: None }])
}

/// The date of a final report must make sense: after the period it
/// reports on has ended, not before the engagement was finalized (the work
/// it states was done by then), and not in the future (a report is dated
/// when it is issued). Each refusal names the limit, at `report_date`.
pub fn check_report_date(
    period_end: NaiveDate,
    finalized_on: Option<NaiveDate>,
    today: NaiveDate,
    date: NaiveDate,
) -> Result<()> {
    let limit = |code: ProblemCode, limit: NaiveDate, message: String| {
        Err(refuse("report_date", code, &[("date", date.to_string()), ("limit", limit.to_string())], message))
    };
    if date <= period_end {
        return limit(
            ProblemCode::ReportBeforePeriodEnd,
            period_end,
            format!("the report date {date} is not after the period's end ({period_end})"),
        );
    }
    if let Some(finalized_on) = finalized_on.filter(|f| date < *f) {
        return limit(
            ProblemCode::ReportBeforeFinalization,
            finalized_on,
            format!("the report date {date} is before the engagement was finalized ({finalized_on})"),
        );
    }
    if date > today {
        return limit(
            ProblemCode::ReportInFuture,
            today,
            format!("the report date {date} is in the future (today is {today})"),
        );
    }
    Ok(())
}

/// Reopens a finalized engagement: a manager or partner, with a reason.
/// The sign-offs given before stay, in the state and in the history.
pub fn reopen(fields: &EngagementFields, who: &str, finalized: bool, reason: &str, at: String) -> Result<Vec<Change>> {
    if !finalized {
        return Err(Error::invalid("engagement", "the engagement is not finalized"));
    }
    require_manager(fields, who, "reopens")?;
    if reason.trim().is_empty() {
        return Err(Error::required("reason", "reopening needs the reason"));
    }
    Ok(vec![Change::EngagementReopened { reason: reason.trim().into(), by: who.into(), at, signature: None }])
}

/// Whether a control is in scope, for the blockers: out-of-scope controls'
/// procedures need no result.
pub fn in_scope(decision: ScopeDecision) -> bool {
    decision == ScopeDecision::InScope
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The demo's team: a partner, a manager, a reviewer and an assessor.
    fn fields() -> EngagementFields {
        crate::sample::demo_fields()
    }

    fn signed(level: SignOffLevel, signer: &str, hash: &str) -> StoredSignOff {
        StoredSignOff {
            signoff: SignOff {
                item_kind: SignableKind::Control,
                item_id: "9.2.1.2".into(),
                level,
                signer: signer.into(),
                role: Role::Assessor,
                at: "2026-05-01T00:00:00.000Z".into(),
                content_sha256: hash.into(),
                signature: None,
                withdrawn: None,
            },
            content: "{}".into(),
            seq: 10,
            changed_seq: None,
        }
    }

    fn control() -> Signable<'static> {
        Signable::Control { assessable: true, in_scope: true, incomplete: Vec::new() }
    }

    #[test]
    fn a_reviewer_signs_after_the_preparer_and_never_twice() {
        let f = fields();
        let assessor = &f.team.iter().find(|m| m.role == Role::Assessor).unwrap().name;
        let reviewer = &f.team.iter().find(|m| m.role == Role::Reviewer).unwrap().name;
        let at = || "2026-05-02T00:00:00.000Z".to_string();
        let content = json!({"control": "9.2.1.2"});
        let Err(Error::Invalid { problems }) = sign_off(
            &f,
            reviewer,
            SignableKind::Control,
            "9.2.1.2",
            SignOffLevel::Reviewer,
            control(),
            content.clone(),
            &[],
            at(),
        ) else {
            panic!("no preparer yet")
        };
        assert_eq!(problems[0].code, "previous_level_missing");
        let rows = [signed(SignOffLevel::Preparer, assessor, &content_hash(&content))];
        let Err(Error::Invalid { problems }) = sign_off(
            &f,
            assessor,
            SignableKind::Control,
            "9.2.1.2",
            SignOffLevel::Reviewer,
            control(),
            content.clone(),
            &rows,
            at(),
        ) else {
            panic!("an assessor does not review")
        };
        assert_eq!(problems[0].code, "role_not_allowed");
        let changes = sign_off(
            &f,
            reviewer,
            SignableKind::Control,
            "9.2.1.2",
            SignOffLevel::Reviewer,
            control(),
            content,
            &rows,
            at(),
        )
        .unwrap();
        assert!(matches!(&changes[..], [Change::SignedOff { signoff, .. }] if signoff.level == SignOffLevel::Reviewer));
    }

    #[test]
    fn the_next_level_is_the_first_unsigned_or_the_preparer_again_after_a_change() {
        let state_of = |rows: &[StoredSignOff], second| state(SignableKind::Control, "9.2.1.2", rows, second, None);
        assert_eq!(state_of(&[], false).next, Some(SignOffLevel::Preparer));
        let prepared = [signed(SignOffLevel::Preparer, "a", "h1")];
        assert_eq!(state_of(&prepared, false).next, Some(SignOffLevel::Reviewer));
        let reviewed = [signed(SignOffLevel::Preparer, "a", "h1"), signed(SignOffLevel::Reviewer, "b", "h1")];
        assert_eq!(state_of(&reviewed, false).next, None);
        assert_eq!(state_of(&reviewed, true).next, Some(SignOffLevel::SecondReviewer));
        let mut changed = reviewed.clone();
        changed[0].changed_seq = Some(12);
        assert_eq!(state_of(&changed, false).next, Some(SignOffLevel::Preparer));
    }

    #[test]
    fn a_changed_item_marks_the_preparer_and_withdraws_the_reviewers() {
        let rows = [signed(SignOffLevel::Preparer, "a", "h1"), signed(SignOffLevel::Reviewer, "b", "h1")];
        let unchanged = changed_after_signoff(SignableKind::Control, "9.2.1.2", &rows, Some("h1"), 12, || "t".into());
        assert!(unchanged.is_none());
        let Some(Change::ChangedAfterSignOff { withdrawn, by_seq, .. }) =
            changed_after_signoff(SignableKind::Control, "9.2.1.2", &rows, Some("h2"), 12, || "t".into())
        else {
            panic!("marked")
        };
        assert_eq!((withdrawn, by_seq), (vec![SignOffLevel::Reviewer], 12));
        let gone = changed_after_signoff(SignableKind::Control, "9.2.1.2", &rows, None, 12, || "t".into());
        assert!(gone.is_some(), "a removed item changed too");
    }

    #[test]
    fn a_change_would_withdraw_the_standing_reviewers_of_an_unmarked_preparer_on_the_procedure_and_its_control() {
        let levels = |signoffs: &[SignOff]| signoffs.iter().map(|s| (s.item_kind, s.level)).collect::<Vec<_>>();
        let procedure = |level, signer: &str| {
            let mut row = signed(level, signer, "h1");
            row.signoff.item_kind = SignableKind::Procedure;
            row.signoff.item_id = "9.2.1.2/P1".into();
            row
        };
        // Only a preparer's sign-off: nothing to withdraw, on either item.
        let prepared = [procedure(SignOffLevel::Preparer, "a")];
        assert_eq!(withdrawn_by_procedure_change(&prepared, &[]), []);
        let control_prepared = [signed(SignOffLevel::Preparer, "a", "h1")];
        assert_eq!(withdrawn_by_procedure_change(&prepared, &control_prepared), []);

        // Reviewed at both levels, the procedure and its control: all four, procedure first.
        let reviewed = [
            procedure(SignOffLevel::Preparer, "a"),
            procedure(SignOffLevel::Reviewer, "b"),
            procedure(SignOffLevel::SecondReviewer, "c"),
        ];
        let control_reviewed = [signed(SignOffLevel::Preparer, "a", "h1"), signed(SignOffLevel::Reviewer, "b", "h1")];
        assert_eq!(
            levels(&withdrawn_by_procedure_change(&reviewed, &control_reviewed)),
            [
                (SignableKind::Procedure, SignOffLevel::Reviewer),
                (SignableKind::Procedure, SignOffLevel::SecondReviewer),
                (SignableKind::Control, SignOffLevel::Reviewer),
            ]
        );
        let named = withdrawn_by_procedure_change(&reviewed, &[]);
        assert_eq!(named.iter().map(|s| s.signer.as_str()).collect::<Vec<_>>(), ["b", "c"]);

        // A reviewer's sign-off already withdrawn does not stand, and a
        // preparer's already marked means the change that marked it
        // withdrew the reviewers'.
        let mut withdrawn = reviewed.clone();
        withdrawn[1].signoff.withdrawn =
            Some(crate::model::review::Withdrawal { reason: "changed after sign-off".into(), at: "t".into(), seq: 11 });
        assert_eq!(
            levels(&withdrawn_by_procedure_change(&withdrawn, &[])),
            [(SignableKind::Procedure, SignOffLevel::SecondReviewer)]
        );
        let mut marked = reviewed.clone();
        marked[0].changed_seq = Some(12);
        assert_eq!(withdrawn_by_procedure_change(&marked, &[]), []);

        // What the change then withdraws is what was named.
        let Some(Change::ChangedAfterSignOff { withdrawn, .. }) =
            changed_after_signoff(SignableKind::Procedure, "9.2.1.2/P1", &reviewed, Some("h2"), 13, || "t".into())
        else {
            panic!("marked")
        };
        assert_eq!(withdrawn, [SignOffLevel::Reviewer, SignOffLevel::SecondReviewer]);
    }

    #[test]
    fn only_the_author_or_a_manager_clears_a_note() {
        let [Change::NoteAdded { note }] =
            &add_note("RN-005".into(), NoteTargetKind::Control, "9.2.1.2", "根拠は？", "鈴木 一郎", "t".into())
                .unwrap()[..]
        else {
            panic!("a note")
        };
        assert_eq!(note.id, "RN-005");
        let Err(Error::Invalid { problems }) = clear_note(note, "佐藤 花子", Some(Role::Assessor), "t".into())
        else {
            panic!("refused")
        };
        assert_eq!(problems[0].code, "not_author");
        assert!(clear_note(note, "山田 太郎", Some(Role::Manager), "t".into()).is_ok());
        assert!(clear_note(note, "鈴木 一郎", Some(Role::Reviewer), "t".into()).is_ok());
    }

    #[test]
    fn finalizing_is_for_managers_and_only_without_blockers() {
        let f = fields();
        let missing = vec![FieldProblem::new("result", ProblemCode::NoResult, &[], "no result".into())];
        let check = blockers(&[("9.2.1.2/P1".into(), missing)], &[], &[]);
        assert_eq!(check.blockers[0].code, "no_result");
        let manager = &f.team.iter().find(|m| m.role == Role::Manager).unwrap().name;
        let Err(Error::Invalid { problems }) = finalize(&f, manager, false, &check, "t".into()) else {
            panic!("blocked")
        };
        assert_eq!(problems[0].field, "9.2.1.2/P1");
        let ready = blockers(&[], &[], &[]);
        let assessor = &f.team.iter().find(|m| m.role == Role::Assessor).unwrap().name;
        assert!(finalize(&f, assessor, false, &ready, "t".into()).is_err());
        assert!(matches!(finalize(&f, manager, true, &ready, "t".into()), Err(Error::Locked)));
        assert_eq!(finalize(&f, manager, false, &ready, "t".into()).unwrap().len(), 1);
        assert!(reopen(&f, manager, true, " ", "t".into()).is_err());
    }

    #[test]
    fn a_final_report_is_dated_after_the_period_on_or_after_finalizing_and_not_later_than_today() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let (end, finalized, today) = (d("2026-09-30"), Some(d("2026-11-20")), d("2026-12-06"));
        let code = |date: &str| match check_report_date(end, finalized, today, d(date)) {
            Err(Error::Invalid { problems }) => {
                assert_eq!(problems[0].field, "report_date");
                Some((problems[0].code, problems[0].params["limit"].clone()))
            }
            Err(other) => panic!("{other}"),
            Ok(()) => None,
        };
        // Dated 2025-01-01 for a 2025-10 to 2026-09 audit, as a new user tried.
        assert_eq!(code("2025-01-01"), Some((ProblemCode::ReportBeforePeriodEnd, "2026-09-30".into())));
        assert_eq!(code("2026-09-30"), Some((ProblemCode::ReportBeforePeriodEnd, "2026-09-30".into())));
        assert_eq!(code("2026-11-19"), Some((ProblemCode::ReportBeforeFinalization, "2026-11-20".into())));
        assert_eq!(code("2026-12-07"), Some((ProblemCode::ReportInFuture, "2026-12-06".into())));
        assert_eq!(code("2026-11-20"), None);
        assert_eq!(code("2026-12-06"), None);
    }

    #[test]
    fn assurance_like_wording_is_found_whatever_its_spacing_and_case() {
        let phrases = vec!["重要な問題はない".to_string(), "no significant issues".into(), " ".into()];
        let texts = [
            Text {
                item_kind: "procedure",
                item_id: "9.2.1.2/P1",
                field: "work_done",
                text: "閲覧の結果、重要な問題は ない。",
            },
            Text { item_kind: "note", item_id: "RN-001", field: "text", text: "No Significant  Issues were found." },
            Text {
                item_kind: "exception", item_id: "E-0001", field: "text", text: "1 件で承認印がなかった。"
            },
        ];
        let hits = wording_hits(&phrases, &texts);
        let found: Vec<_> = hits.iter().map(|h| (h.item_id.as_str(), h.phrase.as_str())).collect();
        assert_eq!(found, [("9.2.1.2/P1", "重要な問題はない"), ("RN-001", "no significant issues")]);
    }

    #[test]
    fn an_incomplete_workpaper_is_not_signed() {
        let f = fields();
        let assessor = &f.team.iter().find(|m| m.role == Role::Assessor).unwrap().name;
        let mut p = Procedure {
            id: "9.2.1.2/P1".into(),
            control_id: "9.2.1.2".into(),
            kind: crate::model::procedure::ProcedureKind::Inspection,
            evaluation: crate::model::procedure::Evaluation::Operating,
            text_ja: "閲覧".into(),
            text_en: String::new(),
            assignee: None,
            work_done: String::new(),
            result: Some(crate::model::procedure::ResultKind::Exception),
            notes: String::new(),
            exceptions: Vec::new(),
            target: None,
        };
        let sign = |p: &Procedure| {
            sign_off(
                &f,
                assessor,
                SignableKind::Procedure,
                &p.id,
                SignOffLevel::Preparer,
                Signable::Procedure(p),
                json!({}),
                &[],
                "t".into(),
            )
        };
        // 例外事項あり with no exception and no work done, as a new user did.
        let Err(Error::Invalid { problems }) = sign(&p) else { panic!("refused") };
        let codes: Vec<_> = problems.iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(codes, [("work_done", ProblemCode::NoWorkDone), ("exceptions", ProblemCode::NoException)]);
        p.work_done = "申請書 25 件を閲覧した。".into();
        p.exceptions.push(crate::model::procedure::ExceptionRecord {
            id: "E-0001".into(),
            procedure_id: p.id.clone(),
            text: "1 件で承認者の記名がなかった。".into(),
            sample_item: None,
            attribute: None,
        });
        assert!(sign(&p).is_ok());
        // 例外事項なし with an exception recorded contradicts itself.
        p.result = Some(crate::model::procedure::ResultKind::NoException);
        let Err(Error::Invalid { problems }) = sign(&p) else { panic!("refused") };
        assert_eq!((problems[0].field.as_str(), problems[0].code), ("result", ProblemCode::ExceptionsRecorded));
    }
}

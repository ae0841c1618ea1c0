//! Review inside the engagement file: sign-offs with the content they
//! covered, what happens when a signed item changes, review notes, and
//! finalizing. See ARCHITECTURE.md, "Review".

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::engagement_file::EngagementFile;
use super::events::{self, SignOffProblem};
use super::work::{all_procedures, procedures_of, read_exception, read_procedure, scope_of};
use crate::error::{Error, FieldProblem, Result};
use crate::model::engagement::Role;
use crate::model::event::{format_time, Change, Context, EventRecord, FieldChange};
use crate::model::evidence::LinkKind;
use crate::model::procedure::ScopeDecision;
use crate::model::review::{
    may_reopen, Blocker, Finalization, FinalizeCheck, NoteStatus, NoteTargetKind, ReviewNote, ReviewState,
    ReviewSummary, SignOff, SignOffLevel, SignableKind, Withdrawal,
};

// ---- What a sign-off covers ----------------------------------------------------

/// A procedure as signed: its fields, its exceptions, the evidence linked
/// to it, its exceptions or its sample items (by ID and content hash), and,
/// for a sampled procedure, its population, sample and test grid.
pub(crate) fn procedure_content(conn: &Connection, id: &str) -> Result<Value> {
    let procedure = read_procedure(conn, id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT e.id, e.sha256 FROM evidence_link l JOIN evidence e ON e.id = l.evidence_id
         WHERE e.removed_at IS NULL AND ((l.target_kind = 'procedure' AND l.target_id = ?1)
            OR (l.target_kind = 'exception' AND l.target_id IN (SELECT id FROM exception WHERE procedure_id = ?1))
            OR (l.target_kind = 'sample' AND l.target_id IN (SELECT id FROM sample_item WHERE procedure_id = ?1)))
         ORDER BY e.id",
    )?;
    let evidence: Vec<Value> = stmt
        .query_map([id], |r| Ok(json!({"id": r.get::<_, String>(0)?, "sha256": r.get::<_, String>(1)?})))?
        .collect::<rusqlite::Result<_>>()?;
    // A procedure without sampling keeps the content it had before sampling
    // existed, so that its standing sign-offs still match.
    Ok(match super::sampling::signed_content(conn, id)? {
        None => json!({ "procedure": procedure, "evidence": evidence }),
        Some(sampling) => json!({ "procedure": procedure, "evidence": evidence, "sampling": sampling }),
    })
}

/// A control as signed: its scope decision and each procedure's content hash.
pub(crate) fn control_content(conn: &Connection, id: &str) -> Result<Value> {
    let (scope, reason) = scope_of(conn, id)?;
    let mut procedures = Vec::new();
    for p in procedures_of(conn, id)? {
        procedures.push(json!({ "id": p.id, "sha256": content_hash(&procedure_content(conn, &p.id)?) }));
    }
    Ok(json!({ "control": id, "scope": scope, "scope_reason": reason, "procedures": procedures }))
}

fn content_of(conn: &Connection, kind: SignableKind, id: &str) -> Result<Value> {
    match kind {
        SignableKind::Procedure => procedure_content(conn, id),
        SignableKind::Control => control_content(conn, id),
    }
}

/// SHA-256 of the content's JSON. serde_json writes object keys in sorted
/// order, so one content has one spelling.
pub(crate) fn content_hash(content: &Value) -> String {
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

/// The fields that differ between two contents, by JSON path.
fn diff(before: &Value, after: &Value, path: &str, out: &mut Vec<FieldChange>) {
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

// ---- Stored sign-offs -------------------------------------------------------------

#[derive(Debug, Clone)]
pub(crate) struct Row {
    signoff: SignOff,
    content: String,
    seq: i64,
    changed_seq: Option<i64>,
}

const ROW_COLUMNS: &str = "item_kind, item_id, level, signer, role, at, content_sha256, content, seq, changed_seq,
     withdrawn_reason, withdrawn_at, withdrawn_seq";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let bad = |i: usize| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, "unknown sign-off value".into())
    };
    let reason: Option<String> = r.get(10)?;
    Ok(Row {
        signoff: SignOff {
            item_kind: SignableKind::parse(&r.get::<_, String>(0)?).ok_or_else(|| bad(0))?,
            item_id: r.get(1)?,
            level: SignOffLevel::parse(&r.get::<_, String>(2)?).ok_or_else(|| bad(2))?,
            signer: r.get(3)?,
            role: Role::parse(&r.get::<_, String>(4)?).ok_or_else(|| bad(4))?,
            at: r.get(5)?,
            content_sha256: r.get(6)?,
            withdrawn: match reason {
                Some(reason) => Some(Withdrawal { reason, at: r.get(11)?, seq: r.get(12)? }),
                None => None,
            },
        },
        content: r.get(7)?,
        seq: r.get(8)?,
        changed_seq: r.get(9)?,
    })
}

fn rows_of(conn: &Connection, kind: SignableKind, id: &str) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM signoff WHERE item_kind = ?1 AND item_id = ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map([kind.as_str(), id], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) type RowsByItem = HashMap<(SignableKind, String), Vec<Row>>;

fn all_rows(conn: &Connection) -> Result<RowsByItem> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM signoff ORDER BY id"))?;
    let mut by_item: RowsByItem = HashMap::new();
    for r in stmt.query_map([], row)? {
        let r = r?;
        by_item.entry((r.signoff.item_kind, r.signoff.item_id.clone())).or_default().push(r);
    }
    Ok(by_item)
}

/// The standing sign-off of a level: the newest, unless withdrawn.
fn standing(rows: &[Row], level: SignOffLevel) -> Option<&Row> {
    rows.iter().rev().find(|r| r.signoff.level == level).filter(|r| r.signoff.withdrawn.is_none())
}

fn state(kind: SignableKind, id: &str, rows: &[Row], second_review: bool, current: Option<&Value>) -> ReviewState {
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
    ReviewState {
        item_kind: kind,
        item_id: id.to_string(),
        signoffs,
        required,
        changed_after_signoff: changed,
        changes,
        complete,
    }
}

/// The signable items a change touches: the procedures it edits and their
/// controls, found from the change itself (and, for edits of exceptions
/// and evidence, from what they belong to).
fn touched(conn: &Connection, change: &Change) -> Result<Vec<(SignableKind, String)>> {
    let mut procedures: Vec<String> = Vec::new();
    let mut controls: Vec<String> = Vec::new();
    let exception_procedure = |id: &str| read_exception(conn, id).map(|e| e.procedure_id).ok();
    let from_link = |kind: LinkKind, id: &str, procedures: &mut Vec<String>| match kind {
        LinkKind::Procedure => procedures.push(id.to_string()),
        LinkKind::Exception => procedures.extend(exception_procedure(id)),
        LinkKind::Pbc => {}
        LinkKind::Sample => procedures.extend(super::sampling::procedure_of_sample_item(id).map(str::to_string)),
    };
    match change {
        Change::ScopeSet { control_id, .. } => controls.push(control_id.clone()),
        Change::ProcedureAdded { procedure } => controls.push(procedure.control_id.clone()),
        // A removed procedure is touched too: its sign-offs no longer stand.
        Change::ProcedureRemoved { procedure } => procedures.push(procedure.id.clone()),
        Change::ProcedureUpdated { id, .. } => procedures.push(id.clone()),
        Change::ExceptionAdded { exception } | Change::ExceptionRemoved { exception } => {
            procedures.push(exception.procedure_id.clone())
        }
        Change::ExceptionEdited { id, .. } => procedures.extend(exception_procedure(id)),
        Change::EvidenceAdded { evidence, .. } => {
            for l in &evidence.links {
                from_link(l.kind, &l.id, &mut procedures);
            }
        }
        Change::EvidenceLinked { link, .. } | Change::EvidenceUnlinked { link, .. } => {
            from_link(link.kind, &link.id, &mut procedures)
        }
        Change::EvidenceRemoved { id, .. } => {
            let mut stmt =
                conn.prepare_cached("SELECT target_kind, target_id FROM evidence_link WHERE evidence_id = ?1")?;
            let links: Vec<(String, String)> =
                stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
            for (kind, target) in links {
                if let Some(kind) = LinkKind::parse(&kind) {
                    from_link(kind, &target, &mut procedures);
                }
            }
        }
        Change::PopulationImported { population } => procedures.push(population.procedure_id.clone()),
        Change::SampleSelected { sample } | Change::SampleDiscarded { sample, .. } => {
            procedures.push(sample.procedure_id.clone())
        }
        Change::SampleItemAdded { procedure_id, .. }
        | Change::AttributeAdded { procedure_id, .. }
        | Change::AttributeEdited { procedure_id, .. }
        | Change::AttributeRemoved { procedure_id, .. }
        | Change::CellSet { procedure_id, .. } => procedures.push(procedure_id.clone()),
        _ => {}
    }
    for p in &procedures {
        if let Some((control, _)) = p.rsplit_once("/P") {
            controls.push(control.to_string());
        }
    }
    let mut items: Vec<(SignableKind, String)> = procedures.into_iter().map(|p| (SignableKind::Procedure, p)).collect();
    items.extend(controls.into_iter().map(|c| (SignableKind::Control, c)));
    items.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    items.dedup();
    Ok(items)
}

/// Records `change` and, in the same transaction, what it does to signed
/// items: for each item whose content no longer matches its preparer's
/// sign-off, a `ChangedAfterSignOff` event that marks it and withdraws the
/// reviewers' sign-offs, visibly.
pub(crate) fn record_with_review(tx: &Transaction<'_>, ctx: Context<'_>, change: &Change) -> Result<EventRecord> {
    let ((), event) = events::record(tx, ctx, change, |tx| super::work::apply(tx, change))?;
    for (kind, id) in touched(tx, change)? {
        let rows = rows_of(tx, kind, &id)?;
        let Some(preparer) = standing(&rows, SignOffLevel::Preparer) else { continue };
        if preparer.changed_seq.is_some() {
            continue;
        }
        // A removed item has no content left: it changed, like any other.
        let now = match content_of(tx, kind, &id) {
            Ok(content) => Some(content_hash(&content)),
            Err(Error::NotFound { .. }) => None,
            Err(other) => return Err(other),
        };
        if now.as_ref() == Some(&preparer.signoff.content_sha256) {
            continue;
        }
        let withdrawn = [SignOffLevel::Reviewer, SignOffLevel::SecondReviewer]
            .into_iter()
            .filter(|l| standing(&rows, *l).is_some())
            .collect();
        let marked = Change::ChangedAfterSignOff {
            item_kind: kind,
            item_id: id,
            by_seq: event.seq,
            at: format_time(ctx.clock.now()),
            withdrawn,
        };
        events::record(tx, ctx, &marked, |tx| apply(tx, &marked))?;
    }
    Ok(event)
}

fn next_seq(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM event", [], |r| r.get(0))?)
}

/// Writes the state of the review changes (called by `work::apply`).
pub(crate) fn apply(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    match change {
        Change::SignedOff { signoff: s, content } => {
            tx.execute(
                "INSERT INTO signoff (item_kind, item_id, level, signer, role, at, content_sha256, content, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    s.item_kind.as_str(),
                    s.item_id,
                    s.level.as_str(),
                    s.signer,
                    s.role.as_str(),
                    s.at,
                    s.content_sha256,
                    content.to_string(),
                    next_seq(tx)?
                ],
            )?;
            Ok(())
        }
        Change::ChangedAfterSignOff { item_kind, item_id, by_seq, at, withdrawn } => {
            let seq = next_seq(tx)?;
            tx.execute(
                "UPDATE signoff SET changed_seq = ?3 WHERE item_kind = ?1 AND item_id = ?2 AND level = 'preparer'
                   AND changed_seq IS NULL AND withdrawn_at IS NULL",
                params![item_kind.as_str(), item_id, by_seq],
            )?;
            for level in withdrawn {
                tx.execute(
                    "UPDATE signoff SET withdrawn_reason = 'changed after sign-off', withdrawn_at = ?4, withdrawn_seq = ?5
                     WHERE item_kind = ?1 AND item_id = ?2 AND level = ?3 AND withdrawn_at IS NULL",
                    params![item_kind.as_str(), item_id, level.as_str(), at, seq],
                )?;
            }
            Ok(())
        }
        Change::NoteAdded { note: n } => {
            let ord: i64 =
                n.id.strip_prefix("RN-")
                    .and_then(|x| x.parse().ok())
                    .ok_or_else(|| Error::invalid("note", format!("{} is not a review note ID", n.id)))?;
            tx.execute(
                "INSERT INTO review_note (id, ord, target_kind, target_id, text, author, created_at, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open')",
                params![n.id, ord, n.target_kind.as_str(), n.target_id, n.text, n.author, n.created_at],
            )?;
            Ok(())
        }
        Change::NoteAnswered { id, answer, by, at } => {
            let updated = tx.execute(
                "UPDATE review_note SET status = 'answered', answer = ?2, answered_by = ?3, answered_at = ?4
                 WHERE id = ?1 AND status <> 'cleared'",
                params![id, answer, by, at],
            )?;
            if updated == 0 {
                return Err(Error::NotFound { what: "open review note", id: id.clone() });
            }
            Ok(())
        }
        Change::NoteCleared { id, by, at } => {
            let updated = tx.execute(
                "UPDATE review_note SET status = 'cleared', cleared_by = ?2, cleared_at = ?3
                 WHERE id = ?1 AND status <> 'cleared'",
                params![id, by, at],
            )?;
            if updated == 0 {
                return Err(Error::NotFound { what: "open review note", id: id.clone() });
            }
            Ok(())
        }
        Change::EngagementFinalized { finalization: f } => {
            tx.execute("UPDATE engagement SET finalized_by = ?1, finalized_at = ?2 WHERE id = 1", params![f.by, f.at])?;
            Ok(())
        }
        Change::EngagementReopened { .. } => {
            tx.execute("UPDATE engagement SET finalized_by = NULL, finalized_at = NULL WHERE id = 1", [])?;
            Ok(())
        }
        _ => Err(Error::invalid("event", "not a review change")),
    }
}

// ---- Notes ---------------------------------------------------------------------------

const NOTE_COLUMNS: &str =
    "id, target_kind, target_id, text, author, created_at, status, answer, answered_by, answered_at, cleared_by, cleared_at";

fn note_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReviewNote> {
    let bad = |i: usize| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, "unknown review note value".into())
    };
    Ok(ReviewNote {
        id: r.get(0)?,
        target_kind: NoteTargetKind::parse(&r.get::<_, String>(1)?).ok_or_else(|| bad(1))?,
        target_id: r.get(2)?,
        text: r.get(3)?,
        author: r.get(4)?,
        created_at: r.get(5)?,
        status: NoteStatus::parse(&r.get::<_, String>(6)?).ok_or_else(|| bad(6))?,
        answer: r.get(7)?,
        answered_by: r.get(8)?,
        answered_at: r.get(9)?,
        cleared_by: r.get(10)?,
        cleared_at: r.get(11)?,
    })
}

fn all_notes(conn: &Connection) -> Result<Vec<ReviewNote>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {NOTE_COLUMNS} FROM review_note ORDER BY ord"))?;
    let notes = stmt.query_map([], note_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(notes)
}

fn read_note(conn: &Connection, id: &str) -> Result<ReviewNote> {
    conn.query_row(&format!("SELECT {NOTE_COLUMNS} FROM review_note WHERE id = ?1"), [id], note_row)
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "review note", id: id.into() })
}

/// The control a note's target belongs to, for showing notes per control.
fn control_of_note(conn: &Connection, note: &ReviewNote) -> Option<String> {
    let of_procedure = |p: &str| p.rsplit_once("/P").map(|(c, _)| c.to_string());
    match note.target_kind {
        NoteTargetKind::Control => Some(note.target_id.clone()),
        NoteTargetKind::Procedure => of_procedure(&note.target_id),
        NoteTargetKind::Exception => {
            read_exception(conn, &note.target_id).ok().and_then(|e| of_procedure(&e.procedure_id))
        }
        NoteTargetKind::Evidence => None,
    }
}

impl EngagementFile {
    fn team_role(&self, name: &str) -> Result<Role> {
        let fields = self.fields()?;
        fields.team.iter().find(|m| m.name == name).map(|m| m.role).ok_or_else(|| Error::Invalid {
            problems: vec![FieldProblem::new(
                "signer",
                "not_on_team",
                &[("name", name.to_string())],
                format!("{name} is not on the engagement team; add them to the team first"),
            )],
        })
    }

    /// Where the review of one item stands.
    pub fn review_state(&self, kind: SignableKind, id: &str) -> Result<ReviewState> {
        let current = content_of(&self.conn, kind, id)?;
        let second = self.fields()?.second_review;
        Ok(state(kind, id, &rows_of(&self.conn, kind, id)?, second, Some(&current)))
    }

    /// Review states of many items at once (lists), without the field
    /// differences (which need each item's content).
    pub(crate) fn review_states(&self) -> Result<(RowsByItem, bool)> {
        Ok((all_rows(&self.conn)?, self.fields()?.second_review))
    }

    pub(crate) fn state_from(rows: &RowsByItem, second: bool, kind: SignableKind, id: &str) -> ReviewState {
        let empty = Vec::new();
        state(kind, id, rows.get(&(kind, id.to_string())).unwrap_or(&empty), second, None)
    }

    /// Signs an item at `level` as the context's actor, recording the hash
    /// of the item's content now.
    pub fn sign_off(
        &mut self,
        ctx: Context<'_>,
        kind: SignableKind,
        id: &str,
        level: SignOffLevel,
    ) -> Result<ReviewState> {
        // The checks, the content hashed and the sign-off are one immediate
        // transaction: no other writer (the CLI on the same file) can change
        // the item between what is checked and what is signed.
        let path = self.path().to_path_buf();
        let tx = Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::from_sqlite_at(&path, e))?;
        let fields = self.fields()?;
        let signer = ctx.actor.name.clone();
        let role = self.team_role(&signer)?;
        let refuse = |code: &str, message: String| Error::Invalid {
            problems: vec![FieldProblem::new("level", code, &[("level", level.as_str().to_string())], message)],
        };
        if level == SignOffLevel::SecondReviewer && !fields.second_review {
            return Err(refuse("no_second_review", "this engagement has no second-level review".into()));
        }
        if !level.allows(role) {
            return Err(refuse(
                "role_not_allowed",
                format!("{signer} is on the team as {}, who cannot sign as {}", role.as_str(), level.as_str()),
            ));
        }
        let content = content_of(&self.conn, kind, id)?;
        match kind {
            SignableKind::Procedure => {
                if level == SignOffLevel::Preparer && read_procedure(&self.conn, id)?.result.is_none() {
                    return Err(refuse("no_result", format!("{id} has no result yet")));
                }
            }
            SignableKind::Control => {
                let detail = self.control_detail(id)?;
                if !detail.assessable {
                    return Err(Error::invalid("control", format!("{id} is a heading, not an assessed control")));
                }
                if detail.scope == ScopeDecision::InScope
                    && detail.procedures.iter().any(|p| p.procedure.result.is_none())
                {
                    return Err(refuse("no_result", format!("not every procedure of {id} has a result")));
                }
            }
        }
        let rows = rows_of(&self.conn, kind, id)?;
        let current = state(kind, id, &rows, fields.second_review, None);
        if let Some(existing) = standing(&rows, level) {
            let stale = level == SignOffLevel::Preparer && current.changed_after_signoff;
            if !stale {
                return Err(Error::AlreadyExists {
                    what: "sign-off",
                    id: format!("{id} ({}, by {})", level.as_str(), existing.signoff.signer),
                });
            }
        }
        if let Some(previous) = level.previous() {
            if standing(&rows, previous).is_none() || current.changed_after_signoff {
                return Err(refuse(
                    "previous_level_missing",
                    format!("{id} needs a standing {} sign-off first", previous.as_str()),
                ));
            }
        }
        // One person does not sign two levels of the same item.
        for other in [SignOffLevel::Preparer, SignOffLevel::Reviewer, SignOffLevel::SecondReviewer] {
            if other != level && standing(&rows, other).is_some_and(|r| r.signoff.signer == signer) {
                return Err(refuse(
                    "same_person",
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
            signer,
            role,
            at: format_time(ctx.clock.now()),
            content_sha256: content_hash(&content),
            withdrawn: None,
        };
        record_with_review(&tx, ctx, &Change::SignedOff { signoff, content })?;
        tx.commit().map_err(|e| Error::from_sqlite_at(&path, e))?;
        self.review_state(kind, id)
    }

    pub fn notes(&self) -> Result<Vec<ReviewNote>> {
        all_notes(&self.conn)
    }

    /// The notes on a control, its procedures and their exceptions, and on
    /// the evidence linked to them.
    pub fn control_notes(&self, control_id: &str) -> Result<Vec<ReviewNote>> {
        let evidence: Vec<String> = self.control_evidence(control_id)?.into_iter().map(|e| e.id).collect();
        Ok(all_notes(&self.conn)?
            .into_iter()
            .filter(|n| match n.target_kind {
                NoteTargetKind::Evidence => evidence.contains(&n.target_id),
                _ => control_of_note(&self.conn, n).as_deref() == Some(control_id),
            })
            .collect())
    }

    pub fn add_note(
        &mut self,
        ctx: Context<'_>,
        target_kind: NoteTargetKind,
        target_id: &str,
        text: &str,
    ) -> Result<ReviewNote> {
        if text.trim().is_empty() {
            return Err(Error::invalid("text", "a review note needs its text"));
        }
        match target_kind {
            NoteTargetKind::Control => {
                self.control_detail(target_id)?;
            }
            NoteTargetKind::Procedure => {
                read_procedure(&self.conn, target_id)?;
            }
            NoteTargetKind::Exception => {
                read_exception(&self.conn, target_id)?;
            }
            NoteTargetKind::Evidence => {
                self.evidence(target_id)?;
            }
        }
        let next: i64 = self.conn.query_row("SELECT coalesce(max(ord), 0) + 1 FROM review_note", [], |r| r.get(0))?;
        let note = ReviewNote {
            id: format!("RN-{next:03}"),
            target_kind,
            target_id: target_id.to_string(),
            text: text.trim().to_string(),
            author: ctx.actor.name.clone(),
            created_at: format_time(ctx.clock.now()),
            status: NoteStatus::Open,
            answer: None,
            answered_by: None,
            answered_at: None,
            cleared_by: None,
            cleared_at: None,
        };
        self.commit(ctx, Change::NoteAdded { note: note.clone() })?;
        read_note(&self.conn, &note.id)
    }

    pub fn answer_note(&mut self, ctx: Context<'_>, id: &str, answer: &str) -> Result<ReviewNote> {
        let note = read_note(&self.conn, id)?;
        if note.status == NoteStatus::Cleared {
            return Err(Error::invalid("note", format!("{id} is already cleared")));
        }
        if answer.trim().is_empty() {
            return Err(Error::invalid("text", "an answer needs its text"));
        }
        let change = Change::NoteAnswered {
            id: id.into(),
            answer: answer.trim().into(),
            by: ctx.actor.name.clone(),
            at: format_time(ctx.clock.now()),
        };
        self.commit(ctx, change)?;
        read_note(&self.conn, id)
    }

    /// Clears a note: only its author or a manager (or partner) may.
    pub fn clear_note(&mut self, ctx: Context<'_>, id: &str) -> Result<ReviewNote> {
        let note = read_note(&self.conn, id)?;
        if note.status == NoteStatus::Cleared {
            return Err(Error::invalid("note", format!("{id} is already cleared")));
        }
        let who = &ctx.actor.name;
        let manager = self.team_role(who).map(may_reopen).unwrap_or(false);
        if &note.author != who && !manager {
            return Err(Error::Invalid {
                problems: vec![FieldProblem::new(
                    "note",
                    "not_author",
                    &[("author", note.author.clone())],
                    format!("only {} (who wrote {id}) or a manager can clear it", note.author),
                )],
            });
        }
        self.commit(ctx, Change::NoteCleared { id: id.into(), by: who.clone(), at: format_time(ctx.clock.now()) })?;
        read_note(&self.conn, id)
    }

    // ---- Finalizing ------------------------------------------------------------------

    /// Finalizing and reopening are for the team's managers and partners.
    fn require_manager(&self, ctx: Context<'_>, act: &str) -> Result<()> {
        let role = self.team_role(&ctx.actor.name)?;
        if may_reopen(role) {
            return Ok(());
        }
        Err(Error::Invalid {
            problems: vec![FieldProblem::new(
                "role",
                "role_not_allowed",
                &[],
                format!("{} is on the team as {}; a manager or partner {act}", ctx.actor.name, role.as_str()),
            )],
        })
    }

    pub fn finalization(&self) -> Result<Option<Finalization>> {
        let row: (Option<String>, Option<String>) =
            self.conn.query_row("SELECT finalized_by, finalized_at FROM engagement WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        Ok(match row {
            (Some(by), Some(at)) => Some(Finalization { by, at }),
            _ => None,
        })
    }

    /// What still blocks finalizing: procedures of in-scope controls without
    /// a result; procedures and assessed controls not signed at every
    /// required level, or changed since; review notes not cleared.
    pub fn finalize_check(&self) -> Result<FinalizeCheck> {
        let (rows, second) = self.review_states()?;
        let mut blockers = Vec::new();
        let controls = self.controls()?;
        let in_scope: std::collections::HashSet<&str> = controls
            .iter()
            .filter(|c| c.assessable && c.scope == ScopeDecision::InScope)
            .map(|c| c.id.as_str())
            .collect();
        let mut items: Vec<(SignableKind, String)> = Vec::new();
        for p in all_procedures(&self.conn)? {
            if !in_scope.contains(p.control_id.as_str()) {
                continue;
            }
            if p.result.is_none() {
                blockers.push(Blocker {
                    code: "no_result".into(),
                    item_kind: "procedure".into(),
                    item_id: p.id.clone(),
                    level: None,
                    message: format!("{} has no result", p.id),
                });
            }
            items.push((SignableKind::Procedure, p.id));
        }
        items.extend(controls.iter().filter(|c| c.assessable).map(|c| (SignableKind::Control, c.id.clone())));
        for (kind, id) in items {
            let s = Self::state_from(&rows, second, kind, &id);
            if s.changed_after_signoff {
                blockers.push(Blocker {
                    code: "changed_after_signoff".into(),
                    item_kind: kind.as_str().into(),
                    item_id: id.clone(),
                    level: None,
                    message: format!("{id} changed after it was signed; sign it again"),
                });
            }
            for level in &s.required {
                if !s.signoffs.iter().any(|x| x.level == *level) {
                    blockers.push(Blocker {
                        code: "not_signed".into(),
                        item_kind: kind.as_str().into(),
                        item_id: id.clone(),
                        level: Some(*level),
                        message: format!("{id} is not signed off as {}", level.as_str()),
                    });
                }
            }
        }
        for n in all_notes(&self.conn)?.into_iter().filter(|n| n.status != NoteStatus::Cleared) {
            blockers.push(Blocker {
                code: "open_note".into(),
                item_kind: "note".into(),
                item_id: n.id.clone(),
                level: None,
                message: format!("review note {} on {} is not cleared", n.id, n.target_id),
            });
        }
        Ok(FinalizeCheck { ready: blockers.is_empty(), blockers })
    }

    /// Finalizes and locks the engagement (a manager or partner, when
    /// nothing blocks it). Refused with every blocker named otherwise.
    pub fn finalize(&mut self, ctx: Context<'_>) -> Result<Finalization> {
        if self.finalization()?.is_some() {
            return Err(Error::Locked);
        }
        self.require_manager(ctx, "finalizes")?;
        let path = self.path().to_path_buf();
        let tx = Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::from_sqlite_at(&path, e))?;
        let check = self.finalize_check()?;
        if !check.ready {
            return Err(Error::Invalid {
                problems: check
                    .blockers
                    .iter()
                    .map(|b| {
                        let level = b.level.map(|l| l.as_str().to_string()).unwrap_or_default();
                        FieldProblem::new(&b.item_id, &b.code, &[("level", level)], b.message.clone())
                    })
                    .collect(),
            });
        }
        let finalization = Finalization { by: ctx.actor.name.clone(), at: format_time(ctx.clock.now()) };
        record_with_review(&tx, ctx, &Change::EngagementFinalized { finalization: finalization.clone() })?;
        tx.commit().map_err(|e| Error::from_sqlite_at(&path, e))?;
        Ok(finalization)
    }

    /// Reopens a finalized engagement: a manager or partner, with a reason.
    /// The sign-offs given before stay, in the state and in the history.
    pub fn reopen(&mut self, ctx: Context<'_>, reason: &str) -> Result<()> {
        if self.finalization()?.is_none() {
            return Err(Error::invalid("engagement", "the engagement is not finalized"));
        }
        self.require_manager(ctx, "reopens")?;
        if reason.trim().is_empty() {
            return Err(Error::invalid("reason", "reopening needs the reason"));
        }
        let change = Change::EngagementReopened {
            reason: reason.trim().into(),
            by: ctx.actor.name.clone(),
            at: format_time(ctx.clock.now()),
        };
        self.commit(ctx, change)?;
        Ok(())
    }

    pub fn review_summary(&self) -> Result<ReviewSummary> {
        let (rows, second) = self.review_states()?;
        let check_items = {
            let controls = self.controls()?;
            let in_scope: std::collections::HashSet<&str> = controls
                .iter()
                .filter(|c| c.assessable && c.scope == ScopeDecision::InScope)
                .map(|c| c.id.as_str())
                .collect();
            let mut items: Vec<(SignableKind, String)> = all_procedures(&self.conn)?
                .into_iter()
                .filter(|p| in_scope.contains(p.control_id.as_str()))
                .map(|p| (SignableKind::Procedure, p.id))
                .collect();
            items.extend(controls.iter().filter(|c| c.assessable).map(|c| (SignableKind::Control, c.id.clone())));
            items
        };
        let mut complete = 0;
        let mut changed = 0;
        for (kind, id) in &check_items {
            let s = Self::state_from(&rows, second, *kind, id);
            complete += u32::from(s.complete);
            changed += u32::from(s.changed_after_signoff);
        }
        let mut states: Vec<ReviewState> = Vec::new();
        let mut keys: Vec<&(SignableKind, String)> = rows.keys().collect();
        keys.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
        for (kind, id) in keys {
            let current = content_of(&self.conn, *kind, id).ok();
            let all = &rows[&(*kind, id.clone())];
            states.push(state(*kind, id, all, second, current.as_ref()));
        }
        let notes = all_notes(&self.conn)?;
        Ok(ReviewSummary {
            second_review: second,
            finalized: self.finalization()?,
            items: check_items.len() as u32,
            complete,
            changed_after_signoff: changed,
            open_notes: notes.iter().filter(|n| n.status != NoteStatus::Cleared).count() as u32,
            states,
            notes,
        })
    }

    /// Events about an item (a control, procedure, exception, evidence item
    /// or note), oldest first: who changed what, when, before and after.
    /// A control's history includes its procedures'.
    pub fn item_history(&self, id: &str) -> Result<Vec<EventRecord>> {
        let quoted = format!("\"{id}\"");
        let child = format!("\"{id}/");
        let mut stmt =
            self.conn.prepare("SELECT seq, kind, payload, actor, at, prev_hash, hash FROM event ORDER BY seq")?;
        let rows = stmt.query_map([], super::engagement_file::event_row)?;
        let mut out = Vec::new();
        for e in rows {
            let e = e?;
            if e.kind != "engagement_created" && (e.payload.contains(&quoted) || e.payload.contains(&child)) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// The sign-off half of `log verify`: every standing sign-off whose item
    /// no event changed must still match the item's content, and every
    /// sign-off's hash must be the one its event recorded.
    pub(crate) fn verify_signoffs(&self) -> Result<Vec<SignOffProblem>> {
        let mut problems = Vec::new();
        let mut recorded: HashMap<i64, String> = HashMap::new();
        let mut stmt = self.conn.prepare("SELECT seq, payload FROM event WHERE kind = 'signed_off'")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            if let Ok(Change::SignedOff { signoff, .. }) = serde_json::from_str::<Change>(&r.get::<_, String>(1)?) {
                recorded.insert(seq, signoff.content_sha256);
            }
        }
        for (key, item_rows) in all_rows(&self.conn)? {
            let (kind, id) = key;
            let problem = |level: SignOffLevel, text: String| SignOffProblem {
                item_kind: kind.as_str().into(),
                item_id: id.clone(),
                level: level.as_str().into(),
                problem: text,
            };
            for r in &item_rows {
                if recorded.get(&r.seq) != Some(&r.signoff.content_sha256) {
                    problems.push(problem(
                        r.signoff.level,
                        format!("the sign-off's hash is not the one event #{} recorded", r.seq),
                    ));
                }
            }
            let Some(p) = standing(&item_rows, SignOffLevel::Preparer) else { continue };
            if p.changed_seq.is_some() {
                continue;
            }
            let now = match content_of(&self.conn, kind, &id) {
                Ok(content) => content_hash(&content),
                Err(_) => String::from("(the item is gone)"),
            };
            if now != p.signoff.content_sha256 {
                problems.push(problem(
                    SignOffLevel::Preparer,
                    "the item no longer matches what was signed, and no event changed it".into(),
                ));
            }
        }
        problems.sort_by(|a, b| (&a.item_kind, &a.item_id).cmp(&(&b.item_kind, &b.item_id)));
        Ok(problems)
    }
}

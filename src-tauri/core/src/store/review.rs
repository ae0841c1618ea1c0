//! Review inside the engagement file: what a sign-off covers (the content
//! of an item, hashed), the stored sign-offs and notes, which signed items
//! a change touches, and `apply` of the review changes. The rules are
//! `domain::review`. See ARCHITECTURE.md, "Review".

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{json, Value};

use super::apply::EventMeta;
use super::engagement_file::EngagementFile;
use super::events::SignOffProblem;
use super::work::{procedures_of, read_exception, read_procedure, scope_of};
use crate::domain::review::{content_hash, standing};
use crate::error::{Error, Result};
use crate::model::engagement::Role;
use crate::model::event::{Change, EventRecord};
use crate::model::evidence::LinkKind;
use crate::model::review::{
    Finalization, NoteStatus, NoteTargetKind, ReviewNote, SignOff, SignOffLevel, SignableKind, StoredSignOff,
    Withdrawal,
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
    // A control that never changed keeps the content it had before changes
    // could be recorded, so that its standing sign-offs still match.
    let changes = super::change::changes_of(conn, id)?;
    if changes.is_empty() {
        Ok(json!({ "control": id, "scope": scope, "scope_reason": reason, "procedures": procedures }))
    } else {
        Ok(
            json!({ "control": id, "scope": scope, "scope_reason": reason, "procedures": procedures, "changes": changes }),
        )
    }
}

pub(crate) fn content_of(conn: &Connection, kind: SignableKind, id: &str) -> Result<Value> {
    match kind {
        SignableKind::Procedure => procedure_content(conn, id),
        SignableKind::Control => control_content(conn, id),
    }
}

// ---- Stored sign-offs -------------------------------------------------------------

const ROW_COLUMNS: &str = "item_kind, item_id, level, signer, role, at, content_sha256, content, seq, changed_seq,
     withdrawn_reason, withdrawn_at, withdrawn_seq, signature";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSignOff> {
    let bad = |i: usize| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, "unknown sign-off value".into())
    };
    let reason: Option<String> = r.get(10)?;
    Ok(StoredSignOff {
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
            signature: match r.get::<_, Option<String>>(13)? {
                Some(text) => Some(serde_json::from_str(&text).map_err(|_| bad(13))?),
                None => None,
            },
        },
        content: r.get(7)?,
        seq: r.get(8)?,
        changed_seq: r.get(9)?,
    })
}

pub(crate) fn rows_of(conn: &Connection, kind: SignableKind, id: &str) -> Result<Vec<StoredSignOff>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM signoff WHERE item_kind = ?1 AND item_id = ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map([kind.as_str(), id], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) type RowsByItem = HashMap<(SignableKind, String), Vec<StoredSignOff>>;

pub(crate) fn all_rows(conn: &Connection) -> Result<RowsByItem> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM signoff ORDER BY id"))?;
    let mut by_item: RowsByItem = HashMap::new();
    for r in stmt.query_map([], row)? {
        let r = r?;
        by_item.entry((r.signoff.item_kind, r.signoff.item_id.clone())).or_default().push(r);
    }
    Ok(by_item)
}

/// The signable items a change touches: the procedures it edits and their
/// controls, found from the change itself (and, for edits of exceptions
/// and evidence, from what they belong to).
pub(crate) fn touched(conn: &Connection, change: &Change) -> Result<Vec<(SignableKind, String)>> {
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
        Change::ScopeSet { control_id, .. } => {
            controls.push(control_id.clone());
            // A control objective's decision is also the scope of the
            // basic-statement controls it exempts when excluded.
            controls.extend(super::work::basic_statements_under(conn, control_id)?);
        }
        Change::ControlChangeRecorded { change } | Change::ControlChangeRemoved { change } => {
            controls.push(change.control_id.clone())
        }
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

/// Writes the state of the review changes.
pub(crate) fn apply(tx: &Transaction<'_>, event: EventMeta<'_>, change: &Change) -> Result<()> {
    match change {
        Change::SignedOff { signoff: s, content } => {
            super::exec(
                tx,
                "INSERT INTO signoff (item_kind, item_id, level, signer, role, at, content_sha256, content, seq, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    s.item_kind.as_str(),
                    s.item_id,
                    s.level.as_str(),
                    s.signer,
                    s.role.as_str(),
                    s.at,
                    s.content_sha256,
                    content.to_string(),
                    event.seq,
                    s.signature.as_ref().map(|sig| serde_json::json!(sig).to_string())
                ],
            )?;
            Ok(())
        }
        Change::ChangedAfterSignOff { item_kind, item_id, by_seq, at, withdrawn } => {
            let seq = event.seq;
            super::exec(
                tx,
                "UPDATE signoff SET changed_seq = ?3 WHERE item_kind = ?1 AND item_id = ?2 AND level = 'preparer'
                   AND changed_seq IS NULL AND withdrawn_at IS NULL",
                params![item_kind.as_str(), item_id, by_seq],
            )?;
            for level in withdrawn {
                super::exec(
                tx,
                    "UPDATE signoff SET withdrawn_reason = 'changed after sign-off', withdrawn_at = ?4, withdrawn_seq = ?5
                     WHERE item_kind = ?1 AND item_id = ?2 AND level = ?3 AND withdrawn_at IS NULL",
                    params![item_kind.as_str(), item_id, level.as_str(), at, seq],
                )?;
            }
            Ok(())
        }
        Change::NoteAdded { note: n } => {
            let ord = crate::model::ids::ord(&n.id, "RN-")
                .ok_or_else(|| Error::invalid("note", format!("{} is not a review note ID", n.id)))?;
            super::exec(
                tx,
                "INSERT INTO review_note (id, ord, target_kind, target_id, text, author, created_at, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open')",
                params![n.id, ord, n.target_kind.as_str(), n.target_id, n.text, n.author, n.created_at],
            )?;
            Ok(())
        }
        Change::NoteAnswered { id, answer, by, at } => {
            let updated = super::exec(
                tx,
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
            let updated = super::exec(
                tx,
                "UPDATE review_note SET status = 'cleared', cleared_by = ?2, cleared_at = ?3
                 WHERE id = ?1 AND status <> 'cleared'",
                params![id, by, at],
            )?;
            if updated == 0 {
                return Err(Error::NotFound { what: "open review note", id: id.clone() });
            }
            Ok(())
        }
        Change::EngagementFinalized { finalization: f, .. } => {
            super::exec(
                tx,
                "UPDATE engagement SET finalized_by = ?1, finalized_at = ?2 WHERE id = 1",
                params![f.by, f.at],
            )?;
            Ok(())
        }
        Change::EngagementReopened { .. } => {
            super::exec(tx, "UPDATE engagement SET finalized_by = NULL, finalized_at = NULL WHERE id = 1", [])?;
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

pub(crate) fn all_notes(conn: &Connection) -> Result<Vec<ReviewNote>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {NOTE_COLUMNS} FROM review_note ORDER BY ord"))?;
    let notes = stmt.query_map([], note_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(notes)
}

pub(crate) fn read_note(conn: &Connection, id: &str) -> Result<ReviewNote> {
    conn.query_row(&format!("SELECT {NOTE_COLUMNS} FROM review_note WHERE id = ?1"), [id], note_row)
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "review note", id: id.into() })
}

/// The control a note's target belongs to, for showing notes per control
/// and leading from the work queue: evidence leads to the control of the
/// first procedure it is linked to, else of its first sample item, else of
/// its first exception.
pub(crate) fn control_of_note(conn: &Connection, note: &ReviewNote) -> Option<String> {
    let of_procedure = |p: &str| p.rsplit_once("/P").map(|(c, _)| c.to_string());
    match note.target_kind {
        NoteTargetKind::Control => Some(note.target_id.clone()),
        NoteTargetKind::Procedure => of_procedure(&note.target_id),
        NoteTargetKind::Exception => {
            read_exception(conn, &note.target_id).ok().and_then(|e| of_procedure(&e.procedure_id))
        }
        NoteTargetKind::Evidence => {
            let (kind, target): (String, String) = conn
                .query_row(
                    "SELECT target_kind, target_id FROM evidence_link
                     WHERE evidence_id = ?1 AND target_kind IN ('procedure', 'sample', 'exception')
                     ORDER BY CASE target_kind WHEN 'procedure' THEN 0 WHEN 'sample' THEN 1 ELSE 2 END, target_id
                     LIMIT 1",
                    [&note.target_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .ok()
                .flatten()?;
            if kind == "exception" {
                read_exception(conn, &target).ok().and_then(|e| of_procedure(&e.procedure_id))
            } else {
                of_procedure(&target)
            }
        }
    }
}

/// The engagement's lock, once finalized.
pub(crate) fn finalization(conn: &Connection) -> Result<Option<Finalization>> {
    let row: (Option<String>, Option<String>) =
        conn.query_row("SELECT finalized_by, finalized_at FROM engagement WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok(match row {
        (Some(by), Some(at)) => Some(Finalization { by, at }),
        _ => None,
    })
}

impl EngagementFile {
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

    pub fn finalization(&self) -> Result<Option<Finalization>> {
        finalization(&self.conn)
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
        let merges = super::copies::merge_ranges(&self.conn)?;
        let mut out = Vec::new();
        for e in rows {
            let mut e = e?;
            if e.kind != "engagement_created" && (e.payload.contains(&quoted) || e.payload.contains(&child)) {
                e.from_copy = super::copies::origin_of(&merges, &e);
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

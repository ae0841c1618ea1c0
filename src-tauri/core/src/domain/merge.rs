//! Merging a field copy back: which item and field each change writes,
//! which of a copy's changes conflict with what the file did since the fork,
//! and what a person's decision records (docs/team-fieldwork.md).
//!
//! The rules, in short:
//! - A field written on both sides since the fork, to different values, is
//!   a conflict. Both values are kept in it; until a person decides, the
//!   field holds the later one (by the time each side made it), so that
//!   merging copies in any order gives the same state.
//! - An item removed on one side and changed on the other is a conflict
//!   too; it is kept (restored if the file had removed it) until decided.
//! - Everything else applies as the copy recorded it.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::model::copy::{Choice, Conflict, ConflictSide, Resolution};
use crate::model::event::{Change, FieldChange};
use crate::model::evidence::LinkKind;

/// An item a change concerns: its kind and ID.
pub type Item = (&'static str, String);

/// One field of one item that a change sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub item: Item,
    pub field: String,
    pub value: Value,
}

impl Write {
    pub fn key(&self) -> String {
        key(&self.item, &self.field)
    }
}

/// The key of a field of an item, as `merge --resolve` names it:
/// `engagement.FIELD` or `ITEM.FIELD`.
pub fn key(item: &Item, field: &str) -> String {
    if item.0 == "engagement" {
        format!("engagement.{field}")
    } else {
        format!("{}.{field}", item.1)
    }
}

/// The field of an item's existence: a conflict between removing it and
/// changing it.
pub const EXISTS: &str = "exists";

/// What a change does, as a merge sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    pub writes: Vec<Write>,
    /// Items it removes.
    pub removes: Vec<Item>,
    /// Items that must exist for it (what it adds to, links to or signs).
    pub refers: Vec<Item>,
}

fn write(item: Item, field: impl Into<String>, value: Value) -> Write {
    Write { item, field: field.into(), value }
}

fn link_target(kind: LinkKind, id: &str) -> Option<Item> {
    match kind {
        LinkKind::Procedure => Some(("procedure", id.to_string())),
        LinkKind::Exception => Some(("exception", id.to_string())),
        LinkKind::Pbc => Some(("pbc", id.to_string())),
        LinkKind::Sample => id.rsplit_once("/S").map(|(p, _)| ("procedure", p.to_string())),
    }
}

/// A digest of a large value (a population, a sample), which a conflict
/// shows instead of the value itself.
fn digest(value: &impl serde::Serialize) -> Value {
    let text = serde_json::to_string(value).unwrap_or_default();
    json!({ "sha256": crate::domain::review::content_hash(&Value::String(text)) })
}

fn field_writes(item: Item, changes: &[FieldChange]) -> Vec<Write> {
    changes.iter().map(|c| write(item.clone(), c.field.clone(), c.after.clone())).collect()
}

/// What `change` writes, removes and needs.
pub fn effects(change: &Change) -> Effects {
    let mut e = Effects::default();
    match change {
        Change::EngagementEdited { changes } => e.writes = field_writes(("engagement", String::new()), changes),
        Change::ScopeSet { control_id, decision, reason, inherited_from, .. } => e.writes.push(write(
            ("control", control_id.clone()),
            "scope",
            json!({ "decision": decision, "reason": reason, "inherited_from": inherited_from }),
        )),
        Change::ProcedureAdded { procedure } => e.refers.push(("control", procedure.control_id.clone())),
        Change::ProcedureUpdated { id, changes } => e.writes = field_writes(("procedure", id.clone()), changes),
        Change::ProcedureRemoved { procedure } => e.removes.push(("procedure", procedure.id.clone())),
        Change::ExceptionAdded { exception } => e.refers.push(("procedure", exception.procedure_id.clone())),
        Change::ExceptionEdited { id, after, .. } => {
            e.writes.push(write(("exception", id.clone()), "text", json!(after)))
        }
        Change::ExceptionRemoved { exception } => e.removes.push(("exception", exception.id.clone())),
        Change::EvidenceAdded { evidence, .. } => {
            e.refers.extend(evidence.links.iter().filter_map(|l| link_target(l.kind, &l.id)))
        }
        Change::EvidenceEdited { id, changes } => e.writes = field_writes(("evidence", id.clone()), changes),
        Change::EvidenceLinked { id, link } | Change::EvidenceUnlinked { id, link } => {
            let linked = matches!(change, Change::EvidenceLinked { .. });
            e.writes.push(write(
                ("evidence", id.clone()),
                format!("link:{}:{}", link.kind.as_str(), link.id),
                json!(linked),
            ));
            e.refers.extend(link_target(link.kind, &link.id));
        }
        // A withdrawn item keeps its record: withdrawing is a field of it.
        Change::EvidenceRemoved { id, removal } => {
            e.writes.push(write(("evidence", id.clone()), "withdrawn", json!(removal.reason)))
        }
        Change::PbcAdded { .. } => {}
        Change::PbcEdited { id, changes } => e.writes = field_writes(("pbc", id.clone()), changes),
        Change::SignedOff { signoff, .. } => {
            let item = (signoff.item_kind.as_str(), signoff.item_id.clone());
            e.writes.push(write(
                item.clone(),
                format!("signoff:{}", signoff.level.as_str()),
                json!({ "signer": signoff.signer, "content_sha256": signoff.content_sha256 }),
            ));
            e.refers.push(item);
        }
        Change::NoteAdded { note } => e.refers.push((note.target_kind.as_str(), note.target_id.clone())),
        Change::NoteAnswered { id, answer, .. } => e.writes.push(write(("note", id.clone()), "answer", json!(answer))),
        Change::NoteCleared { id, .. } => e.writes.push(write(("note", id.clone()), "status", json!("cleared"))),
        Change::PopulationImported { population } => {
            e.writes.push(write(("procedure", population.procedure_id.clone()), "population", digest(population)))
        }
        Change::SampleSelected { sample } => {
            e.writes.push(write(("procedure", sample.procedure_id.clone()), "sample", digest(sample)))
        }
        Change::SampleDiscarded { sample, .. } => {
            e.writes.push(write(("procedure", sample.procedure_id.clone()), "sample", Value::Null))
        }
        Change::SampleItemAdded { procedure_id, item } => e.writes.push(write(
            ("procedure", procedure_id.clone()),
            format!("sample_item:{}", item.no),
            json!(item.item_id),
        )),
        Change::AttributeAdded { procedure_id, attribute } => e.writes.push(write(
            ("procedure", procedure_id.clone()),
            format!("attribute:{}", attribute.key),
            json!(attribute.text),
        )),
        Change::AttributeEdited { procedure_id, key, after, .. } => {
            e.writes.push(write(("procedure", procedure_id.clone()), format!("attribute:{key}"), json!(after)))
        }
        Change::AttributeRemoved { procedure_id, attribute } => e.writes.push(write(
            ("procedure", procedure_id.clone()),
            format!("attribute:{}", attribute.key),
            Value::Null,
        )),
        Change::CellSet { procedure_id, no, attribute, after, .. } => {
            e.writes.push(write(("procedure", procedure_id.clone()), format!("cell:{no}:{attribute}"), json!(after)))
        }
        Change::TickmarkSet { tickmark, .. } => {
            e.writes.push(write(("tickmark", tickmark.mark.clone()), "meaning", json!(tickmark)))
        }
        Change::RepresentationRecorded { representation, .. } => {
            e.writes.push(write(("engagement", String::new()), "representation", json!(representation)))
        }
        Change::SubsequentEventAdded { .. } => {}
        Change::SubsequentEventRemoved { event } => e.removes.push(("subsequent_event", event.id.clone())),
        Change::SubsequentEventsConsidered { review } => {
            e.writes.push(write(("engagement", String::new()), "subsequent_review", json!(review)))
        }
        Change::ControlChangeRecorded { change } => e.writes.push(write(
            ("control", change.control_id.clone()),
            format!("change:{}", change.effective),
            json!(change.id),
        )),
        Change::ControlChangeRemoved { change } => {
            e.removes.push(("control_change", change.id.clone()));
            e.writes.push(write(
                ("control", change.control_id.clone()),
                format!("change:{}", change.effective),
                Value::Null,
            ));
        }
        Change::MemberKeyAdded { key } => {
            e.writes.push(write(("roster", key.fingerprint.clone()), "active", json!(true)))
        }
        Change::MemberKeyRemoved { removal } => {
            e.writes.push(write(("roster", removal.fingerprint.clone()), "active", json!(false)))
        }
        Change::EngagementCreated { .. }
        | Change::ChangedAfterSignOff { .. }
        | Change::EngagementFinalized { .. }
        | Change::EngagementReopened { .. }
        | Change::FieldCopyIssued { .. }
        | Change::FieldCopyOpened { .. }
        | Change::CopyMerged { .. }
        | Change::ConflictFound { .. }
        | Change::ConflictResolved { .. } => {}
    }
    e
}

/// Whether a copy's event of this kind is brought into the file. A copy's
/// own bookkeeping (its opening, finalizing and reopening it, which concern
/// the copy alone) and the sign-off watcher's marks (which the file's own
/// watcher records again as the changes arrive) are not.
pub fn is_brought_in(change: &Change) -> bool {
    !matches!(
        change,
        Change::EngagementCreated { .. }
            | Change::ChangedAfterSignOff { .. }
            | Change::EngagementFinalized { .. }
            | Change::EngagementReopened { .. }
            | Change::FieldCopyIssued { .. }
            | Change::FieldCopyOpened { .. }
            | Change::CopyMerged { .. }
            | Change::ConflictFound { .. }
            | Change::ConflictResolved { .. }
    )
}

/// `change` without the fields in `dropped` (their keys): the same change
/// when none is dropped, `None` when nothing is left of it.
pub fn without(change: &Change, dropped: &[String]) -> Option<Change> {
    if dropped.is_empty() {
        return Some(change.clone());
    }
    let keep = |item: Item, changes: &[FieldChange]| -> Vec<FieldChange> {
        changes.iter().filter(|c| !dropped.contains(&key(&item, &c.field))).cloned().collect()
    };
    let kept = match change {
        Change::EngagementEdited { changes } => {
            Change::EngagementEdited { changes: keep(("engagement", String::new()), changes) }
        }
        Change::ProcedureUpdated { id, changes } => {
            Change::ProcedureUpdated { id: id.clone(), changes: keep(("procedure", id.clone()), changes) }
        }
        Change::EvidenceEdited { id, changes } => {
            Change::EvidenceEdited { id: id.clone(), changes: keep(("evidence", id.clone()), changes) }
        }
        Change::PbcEdited { id, changes } => {
            Change::PbcEdited { id: id.clone(), changes: keep(("pbc", id.clone()), changes) }
        }
        _ => return None,
    };
    match &kept {
        Change::EngagementEdited { changes }
        | Change::ProcedureUpdated { changes, .. }
        | Change::EvidenceEdited { changes, .. }
        | Change::PbcEdited { changes, .. }
            if changes.is_empty() =>
        {
            None
        }
        _ => Some(kept),
    }
}

/// The item a change creates with a new ID, and the prefix of that ID
/// (`model::ids`), when it creates one.
pub fn created_id(change: &Change) -> Option<(String, String)> {
    Some(match change {
        Change::ProcedureAdded { procedure } => (format!("{}/P", procedure.control_id), procedure.id.clone()),
        Change::ExceptionAdded { exception } => ("E-".into(), exception.id.clone()),
        Change::EvidenceAdded { evidence, .. } => ("EV-".into(), evidence.id.clone()),
        Change::PbcAdded { request } => ("PBC-".into(), request.id.clone()),
        Change::NoteAdded { note } => ("RN-".into(), note.id.clone()),
        Change::SubsequentEventAdded { event } => ("SE-".into(), event.id.clone()),
        Change::ControlChangeRecorded { change } => ("CHG-".into(), change.id.clone()),
        _ => return None,
    })
}

/// The item a change creates (or brings back), as effects name items.
fn created_item(change: &Change) -> Option<Item> {
    Some(match change {
        Change::ProcedureAdded { procedure } => ("procedure", procedure.id.clone()),
        Change::ExceptionAdded { exception } => ("exception", exception.id.clone()),
        Change::SubsequentEventAdded { event } => ("subsequent_event", event.id.clone()),
        Change::ControlChangeRecorded { change } => ("control_change", change.id.clone()),
        _ => return None,
    })
}

/// The change that brings back an item `removal` removed (the removal
/// holds the item whole), when the item can come back.
pub fn restoring(removal: &Change) -> Option<Change> {
    Some(match removal {
        Change::ProcedureRemoved { procedure } => Change::ProcedureAdded { procedure: procedure.clone() },
        Change::ExceptionRemoved { exception } => Change::ExceptionAdded { exception: exception.clone() },
        Change::SubsequentEventRemoved { event } => Change::SubsequentEventAdded { event: event.clone() },
        Change::ControlChangeRemoved { change } => Change::ControlChangeRecorded { change: change.clone() },
        _ => return None,
    })
}

/// A change as one side made it: by whom, when, from which copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Made {
    pub change: Change,
    pub by: String,
    pub at: String,
    /// The copy's code, empty for the file itself.
    pub origin: String,
    pub origin_name: String,
}

impl Made {
    fn side(&self, value: Value, removed: bool, change: Option<Change>) -> ConflictSide {
        ConflictSide {
            origin: self.origin.clone(),
            origin_name: self.origin_name.clone(),
            value,
            removed,
            by: self.by.clone(),
            at: self.at.clone(),
            change: change.map(Box::new),
        }
    }

    /// Later than `other`: by time, then by origin, so that every order of
    /// merging picks the same.
    fn later_than(&self, other: &ConflictSide) -> bool {
        (self.at.as_str(), crate::model::ids::code_number(&self.origin))
            > (other.at.as_str(), crate::model::ids::code_number(&other.origin))
    }
}

/// What the file did since the fork, as the other side of a merge sees it:
/// the latest value of each field it wrote, the items it removed, and the
/// latest change to each item it touched.
#[derive(Debug, Default)]
pub struct Ours {
    writes: HashMap<String, (Write, Made)>,
    removed: HashMap<Item, Made>,
    touched: HashMap<Item, Made>,
}

impl Ours {
    /// Notes an event an earlier merge of the same copy recorded: it is not
    /// the other side, but an item it brought back is there again.
    pub fn merged_before(&mut self, change: &Change) {
        if let Some(item) = created_item(change) {
            self.removed.remove(&item);
        }
    }

    /// Adds one of the file's events since the fork, in order.
    pub fn add(&mut self, made: Made) {
        if let Some(item) = created_item(&made.change) {
            self.removed.remove(&item);
        }
        let e = effects(&made.change);
        for item in e.writes.iter().map(|w| w.item.clone()).chain(e.refers.iter().cloned()) {
            self.removed.remove(&item);
            self.touched.insert(item, made.clone());
        }
        for w in e.writes {
            let single = without_others(&made.change, &w);
            self.writes.insert(w.key(), (w, Made { change: single, ..made.clone() }));
        }
        for item in e.removes {
            self.touched.remove(&item);
            self.removed.insert(item, made.clone());
        }
    }
}

/// `change` reduced to the one field `w` (for a change of several fields),
/// which is what choosing this side of a conflict on `w` records again.
fn without_others(change: &Change, w: &Write) -> Change {
    let all = effects(change);
    let others: Vec<String> = all.writes.iter().map(Write::key).filter(|k| *k != w.key()).collect();
    without(change, &others).unwrap_or_else(|| change.clone())
}

/// What to do with one of the copy's changes.
#[derive(Debug, Default, PartialEq)]
pub struct Step {
    /// Items the file removed that this change needs: restored first.
    pub restore: Vec<Change>,
    /// The change to record (what is left of it), if anything.
    pub apply: Option<Change>,
    /// Conflicts found or added to, whole.
    pub conflicts: Vec<Conflict>,
}

/// A change of a copy (its event `seq`) that could not be applied to the
/// file as it is: kept as a conflict with one side, which a person takes
/// (`theirs`, tried again) or leaves (`ours`).
pub fn unapplied(theirs: &Made, seq: i64) -> Conflict {
    let item_id = format!("{}#{seq}", theirs.origin);
    Conflict {
        key: format!("{item_id}.applied"),
        item_kind: "event".into(),
        item_id,
        field: "applied".into(),
        control_id: None,
        sides: vec![theirs.side(json!(theirs.change.kind().as_str()), false, Some(theirs.change.clone()))],
        current: Value::Null,
        resolution: None,
    }
}

/// What blocks finalizing: every conflict not decided.
pub fn blockers(conflicts: &[Conflict]) -> Vec<crate::model::review::Blocker> {
    conflicts
        .iter()
        .filter(|c| c.resolution.is_none())
        .map(|c| crate::model::review::Blocker {
            code: crate::error::ProblemCode::OpenConflict,
            item_kind: c.item_kind.clone(),
            item_id: c.item_id.clone(),
            level: None,
            message: format!("{}: the conflict from merging a field copy is not decided", c.key),
        })
        .collect()
}

/// Decides one of the copy's changes against what the file did since the
/// fork (`ours`) and the conflicts already open (`open`, by key), given
/// the control each item belongs to.
pub fn decide(
    ours: &mut Ours,
    open: &HashMap<String, Conflict>,
    theirs: &Made,
    control_of: &dyn Fn(&Item) -> Option<String>,
) -> Step {
    let e = effects(&theirs.change);
    let mut step = Step::default();
    let mut conflict = |item: &Item, field: &str, sides: Vec<ConflictSide>, current: Value| {
        let k = key(item, field);
        let mut c = match open.get(&k) {
            Some(c) if c.resolution.is_none() => c.clone(),
            _ => Conflict {
                key: k,
                item_kind: item.0.to_string(),
                item_id: item.1.clone(),
                field: field.to_string(),
                control_id: control_of(item),
                sides: Vec::new(),
                current: Value::Null,
                resolution: None,
            },
        };
        for side in sides {
            c.sides.retain(|s| s.origin != side.origin);
            c.sides.push(side);
        }
        c.sides.sort_by(|a, b| {
            (a.at.as_str(), crate::model::ids::code_number(&a.origin))
                .cmp(&(b.at.as_str(), crate::model::ids::code_number(&b.origin)))
        });
        c.current = current;
        step.conflicts.push(c);
    };

    // Items the file removed that this change writes or needs come back,
    // and the removal becomes a conflict.
    let needed: Vec<Item> = e.writes.iter().map(|w| w.item.clone()).chain(e.refers.iter().cloned()).collect();
    for item in needed {
        if let Some(removal) = ours.removed.remove(&item) {
            let sides = vec![
                removal.side(Value::Null, true, Some(removal.change.clone())),
                theirs.side(json!(true), false, None),
            ];
            conflict(&item, EXISTS, sides, json!(true));
            step.restore.extend(restoring(&removal.change));
            ours.touched.insert(item, removal);
        }
    }
    // An item both sides removed is removed once.
    if !e.removes.is_empty() && e.removes.iter().all(|item| ours.removed.contains_key(item)) {
        return step;
    }
    // A removal of an item the file changed is not applied: a conflict.
    for item in &e.removes {
        if let Some(kept) = ours.touched.get(item) {
            let sides =
                vec![kept.side(json!(true), false, None), theirs.side(Value::Null, true, Some(theirs.change.clone()))];
            conflict(item, EXISTS, sides, json!(true));
            return step;
        }
    }
    let mut dropped = Vec::new();
    for w in &e.writes {
        let k = w.key();
        let Some((ours_write, ours_made)) = ours.writes.get(&k) else { continue };
        if ours_write.value == w.value {
            continue;
        }
        let ours_side = ours_made.side(ours_write.value.clone(), false, Some(ours_made.change.clone()));
        let theirs_side = theirs.side(w.value.clone(), false, Some(without_others(&theirs.change, w)));
        let theirs_later = theirs.later_than(&ours_side);
        let current = if theirs_later { w.value.clone() } else { ours_write.value.clone() };
        // Sides already in an open conflict (from other copies) stay.
        let latest_open = open.get(&k).filter(|c| c.resolution.is_none()).and_then(|c| c.sides.last().cloned());
        let current = match latest_open {
            Some(s) if !theirs.later_than(&s) && s.at > ours_side.at => s.value,
            _ => current,
        };
        if !theirs_later {
            dropped.push(k);
        }
        conflict(&w.item, &w.field, vec![ours_side, theirs_side], current);
    }
    step.apply = without(&theirs.change, &dropped);
    step
}

/// The change that makes `side`'s value the item's, for a person's choice:
/// its own change, with the value before set to what the item holds now.
fn side_change(conflict: &Conflict, side: &ConflictSide) -> Option<Change> {
    let change = side.change.as_deref()?.clone();
    Some(with_before(change, &conflict.current))
}

fn with_before(change: Change, current: &Value) -> Change {
    let set = |changes: Vec<FieldChange>| -> Vec<FieldChange> {
        changes.into_iter().map(|c| FieldChange { before: current.clone(), ..c }).collect()
    };
    match change {
        Change::EngagementEdited { changes } => Change::EngagementEdited { changes: set(changes) },
        Change::ProcedureUpdated { id, changes } => Change::ProcedureUpdated { id, changes: set(changes) },
        Change::EvidenceEdited { id, changes } => Change::EvidenceEdited { id, changes: set(changes) },
        Change::PbcEdited { id, changes } => Change::PbcEdited { id, changes: set(changes) },
        Change::ExceptionEdited { id, after, .. } => {
            Change::ExceptionEdited { id, before: current.as_str().unwrap_or_default().to_string(), after }
        }
        other => other,
    }
}

/// A text typed by the person in place of every side's value, for a field
/// that holds text.
fn typed(conflict: &Conflict, text: &str) -> Result<Change> {
    let refused = || {
        crate::domain::refuse(
            "resolve",
            crate::error::ProblemCode::NotText,
            &[("key", conflict.key.clone())],
            format!("{} is not a text field; choose one side", conflict.key),
        )
    };
    let template = conflict.sides.iter().find_map(|s| s.change.as_deref()).ok_or_else(refused)?;
    let text = text.trim();
    let value = json!(text);
    let set = |changes: &[FieldChange]| -> Result<Vec<FieldChange>> {
        changes
            .iter()
            .map(|c| {
                if !c.after.is_string() && !c.after.is_null() {
                    return Err(refused());
                }
                Ok(FieldChange { field: c.field.clone(), before: conflict.current.clone(), after: value.clone() })
            })
            .collect()
    };
    Ok(match template {
        Change::EngagementEdited { changes } => Change::EngagementEdited { changes: set(changes)? },
        Change::ProcedureUpdated { id, changes } => Change::ProcedureUpdated { id: id.clone(), changes: set(changes)? },
        Change::EvidenceEdited { id, changes } => Change::EvidenceEdited { id: id.clone(), changes: set(changes)? },
        Change::PbcEdited { id, changes } => Change::PbcEdited { id: id.clone(), changes: set(changes)? },
        Change::ExceptionEdited { id, .. } => Change::ExceptionEdited {
            id: id.clone(),
            before: conflict.current.as_str().unwrap_or_default().to_string(),
            after: text.to_string(),
        },
        _ => return Err(refused()),
    })
}

/// What deciding `conflict` with `choice` records: the change that sets the
/// chosen value (none when the item holds it already), then the decision.
/// `removal_now` rebuilds a removal from the item as it is now (a removal
/// holds the whole item).
pub fn resolve(
    conflict: &Conflict,
    choice: &Choice,
    by: &str,
    at: String,
    removal_now: &dyn Fn(&Change) -> Result<Change>,
) -> Result<Vec<Change>> {
    if conflict.resolution.is_some() {
        return Err(crate::domain::refuse(
            "resolve",
            crate::error::ProblemCode::AlreadyResolved,
            &[("key", conflict.key.clone())],
            format!("{} was decided already", conflict.key),
        ));
    }
    let no_side = |what: String| {
        crate::domain::refuse(
            "resolve",
            crate::error::ProblemCode::NoSuchSide,
            &[("key", conflict.key.clone()), ("side", what.clone())],
            format!("{}: {what}", conflict.key),
        )
    };
    if conflict.field == "applied" {
        // A change that could not be applied: leave it, or try it again.
        let (chosen, retry) = match choice {
            Choice::Ours => ("ours", None),
            Choice::Theirs | Choice::Copy(_) => ("theirs", conflict.sides.first().and_then(|s| s.change.as_deref())),
            Choice::Text(_) => return Err(no_side("text".into())),
        };
        let mut changes: Vec<Change> = retry.cloned().into_iter().collect();
        let value = if retry.is_some() { json!(true) } else { json!(false) };
        changes.push(Change::ConflictResolved {
            key: conflict.key.clone(),
            resolution: Resolution { chosen: chosen.into(), value, by: by.into(), at },
        });
        return Ok(changes);
    }
    let (chosen, side) = match choice {
        Choice::Ours => {
            let side = conflict.sides.iter().find(|s| s.origin.is_empty()).or_else(|| conflict.sides.first());
            ("ours".to_string(), side.ok_or_else(|| no_side("ours".into()))?)
        }
        Choice::Theirs => {
            let side = conflict.sides.iter().rev().find(|s| !s.origin.is_empty());
            ("theirs".to_string(), side.ok_or_else(|| no_side("theirs".into()))?)
        }
        Choice::Copy(code) => {
            let side = conflict.sides.iter().find(|s| s.origin == *code);
            (code.clone(), side.ok_or_else(|| no_side(code.clone()))?)
        }
        Choice::Text(text) => {
            if text.trim().is_empty() {
                return Err(Error::required("resolve", "the value to keep is empty"));
            }
            let change = typed(conflict, text)?;
            let resolution = Resolution { chosen: "text".into(), value: json!(text.trim()), by: by.into(), at };
            return Ok(vec![change, Change::ConflictResolved { key: conflict.key.clone(), resolution }]);
        }
    };
    let mut changes = Vec::new();
    if side.removed {
        let removal = side.change.as_deref().ok_or_else(|| no_side(chosen.clone()))?;
        changes.push(removal_now(removal)?);
    } else if conflict.field != EXISTS {
        // Recorded even when the field seems to hold it already: a later
        // merge or edit may have changed it since the conflict was found,
        // and the decision must leave the field holding what was chosen.
        changes.extend(side_change(conflict, side));
    }
    let value = if side.removed { Value::Null } else { side.value.clone() };
    changes.push(Change::ConflictResolved {
        key: conflict.key.clone(),
        resolution: Resolution { chosen, value, by: by.into(), at },
    });
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn updated(id: &str, field: &str, after: &str) -> Change {
        Change::ProcedureUpdated {
            id: id.into(),
            changes: vec![FieldChange { field: field.into(), before: json!(""), after: json!(after) }],
        }
    }

    fn made(change: Change, at: &str, origin: &str) -> Made {
        Made { change, by: format!("by {origin}"), at: at.into(), origin: origin.into(), origin_name: String::new() }
    }

    fn control(item: &Item) -> Option<String> {
        item.1.rsplit_once("/P").map(|(c, _)| c.to_string())
    }

    #[test]
    fn different_fields_of_one_item_do_not_conflict() {
        let mut ours = Ours::default();
        ours.add(made(updated("9.2.1.2/P1", "work_done", "ours"), "2026-05-01T00:00:00.000Z", ""));
        let step = decide(
            &mut ours,
            &HashMap::new(),
            &made(updated("9.2.1.2/P1", "notes", "x"), "2026-05-02T00:00:00.000Z", "A"),
            &control,
        );
        assert!(step.conflicts.is_empty());
        assert_eq!(step.apply, Some(updated("9.2.1.2/P1", "notes", "x")));
    }

    #[test]
    fn one_field_changed_on_both_sides_keeps_both_values_and_the_later_stands() {
        let mut ours = Ours::default();
        ours.add(made(updated("9.2.1.2/P1", "work_done", "ours"), "2026-05-01T00:00:00.000Z", ""));
        let step = decide(
            &mut ours,
            &HashMap::new(),
            &made(updated("9.2.1.2/P1", "work_done", "theirs"), "2026-05-02T00:00:00.000Z", "A"),
            &control,
        );
        assert_eq!(step.conflicts.len(), 1);
        let c = &step.conflicts[0];
        assert_eq!(c.key, "9.2.1.2/P1.work_done");
        assert_eq!(c.control_id.as_deref(), Some("9.2.1.2"));
        let values: Vec<_> = c.sides.iter().map(|s| (s.origin.as_str(), s.value.clone())).collect();
        assert_eq!(values, [("", json!("ours")), ("A", json!("theirs"))]);
        assert_eq!(c.current, json!("theirs"));
        assert!(step.apply.is_some(), "the later value stands until decided");

        // The earlier of the two does not replace the later.
        let mut ours = Ours::default();
        ours.add(made(updated("9.2.1.2/P1", "work_done", "ours"), "2026-05-03T00:00:00.000Z", ""));
        let step = decide(
            &mut ours,
            &HashMap::new(),
            &made(updated("9.2.1.2/P1", "work_done", "theirs"), "2026-05-02T00:00:00.000Z", "A"),
            &control,
        );
        assert_eq!(step.apply, None);
        assert_eq!(step.conflicts[0].current, json!("ours"));
    }

    #[test]
    fn removing_what_the_other_side_changed_is_a_conflict_and_the_item_stays() {
        let procedure: crate::model::procedure::Procedure = serde_json::from_value(json!({
            "id": "9.2.1.2/P1", "control_id": "9.2.1.2", "kind": "inquiry", "evaluation": "design",
            "text_ja": "質問", "text_en": "", "assignee": null, "work_done": "", "result": null, "notes": "",
            "exceptions": []
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let removal = Change::ProcedureRemoved { procedure: Box::new(procedure) };
        // The copy removed it; the file changed it.
        let mut ours = Ours::default();
        ours.add(made(updated("9.2.1.2/P1", "work_done", "ours"), "2026-05-01T00:00:00.000Z", ""));
        let step =
            decide(&mut ours, &HashMap::new(), &made(removal.clone(), "2026-05-02T00:00:00.000Z", "A"), &control);
        assert_eq!(step.apply, None);
        assert_eq!(step.conflicts[0].key, "9.2.1.2/P1.exists");
        assert!(step.conflicts[0].sides[1].removed);
        // The file removed it; the copy changed it: it comes back.
        let mut ours = Ours::default();
        ours.add(made(removal.clone(), "2026-05-01T00:00:00.000Z", ""));
        let step = decide(
            &mut ours,
            &HashMap::new(),
            &made(updated("9.2.1.2/P1", "work_done", "theirs"), "2026-05-02T00:00:00.000Z", "A"),
            &control,
        );
        assert_eq!(step.restore.len(), 1);
        assert!(matches!(step.restore[0], Change::ProcedureAdded { .. }));
        assert!(step.apply.is_some());
        assert_eq!(step.conflicts[0].key, "9.2.1.2/P1.exists");
        assert!(step.conflicts[0].sides[0].removed);
    }

    #[test]
    fn a_decision_records_the_chosen_value_then_itself() {
        let mut ours = Ours::default();
        ours.add(made(updated("9.2.1.2/P1", "work_done", "ours"), "2026-05-01T00:00:00.000Z", ""));
        let step = decide(
            &mut ours,
            &HashMap::new(),
            &made(updated("9.2.1.2/P1", "work_done", "theirs"), "2026-05-02T00:00:00.000Z", "A"),
            &control,
        );
        let c = &step.conflicts[0];
        let no_removal = |_: &Change| -> Result<Change> { unreachable!() };
        let ours_chosen = resolve(c, &Choice::Ours, "mgr", "t".into(), &no_removal).unwrap();
        assert_eq!(ours_chosen.len(), 2);
        assert!(
            matches!(&ours_chosen[0], Change::ProcedureUpdated { changes, .. } if changes[0].after == json!("ours") && changes[0].before == json!("theirs"))
        );
        let theirs_chosen = resolve(c, &Choice::Theirs, "mgr", "t".into(), &no_removal).unwrap();
        assert_eq!(theirs_chosen.len(), 2, "the chosen value is recorded even when the item seems to hold it");
        assert!(
            matches!(&theirs_chosen[0], Change::ProcedureUpdated { changes, .. } if changes[0].after == json!("theirs"))
        );
        let typed = resolve(c, &Choice::Text(" 両方を確認した ".into()), "mgr", "t".into(), &no_removal).unwrap();
        assert!(
            matches!(&typed[0], Change::ProcedureUpdated { changes, .. } if changes[0].after == json!("両方を確認した"))
        );
        assert!(resolve(c, &Choice::Copy("Q".into()), "mgr", "t".into(), &no_removal).is_err());
        assert!(resolve(c, &Choice::Text("  ".into()), "mgr", "t".into(), &no_removal).is_err());
    }
}

//! Field copies and merging them back (docs/team-fieldwork.md): what a copy
//! is, the conflicts a merge finds and how one was decided.

use serde::{Deserialize, Serialize};

use super::event::Change;

/// A field copy as the file it was made from records it: for whom, when,
/// by whom, its code (the letters its IDs carry, `model::ids`) and the
/// controls whose evidence it carries (all when `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldCopy {
    /// A UUID, the same in the file and in the copy.
    pub id: String,
    pub code: String,
    pub for_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controls: Option<Vec<String>>,
    pub made_at: String,
    pub made_by: String,
}

/// Where a copy forked from its file: the last event both hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Fork {
    /// The copy's record (`FieldCopy::id`).
    pub copy_id: String,
    /// The name of the file the copy was made from, to show in its header.
    pub source_name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    pub hash: String,
}

/// A copy as a file knows it: the file that issued it sees when it was last
/// merged; the copy itself (`here`) sees where it forked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CopyRecord {
    pub copy: FieldCopy,
    /// This file is that copy.
    pub here: bool,
    pub fork: Option<Fork>,
    /// The copy's last event merged (0: never merged).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub merged_through: i64,
    /// The hash of that event, as the last merge recorded it.
    #[serde(default)]
    pub merged_head: Option<String>,
    pub last_merged_at: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub merges: i64,
}

/// A merge recorded: which copy, up to which of its events (the copy's head
/// hash, so that both histories stay provable), which events of this file
/// it brought in, and the conflicts it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MergeRecord {
    pub copy_id: String,
    pub code: String,
    pub for_name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub copy_head_seq: i64,
    pub copy_head_hash: String,
    /// This file's events from this one up to the merge event came from
    /// the copy (or were recorded because of it).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub first_seq: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub imported: u32,
    pub conflicts: Vec<String>,
}

/// One side of a conflict: a value, who gave it, when, and from where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictSide {
    /// The copy's code, or empty for a change made in this file itself.
    pub origin: String,
    /// For whom that copy was made (empty for this file).
    pub origin_name: String,
    /// The value this side gave (`null` when it removed the item).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub value: serde_json::Value,
    pub removed: bool,
    pub by: String,
    pub at: String,
    /// The change that makes this side's value the item's, recorded when
    /// a person chooses it.
    #[cfg_attr(feature = "ts", ts(skip))]
    pub change: Option<Box<Change>>,
}

/// Both sides of one field of one item that a merge found changed on both
/// sides since the fork. Until decided, the item shows 「競合あり」 and
/// finalizing is blocked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conflict {
    /// `ITEM.FIELD`, e.g. `9.2.1.2/P1.work_done`: what `merge --resolve` names.
    pub key: String,
    pub item_kind: String,
    pub item_id: String,
    pub field: String,
    /// The control the item belongs to, when it belongs to one.
    pub control_id: Option<String>,
    /// One side per origin, oldest first.
    pub sides: Vec<ConflictSide>,
    /// The value the item holds until a person decides: the latest side's
    /// (an item removed on one side and changed on the other is kept).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub current: serde_json::Value,
    pub resolution: Option<Resolution>,
}

/// How a conflict was decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Resolution {
    /// `ours`, `theirs`, a copy's code, or `text` (a value typed by the person).
    pub chosen: String,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub value: serde_json::Value,
    pub by: String,
    pub at: String,
}

/// What a person decides for one conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "choose", content = "value", rename_all = "snake_case")]
pub enum Choice {
    /// This file's own side (else the oldest side).
    Ours,
    /// The side of the copy merged last.
    Theirs,
    /// The side of the copy with this code.
    Copy(String),
    /// A value typed by the person, for a text field.
    Text(String),
}

/// What a merge did, for the person who ran it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MergeOutcome {
    pub code: String,
    pub for_name: String,
    /// The copy's events brought in by this merge (0: nothing new).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub imported: u32,
    /// Evidence contents the file did not hold yet, and their bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new_contents: u32,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new_content_bytes: u64,
    /// Conflicts this merge found (every open one is in `open_conflicts`).
    pub conflicts: Vec<String>,
    pub open_conflicts: Vec<Conflict>,
    /// The copy's head, as recorded by the merge event.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub copy_head_seq: i64,
    pub copy_head_hash: String,
}

//! Review: sign-offs with the content they covered, review notes, and
//! finalizing. The rules that need no storage live here.

use serde::{Deserialize, Serialize};

use super::engagement::Role;
use super::event::FieldChange;

text_enum!(
    /// The levels of sign-off, in the order they are given.
    SignOffLevel {
        /// The person who did the work (作成者).
        Preparer = "preparer",
        /// The first reviewer (査閲者).
        Reviewer = "reviewer",
        /// The second-level reviewer, when the engagement requires one.
        SecondReviewer = "second_reviewer",
    }
);

text_enum!(
    /// What can be signed off.
    SignableKind { Procedure = "procedure", Control = "control" }
);

text_enum!(
    /// What a review note can be left on.
    NoteTargetKind { Control = "control", Procedure = "procedure", Exception = "exception", Evidence = "evidence" }
);

text_enum!(
    /// A review note's life: open → answered → cleared.
    NoteStatus { Open = "open", Answered = "answered", Cleared = "cleared" }
);

impl SignOffLevel {
    /// The levels an engagement requires, in order.
    pub fn required(second_review: bool) -> &'static [SignOffLevel] {
        if second_review {
            &[SignOffLevel::Preparer, SignOffLevel::Reviewer, SignOffLevel::SecondReviewer]
        } else {
            &[SignOffLevel::Preparer, SignOffLevel::Reviewer]
        }
    }

    /// The level that must be in place before this one.
    pub fn previous(self) -> Option<SignOffLevel> {
        match self {
            SignOffLevel::Preparer => None,
            SignOffLevel::Reviewer => Some(SignOffLevel::Preparer),
            SignOffLevel::SecondReviewer => Some(SignOffLevel::Reviewer),
        }
    }

    /// Whether a team member of `role` may sign at this level. Anyone on the
    /// team prepares; reviewers, managers and partners review; the second
    /// level is for managers and partners.
    pub fn allows(self, role: Role) -> bool {
        match self {
            SignOffLevel::Preparer => true,
            SignOffLevel::Reviewer => matches!(role, Role::Reviewer | Role::Manager | Role::Partner),
            SignOffLevel::SecondReviewer => matches!(role, Role::Manager | Role::Partner),
        }
    }
}

/// Who may reopen a finalized engagement.
pub fn may_reopen(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Partner)
}

/// A sign-off as stored: who signed what, at which level, and the SHA-256
/// of the item's content at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignOff {
    pub item_kind: SignableKind,
    pub item_id: String,
    pub level: SignOffLevel,
    pub signer: String,
    pub role: Role,
    pub at: String,
    pub content_sha256: String,
    /// Set when the sign-off no longer stands: the item changed after it
    /// (for reviewers) or it was withdrawn.
    pub withdrawn: Option<Withdrawal>,
    /// The signer's signature, by their key on the roster
    /// (`domain::roster::signoff_message`); none for a signer without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<super::roster::KeySignature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Withdrawal {
    pub reason: String,
    pub at: String,
    /// The event that withdrew it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
}

/// A sign-off as the file keeps it: the sign-off, the item's content as
/// signed (JSON, to show what changed since), the event that recorded it,
/// and for a preparer the event that changed the item afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSignOff {
    pub signoff: SignOff,
    pub content: String,
    pub seq: i64,
    pub changed_seq: Option<i64>,
}

/// Where an item's review stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewState {
    pub item_kind: SignableKind,
    pub item_id: String,
    /// The standing sign-off of each level, in level order.
    pub signoffs: Vec<SignOff>,
    pub required: Vec<SignOffLevel>,
    /// The item changed after its preparer signed it.
    pub changed_after_signoff: bool,
    /// What changed since the preparer's sign-off, field by field.
    pub changes: Vec<FieldChange>,
    /// Signed at every required level and unchanged since.
    pub complete: bool,
    /// The level it needs next: the preparer's again after a change,
    /// otherwise the first required level without a standing sign-off;
    /// `None` when complete. Whether the acting person may give it is in
    /// their rights (`may_sign`).
    pub next: Option<SignOffLevel>,
}

/// A review note (レビューノート) and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewNote {
    /// `RN-001`, numbered per engagement.
    pub id: String,
    pub target_kind: NoteTargetKind,
    pub target_id: String,
    pub text: String,
    pub author: String,
    pub created_at: String,
    pub status: NoteStatus,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    pub cleared_by: Option<String>,
    pub cleared_at: Option<String>,
}

/// One reason an engagement cannot be finalized yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Blocker {
    /// `no_result`, `not_signed`, `changed_after_signoff`, `open_note`,
    /// `log_mismatch`.
    pub code: crate::error::ProblemCode,
    /// `procedure`, `control` or `note`.
    pub item_kind: String,
    pub item_id: String,
    /// For `not_signed`: the missing level.
    pub level: Option<SignOffLevel>,
    /// In English, for logs and scripts.
    pub message: String,
}

/// Whether an engagement can be finalized, and what still blocks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FinalizeCheck {
    pub ready: bool,
    pub blockers: Vec<Blocker>,
    /// Texts that read like assurance or an opinion, which the report does
    /// not give: warnings, not blockers.
    pub wording: Vec<WordingHit>,
}

/// A text of the workpapers that contains an assurance-like phrase of the
/// firm's list (`store::wording`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WordingHit {
    /// `procedure`, `exception` or `note`.
    pub item_kind: String,
    pub item_id: String,
    /// `work_done`, `notes`, `text` or `answer`.
    pub field: String,
    /// The phrase of the list found there.
    pub phrase: String,
}

/// The engagement's lock, once finalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Finalization {
    pub by: String,
    pub at: String,
}

/// Review at a glance: the dashboard's and review screen's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewSummary {
    pub second_review: bool,
    pub finalized: Option<Finalization>,
    /// Items (procedures of in-scope controls, and assessable controls) to sign.
    pub items: u32,
    /// Of those, signed at every required level and unchanged.
    pub complete: u32,
    pub changed_after_signoff: u32,
    /// Of those, signed by their preparer and waiting for a reviewer (査閲待ち).
    pub awaiting_review: u32,
    pub open_notes: u32,
    /// Every item's review state (only those with a sign-off or a note).
    pub states: Vec<ReviewState>,
    pub notes: Vec<ReviewNote>,
}

text_enum!(
    /// The lists of the reviewer's work queue (レビュー待ち行列), one per
    /// reason an item is not done with: each item not yet complete is in
    /// exactly one of the first three, and each note not cleared in the last.
    QueueCategory {
        /// Signed by its preparer and waiting for a reviewer's sign-off (査閲待ち).
        AwaitingReview = "awaiting_review",
        /// Changed after its preparer signed: to be signed again (署名後に変更あり).
        ChangedAfterSignoff = "changed_after_signoff",
        /// A review note not yet cleared (未解消のレビューノート).
        OpenNote = "open_note",
        /// Not yet signed by its preparer, its workpaper perhaps incomplete (未完了).
        Incomplete = "incomplete",
    }
);

/// One row of the work queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueRow {
    pub category: QueueCategory,
    /// `procedure`, `control` or `note`.
    pub item_kind: String,
    pub item_id: String,
    /// The control to open for it, when known (a note on evidence linked to
    /// nothing has none).
    pub control_id: Option<String>,
    /// The sign-off level it waits for (none for notes).
    pub level: Option<SignOffLevel>,
    /// Why it is in the queue, as blocker codes: `not_signed`,
    /// `changed_after_signoff`, `open_note`, or what its workpaper lacks
    /// (`no_result`, `no_work_done`, ...).
    pub codes: Vec<crate::error::ProblemCode>,
    /// Whether it waits for the person the queue was asked for: a level they
    /// may sign and did not sign below, their own assigned work, a note to
    /// answer on their work or to clear as its author.
    pub mine: bool,
    /// For a note: its status and text.
    pub note_status: Option<NoteStatus>,
    pub text: String,
}

/// How many rows a list of the queue holds, for everyone and for the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueCount {
    pub category: QueueCategory,
    pub all: u32,
    pub mine: u32,
}

/// The work queue of one person: every row, with `mine` set for theirs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewQueue {
    pub person: String,
    /// The levels the person may sign on this engagement.
    pub levels: Vec<SignOffLevel>,
    /// One count per list, in the order of `QueueCategory`.
    pub counts: Vec<QueueCount>,
    pub rows: Vec<QueueRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_each_other_and_roles_limit_who_signs() {
        assert_eq!(SignOffLevel::required(false), [SignOffLevel::Preparer, SignOffLevel::Reviewer]);
        assert_eq!(SignOffLevel::required(true).len(), 3);
        assert_eq!(SignOffLevel::Reviewer.previous(), Some(SignOffLevel::Preparer));
        assert!(SignOffLevel::Preparer.allows(Role::Assessor));
        assert!(!SignOffLevel::Reviewer.allows(Role::Assessor));
        assert!(SignOffLevel::Reviewer.allows(Role::Reviewer));
        assert!(!SignOffLevel::SecondReviewer.allows(Role::Reviewer));
        assert!(SignOffLevel::SecondReviewer.allows(Role::Partner));
        assert!(may_reopen(Role::Manager) && !may_reopen(Role::Reviewer));
    }
}

//! The event spine's vocabulary: who acts, when, and what changed.
//!
//! Every mutation of an engagement is described by one [`Change`]; the change
//! and the state it produces are written in one transaction by
//! [`crate::store::events::record`], the only code that appends events.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::engagement::{EngagementFields, ProgramRules};
use super::evidence::{Evidence, EvidenceLink, PbcRequest, Removal};
use super::procedure::{ExceptionRecord, InheritedService, Procedure, ProcedureLibrary, ScopeDecision};
use super::representation::{Representation, SubsequentEvent, SubsequentReview};
use super::review::{Finalization, ReviewNote, SignOff, SignOffLevel, SignableKind};
use super::sampling::{GridCell, Population, Sample, SampleItem, TestAttribute, Tickmark};

/// The person on whose behalf a change is made. Passed in by the front end
/// (the CLI's `--as`, the app's profile), never guessed by the core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
}

impl Actor {
    pub fn new(name: impl Into<String>) -> Self {
        Actor { name: name.into() }
    }

    /// The person acting when a front end has no name of its own for them
    /// (`given`: the CLI's `--actor`, the app's profile): `$WORKBENCH_USER`,
    /// then the login name, then `unknown`. The same in every front end, so
    /// that the log names the same person whichever one recorded a change.
    pub fn or_from_environment(given: Option<String>) -> Actor {
        let name = given.filter(|n| !n.trim().is_empty()).or_else(Actor::environment_name);
        Actor::new(name.unwrap_or_else(|| "unknown".to_string()))
    }

    /// `$WORKBENCH_USER`, else the login name, when either is set.
    pub fn environment_name() -> Option<String> {
        ["WORKBENCH_USER", "USER", "USERNAME"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|n| !n.trim().is_empty())
    }
}

/// Where the time comes from. Domain code never reads the system clock
/// itself, so that tests and generated files are reproducible.
pub trait Clock: std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// Today in Japan, where the audits are: the date that decides what is
    /// overdue and the default report date, whatever the machine's zone.
    fn today_in_japan(&self) -> chrono::NaiveDate {
        (self.now() + chrono::Duration::hours(9)).date_naive()
    }
}

/// The day in Japan of a recorded time (`format_time`), e.g. of a
/// finalization; `None` when the text is not such a time.
pub fn japan_date_of(time: &str) -> Option<chrono::NaiveDate> {
    let at = DateTime::parse_from_rfc3339(time).ok()?;
    Some((at.with_timezone(&Utc) + chrono::Duration::hours(9)).date_naive())
}

/// The real clock, for front ends.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that returns a set time and moves on by one millisecond a call, so
/// that events keep a strict order.
#[derive(Debug)]
pub struct FixedClock {
    next: std::sync::Mutex<DateTime<Utc>>,
}

impl FixedClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        FixedClock { next: std::sync::Mutex::new(start) }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        let mut next = self.next.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = *next;
        *next = now + chrono::Duration::milliseconds(1);
        now
    }
}

/// The actor and clock of one front-end request.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub actor: &'a Actor,
    pub clock: &'a dyn Clock,
}

/// Formats event times: UTC, milliseconds, always the same length, so that
/// the stored text (which is hashed) has one spelling per instant.
pub fn format_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A recorded time (RFC 3339) as people in Japan read it, to the minute
/// and with the zone named (`2026-04-01 09:30 JST`), whatever the machine's
/// time zone; the text as it is when it is not a time. Japan keeps no
/// summer time, so the offset is fixed.
pub fn shown_in_japan(at: &str) -> String {
    match (DateTime::parse_from_rfc3339(at), chrono::FixedOffset::east_opt(9 * 3600)) {
        (Ok(t), Some(japan)) => t.with_timezone(&japan).format("%Y-%m-%d %H:%M JST").to_string(),
        _ => at.to_string(),
    }
}

/// The catalog an engagement was created from, as recorded in its first event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogRef {
    pub name: String,
    pub version: String,
    pub content_sha256: String,
    pub item_count: usize,
}

/// A field that an edit changed, with its values before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldChange {
    pub field: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// Every kind of change to an engagement. The serialised form (tag `kind`)
/// is what the event log stores; variants are only ever added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    EngagementCreated {
        engagement_uuid: String,
        fields: Box<EngagementFields>,
        rules: ProgramRules,
        catalog: CatalogRef,
        /// The procedure library the engagement was planned with (`name@version`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        procedure_library: Option<String>,
        /// How many procedures were planned from it.
        #[serde(default, skip_serializing_if = "is_zero")]
        procedures_planned: usize,
        /// The procedure library itself, so that the planned procedures
        /// follow from the log alone (replay). Files made before it was
        /// recorded name only the library, and replay takes the bundled one
        /// of that name and version.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        library: Option<Box<ProcedureLibrary>>,
        /// The catalog itself (its hash is `catalog.content_sha256`), so that
        /// replay rebuilds the frozen copy from the log and names any item
        /// changed in it. Files made before it was recorded hold only the
        /// hash, against which their frozen copy is checked whole.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        catalog_content: Option<Box<super::catalog::Catalog>>,
    },
    EngagementEdited {
        changes: Vec<FieldChange>,
    },
    ScopeSet {
        control_id: String,
        decision: ScopeDecision,
        reason: String,
        before: ScopeDecision,
        /// For `inherited`: the registered service it is taken over from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inherited_from: Option<InheritedService>,
    },
    ProcedureAdded {
        procedure: Box<Procedure>,
    },
    ProcedureUpdated {
        id: String,
        changes: Vec<FieldChange>,
    },
    /// The removed procedure is kept in full, so the history shows what it was.
    ProcedureRemoved {
        procedure: Box<Procedure>,
    },
    ExceptionAdded {
        exception: ExceptionRecord,
    },
    ExceptionEdited {
        id: String,
        before: String,
        after: String,
    },
    ExceptionRemoved {
        exception: ExceptionRecord,
    },
    /// An evidence item taken in. Its content is addressed by the SHA-256
    /// recorded here, so the log vouches for the content too.
    EvidenceAdded {
        evidence: Box<Evidence>,
        /// False when identical content was already stored (and is shared).
        new_content: bool,
    },
    EvidenceEdited {
        id: String,
        changes: Vec<FieldChange>,
    },
    EvidenceLinked {
        id: String,
        link: EvidenceLink,
    },
    EvidenceUnlinked {
        id: String,
        link: EvidenceLink,
    },
    /// The item is withdrawn from the engagement; its record and content stay.
    EvidenceRemoved {
        id: String,
        removal: Removal,
    },
    PbcAdded {
        request: PbcRequest,
    },
    PbcEdited {
        id: String,
        changes: Vec<FieldChange>,
    },
    /// A sign-off, with the item's content as signed (its hash is in `signoff`).
    SignedOff {
        signoff: SignOff,
        content: serde_json::Value,
    },
    /// A signed item changed (by event `by_seq`): the preparer's sign-off is
    /// marked, and the reviewers' sign-offs listed are withdrawn.
    ChangedAfterSignOff {
        item_kind: SignableKind,
        item_id: String,
        by_seq: i64,
        at: String,
        withdrawn: Vec<SignOffLevel>,
    },
    NoteAdded {
        note: ReviewNote,
    },
    NoteAnswered {
        id: String,
        answer: String,
        by: String,
        at: String,
    },
    NoteCleared {
        id: String,
        by: String,
        at: String,
    },
    /// From here on every change is refused until a manager reopens.
    EngagementFinalized {
        finalization: Finalization,
        /// The manager's signature, when they hold a key on the roster
        /// (`domain::roster::finalize_message`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<super::roster::KeySignature>,
    },
    EngagementReopened {
        reason: String,
        by: String,
        at: String,
        /// The manager's signature, when they hold a key on the roster.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<super::roster::KeySignature>,
    },
    /// A procedure's population, kept whole in the event so that the state
    /// stays a function of the log. Replaces an earlier one only while no
    /// sample is drawn from it.
    PopulationImported {
        population: Box<Population>,
    },
    SampleSelected {
        sample: Box<Sample>,
    },
    SampleItemAdded {
        procedure_id: String,
        item: SampleItem,
    },
    /// A sample set aside (with its reason) before any of it was tested.
    SampleDiscarded {
        sample: Box<Sample>,
        reason: String,
    },
    AttributeAdded {
        procedure_id: String,
        attribute: TestAttribute,
    },
    AttributeEdited {
        procedure_id: String,
        key: String,
        before: String,
        after: String,
    },
    AttributeRemoved {
        procedure_id: String,
        attribute: TestAttribute,
    },
    /// A grid cell entered, changed or emptied (`after: None`).
    CellSet {
        procedure_id: String,
        no: u32,
        attribute: String,
        before: Option<GridCell>,
        after: Option<GridCell>,
    },
    TickmarkSet {
        tickmark: Tickmark,
        before: Option<Tickmark>,
    },
    /// The written representation recorded, or recorded again (`before`).
    RepresentationRecorded {
        representation: Box<Representation>,
        before: Option<Box<Representation>>,
    },
    SubsequentEventAdded {
        event: SubsequentEvent,
    },
    SubsequentEventRemoved {
        event: SubsequentEvent,
    },
    /// A manager states that subsequent events were considered up to a date.
    SubsequentEventsConsidered {
        review: SubsequentReview,
    },
    /// A control changed during the period (CC2022 §2.2.4, KB0010866).
    ControlChangeRecorded {
        change: super::change::ControlChange,
    },
    /// A change recorded by mistake, taken back.
    ControlChangeRemoved {
        change: super::change::ControlChange,
    },
    /// A field copy made for one team member (docs/team-fieldwork.md).
    FieldCopyIssued {
        copy: super::copy::FieldCopy,
    },
    /// In the copy itself, its first own event: this file is that copy,
    /// forked from its file after event `fork.seq`.
    FieldCopyOpened {
        fork: super::copy::Fork,
    },
    /// A copy's events brought in; they are this file's events from
    /// `merge.first_seq` up to this one.
    CopyMerged {
        merge: super::copy::MergeRecord,
    },
    /// A field both sides changed since the fork, found by a merge.
    ConflictFound {
        conflict: Box<super::copy::Conflict>,
    },
    /// A member's public key added to the roster, signed by a manager.
    MemberKeyAdded {
        key: super::roster::MemberKey,
    },
    /// A key taken off the roster, signed by a manager.
    MemberKeyRemoved {
        removal: super::roster::KeyRemoval,
    },
    /// A person decided a conflict (the change that sets the chosen value,
    /// when one was needed, is the event before).
    ConflictResolved {
        key: String,
        resolution: super::copy::Resolution,
    },
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

text_enum!(
    /// The kind of an event: which change of `Change` it records.
    EventKind {
        EngagementCreated = "engagement_created",
        EngagementEdited = "engagement_edited",
        ScopeSet = "scope_set",
        ProcedureAdded = "procedure_added",
        ProcedureUpdated = "procedure_updated",
        ProcedureRemoved = "procedure_removed",
        ExceptionAdded = "exception_added",
        ExceptionEdited = "exception_edited",
        ExceptionRemoved = "exception_removed",
        EvidenceAdded = "evidence_added",
        EvidenceEdited = "evidence_edited",
        EvidenceLinked = "evidence_linked",
        EvidenceUnlinked = "evidence_unlinked",
        EvidenceRemoved = "evidence_removed",
        PbcAdded = "pbc_added",
        PbcEdited = "pbc_edited",
        SignedOff = "signed_off",
        ChangedAfterSignOff = "changed_after_signoff",
        NoteAdded = "note_added",
        NoteAnswered = "note_answered",
        NoteCleared = "note_cleared",
        EngagementFinalized = "engagement_finalized",
        EngagementReopened = "engagement_reopened",
        PopulationImported = "population_imported",
        SampleSelected = "sample_selected",
        SampleItemAdded = "sample_item_added",
        SampleDiscarded = "sample_discarded",
        AttributeAdded = "attribute_added",
        AttributeEdited = "attribute_edited",
        AttributeRemoved = "attribute_removed",
        CellSet = "cell_set",
        TickmarkSet = "tickmark_set",
        RepresentationRecorded = "representation_recorded",
        SubsequentEventAdded = "subsequent_event_added",
        SubsequentEventRemoved = "subsequent_event_removed",
        SubsequentEventsConsidered = "subsequent_events_considered",
        ControlChangeRecorded = "control_change_recorded",
        ControlChangeRemoved = "control_change_removed",
        FieldCopyIssued = "field_copy_issued",
        FieldCopyOpened = "field_copy_opened",
        CopyMerged = "copy_merged",
        ConflictFound = "conflict_found",
        ConflictResolved = "conflict_resolved",
        MemberKeyAdded = "member_key_added",
        MemberKeyRemoved = "member_key_removed",
    }
);

impl Change {
    pub fn kind(&self) -> EventKind {
        match self {
            Change::EngagementCreated { .. } => EventKind::EngagementCreated,
            Change::EngagementEdited { .. } => EventKind::EngagementEdited,
            Change::ScopeSet { .. } => EventKind::ScopeSet,
            Change::ProcedureAdded { .. } => EventKind::ProcedureAdded,
            Change::ProcedureUpdated { .. } => EventKind::ProcedureUpdated,
            Change::ProcedureRemoved { .. } => EventKind::ProcedureRemoved,
            Change::ExceptionAdded { .. } => EventKind::ExceptionAdded,
            Change::ExceptionEdited { .. } => EventKind::ExceptionEdited,
            Change::ExceptionRemoved { .. } => EventKind::ExceptionRemoved,
            Change::EvidenceAdded { .. } => EventKind::EvidenceAdded,
            Change::EvidenceEdited { .. } => EventKind::EvidenceEdited,
            Change::EvidenceLinked { .. } => EventKind::EvidenceLinked,
            Change::EvidenceUnlinked { .. } => EventKind::EvidenceUnlinked,
            Change::EvidenceRemoved { .. } => EventKind::EvidenceRemoved,
            Change::PbcAdded { .. } => EventKind::PbcAdded,
            Change::PbcEdited { .. } => EventKind::PbcEdited,
            Change::SignedOff { .. } => EventKind::SignedOff,
            Change::ChangedAfterSignOff { .. } => EventKind::ChangedAfterSignOff,
            Change::NoteAdded { .. } => EventKind::NoteAdded,
            Change::NoteAnswered { .. } => EventKind::NoteAnswered,
            Change::NoteCleared { .. } => EventKind::NoteCleared,
            Change::EngagementFinalized { .. } => EventKind::EngagementFinalized,
            Change::EngagementReopened { .. } => EventKind::EngagementReopened,
            Change::PopulationImported { .. } => EventKind::PopulationImported,
            Change::SampleSelected { .. } => EventKind::SampleSelected,
            Change::SampleItemAdded { .. } => EventKind::SampleItemAdded,
            Change::SampleDiscarded { .. } => EventKind::SampleDiscarded,
            Change::AttributeAdded { .. } => EventKind::AttributeAdded,
            Change::AttributeEdited { .. } => EventKind::AttributeEdited,
            Change::AttributeRemoved { .. } => EventKind::AttributeRemoved,
            Change::CellSet { .. } => EventKind::CellSet,
            Change::TickmarkSet { .. } => EventKind::TickmarkSet,
            Change::RepresentationRecorded { .. } => EventKind::RepresentationRecorded,
            Change::SubsequentEventAdded { .. } => EventKind::SubsequentEventAdded,
            Change::SubsequentEventRemoved { .. } => EventKind::SubsequentEventRemoved,
            Change::SubsequentEventsConsidered { .. } => EventKind::SubsequentEventsConsidered,
            Change::ControlChangeRecorded { .. } => EventKind::ControlChangeRecorded,
            Change::ControlChangeRemoved { .. } => EventKind::ControlChangeRemoved,
            Change::FieldCopyIssued { .. } => EventKind::FieldCopyIssued,
            Change::FieldCopyOpened { .. } => EventKind::FieldCopyOpened,
            Change::CopyMerged { .. } => EventKind::CopyMerged,
            Change::ConflictFound { .. } => EventKind::ConflictFound,
            Change::ConflictResolved { .. } => EventKind::ConflictResolved,
            Change::MemberKeyAdded { .. } => EventKind::MemberKeyAdded,
            Change::MemberKeyRemoved { .. } => EventKind::MemberKeyRemoved,
        }
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EventRecord {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    /// One of `EventKind`'s texts in an intact log (what is stored and hashed).
    #[cfg_attr(feature = "ts", ts(as = "EventKind"))]
    pub kind: String,
    pub payload: String,
    pub actor: String,
    pub at: String,
    pub prev_hash: String,
    pub hash: String,
    /// The field copy the change was made on, when a merge brought it in
    /// (derived from the merge events; not stored or hashed).
    pub from_copy: Option<CopyOrigin>,
}

/// Which field copy a change came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CopyOrigin {
    pub code: String,
    pub for_name: String,
}

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an event: SHA-256 over its sequence number and each stored
/// field, each field prefixed by its length so that no two different events
/// can be spelt the same. Documented in ARCHITECTURE.md; a verifier in any
/// language can recompute it.
pub fn event_hash(seq: i64, kind: &str, payload: &str, actor: &str, at: &str, prev_hash: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"ismap-workbench-event-v1");
    hasher.update(seq.to_be_bytes());
    for field in [kind, payload, actor, at, prev_hash] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    lower_hex(&hasher.finalize())
}

/// Lowercase hex of a digest, written straight into its string: `log
/// verify` spells 30,000 of them, and a char-by-char encoder was a
/// noticeable part of its time.
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_times_are_shown_in_japan_to_the_minute_with_the_zone_named() {
        // 15:30 UTC on 31 March is half past midnight on 1 April in Japan (UTC+9, no summer time).
        assert_eq!(shown_in_japan("2026-03-31T15:30:00.000Z"), "2026-04-01 00:30 JST");
        assert_eq!(shown_in_japan("2026-04-01T09:00:00+09:00"), "2026-04-01 09:00 JST");
        assert_eq!(shown_in_japan("not a time"), "not a time");
    }

    #[test]
    fn the_hash_depends_on_every_field_and_on_field_boundaries() {
        let base = event_hash(1, "k", "{}", "a", "t", GENESIS_HASH);
        assert_eq!(base.len(), 64);
        assert_ne!(base, event_hash(2, "k", "{}", "a", "t", GENESIS_HASH));
        assert_ne!(base, event_hash(1, "x", "{}", "a", "t", GENESIS_HASH));
        assert_ne!(base, event_hash(1, "k", "{ }", "a", "t", GENESIS_HASH));
        assert_ne!(base, event_hash(1, "k", "{}", "b", "t", GENESIS_HASH));
        assert_ne!(base, event_hash(1, "k", "{}", "a", "u", GENESIS_HASH));
        assert_ne!(base, event_hash(1, "k", "{}", "a", "t", &"1".repeat(64)));
        // Moving a character from one field to the next must change the hash.
        assert_ne!(event_hash(1, "ab", "c", "a", "t", ""), event_hash(1, "a", "bc", "a", "t", ""));
    }

    #[test]
    fn the_hash_matches_an_independent_computation() {
        // Computed with Python's hashlib over the documented byte layout:
        // tag, seq as 8 big-endian bytes, then each field as its 8-byte
        // big-endian length and its UTF-8 bytes.
        let expected = "e022b49358d6fea32784daf6ea159263f102d71839cf432580822b44e77e5834";
        assert_eq!(event_hash(7, "kind", "{\"a\":1}", "佐藤", "2026-01-01T00:00:00.000Z", GENESIS_HASH), expected);
    }

    #[test]
    fn times_have_one_spelling() {
        let at = DateTime::parse_from_rfc3339("2026-04-01T09:00:00+09:00").unwrap().with_timezone(&Utc);
        assert_eq!(format_time(at), "2026-04-01T00:00:00.000Z");
    }
}

//! `apply`: the one writer of an engagement's state tables. Each event's
//! change is turned into state here, by the aggregate it concerns; the live
//! path (`api::execute`) and replay (`store::replay`) call the same code, so
//! that the state is a function of the log.

use rusqlite::Transaction;

use crate::error::{Error, Result};
use crate::model::catalog::Catalog;
use crate::model::event::Change;

/// What `apply` knows of an event besides its change: its place in the log
/// and its time, which some state records (a sign-off's event number, the
/// engagement's creation time).
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventMeta<'a> {
    pub seq: i64,
    pub at: &'a str,
}

/// Writes the state `change` produces. The creation of an engagement also
/// needs its catalog, which its event names by content hash rather than
/// holding: see [`apply_creation`].
pub(crate) fn apply(tx: &Transaction<'_>, event: EventMeta<'_>, change: &Change) -> Result<()> {
    match change {
        Change::EngagementCreated { .. } => {
            Err(Error::invalid("event", "an engagement is created only with its catalog (apply_creation)"))
        }
        Change::EngagementEdited { .. } => super::engagement_file::apply(tx, change),
        Change::ScopeSet { .. }
        | Change::ProcedureAdded { .. }
        | Change::ProcedureUpdated { .. }
        | Change::ProcedureRemoved { .. }
        | Change::ExceptionAdded { .. }
        | Change::ExceptionEdited { .. }
        | Change::ExceptionRemoved { .. } => super::work::apply(tx, change),
        Change::EvidenceAdded { .. }
        | Change::EvidenceEdited { .. }
        | Change::EvidenceLinked { .. }
        | Change::EvidenceUnlinked { .. }
        | Change::EvidenceRemoved { .. }
        | Change::PbcAdded { .. }
        | Change::PbcEdited { .. } => super::evidence::apply(tx, change),
        Change::SignedOff { .. }
        | Change::ChangedAfterSignOff { .. }
        | Change::NoteAdded { .. }
        | Change::NoteAnswered { .. }
        | Change::NoteCleared { .. }
        | Change::EngagementFinalized { .. }
        | Change::EngagementReopened { .. } => super::review::apply(tx, event, change),
        Change::PopulationImported { .. }
        | Change::SampleSelected { .. }
        | Change::SampleItemAdded { .. }
        | Change::SampleDiscarded { .. }
        | Change::AttributeAdded { .. }
        | Change::AttributeEdited { .. }
        | Change::AttributeRemoved { .. }
        | Change::CellSet { .. }
        | Change::TickmarkSet { .. } => super::sampling::apply(tx, change),
        Change::RepresentationRecorded { .. }
        | Change::SubsequentEventAdded { .. }
        | Change::SubsequentEventRemoved { .. }
        | Change::SubsequentEventsConsidered { .. } => super::closing::apply(tx, change),
        Change::ControlChangeRecorded { .. } | Change::ControlChangeRemoved { .. } => super::change::apply(tx, change),
        Change::FieldCopyIssued { .. }
        | Change::FieldCopyOpened { .. }
        | Change::CopyMerged { .. }
        | Change::ConflictFound { .. }
        | Change::ConflictResolved { .. } => super::copies::apply(tx, event, change),
        Change::MemberKeyAdded { .. } | Change::MemberKeyRemoved { .. } => super::roster::apply(tx, change),
    }
}

/// Writes the state of an engagement's creation: its row, the frozen copy
/// of its catalog (which must be the one the event names by hash) and the
/// procedures planned from its library.
pub(crate) fn apply_creation(
    tx: &Transaction<'_>,
    event: EventMeta<'_>,
    change: &Change,
    catalog: &Catalog,
) -> Result<()> {
    super::engagement_file::apply_creation(tx, event, change, catalog)
}

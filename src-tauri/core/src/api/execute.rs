//! `execute`: the one path of every change to an engagement. It owns the
//! only write transaction (`BEGIN IMMEDIATE`, so that the app and the CLI
//! writing the same file wait for each other rather than fail): it reads
//! the state a decision needs and decides (`domain`), appends each change
//! to the event log, applies it (`store::apply`), lets the sign-off watcher
//! mark what the change touched, and commits, all or nothing.

use std::path::Path;

use rusqlite::Transaction;

use crate::domain;
use crate::error::{Error, Result};
use crate::model::event::{format_time, Change, Context, EventRecord};
use crate::store::apply::{apply, EventMeta};
use crate::store::engagement_file::EngagementFile;
use crate::store::{self, events, Access};

/// What one request decided.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    /// The changes to record, in order.
    pub changes: Vec<Change>,
    /// A procedure whose result follows its test grid once the changes are
    /// applied (sampling requests).
    pub grid_of: Option<String>,
}

impl From<Vec<Change>> for Decision {
    fn from(changes: Vec<Change>) -> Self {
        Decision { changes, grid_of: None }
    }
}

/// Opens `path` to change it, refusing a finalized engagement before any
/// check of the change itself, so that every mutating call says `locked`
/// (the log refuses it again, whatever the path), and runs one request.
///
/// `decide` reads what it needs from the transaction and returns the
/// decision; it writes nothing, except evidence content, which is stored
/// beside the log and addressed by the hash its event records. `reply`
/// reads the answer once the change is committed, given the events of the
/// decided changes (not those the sign-off watcher or the grid added).
pub(crate) fn execute<T>(
    path: &Path,
    ctx: Context<'_>,
    decide: impl FnOnce(&Transaction<'_>) -> Result<Decision>,
    reply: impl FnOnce(&EngagementFile, &[EventRecord]) -> Result<T>,
) -> Result<T> {
    let mut file = writable(path)?;
    run(&mut file, ctx, decide, reply)
}

/// Like [`execute`], for the one request allowed on a finalized
/// engagement: reopening it.
pub(crate) fn execute_on_locked<T>(
    path: &Path,
    ctx: Context<'_>,
    decide: impl FnOnce(&Transaction<'_>) -> Result<Decision>,
    reply: impl FnOnce(&EngagementFile, &[EventRecord]) -> Result<T>,
) -> Result<T> {
    let mut file = EngagementFile::open(path, Access::Write)?;
    run(&mut file, ctx, decide, reply)
}

/// Opens an engagement to change it: a finalized one is refused with
/// `locked` at once.
pub(crate) fn writable(path: &Path) -> Result<EngagementFile> {
    let file = EngagementFile::open(path, Access::Write)?;
    if file.finalization()?.is_some() {
        return Err(Error::Locked);
    }
    Ok(file)
}

pub(crate) fn run<T>(
    file: &mut EngagementFile,
    ctx: Context<'_>,
    decide: impl FnOnce(&Transaction<'_>) -> Result<Decision>,
    reply: impl FnOnce(&EngagementFile, &[EventRecord]) -> Result<T>,
) -> Result<T> {
    let path = file.path().to_path_buf();
    let located = |e: Error| match e {
        Error::Storage(s) => Error::from_sqlite_at(&path, s),
        other => other,
    };
    let tx = file
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| Error::from_sqlite_at(&path, e))?;
    let events = (|| {
        let decision = decide(&tx)?;
        let mut events = Vec::with_capacity(decision.changes.len());
        for change in &decision.changes {
            events.push(record(&tx, ctx, change)?);
        }
        if let Some(procedure_id) = &decision.grid_of {
            let sampling = store::sampling::procedure_sampling(&tx, procedure_id)?;
            if let Some(change) = domain::sampling::follow_grid(&sampling) {
                record(&tx, ctx, &change)?;
            }
        }
        Ok(events)
    })()
    .map_err(located)?;
    tx.commit().map_err(|e| Error::from_sqlite_at(&path, e))?;
    reply(file, &events).map_err(located)
}

/// Records one change: its event, its state, the log's new head, and what
/// it does to signed items (`domain::review::changed_after_signoff`), each
/// mark an event of its own.
pub(crate) fn record(tx: &Transaction<'_>, ctx: Context<'_>, change: &Change) -> Result<EventRecord> {
    let event = append_and_apply(tx, ctx, change)?;
    // A sign-off covers the item as its signer saw it. One recorded from
    // elsewhere (a field copy merged, a merge conflict decided) may cover a
    // content the item no longer has here: it is marked at once, as for
    // any change after sign-off. A sign-off made here matches, and stays.
    let mut items = store::review::touched(tx, change)?;
    if let Change::SignedOff { signoff, .. } = change {
        items.push((signoff.item_kind, signoff.item_id.clone()));
    }
    for (kind, id) in items {
        let rows = store::review::rows_of(tx, kind, &id)?;
        // Only items whose preparer's sign-off stands unmarked can be marked.
        let signed = domain::review::standing(&rows, crate::model::review::SignOffLevel::Preparer);
        if signed.is_none_or(|s| s.changed_seq.is_some()) {
            continue;
        }
        // A removed item has no content left: it changed, like any other.
        let now = match store::review::content_of(tx, kind, &id) {
            Ok(content) => Some(domain::review::content_hash(&content)),
            Err(Error::NotFound { .. }) => None,
            Err(other) => return Err(other),
        };
        let at = || format_time(ctx.clock.now());
        if let Some(marked) = domain::review::changed_after_signoff(kind, &id, &rows, now.as_deref(), event.seq, at) {
            append_and_apply(tx, ctx, &marked)?;
        }
    }
    Ok(event)
}

fn append_and_apply(tx: &Transaction<'_>, ctx: Context<'_>, change: &Change) -> Result<EventRecord> {
    let event = events::append(tx, ctx, change)?;
    apply(tx, EventMeta { seq: event.seq, at: &event.at }, change)?;
    events::set_head(tx, &event)?;
    Ok(event)
}

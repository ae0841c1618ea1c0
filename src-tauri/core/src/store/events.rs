//! The event log: the only code that appends events, and the verifier that
//! recomputes the chain. Replaying the log into state is `store::replay`.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::error::Result;
use crate::model::event::{event_hash, format_time, Change, Context, EventRecord, GENESIS_HASH};

/// Appends `change` as the next event, in the caller's transaction, and
/// moves the engagement's recorded head to it. The only code that writes
/// the `event` table; [`crate::api::execute`] applies the change's state
/// right after, in the same transaction.
pub(crate) fn append(tx: &Transaction<'_>, ctx: Context<'_>, change: &Change) -> Result<EventRecord> {
    // A finalized engagement refuses every change but its reopening and a
    // manager's consideration of subsequent events (which runs up to the
    // report date and changes no workpaper). This is the one door every
    // change passes, so no command can slip by.
    if !matches!(
        change,
        Change::EngagementReopened { .. }
            | Change::EngagementCreated { .. }
            | Change::SubsequentEventsConsidered { .. }
    ) {
        let finalized: Option<String> =
            tx.query_row("SELECT finalized_at FROM engagement WHERE id = 1", [], |r| r.get(0)).optional()?.flatten();
        if finalized.is_some() {
            return Err(crate::error::Error::Locked);
        }
    }
    let (head_seq, prev_hash): (i64, String) = tx
        .query_row("SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, GENESIS_HASH.to_string()));
    let seq = head_seq + 1;
    let payload = serde_json::to_string(change).map_err(|e| crate::error::Error::invalid("event", e.to_string()))?;
    let actor = ctx.actor.name.clone();
    let at = format_time(ctx.clock.now());
    let kind = change.kind().to_string();
    let hash = event_hash(seq, &kind, &payload, &actor, &at, &prev_hash);
    tx.prepare_cached(
        "INSERT INTO event (seq, kind, payload, actor, at, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![seq, kind, payload, actor, at, prev_hash, hash])?;
    Ok(EventRecord { seq, kind, payload, actor, at, prev_hash, hash, from_copy: None })
}

/// Records the head of the log in the engagement row, after the event's
/// state is applied (the creation event makes the row).
pub(crate) fn set_head(tx: &Transaction<'_>, event: &EventRecord) -> Result<()> {
    let updated =
        tx.execute("UPDATE engagement SET head_seq = ?1, head_hash = ?2 WHERE id = 1", params![event.seq, event.hash])?;
    if updated != 1 {
        // The first event creates the engagement row when it is applied; a
        // missing row afterwards means the state write and the log disagree.
        return Err(crate::error::Error::invalid("engagement", "no engagement row to record the event against"));
    }
    Ok(())
}

/// What `log verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChainReport {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: i64,
    pub head_hash: String,
    /// The first event that does not match, if any; every event before it is intact.
    pub first_broken: Option<BrokenEvent>,
    /// Where the stored state differs from the state the log gives when
    /// replayed (a change made around the log), first difference first.
    pub differences: Vec<super::replay::Difference>,
    /// Signed items whose stored content no longer matches what was signed,
    /// with no event to explain it.
    pub signoff_problems: Vec<SignOffProblem>,
    /// The head a signed report or package recorded, when the check was
    /// asked to expect one (`log verify --expect-head`).
    pub expected_head: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignOffProblem {
    pub item_kind: String,
    pub item_id: String,
    pub level: String,
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BrokenEvent {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    pub kind: String,
    pub at: String,
    pub reason: String,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
            && self.differences.is_empty()
            && self.signoff_problems.is_empty()
            && self.expected_head.as_ref().is_none_or(|h| *h == self.head_hash)
    }
}

/// Walks the log in one pass, streaming: recomputes every event's hash,
/// checks the links between them and the recorded head, and hands each
/// intact event's change (parsed once) to `each`, in order, until the first
/// event that does not match.
pub(crate) fn walk(
    conn: &rusqlite::Connection,
    mut each: impl FnMut(i64, &str, Change) -> Result<()>,
) -> Result<ChainReport> {
    let mut stmt = conn.prepare("SELECT seq, kind, payload, actor, at, prev_hash, hash FROM event ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1;
    let mut prev = GENESIS_HASH.to_string();
    let mut count = 0;
    let broken =
        |seq, kind: &str, at: &str, reason: String| BrokenEvent { seq, kind: kind.into(), at: at.into(), reason };
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        // Columns are read as raw values, borrowed: a tampered row may hold a
        // blob or a number where text belongs, which must be reported, not
        // crash; valid text is not copied.
        let text = |i: usize| -> std::borrow::Cow<'_, str> {
            match row.get_ref(i) {
                Ok(rusqlite::types::ValueRef::Text(t)) => match std::str::from_utf8(t) {
                    Ok(valid) => std::borrow::Cow::Borrowed(valid),
                    Err(_) => String::from_utf8_lossy(t),
                },
                Ok(other) => format!("{other:?}").into(),
                Err(e) => e.to_string().into(),
            }
        };
        let (kind, payload, actor, at, prev_hash, hash) = (text(1), text(2), text(3), text(4), text(5), text(6));
        let problem = if seq != expected_seq {
            Some(format!("event {expected_seq} is missing (the next stored event is {seq})"))
        } else if *prev_hash != *prev {
            Some("its link to the previous event does not match (an event before it was removed or replaced)".into())
        } else if event_hash(seq, &kind, &payload, &actor, &at, &prev_hash) != hash {
            Some("its content does not match its hash (the event was changed)".into())
        } else {
            match serde_json::from_str::<Change>(&payload) {
                Err(_) => Some("its payload is not a change this version knows".into()),
                // The kind column names what the payload is; one that says
                // otherwise would hide the event from checks that go by kind.
                Ok(change) if change.kind().as_str() != &*kind => {
                    Some(format!("its kind column says {kind} but its payload is {}", change.kind().as_str()))
                }
                Ok(change) => {
                    each(seq, &at, change)?;
                    None
                }
            }
        };
        if let Some(reason) = problem {
            return Ok(ChainReport {
                events: count,
                head_hash: prev,
                first_broken: Some(broken(expected_seq.min(seq), &kind, &at, reason)),
                differences: Vec::new(),
                signoff_problems: Vec::new(),
                expected_head: None,
            });
        }
        prev = hash.into_owned();
        expected_seq += 1;
        count += 1;
    }
    let (head_seq, head_hash): (i64, String) =
        conn.query_row("SELECT head_seq, head_hash FROM engagement WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if head_seq != count || head_hash != prev {
        let reason = format!(
            "the engagement records {head_seq} events ending in {}, but the log holds {count} ending in {} (events were removed from the end)",
            short(&head_hash),
            short(&prev)
        );
        return Ok(ChainReport {
            events: count,
            head_hash: prev,
            first_broken: Some(broken(count + 1, "", "", reason)),
            differences: Vec::new(),
            signoff_problems: Vec::new(),
            expected_head: None,
        });
    }
    Ok(ChainReport {
        events: count,
        head_hash: prev,
        first_broken: None,
        differences: Vec::new(),
        signoff_problems: Vec::new(),
        expected_head: None,
    })
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

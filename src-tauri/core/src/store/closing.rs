//! The written representation and the subsequent events: their state rows
//! (each the JSON of its model) and `apply` for their changes.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::model::event::Change;
use crate::model::representation::{ClosingView, Representation, SubsequentEvent, SubsequentReview};

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::invalid("event", e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("{what}: {e}").into())
    })
}

pub(crate) fn apply(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    match change {
        Change::RepresentationRecorded { representation, .. } => {
            super::exec(
                tx,
                "INSERT INTO representation (id, content) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET content = excluded.content",
                [json(representation.as_ref())?],
            )?;
            Ok(())
        }
        Change::SubsequentEventAdded { event } => {
            super::exec(
                tx,
                "INSERT INTO subsequent_event (id, ord, content)
                 VALUES (?1, (SELECT COALESCE(MAX(ord), 0) + 1 FROM subsequent_event), ?2)",
                params![event.id, json(event)?],
            )?;
            Ok(())
        }
        Change::SubsequentEventRemoved { event } => {
            if super::exec(tx, "DELETE FROM subsequent_event WHERE id = ?1", [&event.id])? == 0 {
                return Err(Error::NotFound { what: "subsequent event", id: event.id.clone() });
            }
            Ok(())
        }
        Change::SubsequentEventsConsidered { review } => {
            super::exec(
                tx,
                "INSERT INTO subsequent_review (id, content) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET content = excluded.content",
                [json(review)?],
            )?;
            Ok(())
        }
        _ => Err(Error::invalid("event", "not a change of the representation or the subsequent events")),
    }
}

pub fn representation(conn: &Connection) -> Result<Option<Representation>> {
    let text: Option<String> =
        conn.query_row("SELECT content FROM representation WHERE id = 1", [], |r| r.get(0)).optional()?;
    Ok(text.map(|t| parse(&t, "representation")).transpose()?)
}

pub fn subsequent_events(conn: &Connection) -> Result<Vec<SubsequentEvent>> {
    let mut stmt = conn.prepare_cached("SELECT content FROM subsequent_event ORDER BY ord")?;
    let rows = stmt.query_map([], |r| parse::<SubsequentEvent>(&r.get::<_, String>(0)?, "subsequent event"))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn subsequent_review(conn: &Connection) -> Result<Option<SubsequentReview>> {
    let text: Option<String> =
        conn.query_row("SELECT content FROM subsequent_review WHERE id = 1", [], |r| r.get(0)).optional()?;
    Ok(text.map(|t| parse(&t, "consideration of subsequent events")).transpose()?)
}

/// The number of the next subsequent event (`SE-001`, ...): one above the
/// highest ever given, so that a removed one's number is not reused.
pub(crate) fn next_event_id(conn: &Connection) -> Result<String> {
    let code = super::copies::own_code(conn)?;
    let highest = super::copies::highest_in_events(conn, "subsequent_event_added", "$.event.id", "SE-", &code)?;
    Ok(crate::model::ids::next("SE-", &code, 3, highest))
}

pub fn view(conn: &Connection) -> Result<ClosingView> {
    Ok(ClosingView {
        representation: representation(conn)?,
        subsequent_events: subsequent_events(conn)?,
        subsequent_review: subsequent_review(conn)?,
    })
}

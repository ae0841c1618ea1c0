//! Controls changed during the period: their state rows (each the JSON of
//! its model) and `apply` for their changes.

use rusqlite::{params, Connection};

use crate::error::{Error, Result};
use crate::model::change::{ControlChange, ControlVersion};
use crate::model::event::Change;

fn parse(text: &str) -> rusqlite::Result<ControlChange> {
    serde_json::from_str(text).map_err(|e| {
        let start: String = text.chars().take(40).flat_map(char::escape_debug).collect();
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("a control change that is not one (\"{start}…\"): {e}").into(),
        )
    })
}

pub(crate) fn apply(tx: &rusqlite::Transaction<'_>, change: &Change) -> Result<()> {
    match change {
        Change::ControlChangeRecorded { change } => {
            let content = serde_json::to_string(change).map_err(|e| Error::invalid("event", e.to_string()))?;
            super::exec(
                tx,
                "INSERT INTO control_change (id, control_id, content) VALUES (?1, ?2, ?3)",
                params![change.id, change.control_id, content],
            )?;
            Ok(())
        }
        Change::ControlChangeRemoved { change } => {
            if super::exec(tx, "DELETE FROM control_change WHERE id = ?1", [&change.id])? == 0 {
                return Err(Error::NotFound { what: "control change", id: change.id.clone() });
            }
            Ok(())
        }
        _ => Err(Error::invalid("event", "not a change of a control's versions")),
    }
}

/// The changes of one control, by the date each took effect.
pub fn changes_of(conn: &Connection, control_id: &str) -> Result<Vec<ControlChange>> {
    let mut stmt = conn.prepare_cached("SELECT content FROM control_change WHERE control_id = ?1")?;
    let rows = stmt.query_map([control_id], |r| parse(&r.get::<_, String>(0)?))?;
    let mut changes: Vec<ControlChange> = rows.collect::<rusqlite::Result<_>>()?;
    changes.sort_by(|a, b| (a.effective, &a.id).cmp(&(b.effective, &b.id)));
    Ok(changes)
}

/// Every change of every control, by control and date.
pub fn all_changes(conn: &Connection) -> Result<Vec<ControlChange>> {
    let mut stmt = conn.prepare_cached("SELECT content FROM control_change")?;
    let rows = stmt.query_map([], |r| parse(&r.get::<_, String>(0)?))?;
    let mut changes: Vec<ControlChange> = rows.collect::<rusqlite::Result<_>>()?;
    changes.sort_by(|a, b| (&a.control_id, a.effective).cmp(&(&b.control_id, b.effective)));
    Ok(changes)
}

pub fn change(conn: &Connection, id: &str) -> Result<ControlChange> {
    let mut stmt = conn.prepare_cached("SELECT content FROM control_change WHERE id = ?1")?;
    let mut rows = stmt.query_map([id], |r| parse(&r.get::<_, String>(0)?))?;
    match rows.next() {
        Some(row) => Ok(row?),
        None => Err(Error::NotFound { what: "control change", id: id.to_string() }),
    }
}

/// The number of the next change (`CHG-001`, ...): one above the highest
/// ever given, so that a removed one's number is not reused.
pub(crate) fn next_change_id(conn: &Connection) -> Result<String> {
    let code = super::copies::own_code(conn)?;
    let highest = super::copies::highest_in_events(conn, "control_change_recorded", "$.change.id", "CHG-", &code)?;
    Ok(crate::model::ids::next("CHG-", &code, 3, highest))
}

/// The versions `changes` make over the engagement's period (none if empty).
pub fn versions(conn: &Connection, changes: &[ControlChange]) -> Result<Vec<ControlVersion>> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let period = super::engagement_file::read_fields(conn)?.period;
    Ok(crate::model::change::versions(period.start, period.end, changes))
}

/// The versions of one control over the period, if it changed.
pub fn versions_of(conn: &Connection, control_id: &str) -> Result<Vec<ControlVersion>> {
    versions(conn, &changes_of(conn, control_id)?)
}

//! The roster of public keys: its state (written by `apply`) and reads.
//! What may change it and how signatures are checked is `domain::roster`.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::model::event::Change;
use crate::model::roster::RosterEntry;

pub(crate) fn apply(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    match change {
        Change::MemberKeyAdded { key } => {
            let entry = RosterEntry { key: key.clone(), removal: None };
            super::exec(
                tx,
                "INSERT INTO member_key (fingerprint, name, active, content) VALUES (?1, ?2, 1, ?3)",
                params![key.fingerprint, key.name, to_json(&entry)?],
            )?;
            Ok(())
        }
        Change::MemberKeyRemoved { removal } => {
            let mut entry = entry(tx, &removal.fingerprint)?
                .ok_or_else(|| Error::NotFound { what: "signing key", id: removal.fingerprint.clone() })?;
            entry.removal = Some(removal.clone());
            super::exec(
                tx,
                "UPDATE member_key SET active = 0, content = ?2 WHERE fingerprint = ?1",
                params![removal.fingerprint, to_json(&entry)?],
            )?;
            Ok(())
        }
        _ => Err(Error::invalid("event", "not a change of the roster")),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::invalid("event", e.to_string()))
}

fn parse(text: &str) -> rusqlite::Result<RosterEntry> {
    serde_json::from_str(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

pub fn entry(conn: &Connection, fingerprint: &str) -> Result<Option<RosterEntry>> {
    Ok(conn
        .prepare_cached("SELECT content FROM member_key WHERE fingerprint = ?1")?
        .query_row([fingerprint], |r| parse(&r.get::<_, String>(0)?))
        .optional()?)
}

/// Every key of the roster, active and removed, by name.
pub fn roster(conn: &Connection) -> Result<Vec<RosterEntry>> {
    let mut stmt = conn.prepare_cached("SELECT content FROM member_key ORDER BY name, fingerprint")?;
    let rows = stmt.query_map([], |r| parse(&r.get::<_, String>(0)?))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every signature of the log that does not hold (`domain::roster::check`),
/// as `log verify` reports sign-off problems.
pub(crate) fn signature_problems(conn: &Connection) -> Result<Vec<super::events::SignOffProblem>> {
    let uuid = super::engagement_file::uuid_of(conn)?;
    // The kind column is checked against the payload by `events::walk`, so
    // choosing events by it chooses what the payloads say.
    let mut stmt = conn.prepare(
        "SELECT seq, prev_hash, payload FROM event
         WHERE kind IN ('signed_off', 'member_key_added', 'member_key_removed', 'engagement_finalized',
                        'engagement_reopened')
         ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut events = Vec::new();
    for row in rows {
        let (seq, prev_hash, payload) = row?;
        if let Ok(change) = serde_json::from_str::<Change>(&payload) {
            events.push((seq, prev_hash, change));
        }
    }
    Ok(crate::domain::roster::check(&uuid, events.iter().map(|(seq, prev, c)| (*seq, prev.as_str(), c)))
        .into_iter()
        .map(|p| super::events::SignOffProblem {
            item_kind: p.item_kind,
            item_id: p.item_id,
            level: p.level,
            problem: p.problem,
        })
        .collect())
}

//! Field copies and merge conflicts: their state (written by `apply`) and
//! reads. Merging itself is `api::merge`; what conflicts is `domain::merge`.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::apply::EventMeta;
use crate::error::{Error, Result};
use crate::model::copy::{Conflict, CopyRecord};
use crate::model::event::Change;

pub(crate) fn apply(tx: &Transaction<'_>, event: EventMeta<'_>, change: &Change) -> Result<()> {
    match change {
        Change::FieldCopyIssued { copy } => {
            let record = CopyRecord {
                copy: copy.clone(),
                here: false,
                fork: None,
                merged_through: 0,
                merged_head: None,
                last_merged_at: None,
                merges: 0,
            };
            write(
                tx,
                "INSERT INTO field_copy (id, code, here, content) VALUES (?1, ?2, 0, ?3)",
                params![copy.id, copy.code, to_json(&record)?],
            )
        }
        Change::FieldCopyOpened { fork } => {
            let mut record = copy(tx, &fork.copy_id)?;
            record.here = true;
            record.fork = Some(fork.clone());
            write(
                tx,
                "UPDATE field_copy SET here = 1, content = ?2 WHERE id = ?1",
                params![fork.copy_id, to_json(&record)?],
            )
        }
        Change::CopyMerged { merge } => {
            let mut record = copy(tx, &merge.copy_id)?;
            record.merged_through = merge.copy_head_seq;
            record.merged_head = Some(merge.copy_head_hash.clone());
            record.last_merged_at = Some(event.at.to_string());
            record.merges += 1;
            write(tx, "UPDATE field_copy SET content = ?2 WHERE id = ?1", params![merge.copy_id, to_json(&record)?])
        }
        Change::ConflictFound { conflict } => write(
            tx,
            "INSERT OR REPLACE INTO merge_conflict (key, item_kind, item_id, control_id, open, content)
             VALUES (?1, ?2, ?3, ?4, 1, ?5)",
            params![conflict.key, conflict.item_kind, conflict.item_id, conflict.control_id, to_json(conflict)?],
        ),
        Change::ConflictResolved { key, resolution } => {
            let mut conflict = conflict(tx, key)?;
            conflict.current = resolution.value.clone();
            conflict.resolution = Some(resolution.clone());
            write(
                tx,
                "UPDATE merge_conflict SET open = 0, content = ?2 WHERE key = ?1",
                params![key, to_json(&conflict)?],
            )
        }
        _ => Err(Error::invalid("event", "not a change of field copies")),
    }
}

fn write<P: rusqlite::Params>(tx: &Transaction<'_>, sql: &str, params: P) -> Result<()> {
    super::exec(tx, sql, params)?;
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::invalid("event", e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// The code of this file's own IDs: the copy's code in a field copy, empty
/// in the engagement file itself (`model::ids`).
pub(crate) fn own_code(conn: &Connection) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT code FROM field_copy WHERE here = 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// The highest number of `code` among the IDs (at `path` in the payload)
/// of every event of `kind`: for lists whose removed items leave their
/// number in the log only.
pub(crate) fn highest_in_events(conn: &Connection, kind: &str, path: &str, prefix: &str, code: &str) -> Result<i64> {
    let mut stmt = conn.prepare_cached("SELECT json_extract(payload, ?2) FROM event WHERE kind = ?1")?;
    let ids = stmt.query_map(params![kind, path], |r| r.get::<_, Option<String>>(0))?;
    let mut found = Vec::new();
    for id in ids {
        found.extend(id?);
    }
    Ok(crate::model::ids::highest(found, prefix, code))
}

/// The control an item belongs to: a control itself, a procedure's, an
/// exception's procedure's, a sample item's procedure's.
pub(crate) fn control_of(conn: &Connection, item: &crate::domain::merge::Item) -> Option<String> {
    let of_procedure = |p: &str| p.rsplit_once("/P").map(|(c, _)| c.to_string());
    match item.0 {
        "control" => Some(item.1.clone()),
        "procedure" => of_procedure(&item.1),
        // An exception removed here is known by the events that added and
        // removed it, so that a conflict on it names its control whichever
        // order copies were merged in.
        "exception" => match super::work::read_exception(conn, &item.1) {
            Ok(e) => of_procedure(&e.procedure_id),
            Err(_) => conn
                .query_row(
                    "SELECT json_extract(payload, '$.exception.procedure_id') FROM event
                     WHERE kind IN ('exception_added', 'exception_removed')
                       AND json_extract(payload, '$.exception.id') = ?1
                     ORDER BY seq DESC LIMIT 1",
                    [&item.1],
                    |r| r.get::<_, Option<String>>(0),
                )
                .ok()
                .flatten()
                .and_then(|p| of_procedure(&p)),
        },
        _ => None,
    }
}

/// The events each merge brought in: from its first event up to (not
/// including) the merge event, with the copy they came from.
pub(crate) fn merge_ranges(conn: &Connection) -> Result<Vec<(i64, i64, crate::model::event::CopyOrigin)>> {
    let mut stmt = conn.prepare_cached("SELECT seq, payload FROM event WHERE kind = 'copy_merged' ORDER BY seq")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut ranges = Vec::new();
    for row in rows {
        let (seq, payload) = row?;
        if let Ok(Change::CopyMerged { merge }) = serde_json::from_str::<Change>(&payload) {
            let origin = crate::model::event::CopyOrigin { code: merge.code, for_name: merge.for_name };
            ranges.push((merge.first_seq, seq, origin));
        }
    }
    Ok(ranges)
}

/// The copy an event came from, if a merge brought it in (the marks and
/// conflicts the merge itself recorded are the file's own).
pub(crate) fn origin_of(
    ranges: &[(i64, i64, crate::model::event::CopyOrigin)],
    event: &crate::model::event::EventRecord,
) -> Option<crate::model::event::CopyOrigin> {
    if matches!(event.kind.as_str(), "changed_after_signoff" | "conflict_found") {
        return None;
    }
    ranges.iter().find(|(first, last, _)| (*first..*last).contains(&event.seq)).map(|r| r.2.clone())
}

/// One copy this file knows.
pub fn copy(conn: &Connection, id: &str) -> Result<CopyRecord> {
    conn.prepare_cached("SELECT content FROM field_copy WHERE id = ?1")?
        .query_row([id], |r| parse(&r.get::<_, String>(0)?))
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "field copy", id: id.to_string() })
}

/// Every copy this file knows, in the order made (by code).
pub fn copies(conn: &Connection) -> Result<Vec<CopyRecord>> {
    let mut stmt = conn.prepare_cached("SELECT content FROM field_copy")?;
    let mut all =
        stmt.query_map([], |r| parse::<CopyRecord>(&r.get::<_, String>(0)?))?.collect::<rusqlite::Result<Vec<_>>>()?;
    all.sort_by_key(|c| crate::model::ids::code_number(&c.copy.code));
    Ok(all)
}

/// This file as a copy, when it is one.
pub fn this_copy(conn: &Connection) -> Result<Option<CopyRecord>> {
    Ok(copies(conn)?.into_iter().find(|c| c.here))
}

pub fn conflict(conn: &Connection, key: &str) -> Result<Conflict> {
    conn.prepare_cached("SELECT content FROM merge_conflict WHERE key = ?1")?
        .query_row([key], |r| parse(&r.get::<_, String>(0)?))
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "conflict", id: key.to_string() })
}

/// Every conflict, open ones only unless `all`, by key.
pub fn conflicts(conn: &Connection, all: bool) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare_cached("SELECT content FROM merge_conflict WHERE open = 1 OR ?1 ORDER BY key")?;
    let rows = stmt.query_map([all], |r| parse::<Conflict>(&r.get::<_, String>(0)?))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The controls with an open conflict on them or their procedures.
pub fn controls_in_conflict(conn: &Connection) -> Result<std::collections::BTreeSet<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT DISTINCT control_id FROM merge_conflict WHERE open = 1 AND control_id IS NOT NULL")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

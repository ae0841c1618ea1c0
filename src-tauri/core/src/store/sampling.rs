//! Sampling inside an engagement file: populations, samples, test grids
//! and the tickmark legend (reads, and `apply` of their changes), and the
//! firm's sample-size table in the data folder. The rules are
//! `domain::sampling`; the method for people is `docs/sampling.md`.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::json;

use super::engagement_file::EngagementFile;
use super::work::read_procedure;
use crate::domain::sampling::ProcedureSampling;
use crate::error::{Error, FieldProblem, ProblemCode, Result};
use crate::model::event::Change;
use crate::model::sampling::{
    items_hash, CellResult, Frequency, GridCell, ItemOrigin, Population, PopulationItem, PopulationSummary, Sample,
    SampleItem, SampleRuleTable, SamplingState, TestAttribute, Tickmark,
};

fn json_error(e: serde_json::Error) -> Error {
    Error::invalid("record", e.to_string())
}

// ---- State from changes ---------------------------------------------------------

pub(crate) fn apply(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    match change {
        Change::PopulationImported { population: p } => {
            super::exec(tx, "DELETE FROM population_item WHERE procedure_id = ?1", [&p.procedure_id])?;
            super::exec(tx, "DELETE FROM population WHERE procedure_id = ?1", [&p.procedure_id])?;
            let record = Population { items: Vec::new(), ..(**p).clone() };
            super::exec(
                tx,
                "INSERT INTO population (procedure_id, record) VALUES (?1, ?2)",
                params![p.procedure_id, serde_json::to_string(&record).map_err(json_error)?],
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO population_item (procedure_id, row, item_id, date, description, extra, out_of_period)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for item in &p.items {
                insert.execute(params![
                    p.procedure_id,
                    item.row,
                    item.item_id,
                    item.date.map(|d| d.to_string()),
                    item.description,
                    serde_json::to_string(&item.extra).map_err(json_error)?,
                    item.out_of_period
                ])?;
            }
            Ok(())
        }
        Change::SampleSelected { sample } => {
            let record = Sample { items: Vec::new(), ..(**sample).clone() };
            super::exec(
                tx,
                "INSERT INTO sample (procedure_id, record) VALUES (?1, ?2)",
                params![sample.procedure_id, serde_json::to_string(&record).map_err(json_error)?],
            )?;
            for item in &sample.items {
                insert_sample_item(tx, &sample.procedure_id, item)?;
            }
            Ok(())
        }
        Change::SampleItemAdded { procedure_id, item } => insert_sample_item(tx, procedure_id, item),
        Change::SampleDiscarded { sample, .. } => {
            super::exec(tx, "DELETE FROM sample_item WHERE procedure_id = ?1", [&sample.procedure_id])?;
            if super::exec(tx, "DELETE FROM sample WHERE procedure_id = ?1", [&sample.procedure_id])? == 0 {
                return Err(Error::NotFound { what: "sample", id: sample.procedure_id.clone() });
            }
            Ok(())
        }
        Change::AttributeAdded { procedure_id, attribute } => {
            let ord: i64 = tx.query_row(
                "SELECT coalesce(max(ord), 0) + 1 FROM test_attribute WHERE procedure_id = ?1",
                [procedure_id],
                |r| r.get(0),
            )?;
            let inserted = super::exec(
                tx,
                "INSERT INTO test_attribute (procedure_id, key, ord, text) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                params![procedure_id, attribute.key, ord, attribute.text],
            )?;
            if inserted == 0 {
                return Err(Error::AlreadyExists {
                    what: "test attribute",
                    id: format!("{procedure_id} {}", attribute.key),
                });
            }
            Ok(())
        }
        Change::AttributeEdited { procedure_id, key, after, .. } => {
            if super::exec(
                tx,
                "UPDATE test_attribute SET text = ?3 WHERE procedure_id = ?1 AND key = ?2",
                params![procedure_id, key, after],
            )? == 0
            {
                return Err(no_attribute(procedure_id, key));
            }
            Ok(())
        }
        Change::AttributeRemoved { procedure_id, attribute } => {
            if super::exec(
                tx,
                "DELETE FROM test_attribute WHERE procedure_id = ?1 AND key = ?2",
                params![procedure_id, attribute.key],
            )? == 0
            {
                return Err(no_attribute(procedure_id, &attribute.key));
            }
            Ok(())
        }
        Change::CellSet { procedure_id, no, attribute, after, .. } => {
            match after {
                None => {
                    super::exec(
                        tx,
                        "DELETE FROM test_cell WHERE procedure_id = ?1 AND no = ?2 AND attribute = ?3",
                        params![procedure_id, no, attribute],
                    )?;
                }
                Some(cell) => {
                    super::exec(
                        tx,
                        "INSERT INTO test_cell (procedure_id, no, attribute, result, tickmark, comment, exception_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                         ON CONFLICT (procedure_id, no, attribute) DO UPDATE SET result = excluded.result,
                            tickmark = excluded.tickmark, comment = excluded.comment,
                            exception_id = excluded.exception_id",
                        params![
                            procedure_id,
                            no,
                            attribute,
                            cell.result.as_str(),
                            cell.tickmark,
                            cell.comment,
                            cell.exception_id
                        ],
                    )?;
                }
            }
            Ok(())
        }
        Change::TickmarkSet { tickmark, .. } => {
            let ord: i64 = tx.query_row("SELECT coalesce(max(ord), 0) + 1 FROM tickmark", [], |r| r.get(0))?;
            super::exec(
                tx,
                "INSERT INTO tickmark (mark, ord, meaning_ja, meaning_en) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (mark) DO UPDATE SET meaning_ja = excluded.meaning_ja, meaning_en = excluded.meaning_en",
                params![tickmark.mark, ord, tickmark.meaning_ja, tickmark.meaning_en],
            )?;
            Ok(())
        }
        _ => Err(Error::invalid("event", format!("{} is not a sampling change", change.kind()))),
    }
}

fn insert_sample_item(tx: &Transaction<'_>, procedure_id: &str, item: &SampleItem) -> Result<()> {
    super::exec(
                tx,
        "INSERT INTO sample_item (id, procedure_id, no, row, item_id, origin, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![item.id, procedure_id, item.no, item.row, item.item_id, item.origin.as_str(), item.reason],
    )?;
    Ok(())
}

fn no_attribute(procedure_id: &str, key: &str) -> Error {
    Error::NotFound { what: "test attribute", id: format!("{procedure_id} {key}") }
}

// ---- Reads ------------------------------------------------------------------------

fn corrupt_record(e: serde_json::Error) -> Error {
    Error::invalid("record", format!("unreadable stored sampling record: {e}"))
}

pub(crate) fn read_population(conn: &Connection, procedure_id: &str) -> Result<Option<Population>> {
    let record: Option<String> = conn
        .query_row("SELECT record FROM population WHERE procedure_id = ?1", [procedure_id], |r| r.get(0))
        .optional()?;
    let Some(record) = record else { return Ok(None) };
    let mut population: Population = serde_json::from_str(&record).map_err(corrupt_record)?;
    let mut stmt = conn.prepare_cached(
        "SELECT row, item_id, date, description, extra, out_of_period FROM population_item
         WHERE procedure_id = ?1 ORDER BY row",
    )?;
    let rows = stmt.query_map([procedure_id], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, bool>(5)?,
        ))
    })?;
    for row in rows {
        let (row, item_id, date, description, extra, out_of_period) = row?;
        population.items.push(PopulationItem {
            row,
            item_id,
            date: date.as_deref().and_then(|d| d.parse().ok()),
            description,
            extra: serde_json::from_str(&extra).map_err(corrupt_record)?,
            out_of_period,
        });
    }
    Ok(Some(population))
}

pub(crate) fn read_sample(conn: &Connection, procedure_id: &str) -> Result<Option<Sample>> {
    let record: Option<String> =
        conn.query_row("SELECT record FROM sample WHERE procedure_id = ?1", [procedure_id], |r| r.get(0)).optional()?;
    let Some(record) = record else { return Ok(None) };
    let mut sample: Sample = serde_json::from_str(&record).map_err(corrupt_record)?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, no, row, item_id, origin, reason FROM sample_item WHERE procedure_id = ?1 ORDER BY no",
    )?;
    let rows = stmt.query_map([procedure_id], |r| {
        let origin: String = r.get(4)?;
        Ok(SampleItem {
            id: r.get(0)?,
            no: r.get(1)?,
            row: r.get(2)?,
            item_id: r.get(3)?,
            origin: ItemOrigin::parse(&origin).unwrap_or(ItemOrigin::Manual),
            reason: r.get(5)?,
        })
    })?;
    sample.items = rows.collect::<rusqlite::Result<_>>()?;
    Ok(Some(sample))
}

pub(crate) fn read_attributes(conn: &Connection, procedure_id: &str) -> Result<Vec<TestAttribute>> {
    let mut stmt = conn.prepare_cached("SELECT key, text FROM test_attribute WHERE procedure_id = ?1 ORDER BY ord")?;
    let rows = stmt.query_map([procedure_id], |r| Ok(TestAttribute { key: r.get(0)?, text: r.get(1)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn read_cells(conn: &Connection, procedure_id: &str) -> Result<Vec<GridCell>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.no, c.attribute, c.result, c.tickmark, c.comment, c.exception_id
         FROM test_cell c JOIN test_attribute a ON a.procedure_id = c.procedure_id AND a.key = c.attribute
         WHERE c.procedure_id = ?1 ORDER BY c.no, a.ord",
    )?;
    let rows = stmt.query_map([procedure_id], |r| {
        let result: String = r.get(2)?;
        Ok(GridCell {
            no: r.get(0)?,
            attribute: r.get(1)?,
            result: CellResult::parse(&result).unwrap_or(CellResult::NotApplicable),
            tickmark: r.get(3)?,
            comment: r.get(4)?,
            exception_id: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn read_legend(conn: &Connection) -> Result<Vec<Tickmark>> {
    let mut stmt = conn.prepare_cached("SELECT mark, meaning_ja, meaning_en FROM tickmark ORDER BY ord")?;
    let rows =
        stmt.query_map([], |r| Ok(Tickmark { mark: r.get(0)?, meaning_ja: r.get(1)?, meaning_en: r.get(2)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What a sign-off of a sampled procedure also covers: the population (by
/// its source and a hash of its items), the sample, the grid. `None` for a
/// procedure that samples nothing, so that its signed content stays what it
/// was before sampling existed.
pub(crate) fn signed_content(conn: &Connection, procedure_id: &str) -> Result<Option<serde_json::Value>> {
    let population = read_population(conn, procedure_id)?;
    let sample = read_sample(conn, procedure_id)?;
    let attributes = read_attributes(conn, procedure_id)?;
    if population.is_none() && sample.is_none() && attributes.is_empty() {
        return Ok(None);
    }
    let population = population.map(|p| {
        json!({
            "source_name": p.source_name,
            "source_sha256": p.source_sha256,
            "count": p.count,
            "items_sha256": items_hash(&p),
        })
    });
    Ok(Some(json!({
        "population": population,
        "sample": sample,
        "attributes": attributes,
        "cells": read_cells(conn, procedure_id)?,
    })))
}

/// Everything recorded about one procedure's sampling, for the rules of
/// `domain::sampling`.
pub(crate) fn procedure_sampling(conn: &Connection, procedure_id: &str) -> Result<ProcedureSampling> {
    Ok(ProcedureSampling {
        procedure: read_procedure(conn, procedure_id)?,
        population: read_population(conn, procedure_id)?,
        sample: read_sample(conn, procedure_id)?,
        attributes: read_attributes(conn, procedure_id)?,
        cells: read_cells(conn, procedure_id)?,
        legend: read_legend(conn)?,
    })
}

/// How many attributes a procedure ever had (removed ones included): keys
/// are never reused.
pub(crate) fn attributes_ever_added(conn: &Connection, procedure_id: &str) -> Result<usize> {
    let used: i64 = conn.query_row(
        "SELECT count(*) FROM event WHERE kind = 'attribute_added' AND json_extract(payload, '$.procedure_id') = ?1",
        [procedure_id],
        |r| r.get(0),
    )?;
    Ok(used as usize)
}

/// The procedure a sample item (`PROCEDURE/Sn`) belongs to.
pub(crate) fn procedure_of_sample_item(id: &str) -> Option<&str> {
    id.rsplit_once("/S").map(|(p, _)| p)
}

// ---- The firm's rule table -------------------------------------------------------

const RULES_FILE: &str = "sample-sizes.json";

/// The firm's sample-size table: the one saved in the data folder, else the default.
pub fn load_rules(data_dir: &Path) -> Result<SampleRuleTable> {
    let path = data_dir.join(RULES_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => read_rules(&path, &bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SampleRuleTable::default_table(),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// Reads and checks a rule table file; each problem is named by its field.
pub fn read_rules(path: &Path, bytes: &[u8]) -> Result<SampleRuleTable> {
    let table: SampleRuleTable = serde_json::from_slice(bytes)
        .map_err(|e| Error::import_one(path, format!("line {}, column {}", e.line(), e.column()), e.to_string()))?;
    if let Some(first) = crate::domain::sampling::rule_table_problems(&table).into_iter().next() {
        return Err(Error::import_one(path, first.field, first.message));
    }
    Ok(table)
}

/// Checks a table and makes it the firm's. Every sample records the whole
/// table it was drawn with, but people read its name and version, so a table
/// whose sizes differ from the firm's current one, or from the shipped
/// default, under the same name and version is refused. Name and version are
/// stored without surrounding spaces, which nobody can see on a screen; the
/// sizes in the order of the frequencies.
pub fn replace_rules(data_dir: &Path, mut table: SampleRuleTable) -> Result<SampleRuleTable> {
    table.name = table.name.trim().to_string();
    table.version = table.version.trim().to_string();
    table.sizes.sort_by_key(|rule| Frequency::ALL.iter().position(|f| *f == rule.frequency.as_str()));
    let mut problems = crate::domain::sampling::rule_table_problems(&table);
    if problems.is_empty() {
        // A firm's file that cannot be read any more must not stop its replacement.
        let current = load_rules(data_dir).ok();
        let taken = [current, SampleRuleTable::default_table().ok()].into_iter().flatten().find(|known| {
            known.name == table.name
                && known.version == table.version
                && !crate::domain::sampling::same_sizes(known, &table)
        });
        if let Some(known) = taken {
            problems.push(FieldProblem::new(
                "version",
                ProblemCode::VersionUnchanged,
                &[("name", known.name.clone()), ("version", known.version.clone())],
                format!(
                    "{}@{} already names a table with other sizes: give the changed table a new version",
                    known.name, known.version
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid { problems });
    }
    save_rules(data_dir, &table)?;
    Ok(table)
}

/// Saves a checked rule table as the firm's, replacing the file whole.
fn save_rules(data_dir: &Path, table: &SampleRuleTable) -> Result<()> {
    std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
    let text = serde_json::to_string_pretty(table).map_err(json_error)?;
    crate::files::write_whole(&data_dir.join(RULES_FILE), text.as_bytes())
}

/// Goes back to the shipped default table.
pub fn reset_rules(data_dir: &Path) -> Result<()> {
    crate::files::remove_if_present(&data_dir.join(RULES_FILE))
}

// ---- Reads on the file handle ----------------------------------------------------

impl EngagementFile {
    /// Everything the sampling panel shows for a procedure.
    pub fn sampling(&self, procedure_id: &str) -> Result<SamplingState> {
        let procedure = read_procedure(&self.conn, procedure_id)?;
        let population = read_population(&self.conn, procedure_id)?;
        Ok(SamplingState {
            procedure_id: procedure_id.into(),
            target: procedure.target,
            population_summary: population.as_ref().map(PopulationSummary::of),
            population,
            sample: read_sample(&self.conn, procedure_id)?,
            attributes: read_attributes(&self.conn, procedure_id)?,
            cells: read_cells(&self.conn, procedure_id)?,
            legend: read_legend(&self.conn)?,
            versions: Vec::new(),
            item_versions: Vec::new(),
            frame_by_version: Vec::new(),
            sampled_by_version: Vec::new(),
            untested_versions: Vec::new(),
        }
        .with_versions(super::change::versions_of(&self.conn, &procedure.control_id)?))
    }

    pub fn tickmarks(&self) -> Result<Vec<Tickmark>> {
        read_legend(&self.conn)
    }
}

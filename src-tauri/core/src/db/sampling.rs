//! Sampling inside an engagement file: populations, samples drawn by the
//! method of `docs/sampling.md`, test grids whose failures become
//! exceptions, and the engagement's tickmark legend. Reads, `apply` (which
//! turns a sampling [`Change`] into state) and the operations.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::json;

use super::engagement_file::EngagementFile;
use super::work::{read_exception, read_procedure};
use crate::error::{Error, FieldProblem, Result};
use crate::model::event::{format_time, Change, Context, FieldChange};
use crate::model::evidence::LinkKind;
use crate::model::procedure::{ExceptionRecord, ResultKind};
use crate::model::sampling::{
    attribute_key, default_tickmarks, new_seed, select, select_by_quarter, CellInput, CellResult, Frequency, GridCell,
    ItemOrigin, ParkMiller, Population, PopulationColumns, PopulationItem, PopulationSummary, Reproduction, Sample,
    SampleItem, SampleRequest, SampleRuleTable, SamplingState, SelectionMethod, TestAttribute, Tickmark,
};

/// The largest population given as a count; a list is bounded by its file size.
pub const MAX_POPULATION_COUNT: u32 = 10_000_000;

fn problem(field: &str, code: &str, params: &[(&str, String)], message: String) -> Error {
    Error::Invalid { problems: vec![FieldProblem::new(field, code, params, message)] }
}

fn json_error(e: serde_json::Error) -> Error {
    Error::invalid("record", e.to_string())
}

// ---- State from changes ---------------------------------------------------------

pub(crate) fn apply(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    match change {
        Change::PopulationImported { population: p } => {
            read_procedure(tx, &p.procedure_id)?;
            if read_sample(tx, &p.procedure_id)?.is_some() {
                return Err(problem(
                    "population",
                    "sample_drawn",
                    &[("procedure", p.procedure_id.clone())],
                    format!("a sample of {} was drawn from its population; discard the sample first", p.procedure_id),
                ));
            }
            tx.execute("DELETE FROM population_item WHERE procedure_id = ?1", [&p.procedure_id])?;
            tx.execute("DELETE FROM population WHERE procedure_id = ?1", [&p.procedure_id])?;
            let record = Population { items: Vec::new(), ..(**p).clone() };
            tx.execute(
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
            if read_population(tx, &sample.procedure_id)?.is_none() {
                return Err(no_population(&sample.procedure_id));
            }
            if read_sample(tx, &sample.procedure_id)?.is_some() {
                return Err(problem(
                    "sample",
                    "sample_exists",
                    &[("procedure", sample.procedure_id.clone())],
                    format!("{} already has a sample; add items to it or discard it first", sample.procedure_id),
                ));
            }
            let record = Sample { items: Vec::new(), ..(**sample).clone() };
            tx.execute(
                "INSERT INTO sample (procedure_id, record) VALUES (?1, ?2)",
                params![sample.procedure_id, serde_json::to_string(&record).map_err(json_error)?],
            )?;
            for item in &sample.items {
                insert_sample_item(tx, &sample.procedure_id, item)?;
            }
            Ok(())
        }
        Change::SampleItemAdded { procedure_id, item } => {
            if read_sample(tx, procedure_id)?.is_none() {
                return Err(no_sample(procedure_id));
            }
            insert_sample_item(tx, procedure_id, item)
        }
        Change::SampleDiscarded { sample, .. } => {
            let tested: i64 =
                tx.query_row("SELECT count(*) FROM test_cell WHERE procedure_id = ?1", [&sample.procedure_id], |r| {
                    r.get(0)
                })?;
            if tested > 0 {
                return Err(problem(
                    "sample",
                    "sample_tested",
                    &[("procedure", sample.procedure_id.clone())],
                    format!("{} of the sample's cells are tested; empty them before discarding the sample", tested),
                ));
            }
            for item in &sample.items {
                let linked = super::evidence::linked_evidence(tx, LinkKind::Sample, &item.id)?;
                if !linked.is_empty() {
                    return Err(Error::invalid(
                        "sample",
                        format!(
                            "{} is supported by evidence {}; unlink the evidence first",
                            item.id,
                            linked.join(", ")
                        ),
                    ));
                }
            }
            tx.execute("DELETE FROM sample_item WHERE procedure_id = ?1", [&sample.procedure_id])?;
            if tx.execute("DELETE FROM sample WHERE procedure_id = ?1", [&sample.procedure_id])? == 0 {
                return Err(no_sample(&sample.procedure_id));
            }
            Ok(())
        }
        Change::AttributeAdded { procedure_id, attribute } => {
            read_procedure(tx, procedure_id)?;
            let ord: i64 = tx.query_row(
                "SELECT coalesce(max(ord), 0) + 1 FROM test_attribute WHERE procedure_id = ?1",
                [procedure_id],
                |r| r.get(0),
            )?;
            let inserted = tx.execute(
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
            if tx.execute(
                "UPDATE test_attribute SET text = ?3 WHERE procedure_id = ?1 AND key = ?2",
                params![procedure_id, key, after],
            )? == 0
            {
                return Err(no_attribute(procedure_id, key));
            }
            Ok(())
        }
        Change::AttributeRemoved { procedure_id, attribute } => {
            let tested: i64 = tx.query_row(
                "SELECT count(*) FROM test_cell WHERE procedure_id = ?1 AND attribute = ?2",
                params![procedure_id, attribute.key],
                |r| r.get(0),
            )?;
            if tested > 0 {
                return Err(problem(
                    "attribute",
                    "attribute_tested",
                    &[("attribute", attribute.key.clone())],
                    format!("attribute {} has {tested} tested cell(s); empty them first", attribute.key),
                ));
            }
            if tx.execute(
                "DELETE FROM test_attribute WHERE procedure_id = ?1 AND key = ?2",
                params![procedure_id, attribute.key],
            )? == 0
            {
                return Err(no_attribute(procedure_id, &attribute.key));
            }
            Ok(())
        }
        Change::CellSet { procedure_id, no, attribute, after, .. } => {
            require_cell_place(tx, procedure_id, *no, attribute)?;
            match after {
                None => {
                    tx.execute(
                        "DELETE FROM test_cell WHERE procedure_id = ?1 AND no = ?2 AND attribute = ?3",
                        params![procedure_id, no, attribute],
                    )?;
                }
                Some(cell) => {
                    tx.execute(
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
            tx.execute(
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
    let taken: Option<String> = tx
        .query_row(
            "SELECT item_id FROM sample_item WHERE procedure_id = ?1 AND (row = ?2 OR no = ?3)",
            params![procedure_id, item.row, item.no],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(taken) = taken {
        return Err(problem(
            "item",
            "already_in_sample",
            &[("item", item.item_id.clone())],
            format!("{} is already in the sample (as {taken})", item.item_id),
        ));
    }
    tx.execute(
        "INSERT INTO sample_item (id, procedure_id, no, row, item_id, origin, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![item.id, procedure_id, item.no, item.row, item.item_id, item.origin.as_str(), item.reason],
    )?;
    Ok(())
}

fn require_cell_place(conn: &Connection, procedure_id: &str, no: u32, attribute: &str) -> Result<()> {
    let item: Option<i64> = conn
        .query_row("SELECT 1 FROM sample_item WHERE procedure_id = ?1 AND no = ?2", params![procedure_id, no], |r| {
            r.get(0)
        })
        .optional()?;
    if item.is_none() {
        return Err(Error::NotFound { what: "sample item", id: format!("{procedure_id}/S{no}") });
    }
    let attr: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM test_attribute WHERE procedure_id = ?1 AND key = ?2",
            params![procedure_id, attribute],
            |r| r.get(0),
        )
        .optional()?;
    attr.map(|_| ()).ok_or_else(|| no_attribute(procedure_id, attribute))
}

fn no_population(procedure_id: &str) -> Error {
    problem(
        "population",
        "no_population",
        &[("procedure", procedure_id.to_string())],
        format!("{procedure_id} has no population; import its list or give its count first"),
    )
}

fn no_sample(procedure_id: &str) -> Error {
    problem(
        "sample",
        "no_sample",
        &[("procedure", procedure_id.to_string())],
        format!("{procedure_id} has no sample yet; select one first"),
    )
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

/// SHA-256 over the population's items (ID, date, flag, one line each), or
/// over its count: what a sample records to notice a replaced list.
fn items_hash(p: &Population) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    if p.items.is_empty() {
        hasher.update(format!("count {}\n", p.count));
    }
    for item in &p.items {
        let date = item.date.map(|d| d.to_string()).unwrap_or_default();
        hasher.update(format!("{}\t{date}\t{}\n", item.item_id, u8::from(item.out_of_period)));
    }
    hex::encode(hasher.finalize())
}

/// Draws `size` items from the population by the method of
/// `docs/sampling.md`; returns 0-based item indexes in the order chosen.
fn draw(
    population: &Population,
    size: usize,
    seed: u64,
    by_quarter: bool,
    period: (chrono::NaiveDate, chrono::NaiveDate),
) -> Result<Vec<usize>> {
    if by_quarter {
        let dates: Vec<_> = population.items.iter().map(|i| if i.out_of_period { None } else { i.date }).collect();
        select_by_quarter(&dates, period, size, seed)
    } else {
        let mut generator = ParkMiller::new(seed)?;
        Ok(select(&population.frame(), size, &mut generator))
    }
}

/// The procedure's result as its grid gives it: an exception when it has
/// any; no exception (or not applicable, when every cell is) when every
/// cell is tested; none while cells are open. `None` when the procedure has
/// no sample or no attributes, whose result the assessor sets by hand.
fn grid_result(conn: &Connection, procedure_id: &str) -> Result<Option<Option<ResultKind>>> {
    let Some(sample) = read_sample(conn, procedure_id)? else { return Ok(None) };
    let attributes = read_attributes(conn, procedure_id)?;
    if attributes.is_empty() || sample.items.is_empty() {
        return Ok(None);
    }
    if !read_procedure(conn, procedure_id)?.exceptions.is_empty() {
        return Ok(Some(Some(ResultKind::Exception)));
    }
    let cells = read_cells(conn, procedure_id)?;
    if cells.len() < sample.items.len() * attributes.len() {
        return Ok(Some(None));
    }
    Ok(Some(Some(if cells.iter().all(|c| c.result == CellResult::NotApplicable) {
        ResultKind::NotApplicable
    } else {
        ResultKind::NoException
    })))
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
    if let Some(first) = rule_table_problems(&table).into_iter().next() {
        return Err(Error::import_one(path, first.field, first.message));
    }
    Ok(table)
}

/// What is wrong with a rule table, by field: it needs a name and a version
/// (every sample records them), sizes from 1 to 1,000, and each frequency at
/// most once.
pub fn rule_table_problems(table: &SampleRuleTable) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    for (field, value) in [("name", &table.name), ("version", &table.version)] {
        if value.trim().is_empty() {
            problems.push(FieldProblem::new(
                field,
                "required",
                &[],
                format!("the table needs a {field}, which every sample records"),
            ));
        }
    }
    for (i, rule) in table.sizes.iter().enumerate() {
        let frequency = rule.frequency.as_str();
        if !(1..=1000).contains(&rule.size) {
            problems.push(FieldProblem::new(
                &format!("size.{frequency}"),
                "size_range",
                &[("min", "1".into()), ("max", "1000".into())],
                format!("{frequency}: {} is not a size from 1 to 1000", rule.size),
            ));
        }
        if table.sizes[..i].iter().any(|r| r.frequency == rule.frequency) {
            problems.push(FieldProblem::new(
                "sizes",
                "duplicate_frequency",
                &[("frequency", frequency.into())],
                format!("{frequency} is given twice"),
            ));
        }
    }
    problems
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
    let mut problems = rule_table_problems(&table);
    if problems.is_empty() {
        // A firm's file that cannot be read any more must not stop its replacement.
        let current = load_rules(data_dir).ok();
        let taken = [current, SampleRuleTable::default_table().ok()]
            .into_iter()
            .flatten()
            .find(|known| known.name == table.name && known.version == table.version && !same_sizes(known, &table));
        if let Some(known) = taken {
            problems.push(FieldProblem::new(
                "version",
                "version_unchanged",
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

/// Whether two tables give the same size for every frequency, in whatever order.
fn same_sizes(a: &SampleRuleTable, b: &SampleRuleTable) -> bool {
    a.sizes.len() == b.sizes.len() && a.sizes.iter().all(|rule| b.sizes.contains(rule))
}

/// Saves a checked rule table as the firm's, replacing the file whole.
fn save_rules(data_dir: &Path, table: &SampleRuleTable) -> Result<()> {
    std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
    let path = data_dir.join(RULES_FILE);
    let text = serde_json::to_string_pretty(table).map_err(json_error)?;
    let mut temp = tempfile::NamedTempFile::new_in(data_dir).map_err(|e| Error::io(data_dir, e))?;
    std::io::Write::write_all(&mut temp, text.as_bytes()).map_err(|e| Error::io(&path, e))?;
    temp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
    temp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
    Ok(())
}

/// Goes back to the shipped default table.
pub fn reset_rules(data_dir: &Path) -> Result<()> {
    let path = data_dir.join(RULES_FILE);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(&path, e)),
    }
}

// ---- Operations -------------------------------------------------------------------

impl EngagementFile {
    /// Everything the sampling panel shows for a procedure.
    pub fn sampling(&self, procedure_id: &str) -> Result<SamplingState> {
        read_procedure(&self.conn, procedure_id)?;
        let population = read_population(&self.conn, procedure_id)?;
        Ok(SamplingState {
            procedure_id: procedure_id.into(),
            population_summary: population.as_ref().map(PopulationSummary::of),
            population,
            sample: read_sample(&self.conn, procedure_id)?,
            attributes: read_attributes(&self.conn, procedure_id)?,
            cells: read_cells(&self.conn, procedure_id)?,
            legend: read_legend(&self.conn)?,
        })
    }

    pub fn tickmarks(&self) -> Result<Vec<Tickmark>> {
        read_legend(&self.conn)
    }

    /// Records `changes` in one transaction, then lets the procedure's
    /// result follow its grid (as a visible change of its own).
    fn commit_sampling(&mut self, ctx: Context<'_>, procedure_id: &str, changes: Vec<Change>) -> Result<()> {
        let path = self.path().to_path_buf();
        let at = |e: Error| match e {
            Error::Storage(s) => Error::from_sqlite_at(&path, s),
            other => other,
        };
        let tx = self.conn.transaction().map_err(|e| at(e.into()))?;
        for change in &changes {
            super::review::record_with_review(&tx, ctx, change).map_err(at)?;
        }
        if let Some(result) = grid_result(&tx, procedure_id).map_err(at)? {
            let before = read_procedure(&tx, procedure_id).map_err(at)?.result;
            if before != result {
                let change = Change::ProcedureUpdated {
                    id: procedure_id.into(),
                    changes: vec![FieldChange { field: "result".into(), before: json!(before), after: json!(result) }],
                };
                super::review::record_with_review(&tx, ctx, &change).map_err(at)?;
            }
        }
        tx.commit().map_err(|e| at(e.into()))?;
        Ok(())
    }

    fn period(&self) -> Result<(chrono::NaiveDate, chrono::NaiveDate)> {
        let fields = self.fields()?;
        Ok((fields.period.start, fields.period.end))
    }

    /// Imports a procedure's population from a CSV or Excel file, with the
    /// columns chosen; items dated outside the audit period are flagged.
    pub fn import_population(
        &mut self,
        ctx: Context<'_>,
        procedure_id: &str,
        file: &Path,
        columns: &PopulationColumns,
    ) -> Result<SamplingState> {
        read_procedure(&self.conn, procedure_id)?;
        let table = crate::import::population::read_table(file)?;
        let (extra, items) = crate::import::population::items(file, &table, columns, self.period()?)?;
        let population = Population {
            procedure_id: procedure_id.into(),
            source_name: Some(table.file_name.clone()),
            source_sha256: Some(table.sha256.clone()),
            count: items.len() as u32,
            columns: extra,
            items,
            imported_by: ctx.actor.name.clone(),
            imported_at: format_time(ctx.clock.now()),
        };
        self.commit_sampling(ctx, procedure_id, vec![Change::PopulationImported { population: Box::new(population) }])?;
        self.sampling(procedure_id)
    }

    /// Records a population that exists only as a count (no list): its
    /// items are then rows `#1` to `#count`, identified when tested.
    pub fn set_population_count(&mut self, ctx: Context<'_>, procedure_id: &str, count: u32) -> Result<SamplingState> {
        read_procedure(&self.conn, procedure_id)?;
        if !(1..=MAX_POPULATION_COUNT).contains(&count) {
            return Err(problem(
                "count",
                "count_out_of_range",
                &[("max", MAX_POPULATION_COUNT.to_string())],
                format!("a population count is from 1 to {MAX_POPULATION_COUNT}"),
            ));
        }
        let population = Population {
            procedure_id: procedure_id.into(),
            source_name: None,
            source_sha256: None,
            count,
            columns: Vec::new(),
            items: Vec::new(),
            imported_by: ctx.actor.name.clone(),
            imported_at: format_time(ctx.clock.now()),
        };
        self.commit_sampling(ctx, procedure_id, vec![Change::PopulationImported { population: Box::new(population) }])?;
        self.sampling(procedure_id)
    }

    fn population_for_sampling(&self, procedure_id: &str) -> Result<Population> {
        read_procedure(&self.conn, procedure_id)?;
        read_population(&self.conn, procedure_id)?.ok_or_else(|| no_population(procedure_id))
    }

    /// Draws a sample at random by the documented method, with the size the
    /// firm's rule table gives for the frequency unless overridden with a
    /// reason. The table, the seed and the period are recorded with it.
    pub fn select_sample(
        &mut self,
        ctx: Context<'_>,
        procedure_id: &str,
        rules: &SampleRuleTable,
        request: &SampleRequest,
    ) -> Result<SamplingState> {
        let population = self.population_for_sampling(procedure_id)?;
        if read_sample(&self.conn, procedure_id)?.is_some() {
            return Err(problem(
                "sample",
                "sample_exists",
                &[("procedure", procedure_id.into())],
                format!("{procedure_id} already has a sample; add items to it or discard it first"),
            ));
        }
        let frame = population.frame().len();
        if frame == 0 {
            return Err(problem(
                "population",
                "empty_frame",
                &[],
                "every item of the population is dated outside the audit period; there is nothing to sample".into(),
            ));
        }
        let rule_size = rules.size_for(request.frequency, frame).ok_or_else(|| {
            problem(
                "frequency",
                "no_rule",
                &[("frequency", request.frequency.as_str().into())],
                format!("the rule table {} has no size for {}", rules.name, request.frequency.as_str()),
            )
        })? as u32;
        let reason = request.override_reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
        let size = match request.size_override {
            None => rule_size,
            Some(n) if n == rule_size => rule_size,
            Some(n) => {
                if n == 0 || n as usize > frame {
                    return Err(problem(
                        "size",
                        "size_out_of_range",
                        &[("frame", frame.to_string())],
                        format!("a sample size is from 1 to the {frame} items that can be drawn"),
                    ));
                }
                if reason.is_none() {
                    return Err(problem(
                        "override_reason",
                        "override_needs_reason",
                        &[("rule", rule_size.to_string())],
                        format!("a size other than the rule's {rule_size} needs the reason"),
                    ));
                }
                n
            }
        };
        if request.by_quarter && population.items.iter().all(|i| i.date.is_none()) {
            return Err(problem(
                "by_quarter",
                "no_dates",
                &[],
                "the population has no dates, so it cannot be stratified by quarter".into(),
            ));
        }
        let at = format_time(ctx.clock.now());
        let seed = request.seed.unwrap_or_else(|| new_seed(&at, procedure_id));
        ParkMiller::new(seed)?;
        let period = self.period()?;
        let chosen = draw(&population, size as usize, seed, request.by_quarter, period)?;
        let items = chosen
            .iter()
            .enumerate()
            .map(|(k, &index)| SampleItem {
                no: k as u32 + 1,
                id: format!("{procedure_id}/S{}", k + 1),
                row: index as u32 + 1,
                item_id: population.item_id_at(index),
                origin: ItemOrigin::Random,
                reason: String::new(),
            })
            .collect();
        let sample = Sample {
            procedure_id: procedure_id.into(),
            method: SelectionMethod::Random,
            frequency: Some(request.frequency),
            rule_table: Some(rules.clone()),
            rule_size: Some(rule_size),
            size,
            override_reason: if size == rule_size { None } else { reason },
            seed: Some(seed),
            by_quarter: request.by_quarter,
            period_start: period.0,
            period_end: period.1,
            population_sha256: items_hash(&population),
            selected_by: ctx.actor.name.clone(),
            selected_at: at,
            items,
        };
        self.commit_sampling(ctx, procedure_id, vec![Change::SampleSelected { sample: Box::new(sample) }])?;
        self.sampling(procedure_id)
    }

    /// Records a sample chosen by the assessor (by item ID), with the reason.
    pub fn select_manually(
        &mut self,
        ctx: Context<'_>,
        procedure_id: &str,
        item_ids: &[String],
        reason: &str,
    ) -> Result<SamplingState> {
        let population = self.population_for_sampling(procedure_id)?;
        if reason.trim().is_empty() {
            return Err(Error::invalid("reason", "a sample chosen by hand needs the reason for the choice"));
        }
        if item_ids.is_empty() {
            return Err(Error::invalid("items", "name at least one item of the population"));
        }
        let mut items: Vec<SampleItem> = Vec::new();
        for id in item_ids {
            let index = population
                .index_of(id.trim())
                .ok_or_else(|| Error::NotFound { what: "population item", id: format!("{procedure_id} {id}") })?;
            if items.iter().any(|i| i.row == index as u32 + 1) {
                return Err(problem(
                    "items",
                    "already_in_sample",
                    &[("item", id.clone())],
                    format!("{id} is named twice"),
                ));
            }
            let no = items.len() as u32 + 1;
            items.push(SampleItem {
                no,
                id: format!("{procedure_id}/S{no}"),
                row: index as u32 + 1,
                item_id: population.item_id_at(index),
                origin: ItemOrigin::Manual,
                reason: reason.trim().into(),
            });
        }
        let period = self.period()?;
        let sample = Sample {
            procedure_id: procedure_id.into(),
            method: SelectionMethod::Manual,
            frequency: None,
            rule_table: None,
            rule_size: None,
            size: items.len() as u32,
            override_reason: None,
            seed: None,
            by_quarter: false,
            period_start: period.0,
            period_end: period.1,
            population_sha256: items_hash(&population),
            selected_by: ctx.actor.name.clone(),
            selected_at: format_time(ctx.clock.now()),
            items,
        };
        self.commit_sampling(ctx, procedure_id, vec![Change::SampleSelected { sample: Box::new(sample) }])?;
        self.sampling(procedure_id)
    }

    /// Adds a population item to a sample already drawn, with the reason.
    pub fn add_sample_item(
        &mut self,
        ctx: Context<'_>,
        procedure_id: &str,
        item_id: &str,
        reason: &str,
    ) -> Result<SamplingState> {
        let population = self.population_for_sampling(procedure_id)?;
        let sample = read_sample(&self.conn, procedure_id)?.ok_or_else(|| no_sample(procedure_id))?;
        if reason.trim().is_empty() {
            return Err(Error::invalid("reason", "an item added to a sample needs the reason"));
        }
        let index = population
            .index_of(item_id.trim())
            .ok_or_else(|| Error::NotFound { what: "population item", id: format!("{procedure_id} {item_id}") })?;
        let no = sample.items.iter().map(|i| i.no).max().unwrap_or(0) + 1;
        let item = SampleItem {
            no,
            id: format!("{procedure_id}/S{no}"),
            row: index as u32 + 1,
            item_id: population.item_id_at(index),
            origin: ItemOrigin::Added,
            reason: reason.trim().into(),
        };
        self.commit_sampling(
            ctx,
            procedure_id,
            vec![Change::SampleItemAdded { procedure_id: procedure_id.into(), item }],
        )?;
        self.sampling(procedure_id)
    }

    /// Sets a sample aside before any of it is tested (e.g. the wrong
    /// frequency was chosen). The record stays in the history.
    pub fn discard_sample(&mut self, ctx: Context<'_>, procedure_id: &str, reason: &str) -> Result<SamplingState> {
        let sample = read_sample(&self.conn, procedure_id)?.ok_or_else(|| no_sample(procedure_id))?;
        if reason.trim().is_empty() {
            return Err(Error::invalid("reason", "discarding a sample needs the reason"));
        }
        self.commit_sampling(
            ctx,
            procedure_id,
            vec![Change::SampleDiscarded { sample: Box::new(sample), reason: reason.trim().into() }],
        )?;
        self.sampling(procedure_id)
    }

    /// Draws the sample again from its record and compares.
    pub fn reproduce_sample(&self, procedure_id: &str) -> Result<Reproduction> {
        let population = self.population_for_sampling(procedure_id)?;
        let sample = read_sample(&self.conn, procedure_id)?.ok_or_else(|| no_sample(procedure_id))?;
        let mut problems = Vec::new();
        if items_hash(&population) != sample.population_sha256 {
            problems.push("the population is not the one the sample was drawn from".to_string());
        }
        for item in &sample.items {
            if population.index_of(&item.item_id) != Some(item.row as usize - 1) {
                problems.push(format!("{} ({}) is not at row {} of the population", item.id, item.item_id, item.row));
            }
        }
        let recorded: Vec<String> = sample
            .items
            .iter()
            .filter(|i| i.origin == ItemOrigin::Random || sample.method == SelectionMethod::Manual)
            .map(|i| i.item_id.clone())
            .collect();
        let redrawn = match (sample.method, sample.seed) {
            (SelectionMethod::Random, Some(seed)) => {
                let frame = population.frame().len();
                if let (Some(table), Some(frequency), Some(rule_size)) =
                    (&sample.rule_table, sample.frequency, sample.rule_size)
                {
                    let again = table.size_for(frequency, frame).map(|s| s as u32);
                    if again != Some(rule_size) {
                        problems.push(format!(
                            "the recorded table {}@{} gives {} for {}, but the sample records {rule_size}",
                            table.name,
                            table.version,
                            again.map_or("no size".to_string(), |s| s.to_string()),
                            frequency.as_str()
                        ));
                    }
                    if sample.size != rule_size && sample.override_reason.is_none() {
                        problems.push(format!(
                            "the size {} differs from the rule's {rule_size} without a reason",
                            sample.size
                        ));
                    }
                }
                let chosen = draw(
                    &population,
                    sample.size as usize,
                    seed,
                    sample.by_quarter,
                    (sample.period_start, sample.period_end),
                )?;
                chosen.into_iter().map(|i| population.item_id_at(i)).collect()
            }
            (SelectionMethod::Random, None) => {
                problems.push("a random sample without its seed cannot be drawn again".into());
                Vec::new()
            }
            // A manual choice is not drawn; it is confirmed item by item above.
            (SelectionMethod::Manual, _) => recorded.clone(),
        };
        if redrawn != recorded {
            problems.push("drawing again from the recorded seed gives other items".into());
        }
        Ok(Reproduction {
            procedure_id: procedure_id.into(),
            method: sample.method,
            seed: sample.seed,
            size: sample.size,
            recorded,
            redrawn,
            problems,
        })
    }

    /// Adds a test attribute (a grid column). The engagement's first one
    /// also sets up the default tickmark legend, if it has none.
    pub fn add_attribute(&mut self, ctx: Context<'_>, procedure_id: &str, text: &str) -> Result<SamplingState> {
        read_procedure(&self.conn, procedure_id)?;
        if text.trim().is_empty() {
            return Err(Error::invalid("text", "an attribute needs the thing to test written out"));
        }
        // Keys are never reused within a procedure, so a reference to
        // attribute B keeps its meaning after A is removed.
        let used: i64 = self.conn.query_row(
            "SELECT count(*) FROM event WHERE kind = 'attribute_added' AND json_extract(payload, '$.procedure_id') = ?1",
            [procedure_id],
            |r| r.get(0),
        )?;
        let mut changes = Vec::new();
        if read_legend(&self.conn)?.is_empty() {
            for tickmark in default_tickmarks()? {
                changes.push(Change::TickmarkSet { tickmark, before: None });
            }
        }
        changes.push(Change::AttributeAdded {
            procedure_id: procedure_id.into(),
            attribute: TestAttribute { key: attribute_key(used as usize), text: text.trim().into() },
        });
        self.commit_sampling(ctx, procedure_id, changes)?;
        self.sampling(procedure_id)
    }

    pub fn edit_attribute(
        &mut self,
        ctx: Context<'_>,
        procedure_id: &str,
        key: &str,
        text: &str,
    ) -> Result<SamplingState> {
        let before = read_attributes(&self.conn, procedure_id)?
            .into_iter()
            .find(|a| a.key == key)
            .ok_or_else(|| no_attribute(procedure_id, key))?;
        if text.trim().is_empty() {
            return Err(Error::invalid("text", "an attribute needs the thing to test written out"));
        }
        if before.text != text.trim() {
            let change = Change::AttributeEdited {
                procedure_id: procedure_id.into(),
                key: key.into(),
                before: before.text,
                after: text.trim().into(),
            };
            self.commit_sampling(ctx, procedure_id, vec![change])?;
        }
        self.sampling(procedure_id)
    }

    pub fn remove_attribute(&mut self, ctx: Context<'_>, procedure_id: &str, key: &str) -> Result<SamplingState> {
        let attribute = read_attributes(&self.conn, procedure_id)?
            .into_iter()
            .find(|a| a.key == key)
            .ok_or_else(|| no_attribute(procedure_id, key))?;
        self.commit_sampling(
            ctx,
            procedure_id,
            vec![Change::AttributeRemoved { procedure_id: procedure_id.into(), attribute }],
        )?;
        self.sampling(procedure_id)
    }

    /// Enters a grid cell. A failure becomes an exception of the procedure
    /// pointing at the sample item, with the cell's comment as its facts;
    /// a failure changed to anything else takes its exception away; the
    /// procedure's result follows the grid.
    pub fn set_cell(
        &mut self,
        ctx: Context<'_>,
        procedure_id: &str,
        no: u32,
        attribute: &str,
        input: &CellInput,
    ) -> Result<SamplingState> {
        require_cell_place(&self.conn, procedure_id, no, attribute)?;
        let tickmark = input.tickmark.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
        if let Some(mark) = &tickmark {
            if !read_legend(&self.conn)?.iter().any(|t| &t.mark == mark) {
                return Err(problem(
                    "tickmark",
                    "unknown_tickmark",
                    &[("mark", mark.clone())],
                    format!("\"{mark}\" is not in the engagement's tickmark legend; add it to the legend first"),
                ));
            }
        }
        let comment = input.comment.trim().to_string();
        if input.result == Some(CellResult::Fail) && comment.is_empty() {
            return Err(problem(
                "comment",
                "fail_needs_comment",
                &[],
                "a failed test needs its facts in the comment; they become the exception".into(),
            ));
        }
        let before = read_cells(&self.conn, procedure_id)?.into_iter().find(|c| c.no == no && c.attribute == attribute);
        let before_exception = before.as_ref().and_then(|c| c.exception_id.clone());
        let sample_item = format!("{procedure_id}/S{no}");
        let mut changes = Vec::new();
        let mut exception_id = None;
        match (input.result, &before_exception) {
            (Some(CellResult::Fail), Some(id)) => {
                let current = read_exception(&self.conn, id)?;
                if current.text != comment {
                    changes.push(Change::ExceptionEdited {
                        id: id.clone(),
                        before: current.text,
                        after: comment.clone(),
                    });
                }
                exception_id = Some(id.clone());
            }
            (Some(CellResult::Fail), None) => {
                let exception = ExceptionRecord {
                    id: super::work::next_exception_id(&self.conn)?,
                    procedure_id: procedure_id.into(),
                    text: comment.clone(),
                    sample_item: Some(sample_item.clone()),
                    attribute: Some(attribute.into()),
                };
                exception_id = Some(exception.id.clone());
                changes.push(Change::ExceptionAdded { exception });
            }
            (_, Some(id)) => changes.push(Change::ExceptionRemoved { exception: read_exception(&self.conn, id)? }),
            (_, None) => {}
        }
        let after = input.result.map(|result| GridCell {
            no,
            attribute: attribute.into(),
            result,
            tickmark,
            comment,
            exception_id,
        });
        if after == before {
            return self.sampling(procedure_id);
        }
        // The cell is written before its exception goes, and after it comes,
        // so that no state in between points at a missing exception.
        let cell =
            Change::CellSet { procedure_id: procedure_id.into(), no, attribute: attribute.into(), before, after };
        if matches!(changes.first(), Some(Change::ExceptionRemoved { .. })) {
            changes.insert(0, cell);
        } else {
            changes.push(cell);
        }
        self.commit_sampling(ctx, procedure_id, changes)?;
        self.sampling(procedure_id)
    }

    /// Adds a tickmark to the engagement's legend, or changes its meaning.
    pub fn set_tickmark(&mut self, ctx: Context<'_>, tickmark: Tickmark) -> Result<Vec<Tickmark>> {
        let tickmark = Tickmark {
            mark: tickmark.mark.trim().into(),
            meaning_ja: tickmark.meaning_ja.trim().into(),
            meaning_en: tickmark.meaning_en.trim().into(),
        };
        if tickmark.mark.is_empty() || tickmark.mark.chars().count() > 8 {
            return Err(Error::invalid("mark", "a tickmark is one to eight characters"));
        }
        if tickmark.meaning_ja.is_empty() && tickmark.meaning_en.is_empty() {
            return Err(Error::invalid("meaning", "a tickmark needs its meaning, in Japanese or English"));
        }
        let before = read_legend(&self.conn)?.into_iter().find(|t| t.mark == tickmark.mark);
        if before.as_ref() != Some(&tickmark) {
            self.commit(ctx, Change::TickmarkSet { tickmark, before })?;
        }
        read_legend(&self.conn)
    }
}

/// Refuses to edit or remove by hand an exception that a grid failure made:
/// the cell is its source, so the cell is what changes.
pub(crate) fn refuse_if_from_grid(exception: &ExceptionRecord) -> Result<()> {
    match (&exception.sample_item, &exception.attribute) {
        (Some(item), Some(attribute)) => Err(problem(
            "exception",
            "from_test_grid",
            &[("item", item.clone()), ("attribute", attribute.clone())],
            format!(
                "{} comes from the failed test of {item}, attribute {attribute}; change that cell of the test grid instead",
                exception.id
            ),
        )),
        _ => Ok(()),
    }
}

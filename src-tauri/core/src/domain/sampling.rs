//! Sampling: populations, samples drawn by the method of `docs/sampling.md`,
//! test grids whose failures become exceptions, and the tickmark legend.
//! The selection itself (Park-Miller, by quarter) is `model::sampling`; the
//! rules of when and how it may be used are here.

use chrono::NaiveDate;
use serde_json::json;

use super::refuse;
use crate::error::{Error, FieldProblem, ProblemCode, Result};
use crate::model::event::{Change, FieldChange};
use crate::model::procedure::{ExceptionRecord, Procedure, ResultKind};
use crate::model::sampling::{
    attribute_key, items_hash, select, select_by_quarter, CellInput, CellResult, GridCell, ItemOrigin, ParkMiller,
    Population, Reproduction, Sample, SampleItem, SampleRequest, SampleRuleTable, SelectionMethod, TestAttribute,
    Tickmark,
};

/// The largest population given as a count; a list is bounded by its file size.
pub const MAX_POPULATION_COUNT: u32 = 10_000_000;

/// Everything recorded about one procedure's sampling: what every sampling
/// decision may need to know.
#[derive(Debug, Clone)]
pub struct ProcedureSampling {
    pub procedure: Procedure,
    pub population: Option<Population>,
    pub sample: Option<Sample>,
    pub attributes: Vec<TestAttribute>,
    pub cells: Vec<GridCell>,
    /// The engagement's tickmark legend.
    pub legend: Vec<Tickmark>,
}

/// Who acts and when, for the records a decision writes.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    pub by: &'a str,
    pub at: &'a str,
}

pub(crate) fn no_population(procedure_id: &str) -> Error {
    refuse(
        "population",
        ProblemCode::NoPopulation,
        &[("procedure", procedure_id.to_string())],
        format!("{procedure_id} has no population; import its list or give its count first"),
    )
}

pub(crate) fn no_sample(procedure_id: &str) -> Error {
    refuse(
        "sample",
        ProblemCode::NoSample,
        &[("procedure", procedure_id.to_string())],
        format!("{procedure_id} has no sample yet; select one first"),
    )
}

fn sample_exists(procedure_id: &str) -> Error {
    refuse(
        "sample",
        ProblemCode::SampleExists,
        &[("procedure", procedure_id.into())],
        format!("{procedure_id} already has a sample; add items to it or discard it first"),
    )
}

fn no_attribute(procedure_id: &str, key: &str) -> Error {
    Error::NotFound { what: "test attribute", id: format!("{procedure_id} {key}") }
}

fn population_of(s: &ProcedureSampling) -> Result<&Population> {
    s.population.as_ref().ok_or_else(|| no_population(&s.procedure.id))
}

/// Records a procedure's population (a list read from a file, or a count).
/// It replaces an earlier one only while no sample is drawn from it.
pub fn record_population(s: &ProcedureSampling, population: Population) -> Result<Vec<Change>> {
    if s.sample.is_some() {
        return Err(refuse(
            "population",
            ProblemCode::SampleDrawn,
            &[("procedure", s.procedure.id.clone())],
            format!("a sample of {} was drawn from its population; discard the sample first", s.procedure.id),
        ));
    }
    Ok(vec![Change::PopulationImported { population: Box::new(population) }])
}

/// A population that exists only as a count (no list): its items are then
/// rows `#1` to `#count`, identified when tested.
pub fn count_population(s: &ProcedureSampling, count: u32, stamp: Stamp<'_>) -> Result<Vec<Change>> {
    if !(1..=MAX_POPULATION_COUNT).contains(&count) {
        return Err(refuse(
            "count",
            ProblemCode::CountOutOfRange,
            &[("max", MAX_POPULATION_COUNT.to_string())],
            format!("a population count is from 1 to {MAX_POPULATION_COUNT}"),
        ));
    }
    let population = Population {
        procedure_id: s.procedure.id.clone(),
        source_name: None,
        source_sha256: None,
        count,
        columns: Vec::new(),
        items: Vec::new(),
        imported_by: stamp.by.into(),
        imported_at: stamp.at.into(),
    };
    record_population(s, population)
}

/// Draws a sample at random by the documented method, with the size the
/// firm's rule table gives for the frequency unless overridden with a
/// reason. The table, the seed and the period are recorded with it.
pub fn select_sample(
    s: &ProcedureSampling,
    rules: &SampleRuleTable,
    request: &SampleRequest,
    period: (NaiveDate, NaiveDate),
    seed: u64,
    stamp: Stamp<'_>,
) -> Result<Vec<Change>> {
    let procedure_id = &s.procedure.id;
    let population = population_of(s)?;
    if s.sample.is_some() {
        return Err(sample_exists(procedure_id));
    }
    let frame = population.frame().len();
    if frame == 0 {
        return Err(refuse(
            "population",
            ProblemCode::EmptyFrame,
            &[],
            "every item of the population is dated outside the audit period; there is nothing to sample".into(),
        ));
    }
    let rule_size = rules.size_for(request.frequency, frame).ok_or_else(|| {
        refuse(
            "frequency",
            ProblemCode::NoRule,
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
                return Err(refuse(
                    "size",
                    ProblemCode::SizeOutOfRange,
                    &[("frame", frame.to_string())],
                    format!("a sample size is from 1 to the {frame} items that can be drawn"),
                ));
            }
            if reason.is_none() {
                return Err(refuse(
                    "override_reason",
                    ProblemCode::OverrideNeedsReason,
                    &[("rule", rule_size.to_string())],
                    format!("a size other than the rule's {rule_size} needs the reason"),
                ));
            }
            n
        }
    };
    if request.by_quarter && population.items.iter().all(|i| i.date.is_none()) {
        return Err(refuse(
            "by_quarter",
            ProblemCode::NoDates,
            &[],
            "the population has no dates, so it cannot be stratified by quarter".into(),
        ));
    }
    ParkMiller::new(seed)?;
    let chosen = draw(population, size as usize, seed, request.by_quarter, period)?;
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
        procedure_id: procedure_id.clone(),
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
        population_sha256: items_hash(population),
        selected_by: stamp.by.into(),
        selected_at: stamp.at.into(),
        items,
    };
    Ok(vec![Change::SampleSelected { sample: Box::new(sample) }])
}

/// A sample chosen by the assessor (by item ID), with the reason.
pub fn select_manually(
    s: &ProcedureSampling,
    item_ids: &[String],
    reason: &str,
    period: (NaiveDate, NaiveDate),
    stamp: Stamp<'_>,
) -> Result<Vec<Change>> {
    let procedure_id = &s.procedure.id;
    let population = population_of(s)?;
    if reason.trim().is_empty() {
        return Err(Error::required("reason", "a sample chosen by hand needs the reason for the choice"));
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
            return Err(refuse(
                "items",
                ProblemCode::AlreadyInSample,
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
    if s.sample.is_some() {
        return Err(sample_exists(procedure_id));
    }
    let sample = Sample {
        procedure_id: procedure_id.clone(),
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
        population_sha256: items_hash(population),
        selected_by: stamp.by.into(),
        selected_at: stamp.at.into(),
        items,
    };
    Ok(vec![Change::SampleSelected { sample: Box::new(sample) }])
}

/// Adds a population item to a sample already drawn, with the reason.
pub fn add_sample_item(s: &ProcedureSampling, item_id: &str, reason: &str) -> Result<Vec<Change>> {
    let procedure_id = &s.procedure.id;
    let population = population_of(s)?;
    let sample = s.sample.as_ref().ok_or_else(|| no_sample(procedure_id))?;
    if reason.trim().is_empty() {
        return Err(Error::required("reason", "an item added to a sample needs the reason"));
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
    if let Some(taken) = sample.items.iter().find(|i| i.row == item.row) {
        return Err(refuse(
            "item",
            ProblemCode::AlreadyInSample,
            &[("item", item.item_id.clone())],
            format!("{} is already in the sample (as {})", item.item_id, taken.item_id),
        ));
    }
    Ok(vec![Change::SampleItemAdded { procedure_id: procedure_id.clone(), item }])
}

/// Sets a sample aside before any of it is tested (e.g. the wrong
/// frequency was chosen). `item_evidence` is the evidence linked to each
/// sample item, which must be unlinked first.
pub fn discard_sample(
    s: &ProcedureSampling,
    reason: &str,
    item_evidence: &[(String, Vec<String>)],
) -> Result<Vec<Change>> {
    let sample = s.sample.as_ref().ok_or_else(|| no_sample(&s.procedure.id))?;
    if reason.trim().is_empty() {
        return Err(Error::required("reason", "discarding a sample needs the reason"));
    }
    if !s.cells.is_empty() {
        return Err(refuse(
            "sample",
            ProblemCode::SampleTested,
            &[("procedure", s.procedure.id.clone())],
            format!("{} of the sample's cells are tested; empty them before discarding the sample", s.cells.len()),
        ));
    }
    for (item, evidence) in item_evidence {
        super::work::refuse_if_evidence(evidence, "sample", item)?;
    }
    Ok(vec![Change::SampleDiscarded { sample: Box::new(sample.clone()), reason: reason.trim().into() }])
}

/// Adds a test attribute (a grid column). Keys are never reused within a
/// procedure (`ever_added` counts the attributes it ever had), so a
/// reference to attribute B keeps its meaning after A is removed. The
/// engagement's first attribute also sets up the default tickmark legend,
/// if it has none.
pub fn add_attribute(
    s: &ProcedureSampling,
    ever_added: usize,
    default_legend: Vec<Tickmark>,
    text: &str,
) -> Result<Vec<Change>> {
    if text.trim().is_empty() {
        return Err(Error::required("text", "an attribute needs the thing to test written out"));
    }
    let mut changes = Vec::new();
    if s.legend.is_empty() {
        changes.extend(default_legend.into_iter().map(|tickmark| Change::TickmarkSet { tickmark, before: None }));
    }
    changes.push(Change::AttributeAdded {
        procedure_id: s.procedure.id.clone(),
        attribute: TestAttribute { key: attribute_key(ever_added), text: text.trim().into() },
    });
    Ok(changes)
}

fn attribute<'a>(s: &'a ProcedureSampling, key: &str) -> Result<&'a TestAttribute> {
    s.attributes.iter().find(|a| a.key == key).ok_or_else(|| no_attribute(&s.procedure.id, key))
}

pub fn edit_attribute(s: &ProcedureSampling, key: &str, text: &str) -> Result<Vec<Change>> {
    let before = attribute(s, key)?;
    if text.trim().is_empty() {
        return Err(Error::required("text", "an attribute needs the thing to test written out"));
    }
    if before.text == text.trim() {
        return Ok(Vec::new());
    }
    Ok(vec![Change::AttributeEdited {
        procedure_id: s.procedure.id.clone(),
        key: key.into(),
        before: before.text.clone(),
        after: text.trim().into(),
    }])
}

/// Removes a grid column, while none of its cells is tested.
pub fn remove_attribute(s: &ProcedureSampling, key: &str) -> Result<Vec<Change>> {
    let attribute = attribute(s, key)?;
    let tested = s.cells.iter().filter(|c| c.attribute == key).count();
    if tested > 0 {
        return Err(refuse(
            "attribute",
            ProblemCode::AttributeTested,
            &[("attribute", key.to_string())],
            format!("attribute {key} has {tested} tested cell(s); empty them first"),
        ));
    }
    Ok(vec![Change::AttributeRemoved { procedure_id: s.procedure.id.clone(), attribute: attribute.clone() }])
}

/// Enters a grid cell. A failure becomes an exception of the procedure
/// pointing at the sample item, with the cell's comment as its facts (under
/// `next_exception_id` when new); a failure changed to anything else takes
/// its exception away.
pub fn set_cell(
    s: &ProcedureSampling,
    no: u32,
    attribute_key: &str,
    input: &CellInput,
    next_exception_id: String,
) -> Result<Vec<Change>> {
    let procedure_id = &s.procedure.id;
    let sample = s
        .sample
        .as_ref()
        .ok_or_else(|| Error::NotFound { what: "sample item", id: format!("{procedure_id}/S{no}") })?;
    if !sample.items.iter().any(|i| i.no == no) {
        return Err(Error::NotFound { what: "sample item", id: format!("{procedure_id}/S{no}") });
    }
    attribute(s, attribute_key)?;
    let tickmark = input.tickmark.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    if let Some(mark) = &tickmark {
        if !s.legend.iter().any(|t| &t.mark == mark) {
            return Err(refuse(
                "tickmark",
                ProblemCode::UnknownTickmark,
                &[("mark", mark.clone())],
                format!("\"{mark}\" is not in the engagement's tickmark legend; add it to the legend first"),
            ));
        }
    }
    let comment = input.comment.trim().to_string();
    if input.result == Some(CellResult::Fail) && comment.is_empty() {
        return Err(refuse(
            "comment",
            ProblemCode::FailNeedsComment,
            &[],
            "a failed test needs its facts in the comment; they become the exception".into(),
        ));
    }
    let before = s.cells.iter().find(|c| c.no == no && c.attribute == attribute_key).cloned();
    let before_exception = before.as_ref().and_then(|c| c.exception_id.clone());
    let exception_of = |id: &str| {
        s.procedure
            .exceptions
            .iter()
            .find(|e| e.id == id)
            .cloned()
            .ok_or_else(|| Error::NotFound { what: "exception", id: id.into() })
    };
    let mut changes = Vec::new();
    let mut exception_id = None;
    match (input.result, &before_exception) {
        (Some(CellResult::Fail), Some(id)) => {
            let current = exception_of(id)?;
            if current.text != comment {
                changes.push(Change::ExceptionEdited { id: id.clone(), before: current.text, after: comment.clone() });
            }
            exception_id = Some(id.clone());
        }
        (Some(CellResult::Fail), None) => {
            let exception = ExceptionRecord {
                id: next_exception_id,
                procedure_id: procedure_id.clone(),
                text: comment.clone(),
                sample_item: Some(format!("{procedure_id}/S{no}")),
                attribute: Some(attribute_key.into()),
            };
            exception_id = Some(exception.id.clone());
            changes.push(Change::ExceptionAdded { exception });
        }
        (_, Some(id)) => changes.push(Change::ExceptionRemoved { exception: exception_of(id)? }),
        (_, None) => {}
    }
    let after = input.result.map(|result| GridCell {
        no,
        attribute: attribute_key.into(),
        result,
        tickmark,
        comment,
        exception_id,
    });
    if after == before {
        return Ok(Vec::new());
    }
    // The cell is written before its exception goes, and after it comes,
    // so that no state in between points at a missing exception.
    let cell =
        Change::CellSet { procedure_id: procedure_id.clone(), no, attribute: attribute_key.into(), before, after };
    if matches!(changes.first(), Some(Change::ExceptionRemoved { .. })) {
        changes.insert(0, cell);
    } else {
        changes.push(cell);
    }
    Ok(changes)
}

/// Adds a tickmark to the engagement's legend, or changes its meaning.
pub fn set_tickmark(legend: &[Tickmark], tickmark: Tickmark) -> Result<Vec<Change>> {
    let tickmark = Tickmark {
        mark: tickmark.mark.trim().into(),
        meaning_ja: tickmark.meaning_ja.trim().into(),
        meaning_en: tickmark.meaning_en.trim().into(),
    };
    if tickmark.mark.is_empty() || tickmark.mark.chars().count() > 8 {
        return Err(Error::invalid("mark", "a tickmark is one to eight characters"));
    }
    if tickmark.meaning_ja.is_empty() && tickmark.meaning_en.is_empty() {
        return Err(Error::required("meaning", "a tickmark needs its meaning, in Japanese or English"));
    }
    let before = legend.iter().find(|t| t.mark == tickmark.mark).cloned();
    if before.as_ref() == Some(&tickmark) {
        return Ok(Vec::new());
    }
    Ok(vec![Change::TickmarkSet { tickmark, before }])
}

/// The procedure's result as its grid gives it: an exception when it has
/// any; no exception (or not applicable, when every cell is) when every
/// cell is tested; none while cells are open. `None` when the procedure has
/// no sample or no attributes, whose result the assessor sets by hand.
pub fn grid_result(s: &ProcedureSampling) -> Option<Option<ResultKind>> {
    let sample = s.sample.as_ref()?;
    if s.attributes.is_empty() || sample.items.is_empty() {
        return None;
    }
    if !s.procedure.exceptions.is_empty() {
        return Some(Some(ResultKind::Exception));
    }
    if s.cells.len() < sample.items.len() * s.attributes.len() {
        return Some(None);
    }
    Some(Some(if s.cells.iter().all(|c| c.result == CellResult::NotApplicable) {
        ResultKind::NotApplicable
    } else {
        ResultKind::NoException
    }))
}

/// After a sampling change, the procedure's result follows its grid, as a
/// visible change of its own.
pub fn follow_grid(s: &ProcedureSampling) -> Option<Change> {
    let result = grid_result(s)?;
    if s.procedure.result == result {
        return None;
    }
    Some(Change::ProcedureUpdated {
        id: s.procedure.id.clone(),
        changes: vec![FieldChange { field: "result".into(), before: json!(s.procedure.result), after: json!(result) }],
    })
}

/// Draws `size` items from the population by the method of
/// `docs/sampling.md`; returns 0-based item indexes in the order chosen.
fn draw(
    population: &Population,
    size: usize,
    seed: u64,
    by_quarter: bool,
    period: (NaiveDate, NaiveDate),
) -> Result<Vec<usize>> {
    if by_quarter {
        let dates: Vec<_> = population.items.iter().map(|i| if i.out_of_period { None } else { i.date }).collect();
        select_by_quarter(&dates, period, size, seed)
    } else {
        let mut generator = ParkMiller::new(seed)?;
        Ok(select(&population.frame(), size, &mut generator))
    }
}

/// Draws the sample again from its record and compares.
pub fn reproduce(s: &ProcedureSampling) -> Result<Reproduction> {
    let procedure_id = &s.procedure.id;
    let population = population_of(s)?;
    let sample = s.sample.as_ref().ok_or_else(|| no_sample(procedure_id))?;
    let mut problems = Vec::new();
    if items_hash(population) != sample.population_sha256 {
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
                    problems
                        .push(format!("the size {} differs from the rule's {rule_size} without a reason", sample.size));
                }
            }
            let chosen = draw(
                population,
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
        procedure_id: procedure_id.clone(),
        method: sample.method,
        seed: sample.seed,
        size: sample.size,
        recorded,
        redrawn,
        problems,
    })
}

// ---- The firm's rule table ----------------------------------------------------------

/// What is wrong with a rule table, by field: it needs a name and a version
/// (every sample records them), sizes from 1 to 1,000, and each frequency at
/// most once.
pub fn rule_table_problems(table: &SampleRuleTable) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    for (field, value) in [("name", &table.name), ("version", &table.version)] {
        if value.trim().is_empty() {
            problems.push(FieldProblem::new(
                field,
                ProblemCode::Required,
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
                ProblemCode::SizeRange,
                &[("min", "1".into()), ("max", "1000".into())],
                format!("{frequency}: {} is not a size from 1 to 1000", rule.size),
            ));
        }
        if table.sizes[..i].iter().any(|r| r.frequency == rule.frequency) {
            problems.push(FieldProblem::new(
                "sizes",
                ProblemCode::DuplicateFrequency,
                &[("frequency", frequency.into())],
                format!("{frequency} is given twice"),
            ));
        }
    }
    problems
}

/// Whether two tables give the same size for every frequency, in whatever order.
pub fn same_sizes(a: &SampleRuleTable, b: &SampleRuleTable) -> bool {
    a.sizes.len() == b.sizes.len() && a.sizes.iter().all(|rule| b.sizes.contains(rule))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::procedure::{Evaluation, ProcedureKind};
    use crate::model::sampling::Frequency;

    fn state() -> ProcedureSampling {
        ProcedureSampling {
            procedure: Procedure {
                id: "4.4.1.1/P3".into(),
                control_id: "4.4.1.1".into(),
                kind: ProcedureKind::Inspection,
                evaluation: Evaluation::Operating,
                text_ja: "閲覧".into(),
                text_en: String::new(),
                assignee: None,
                work_done: String::new(),
                result: None,
                notes: String::new(),
                exceptions: Vec::new(),
                target: None,
            },
            population: None,
            sample: None,
            attributes: Vec::new(),
            cells: Vec::new(),
            legend: Vec::new(),
        }
    }

    const STAMP: Stamp<'static> = Stamp { by: "佐藤 花子", at: "2026-05-01T00:00:00.000Z" };
    fn period() -> (NaiveDate, NaiveDate) {
        ("2025-10-01".parse().unwrap(), "2026-09-30".parse().unwrap())
    }

    fn sampled(count: u32, size: usize) -> ProcedureSampling {
        let mut s = state();
        let [Change::PopulationImported { population }] = &count_population(&s, count, STAMP).unwrap()[..] else {
            panic!("a population")
        };
        s.population = Some((**population).clone());
        let request = SampleRequest {
            frequency: Frequency::Monthly,
            size_override: Some(size as u32),
            override_reason: Some("reason".into()),
            seed: Some(1),
            by_quarter: false,
        };
        let rules = SampleRuleTable::default_table().unwrap();
        let [Change::SampleSelected { sample }] = &select_sample(&s, &rules, &request, period(), 1, STAMP).unwrap()[..]
        else {
            panic!("a sample")
        };
        s.sample = Some((**sample).clone());
        s.attributes.push(TestAttribute { key: "A".into(), text: "承認".into() });
        s
    }

    #[test]
    fn a_sample_needs_a_population_and_only_one_is_drawn() {
        let rules = SampleRuleTable::default_table().unwrap();
        let request = SampleRequest {
            frequency: Frequency::Monthly,
            size_override: None,
            override_reason: None,
            seed: None,
            by_quarter: false,
        };
        let Err(Error::Invalid { problems }) = select_sample(&state(), &rules, &request, period(), 7, STAMP) else {
            panic!("no population")
        };
        assert_eq!(problems[0].code, "no_population");
        let s = sampled(48, 3);
        let Err(Error::Invalid { problems }) = select_sample(&s, &rules, &request, period(), 7, STAMP) else {
            panic!("already sampled")
        };
        assert_eq!(problems[0].code, "sample_exists");
        let Err(Error::Invalid { problems }) = count_population(&s, 10, STAMP) else { panic!("sample drawn") };
        assert_eq!(problems[0].code, "sample_drawn");
    }

    #[test]
    fn a_failed_cell_needs_its_facts_and_becomes_an_exception() {
        let s = sampled(48, 2);
        let fail = CellInput { result: Some(CellResult::Fail), tickmark: None, comment: " ".into() };
        let Err(Error::Invalid { problems }) = set_cell(&s, 1, "A", &fail, "E-0001".into()) else { panic!("refused") };
        assert_eq!(problems[0].code, "fail_needs_comment");
        let fail = CellInput { comment: "承認記録なし".into(), ..fail };
        let changes = set_cell(&s, 1, "A", &fail, "E-0001".into()).unwrap();
        let [Change::ExceptionAdded { exception }, Change::CellSet { after: Some(cell), .. }] = &changes[..] else {
            panic!("an exception, then the cell: {changes:?}")
        };
        assert_eq!(
            (exception.sample_item.as_deref(), cell.exception_id.as_deref()),
            (Some("4.4.1.1/P3/S1"), Some("E-0001"))
        );
    }

    #[test]
    fn the_result_follows_the_grid() {
        let mut s = sampled(48, 2);
        assert_eq!(grid_result(&s), Some(None));
        for no in 1..=2 {
            s.cells.push(GridCell {
                no,
                attribute: "A".into(),
                result: CellResult::Pass,
                tickmark: None,
                comment: String::new(),
                exception_id: None,
            });
        }
        let Some(Change::ProcedureUpdated { changes, .. }) = follow_grid(&s) else { panic!("the result follows") };
        assert_eq!(changes[0].after, json!("no_exception"));
        s.procedure.result = Some(ResultKind::NoException);
        assert!(follow_grid(&s).is_none());
        assert!(remove_attribute(&s, "A").is_err());
        assert!(discard_sample(&s, "wrong frequency", &[]).is_err());
    }
}

//! Sampling for operating-effectiveness tests: the sample-size rule table
//! and the reproducible selection described in `docs/sampling.md`, which
//! anyone can re-perform by hand or in a spreadsheet.
//!
//! The records kept in the engagement file (populations, samples, test
//! grids, the tickmark legend) are defined here too; `db::sampling` stores
//! them and `docs/sampling.md` describes the method.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldProblem, InputProblem, ProblemCode, Result};

text_enum!(
    /// How often a control operates.
    Frequency {
        MultipleDaily = "multiple_daily",
        Daily = "daily",
        Weekly = "weekly",
        Monthly = "monthly",
        Quarterly = "quarterly",
        Annual = "annual",
        /// An automated control, with effective IT general controls.
        Automated = "automated",
    }
);

/// Sample sizes by control frequency. The ISMAP table is not published
/// (ISMAP.md section 3), so this is data: a default shipped in
/// `assets/rules/sample-sizes.json`, which a firm can replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SampleRuleTable {
    pub name: String,
    pub version: String,
    pub sizes: Vec<SampleRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SampleRule {
    pub frequency: Frequency,
    pub size: u32,
}

/// The default table (common SOX/ITGC practice, ISMAP.md section 3).
pub const DEFAULT_SAMPLE_SIZES_JSON: &str = include_str!("../../../../assets/rules/sample-sizes.json");

impl SampleRuleTable {
    pub fn default_table() -> Result<SampleRuleTable> {
        serde_json::from_str(DEFAULT_SAMPLE_SIZES_JSON).map_err(|e| Error::Import {
            file: "assets/rules/sample-sizes.json".into(),
            problems: vec![InputProblem {
                location: format!("line {}, column {}", e.line(), e.column()),
                message: e.to_string(),
            }],
        })
    }

    /// The sample size for a frequency, never more than the population.
    pub fn size_for(&self, frequency: Frequency, population: usize) -> Option<usize> {
        self.sizes.iter().find(|r| r.frequency == frequency).map(|r| (r.size as usize).min(population))
    }
}

/// The Park–Miller "minimal standard" generator: x ← 16807·x mod (2³¹−1).
/// Chosen because every step is exact in a spreadsheet
/// (`=MOD(16807*B1, 2147483647)` stays below 2⁵³).
#[derive(Debug, Clone)]
pub struct ParkMiller {
    x: u64,
}

pub const MODULUS: u64 = 2_147_483_647;
pub const MULTIPLIER: u64 = 16_807;

impl ParkMiller {
    /// A seed must lie in 1 ..= 2³¹−2 (0 and the modulus would repeat forever).
    pub fn new(seed: u64) -> Result<ParkMiller> {
        if seed == 0 || seed >= MODULUS {
            return Err(Error::Invalid {
                problems: vec![FieldProblem::new(
                    "seed",
                    ProblemCode::SeedOutOfRange,
                    &[("seed", seed.to_string()), ("max", (MODULUS - 1).to_string())],
                    format!("the seed must be between 1 and {}; {seed} is not", MODULUS - 1),
                )],
            });
        }
        Ok(ParkMiller { x: seed })
    }

    pub fn next_value(&mut self) -> u64 {
        self.x = self.x * MULTIPLIER % MODULUS;
        self.x
    }
}

/// Selects `n` of the positions `0..frame_len` without replacement: at
/// step k the next value x picks position `x mod remaining` (0-based) of
/// the positions not yet chosen, in their original order. Returns the
/// positions in the order they were chosen.
pub fn select(frame: &[usize], n: usize, generator: &mut ParkMiller) -> Vec<usize> {
    let mut remaining: Vec<usize> = frame.to_vec();
    let mut chosen = Vec::with_capacity(n.min(remaining.len()));
    while chosen.len() < n && !remaining.is_empty() {
        let x = generator.next_value();
        let j = (x % remaining.len() as u64) as usize;
        chosen.push(remaining.remove(j));
    }
    chosen
}

/// The unstratified selection of `n` of `frame_len` items (0-based rows of the frame).
pub fn select_simple(frame_len: usize, n: usize, seed: u64) -> Result<Vec<usize>> {
    let mut generator = ParkMiller::new(seed)?;
    let frame: Vec<usize> = (0..frame_len).collect();
    Ok(select(&frame, n, &mut generator))
}

/// The quarters of an audit period: consecutive three-month windows from
/// its first day (the last one ends with the period).
pub fn quarters(start: NaiveDate, end: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut from = start;
    while from <= end {
        let next = from.checked_add_months(Months::new(3)).unwrap_or(end);
        let to = next.pred_opt().unwrap_or(next).min(end);
        out.push((from, to));
        if next <= from {
            break;
        }
        from = next;
    }
    out
}

/// How many items each stratum gets: one each, then `n − S` shared in
/// proportion to stratum sizes (rounded down), then the rest one by one to
/// the strata with the largest remainders (earlier strata first on ties),
/// skipping strata already fully chosen. `sizes` are the non-empty strata.
pub fn allocate(sizes: &[usize], n: usize) -> Result<Vec<usize>> {
    let strata = sizes.len();
    let total: usize = sizes.iter().sum();
    if strata == 0 {
        return Ok(Vec::new());
    }
    if n < strata {
        return Err(Error::Invalid {
            problems: vec![FieldProblem::new(
                "size",
                ProblemCode::TooSmallToStratify,
                &[("size", n.to_string()), ("strata", strata.to_string())],
                format!("a sample of {n} cannot cover {strata} periods; raise the size or do not stratify"),
            )],
        });
    }
    let n = n.min(total);
    let share = n - strata;
    let mut alloc: Vec<usize> = sizes.iter().map(|s| 1 + share * s / total).collect();
    let remainder: Vec<usize> = sizes.iter().map(|s| share * s % total).collect();
    let mut order: Vec<usize> = (0..strata).collect();
    order.sort_by(|a, b| remainder[*b].cmp(&remainder[*a]).then(a.cmp(b)));
    let mut left = n - alloc.iter().sum::<usize>();
    while left > 0 {
        let mut gave = false;
        for &s in &order {
            if left > 0 && alloc[s] < sizes[s] {
                alloc[s] += 1;
                left -= 1;
                gave = true;
            }
        }
        if !gave {
            break;
        }
    }
    Ok(alloc)
}

/// The stratified selection: items are put in the quarter their date falls
/// in (items without a date, or outside the period, are not in the frame),
/// each quarter gets its allocation, and quarters are sampled in order with
/// one generator continuing from quarter to quarter. Returns 0-based rows of
/// `dates`, in the order chosen.
pub fn select_by_quarter(
    dates: &[Option<NaiveDate>],
    period: (NaiveDate, NaiveDate),
    n: usize,
    seed: u64,
) -> Result<Vec<usize>> {
    let mut generator = ParkMiller::new(seed)?;
    let strata: Vec<Vec<usize>> = quarters(period.0, period.1)
        .into_iter()
        .map(|(from, to)| {
            dates.iter().enumerate().filter(|(_, d)| d.is_some_and(|d| d >= from && d <= to)).map(|(i, _)| i).collect()
        })
        .filter(|rows: &Vec<usize>| !rows.is_empty())
        .collect();
    let alloc = allocate(&strata.iter().map(Vec::len).collect::<Vec<_>>(), n)?;
    let mut chosen = Vec::new();
    for (rows, count) in strata.iter().zip(alloc) {
        chosen.extend(select(rows, count, &mut generator));
    }
    Ok(chosen)
}

text_enum!(
    /// How a sample was chosen.
    SelectionMethod { Random = "random", Manual = "manual" }
);

text_enum!(
    /// How one item came into a sample.
    ItemOrigin {
        /// Drawn by the recorded seed.
        Random = "random",
        /// Chosen by the assessor instead of a random draw.
        Manual = "manual",
        /// Added by the assessor to a sample already drawn.
        Added = "added",
    }
);

text_enum!(
    /// The outcome of testing one attribute on one sample item.
    CellResult { Pass = "pass", Fail = "fail", NotApplicable = "not_applicable" }
);

/// One item of a population, in import order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PopulationItem {
    /// 1-based position in the population: the frame row of `docs/sampling.md`.
    pub row: u32,
    pub item_id: String,
    #[cfg_attr(feature = "ts", ts(as = "Option<crate::model::IsoDate>"))]
    pub date: Option<NaiveDate>,
    pub description: String,
    /// The values of the population's other columns, in `Population::columns` order.
    pub extra: Vec<String>,
    /// Dated outside the audit period: flagged, and left out of the frame.
    pub out_of_period: bool,
}

/// The population a procedure samples from: a list imported from a file,
/// or only a count when the provider has no list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Population {
    pub procedure_id: String,
    /// The imported file's name, or `None` for a population given as a count.
    pub source_name: Option<String>,
    /// SHA-256 of the imported file, so the list can be traced to its source.
    pub source_sha256: Option<String>,
    /// How many items the population has (the list's length, or the count given).
    pub count: u32,
    /// Headers of the columns kept besides ID, date and description.
    pub columns: Vec<String>,
    pub items: Vec<PopulationItem>,
    pub imported_by: String,
    pub imported_at: String,
}

impl Population {
    /// The frame of `docs/sampling.md`: the 0-based indexes of the items
    /// that can be drawn (all rows of a counted population).
    pub fn frame(&self) -> Vec<usize> {
        if self.items.is_empty() {
            (0..self.count as usize).collect()
        } else {
            self.items.iter().enumerate().filter(|(_, i)| !i.out_of_period).map(|(n, _)| n).collect()
        }
    }

    /// The item ID of the 0-based index: its ID in a list, or `#n` (its row
    /// number) in a counted population.
    pub fn item_id_at(&self, index: usize) -> String {
        match self.items.get(index) {
            Some(item) => item.item_id.clone(),
            None => format!("#{}", index + 1),
        }
    }

    /// The 0-based index of an item ID (`#n` for a counted population).
    pub fn index_of(&self, item_id: &str) -> Option<usize> {
        if self.items.is_empty() {
            let n: usize = item_id.strip_prefix('#')?.parse().ok()?;
            (1..=self.count as usize).contains(&n).then(|| n - 1)
        } else {
            self.items.iter().position(|i| i.item_id == item_id)
        }
    }
}

/// SHA-256 over the population's items (ID, date, flag, one line each), or
/// over its count: what a sample records to notice a replaced list.
pub fn items_hash(p: &Population) -> String {
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

/// Which columns of an imported table hold the ID, date and description
/// (0-based). Every other column is kept as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PopulationColumns {
    pub item_id: u32,
    pub date: Option<u32>,
    pub description: Option<u32>,
}

/// A population file as read, before it is imported: for the import
/// dialog to show and to choose the columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PopulationPreview {
    pub file_name: String,
    /// The sheet read, for a workbook (the first one).
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    /// The first rows, as text.
    pub rows: Vec<Vec<String>>,
    pub total_rows: u32,
    /// The columns guessed from the headers.
    pub guess: PopulationColumns,
}

/// What the assessor asks for when drawing a sample at random.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SampleRequest {
    pub frequency: Frequency,
    /// A size other than the rule's, which needs `override_reason`.
    pub size_override: Option<u32>,
    pub override_reason: Option<String>,
    /// The seed to draw with; a new one is made when absent.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub seed: Option<u64>,
    /// At least one item from each quarter of the audit period.
    pub by_quarter: bool,
}

/// One sample item: a population item chosen for testing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SampleItem {
    /// 1-based, in the order chosen; the row of the test grid.
    pub no: u32,
    /// `PROCEDURE/Sn`, what evidence and exceptions point at.
    pub id: String,
    /// The item's 1-based row in the population.
    pub row: u32,
    pub item_id: String,
    pub origin: ItemOrigin,
    /// Why the assessor chose or added it (empty for a random draw).
    pub reason: String,
}

/// A sample with everything needed to draw it again: the rule table as it
/// was, the frequency, the size and any override, the seed and the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Sample {
    pub procedure_id: String,
    pub method: SelectionMethod,
    pub frequency: Option<Frequency>,
    /// The rule table used, copied whole: a later edit of the firm's table
    /// changes only samples drawn after it.
    pub rule_table: Option<SampleRuleTable>,
    /// The size the rule gives for this frequency and population.
    pub rule_size: Option<u32>,
    /// The size drawn (the rule's unless overridden).
    pub size: u32,
    pub override_reason: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub seed: Option<u64>,
    pub by_quarter: bool,
    /// The audit period the population was checked and stratified against.
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub period_start: NaiveDate,
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub period_end: NaiveDate,
    /// SHA-256 of the population's item IDs in order, so a replaced list is noticed.
    pub population_sha256: String,
    pub selected_by: String,
    pub selected_at: String,
    pub items: Vec<SampleItem>,
}

/// One thing tested on every sample item (a column of the grid), e.g.
/// "approved before the change".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TestAttribute {
    /// `A`, `B`, ... in the order added; never reused in a procedure.
    pub key: String,
    pub text: String,
}

/// One cell of the test grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GridCell {
    /// The sample item's number (the grid row).
    pub no: u32,
    pub attribute: String,
    pub result: CellResult,
    pub tickmark: Option<String>,
    pub comment: String,
    /// The exception a failure became.
    pub exception_id: Option<String>,
}

/// What the assessor enters in a cell; `result: None` empties it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CellInput {
    pub result: Option<CellResult>,
    pub tickmark: Option<String>,
    pub comment: String,
}

/// A tickmark and what it means, in the engagement's legend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Tickmark {
    pub mark: String,
    pub meaning_ja: String,
    pub meaning_en: String,
}

/// The legend an engagement starts with, when its first grid is made.
pub const DEFAULT_TICKMARKS_JSON: &str = include_str!("../../../../assets/rules/tickmarks.json");

pub fn default_tickmarks() -> Result<Vec<Tickmark>> {
    serde_json::from_str(DEFAULT_TICKMARKS_JSON).map_err(|e| Error::Import {
        file: "assets/rules/tickmarks.json".into(),
        problems: vec![InputProblem {
            location: format!("line {}, column {}", e.line(), e.column()),
            message: e.to_string(),
        }],
    })
}

/// Everything the sampling panel shows for one procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SamplingState {
    pub procedure_id: String,
    /// The procedure's main assessment target, whose default frequency a sample starts from.
    pub target: Option<super::procedure::AssessmentTarget>,
    pub population: Option<Population>,
    /// The population in figures, which stay right when its list is trimmed.
    pub population_summary: Option<PopulationSummary>,
    pub sample: Option<Sample>,
    pub attributes: Vec<TestAttribute>,
    pub cells: Vec<GridCell>,
    pub legend: Vec<Tickmark>,
    /// The versions of the procedure's control, if it changed during the
    /// period (CC2022 §2.2.4): each item is tested against the version in
    /// force on its date.
    pub versions: Vec<super::change::ControlVersion>,
    /// For each sample item, in grid order, its date and the version then in force.
    pub item_versions: Vec<ItemVersion>,
    /// How many items of the frame fall in each version, in version order.
    pub frame_by_version: Vec<u32>,
    /// How many sample items fall in each version, in version order.
    pub sampled_by_version: Vec<u32>,
    /// Versions no sample item falls in: the sample tests none of their operation.
    pub untested_versions: Vec<u32>,
}

/// The version of a changed control a sample item is tested against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemVersion {
    /// The item's row in the grid (`SampleItem::no`).
    pub no: u32,
    #[cfg_attr(feature = "ts", ts(as = "Option<crate::model::IsoDate>"))]
    pub date: Option<NaiveDate>,
    /// None when the item has no date, or its date is outside the period.
    pub version: Option<u32>,
}

impl SamplingState {
    /// Assigns each sample item and frame item to the version of its
    /// control in force on its date.
    pub fn with_versions(mut self, versions: Vec<super::change::ControlVersion>) -> SamplingState {
        use super::change::version_on;
        self.item_versions.clear();
        self.frame_by_version.clear();
        self.sampled_by_version.clear();
        self.untested_versions.clear();
        if !versions.is_empty() {
            if let Some(population) = &self.population {
                let by_row: std::collections::HashMap<u32, Option<NaiveDate>> =
                    population.items.iter().map(|i| (i.row, i.date)).collect();
                if let Some(sample) = &self.sample {
                    self.item_versions = sample
                        .items
                        .iter()
                        .map(|i| {
                            let date = by_row.get(&i.row).copied().flatten();
                            ItemVersion { no: i.no, date, version: date.and_then(|d| version_on(&versions, d)) }
                        })
                        .collect();
                }
                // Version numbers run 1, 2, ... in order, so a version's count is at `no - 1`.
                let count = |dates: &mut dyn Iterator<Item = Option<NaiveDate>>| {
                    let mut counts = vec![0u32; versions.len()];
                    for v in dates.filter_map(|d| d.and_then(|d| version_on(&versions, d))) {
                        if let Some(n) = (v as usize).checked_sub(1).and_then(|i| counts.get_mut(i)) {
                            *n += 1;
                        }
                    }
                    counts
                };
                self.frame_by_version =
                    count(&mut population.frame().into_iter().map(|n| population.items.get(n).and_then(|i| i.date)));
                if self.sample.is_some() {
                    self.sampled_by_version = count(&mut self.item_versions.iter().map(|i| i.date));
                    self.untested_versions = versions
                        .iter()
                        .map(|v| v.no)
                        .filter(|no| !self.item_versions.iter().any(|i| i.version == Some(*no)))
                        .collect();
                }
            }
        }
        self.versions = versions;
        self
    }
}

/// A population in figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PopulationSummary {
    /// Items in the list; 0 for a population given only as a count.
    pub listed: u32,
    /// Items that can be drawn: those of the list dated in the audit period, or the count.
    pub frame: u32,
    pub out_of_period: u32,
    /// Whether any item has a date (a sample can then be stratified by quarter).
    pub has_dates: bool,
    /// Whether `population.items` holds only the items in the sample and the
    /// first items out of the period, instead of the whole list (see
    /// `SamplingState::trimmed`).
    pub trimmed: bool,
}

impl PopulationSummary {
    pub fn of(population: &Population) -> PopulationSummary {
        let count = |f: &dyn Fn(&PopulationItem) -> bool| population.items.iter().filter(|i| f(i)).count() as u32;
        PopulationSummary {
            listed: population.items.len() as u32,
            frame: population.frame().len() as u32,
            out_of_period: count(&|i| i.out_of_period),
            has_dates: population.items.iter().any(|i| i.date.is_some()),
            trimmed: false,
        }
    }
}

/// How many items out of the audit period the app's panel lists; it gives
/// the number of all of them.
pub const SHOWN_OUT_OF_PERIOD: usize = 200;

impl SamplingState {
    /// The state with the population's list cut down to what the app's panel
    /// shows: the items in the sample, and the first `SHOWN_OUT_OF_PERIOD`
    /// items out of the period. A list of 100,000 items is about 14 MB of
    /// JSON, which the app would otherwise receive after every cell typed in
    /// the grid. The figures stay in `population_summary`; the whole list is
    /// in the file and the CLI.
    pub fn trimmed(mut self) -> SamplingState {
        if let Some(population) = self.population.as_mut() {
            let sampled: std::collections::HashSet<u32> =
                self.sample.iter().flat_map(|s| s.items.iter().map(|i| i.row)).collect();
            let mut outside = 0;
            population.items.retain(|i| {
                let shown_outside = i.out_of_period && outside < SHOWN_OUT_OF_PERIOD;
                outside += usize::from(i.out_of_period);
                shown_outside || sampled.contains(&i.row)
            });
            if let Some(summary) = self.population_summary.as_mut() {
                summary.trimmed = true;
            }
        }
        self
    }
}

/// What `sample reproduce` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Reproduction {
    pub procedure_id: String,
    pub method: SelectionMethod,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub seed: Option<u64>,
    pub size: u32,
    /// The random draw as recorded and as drawn again (item IDs, in order).
    pub recorded: Vec<String>,
    pub redrawn: Vec<String>,
    /// Problems found; none means the sample is confirmed.
    pub problems: Vec<String>,
}

impl Reproduction {
    pub fn matches(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The grid's key for the n-th attribute (0-based): A..Z, then AA, AB, ...
pub fn attribute_key(index: usize) -> String {
    // The same lettering as spreadsheet columns, which assessors expect of a grid.
    crate::import::letters(index)
}

/// A seed for a new sample, made from the time and the procedure so that
/// two samples drawn at once differ. It is recorded, so its origin does not
/// matter to a reviewer.
pub fn new_seed(at: &str, procedure_id: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new().chain_update(at.as_bytes()).chain_update(procedure_id.as_bytes()).finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % (MODULUS - 1) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_default_table_is_the_common_practice_of_ismap_md() {
        let table = SampleRuleTable::default_table().unwrap();
        let size = |f| table.size_for(f, 1000).unwrap();
        assert_eq!(
            [Frequency::MultipleDaily, Frequency::Daily, Frequency::Weekly, Frequency::Monthly, Frequency::Quarterly]
                .map(size),
            [25, 25, 5, 2, 2]
        );
        assert_eq!((size(Frequency::Annual), size(Frequency::Automated)), (1, 1));
        assert_eq!(table.size_for(Frequency::Daily, 7), Some(7), "never more than the population");
    }

    #[test]
    fn the_generator_matches_the_published_minimal_standard() {
        // Park and Miller (1988): from seed 1, the 10,000th value is 1043618065.
        let mut g = ParkMiller::new(1).unwrap();
        let mut x = 0;
        for _ in 0..10_000 {
            x = g.next_value();
        }
        assert_eq!(x, 1_043_618_065);
        assert_eq!(ParkMiller::new(0).unwrap_err().kind(), "invalid");
        assert_eq!(ParkMiller::new(MODULUS).unwrap_err().kind(), "invalid");
    }

    #[test]
    fn quarters_cover_the_period() {
        let q = quarters(day(2025, 4, 1), day(2026, 3, 31));
        assert_eq!(q.len(), 4);
        assert_eq!(q[0], (day(2025, 4, 1), day(2025, 6, 30)));
        assert_eq!(q[3], (day(2026, 1, 1), day(2026, 3, 31)));
        let short = quarters(day(2025, 10, 1), day(2026, 1, 15));
        assert_eq!(short, [(day(2025, 10, 1), day(2025, 12, 31)), (day(2026, 1, 1), day(2026, 1, 15))]);
    }

    #[test]
    fn allocation_gives_each_stratum_one_and_shares_the_rest() {
        assert_eq!(allocate(&[5, 3, 4, 2], 6).unwrap(), [2, 1, 2, 1]);
        assert_eq!(allocate(&[1, 1, 10], 12).unwrap(), [1, 1, 10]);
        assert_eq!(allocate(&[3, 3], 25).unwrap(), [3, 3], "never more than the population");
        assert_eq!(allocate(&[3, 3, 3], 2).unwrap_err().kind(), "invalid");
    }
}

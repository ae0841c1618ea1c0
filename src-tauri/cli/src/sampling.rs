//! Sampling from the command line (`workbench sample ...`): populations,
//! selection, reproduction, test grids and the tickmark legend, and the
//! firm's sample-size rule table. The method is in docs/sampling.md.

use std::path::PathBuf;

use clap::Subcommand;
use workbench_core::api;
use workbench_core::model::event::Context;
use workbench_core::model::sampling::{
    CellInput, CellResult, Frequency, PopulationColumns, PopulationPreview, SampleRequest, SampleRuleTable,
    SamplingState, Tickmark,
};

use crate::messages::Messages;
use crate::{print_json, Failure, Outcome};

#[derive(Debug, Subcommand)]
pub enum SampleCommand {
    /// Give a procedure its population: a list from CSV or Excel, or only a count.
    Population {
        /// The engagement file.
        file: PathBuf,
        /// The procedure, e.g. 4.4.1.1/P3.
        #[arg(long, value_name = "ID")]
        procedure: String,
        /// The population list (.csv in UTF-8 or Shift_JIS, or .xlsx: its first sheet), with a header row.
        #[arg(long, value_name = "LIST", conflicts_with = "count", required_unless_present = "count")]
        import: Option<PathBuf>,
        /// A population with no list: how many items it has.
        #[arg(long)]
        count: Option<u32>,
        /// The column of the item ID, by header or number from 1 [default: guessed from the headers].
        #[arg(long, value_name = "COLUMN")]
        id_column: Option<String>,
        /// The column of the item date [default: guessed]; "-" for none.
        #[arg(long, value_name = "COLUMN")]
        date_column: Option<String>,
        /// The column of the description [default: guessed]; "-" for none.
        #[arg(long, value_name = "COLUMN")]
        description_column: Option<String>,
        /// Only show the columns and first rows, and the columns that would be used.
        #[arg(long)]
        preview: bool,
    },
    /// Draw a sample at random: the size from the firm's rule table by frequency, a recorded seed.
    Select {
        /// The engagement file.
        file: PathBuf,
        /// The procedure.
        #[arg(long, value_name = "ID")]
        procedure: String,
        /// How often the control operates.
        #[arg(long, value_parser = Frequency::ALL.to_vec())]
        frequency: String,
        /// A size other than the rule's (needs --reason).
        #[arg(long, requires = "reason")]
        size: Option<u32>,
        /// Why the size differs from the rule's.
        #[arg(long)]
        reason: Option<String>,
        /// The seed (1 to 2147483646) [default: a new one, recorded].
        #[arg(long)]
        seed: Option<u64>,
        /// Take at least one item from each quarter of the audit period.
        #[arg(long)]
        by_quarter: bool,
    },
    /// Choose the sample by hand, by item ID, with the reason.
    Pick {
        /// The engagement file.
        file: PathBuf,
        /// The procedure.
        #[arg(long, value_name = "ID")]
        procedure: String,
        /// Item IDs of the population (#3 for row 3 of a counted population); repeat for more.
        #[arg(long = "item", value_name = "ITEM", required = true)]
        items: Vec<String>,
        /// Why these items.
        #[arg(long)]
        reason: String,
    },
    /// Add an item of the population to the sample, with the reason.
    Add {
        /// The engagement file.
        file: PathBuf,
        /// The procedure.
        #[arg(long, value_name = "ID")]
        procedure: String,
        /// The item ID.
        #[arg(long = "item", value_name = "ITEM")]
        item: String,
        /// Why it is added.
        #[arg(long)]
        reason: String,
    },
    /// Set an untested sample aside, with the reason (it stays in the history).
    Discard {
        /// The engagement file.
        file: PathBuf,
        /// The procedure.
        #[arg(long, value_name = "ID")]
        procedure: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Show a procedure's population, sample and test grid.
    Show {
        /// The engagement file.
        file: PathBuf,
        /// The procedure.
        #[arg(long, value_name = "ID")]
        procedure: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Draw the sample again from its record and confirm it matches (exit 1 if not).
    Reproduce {
        /// The engagement file.
        file: PathBuf,
        /// The procedure.
        #[arg(long, value_name = "ID")]
        procedure: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Add, rename or remove a test attribute (a column of the grid).
    Attribute {
        /// The engagement file.
        file: PathBuf,
        /// The procedure.
        #[arg(long, value_name = "ID")]
        procedure: String,
        /// The attribute to add, e.g. "承認されている".
        #[arg(long, value_name = "TEXT", conflicts_with_all = ["edit", "remove"], required_unless_present_any = ["edit", "remove"])]
        add: Option<String>,
        /// The attribute to rename (A, B, ...), with --text.
        #[arg(long, value_name = "KEY", requires = "text", conflicts_with = "remove")]
        edit: Option<String>,
        /// Its new text.
        #[arg(long)]
        text: Option<String>,
        /// The attribute to remove (only while none of its cells is tested).
        #[arg(long, value_name = "KEY")]
        remove: Option<String>,
    },
    /// Record a test: one cell of the grid. A failure needs a comment and becomes an exception.
    Test {
        /// The engagement file.
        file: PathBuf,
        /// The procedure.
        #[arg(long, value_name = "ID")]
        procedure: String,
        /// The sample item: its number (3) or ID (4.4.1.1/P3/S3).
        #[arg(long = "item", value_name = "N")]
        item: String,
        /// The attribute (A, B, ...).
        #[arg(long)]
        attribute: String,
        /// The result; "clear" empties the cell.
        #[arg(long, value_parser = ["pass", "fail", "na", "clear"])]
        result: String,
        /// A tickmark of the engagement's legend.
        #[arg(long)]
        tickmark: Option<String>,
        /// What was found (required for a failure: it becomes the exception's text).
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Show the engagement's tickmark legend, or add or change a tickmark.
    Tickmark {
        /// The engagement file.
        file: PathBuf,
        /// The tickmark to add or change.
        #[arg(long, value_name = "MARK", requires = "ja")]
        set: Option<String>,
        /// Its meaning in Japanese.
        #[arg(long)]
        ja: Option<String>,
        /// Its meaning in English.
        #[arg(long, default_value = "")]
        en: String,
    },
    /// Show the firm's sample-size rule table, or replace it from a JSON file, or go back to the default.
    Rules {
        /// A rule table (JSON: name, version, sizes by frequency) to use for new samples.
        #[arg(long, value_name = "FILE", conflicts_with = "reset")]
        set: Option<PathBuf>,
        /// Go back to the shipped default table.
        #[arg(long)]
        reset: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(
    command: SampleCommand,
    data_dir: &dyn Fn() -> Result<PathBuf, Failure>,
    ctx: Context<'_>,
    m: &Messages,
) -> Outcome {
    match command {
        SampleCommand::Population {
            file,
            procedure,
            import,
            count,
            id_column,
            date_column,
            description_column,
            preview,
        } => {
            let state = match (import, count) {
                (Some(list), _) => {
                    let shown = api::preview_population(&list)?;
                    let columns = PopulationColumns {
                        item_id: match id_column {
                            Some(c) => {
                                column(&shown, &c)?.ok_or_else(|| Failure::Usage("--id-column cannot be -".into()))?
                            }
                            None => shown.guess.item_id,
                        },
                        date: chosen(&shown, date_column, shown.guess.date)?,
                        description: chosen(&shown, description_column, shown.guess.description)?,
                    };
                    if preview {
                        print_preview(&shown, &columns, m);
                        return Ok(());
                    }
                    api::import_population(&file, &procedure, &list, &columns, ctx)?
                }
                (None, Some(count)) => api::set_population_count(&file, &procedure, count, ctx)?,
                (None, None) => return Err(Failure::Usage("give --import LIST or --count N".into())),
            };
            print_population(&state, m);
            Ok(())
        }
        SampleCommand::Select { file, procedure, frequency, size, reason, seed, by_quarter } => {
            let request = SampleRequest {
                frequency: Frequency::parse(&frequency).ok_or_else(|| Failure::Usage("unknown frequency".into()))?,
                size_override: size,
                override_reason: reason,
                seed,
                by_quarter,
            };
            let state = api::select_sample(&file, &data_dir()?, &procedure, &request, ctx)?;
            print_sample(&state, m);
            Ok(())
        }
        SampleCommand::Pick { file, procedure, items, reason } => {
            print_sample(&api::select_sample_manually(&file, &procedure, &items, &reason, ctx)?, m);
            Ok(())
        }
        SampleCommand::Add { file, procedure, item, reason } => {
            print_sample(&api::add_sample_item(&file, &procedure, &item, &reason, ctx)?, m);
            Ok(())
        }
        SampleCommand::Discard { file, procedure, reason } => {
            api::discard_sample(&file, &procedure, &reason, ctx)?;
            println!("{}", m.get("sample.discarded", &[("procedure", &procedure)]));
            Ok(())
        }
        SampleCommand::Show { file, procedure, json } => {
            let state = api::sampling(&file, &procedure)?;
            if json {
                return print_json(&state);
            }
            print_population(&state, m);
            print_sample(&state, m);
            print_grid(&state, m);
            Ok(())
        }
        SampleCommand::Reproduce { file, procedure, json } => {
            let r = api::reproduce_sample(&file, &procedure)?;
            if json {
                print_json(&r)?;
            } else {
                let method = m.word(&format!("sample.method.{}", r.method.as_str()), r.method.as_str());
                let seed = r.seed.map_or("-".to_string(), |s| s.to_string());
                println!(
                    "{}",
                    m.get(
                        "sample.reproduce.head",
                        &[("procedure", &procedure), ("method", &method), ("seed", &seed), ("size", &r.size)]
                    )
                );
                println!("{}", m.get("sample.reproduce.recorded", &[("items", &r.recorded.join(" "))]));
                println!("{}", m.get("sample.reproduce.redrawn", &[("items", &r.redrawn.join(" "))]));
                for p in &r.problems {
                    println!("{}", m.get("sample.reproduce.problem", &[("problem", p)]));
                }
                let verdict = if r.matches() { "sample.reproduce.ok" } else { "sample.reproduce.failed" };
                println!("{}", m.get(verdict, &[]));
            }
            if r.matches() {
                Ok(())
            } else {
                Err(Failure::CheckFailed)
            }
        }
        SampleCommand::Attribute { file, procedure, add, edit, text, remove } => {
            let state = match (add, edit, remove) {
                (Some(text), _, _) => api::add_attribute(&file, &procedure, &text, ctx)?,
                (_, Some(key), _) => api::edit_attribute(&file, &procedure, &key, text.as_deref().unwrap_or(""), ctx)?,
                (_, _, Some(key)) => api::remove_attribute(&file, &procedure, &key, ctx)?,
                _ => return Err(Failure::Usage("give --add TEXT, --edit KEY --text TEXT or --remove KEY".into())),
            };
            print_grid(&state, m);
            Ok(())
        }
        SampleCommand::Test { file, procedure, item, attribute, result, tickmark, comment } => {
            let no = sample_number(&procedure, &item)?;
            let input = CellInput {
                result: match result.as_str() {
                    "clear" => None,
                    "na" => Some(CellResult::NotApplicable),
                    other => CellResult::parse(other),
                },
                tickmark,
                comment,
            };
            let state = api::set_cell(&file, &procedure, no, &attribute, &input, ctx)?;
            let cell = state.cells.iter().find(|c| c.no == no && c.attribute == attribute);
            match cell.and_then(|c| c.exception_id.as_ref()) {
                Some(exception) => println!(
                    "{}",
                    m.get(
                        "sample.test.exception",
                        &[("item", &no), ("attribute", &attribute), ("exception", exception)]
                    )
                ),
                None => println!("{}", m.get("sample.test.done", &[("item", &no), ("attribute", &attribute)])),
            }
            let result = api::list_procedures(&file)?
                .into_iter()
                .find(|p| p.procedure.id == procedure)
                .and_then(|p| p.procedure.result)
                .map_or("none", |r| r.as_str());
            let word = m.word(&format!("result.{result}"), result);
            println!("{}", m.get("sample.test.result", &[("procedure", &procedure), ("result", &word)]));
            Ok(())
        }
        SampleCommand::Tickmark { file, set, ja, en } => {
            let legend = match set {
                Some(mark) => api::set_tickmark(
                    &file,
                    Tickmark { mark, meaning_ja: ja.unwrap_or_default(), meaning_en: en },
                    ctx,
                )?,
                None => api::tickmarks(&file)?,
            };
            print_legend(&legend, m);
            Ok(())
        }
        SampleCommand::Rules { set, reset, json } => {
            let dir = data_dir()?;
            let table = match (set, reset) {
                (Some(path), _) => api::set_sample_rules(&dir, &path)?,
                (None, true) => api::reset_sample_rules(&dir)?,
                (None, false) => api::sample_rules(&dir)?,
            };
            if json {
                return print_json(&table);
            }
            print_rules(&table, m);
            Ok(())
        }
    }
}

/// A column given by its header or by its number from 1; "-" for none.
fn column(preview: &PopulationPreview, given: &str) -> Result<Option<u32>, Failure> {
    if given == "-" {
        return Ok(None);
    }
    if let Some(i) = preview.headers.iter().position(|h| h == given) {
        return Ok(Some(i as u32));
    }
    match given.parse::<u32>() {
        Ok(n) if n >= 1 && (n as usize) <= preview.headers.len() => Ok(Some(n - 1)),
        _ => Err(Failure::Usage(format!(
            "no column \"{given}\" in {} (its columns: {})",
            preview.file_name,
            preview.headers.join(", ")
        ))),
    }
}

fn chosen(preview: &PopulationPreview, given: Option<String>, guess: Option<u32>) -> Result<Option<u32>, Failure> {
    match given {
        Some(c) => column(preview, &c),
        None => Ok(guess),
    }
}

/// The grid row of a sample item given as `3` or `PROCEDURE/S3`.
fn sample_number(procedure: &str, given: &str) -> Result<u32, Failure> {
    let number = given.strip_prefix(&format!("{procedure}/S")).unwrap_or(given);
    number
        .parse()
        .map_err(|_| Failure::Usage(format!("\"{given}\" is not a sample item number (3) or ID ({procedure}/S3)")))
}

fn header(preview: &PopulationPreview, column: Option<u32>) -> String {
    column.and_then(|c| preview.headers.get(c as usize).cloned()).unwrap_or_else(|| "-".into())
}

fn print_preview(p: &PopulationPreview, columns: &PopulationColumns, m: &Messages) {
    println!("{}", m.get("sample.preview.head", &[("file", &p.file_name), ("rows", &p.total_rows)]));
    println!(
        "{}",
        m.get(
            "sample.preview.columns",
            &[
                ("id", &header(p, Some(columns.item_id))),
                ("date", &header(p, columns.date)),
                ("description", &header(p, columns.description))
            ]
        )
    );
    println!("  {}", crate::messages::shown(&p.headers.join(" | ")));
    for row in &p.rows {
        println!("  {}", crate::messages::shown(&row.join(" | ")));
    }
}

fn print_population(state: &SamplingState, m: &Messages) {
    let Some(p) = &state.population else {
        println!("{}", m.get("sample.population.none", &[("procedure", &state.procedure_id)]));
        return;
    };
    let flagged = p.items.iter().filter(|i| i.out_of_period).count();
    match &p.source_name {
        Some(name) => println!(
            "{}",
            m.get(
                "sample.population.list",
                &[("procedure", &p.procedure_id), ("count", &p.count), ("file", name), ("flagged", &flagged)]
            )
        ),
        None => {
            println!("{}", m.get("sample.population.count", &[("procedure", &p.procedure_id), ("count", &p.count)]))
        }
    }
    for item in p.items.iter().filter(|i| i.out_of_period) {
        let date = item.date.map(|d| d.to_string()).unwrap_or_default();
        println!("{}", m.get("sample.population.flagged", &[("item", &item.item_id), ("date", &date)]));
    }
}

fn print_sample(state: &SamplingState, m: &Messages) {
    let Some(s) = &state.sample else {
        println!("{}", m.get("sample.none", &[("procedure", &state.procedure_id)]));
        return;
    };
    let method = m.word(&format!("sample.method.{}", s.method.as_str()), s.method.as_str());
    let seed = s.seed.map_or("-".to_string(), |x| x.to_string());
    println!(
        "{}",
        m.get(
            "sample.head",
            &[("procedure", &s.procedure_id), ("size", &s.size), ("method", &method), ("seed", &seed)]
        )
    );
    if let (Some(table), Some(frequency), Some(rule)) = (&s.rule_table, s.frequency, s.rule_size) {
        let word = m.word(&format!("frequency.{}", frequency.as_str()), frequency.as_str());
        println!(
            "{}",
            m.get(
                "sample.rule",
                &[("table", &table.name), ("version", &table.version), ("frequency", &word), ("size", &rule)]
            )
        );
    }
    if let Some(reason) = &s.override_reason {
        println!("{}", m.get("sample.override", &[("reason", reason)]));
    }
    if s.by_quarter {
        println!("{}", m.get("sample.by_quarter", &[]));
    }
    let dates: std::collections::HashMap<u32, String> = state
        .population
        .iter()
        .flat_map(|p| &p.items)
        .map(|i| (i.row, i.date.map(|d| d.to_string()).unwrap_or_default()))
        .collect();
    // A control changed in the period: each item is tested against the
    // version in force on its date, and a version with no item is untested.
    for v in &state.versions {
        let frame = state.frame_by_version.get(v.no as usize - 1).copied().unwrap_or(0);
        println!("{}", m.get("sample.version", &[("no", &v.no), ("from", &v.from), ("to", &v.to), ("frame", &frame)]));
    }
    for no in &state.untested_versions {
        println!("{}", m.get("sample.version_untested", &[("no", no)]));
    }
    for item in &s.items {
        let origin = m.word(&format!("sample.origin.{}", item.origin.as_str()), item.origin.as_str());
        let date = dates.get(&item.row).cloned().unwrap_or_default();
        let version = state
            .item_versions
            .iter()
            .find(|v| v.no == item.no)
            .and_then(|v| v.version)
            .map(|no| m.get("sample.item_version", &[("no", &no)]))
            .unwrap_or_default();
        println!(
            "{}",
            m.get(
                "sample.item",
                &[
                    ("no", &item.no),
                    ("item", &item.item_id),
                    ("row", &item.row),
                    ("date", &date),
                    ("origin", &origin),
                    ("version", &version)
                ]
            )
        );
    }
}

fn print_grid(state: &SamplingState, m: &Messages) {
    if state.attributes.is_empty() {
        println!("{}", m.get("sample.grid.none", &[]));
        return;
    }
    for a in &state.attributes {
        println!("{}", m.get("sample.grid.attribute", &[("key", &a.key), ("text", &a.text)]));
    }
    for c in &state.cells {
        let result = m.word(&format!("sample.cell.{}", c.result.as_str()), c.result.as_str());
        let mark = c.tickmark.clone().unwrap_or_default();
        let exception = c.exception_id.clone().unwrap_or_default();
        println!(
            "{}",
            m.get(
                "sample.grid.cell",
                &[
                    ("no", &c.no),
                    ("attribute", &c.attribute),
                    ("result", &result),
                    ("mark", &mark),
                    ("comment", &c.comment),
                    ("exception", &exception)
                ]
            )
        );
    }
}

fn print_legend(legend: &[Tickmark], m: &Messages) {
    for t in legend {
        let meaning = if m.lang() == crate::messages::Lang::En && !t.meaning_en.is_empty() {
            &t.meaning_en
        } else {
            &t.meaning_ja
        };
        println!("{}", m.get("sample.tickmark", &[("mark", &t.mark), ("meaning", meaning)]));
    }
}

fn print_rules(table: &SampleRuleTable, m: &Messages) {
    println!("{}", m.get("sample.rules.head", &[("name", &table.name), ("version", &table.version)]));
    for rule in &table.sizes {
        let word = m.word(&format!("frequency.{}", rule.frequency.as_str()), rule.frequency.as_str());
        println!("{}", m.get("sample.rules.row", &[("frequency", &word), ("size", &rule.size)]));
    }
}

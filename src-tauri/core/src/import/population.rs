//! Population lists for sampling: a CSV file (UTF-8, or Shift_JIS as
//! Japanese Excel saves it) or an Excel workbook's first sheet, with a
//! header row and one item a row. The assessor says which columns hold the
//! item ID, the date and the description; every other column is kept.

use std::path::Path;

use calamine::Data;
use chrono::NaiveDate;

use super::{cell_text, letters, workbook};
use crate::error::{Error, InputProblem, ProblemCode, Result};
use crate::model::sampling::{PopulationColumns, PopulationItem, PopulationPreview};

/// Larger files are refused before they are read: a population of a
/// million rows is far smaller than this.
pub const MAX_POPULATION_BYTES: u64 = 64 * 1024 * 1024;

/// How many rows the import dialog previews.
pub const PREVIEW_ROWS: usize = 10;

/// A population file as a table of text, each row with the place a person
/// finds it at (CSV line, or sheet row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub file_name: String,
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
}

/// Reads a population file. `.xlsx` is read as a workbook (`.xls` is refused
/// there with a clear word), anything else as CSV.
pub fn read_table(path: &Path) -> Result<Table> {
    let bytes = super::read_limited(path, MAX_POPULATION_BYTES, |size| {
        format!("{size} bytes is larger than the {MAX_POPULATION_BYTES} bytes a population list may have")
    })?;
    let sha256 = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(&bytes))
    };
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // An old .xls file goes to the workbook reader too, which says what it is
    // and how to save it, rather than to the CSV reader, which cannot tell.
    let is_xlsx = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xls"));
    let (sheet, headers, rows) = if is_xlsx { read_xlsx(&bytes) } else { read_csv(&bytes) }
        .map_err(|problems| Error::Import { file: path.to_path_buf(), problems })?;
    if headers.iter().all(|h| h.is_empty()) {
        return Err(Error::import_one(path, "line 1", "the first row must name the columns"));
    }
    if rows.is_empty() {
        return Err(Error::import_one(path, "file", "the list has a header but no items"));
    }
    Ok(Table { file_name, sheet, headers, rows, sha256 })
}

type Rows = (Option<String>, Vec<String>, Vec<(String, Vec<String>)>);

fn read_csv(bytes: &[u8]) -> std::result::Result<Rows, Vec<InputProblem>> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    // Excel in Japanese saves "CSV" as Shift_JIS; a file that is not UTF-8
    // is read as that, and one that is neither is refused.
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
            if had_errors {
                return Err(vec![problem("file", "the file is neither UTF-8 nor Shift_JIS text")]);
            }
            text.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut headers = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|err| {
            let line = err.position().map_or(0, |p| p.line());
            vec![problem(format!("line {line}"), err.to_string())]
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if headers.is_none() {
            headers = Some(cells);
        } else {
            rows.push((format!("line {line}"), cells));
        }
    }
    Ok((None, headers.unwrap_or_default(), rows))
}

/// The first sheet of a workbook, read within the limits of [`workbook`].
fn read_xlsx(bytes: &[u8]) -> std::result::Result<Rows, Vec<InputProblem>> {
    let sheet = workbook::read_sheet(bytes, |sheets| sheets.first().cloned())?;
    let width = sheet.width();
    let first_column = sheet.first_column;
    let name = sheet.name;
    let mut headers = None;
    let mut rows = Vec::new();
    for row in sheet.rows {
        let row_number = row.index as usize + 1;
        // Every row spans the table's columns, from the leftmost value on the
        // sheet to the rightmost, so that a column is the same in every row.
        let mut cells = vec![String::new(); width];
        for (column, cell) in row.cells {
            let text = match cell {
                Data::Error(e) => {
                    return Err(vec![problem(
                        format!("sheet \"{name}\", cell {}{row_number}", letters(column as usize)),
                        format!("the cell holds the Excel error {e:?}"),
                    )])
                }
                // A date cell is kept as the date it shows, not Excel's serial number.
                Data::DateTime(d) => match d.as_datetime() {
                    Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
                    Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                    None => cell_text(&Data::DateTime(d)),
                },
                // A text cell is kept as it is when it needs no trimming, so
                // that a large list is not copied string by string.
                Data::String(text) if text.trim().len() == text.len() => text,
                other => cell_text(&other).trim().to_string(),
            };
            cells[(column - first_column) as usize] = text;
        }
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if headers.is_none() {
            headers = Some(cells);
        } else {
            rows.push((format!("sheet \"{name}\", row {row_number}"), cells));
        }
    }
    Ok((Some(name), headers.unwrap_or_default(), rows))
}

fn problem(location: impl Into<String>, message: impl Into<String>) -> InputProblem {
    InputProblem { location: location.into(), message: message.into() }
}

/// Guesses the ID, date and description columns from the headers, in
/// Japanese or English; the first column is the ID when nothing matches.
pub fn guess_columns(headers: &[String]) -> PopulationColumns {
    let find = |words: &[&str]| {
        headers.iter().position(|h| {
            let h = h.to_lowercase();
            words.iter().any(|w| h.contains(w))
        })
    };
    let item_id = find(&["id", "番号", "no", "チケット", "ticket", "key", "キー"]).unwrap_or(0);
    // A Japanese date header ends in 日 (申請日, 実施日); the first such
    // column is the one a list is usually ordered by.
    let date = find(&["date", "日付", "日時", "年月日"])
        .or_else(|| headers.iter().position(|h| h.trim().ends_with('日')))
        .filter(|d| *d != item_id);
    let description = find(&["description", "概要", "内容", "件名", "summary", "title", "説明", "名称"])
        .filter(|d| *d != item_id && Some(*d) != date);
    PopulationColumns {
        item_id: item_id as u32,
        date: date.map(|d| d as u32),
        description: description.map(|d| d as u32),
    }
}

pub fn preview(table: &Table) -> PopulationPreview {
    PopulationPreview {
        file_name: table.file_name.clone(),
        sheet: table.sheet.clone(),
        headers: table.headers.clone(),
        rows: table.rows.iter().take(PREVIEW_ROWS).map(|(_, cells)| cells.clone()).collect(),
        total_rows: table.rows.len() as u32,
        guess: guess_columns(&table.headers),
    }
}

/// Reads a date as people write it in lists: `2025-04-01`, `2025/4/1`,
/// `2025年4月1日`, with or without a time after it.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let day_part = text.split([' ', 'T']).next().unwrap_or(text);
    for format in ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(day_part, format) {
            return Some(d);
        }
    }
    None
}

/// Turns the table into population items with the chosen columns, checking
/// every row: an ID in each, no ID twice, dates that read as dates. Items
/// dated outside `period` are flagged. All problems are reported at once.
pub fn items(
    path: &Path,
    table: &Table,
    columns: &PopulationColumns,
    period: (NaiveDate, NaiveDate),
) -> Result<(Vec<String>, Vec<PopulationItem>)> {
    // One column cannot be both the ID and the date, say: the import would
    // keep it under two meanings and drop it from the kept columns.
    let chosen = [Some(columns.item_id), columns.date, columns.description];
    for (i, c) in chosen.iter().enumerate() {
        if let Some(c) = c {
            if chosen[..i].contains(&Some(*c)) {
                return Err(crate::domain::refuse(
                    "columns",
                    ProblemCode::ColumnReused,
                    &[("column", (c + 1).to_string())],
                    format!("column {} is chosen for two parts; choose one column for each", c + 1),
                ));
            }
        }
    }
    let width = table.headers.len();
    let mut problems = Vec::new();
    for (name, column) in [("ID", Some(columns.item_id)), ("date", columns.date), ("description", columns.description)]
    {
        if let Some(c) = column {
            if c as usize >= width {
                problems.push(problem(
                    "columns",
                    format!("the {name} column {} is not in the file ({width} columns)", c + 1),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Import { file: path.to_path_buf(), problems });
    }
    let kept: Vec<usize> = (0..width).filter(|i| !chosen.contains(&Some(*i as u32))).collect();
    let extra_headers = kept.iter().map(|i| table.headers[*i].clone()).collect();
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for (place, cells) in &table.rows {
        let cell = |c: u32| cells.get(c as usize).map(String::as_str).unwrap_or("");
        let id = cell(columns.item_id).to_string();
        let id_header = &table.headers[columns.item_id as usize];
        if id.is_empty() {
            problems.push(problem(place.clone(), format!("the ID column \"{id_header}\" is empty")));
            continue;
        }
        if let Some(first) = seen.insert(id.clone(), place.clone()) {
            problems.push(problem(place.clone(), format!("the ID \"{id}\" is already used at {first}")));
            continue;
        }
        let date = match columns.date.map(cell).filter(|t| !t.is_empty()) {
            None => None,
            Some(text) => match parse_date(text) {
                Some(d) => Some(d),
                None => {
                    let header = &table.headers[columns.date.unwrap_or_default() as usize];
                    problems.push(problem(
                        place.clone(),
                        format!("\"{text}\" in \"{header}\" is not a date (write 2025-04-01 or 2025/4/1)"),
                    ));
                    continue;
                }
            },
        };
        out.push(PopulationItem {
            row: out.len() as u32 + 1,
            item_id: id,
            date,
            description: columns.description.map(cell).unwrap_or("").to_string(),
            extra: kept.iter().map(|i| cells.get(*i).cloned().unwrap_or_default()).collect(),
            out_of_period: date.is_some_and(|d| d < period.0 || d > period.1),
        });
    }
    if !problems.is_empty() {
        // Long lists of problems are cut, so the message stays readable.
        let total = problems.len();
        problems.truncate(50);
        if total > 50 {
            problems.push(problem("file", format!("and {} more problem(s)", total - 50)));
        }
        return Err(Error::Import { file: path.to_path_buf(), problems });
    }
    Ok((extra_headers, out))
}

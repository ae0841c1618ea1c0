//! The workbench catalog format as CSV: a header row of known columns, one
//! item a row, UTF-8 (a byte-order mark, as Excel writes it, is accepted).

use super::{check_header, item_from_row, problem, required_name_version, ImportOptions, Problems};
use crate::model::catalog::{CatalogDraft, IdScheme, Origin};

pub(super) fn read(bytes: &[u8], options: &ImportOptions) -> Result<CatalogDraft, Problems> {
    let mut problems = Vec::new();
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    if let Err(err) = std::str::from_utf8(bytes) {
        let line = bytes[..err.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        return Err(vec![problem(
            format!("line {line}"),
            "the file is not UTF-8 text (was it saved as Shift_JIS? save it as \"CSV UTF-8\")",
        )]);
    }
    let (name, version) = required_name_version(options, &mut problems);

    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(err) => return Err(vec![problem("line 1", format!("cannot read the header: {err}"))]),
    };
    problems.extend(check_header(&header, |i| format!("line 1, column {}", i + 1)));
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut items = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                problems.push(problem(format!("line {line}"), csv_message(&err)));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let origin = Origin::Line(line);
        let get =
            |column: &str| header.iter().position(|h| h == column).and_then(|i| record.get(i)).map(str::to_string);
        let item = item_from_row(&origin, get, &mut problems);
        items.push((origin, item));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let title = name.clone();
    Ok(CatalogDraft {
        name,
        version,
        title,
        id_scheme: IdScheme::Ismap,
        sample: false,
        items,
        suffix_legend: Vec::new(),
    })
}

fn csv_message(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields where the header has {expected_len}")
        }
        _ => err.to_string(),
    }
}

//! The workbench catalog format as an Excel workbook: the sheet named
//! "catalog" (or else the first sheet), a header row, one item a row.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::{check_header, item_from_row, problem, required_name_version, ImportOptions, Problems};
use crate::model::catalog::{CatalogDraft, IdScheme, Origin, COLUMNS};

pub(super) fn read(bytes: &[u8], options: &ImportOptions) -> Result<CatalogDraft, Problems> {
    let mut problems = Vec::new();
    let (name, version) = required_name_version(options, &mut problems);
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|err| vec![problem("file", format!("not a readable Excel (.xlsx) workbook: {err}"))])?;
    let sheets = book.sheet_names();
    let Some(sheet) = sheets.iter().find(|s| s.as_str() == "catalog").or(sheets.first()).cloned() else {
        return Err(vec![problem("file", "the workbook has no sheets")]);
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|err| vec![problem(format!("sheet \"{sheet}\""), format!("cannot be read: {err}"))])?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let Some(header_row) = rows.next() else {
        return Err(vec![problem(format!("sheet \"{sheet}\""), "the sheet is empty")]);
    };
    let column_letter = |i: usize| letters(first_col as usize + i);
    let header: Vec<String> = header_row.iter().map(|c| cell_text(c).trim().to_string()).collect();
    problems
        .extend(check_header(&header, |i| format!("sheet \"{sheet}\", cell {}{}", column_letter(i), first_row + 1)));
    if !problems.is_empty() {
        return Err(problems);
    }
    let columns: HashMap<&'static str, String> =
        COLUMNS.iter().filter_map(|c| header.iter().position(|h| h == c).map(|i| (*c, column_letter(i)))).collect();

    let mut items = Vec::new();
    for (offset, row) in rows.enumerate() {
        let row_number = first_row + 2 + offset as u32;
        if row.iter().all(|c| cell_text(c).trim().is_empty()) {
            continue;
        }
        let origin = Origin::Cell { sheet: sheet.clone(), row: row_number, columns: columns.clone() };
        for (i, cell) in row.iter().enumerate() {
            if let Data::Error(e) = cell {
                problems.push(problem(
                    format!("sheet \"{sheet}\", cell {}{row_number}", column_letter(i)),
                    format!("the cell holds the Excel error {e:?}"),
                ));
            }
        }
        let get = |column: &str| header.iter().position(|h| h == column).and_then(|i| row.get(i)).map(cell_text);
        let item = item_from_row(&origin, get, &mut problems);
        items.push((origin, item));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let title = name.clone();
    Ok(CatalogDraft { name, version, title, id_scheme: IdScheme::Ismap, sample: false, items })
}

/// The text of a cell as a person reads it. Whole numbers lose Excel's `.0`,
/// and a number-looking ID such as 9.2 stays as typed only if the cell is
/// text, which the format documentation asks for.
pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Spreadsheet column letters: 0 -> A, 25 -> Z, 26 -> AA.
pub(crate) fn letters(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_letters_follow_spreadsheet_naming() {
        assert_eq!(super::letters(0), "A");
        assert_eq!(super::letters(25), "Z");
        assert_eq!(super::letters(26), "AA");
        assert_eq!(super::letters(27), "AB");
        assert_eq!(super::letters(701), "ZZ");
        assert_eq!(super::letters(702), "AAA");
    }
}

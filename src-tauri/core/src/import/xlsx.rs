//! The workbench catalog format as an Excel workbook: the sheet named
//! "catalog" (or else the first sheet), a header row, one item a row. The
//! workbook is read within the limits of [`super::workbook`].

use std::collections::HashMap;

use calamine::Data;

use super::{check_header, item_from_row, problem, required_name_version, workbook, ImportOptions, Problems};
use crate::model::catalog::{CatalogDraft, IdScheme, Origin, COLUMNS};

pub(super) fn read(bytes: &[u8], options: &ImportOptions) -> Result<CatalogDraft, Problems> {
    let mut problems = Vec::new();
    let (name, version) = required_name_version(options, &mut problems);
    let sheet = workbook::read_sheet(bytes, |sheets| {
        sheets.iter().find(|s| s.as_str() == "catalog").or(sheets.first()).cloned()
    })?;
    let sheet_name = &sheet.name;
    let Some((header_row, rows)) = sheet.rows.split_first() else {
        return Err(vec![problem(format!("sheet \"{sheet_name}\""), "the sheet is empty")]);
    };
    // The table starts at the first row and the leftmost column that hold a
    // value, wherever they are on the sheet.
    let first_column = sheet.first_column;
    let column_of = |i: usize| first_column + i as u32;
    let column_letter = |i: usize| letters(column_of(i) as usize);
    let header: Vec<String> = (0..sheet.width())
        .map(|i| header_row.get(column_of(i)).map(cell_text).unwrap_or_default().trim().to_string())
        .collect();
    problems.extend(check_header(&header, |i| {
        format!("sheet \"{sheet_name}\", cell {}{}", column_letter(i), header_row.index + 1)
    }));
    if !problems.is_empty() {
        return Err(problems);
    }
    let columns: HashMap<&'static str, String> =
        COLUMNS.iter().filter_map(|c| header.iter().position(|h| h == c).map(|i| (*c, column_letter(i)))).collect();

    let mut items = Vec::new();
    for row in rows {
        let row_number = row.index + 1;
        if row.cells.iter().all(|(_, c)| cell_text(c).trim().is_empty()) {
            continue;
        }
        let origin = Origin::Cell { sheet: sheet_name.clone(), row: row_number, columns: columns.clone() };
        for (column, cell) in &row.cells {
            if let Data::Error(e) = cell {
                problems.push(problem(
                    format!("sheet \"{sheet_name}\", cell {}{row_number}", letters(*column as usize)),
                    format!("the cell holds the Excel error {e:?}"),
                ));
            }
        }
        let get =
            |column: &str| header.iter().position(|h| h == column).and_then(|i| row.get(column_of(i))).map(cell_text);
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

//! Readers that turn a customer's catalog file into a checked [`Catalog`].
//!
//! Each reader only maps its file format onto [`CatalogDraft`] rows with their
//! places; the rules (IDs, parents, duplicates) live in one place,
//! [`CatalogDraft::validated`], so every format is held to the same rules.

mod csv_format;
mod json_format;
mod oscal;
pub mod population;
pub mod workbook;
mod xlsx;

use std::path::Path;

use crate::error::{Error, InputProblem, Result};
use crate::model::catalog::{Catalog, CatalogDraft, CatalogItem, Origin, COLUMNS};

pub(crate) use xlsx::{cell_text, letters};

/// Files larger than this are refused before they are read: no real catalog
/// comes near it, and reading an arbitrary file into memory must stay bounded.
pub const MAX_CATALOG_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
    Oscal,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "xlsx" => Some(Format::Xlsx),
            "oscal" => Some(Format::Oscal),
            _ => None,
        }
    }
}

/// What the caller may say about the catalog that the file itself cannot
/// (CSV and Excel carry no name or version) or should not decide.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub format: Option<Format>,
    pub name: Option<String>,
    pub version: Option<String>,
}

/// Reads and checks a catalog file. Nothing is stored here.
pub fn read_catalog(path: &Path, options: &ImportOptions) -> Result<Catalog> {
    let bytes = read_limited(path, MAX_CATALOG_BYTES, |size| {
        format!("{size} bytes is larger than the {MAX_CATALOG_BYTES} bytes a catalog may have")
    })?;
    let format = match options.format {
        Some(format) => format,
        None => guess_format(path, &bytes)?,
    };
    // OSCAL titles are long sentences; the file name makes a better default
    // name to type as NAME@VERSION.
    let mut options = options.clone();
    if format == Format::Oscal && options.name.is_none() {
        options.name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    }
    let draft = match format {
        Format::Csv => csv_format::read(&bytes, &options),
        Format::Json => json_format::read(&bytes, &options),
        Format::Xlsx => xlsx::read(&bytes, &options),
        Format::Oscal => oscal::read(&bytes, &options),
    }
    .map_err(|problems| Error::Import { file: path.into(), problems })?;
    draft.validated().map_err(|problems| Error::Import { file: path.into(), problems })
}

/// Parses a catalog already in memory (the sample catalog compiled into the binary).
pub fn read_catalog_bytes(bytes: &[u8], format: Format, label: &str) -> Result<Catalog> {
    let options = ImportOptions::default();
    let draft = match format {
        Format::Csv => csv_format::read(bytes, &options),
        Format::Json => json_format::read(bytes, &options),
        Format::Xlsx => xlsx::read(bytes, &options),
        Format::Oscal => oscal::read(bytes, &options),
    };
    draft.and_then(CatalogDraft::validated).map_err(|problems| Error::Import { file: label.into(), problems })
}

/// Reads an input file whole, refusing it before reading if it is not a
/// regular file or is larger than `limit`. It is read through a window of
/// `limit` + 1 bytes, so a file that grows meanwhile is refused too rather
/// than read to any size. `too_large` words the refusal, given the size (for
/// a file that grew, the bytes read before it was stopped).
pub fn read_limited(path: &Path, limit: u64, too_large: impl Fn(u64) -> String) -> Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::import_one(path, "file", "not a regular file"));
    }
    if meta.len() > limit {
        return Err(Error::import_one(path, "file", too_large(meta.len())));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::import_one(path, "file", too_large(bytes.len() as u64)));
    }
    Ok(bytes)
}

fn guess_format(path: &Path, bytes: &[u8]) -> Result<Format> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => Ok(Format::Csv),
        Some("xlsx") => Ok(Format::Xlsx),
        Some("json") => {
            // An OSCAL catalog is a JSON object whose only top-level key is "catalog".
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
            let trimmed = head.trim_start_matches('\u{feff}').trim_start();
            if trimmed.starts_with('{') && trimmed[1..].trim_start().starts_with("\"catalog\"") {
                Ok(Format::Oscal)
            } else {
                Ok(Format::Json)
            }
        }
        _ => Err(Error::import_one(
            path,
            "file name",
            "cannot tell the format from the file name; give --format csv, json, xlsx or oscal",
        )),
    }
}

type Problems = Vec<InputProblem>;

fn problem(location: impl Into<String>, message: impl Into<String>) -> InputProblem {
    InputProblem { location: location.into(), message: message.into() }
}

/// Checks a header row against the workbench columns: every column known,
/// none twice, `group` and `id` and one title present.
fn check_header(header: &[String], place: impl Fn(usize) -> String) -> Problems {
    let mut problems = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if !COLUMNS.contains(&name.as_str()) {
            problems
                .push(problem(place(i), format!("unknown column \"{name}\" (known columns: {})", COLUMNS.join(", "))));
        } else if header[..i].contains(name) {
            problems.push(problem(place(i), format!("column \"{name}\" appears twice")));
        }
    }
    for required in ["group", "id"] {
        if !header.iter().any(|h| h == required) {
            problems.push(problem("header", format!("the required column \"{required}\" is missing")));
        }
    }
    if !header.iter().any(|h| h == "title_ja" || h == "title_en") {
        problems.push(problem("header", "a title column (\"title_ja\" or \"title_en\") is required"));
    }
    problems
}

/// Builds an item from a table row (CSV or Excel), given the text of each
/// column. Empty cells are absent values.
fn item_from_row(origin: &Origin, get: impl Fn(&str) -> Option<String>, problems: &mut Problems) -> CatalogItem {
    let text = |c: &str| get(c).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let flag = |c: &str, problems: &mut Problems| -> Option<bool> {
        let value = text(c)?;
        match value.to_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "はい" | "○" => Some(true),
            "false" | "no" | "n" | "0" | "いいえ" | "×" => Some(false),
            _ => {
                problems.push(problem(origin.at(c), format!("\"{value}\" is not yes/no (use true or false)")));
                None
            }
        }
    };
    CatalogItem {
        group: text("group").unwrap_or_default(),
        id: text("id").unwrap_or_default(),
        parent: text("parent"),
        level: text("level"),
        suffix: text("suffix"),
        title_ja: text("title_ja").unwrap_or_default(),
        title_en: text("title_en").unwrap_or_default(),
        text_ja: get("text_ja").unwrap_or_default(),
        text_en: get("text_en").unwrap_or_default(),
        source_refs: text("source_refs")
            .map(|s| s.split(';').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect())
            .unwrap_or_default(),
        importance: text("importance"),
        audit_cycle: text("audit_cycle"),
        liu_scope: flag("liu_scope", problems),
        mandatory: flag("mandatory", problems).unwrap_or(false),
    }
}

/// Name and version for formats that carry none: they must be given.
fn required_name_version(options: &ImportOptions, problems: &mut Problems) -> (String, String) {
    let name = options.name.clone().unwrap_or_default();
    let version = options.version.clone().unwrap_or_default();
    if name.trim().is_empty() {
        problems.push(problem("catalog", "a CSV or Excel catalog needs a name: give --name"));
    }
    if version.trim().is_empty() {
        problems.push(problem("catalog", "a CSV or Excel catalog needs a version: give --catalog-version"));
    }
    (name, version)
}

/// Reads and checks a procedure library file (JSON, see
/// docs/procedure-library-format.md). Nothing is stored here.
pub fn read_procedure_library(path: &Path) -> Result<crate::model::procedure::ProcedureLibrary> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > MAX_CATALOG_BYTES {
        return Err(Error::import_one(
            path,
            "file",
            format!("{} bytes is larger than the {MAX_CATALOG_BYTES} bytes allowed", meta.len()),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_procedure_library(&bytes).map_err(|problems| Error::Import { file: path.into(), problems })
}

pub(crate) fn parse_procedure_library(bytes: &[u8]) -> Result<crate::model::procedure::ProcedureLibrary, Problems> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let library: crate::model::procedure::ProcedureLibrary = serde_json::from_slice(bytes)
        .map_err(|e| vec![problem(format!("line {}, column {}", e.line(), e.column()), e.to_string())])?;
    let problems: Problems = library.problems().into_iter().map(|p| problem(p.location, p.message)).collect();
    if problems.is_empty() {
        Ok(library)
    } else {
        Err(problems)
    }
}

//! The workbench catalog format as JSON: one object with the catalog's name
//! and version and an `items` array whose objects have the CSV columns as keys.

use serde::Deserialize;

use super::{problem, ImportOptions, Problems};
use crate::model::catalog::{CatalogDraft, CatalogItem, IdScheme, Origin, SuffixMeaning};

pub const FORMAT_TAG: &str = "ismap-workbench-catalog";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    format_version: u32,
    name: String,
    version: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    sample: bool,
    /// What the suffixes P, B and PB mean, in both languages (optional).
    #[serde(default)]
    suffix_legend: Vec<SuffixMeaning>,
    items: Vec<serde_json::Value>,
}

pub(super) fn read(bytes: &[u8], options: &ImportOptions) -> Result<CatalogDraft, Problems> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let doc: Document = serde_json::from_slice(bytes)
        .map_err(|err| vec![problem(format!("line {}, column {}", err.line(), err.column()), err.to_string())])?;
    if doc.format != FORMAT_TAG {
        return Err(vec![problem("format", format!("expected \"{FORMAT_TAG}\", found \"{}\"", doc.format))]);
    }
    if doc.format_version != 1 {
        return Err(vec![problem(
            "format_version",
            format!("format version {} is not supported (this version reads 1)", doc.format_version),
        )]);
    }
    let mut problems = Vec::new();
    let mut items = Vec::with_capacity(doc.items.len());
    for (i, value) in doc.items.into_iter().enumerate() {
        let path = format!("items[{i}]");
        match serde_json::from_value::<CatalogItem>(value) {
            Ok(item) => items.push((Origin::Path(path), normalise(item))),
            Err(err) => problems.push(problem(path, err.to_string())),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let name = options.name.clone().unwrap_or(doc.name);
    let title = if doc.title.is_empty() { name.clone() } else { doc.title };
    Ok(CatalogDraft {
        name,
        version: options.version.clone().unwrap_or(doc.version),
        title,
        id_scheme: IdScheme::Ismap,
        sample: doc.sample,
        items,
        suffix_legend: doc.suffix_legend,
    })
}

/// Treats empty strings like absent values, as the CSV reader does.
fn normalise(mut item: CatalogItem) -> CatalogItem {
    let none_if_empty = |v: &mut Option<String>| {
        if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *v = None;
        }
    };
    none_if_empty(&mut item.parent);
    none_if_empty(&mut item.level);
    none_if_empty(&mut item.suffix);
    none_if_empty(&mut item.importance);
    none_if_empty(&mut item.audit_cycle);
    item
}

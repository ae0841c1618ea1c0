//! OSCAL catalog JSON (NIST's format, used for SP 800-53): groups hold
//! controls, controls hold enhancements. We keep that hierarchy as items of
//! level `group`, `control` and `enhancement`, and the statement prose as text.

use serde::Deserialize;

use super::{problem, ImportOptions, Problems};
use crate::model::catalog::{CatalogDraft, CatalogItem, IdScheme, Origin};

#[derive(Deserialize)]
struct Document {
    catalog: OscalCatalog,
}

#[derive(Deserialize)]
struct OscalCatalog {
    metadata: Metadata,
    #[serde(default)]
    groups: Vec<Group>,
    #[serde(default)]
    controls: Vec<Control>,
}

#[derive(Deserialize)]
struct Metadata {
    title: String,
    version: String,
}

#[derive(Deserialize)]
struct Group {
    id: Option<String>,
    title: String,
    #[serde(default)]
    groups: Vec<Group>,
    #[serde(default)]
    controls: Vec<Control>,
}

#[derive(Deserialize)]
struct Control {
    id: String,
    title: String,
    #[serde(default)]
    props: Vec<Prop>,
    #[serde(default)]
    parts: Vec<Part>,
    #[serde(default)]
    controls: Vec<Control>,
}

#[derive(Deserialize)]
struct Prop {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct Part {
    name: String,
    #[serde(default)]
    prose: Option<String>,
    #[serde(default)]
    props: Vec<Prop>,
    #[serde(default)]
    parts: Vec<Part>,
}

pub(super) fn read(bytes: &[u8], options: &ImportOptions) -> Result<CatalogDraft, Problems> {
    let doc: Document = serde_json::from_slice(bytes).map_err(|err| {
        vec![problem(format!("line {}, column {}", err.line(), err.column()), format!("not an OSCAL catalog: {err}"))]
    })?;
    let catalog = doc.catalog;
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for (i, group) in catalog.groups.iter().enumerate() {
        add_group(group, None, &format!("catalog.groups[{i}]"), &mut items, &mut problems);
    }
    for (i, control) in catalog.controls.iter().enumerate() {
        add_control(control, None, "", "control", &format!("catalog.controls[{i}]"), &mut items);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let name = options.name.clone().unwrap_or_else(|| catalog.metadata.title.clone());
    Ok(CatalogDraft {
        name,
        version: options.version.clone().unwrap_or(catalog.metadata.version),
        title: catalog.metadata.title,
        id_scheme: IdScheme::Oscal,
        sample: false,
        items,
        suffix_legend: Vec::new(),
    })
}

fn add_group(
    group: &Group,
    parent: Option<&str>,
    path: &str,
    items: &mut Vec<(Origin, CatalogItem)>,
    problems: &mut Problems,
) {
    let Some(id) = group.id.as_deref() else {
        // Groups without an ID cannot be referred to; OSCAL allows them, but
        // every catalog we import names its groups.
        problems.push(problem(format!("{path}.id"), "a group without an ID cannot be imported"));
        return;
    };
    items.push((
        Origin::Path(path.to_string()),
        CatalogItem {
            group: id.to_string(),
            id: id.to_string(),
            parent: parent.map(str::to_string),
            level: Some("group".into()),
            suffix: None,
            title_ja: String::new(),
            title_en: group.title.clone(),
            text_ja: String::new(),
            text_en: String::new(),
            source_refs: Vec::new(),
            importance: None,
            audit_cycle: None,
            liu_scope: None,
            mandatory: false,
        },
    ));
    for (i, sub) in group.groups.iter().enumerate() {
        add_group(sub, Some(id), &format!("{path}.groups[{i}]"), items, problems);
    }
    for (i, control) in group.controls.iter().enumerate() {
        add_control(control, Some(id), id, "control", &format!("{path}.controls[{i}]"), items);
    }
}

fn add_control(
    control: &Control,
    parent: Option<&str>,
    group: &str,
    level: &str,
    path: &str,
    items: &mut Vec<(Origin, CatalogItem)>,
) {
    let prop = |name: &str| control.props.iter().find(|p| p.name == name).map(|p| p.value.clone());
    let mut text = String::new();
    for part in control.parts.iter().filter(|p| p.name == "statement") {
        write_prose(part, 0, &mut text);
    }
    let withdrawn = prop("status").is_some_and(|s| s == "withdrawn");
    items.push((
        Origin::Path(path.to_string()),
        CatalogItem {
            group: group.to_string(),
            id: control.id.clone(),
            parent: parent.map(str::to_string),
            level: Some(level.into()),
            suffix: None,
            title_ja: String::new(),
            title_en: if withdrawn { format!("{} (withdrawn)", control.title) } else { control.title.clone() },
            text_ja: String::new(),
            text_en: text.trim_end().to_string(),
            source_refs: prop("label").into_iter().collect(),
            importance: None,
            audit_cycle: None,
            liu_scope: None,
            mandatory: false,
        },
    ));
    for (i, enhancement) in control.controls.iter().enumerate() {
        add_control(enhancement, Some(&control.id), group, "enhancement", &format!("{path}.controls[{i}]"), items);
    }
}

/// Flattens a statement and its items into indented lines, each led by its
/// label ("a.", "1.") so the structure stays readable as plain text.
fn write_prose(part: &Part, depth: usize, out: &mut String) {
    let label = part.props.iter().find(|p| p.name == "label").map(|p| p.value.as_str());
    if let Some(prose) = part.prose.as_deref() {
        out.push_str(&"  ".repeat(depth.saturating_sub(1)));
        if let Some(label) = label {
            out.push_str(label);
            out.push(' ');
        }
        out.push_str(prose.trim());
        out.push('\n');
    }
    for sub in &part.parts {
        write_prose(sub, depth + 1, out);
    }
}

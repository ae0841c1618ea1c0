//! Catalogs of control criteria: the ISMAP criteria (the customer's copy or
//! our sample) or any OSCAL catalog. A catalog is plain data; where it is
//! stored (the library, or frozen inside an engagement) is decided elsewhere.

use serde::{Deserialize, Serialize};

use crate::ismap_id::{IsmapId, Level};

/// How a catalog's IDs are structured, which decides how they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum IdScheme {
    /// ISMAP dotted IDs (`9.2.3.11.PB`); groups governance, management, controls.
    Ismap,
    /// OSCAL catalogs: IDs as the catalog gives them; levels group, control, enhancement.
    Oscal,
}

impl IdScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            IdScheme::Ismap => "ismap",
            IdScheme::Oscal => "oscal",
        }
    }

    pub fn parse(text: &str) -> Option<IdScheme> {
        match text {
            "ismap" => Some(IdScheme::Ismap),
            "oscal" => Some(IdScheme::Oscal),
            _ => None,
        }
    }

    /// Whether items of this level are assessed (get procedures and results),
    /// as opposed to headings that only structure the catalog. In ISMAP the
    /// detailed controls are assessed; objectives group them.
    pub fn is_assessable(self, level: &str) -> bool {
        match self {
            IdScheme::Ismap => level == Level::Detailed.as_str(),
            IdScheme::Oscal => level == "control" || level == "enhancement",
        }
    }
}

/// The three groups of the ISMAP criteria (ISMAP.md section 2).
pub const ISMAP_GROUPS: [&str; 3] = ["governance", "management", "controls"];

/// One entry of a catalog: a heading, an objective or a control.
///
/// The attributes that rule the audit (importance, audit cycle, LIU scope,
/// mandatory) are data from the customer's file, because their values and
/// meanings change between revisions of the criteria.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CatalogItem {
    pub group: String,
    pub id: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub suffix: Option<String>,
    #[serde(default)]
    pub title_ja: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub text_ja: String,
    #[serde(default)]
    pub text_en: String,
    #[serde(default)]
    pub source_refs: Vec<String>,
    #[serde(default)]
    pub importance: Option<String>,
    #[serde(default)]
    pub audit_cycle: Option<String>,
    #[serde(default)]
    pub liu_scope: Option<bool>,
    #[serde(default)]
    pub mandatory: bool,
}

/// A whole catalog, ready to be stored. Built only by [`Catalog::validated`],
/// so a `Catalog` always has unique IDs, known parents and derived levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub name: String,
    pub version: String,
    pub title: String,
    pub id_scheme: IdScheme,
    /// True for the sample catalog we ship, which is not the official criteria.
    pub sample: bool,
    pub items: Vec<CatalogItem>,
    /// What the suffixes of its detailed controls mean, when the catalog's
    /// file says (empty: the legend shipped with the workbench is shown).
    /// Absent from the serialised catalog when empty, so that catalogs
    /// imported before keep their content hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suffix_legend: Vec<SuffixMeaning>,
}

/// A catalog as read from a file, each item with the place it came from, not
/// yet checked.
#[derive(Debug)]
pub struct CatalogDraft {
    pub name: String,
    pub version: String,
    pub title: String,
    pub id_scheme: IdScheme,
    pub sample: bool,
    pub items: Vec<(Origin, CatalogItem)>,
    pub suffix_legend: Vec<SuffixMeaning>,
}

/// Where an item came from in its file, to name the place in errors.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A CSV line (1-based, the header is line 1).
    Line(u64),
    /// An Excel row; the column letters of each field are known to the reader.
    Cell { sheet: String, row: u32, columns: std::collections::HashMap<&'static str, String> },
    /// A JSON path such as `items[12]`.
    Path(String),
}

impl Origin {
    /// The place of one field of the item, e.g. `line 7, column "id"` or `sheet "catalog", cell B7`.
    pub fn at(&self, field: &str) -> String {
        match self {
            Origin::Line(line) => format!("line {line}, column \"{field}\""),
            Origin::Cell { sheet, row, columns } => match columns.get(field) {
                Some(col) => format!("sheet \"{sheet}\", cell {col}{row}"),
                None => format!("sheet \"{sheet}\", row {row}"),
            },
            Origin::Path(path) => format!("{path}.{field}"),
        }
    }
}

/// The workbench catalog columns, in the order of the documented format.
pub const COLUMNS: [&str; 14] = [
    "group",
    "id",
    "parent",
    "level",
    "suffix",
    "title_ja",
    "title_en",
    "text_ja",
    "text_en",
    "source_refs",
    "importance",
    "audit_cycle",
    "liu_scope",
    "mandatory",
];

impl CatalogDraft {
    /// Checks every item and returns the catalog, or every problem found with
    /// its place. Nothing is partly accepted.
    pub fn validated(self) -> Result<Catalog, Vec<crate::error::InputProblem>> {
        use crate::error::InputProblem;
        use std::collections::HashMap;

        let mut problems = Vec::new();
        let mut push = |location: String, message: String| problems.push(InputProblem { location, message });

        if self.name.trim().is_empty() {
            push("catalog".into(), "the catalog has no name".into());
        }
        if self.version.trim().is_empty() {
            push("catalog".into(), "the catalog has no version".into());
        }
        if self.items.is_empty() {
            push("catalog".into(), "the catalog has no items".into());
        }
        // A legend explains the suffixes an ID may carry, each once, in words.
        for (i, meaning) in self.suffix_legend.iter().enumerate() {
            let place = format!("suffix_legend[{i}]");
            if !crate::ismap_id::SUFFIXES.contains(&meaning.suffix.as_str()) {
                push(place, format!("\"{}\" is not a suffix of a control ID (P, B or PB)", meaning.suffix));
            } else if self.suffix_legend[..i].iter().any(|m| m.suffix == meaning.suffix) {
                push(place, format!("the suffix {} is explained twice", meaning.suffix));
            } else if meaning.ja.trim().is_empty() && meaning.en.trim().is_empty() {
                push(place, format!("the suffix {} has no meaning in Japanese or English", meaning.suffix));
            } else if crate::domain::has_control_character(&meaning.ja)
                || crate::domain::has_control_character(&meaning.en)
            {
                push(place, format!("the meaning of {} holds a control character", meaning.suffix));
            }
        }

        // Where each ID first appears; later appearances are duplicates.
        let mut first_seen: HashMap<String, String> = HashMap::new();
        for (origin, item) in &self.items {
            first_seen.entry(item.id.clone()).or_insert_with(|| origin.at("id"));
        }

        // Problems are reported item by item, in file order.
        let mut items = Vec::with_capacity(self.items.len());
        for (origin, mut item) in self.items {
            let here = origin.at("id");
            if let Some(first) = first_seen.get(&item.id).filter(|first| **first != here) {
                push(here, format!("duplicate ID \"{}\" (first at {first})", item.id));
            }
            if item.title_ja.trim().is_empty() && item.title_en.trim().is_empty() {
                push(
                    origin.at("title_ja"),
                    format!("item \"{}\" has neither a Japanese nor an English title", item.id),
                );
            }
            match self.id_scheme {
                IdScheme::Ismap => check_ismap_item(&origin, &mut item, &first_seen, &mut push),
                IdScheme::Oscal => {
                    if item.id.trim().is_empty() {
                        push(origin.at("id"), "empty ID".into());
                    }
                    if !matches!(item.level.as_deref(), Some("group" | "control" | "enhancement")) {
                        push(origin.at("level"), format!("unknown OSCAL level {:?}", item.level));
                    }
                }
            }
            if let Some(parent) = item.parent.as_deref() {
                if parent == item.id {
                    push(origin.at("parent"), format!("item \"{}\" is its own parent", item.id));
                } else if !first_seen.contains_key(parent) {
                    push(
                        origin.at("parent"),
                        format!("parent \"{parent}\" of item \"{}\" is not in the catalog", item.id),
                    );
                }
            }
            items.push((origin, item));
        }

        // A parent chain must end at a top-level item; a loop would make the
        // tree endless in every view.
        let parents: HashMap<&str, &str> =
            items.iter().filter_map(|(_, i)| i.parent.as_deref().map(|p| (i.id.as_str(), p))).collect();
        for (origin, item) in &items {
            let mut current = item.id.as_str();
            for _ in 0..=items.len() {
                match parents.get(current) {
                    Some(next) if *next == item.id => {
                        push(origin.at("parent"), format!("item \"{}\" is its own ancestor", item.id));
                        break;
                    }
                    Some(next) => current = next,
                    None => break,
                }
            }
        }

        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Catalog {
            name: self.name.trim().to_string(),
            version: self.version.trim().to_string(),
            title: self.title,
            id_scheme: self.id_scheme,
            sample: self.sample,
            items: items.into_iter().map(|(_, i)| i).collect(),
            suffix_legend: self
                .suffix_legend
                .into_iter()
                .map(|m| SuffixMeaning { suffix: m.suffix, ja: m.ja.trim().to_string(), en: m.en.trim().to_string() })
                .collect(),
        })
    }
}

fn check_ismap_item(
    origin: &Origin,
    item: &mut CatalogItem,
    ids: &std::collections::HashMap<String, String>,
    push: &mut impl FnMut(String, String),
) {
    if !ISMAP_GROUPS.contains(&item.group.as_str()) {
        push(
            origin.at("group"),
            format!("unknown group \"{}\" (expected governance, management or controls)", item.group),
        );
    }
    let parsed = match IsmapId::parse(&item.id) {
        Ok(parsed) => parsed,
        Err(err) => return push(origin.at("id"), err.0),
    };
    match item.level.as_deref() {
        None => item.level = Some(parsed.level.as_str().to_string()),
        Some(given) if given == parsed.level.as_str() => {}
        Some(given) => push(
            origin.at("level"),
            format!("level \"{given}\" does not match ID \"{}\", which is a {} item", item.id, parsed.level.as_str()),
        ),
    }
    match (&item.suffix, &parsed.suffix) {
        (None, found) => item.suffix.clone_from(found),
        (Some(given), Some(found)) if given == found => {}
        (Some(given), _) => push(origin.at("suffix"), format!("suffix \"{given}\" does not match ID \"{}\"", item.id)),
    }
    // An empty parent is derived from the ID when the item above it is in the
    // catalog; a catalog may leave out headings, so its absence is no error.
    if item.parent.is_none() {
        item.parent = parsed.parent_text().filter(|p| ids.contains_key(p));
    }
}

impl Catalog {
    /// The number of items that are assessed (detailed controls; OSCAL
    /// controls and enhancements).
    pub fn assessable_count(&self) -> usize {
        self.items.iter().filter(|i| self.id_scheme.is_assessable(i.level.as_deref().unwrap_or(""))).count()
    }

    /// `name@version`, the way catalogs are named on the command line.
    pub fn reference(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// A SHA-256 over the catalog's canonical JSON, recorded in engagements so
    /// that the frozen copy can be matched to its source.
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }
}

/// What a suffix of a detailed control's ID means (P, B, PB: CC2022 §2.1,
/// §2.2.4), in both languages, shown wherever a suffix appears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SuffixMeaning {
    pub suffix: String,
    /// A catalog may give the meaning in one language only.
    #[serde(default)]
    pub ja: String,
    #[serde(default)]
    pub en: String,
}

#[derive(Deserialize)]
struct SuffixLegendFile {
    suffixes: Vec<SuffixMeaning>,
}

const SUFFIX_LEGEND: &str = include_str!("../../../../assets/rules/suffix-legend.json");

/// The legend to show for a catalog of `scheme`: an OSCAL catalog's IDs
/// have no ISMAP suffixes, so none unless it gives its own; else for each
/// suffix the catalog's own meaning (`own`) when it gives one, else the
/// shipped meaning, so that a catalog that explains only some suffixes
/// still has all of them explained.
pub fn legend_for(scheme: IdScheme, own: &[SuffixMeaning]) -> crate::error::Result<Vec<SuffixMeaning>> {
    if scheme == IdScheme::Oscal && own.is_empty() {
        return Ok(Vec::new());
    }
    legend_or_shipped(own)
}

/// For each suffix, the catalog's own meaning (`own`) when it gives one,
/// else the shipped meaning.
pub fn legend_or_shipped(own: &[SuffixMeaning]) -> crate::error::Result<Vec<SuffixMeaning>> {
    Ok(suffix_legend()?
        .into_iter()
        .map(|shipped| own.iter().find(|m| m.suffix == shipped.suffix).cloned().unwrap_or(shipped))
        .collect())
}

/// The suffix legend shipped with the workbench (`assets/rules/suffix-legend.json`).
pub fn suffix_legend() -> crate::error::Result<Vec<SuffixMeaning>> {
    serde_json::from_str::<SuffixLegendFile>(SUFFIX_LEGEND)
        .map(|f| f.suffixes)
        .map_err(|e| crate::error::Error::invalid("suffix_legend", e.to_string()))
}

#[cfg(test)]
mod legend_tests {
    #[test]
    fn the_shipped_legend_explains_p_b_and_pb() {
        let legend = super::suffix_legend().unwrap();
        let suffixes: Vec<_> = legend.iter().map(|s| s.suffix.as_str()).collect();
        assert_eq!(suffixes, ["P", "B", "PB"]);
        assert!(legend[1].ja.contains("基本言明要件"));
    }
}

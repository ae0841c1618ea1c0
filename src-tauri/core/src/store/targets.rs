//! The firm's table of assessment targets (CC2022 Attached table 8): what
//! each target kind is, its example frequency, and the frequency a sample of
//! it starts from. Shipped as `assets/rules/assessment-targets.json`; a firm
//! may save its own in the data folder, and that one is used instead.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldProblem, ProblemCode, Result};
use crate::model::procedure::{AssessmentTarget, TargetDefaults};

/// The firm's own table, in the workbench's data folder, when it has one.
pub const TARGETS_FILE: &str = "assessment-targets.json";

const DEFAULT_TARGETS: &str = include_str!("../../../../assets/rules/assessment-targets.json");

/// A table of five kinds is a few kilobytes; a larger file is not one.
const MAX_BYTES: u64 = 256 * 1024;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    #[serde(default)]
    source: String,
    targets: Vec<TargetDefaults>,
}

/// What a firm may give: the file's form, or the bare list that
/// `workbench procedure targets --json` prints.
#[derive(Deserialize)]
#[serde(untagged)]
enum TargetsInput {
    File(TargetsFile),
    List(Vec<TargetDefaults>),
}

/// The shipped table.
pub fn default_targets() -> Result<Vec<TargetDefaults>> {
    parse(Path::new("assets/rules/assessment-targets.json"), DEFAULT_TARGETS.as_bytes())
}

/// The firm's table from `data_dir`, or the shipped one.
pub fn load(data_dir: &Path) -> Result<Vec<TargetDefaults>> {
    let path = data_dir.join(TARGETS_FILE);
    if !path.exists() {
        return default_targets();
    }
    read(&path)
}

/// Reads and checks a table file: capped in size, our format only, each
/// of the five kinds once, each with its words.
pub fn read(path: &Path) -> Result<Vec<TargetDefaults>> {
    let bytes = crate::import::read_limited(path, MAX_BYTES, |size| {
        format!("{size} bytes is larger than the {MAX_BYTES} bytes a table of assessment targets may have")
    })?;
    parse(path, &bytes)
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<TargetDefaults>> {
    // Each form is tried for its own message: an untagged enum's error
    // would only say that neither matched.
    let targets = match serde_json::from_slice::<TargetsInput>(bytes) {
        Ok(TargetsInput::File(file)) => file.targets,
        Ok(TargetsInput::List(list)) => list,
        Err(_) => {
            let err = match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(serde_json::Value::Array(_)) => serde_json::from_slice::<Vec<TargetDefaults>>(bytes).err(),
                _ => serde_json::from_slice::<TargetsFile>(bytes).err(),
            };
            let (location, message) = match err {
                Some(e) => (format!("line {}, column {}", e.line(), e.column()), e.to_string()),
                None => ("file".to_string(), "not a table of assessment targets".to_string()),
            };
            return Err(Error::import_one(
                path,
                location,
                format!("{message} (expected {{\"targets\": [...]}} or the list `workbench procedure targets --json` prints)"),
            ));
        }
    };
    if let Some(problem) = problems(&targets).into_iter().next() {
        return Err(Error::import_one(path, problem.field, problem.message));
    }
    let mut targets = targets;
    targets.sort_by_key(|t| AssessmentTarget::ALL.iter().position(|k| *k == t.target.as_str()));
    Ok(targets)
}

/// What is wrong with a table: a kind missing or given twice, or words left blank.
pub fn problems(targets: &[TargetDefaults]) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    for kind in AssessmentTarget::ALL {
        let count = targets.iter().filter(|t| t.target.as_str() == *kind).count();
        if count != 1 {
            out.push(FieldProblem::new(
                "targets",
                ProblemCode::Invalid,
                &[("target", kind.to_string()), ("count", count.to_string())],
                format!("the table must give the target kind {kind} exactly once (it gives it {count} times)"),
            ));
        }
    }
    for (i, t) in targets.iter().enumerate() {
        let words = [&t.ja, &t.en, &t.examples_ja, &t.examples_en, &t.frequency_ja, &t.frequency_en];
        if words.iter().any(|s| crate::domain::has_control_character(s)) {
            out.push(FieldProblem::new(
                &format!("targets[{i}]"),
                ProblemCode::ControlCharacter,
                &[],
                format!("{}: its words hold a control character", t.target),
            ));
        }
        if [&t.ja, &t.en, &t.frequency_ja, &t.frequency_en].iter().any(|s| s.trim().is_empty()) {
            out.push(FieldProblem::new(
                &format!("targets[{i}]"),
                ProblemCode::Required,
                &[],
                format!("{}: its names and example frequencies in Japanese and English are required", t.target),
            ));
        }
    }
    out
}

/// Checks a table read from `source` and makes it the firm's.
pub fn replace(data_dir: &Path, source: &Path) -> Result<Vec<TargetDefaults>> {
    let targets = read(source)?;
    std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
    let file = TargetsFile { source: format!("the firm's table, from {}", source.display()), targets };
    let text = serde_json::to_string_pretty(&file).map_err(|e| Error::invalid("targets", e.to_string()))?;
    crate::files::write_whole(&data_dir.join(TARGETS_FILE), text.as_bytes())?;
    Ok(file.targets)
}

/// Goes back to the shipped table.
pub fn reset(data_dir: &Path) -> Result<()> {
    crate::files::remove_if_present(&data_dir.join(TARGETS_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sampling::Frequency;

    #[test]
    fn the_shipped_table_gives_the_five_kinds_of_attached_table_8() {
        let shipped = default_targets().unwrap();
        let kinds: Vec<&str> = shipped.iter().map(|t| t.target.as_str()).collect();
        assert_eq!(kinds, AssessmentTarget::ALL);
        let records = shipped.iter().find(|t| t.target == AssessmentTarget::Records).unwrap();
        assert_eq!(records.default_frequency, None, "records are sampled as the control runs");
        assert!(shipped
            .iter()
            .filter(|t| t.target != AssessmentTarget::Records)
            .all(|t| t.default_frequency.is_some()));
    }

    #[test]
    fn a_firm_table_replaces_the_shipped_one_only_when_whole() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let shipped = default_targets().unwrap();
        assert_eq!(load(&data).unwrap(), shipped);

        let mut edited = shipped.clone();
        edited[0].default_frequency = Some(Frequency::Quarterly);
        let file = dir.path().join("mine.json");
        std::fs::write(
            &file,
            serde_json::to_vec(&TargetsFile { source: String::new(), targets: edited.clone() }).unwrap(),
        )
        .unwrap();
        assert_eq!(replace(&data, &file).unwrap(), edited);
        assert_eq!(load(&data).unwrap(), edited);

        // The list `procedure targets --json` prints is taken back as it is.
        std::fs::write(&file, serde_json::to_vec(&edited).unwrap()).unwrap();
        assert_eq!(replace(&data, &file).unwrap(), edited);
        // A kind left out, a field of another format, and a huge file are refused; the firm's table stays.
        let missing = TargetsFile { source: String::new(), targets: edited[1..].to_vec() };
        std::fs::write(&file, serde_json::to_vec(&missing).unwrap()).unwrap();
        assert_eq!(replace(&data, &file).unwrap_err().kind(), "import");
        std::fs::write(&file, r#"{"targets": [], "script": "rm -rf /"}"#).unwrap();
        assert_eq!(replace(&data, &file).unwrap_err().kind(), "import");
        std::fs::write(&file, vec![b' '; MAX_BYTES as usize + 1]).unwrap();
        assert_eq!(replace(&data, &file).unwrap_err().kind(), "import");
        assert_eq!(load(&data).unwrap(), edited);
        reset(&data).unwrap();
        assert_eq!(load(&data).unwrap(), shipped);
    }
}

//! The firm's list of assurance-like phrases (`assets/rules/assurance-phrases.json`
//! by default), which the review screen and `finalize --check` look for in
//! the workpapers' texts.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The firm's own list, in the workbench's data folder, when it has one.
pub const WORDING_FILE: &str = "assurance-phrases.json";

const DEFAULT_PHRASES: &str = include_str!("../../../../assets/rules/assurance-phrases.json");

/// A list is a few hundred phrases at most; a larger file is not one.
const MAX_BYTES: u64 = 1024 * 1024;

#[derive(Deserialize)]
struct PhraseList {
    phrases: Vec<String>,
}

/// The shipped list.
pub fn default_phrases() -> Result<Vec<String>> {
    parse(Path::new("assets/rules/assurance-phrases.json"), DEFAULT_PHRASES.as_bytes())
}

/// The firm's list from `data_dir`, or the shipped one.
pub fn load(data_dir: &Path) -> Result<Vec<String>> {
    let path = data_dir.join(WORDING_FILE);
    if !path.exists() {
        return default_phrases();
    }
    let bytes = crate::import::read_limited(&path, MAX_BYTES, |size| {
        format!("{size} bytes is larger than the {MAX_BYTES} bytes a phrase list may have")
    })?;
    parse(&path, &bytes)
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<String>> {
    let list: PhraseList = serde_json::from_slice(bytes)
        .map_err(|e| Error::import_one(path, format!("line {}, column {}", e.line(), e.column()), e.to_string()))?;
    Ok(list.phrases.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_parses_and_a_firm_list_replaces_it() {
        let shipped = default_phrases().unwrap();
        assert!(shipped.iter().any(|p| p == "重要な問題はない"));
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), shipped);
        std::fs::write(dir.path().join(WORDING_FILE), r#"{"phrases": ["  問題なし ", ""]}"#).unwrap();
        assert_eq!(load(dir.path()).unwrap(), ["問題なし"]);
        std::fs::write(dir.path().join(WORDING_FILE), "{").unwrap();
        assert_eq!(load(dir.path()).unwrap_err().kind(), "import");
    }
}

//! The CLI's message catalogs (`messages/ja.json`, `messages/en.json`).
//! Every line a person reads is one catalog entry with named placeholders, so
//! a translation can reorder the values; fragments are never concatenated.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Ja,
    En,
}

const JA: &str = include_str!("../messages/ja.json");
const EN: &str = include_str!("../messages/en.json");

#[derive(Debug)]
pub struct Messages {
    lang: Lang,
    entries: HashMap<String, String>,
}

impl Messages {
    pub fn load(lang: Lang) -> Messages {
        let source = match lang {
            Lang::Ja => JA,
            Lang::En => EN,
        };
        // Both catalogs are compiled in and checked by the tests below.
        let entries = serde_json::from_str(source).unwrap_or_default();
        Messages { lang, entries }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message `key` with `{name}` placeholders filled in. A missing key
    /// shows as the key itself, so a gap is visible rather than silent.
    pub fn get(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut text = self.entries.get(key).cloned().unwrap_or_else(|| key.to_string());
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }

    /// The message `key` as written in the catalog, placeholders and all,
    /// for callers that fill values themselves (the verifier fills them in
    /// one pass, so that a value from a hostile file is never filled again).
    pub fn template(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    /// A message without placeholders, or `fallback` when the key is absent
    /// (for values such as group names that a catalog may not know).
    pub fn word(&self, key: &str, fallback: &str) -> String {
        self.entries.get(key).cloned().unwrap_or_else(|| fallback.to_string())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    fn placeholders(text: &str) -> BTreeSet<String> {
        text.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(name, _)| name.to_string()).collect()
    }

    #[test]
    fn both_catalogs_have_the_same_keys_and_placeholders() {
        let ja: BTreeMap<String, String> = serde_json::from_str(super::JA).unwrap();
        let en: BTreeMap<String, String> = serde_json::from_str(super::EN).unwrap();
        assert_eq!(ja.keys().collect::<Vec<_>>(), en.keys().collect::<Vec<_>>());
        for (key, text) in &ja {
            assert_eq!(placeholders(text), placeholders(&en[key]), "placeholders of {key}");
        }
    }

    #[test]
    fn placeholders_are_filled_by_name() {
        let m = super::Messages::load(super::Lang::Ja);
        assert_eq!(
            m.get("show.period", &[("start", &"2025-10-01"), ("end", &"2026-09-30")]),
            "監査対象期間:       2025-10-01 〜 2026-09-30"
        );
        assert_eq!(m.get("no.such.key", &[]), "no.such.key");
    }
}

//! The report's words, from `messages/ja.json` and `messages/en.json`:
//! whole messages with named parameters, never fragments put together.

use std::collections::HashMap;

const JA: &str = include_str!("../messages/ja.json");
const EN: &str = include_str!("../messages/en.json");

/// The report's language: the core's, so that a request names it once.
pub use workbench_core::Lang;

#[derive(Debug)]
pub struct Messages {
    lang: Lang,
    table: HashMap<String, String>,
}

impl Messages {
    pub fn load(lang: Lang) -> Messages {
        let text = match lang {
            Lang::Ja => JA,
            Lang::En => EN,
        };
        // The catalogs are part of the binary and checked by the tests below.
        let table = serde_json::from_str(text).unwrap_or_default();
        Messages { lang, table }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message `key` with `{name}` parameters filled in; the key itself
    /// when the catalog lacks it (a test keeps the catalogs complete).
    pub fn get(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut text = self.table.get(key).cloned().unwrap_or_else(|| key.to_string());
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_have_the_same_keys_and_parameters() {
        let ja: HashMap<String, String> = serde_json::from_str(JA).unwrap();
        let en: HashMap<String, String> = serde_json::from_str(EN).unwrap();
        let mut keys: Vec<&String> = ja.keys().collect();
        keys.sort();
        let mut en_keys: Vec<&String> = en.keys().collect();
        en_keys.sort();
        assert_eq!(keys, en_keys);
        let params = |t: &str| {
            let mut p: Vec<String> =
                t.split('{').skip(1).filter_map(|x| x.split_once('}').map(|(n, _)| n.to_string())).collect();
            p.sort();
            p
        };
        for key in keys {
            assert_eq!(params(&ja[key]), params(&en[key]), "{key}");
        }
    }
}

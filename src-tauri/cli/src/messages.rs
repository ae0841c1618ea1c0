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

// The words for a refused field (`problem.<code>`) are the app's: one
// catalog per language for both front ends, so that the CLI and the app
// say the same thing about the same refusal.
const APP_JA: &str = include_str!("../../../ui/src/lib/i18n/ja/common.json");
const APP_EN: &str = include_str!("../../../ui/src/lib/i18n/en/common.json");

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
        let mut entries: HashMap<String, String> = serde_json::from_str(source).unwrap_or_default();
        let app: HashMap<String, serde_json::Value> =
            serde_json::from_str(if lang == Lang::Ja { APP_JA } else { APP_EN }).unwrap_or_default();
        // The CLI's own catalog may word a refusal for the terminal (the
        // app's may speak of its dialogs); its entries come first.
        for (key, value) in app {
            if let (true, Some(text)) = (key.starts_with("problem."), value.as_str()) {
                entries.entry(key).or_insert_with(|| text.to_string());
            }
        }
        Messages { lang, entries }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message `key` with `{name}` placeholders filled in. A missing key
    /// shows as the key itself, so a gap is visible rather than silent.
    ///
    /// Each value is made safe for a terminal ([`shown`]): a value read from
    /// a file (a control's text, a change) must not clear the screen or set
    /// the window's title.
    pub fn get(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut text = self.entries.get(key).cloned().unwrap_or_else(|| key.to_string());
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), &shown(&value.to_string()));
        }
        text
    }

    /// The message `key` as written in the catalog, placeholders and all,
    /// for callers that fill values themselves (the verifier fills them in
    /// one pass, so that a value from a hostile file is never filled again).
    pub fn template(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    /// One refused field in the user's language, named. In English it is
    /// the core's own message, which carries every value. In Japanese it is
    /// the catalog's words for its code with its values; where those words
    /// are general (no values), the core's message follows as the detail,
    /// so that nothing it says (a certificate's name, a limit) is lost; and
    /// where the catalog has no words or they need a value the refusal
    /// lacks, the core's message alone.
    pub fn problem(&self, p: &workbench_core::error::FieldProblem) -> String {
        let field = |message: &str| self.get("error.field", &[("field", &p.field), ("message", &message)]);
        if self.lang == Lang::En {
            return field(&p.message);
        }
        let Some(template) = self.entries.get(&format!("problem.{}", p.code.as_str())) else {
            return field(&p.message);
        };
        match fill_once(template, &p.params) {
            None => field(&p.message),
            // A blank field needs no more words than the field's name.
            Some(text) if !template.contains('{') && p.code != workbench_core::error::ProblemCode::Required => {
                self.get("error.field_detail", &[("field", &p.field), ("message", &text), ("detail", &p.message)])
            }
            Some(text) => field(&text),
        }
    }

    /// A message without placeholders, or `fallback` when the key is absent
    /// (for values such as group names that a catalog may not know).
    pub fn word(&self, key: &str, fallback: &str) -> String {
        self.entries.get(key).cloned().unwrap_or_else(|| fallback.to_string())
    }
}

/// `text` as a terminal may show it: line breaks and tabs kept, every other
/// control character and the marks that reorder text (bidirectional
/// controls) written as `\u{…}`, so that nothing in it acts on the terminal.
pub fn shown(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\t'))
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `template` with each `{name}` replaced by its value, in one pass, so that
/// a value holding braces (text the user typed) is never read as a
/// placeholder; `None` when the template names a value that is not given.
fn fill_once(template: &str, values: &std::collections::BTreeMap<String, String>) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        out.push_str(&shown(values.get(&after[..close])?));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
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
    fn a_refused_field_is_named_and_explained_in_the_users_language() {
        use workbench_core::error::{FieldProblem, ProblemCode};
        let p = FieldProblem::new(
            "effective",
            ProblemCode::ChangeOutsidePeriod,
            &[("date", "2026-10-01".into()), ("start", "2025-10-01".into()), ("end", "2026-09-30".into())],
            "english".into(),
        );
        let ja = super::Messages::load(super::Lang::Ja).problem(&p);
        assert!(ja.starts_with("effective: ") && ja.contains("2026-10-01") && ja.contains("期間"), "{ja}");
        assert!(!ja.contains("english"), "{ja}");
        let en = super::Messages::load(super::Lang::En).problem(&p);
        assert_eq!(en, "effective: english");
        // A value the words need but the refusal lacks: the core's own message.
        let bare = FieldProblem::new("effective", ProblemCode::ChangeOutsidePeriod, &[], "english".into());
        assert_eq!(super::Messages::load(super::Lang::Ja).problem(&bare), "effective: english");
        // A value with braces in it is a value, filled once.
        let typed = FieldProblem::new(
            "kind",
            ProblemCode::UnknownChangeKind,
            &[("kind", "{known}".into()), ("known", "regulations".into())],
            "english".into(),
        );
        let ja = super::Messages::load(super::Lang::Ja).problem(&typed);
        assert!(ja.contains("「{known}」は変更の種類にありません") && ja.contains("regulations のいずれか"), "{ja}");
        // General words keep the core's detail beside them; a blank field needs none.
        let general = FieldProblem::new("control", ProblemCode::Invalid, &[], "4.4.1 is a heading".into());
        let ja = super::Messages::load(super::Lang::Ja).problem(&general);
        assert!(ja.starts_with("control: 入力内容を確認してください。") && ja.contains("4.4.1 is a heading"), "{ja}");
        let blank = FieldProblem::new("text", ProblemCode::Required, &[], "say what the control became".into());
        assert_eq!(super::Messages::load(super::Lang::Ja).problem(&blank), "text: 入力してください。");
    }

    #[test]
    fn a_value_from_a_file_cannot_act_on_the_terminal() {
        let m = super::Messages::load(super::Lang::Ja);
        let text =
            m.get("control.version", &[("no", &1), ("from", &"a\u{1b}[2J"), ("to", &"b\u{7}"), ("kind", &"\u{202e}x")]);
        assert!(!text.chars().any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{202e}'), "{text}");
        assert!(text.contains("a\\u{1b}[2J"), "{text}");
        assert_eq!(super::shown("一行目\n\t二行目"), "一行目\n\t二行目");
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

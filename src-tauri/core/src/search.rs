//! What a search of the catalog finds and how it is shown: the query split
//! into terms, text normalized the way Japanese users type, and each hit's
//! context with its matching words marked. The index itself is
//! `store::search`; this module is pure text and is tested on its own.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// The longest query taken: a search box holds words, not documents, and a
/// pasted page must not make every search scan megabytes.
pub const MAX_QUERY_CHARS: usize = 200;
/// At most this many terms are matched together.
pub const MAX_TERMS: usize = 8;
/// Characters of context shown before and after the first match.
const CONTEXT_CHARS: usize = 28;

/// Where in a control a search matched, in the order a hit's context is
/// chosen from when several match equally well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SearchField {
    Id,
    TitleJa,
    TitleEn,
    TextJa,
    TextEn,
}

/// A piece of a hit's context; `hit` marks a matching word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContextPart {
    pub text: String,
    pub hit: bool,
}

/// One control or heading that holds every term of the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchHit {
    pub id: String,
    /// The field the context is taken from: the one holding most terms.
    pub field: SearchField,
    /// The field's text around the first match, matches marked; cut ends
    /// are shown with an ellipsis.
    pub context: Vec<ContextPart>,
}

/// What a search found, in catalog order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchResult {
    /// The query as searched (normalized, cut to `MAX_QUERY_CHARS`).
    pub query: String,
    /// The terms matched together.
    pub terms: Vec<String>,
    pub hits: Vec<SearchHit>,
}

/// Text as searched and shown: NFKC, so that full-width letters and digits
/// (９．２, ＡＢＣ) and the ideographic space read as their ASCII forms.
pub fn normalize(text: &str) -> String {
    text.nfkc().collect()
}

/// The lower-case form matched against: ASCII case is ignored; kana and
/// kanji have no case and are matched as written.
pub fn folded(text: &str) -> String {
    normalize(text).to_lowercase()
}

/// The query's terms: words separated by spaces (an ideographic space
/// included), folded, duplicates dropped, at most `MAX_TERMS`. Japanese has
/// no spaces between words, so 「特権承認」 is one term and 「特権 承認」 two.
pub fn terms(query: &str) -> Vec<String> {
    let cut: String = query.chars().take(MAX_QUERY_CHARS).collect();
    let mut out: Vec<String> = Vec::new();
    for term in folded(&cut).split_whitespace() {
        if !out.iter().any(|t| t == term) && out.len() < MAX_TERMS {
            out.push(term.to_string());
        }
    }
    out
}

/// The char positions where `term` (folded) starts in `text`, comparing
/// folded chars one by one so that positions stay those of `text`.
fn positions(text: &[char], term: &[char]) -> Vec<usize> {
    if term.is_empty() || term.len() > text.len() {
        return Vec::new();
    }
    let fold = |c: char| c.to_lowercase().next().unwrap_or(c);
    (0..=text.len() - term.len())
        .filter(|&at| text[at..at + term.len()].iter().zip(term).all(|(a, b)| fold(*a) == *b))
        .collect()
}

/// The context of a hit: `text` (already normalized) around the first match
/// of any term, every match in that window marked.
pub fn context(text: &str, terms: &[String]) -> Vec<ContextPart> {
    let chars: Vec<char> = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let mut marked = vec![false; chars.len()];
    let mut first = None;
    for term in terms {
        let term: Vec<char> = term.chars().collect();
        for at in positions(&chars, &term) {
            first = Some(first.map_or(at, |f: usize| f.min(at)));
            marked[at..at + term.len()].iter_mut().for_each(|m| *m = true);
        }
    }
    let first = first.unwrap_or(0);
    let start = first.saturating_sub(CONTEXT_CHARS);
    // A term longer than the window is shown whole, never cut inside a match.
    let longest = terms.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    let end = (first + (CONTEXT_CHARS * 3).max(longest)).min(chars.len());
    let mut parts: Vec<ContextPart> = Vec::new();
    if start > 0 {
        parts.push(ContextPart { text: "…".into(), hit: false });
    }
    for at in start..end {
        match parts.last_mut() {
            Some(last) if last.hit == marked[at] => last.text.push(chars[at]),
            _ => parts.push(ContextPart { text: chars[at].to_string(), hit: marked[at] }),
        }
    }
    if end < chars.len() {
        match parts.last_mut() {
            Some(last) if !last.hit => last.text.push('…'),
            _ => parts.push(ContextPart { text: "…".into(), hit: false }),
        }
    }
    parts
}

/// How many of the terms a field holds.
pub fn terms_in(text: &str, terms: &[String]) -> usize {
    let folded = folded(text);
    terms.iter().filter(|t| folded.contains(t.as_str())).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(parts: &[ContextPart]) -> String {
        parts.iter().map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() }).collect()
    }

    #[test]
    fn terms_split_on_ascii_and_ideographic_spaces_and_fold_width_and_case() {
        assert_eq!(terms("特権　承認"), vec!["特権", "承認"]);
        assert_eq!(terms("  ＡＣＣＥＳＳ  access Review "), vec!["access", "review"]);
        assert_eq!(terms("９．２．３"), vec!["9.2.3"]);
        assert!(terms("   ").is_empty());
    }

    #[test]
    fn a_long_query_is_cut_and_terms_are_capped() {
        let long = "あ".repeat(MAX_QUERY_CHARS + 50);
        assert_eq!(terms(&long)[0].chars().count(), MAX_QUERY_CHARS);
        let many: String = (0..20).map(|i| format!("w{i} ")).collect();
        assert_eq!(terms(&many).len(), MAX_TERMS);
    }

    #[test]
    fn context_marks_every_term_near_the_first_match() {
        let text = "利用者の特権的アクセス権の割当ては、管理者の承認を得て行う。";
        let parts = context(text, &["特権".into(), "承認".into()]);
        assert_eq!(shown(&parts), "利用者の[特権]的アクセス権の割当ては、管理者の[承認]を得て行う。");
    }

    #[test]
    fn context_is_cut_around_a_late_match_with_ellipses() {
        let text = format!("{}承認{}", "前".repeat(100), "後".repeat(200));
        let shown = shown(&context(&text, &["承認".into()]));
        assert!(shown.starts_with('…'), "{shown}");
        assert!(shown.ends_with('…'), "{shown}");
        assert!(shown.contains(&format!("{}[承認]", "前".repeat(CONTEXT_CHARS))), "{shown}");
        assert_eq!(shown.chars().filter(|c| *c == '前').count(), CONTEXT_CHARS);
    }

    #[test]
    fn a_term_longer_than_the_window_is_shown_whole() {
        let term = "長".repeat(CONTEXT_CHARS * 4);
        let text = format!("前{term}後");
        let shown = shown(&context(&text, std::slice::from_ref(&term)));
        assert!(shown.contains(&format!("[{term}]")), "{shown}");
    }

    #[test]
    fn context_matches_ignore_ascii_case_and_keep_the_text_as_written() {
        let parts = context("Privileged Access Rights", &["access".into()]);
        assert_eq!(shown(&parts), "Privileged [Access] Rights");
    }

    #[test]
    fn terms_in_counts_each_term_once() {
        assert_eq!(terms_in("特権の承認と特権", &["特権".into(), "承認".into(), "監査".into()]), 2);
    }
}

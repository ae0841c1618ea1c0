//! ISMAP control IDs, as described in `shared/domain/ISMAP.md` section 2.
//!
//! IDs are dotted numbers with an optional suffix: `9.2.3` is a control
//! objective (3 parts), `9.2.3.11` a detailed control (4 parts), and a
//! detailed control may carry `.B`, `.P` or `.PB` (`9.2.3.11.PB`). The meaning
//! of the suffixes is not settled, so it is kept as data and never interpreted.
//! IDs stay text everywhere: `9.10` and `9.1` are different IDs.

use std::fmt;

/// The level of an item in an ISMAP-style catalog, read from its number of
/// numeric parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// One part: a chapter (governance 3, management 4) or a controls domain (5 to 18).
    Domain,
    /// Two parts: a category within a domain.
    Category,
    /// Three parts: a control objective (統制目標).
    Objective,
    /// Four parts: a detailed control (詳細管理策).
    Detailed,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Domain => "domain",
            Level::Category => "category",
            Level::Objective => "objective",
            Level::Detailed => "detailed",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "domain" => Some(Level::Domain),
            "category" => Some(Level::Category),
            "objective" => Some(Level::Objective),
            "detailed" => Some(Level::Detailed),
            _ => None,
        }
    }

    fn from_parts(count: usize) -> Option<Level> {
        match count {
            1 => Some(Level::Domain),
            2 => Some(Level::Category),
            3 => Some(Level::Objective),
            4 => Some(Level::Detailed),
            _ => None,
        }
    }
}

/// A parsed ISMAP ID. `text` is the ID exactly as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsmapId {
    pub text: String,
    pub numbers: Vec<u32>,
    pub suffix: Option<String>,
    pub level: Level,
}

/// Why a text is not an ISMAP ID, worded to be shown next to the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError(pub String);

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) const SUFFIXES: [&str; 3] = ["B", "P", "PB"];

impl IsmapId {
    pub fn parse(text: &str) -> Result<IsmapId, IdError> {
        let bad = |why: &str| Err(IdError(format!("\"{text}\" is not an ISMAP ID: {why}")));
        if text.is_empty() {
            return bad("it is empty");
        }
        if text.trim() != text {
            return bad("it has spaces around it");
        }
        let mut numbers = Vec::new();
        let mut suffix = None;
        let parts: Vec<&str> = text.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() {
                return bad("it has an empty part (two dots, or a dot at an end)");
            }
            if part.bytes().all(|b| b.is_ascii_digit()) {
                if suffix.is_some() {
                    return bad("a number follows the suffix");
                }
                if part.len() > 1 && part.starts_with('0') {
                    return bad("a part has a leading zero");
                }
                match part.parse::<u32>() {
                    Ok(n) if part.len() <= 4 => numbers.push(n),
                    _ => return bad("a part is too large"),
                }
            } else if SUFFIXES.contains(part) && i == parts.len() - 1 {
                suffix = Some((*part).to_string());
            } else {
                return bad("parts must be numbers, optionally ending in .B, .P or .PB");
            }
        }
        let Some(level) = Level::from_parts(numbers.len()) else {
            return bad("it has more than four numeric parts");
        };
        if suffix.is_some() && level != Level::Detailed {
            return bad("only a detailed control (four numeric parts) carries a suffix");
        }
        Ok(IsmapId { text: text.to_string(), numbers, suffix, level })
    }

    /// The ID of the item this one sits under (`9.2.3.11.PB` -> `9.2.3`), if any.
    pub fn parent_text(&self) -> Option<String> {
        if self.numbers.len() < 2 {
            return None;
        }
        let head = &self.numbers[..self.numbers.len() - 1];
        Some(head.iter().map(u32::to_string).collect::<Vec<_>>().join("."))
    }

    /// The numeric parts, used to sort IDs as people expect (`9.2` before `9.10`).
    pub fn sort_key(&self) -> (Vec<u32>, u8) {
        let suffix_rank = match self.suffix.as_deref() {
            None => 0,
            Some("B") => 1,
            Some("P") => 2,
            _ => 3,
        };
        (self.numbers.clone(), suffix_rank)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objective_and_detailed_controls_parse_with_their_levels() {
        let objective = IsmapId::parse("9.2.3").unwrap();
        assert_eq!(objective.level, Level::Objective);
        assert_eq!(objective.numbers, vec![9, 2, 3]);
        assert_eq!(objective.suffix, None);

        let detailed = IsmapId::parse("9.2.3.11.PB").unwrap();
        assert_eq!(detailed.level, Level::Detailed);
        assert_eq!(detailed.suffix.as_deref(), Some("PB"));
        assert_eq!(detailed.parent_text().as_deref(), Some("9.2.3"));
        assert_eq!(detailed.text, "9.2.3.11.PB");

        assert_eq!(IsmapId::parse("8.1.5.4.P").unwrap().suffix.as_deref(), Some("P"));
        assert_eq!(IsmapId::parse("12.2.1.15").unwrap().level, Level::Detailed);
        assert_eq!(IsmapId::parse("5").unwrap().level, Level::Domain);
        assert_eq!(IsmapId::parse("5").unwrap().parent_text(), None);
    }

    #[test]
    fn malformed_ids_are_refused_with_the_value_in_the_message() {
        for bad in [
            "",
            " 9.2.3",
            "9..2",
            "9.2.",
            ".9",
            "9.2.3.X",
            "9.2.3.B",
            "9.2.3.4.5",
            "9.2.3.4.B.1",
            "09.1",
            "9.2.3.4.b",
            "A.1",
        ] {
            let err = IsmapId::parse(bad).expect_err(bad);
            assert!(err.0.contains(&format!("\"{bad}\"")), "{err}");
        }
    }

    #[test]
    fn sort_key_orders_numerically_not_as_text() {
        let mut ids =
            ["9.10.1", "9.2.1", "9.2.1.1.B", "9.2.1.1", "10.1.1"].map(|t| IsmapId::parse(t).unwrap()).to_vec();
        ids.sort_by_key(IsmapId::sort_key);
        let order: Vec<&str> = ids.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(order, ["9.2.1", "9.2.1.1", "9.2.1.1.B", "9.10.1", "10.1.1"]);
    }
}

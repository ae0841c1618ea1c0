//! The IDs the workbench gives to the items assessors create (exceptions,
//! evidence, PBC requests, review notes, subsequent events, control changes,
//! added procedures), and how they stay unique across field copies.
//!
//! The engagement file numbers its items `E-0001`, `EV-0001`, `PBC-001`,
//! `RN-001`, `SE-001`, `CHG-001` and `9.2.1.2/P3`. A field copy has a code
//! of capital letters (`A`, `B`, …, `Z`, `AA`, …) given by the file it was
//! made from, and numbers its own items with the code after the prefix:
//! `E-A0001`, `EV-A0001`, `PBC-A001`, `RN-A001`, `SE-A001`, `CHG-A001`,
//! `9.2.1.2/PA1`. Two laptops therefore never give the same ID, the IDs stay
//! short enough to say aloud, and an ID tells where it was made.

/// The numbers of one code occupy one band of a list's order column, so that
/// the file's own items come first, then each copy's, each in the order made.
pub const BAND: i64 = 1_000_000;

/// The longest code a copy can have (26 + 26² + 26³ copies are enough).
const MAX_CODE_LEN: usize = 3;

/// Whether `code` is a copy's code: one to three capital ASCII letters.
pub fn is_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= MAX_CODE_LEN && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// A code's place in the sequence `A`, …, `Z`, `AA`, … (bijective base 26;
/// the engagement file itself, with no code, is 0).
pub fn code_number(code: &str) -> i64 {
    code.bytes().fold(0, |n, b| n * 26 + i64::from(b - b'A' + 1))
}

/// The `n`-th code (1 is `A`).
pub fn code_at(mut n: i64) -> String {
    let mut letters = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        letters.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Splits `id` after `prefix` into its code (empty for the file's own items)
/// and its number; `None` when `id` is not of that shape.
pub fn split<'a>(id: &'a str, prefix: &str) -> Option<(&'a str, i64)> {
    let rest = id.strip_prefix(prefix)?;
    let letters = rest.bytes().take_while(u8::is_ascii_uppercase).count();
    let (code, digits) = rest.split_at(letters);
    if letters > MAX_CODE_LEN || digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    (n < BAND).then_some((code, n))
}

/// The order of an item in its list: its code's band, then its number.
pub fn ord(id: &str, prefix: &str) -> Option<i64> {
    split(id, prefix).map(|(code, n)| code_number(code) * BAND + n)
}

/// The highest number that `code` has given among `ids` (0 for none).
pub fn highest<S: AsRef<str>>(ids: impl IntoIterator<Item = S>, prefix: &str, code: &str) -> i64 {
    ids.into_iter()
        .filter_map(|id| split(id.as_ref(), prefix).filter(|(c, _)| *c == code).map(|(_, n)| n))
        .max()
        .unwrap_or(0)
}

/// The next ID of `code` with `prefix`, its number padded to `width`
/// digits: one above the highest it has given, so that a removed item's
/// number is never given again.
pub fn next(prefix: &str, code: &str, width: usize, highest: i64) -> String {
    format!("{prefix}{code}{:0width$}", highest + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_run_a_to_z_then_two_letters() {
        assert_eq!(code_at(1), "A");
        assert_eq!(code_at(26), "Z");
        assert_eq!(code_at(27), "AA");
        assert_eq!(code_at(28), "AB");
        assert_eq!(code_at(702), "ZZ");
        assert_eq!(code_at(703), "AAA");
        for n in 1..2000 {
            assert_eq!(code_number(&code_at(n)), n);
        }
    }

    #[test]
    fn ids_of_a_copy_never_meet_the_files_or_another_copys() {
        assert_eq!(split("E-0001", "E-"), Some(("", 1)));
        assert_eq!(split("E-A0001", "E-"), Some(("A", 1)));
        assert_eq!(split("E-AB0042", "E-"), Some(("AB", 42)));
        assert_eq!(split("9.2.1.2/PB3", "9.2.1.2/P"), Some(("B", 3)));
        assert_eq!(split("E-", "E-"), None);
        assert_eq!(split("E-a001", "E-"), None);
        assert_eq!(split("E-ABCD001", "E-"), None);
        assert_eq!(split("E-0001x", "E-"), None);
        let ids = ["E-0001", "E-0002", "E-A0001", "E-B0007", "E-AB0003"];
        assert_eq!(highest(ids, "E-", ""), 2);
        assert_eq!(highest(ids, "E-", "A"), 1);
        assert_eq!(highest(ids, "E-", "B"), 7);
        assert_eq!(highest(ids, "E-", "C"), 0);
        assert_eq!(next("E-", "B", 4, 7), "E-B0008");
        assert_eq!(next("EV-", "", 4, 0), "EV-0001");
        // Orders: the file's own first, then A's, then B's.
        assert!(ord("EV-9999", "EV-") < ord("EV-A0001", "EV-"));
        assert!(ord("EV-A0002", "EV-") < ord("EV-B0001", "EV-"));
        assert_ne!(ord("EV-A0001", "EV-"), ord("EV-0001", "EV-"));
    }
}

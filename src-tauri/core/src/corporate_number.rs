//! The Japanese corporate number (法人番号): 13 digits, the first a check
//! digit over the other twelve (formula in `shared/domain/ISMAP.md` section 4).

/// Checks a corporate number and says what is wrong with it.
pub fn check(text: &str) -> Result<(), String> {
    if text.len() != 13 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("\"{text}\" is not 13 digits"));
    }
    let digits: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
    let expected = check_digit(&digits[1..]);
    if digits[0] != expected {
        return Err(format!("\"{text}\" has check digit {} but its other digits give {expected}", digits[0]));
    }
    Ok(())
}

/// The check digit for a 12-digit base, given most significant digit first.
/// P(n) is the n-th digit counted from the right, weighted 1 for odd n and 2
/// for even n; the check digit is 9 - (sum mod 9).
fn check_digit(base: &[u32]) -> u32 {
    let sum: u32 = base.iter().rev().enumerate().map(|(i, d)| d * if i % 2 == 0 { 1 } else { 2 }).sum();
    9 - sum % 9
}

#[cfg(test)]
mod tests {
    use super::*;

    // The known-good examples from ISMAP.md, independent of this code.
    #[test]
    fn known_good_numbers_pass() {
        for n in ["7123456789012", "4011001098993", "7010705000725", "1180301018771"] {
            assert_eq!(check(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn a_wrong_check_digit_or_shape_is_refused() {
        assert!(check("8123456789012").unwrap_err().contains("check digit 8"));
        assert!(check("712345678901").is_err());
        assert!(check("71234567890123").is_err());
        assert!(check("712345678901a").is_err());
        assert!(check("７123456789012").is_err());
    }

    #[test]
    fn every_single_digit_change_in_the_base_is_caught() {
        let good = "4011001098993";
        for pos in 1..13 {
            for d in b'0'..=b'9' {
                let mut bytes = good.as_bytes().to_vec();
                if bytes[pos] == d {
                    continue;
                }
                bytes[pos] = d;
                let changed = String::from_utf8(bytes).unwrap();
                // The sum is taken mod 9, so swapping a 0 for a 9 (a change of 9,
                // or 18 with weight 2) cannot be seen; every other change must be.
                let invisible = (i32::from(good.as_bytes()[pos]) - i32::from(d)).abs() == 9;
                assert_eq!(check(&changed).is_err(), !invisible, "{changed}");
            }
        }
    }
}

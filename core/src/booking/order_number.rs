//! 예매번호: what a buyer reads aloud to a call centre or shows at a box office window.
//!
//! Ten digits, so it reads as one number on the phone (no letters to spell out). New
//! numbers are random, from the operating system's generator: one number tells nothing
//! about another, so a number seen on someone's screen leads nowhere (and every read of
//! an order still checks whose it is). Their first digit is 1 to 8; the migration gave
//! orders made before numbers existed 9 followed by their id, so the two never meet. A
//! random number that is already taken (one chance in about 10^10 per order made) is
//! drawn again by the purchase.

use rand::Rng;

/// Digits in a number.
pub const LEN: usize = 10;

/// A new random number.
pub fn new() -> String {
    let mut rng = rand::rngs::OsRng;
    let first = rng.gen_range(1..=8u8);
    let rest: u64 = rng.gen_range(0..1_000_000_000);
    format!("{first}{rest:09}")
}

/// Whether `text` can be a number at all: ten ASCII digits. Anything else is refused
/// before the database is asked.
pub fn is_well_formed(text: &str) -> bool {
    text.len() == LEN && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_ten_digits_never_starting_with_0_or_9() {
        let numbers: Vec<String> = (0..2000).map(|_| new()).collect();
        for number in &numbers {
            assert!(is_well_formed(number), "{number}");
            assert!(!number.starts_with(['0', '9']), "{number}");
        }
        // Random, not a sequence: 2,000 draws from 8 × 10^9 all differ, and every
        // first digit from 1 to 8 appears.
        let distinct: std::collections::HashSet<&String> = numbers.iter().collect();
        assert_eq!(distinct.len(), numbers.len());
        for first in '1'..='8' {
            assert!(numbers.iter().any(|n| n.starts_with(first)), "{first}");
        }
    }

    #[test]
    fn only_ten_ascii_digits_are_well_formed() {
        assert!(is_well_formed("1234567890"));
        for bad in [
            "123456789",
            "12345678901",
            "12345678a0",
            "１２３４５６７８９０",
            "",
        ] {
            assert!(!is_well_formed(bad), "{bad}");
        }
    }
}

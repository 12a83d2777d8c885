//! How a key is written into the index's term dictionaries.
//!
//! Keys are mostly jamo (ㅅㅣㅋㅏㄱㅗ), three bytes each in UTF-8, so walking a dictionary
//! with a key's automaton went three byte-levels deep per letter, and the automata kept
//! three byte-states per letter. `Compact` writes each compatibility jamo as one byte
//! that no other key can hold: `A`..`Z`, then the control bytes from 0x01 (keys are
//! lower-cased, and words hold no control characters). A key keeps its characters, one
//! for one, so edit distances, prefixes and the typo budget are what they were; only the
//! walk is shorter.
//!
//! An index says which spelling wrote it by its analysis version (see
//! `indexing::spelling`): a generation written before `Compact` keeps answering in
//! `Raw` until the rebuild its version asks for replaces it.

use std::borrow::Cow;

use super::hangul;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Spelling {
    /// The key as it is, jamo in UTF-8 (analysis versions before 4).
    Raw,
    /// One byte per jamo.
    #[default]
    Compact,
}

/// The compatibility jamo U+3131..=U+3163, in order: 51 of them.
const FIRST_JAMO: u32 = 0x3131;
const LETTERS: u32 = 26;

impl Spelling {
    /// `key` as this spelling writes it in the index.
    pub fn spell<'a>(self, key: &'a str) -> Cow<'a, str> {
        if self == Spelling::Raw || !key.chars().any(hangul::is_jamo) {
            return Cow::Borrowed(key);
        }
        Cow::Owned(key.chars().map(compact_char).collect())
    }

    /// The character of a key that `spell` wrote as `c`.
    pub fn unspell(self, c: char) -> char {
        if self == Spelling::Raw {
            return c;
        }
        let code = c as u32;
        let index = match code {
            0x41..=0x5A => code - 0x41,
            0x01..=0x19 => LETTERS + code - 0x01,
            _ => return c,
        };
        char::from_u32(FIRST_JAMO + index)
            .filter(|j| hangul::is_jamo(*j))
            .unwrap_or(c)
    }
}

fn compact_char(c: char) -> char {
    if !hangul::is_jamo(c) {
        return c;
    }
    let index = c as u32 - FIRST_JAMO;
    let byte = if index < LETTERS {
        b'A' as u32 + index
    } else {
        0x01 + index - LETTERS
    };
    char::from_u32(byte).expect("an ASCII byte")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_jamo_is_one_distinct_byte_no_normalized_word_can_hold() {
        let mut seen = HashSet::new();
        for code in FIRST_JAMO..=0x3163 {
            let jamo = char::from_u32(code).unwrap();
            let spelled = Spelling::Compact.spell(&jamo.to_string()).into_owned();
            assert_eq!(spelled.len(), 1, "{jamo}");
            let back = Spelling::Compact.unspell(spelled.chars().next().unwrap());
            assert_eq!(back, jamo);
            let byte = spelled.as_bytes()[0];
            assert!(
                byte.is_ascii_uppercase() || byte.is_ascii_control(),
                "{jamo}"
            );
            assert!(seen.insert(byte), "{jamo} shares its byte");
        }
        assert_eq!(seen.len(), 51);
    }

    #[test]
    fn a_key_keeps_its_characters_one_for_one() {
        let key = hangul::keys("뮤지컬 시카고2 chicago~^");
        let spelled = Spelling::Compact.spell(&key);
        assert_eq!(spelled.chars().count(), key.chars().count());
        assert!(spelled.len() < key.len());
        // What is not jamo stays as it was.
        assert!(spelled.ends_with("2 chicago~^"));
        assert_eq!(Spelling::Compact.spell("chicago"), "chicago");
        assert_eq!(Spelling::Raw.spell(&key), key);
    }
}

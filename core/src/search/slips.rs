//! A letter typed wrong: which letters a finger or an ear puts in place of another.
//!
//! Two rules of the search rest on it:
//! - **A word's first consonant** (`meant_by`). Search used to count a typo on a
//!   word's first keystroke as two, as Meilisearch does for Latin spelling, so a short
//!   word with a wrong first consonant (나타하리 for 마타하리, 코스트 for 고스트) found
//!   nothing. On the 2-set keyboard the first consonant is mistyped as often as any
//!   other key; `key_query` now matches a first consonant slipped in one of the ways
//!   below, the rest of the word as typed, below every cleaner match.
//! - **Which typo is likelier** (`near`). Of two words one jamo away from what was
//!   typed, the one a slip of the finger or the ear could have meant ranks first:
//!   정덩화 is 정동화 with ㅓ for ㅗ (neighbouring keys) before it is 정성화 with ㄷ for
//!   ㅅ (two keys apart).
//!
//! The ways, on the 2-set layout (the QWERTY grid, rows staggered as on a phone or PC
//! keyboard; Latin letters use the same grid):
//! - **shift**: the tense consonants share keys with the plain ones (ㅂ/ㅃ, ㅈ/ㅉ, ㄷ/ㄸ,
//!   ㄱ/ㄲ, ㅅ/ㅆ), as ㅐ/ㅒ and ㅔ/ㅖ do, so a shift held too long or let go too soon
//!   swaps them;
//! - **a neighbouring key**: beside the one meant in its row, or touching it in the row
//!   above or below; for a first consonant, also two keys along the row (라보엠 typed
//!   나보엠);
//! - **a similar sound**: plain, aspirated and tense stops (ㄱ/ㅋ/ㄲ, ㄷ/ㅌ/ㄸ, ㅂ/ㅍ/ㅃ,
//!   ㅈ/ㅊ/ㅉ), the breathy ㅎ heard as ㄱ or ㅋ (헤드윅 typed 케드윅), the initial-sound
//!   rule's ㄹ/ㄴ and ㄴ/ㅇ (라면 said 나면, 녀자 for 여자), and vowels said alike (ㅐ/ㅔ,
//!   ㅒ/ㅖ, ㅗ/ㅜ, ㅓ/ㅗ, ㅕ/ㅛ, ㅜ/ㅠ).

use std::sync::OnceLock;

use super::hangul;

/// The QWERTY rows, each with its offset from the left edge in key widths.
const ROWS: [(f32, &str); 3] = [(0.0, "qwertyuiop"), (0.25, "asdfghjkl"), (0.75, "zxcvbnm")];

/// Letters that sound alike.
const SOUNDS: [&[char]; 12] = [
    &['ㄱ', 'ㅋ', 'ㄲ', 'ㅎ'],
    &['ㄷ', 'ㅌ', 'ㄸ'],
    &['ㅂ', 'ㅍ', 'ㅃ'],
    &['ㅈ', 'ㅊ', 'ㅉ'],
    &['ㄹ', 'ㄴ'],
    &['ㄴ', 'ㅇ'],
    &['ㅐ', 'ㅔ'],
    &['ㅒ', 'ㅖ'],
    &['ㅗ', 'ㅜ'],
    &['ㅓ', 'ㅗ'],
    &['ㅕ', 'ㅛ'],
    &['ㅜ', 'ㅠ'],
];

/// The 19 initial consonants, in one fixed order for the table.
const CONSONANTS: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];

/// Where the key that types `c` sits: row, the centre's distance from the left edge in
/// key widths, and whether shift is held. Jamo by the 2-set layout, Latin letters as
/// they are.
fn key(c: char) -> Option<(usize, f32, bool)> {
    let (letter, shift) = if hangul::is_jamo(c) {
        hangul::key_of_jamo(c)?
    } else if c.is_ascii_alphabetic() {
        (c.to_ascii_lowercase(), c.is_ascii_uppercase())
    } else {
        return None;
    };
    ROWS.iter().enumerate().find_map(|(row, (offset, keys))| {
        keys.find(letter).map(|at| (row, offset + at as f32, shift))
    })
}

/// How far apart the keys of `a` and `b` are: `Some(0)` the same key (with and without
/// shift), `Some(1)` touching, `Some(2)` two along one row; `None` farther, or not both
/// on the keyboard.
fn key_distance(a: char, b: char) -> Option<u8> {
    let ((row_a, x_a, _), (row_b, x_b, _)) = (key(a)?, key(b)?);
    let dx = (x_a - x_b).abs();
    match row_a.abs_diff(row_b) {
        0 if dx == 0.0 => Some(0),
        0 if dx <= 1.0 => Some(1),
        0 if dx <= 2.0 => Some(2),
        1 if dx <= 0.75 => Some(1),
        _ => None,
    }
}

fn sound_alike(a: char, b: char) -> bool {
    SOUNDS
        .iter()
        .any(|group| group.contains(&a) && group.contains(&b))
}

/// Whether typing `b` where `a` was meant (or the other way) is a slip of the finger
/// or the ear: the same key with or without shift, a touching key, a similar sound.
pub fn near(a: char, b: char) -> bool {
    a != b && (key_distance(a, b).is_some_and(|d| d <= 1) || sound_alike(a, b))
}

/// For each consonant typed first, the consonants that may have been meant, built
/// once: `near`, or two keys along the row.
fn table() -> &'static [Vec<char>; 19] {
    static TABLE: OnceLock<[Vec<char>; 19]> = OnceLock::new();
    TABLE.get_or_init(|| {
        CONSONANTS.map(|typed| {
            CONSONANTS
                .into_iter()
                .filter(|&meant| {
                    meant != typed && (near(meant, typed) || key_distance(meant, typed) == Some(2))
                })
                .collect()
        })
    })
}

/// The consonants someone may have meant when they typed `typed` first; empty for
/// anything else (a vowel, a Latin letter).
pub fn meant_by(typed: char) -> &'static [char] {
    match CONSONANTS.iter().position(|&c| c == typed) {
        Some(at) => &table()[at],
        None => &[],
    }
}

/// Whether `title_key` is `query_key` with its first consonant slipped: the first
/// keys confusable (`meant_by`), the rest the same.
pub fn slipped(title_key: &str, query_key: &str) -> bool {
    let (Some(typed), Some(meant)) = (query_key.chars().next(), title_key.chars().next()) else {
        return false;
    };
    let (typed_rest, meant_rest) = (
        &query_key[typed.len_utf8()..],
        &title_key[meant.len_utf8()..],
    );
    meant_by(typed).contains(&meant) && meant_rest == typed_rest
}

/// Whether the one edit between `term` and `key` (known to be one apart) is a likely
/// one: a letter left out, doubled or swapped with its neighbour, or a substitution of
/// `near` letters. Both are read through `letter`, which turns a spelled character
/// back into the letter it stands for.
pub fn likely_edit(key: &str, term: &str, letter: impl Fn(char) -> char) -> bool {
    let (key, term): (Vec<char>, Vec<char>) = (key.chars().collect(), term.chars().collect());
    if key.len() != term.len() {
        return true;
    }
    let differ: Vec<usize> = (0..key.len()).filter(|&i| key[i] != term[i]).collect();
    match differ.as_slice() {
        [at] => near(letter(key[*at]), letter(term[*at])),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meant(typed: char) -> String {
        meant_by(typed).iter().collect()
    }

    #[test]
    fn shift_slips_go_both_ways() {
        for (plain, tense) in [
            ('ㅂ', 'ㅃ'),
            ('ㅈ', 'ㅉ'),
            ('ㄷ', 'ㄸ'),
            ('ㄱ', 'ㄲ'),
            ('ㅅ', 'ㅆ'),
        ] {
            assert!(meant_by(plain).contains(&tense), "{plain}");
            assert!(meant_by(tense).contains(&plain), "{tense}");
        }
        assert!(near('ㅐ', 'ㅒ'));
    }

    #[test]
    fn neighbours_are_keys_a_finger_lands_on() {
        // ㄴ (s) is typed aiming at ㅁ (a), ㅇ (d), ㄹ (f, two along), ㅈ or ㄷ above
        // (w, e), shifted or not (s types ㄴ either way), ㅋ or ㅌ below (z, x), and, by
        // sound, ㄹ and ㅇ.
        assert_eq!(meant('ㄴ'), "ㄷㄸㄹㅁㅇㅈㅉㅋㅌ");
        // Not ㅎ (g, three along) nor ㅍ (v, below and to the right of d).
        assert!(!meant_by('ㄴ').contains(&'ㅎ'));
        assert!(!meant_by('ㄴ').contains(&'ㅍ'));
        // Latin letters on the same grid.
        assert!(near('g', 'h') && near('g', 'b') && !near('g', 'k'));
    }

    #[test]
    fn similar_sounds_count_though_far_apart_on_the_keyboard() {
        // ㅋ (z) for ㄱ (r), ㄸ for ㅌ, ㅋ for ㅎ: 코스트, 뜨라큘라, 케드윅.
        assert!(meant_by('ㅋ').contains(&'ㄱ'));
        assert!(meant_by('ㅋ').contains(&'ㅎ'));
        assert!(meant_by('ㄸ').contains(&'ㄷ'));
        assert!(meant_by('ㅊ').contains(&'ㅈ'));
        assert!(meant_by('ㅍ').contains(&'ㅂ'));
        assert!(near('ㅗ', 'ㅜ') && near('ㅐ', 'ㅔ'));
    }

    #[test]
    fn only_consonants_slip_first() {
        assert!(meant_by('ㅏ').is_empty());
        assert!(meant_by('a').is_empty());
        for c in CONSONANTS {
            assert!(!meant_by(c).contains(&c), "{c}");
        }
    }

    #[test]
    fn a_slip_keeps_the_rest_of_the_word() {
        let (title, typed) = (hangul::keys("마타하리"), hangul::keys("나타하리"));
        assert!(slipped(&title, &typed));
        // One more typo elsewhere is not a slip, nor the start of a longer word.
        assert!(!slipped(&title, &hangul::keys("나타하라")));
        assert!(!slipped(
            &hangul::keys("고스트버스터즈"),
            &hangul::keys("코스트")
        ));
        // The same first key is no slip, and a far one is none either.
        assert!(!slipped(&title, &title));
        assert!(!slipped(&hangul::keys("시카고"), &hangul::keys("피카고")));
    }

    #[test]
    fn a_neighbouring_or_similar_letter_is_the_likelier_typo() {
        let typed = hangul::keys("정덩화");
        let same = |c: char| c;
        // ㅓ for ㅗ: neighbouring keys (j, h).
        assert!(likely_edit(&typed, &hangul::keys("정동화"), same));
        // ㄷ for ㅅ: two keys apart (e, t), and no similar sound.
        assert!(!likely_edit(&typed, &hangul::keys("정성화"), same));
        // A letter left out, doubled or swapped is as likely as any.
        assert!(likely_edit("chicago", "chicag", same));
        assert!(likely_edit("chicago", "chiacgo", same));
        assert!(likely_edit("chicago", "chicagi", same));
        assert!(!likely_edit("chicago", "chicapo", same));
    }
}

//! Hangul as keystrokes: the common ground of every kind of typo Marquee forgives.
//!
//! A syllable is spelled as the keys a 2-set (dubeolsik) keyboard takes to type it:
//! 시카고 is `ㅅㅣㅋㅏㄱㅗ`, 왕 is `ㅇㅗㅏㅇ` (ㅘ is typed ㅗ then ㅏ), 닭 is `ㄷㅏㄹㄱ`. On that
//! spelling one wrong, missing, extra or swapped jamo is one edit, a half-typed syllable
//! (싴 on the way to 시카고) is a prefix, and Korean typed with the English layout
//! (`tlzkrh`) maps key for key onto the same string. Letters that are not Hangul pass
//! through unchanged.

/// Initial consonants in syllable order (U+1100 block order, as compatibility jamo).
const CHOSEONG: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];

/// Vowels in syllable order, each as the keys that type it.
const JUNGSEONG_KEYS: [&str; 21] = [
    "ㅏ", "ㅐ", "ㅑ", "ㅒ", "ㅓ", "ㅔ", "ㅕ", "ㅖ", "ㅗ", "ㅗㅏ", "ㅗㅐ", "ㅗㅣ", "ㅛ", "ㅜ",
    "ㅜㅓ", "ㅜㅔ", "ㅜㅣ", "ㅠ", "ㅡ", "ㅡㅣ", "ㅣ",
];

/// Final consonants in syllable order (index 0: none), each as the keys that type it.
const JONGSEONG_KEYS: [&str; 28] = [
    "", "ㄱ", "ㄲ", "ㄱㅅ", "ㄴ", "ㄴㅈ", "ㄴㅎ", "ㄷ", "ㄹ", "ㄹㄱ", "ㄹㅁ", "ㄹㅂ", "ㄹㅅ",
    "ㄹㅌ", "ㄹㅍ", "ㄹㅎ", "ㅁ", "ㅂ", "ㅂㅅ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ",
    "ㅎ",
];

/// Compound compatibility jamo typed as two keys (clusters and compound vowels).
const COMPOUND_JAMO: [(char, &str); 18] = [
    ('ㄳ', "ㄱㅅ"),
    ('ㄵ', "ㄴㅈ"),
    ('ㄶ', "ㄴㅎ"),
    ('ㄺ', "ㄹㄱ"),
    ('ㄻ', "ㄹㅁ"),
    ('ㄼ', "ㄹㅂ"),
    ('ㄽ', "ㄹㅅ"),
    ('ㄾ', "ㄹㅌ"),
    ('ㄿ', "ㄹㅍ"),
    ('ㅀ', "ㄹㅎ"),
    ('ㅄ', "ㅂㅅ"),
    ('ㅘ', "ㅗㅏ"),
    ('ㅙ', "ㅗㅐ"),
    ('ㅚ', "ㅗㅣ"),
    ('ㅝ', "ㅜㅓ"),
    ('ㅞ', "ㅜㅔ"),
    ('ㅟ', "ㅜㅣ"),
    ('ㅢ', "ㅡㅣ"),
];

/// The 2-set layout: which jamo each QWERTY key types. Shifted keys that type another
/// jamo are listed in upper case; any other upper-case letter types its lower-case jamo.
const LAYOUT: [(char, char); 33] = [
    ('q', 'ㅂ'),
    ('w', 'ㅈ'),
    ('e', 'ㄷ'),
    ('r', 'ㄱ'),
    ('t', 'ㅅ'),
    ('y', 'ㅛ'),
    ('u', 'ㅕ'),
    ('i', 'ㅑ'),
    ('o', 'ㅐ'),
    ('p', 'ㅔ'),
    ('a', 'ㅁ'),
    ('s', 'ㄴ'),
    ('d', 'ㅇ'),
    ('f', 'ㄹ'),
    ('g', 'ㅎ'),
    ('h', 'ㅗ'),
    ('j', 'ㅓ'),
    ('k', 'ㅏ'),
    ('l', 'ㅣ'),
    ('z', 'ㅋ'),
    ('x', 'ㅌ'),
    ('c', 'ㅊ'),
    ('v', 'ㅍ'),
    ('b', 'ㅠ'),
    ('n', 'ㅜ'),
    ('m', 'ㅡ'),
    ('Q', 'ㅃ'),
    ('W', 'ㅉ'),
    ('E', 'ㄸ'),
    ('R', 'ㄲ'),
    ('T', 'ㅆ'),
    ('O', 'ㅒ'),
    ('P', 'ㅖ'),
];

const SYLLABLE_FIRST: u32 = 0xAC00;
const SYLLABLE_LAST: u32 = 0xD7A3;

fn syllable_parts(c: char) -> Option<(usize, usize, usize)> {
    let code = c as u32;
    if !(SYLLABLE_FIRST..=SYLLABLE_LAST).contains(&code) {
        return None;
    }
    let index = (code - SYLLABLE_FIRST) as usize;
    Some((index / (21 * 28), (index / 28) % 21, index % 28))
}

pub fn is_syllable(c: char) -> bool {
    syllable_parts(c).is_some()
}

/// Compatibility jamo (ㄱ..ㅣ), the letters a keyboard types before they join.
pub fn is_jamo(c: char) -> bool {
    ('\u{3131}'..='\u{3163}').contains(&c)
}

pub fn is_consonant_jamo(c: char) -> bool {
    ('\u{3131}'..='\u{314E}').contains(&c)
}

pub fn is_vowel_jamo(c: char) -> bool {
    ('\u{314F}'..='\u{3163}').contains(&c)
}

pub fn is_hangul(c: char) -> bool {
    is_syllable(c) || is_jamo(c)
}

/// Appends the keystrokes that type `c` (itself when it is not Hangul).
pub fn push_keys(out: &mut String, c: char) {
    if let Some((cho, jung, jong)) = syllable_parts(c) {
        out.push(CHOSEONG[cho]);
        out.push_str(JUNGSEONG_KEYS[jung]);
        out.push_str(JONGSEONG_KEYS[jong]);
    } else if let Some((_, keys)) = COMPOUND_JAMO.iter().find(|(jamo, _)| *jamo == c) {
        out.push_str(keys);
    } else {
        out.push(c);
    }
}

/// The keystroke spelling of `text`: 시카고 → ㅅㅣㅋㅏㄱㅗ.
pub fn keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        push_keys(&mut out, c);
    }
    out
}

/// The initial consonants of the syllables of `text` (시카고 → ㅅㅋㄱ); other characters
/// are kept so digits and Latin letters still count.
pub fn initials(text: &str) -> String {
    text.chars()
        .map(|c| match syllable_parts(c) {
            Some((cho, _, _)) => CHOSEONG[cho],
            None => c,
        })
        .collect()
}

/// True when every character is a consonant jamo: the shape of an initial-consonant
/// query such as ㅅㅋㄱ.
pub fn is_initials_query(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_consonant_jamo)
}

/// The QWERTY key that types `jamo` on the 2-set layout, and whether with shift
/// (ㅃ is shift and `q`).
pub fn key_of_jamo(jamo: char) -> Option<(char, bool)> {
    LAYOUT
        .iter()
        .find(|(_, j)| *j == jamo)
        .map(|(key, _)| (key.to_ascii_lowercase(), key.is_ascii_uppercase()))
}

/// What the keys of Latin letters type on the Korean layout: `tlzkrh` → ㅅㅣㅋㅏㄱㅗ.
/// `None` when a character has no key on the layout.
pub fn latin_to_keys(text: &str) -> Option<String> {
    text.chars()
        .map(|c| {
            LAYOUT
                .iter()
                .find(|(key, _)| *key == c)
                .or_else(|| {
                    let lower = c.to_ascii_lowercase();
                    LAYOUT.iter().find(|(key, _)| *key == lower)
                })
                .map(|(_, jamo)| *jamo)
        })
        .collect()
}

/// What Hangul typed by mistake on the Korean layout meant in Latin letters:
/// 초ㅑㅊㅁ해 → `chicago`. `None` when some character is not Hangul. Case is lost (ㅃ → `q`),
/// which is harmless as Latin text is matched in lower case.
pub fn hangul_to_latin(text: &str) -> Option<String> {
    keys(text)
        .chars()
        .map(|jamo| {
            LAYOUT
                .iter()
                .find(|(_, j)| *j == jamo)
                .map(|(key, _)| key.to_ascii_lowercase())
        })
        .collect()
}

fn choseong_index(c: char) -> Option<usize> {
    CHOSEONG.iter().position(|&x| x == c)
}

fn jungseong_index(keys: &str) -> Option<usize> {
    JUNGSEONG_KEYS.iter().position(|&x| x == keys)
}

fn jongseong_index(keys: &str) -> Option<usize> {
    JONGSEONG_KEYS.iter().position(|&x| x == keys)
}

/// Joins keystrokes into syllables the way a 2-set input method does: ㅅㅣㅋㅏㄱㅗ → 시카고.
/// Keys that cannot join stay as loose jamo; other characters pass through.
pub fn compose(keystrokes: &str) -> String {
    let mut composer = Composer::default();
    for c in keystrokes.chars() {
        composer.push(c);
    }
    composer.finish()
}

/// True when the keystrokes join into whole syllables with no loose jamo: the test that
/// an English-layout word such as `tlzkrh` was meant as Korean (`chicago` is not).
pub fn composes_fully(keystrokes: &str) -> bool {
    !keystrokes.is_empty() && compose(keystrokes).chars().all(is_syllable)
}

#[derive(Default)]
struct Composer {
    out: String,
    initial: Option<char>,
    vowel: String,
    coda: String,
}

impl Composer {
    fn push(&mut self, c: char) {
        if is_vowel_jamo(c) {
            self.push_vowel(c);
        } else if is_consonant_jamo(c) {
            self.push_consonant(c);
        } else {
            self.flush();
            self.out.push(c);
        }
    }

    fn push_consonant(&mut self, c: char) {
        if self.vowel.is_empty() {
            // Two consonants in a row, or a consonant after nothing.
            self.flush();
            self.initial = Some(c);
            return;
        }
        if self.initial.is_none() {
            // A loose vowel cannot take a final consonant.
            self.flush();
            self.initial = Some(c);
            return;
        }
        let mut coda = self.coda.clone();
        coda.push(c);
        if jongseong_index(&coda).is_some() {
            self.coda = coda;
        } else {
            self.flush();
            self.initial = Some(c);
        }
    }

    fn push_vowel(&mut self, c: char) {
        if !self.coda.is_empty() {
            // The last final consonant moves on to start the next syllable: 각ㅏ → 가가.
            let mut coda: Vec<char> = self.coda.chars().collect();
            let moved = coda.pop().expect("coda is not empty");
            self.coda = coda.into_iter().collect();
            self.flush();
            self.initial = Some(moved);
            self.vowel.push(c);
            return;
        }
        let mut vowel = self.vowel.clone();
        vowel.push(c);
        if jungseong_index(&vowel).is_some() {
            self.vowel = vowel;
        } else {
            self.flush();
            self.vowel.push(c);
        }
    }

    fn flush(&mut self) {
        let initial = self.initial.take();
        let vowel = std::mem::take(&mut self.vowel);
        let coda = std::mem::take(&mut self.coda);
        match (initial.and_then(choseong_index), jungseong_index(&vowel)) {
            (Some(cho), Some(jung)) => {
                let jong = jongseong_index(&coda).unwrap_or(0);
                let code = SYLLABLE_FIRST + ((cho * 21 + jung) * 28 + jong) as u32;
                self.out
                    .push(char::from_u32(code).expect("syllable arithmetic stays in range"));
            }
            _ => {
                self.out.extend(initial);
                self.out.push_str(&join_jamo(&vowel));
                self.out.push_str(&join_jamo(&coda));
            }
        }
    }

    fn finish(mut self) -> String {
        self.flush();
        self.out
    }
}

/// Two keys that form one compound jamo are shown as that jamo.
fn join_jamo(keys: &str) -> String {
    COMPOUND_JAMO
        .iter()
        .find(|(_, k)| *k == keys)
        .map(|(jamo, _)| jamo.to_string())
        .unwrap_or_else(|| keys.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_spell_as_keystrokes() {
        assert_eq!(keys("시카고"), "ㅅㅣㅋㅏㄱㅗ");
        assert_eq!(keys("왕"), "ㅇㅗㅏㅇ");
        assert_eq!(keys("닭"), "ㄷㅏㄹㄱ");
        assert_eq!(keys("레미제라블"), "ㄹㅔㅁㅣㅈㅔㄹㅏㅂㅡㄹ");
        assert_eq!(keys("ㅘㄳ"), "ㅗㅏㄱㅅ");
        assert_eq!(keys("mamma mia!"), "mamma mia!");
    }

    #[test]
    fn a_half_typed_syllable_is_a_prefix_of_the_word() {
        assert!(keys("시카고").starts_with(&keys("싴")));
        assert!(keys("레미제라블").starts_with(&keys("렘")));
    }

    #[test]
    fn initials_keep_non_hangul() {
        assert_eq!(initials("시카고"), "ㅅㅋㄱ");
        assert_eq!(initials("레미제라블"), "ㄹㅁㅈㄹㅂ");
        assert_eq!(initials("캣츠2"), "ㅋㅊ2");
        assert!(is_initials_query("ㅅㅋㄱ"));
        assert!(!is_initials_query("ㅅㅋ고"));
        assert!(!is_initials_query(""));
    }

    #[test]
    fn english_layout_maps_onto_korean_keys() {
        assert_eq!(latin_to_keys("tlzkrh").as_deref(), Some("ㅅㅣㅋㅏㄱㅗ"));
        assert_eq!(compose("ㅅㅣㅋㅏㄱㅗ"), "시카고");
        assert_eq!(latin_to_keys("Rhkd").as_deref(), Some("ㄲㅗㅏㅇ"));
        assert_eq!(compose(&latin_to_keys("Rhkd").unwrap()), "꽝");
        assert_eq!(
            latin_to_keys("fpalwpfkqmf").map(|k| compose(&k)).as_deref(),
            Some("레미제라블")
        );
        assert_eq!(latin_to_keys("a1"), None);
    }

    #[test]
    fn korean_layout_maps_back_to_latin() {
        // "chicago" typed with the Korean layout on.
        let typed = compose(&latin_to_keys("chicago").unwrap());
        assert_eq!(typed, "초ㅑㅊㅁ해");
        assert_eq!(hangul_to_latin(&typed).as_deref(), Some("chicago"));
        assert_eq!(hangul_to_latin("ㅊ1"), None);
    }

    #[test]
    fn composition_moves_a_final_consonant_to_the_next_vowel() {
        assert_eq!(compose("ㄱㅏㄱㅏ"), "가가");
        assert_eq!(compose("ㄷㅏㄹㄱㅏ"), "달가");
        assert_eq!(compose("ㄷㅏㄹㄱ"), "닭");
        assert_eq!(compose("ㅇㅗㅏㅇ"), "왕");
        assert_eq!(compose("ㅅㅋㄱ"), "ㅅㅋㄱ");
    }

    #[test]
    fn only_words_that_compose_fully_look_like_korean() {
        assert!(composes_fully(&latin_to_keys("tlzkrh").unwrap()));
        assert!(!composes_fully(&latin_to_keys("chicago").unwrap()));
        assert!(!composes_fully(&latin_to_keys("les").unwrap()));
        assert!(!composes_fully(""));
    }
}

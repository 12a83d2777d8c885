//! Text analysis shared by the indexer and the searcher, so both cut text the same way.
//!
//! A text is split into words (runs of letters and digits). Each word is normalized:
//! NFKC (full-width letters, decomposed Hangul from some keyboards), Latin lower-cased
//! and accent-folded (Misérables → miserables). Hangul words are also cut into morphemes
//! by lindera with ko-dic, keeping only content morphemes of two or more syllables, so
//! particles and compounds do not block a match (시카고를 → 시카고, 뮤지컬시카고 → 뮤지컬,
//! 시카고) while one-syllable scraps (한, 내, 볼) cannot match everything.
//!
//! Matching happens on keys: each word, each kept morpheme and, for texts of several
//! words, the whole text without spaces (오페라의 유령 → 오페라의유령), spelled as
//! keystrokes (see `hangul`). A second set of keys holds initial consonants (ㅅㅋㄱ).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::OnceLock;

use lindera::dictionary::{load_embedded_dictionary, DictionaryKind};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::hangul;
use super::vocabulary;

/// One word of a text, with byte offsets into the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    /// Normalized form: NFKC, Latin lower-cased and accent-folded.
    pub normalized: String,
    /// Content morphemes of two or more syllables, normalized, when the word has more
    /// than one morpheme. Empty for Latin words and single-morpheme words.
    pub morphemes: Vec<String>,
    /// Characters of all the word's content morphemes and prefixes, one-syllable ones
    /// included (and particles, endings and suffixes not): what `morphemes` must add up
    /// to for the word to be wholly matched by them. 위카드 has 3 (위 + 카드), 시카고를
    /// has 3 (를 is a particle), 초승우 has 3 (초 is read as a prefix).
    pub content_chars: usize,
}

impl Word {
    pub fn has_hangul(&self) -> bool {
        self.normalized.chars().any(hangul::is_hangul)
    }
}

/// The ko-dic segmenter, loaded once per process from the embedded dictionary.
fn segmenter() -> &'static Segmenter {
    static SEGMENTER: OnceLock<Segmenter> = OnceLock::new();
    SEGMENTER.get_or_init(|| {
        let dictionary = load_embedded_dictionary(DictionaryKind::KoDic)
            .expect("ko-dic is embedded at build time (lindera feature embed-ko-dic)");
        Segmenter::new(Mode::Normal, dictionary, None)
    })
}

/// Loads the dictionary now rather than on the first search.
pub fn warm_up() {
    segmenter();
}

/// NFKC, then Latin (and any other non-Hangul script) lower-cased with its accents
/// dropped. Hangul is left composed: decomposing it would turn syllables into jamo.
/// Compatibility jamo (ㅅㅋㄱ) are kept as typed, as NFKC would turn them into
/// conjoining jamo.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let cut = rest.find(hangul::is_jamo).unwrap_or(rest.len());
        fold_into(&mut out, &rest[..cut]);
        let mut jamo = rest[cut..].chars();
        if let Some(c) = jamo.next() {
            out.push(c);
        }
        rest = jamo.as_str();
    }
    out
}

/// A whole text as search compares it: `normalize`d, words one space apart. What
/// popular queries are counted under and what blocklist terms are matched in.
pub fn normalize_text(text: &str) -> String {
    normalize(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn fold_into(out: &mut String, text: &str) {
    for c in text.nfkc() {
        if hangul::is_hangul(c) {
            out.push(c);
            continue;
        }
        for d in std::iter::once(c).nfd().filter(|d| !is_combining_mark(*d)) {
            out.extend(d.to_lowercase());
        }
    }
}

/// ko-dic tags whose morphemes carry meaning: nouns, verbs and adjectives, roots,
/// determiners, adverbs, foreign words, numbers, hanja. Particles (J*), endings (E*),
/// affixes (XP*, XS*) and punctuation (S* other than SL, SN, SH) are left out.
fn is_content_tag(tag: &str) -> bool {
    let first = tag.split('+').next().unwrap_or(tag);
    matches!(first, "XR" | "SL" | "SN" | "SH" | "MAG" | "MM")
        || first.starts_with('N')
        || first.starts_with('V')
}

/// What ko-dic tags a piece of text it has no entry for (`UNK` when a token has no
/// details at all).
fn is_unknown_tag(tag: &str) -> bool {
    matches!(tag, "UNKNOWN" | "UNK")
}

/// The content morphemes of one Hangul word, normalized, keeping those of two or more
/// characters, and the characters of all its content morphemes. Returns no morphemes
/// when the word is a single morpheme (its word key covers it).
fn morphemes(word: &str) -> (Vec<String>, usize) {
    let whole = word.chars().count();
    let Ok(mut tokens) = segmenter().segment(Cow::Borrowed(word)) else {
        return (Vec::new(), whole);
    };
    if tokens.len() < 2 {
        return (Vec::new(), whole);
    }
    let mut kept = Vec::new();
    let mut content_chars = 0;
    for token in tokens.iter_mut() {
        let surface = token.surface.to_string();
        let tag = token
            .details()
            .first()
            .copied()
            .unwrap_or("UNK")
            .to_string();
        let chars = surface.chars().count();
        // A prefix is no key of its own, but the word is not its stem without it
        // (초승우 is not 승우, 무관심 not 관심): it counts towards what must be covered.
        // So does a piece ko-dic cannot read at all: it is no particle but, in a
        // query, most often a typo (조성짇 is 조성진 mistyped, not 조성 and an ending).
        if tag.starts_with("XP") || is_unknown_tag(&tag) {
            content_chars += chars;
        }
        if !is_content_tag(&tag) {
            continue;
        }
        content_chars += chars;
        if chars >= 2 {
            kept.push(surface);
        }
    }
    (kept, content_chars)
}

/// How many of a thread's latest texts `words` remembers: a document's title is cut for
/// its match keys, its initials and its syllable variants, one field after another, and
/// each alias likewise.
const RECENT_TEXTS: usize = 8;

/// Longer texts are cut afresh each time: titles are far shorter, and a long query
/// (as-you-type input is cut to length only after its words) stays out of memory.
const RECENT_TEXT_BYTES: usize = 256;

thread_local! {
    static RECENT: RefCell<VecDeque<(String, Vec<Word>)>> =
        const { RefCell::new(VecDeque::new()) };
}

/// Splits `text` into words with their morphemes. Segmenting is most of what indexing
/// a document costs, and each title is asked for three times in a row, so the
/// thread's latest texts are answered from memory.
pub fn words(text: &str) -> Vec<Word> {
    if let Some(words) = RECENT.with_borrow(|recent| {
        recent
            .iter()
            .find(|(seen, _)| seen == text)
            .map(|(_, words)| words.clone())
    }) {
        return words;
    }
    let words = split_words(text);
    if text.len() > RECENT_TEXT_BYTES {
        return words;
    }
    RECENT.with_borrow_mut(|recent| {
        if recent.len() == RECENT_TEXTS {
            recent.pop_back();
        }
        recent.push_front((text.to_string(), words.clone()));
    });
    words
}

fn split_words(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut start = None;
    for (offset, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let in_word = c.is_alphanumeric();
        match (start, in_word) {
            (None, true) => start = Some(offset),
            (Some(from), false) => {
                let normalized = normalize(&text[from..offset]);
                if !normalized.is_empty() {
                    let (morphemes, content_chars) = if normalized.chars().any(hangul::is_syllable)
                    {
                        morphemes(&normalized)
                    } else {
                        (Vec::new(), normalized.chars().count())
                    };
                    words.push(Word {
                        start: from,
                        end: offset,
                        normalized,
                        morphemes,
                        content_chars,
                    });
                }
                start = None;
            }
            _ => {}
        }
    }
    words
}

/// The whole text without spaces, when it has more than one word.
fn compact(words: &[Word]) -> Option<String> {
    (words.len() > 1).then(|| words.iter().map(|w| w.normalized.as_str()).collect())
}

/// A key with the byte range of the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// The keystroke keys of a text: words, morphemes and the compact whole (a venue's
/// name, where a piece of a word is as good as the word: 샤롯데 of 샤롯데씨어터).
pub fn match_keys(text: &str) -> Vec<Key> {
    keys_keeping(text, |_, _| true)
}

/// The keystroke keys of a text's words, of the morphemes `keep` keeps, and of the
/// compact whole.
fn keys_keeping(text: &str, keep: impl Fn(&Word, &str) -> bool) -> Vec<Key> {
    let words = words(text);
    let mut keys = Vec::new();
    for word in &words {
        push_key(
            &mut keys,
            hangul::keys(&word.normalized),
            word.start,
            word.end,
        );
        for morpheme in word.morphemes.iter().filter(|m| keep(word, m)) {
            push_key(&mut keys, hangul::keys(morpheme), word.start, word.end);
        }
    }
    if let (Some(whole), Some(first), Some(last)) = (compact(&words), words.first(), words.last()) {
        push_key(&mut keys, hangul::keys(&whole), first.start, last.end);
    }
    keys
}

/// Whether `morpheme` (one of `word`'s) is the word itself less its particles or
/// endings: its stem (시카고 of 시카고를, 르누아르 of 르누아르의, however ko-dic tags the
/// 의), not a piece of a longer word (뮤지컬 and 시카고 of 뮤지컬시카고, 산민 of the name
/// 양산민, 신우 of 신우준).
pub fn is_stem(word: &Word, morpheme: &str) -> bool {
    morpheme.chars().count() >= word.content_chars
        || word
            .normalized
            .strip_prefix(morpheme)
            .is_some_and(vocabulary::is_particle)
}

/// The keystroke keys of a title: its words, their stems and the compact whole. A
/// word's other morphemes are `piece_keys`, matched in a field of their own below
/// whole words: a title word that merely holds what was typed (양산민 holding 산민)
/// is a weaker answer than a word or a name that is what was typed.
pub fn word_keys(text: &str) -> Vec<Key> {
    keys_keeping(text, is_stem)
}

/// The keystroke keys of the pieces of a title's words: the morphemes that are not a
/// word's stem (see `word_keys`).
pub fn piece_keys(text: &str) -> Vec<Key> {
    let mut keys = Vec::new();
    for word in &words(text) {
        for morpheme in word.morphemes.iter().filter(|m| !is_stem(word, m)) {
            push_key(&mut keys, hangul::keys(morpheme), word.start, word.end);
        }
    }
    keys
}

/// The keystroke keys of a person's name: its words and the compact whole, never its
/// morphemes. ko-dic cuts names it does not know into pieces (신우희 into 신우 and 희,
/// 조나훈 into 조 and 나훈), and a piece is another person's whole name, or the stem a
/// typo of one reads as (나훈이 is 나훈아 mistyped, read as 나훈 and a particle): as keys,
/// they put strangers above the person meant.
pub fn name_keys(text: &str) -> Vec<Key> {
    keys_keeping(text, |_, _| false)
}

/// Marks the initials of a whole text, so a search can tell ㅂㅎ meaning the whole of
/// 벤허 from ㅂㅎ meeting one word of 초록과 방학.
pub const WHOLE_TEXT: char = '^';

/// The initial-consonant keys of a text: for each Hangul word, its morphemes, and the
/// compact whole (ㅅㅋㄱ, ㅇㅍㄹㅇㅇㄹ); then the whole again, marked with `WHOLE_TEXT`.
pub fn initial_keys(text: &str) -> Vec<Key> {
    let words = words(text);
    let mut keys = Vec::new();
    for word in words.iter().filter(|w| w.has_hangul()) {
        push_key(
            &mut keys,
            hangul::initials(&word.normalized),
            word.start,
            word.end,
        );
        for morpheme in &word.morphemes {
            push_key(&mut keys, hangul::initials(morpheme), word.start, word.end);
        }
    }
    if !words.iter().any(Word::has_hangul) {
        return keys;
    }
    if let (Some(first), Some(last)) = (words.first(), words.last()) {
        let whole: String = words.iter().map(|w| w.normalized.as_str()).collect();
        let initials = hangul::initials(&whole);
        if words.len() > 1 {
            push_key(&mut keys, initials.clone(), first.start, last.end);
        }
        push_key(
            &mut keys,
            format!("{WHOLE_TEXT}{initials}"),
            first.start,
            last.end,
        );
    }
    keys
}

/// Marks a syllable-level variant of a title word, so it only ever meets the same mark
/// on the query side, never a word typed as such.
pub const SYLLABLE_VARIANT: char = '~';

/// Shortest word (in syllables) whose syllables may be swapped: a two-syllable word
/// swapped (허벤 for 벤허) is one exact key of its own, and ranks as a syllable typo,
/// below every word typed as such (회사 typed as it is beats 사회 swapped).
const MIN_SWAP_SYLLABLES: usize = 2;
/// Shortest word that may lose an inner syllable: shorter words would meet too many
/// others.
const MIN_DROP_SYLLABLES: usize = 4;

/// A word's own syllable-variant key, as a query looks it up: marked keystrokes of a
/// Hangul word long enough to carry a syllable typo.
pub fn syllable_variant_key(word: &str) -> Option<String> {
    let syllables = word.chars().count();
    (syllables >= MIN_SWAP_SYLLABLES && word.chars().all(hangul::is_syllable))
        .then(|| format!("{SYLLABLE_VARIANT}{}", hangul::keys(word)))
}

/// For each Hangul word of two or more syllables, the word with two adjacent
/// syllables swapped (시카고 → 시고카, 카시고; 벤허 → 허벤), and for four or more, with one inner
/// syllable left out (레미제라블 → 레미라블): the two syllable-level typos people make,
/// indexed so that a query finds them with one exact look-up, each marked with
/// `SYLLABLE_VARIANT`. Dropping the last syllable is left to prefix matching, and the
/// first stays: people look at where a word starts.
pub fn syllable_variant_keys(text: &str) -> Vec<Key> {
    let mut keys = Vec::new();
    for word in words(text) {
        for key in word_syllable_variants(&word.normalized) {
            push_key(&mut keys, key, word.start, word.end);
        }
    }
    keys
}

/// The syllable-variant keys of one normalized word (see `syllable_variant_keys`), in
/// the same order, repeats included: what highlighting compares a typed variant with,
/// without cutting the word again.
pub fn word_syllable_variants(normalized: &str) -> Vec<String> {
    if syllable_variant_key(normalized).is_none() {
        return Vec::new();
    }
    let syllables: Vec<char> = normalized.chars().collect();
    let mut variants = Vec::new();
    let mut variant = |chars: &[char]| {
        let text: String = chars.iter().collect();
        if let Some(key) = syllable_variant_key(&text).filter(|_| text != normalized) {
            variants.push(key);
        }
    };
    for i in 0..syllables.len() - 1 {
        let mut swapped = syllables.clone();
        swapped.swap(i, i + 1);
        variant(&swapped);
    }
    if syllables.len() >= MIN_DROP_SYLLABLES {
        for i in 1..syllables.len() - 1 {
            let mut dropped = syllables.clone();
            dropped.remove(i);
            variant(&dropped);
        }
    }
    variants
}

/// A text's words as a line each: `start end content_chars normalized morphemes...`
/// (a normalized word and its morphemes are runs of letters and digits, never spaces).
/// The index stores it beside each title, so highlighting a hit reads the words the
/// indexer cut instead of running the morphological analyser again per hit.
pub fn encode_words(words: &[Word]) -> String {
    let mut out = String::new();
    for word in words {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "{} {} {} {}",
            word.start, word.end, word.content_chars, word.normalized
        ));
        for morpheme in &word.morphemes {
            out.push(' ');
            out.push_str(morpheme);
        }
    }
    out
}

/// The words `encode_words` wrote for `text`; None when the line does not fit the text
/// (a stored value from another analysis), so the caller cuts the text afresh.
pub fn decode_words(encoded: &str, text: &str) -> Option<Vec<Word>> {
    encoded
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut parts = line.split(' ');
            let start: usize = parts.next()?.parse().ok()?;
            let end: usize = parts.next()?.parse().ok()?;
            let content_chars = parts.next()?.parse().ok()?;
            let normalized = parts.next()?.to_string();
            text.get(start..end)?;
            Some(Word {
                start,
                end,
                normalized,
                morphemes: parts.map(str::to_string).collect(),
                content_chars,
            })
        })
        .collect()
}

fn push_key(keys: &mut Vec<Key>, text: String, start: usize, end: usize) {
    if !text.is_empty() && !keys.iter().any(|k| k.text == text) {
        keys.push(Key { text, start, end });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(keys: Vec<Key>) -> Vec<String> {
        keys.into_iter().map(|k| hangul::compose(&k.text)).collect()
    }

    #[test]
    fn latin_is_lower_cased_and_accent_folded() {
        assert_eq!(normalize("Les Misérables"), "les miserables");
        assert_eq!(normalize("ＣＨＩＣＡＧＯ"), "chicago");
        assert_eq!(normalize("Beyoncé"), "beyonce");
        // Conjoining jamo (as some keyboards send them) become syllables.
        assert_eq!(normalize("\u{1109}\u{1175}"), "시");
        // Compatibility jamo stay as typed.
        assert_eq!(normalize("ㅅㅋㄱ"), "ㅅㅋㄱ");
    }

    #[test]
    fn words_carry_offsets_into_the_original_text() {
        let text = "뮤지컬 〈레베카〉 Misérables";
        let words = words(text);
        let spans: Vec<&str> = words.iter().map(|w| &text[w.start..w.end]).collect();
        assert_eq!(spans, ["뮤지컬", "레베카", "Misérables"]);
        assert_eq!(words[2].normalized, "miserables");
    }

    #[test]
    fn particles_and_compounds_give_content_morphemes() {
        // Snapshots against the cached ko-dic (an older mecab-ko-dic release).
        assert_eq!(words("시카고를")[0].morphemes, ["시카고"]);
        assert_eq!(words("뮤지컬시카고")[0].morphemes, ["뮤지컬", "시카고"]);
        assert_eq!(words("오페라의유령")[0].morphemes, ["오페라", "유령"]);
        assert!(words("시카고")[0].morphemes.is_empty());
        // Particles are not content; one-syllable content is, though never matched.
        assert_eq!(words("시카고를")[0].content_chars, 3);
        assert_eq!(words("오페라의유령")[0].content_chars, 5);
        let scrap = &words("위카드")[0];
        assert_eq!(
            (scrap.morphemes.len(), scrap.content_chars),
            (1, 3),
            "{scrap:?}"
        );
        // A typo splits into one-syllable scraps, none of which is kept.
        assert!(words("시하고")[0].morphemes.is_empty());
        // A syllable ko-dic cannot read is content: 조성 does not cover 조성짇.
        let typo = &words("조성짇")[0];
        assert_eq!(
            (typo.morphemes.as_slice(), typo.content_chars),
            (&["조성".to_string()][..], 3)
        );
    }

    #[test]
    fn name_keys_are_words_and_the_whole_never_pieces() {
        assert_eq!(texts(name_keys("조나훈")), ["조나훈"]);
        assert_eq!(texts(name_keys("팀 버튼")), ["팀", "버튼", "팀버튼"]);
        // The same name as a title word also gives ko-dic's pieces.
        assert!(texts(match_keys("조나훈")).len() > 1);
    }

    #[test]
    fn a_title_word_keys_its_stem_and_leaves_its_pieces_to_another_field() {
        // Stems: the word less a particle, however ko-dic tags it (의 as a noun here).
        assert_eq!(
            texts(word_keys("르누아르의 빛")),
            ["르누아르의", "르누아르", "빛", "르누아르의빛"]
        );
        assert_eq!(texts(piece_keys("르누아르의 빛")), Vec::<String>::new());
        assert_eq!(texts(word_keys("시카고를")), ["시카고를", "시카고"]);
        // Pieces: a compound's parts, a name's given name, a name's first syllables.
        assert_eq!(texts(word_keys("광화문연가")), ["광화문연가"]);
        assert_eq!(texts(piece_keys("광화문연가")), ["광화문", "연가"]);
        assert_eq!(texts(piece_keys("양산민 콘서트")), ["산민"]);
        assert_eq!(texts(piece_keys("신우준")), ["신우"]);
        // Together they are the match keys, as a venue's name is keyed.
        let mut both = texts(word_keys("광화문연가 앵콜"));
        both.extend(texts(piece_keys("광화문연가 앵콜")));
        let mut all = texts(match_keys("광화문연가 앵콜"));
        both.sort();
        all.sort();
        assert_eq!(both, all);
    }

    #[test]
    fn match_keys_cover_words_morphemes_and_the_compact_title() {
        assert_eq!(
            texts(match_keys("오페라의 유령")),
            ["오페라의", "오페라", "유령", "오페라의유령"]
        );
        assert_eq!(
            texts(match_keys("Les Misérables")),
            ["les", "miserables", "lesmiserables"]
        );
    }

    #[test]
    fn initial_keys_cover_hangul_words_and_the_compact_title() {
        assert_eq!(
            texts(initial_keys("오페라의 유령")),
            [
                "ㅇㅍㄹㅇ",
                "ㅇㅍㄹ",
                "ㅇㄹ",
                "ㅇㅍㄹㅇㅇㄹ",
                "^ㅇㅍㄹㅇㅇㄹ"
            ]
        );
        assert_eq!(texts(initial_keys("벤허")), ["ㅂㅎ", "^ㅂㅎ"]);
        assert!(initial_keys("Chicago").is_empty());
    }

    #[test]
    fn hangul_words_carry_their_syllable_swaps_and_long_ones_inner_drops() {
        let variants = |text: &str| -> Vec<String> {
            syllable_variant_keys(text)
                .into_iter()
                .map(|k| hangul::compose(k.text.trim_start_matches(SYLLABLE_VARIANT)))
                .collect()
        };
        assert_eq!(variants("시카고"), ["카시고", "시고카"]);
        assert_eq!(
            variants("레미제라블"),
            [
                "미레제라블",
                "레제미라블",
                "레미라제블",
                "레미제블라",
                "레제라블",
                "레미라블",
                "레미제블"
            ]
        );
        // A two-syllable word carries its one swap; Latin and mixed words none, nor
        // a word whose swap is itself.
        assert_eq!(variants("벤허 Chicago 2막 나나"), ["허벤"]);
        assert!(syllable_variant_keys("레미제라블")
            .iter()
            .all(|k| k.text.starts_with(SYLLABLE_VARIANT)));
    }

    #[test]
    fn words_read_back_as_they_were_cut() {
        for text in [
            "뮤지컬 시카고를",
            "Les Misérables <25>",
            "오페라의유령 2막",
            "",
        ] {
            let cut = words(text);
            assert_eq!(decode_words(&encode_words(&cut), text), Some(cut));
        }
        // Offsets past the text it is read for: not these words.
        assert_eq!(decode_words("0 12 3 시카고", "시카고"), None);
        assert_eq!(decode_words("1 9 3 시카고", "시카고"), None);
        assert_eq!(decode_words("0 x 3 시카고", "시카고"), None);
    }

    #[test]
    fn text_without_words_has_no_keys() {
        assert!(match_keys("  !!! 🎭 ").is_empty());
        assert!(words("").is_empty());
    }

    #[test]
    fn remembered_texts_answer_as_a_fresh_cut_does() {
        let texts: Vec<String> = (0..RECENT_TEXTS * 2)
            .map(|n| format!("오페라의유령 {n}회 시카고를"))
            .collect();
        // Twice over more texts than are remembered: hits, misses and evictions.
        for text in texts.iter().chain(&texts).chain(texts.iter().rev()) {
            assert_eq!(words(text), split_words(text), "{text}");
            assert_eq!(words(text), split_words(text), "{text}");
        }
    }
}

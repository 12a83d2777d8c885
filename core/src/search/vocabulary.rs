//! The words people type around a title rather than in it: the kind of show and what
//! they want to do (뮤지컬 엘리자벳 예매, 시카고 티켓), and the particles Korean puts
//! after a name (맘마미아의, 위키드은). Fixed lists, not dictionary look-ups: ko-dic does
//! not know a show's name, so it cannot be trusted to split the particle off it.

/// Words that say what someone wants, not which show: they may not count against a
/// title, nor make one (a title that merely contains 공연 is not what 공연 캣츠 means).
/// Each names the category it implies, if it implies one.
const INTENT_WORDS: &[(&str, Option<&str>)] = &[
    ("공연", None),
    ("예매", None),
    ("예매하기", None),
    ("예약", None),
    ("티켓", None),
    ("티켓팅", None),
    ("표", None),
    ("좌석", None),
    ("일정", None),
    ("추천", None),
    ("할인", None),
    ("인기", None),
    ("후기", None),
    ("가격", None),
    ("캐스팅", None),
    ("이번주", None),
    ("주말", None),
    ("뮤지컬", Some("MUSICAL")),
    ("연극", Some("PLAY")),
    ("콘서트", Some("CONCERT")),
    ("내한", Some("CONCERT")),
    ("전시", Some("EXHIBITION")),
    ("전시회", Some("EXHIBITION")),
    ("클래식", Some("CLASSIC")),
    ("무용", Some("DANCE")),
    ("발레", Some("DANCE")),
];

/// Particles, longest first so 에서 is tried before 에. Both of each pair (을/를, 이/가,
/// 은/는, 와/과) follow either kind of syllable here: people type the wrong one.
const PARTICLES: &[&str] = &[
    "에서", "하고", "이랑", "의", "을", "를", "이", "가", "은", "는", "도", "에", "와", "과", "랑",
];

/// Whether `text` is one of the particles `strip_particle` takes off.
pub fn is_particle(text: &str) -> bool {
    PARTICLES.contains(&text)
}

/// What an intent word says, if `word` (normalized) is one, with or without a
/// particle (공연의, 뮤지컬을): `Some(category)`, the category being optional.
pub fn intent(word: &str) -> Option<Option<&'static str>> {
    let found = |w: &str| INTENT_WORDS.iter().find(|(i, _)| *i == w).map(|(_, c)| *c);
    found(word)
        .or_else(|| strip_particle(word).and_then(found))
        .or_else(|| compound_intent(word))
}

/// Two intent words run together (티켓예매, 내한공연, 뮤지컬티켓): an intent word too,
/// naming the first category either names.
fn compound_intent(word: &str) -> Option<Option<&'static str>> {
    INTENT_WORDS.iter().find_map(|(first, category)| {
        let rest = word.strip_prefix(first)?;
        let (_, other) = INTENT_WORDS.iter().find(|(second, _)| *second == rest)?;
        Some(category.or(*other))
    })
}

/// The word without a trailing particle, when what is left is a name-sized stem of two
/// or more syllables (시카고를 → 시카고, 고도 stays: 고 is no name).
pub fn strip_particle(word: &str) -> Option<&str> {
    PARTICLES.iter().find_map(|particle| {
        let stem = word.strip_suffix(particle)?;
        (stem.chars().count() >= 2 && stem.chars().all(super::hangul::is_syllable)).then_some(stem)
    })
}

/// The word without an intent word run in at its start or end (뮤지컬시카고, 발레지젤,
/// 시카고공연 → 시카고, 지젤), when a name-sized stem is left. ko-dic splits such a word
/// only when it knows the name, which for a show it rarely does. One-syllable intent
/// words (표) are left alone: too many words merely start with them (표현주의).
pub fn strip_intent(word: &str) -> Option<&str> {
    let name_sized =
        |stem: &str| stem.chars().count() >= 2 && stem.chars().all(super::hangul::is_syllable);
    // Longest first, so 전시회모네 loses 전시회, not 전시.
    let mut runs_in: Vec<&str> = INTENT_WORDS
        .iter()
        .map(|(intent, _)| *intent)
        .filter(|intent| intent.chars().count() >= 2)
        .collect();
    runs_in.sort_by_key(|intent| std::cmp::Reverse(intent.chars().count()));
    runs_in.into_iter().find_map(|intent| {
        let stem = word
            .strip_prefix(intent)
            .or_else(|| word.strip_suffix(intent))?;
        name_sized(stem).then_some(stem)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_words_are_known_with_or_without_a_particle() {
        assert_eq!(intent("뮤지컬"), Some(Some("MUSICAL")));
        assert_eq!(intent("공연의"), Some(None));
        assert_eq!(intent("예매"), Some(None));
        assert_eq!(intent("시카고"), None);
        // A title word that only starts like one is not one.
        assert_eq!(intent("공연장"), None);
        // Two run together are one.
        assert_eq!(intent("티켓예매"), Some(None));
        assert_eq!(intent("뮤지컬티켓"), Some(Some("MUSICAL")));
    }

    #[test]
    fn an_intent_word_run_into_a_name_comes_off() {
        assert_eq!(strip_intent("뮤지컬시카고"), Some("시카고"));
        assert_eq!(strip_intent("발레지젤"), Some("지젤"));
        assert_eq!(strip_intent("레베카공연"), Some("레베카"));
        assert_eq!(strip_intent("공연"), None);
        assert_eq!(
            strip_intent("표현주의"),
            None,
            "표 runs into too many words"
        );
        assert_eq!(
            strip_intent("전시회모네"),
            Some("모네"),
            "the longest comes off"
        );
    }

    #[test]
    fn particles_come_off_names_including_the_wrong_one_of_a_pair() {
        assert_eq!(strip_particle("맘마미아의"), Some("맘마미아"));
        assert_eq!(strip_particle("위키드은"), Some("위키드"));
        assert_eq!(strip_particle("시카고에서"), Some("시카고"));
        assert_eq!(strip_particle("해적의"), Some("해적"));
        assert_eq!(strip_particle("고도"), None);
        assert_eq!(strip_particle("시카고"), None);
    }
}

//! What a search found, said in the words of the show it found: the form a popular
//! query (인기 검색어) is counted and shown under.
//!
//! Counting what people typed put typos, initials, English-layout strings and keyboard
//! mash on the home page (시하고, ㅅㅋㄱ, tlzkrh, ㅇㅇㅇㅇ). A search that found shows is
//! counted under its reading instead: the title words the query matched in the first
//! show found (시카고 for each of 시하고, tlzkrh, ㅅㅋㄱ and 시카고, so the typings that
//! found the same show add up); the cast member's name when only a name matched (조승오
//! → 조승우); the title itself when neither did (an alias: 오유 → 오페라의 유령). Words
//! that only say what someone wants (뮤지컬, 예매) are left out where a title word was
//! matched too: they say nothing of which show.

use super::analysis::{self, Word};
use super::hangul;
use super::query::{self, Interpretation};
use super::vocabulary;

/// Longest reading counted, in characters: longer titles are shown as people typed
/// their words, not whole.
pub const MAX_READING_CHARS: usize = 40;

/// The reading of a search whose first show is `title` (cut into `words`, of which
/// the query matched those `marked`), played by `artists`.
pub fn of(
    title: &str,
    words: &[Word],
    marked: &[bool],
    artists: &[String],
    interpretation: &Interpretation,
) -> Option<String> {
    let mut chosen: Vec<&Word> = words
        .iter()
        .zip(marked)
        .filter(|(_, marked)| **marked)
        .map(|(word, _)| word)
        .collect();
    if chosen
        .iter()
        .any(|w| vocabulary::intent(&w.normalized).is_none())
    {
        chosen.retain(|w| vocabulary::intent(&w.normalized).is_none());
    }
    if chosen.is_empty() {
        chosen = initials_run(words, interpretation);
    }
    let reading = if chosen.is_empty() {
        matched_artist(artists, interpretation).unwrap_or_else(|| title.to_string())
    } else {
        chosen
            .iter()
            .map(|w| &title[w.start..w.end])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let reading = reading.split_whitespace().collect::<Vec<_>>().join(" ");
    presentable(&reading).then_some(reading)
}

/// The title words typed initials spell (ㅅㅋㄱ → 시카고 in 뮤지컬 시카고): one word whose
/// initials start with them, or a run of words whose initials make them up.
fn initials_run<'a>(words: &'a [Word], interpretation: &Interpretation) -> Vec<&'a Word> {
    let Some(typed) = interpretation
        .groups
        .iter()
        .find_map(|g| g.initials.as_deref())
    else {
        return Vec::new();
    };
    for start in 0..words.len() {
        let mut spelled = String::new();
        for end in start..words.len() {
            spelled.push_str(&hangul::initials(&words[end].normalized));
            if spelled.starts_with(typed) && (end == start || spelled == typed) {
                return words[start..=end].iter().collect();
            }
            if !typed.starts_with(spelled.as_str()) {
                break;
            }
        }
    }
    Vec::new()
}

/// The first of `artists` a query word matches by the search's rules.
fn matched_artist(artists: &[String], interpretation: &Interpretation) -> Option<String> {
    artists
        .iter()
        .find(|artist| {
            let key = hangul::keys(&analysis::normalize(artist));
            interpretation.highlight_keys().any(|alternative| {
                query::key_match(&key, &alternative.key, alternative.prefix).is_some()
            })
        })
        .cloned()
}

/// Whether a text may be shown as a popular query: some letters, no loose jamo (which
/// initials and most mash are made of), no key held down (a letter four times in a
/// row; digits may repeat, as in 10000), not Korean typed on the English layout, and
/// not too long.
pub fn presentable(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let held_down = chars
        .windows(4)
        .any(|w| w[0].is_alphabetic() && w.iter().all(|&c| c == w[0]));
    let english_layout = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_lowercase())
        && hangul::latin_to_keys(text).is_some_and(|keys| hangul::composes_fully(&keys));
    (1..=MAX_READING_CHARS).contains(&chars.len())
        && chars
            .iter()
            .any(|c| hangul::is_syllable(*c) || c.is_alphanumeric())
        && !chars.iter().any(|c| hangul::is_jamo(*c))
        && !held_down
        && !english_layout
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(title: &str, artists: &[&str], q: &str) -> Option<String> {
        let interpretation = query::interpret(q);
        let words = analysis::words(title);
        // The searcher marks the words; here every word a query word names exactly or
        // by a typo, as it would.
        let marked: Vec<bool> = words
            .iter()
            .map(|w| {
                let key = hangul::keys(&w.normalized);
                interpretation
                    .highlight_keys()
                    .any(|a| query::key_match(&key, &a.key, a.prefix).is_some())
            })
            .collect();
        let artists: Vec<String> = artists.iter().map(|a| a.to_string()).collect();
        of(title, &words, &marked, &artists, &interpretation)
    }

    #[test]
    fn typings_that_found_the_same_show_read_the_same() {
        for typed in ["시카고", "시하고", "tlzkrh", "ㅅㅋㄱ", "뮤지컬 시카고 예매"]
        {
            assert_eq!(
                read("뮤지컬 시카고", &[], typed).as_deref(),
                Some("시카고"),
                "{typed}"
            );
        }
    }

    #[test]
    fn a_name_reads_as_the_name_and_an_alias_as_the_title() {
        assert_eq!(
            read("오페라의 유령", &["조승우"], "조승오").as_deref(),
            Some("조승우")
        );
        assert_eq!(
            read("오페라의 유령", &["조승우"], "오유").as_deref(),
            Some("오페라의 유령")
        );
    }

    #[test]
    fn initials_mash_and_the_english_layout_are_never_shown() {
        for junk in [
            "ㅅㅋㄱ",
            "ㅇㅇㅇㅇ",
            "ㅋㅋ",
            "tlzkrh",
            "하하하하하",
            "",
            "!!",
        ] {
            assert!(!presentable(junk), "{junk:?}");
        }
        for fine in [
            "시카고",
            "Chicago",
            "레 미제라블",
            "2026 아이유 콘서트",
            "rent",
            "10000",
        ] {
            assert!(presentable(fine), "{fine:?}");
        }
        assert!(!presentable(&"가".repeat(MAX_READING_CHARS + 1)));
    }
}

//! From what someone typed to a Tantivy query, and back to which title words matched.
//!
//! Each query word becomes a group of alternative keys: the word itself, what it means
//! if it was typed with the other keyboard layout, its content morphemes, and, for a
//! word of consonants only, its initials. Each alternative matches a title key exactly,
//! as a prefix (the last word only: the others were finished by the space after them),
//! or within a typo budget that grows with the key's length. Scores are
//! constants by kind of match, so exact beats prefix beats typo whatever the title's
//! length; a group scores its best alternative, the query sums its groups, and at least
//! half of the groups must match, so one common word cannot drag in the whole catalog.
//!
//! Words that say what someone wants rather than which show (뮤지컬, 공연, 예매, 티켓:
//! `vocabulary`) are looked for too but never count towards that half, so they neither
//! block a title nor make one; a category word adds a small boost to its category.

use tantivy::query::{
    BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::analysis::{self, Word};
use super::hangul;
use super::key_query::{KeyQuery, Matchers, Scores};
use super::schema::Fields;
use super::slips;
use super::spelling::Spelling;
use super::vocabulary;

/// Longest query looked at, in characters: titles are at most 200, and a longer string
/// is pasted text, not a search.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most query words looked at.
pub const MAX_QUERY_WORDS: usize = 8;

pub const EXACT: f32 = 1.0;
pub const PREFIX: f32 = 0.75;
pub const ONE_TYPO: f32 = 0.5;
/// One typo no slip of the finger or the ear explains (`slips::likely_edit`): of two
/// words one jamo from what was typed, the one a neighbouring key or a similar sound
/// gives comes first. Below a syllable typo, above two typos.
pub const ONE_UNLIKELY_TYPO: f32 = 0.42;
pub const TWO_TYPOS: f32 = 0.35;
/// A word's first consonant slipped on the keyboard or by ear (`slips`), the rest as
/// typed (never as the start of a longer word): below every cleaner match, so it only
/// decides where nothing cleaner does.
pub const SLIP: f32 = 0.3;
/// A word typed with the wrong keyboard layout is a little less certain than one typed
/// as meant.
const OTHER_LAYOUT: f32 = 0.95;
/// A word wholly made of morphemes found in a title (시카고를, 오페라의유령) ranks between
/// an exact word and a prefix.
const MORPHEMES: f32 = 0.9;
/// Some of a word's morphemes found (뮤지컬시카고 vs 시카고) score this times the share
/// of the word they cover (less than all of it): below every typo of the whole word,
/// likely or not, and below a slipped first consonant even on a name (0.3 × 0.8), so
/// 위카드 finds 위키드 before every title that merely holds 카드, and 초승우 finds 조승우
/// before every show that merely holds 승우.
const PARTIAL_MORPHEMES: f32 = 0.2;
const ARTIST_WEIGHT: f32 = 0.8;
/// A piece of a title word (`analysis::piece_keys`: 산민 of the name 양산민, 시카고 of
/// 뮤지컬시카고) found exactly scores as the start of a word: below a cast member's
/// whole name (0.92), so 신우 finds the actor 신우 before every 신우준. Pieces match
/// exactly or as a prefix, never with typos: two syllables inside a longer word, one
/// of them wrong, share one syllable with what was typed (산민, 한민 slipped, is no
/// 최산빈), and on five labelled sets typos on pieces found no show that the words,
/// stems and compact titles did not.
const PIECE_WEIGHT: f32 = 0.75;
/// A cast member's whole name typed exactly (the artists field holds whole names only:
/// `analysis::name_keys`): surer than a title word pieced together from morphemes
/// (0.9), which is how ko-dic reads many names (고은성 as 고은 and a suffix, and 고은예
/// in another show's title likewise), and below the same word exactly in a title.
const ARTIST_EXACT: f32 = 0.92;
/// A venue word (샤롯데 for 샤롯데씨어터) says where, less surely than a title says what;
/// matched exactly or as a prefix, never with typos, since venues share so many words.
const VENUE_WEIGHT: f32 = 0.7;
/// Initials that spell one word of a title (초록과 방학 for ㅂㅎ) rank below initials
/// that spell the whole title (벤허), and above initials a title only starts with.
const WORD_INITIALS: f32 = 0.85;
/// A word with its particle taken off (맘마미아의 → 맘마미아), as sure as a word wholly
/// made of its morphemes.
const STEM: f32 = 0.9;
/// Two syllables swapped or one left out (시고카, 레미라블, 허벤): one slip of the hand,
/// below a likely keystroke typo of the same word and above an unlikely one.
pub const SYLLABLE_TYPO: f32 = 0.46;
/// What an intent word adds when a title holds it: less than the gap between two kinds
/// of match, so it decides between equals only.
const INTENT_WEIGHT: f32 = 0.04;
/// What a category word adds to the shows of its category, on the same terms.
const CATEGORY_BOOST: f32 = 0.04;

/// How many typos a key of this many keystrokes may carry: none for a syllable or
/// two, one for a short word, two for a long one.
pub fn typo_budget(key_chars: usize) -> u8 {
    match key_chars {
        0..=3 => 0,
        4..=9 => 1,
        _ => 2,
    }
}

/// Shortest key (in keystrokes) matched as a prefix: ㅅㅣㅋ (싴) is, ㅅㅣ (시) is not.
const MIN_PREFIX_CHARS: usize = 3;

/// One way to read a query word, in key spelling.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub key: String,
    pub weight: f32,
    /// Whether prefix and typo matches count, or only exact ones (morphemes).
    pub exact_only: bool,
    /// Whether typos count (prefixes still do): not for a two-syllable stem, which one
    /// typo would turn into too many other words (스파이 → 스파 → 스타).
    pub typos: bool,
    /// Whether the key may be the start of a longer title key: only in the query's last
    /// word, which may still be being typed. A word with another after it was finished
    /// by the space that followed it (Meilisearch's rule too); read as a prefix, a short
    /// one (장 of 사라 장, three keystrokes) starts thousands of keys at 100,000 shows
    /// (자유, 장미, every name beginning 장), and collecting them was most of the time of
    /// the slowest searches, for matches the person did not mean.
    pub prefix: bool,
}

/// The alternatives of one query word.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Morphemes are the `exact_only` ones, weighted by the share of the word's content
    /// they cover.
    pub alternatives: Vec<Alternative>,
    /// Whether the morphemes cover all the word's content, so that finding them all is
    /// finding the word.
    pub morphemes_cover_word: bool,
    /// How many of the morphemes a title must hold before they count: enough to cover
    /// more than half the word, so one common word inside a long string
    /// (존재하지않는공연제목) does not make a match. None when all of them cannot.
    pub morphemes_required: Option<usize>,
    /// Initial consonants typed as such (ㅅㅋㄱ).
    pub initials: Option<String>,
    /// The word's syllable-variant key (`analysis::syllable_variant_key`).
    pub syllable_variant: Option<String>,
    /// An intent word (see `vocabulary`), with the category it names, if any.
    pub intent: Option<Option<&'static str>>,
}

/// A query, analysed.
#[derive(Debug, Clone, PartialEq)]
pub struct Interpretation {
    pub groups: Vec<Group>,
    /// The whole query without spaces, when it has several words (레 미제라블).
    pub compact: Option<String>,
}

impl Interpretation {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Every key that may be highlighted in a title, with whether typos count.
    pub fn highlight_keys(&self) -> impl Iterator<Item = &Alternative> {
        self.groups
            .iter()
            .flat_map(|g| g.alternatives.iter())
            .filter(|a| !a.exact_only)
    }
}

fn truncate(text: &str) -> &str {
    match text.char_indices().nth(MAX_QUERY_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

pub fn interpret(query: &str) -> Interpretation {
    let query = truncate(query);
    let words: Vec<Word> = analysis::words(query)
        .into_iter()
        .take(MAX_QUERY_WORDS)
        .collect();
    let mut groups: Vec<Group> = words
        .iter()
        .map(|word| group(&query[word.start..word.end], word))
        .collect();
    let finished = groups.len().saturating_sub(1);
    for alternative in groups[..finished]
        .iter_mut()
        .flat_map(|g| g.alternatives.iter_mut())
    {
        alternative.prefix = false;
    }
    // A query of intent words only: with a category among them (뮤지컬 추천, 콘서트
    // 예매) it asks for that category; without (공연 예매), it is looked for as typed.
    let names_category = groups.iter().any(|g| g.intent.flatten().is_some());
    if groups.iter().all(Group::is_intent) && !names_category {
        for group in &mut groups {
            group.intent = None;
        }
    }
    let title_words: Vec<&Word> = words
        .iter()
        .zip(&groups)
        .filter(|(_, g)| !g.is_intent())
        .map(|(w, _)| w)
        .collect();
    let compact = (title_words.len() > 1).then(|| {
        let whole: String = title_words.iter().map(|w| w.normalized.as_str()).collect();
        hangul::keys(&whole)
    });
    Interpretation { groups, compact }
}

impl Group {
    /// Whether this word only says what someone wants (and so counts as no title word).
    pub fn is_intent(&self) -> bool {
        self.intent.is_some()
    }
}

fn group(original: &str, word: &Word) -> Group {
    let mut alternatives = vec![Alternative {
        key: hangul::keys(&word.normalized),
        weight: 1.0,
        exact_only: false,
        typos: true,
        prefix: true,
    }];
    let stems = [
        vocabulary::strip_particle(&word.normalized),
        vocabulary::strip_intent(&word.normalized),
    ];
    for stem in stems.into_iter().flatten() {
        alternatives.push(Alternative {
            key: hangul::keys(stem),
            weight: STEM,
            exact_only: false,
            typos: stem.chars().count() >= 3,
            prefix: true,
        });
    }
    if word.has_hangul() {
        // Latin typed with the Korean layout on: 초ㅑㅊㅁ해 → chicago.
        if let Some(latin) = hangul::hangul_to_latin(&word.normalized) {
            if latin.len() >= 2 {
                alternatives.push(Alternative {
                    key: latin,
                    weight: OTHER_LAYOUT,
                    exact_only: false,
                    typos: true,
                    prefix: true,
                });
            }
        }
    } else if let Some(keys) = hangul::latin_to_keys(original) {
        // Korean typed with the English layout on: tlzkrh → 시카고. Only when the keys
        // join into whole syllables, so English words stay English.
        if hangul::composes_fully(&keys) {
            alternatives.push(Alternative {
                key: keys,
                weight: OTHER_LAYOUT,
                exact_only: false,
                typos: true,
                prefix: true,
            });
        }
    }
    // An intent word run into a title (뮤지컬시카고) is no part of the title: the rest
    // of the word is the whole of what is looked for.
    let all_chars: usize = word.morphemes.iter().map(|m| m.chars().count()).sum();
    let (intent_morphemes, morphemes): (Vec<&String>, Vec<&String>) = word
        .morphemes
        .iter()
        .partition(|m| vocabulary::intent(m).is_some());
    let (morphemes, intent_chars) = if morphemes.is_empty() {
        (intent_morphemes, 0)
    } else {
        let chars = intent_morphemes.iter().map(|m| m.chars().count()).sum();
        (morphemes, chars)
    };
    let morpheme_chars: usize = morphemes.iter().map(|m| m.chars().count()).sum();
    let content_chars = (word.content_chars.max(all_chars) - intent_chars).max(1);
    for morpheme in &morphemes {
        alternatives.push(Alternative {
            key: hangul::keys(morpheme),
            weight: morpheme.chars().count() as f32 / content_chars as f32,
            exact_only: true,
            typos: false,
            prefix: false,
        });
    }
    let initials = (word.normalized.chars().count() >= 2
        && hangul::is_initials_query(&word.normalized))
    .then(|| word.normalized.clone());
    Group {
        alternatives,
        morphemes_cover_word: morpheme_chars == content_chars,
        morphemes_required: morphemes_for_half(&morphemes, content_chars),
        initials,
        syllable_variant: analysis::syllable_variant_key(&word.normalized),
        intent: vocabulary::intent(&word.normalized),
    }
}

/// The fewest morphemes that can cover more than half of `content_chars` (the longest
/// first), or None when even all of them cannot.
fn morphemes_for_half(morphemes: &[&String], content_chars: usize) -> Option<usize> {
    let mut lengths: Vec<usize> = morphemes.iter().map(|m| m.chars().count()).collect();
    lengths.sort_unstable_by(|a, b| b.cmp(a));
    let mut covered = 0;
    for (taken, length) in lengths.iter().enumerate() {
        covered += length;
        if 2 * covered > content_chars {
            return Some(taken + 1);
        }
    }
    None
}

fn scored(query: Box<dyn Query>, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, score))
}

/// Title keys that start with `key`, within `typos` edits of it, scored `score`.
fn prefix_match(
    field: Field,
    key: &str,
    typos: u8,
    score: f32,
    spelling: Spelling,
) -> Box<dyn Query> {
    scored(
        Box::new(FuzzyTermQuery::new_prefix(
            Term::from_field_text(field, &spelling.spell(key)),
            typos,
            true,
        )),
        score,
    )
}

/// What each kind of match of a key scores, before the key's and field's weights.
const KEY_SCORES: Scores = Scores {
    exact: EXACT,
    prefix: PREFIX,
    one_typo: ONE_TYPO,
    one_unlikely_typo: ONE_UNLIKELY_TYPO,
    two_typos: TWO_TYPOS,
    slip: SLIP,
};

/// What each kind of match scores in the artists field.
const ARTIST_SCORES: Scores = Scores {
    exact: ARTIST_EXACT,
    prefix: PREFIX * ARTIST_WEIGHT,
    one_typo: ONE_TYPO * ARTIST_WEIGHT,
    one_unlikely_typo: ONE_UNLIKELY_TYPO * ARTIST_WEIGHT,
    two_typos: TWO_TYPOS * ARTIST_WEIGHT,
    slip: SLIP * ARTIST_WEIGHT,
};

/// What an exact or prefix match scores in the title pieces field.
const PIECE_SCORES: Scores = Scores {
    exact: EXACT * PIECE_WEIGHT,
    prefix: PREFIX * PIECE_WEIGHT,
    ..KEY_SCORES
};

/// The key as a whole key of the field, scored `score`.
fn exact(field: Field, key: &str, score: f32, matchers: &Matchers) -> Box<dyn Query> {
    scored(
        Box::new(TermQuery::new(
            matchers.term(field, key),
            IndexRecordOption::Basic,
        )),
        score,
    )
}

/// How far a key reaches beyond itself: to longer keys it starts (`prefix`, from
/// `MIN_PREFIX_CHARS` keystrokes on) and to keys a typo or two away (`typos`, within the
/// budget its length allows).
#[derive(Debug, Clone, Copy)]
struct Reach {
    prefix: bool,
    typos: bool,
}

/// Exact, prefix and typo matches of one key on one field, each with its constant,
/// found in one walk of the field's keys (`key_query`).
fn key_query(
    field: Field,
    key: &str,
    scores: Scores,
    reach: Reach,
    matchers: &mut Matchers,
) -> Box<dyn Query> {
    let chars = key.chars().count();
    let prefix = reach.prefix && chars >= MIN_PREFIX_CHARS;
    let typos = if reach.typos { typo_budget(chars) } else { 0 };
    Box::new(KeyQuery::new(
        field,
        matchers.get(key, prefix, typos),
        scores,
    ))
}

/// The text fields with what each kind of match scores in them, and whether typos
/// count in them.
fn text_fields(fields: &Fields) -> impl Iterator<Item = (Field, Scores, bool)> {
    [
        (fields.title, KEY_SCORES, true),
        (fields.title_en, KEY_SCORES, true),
        (fields.artists, ARTIST_SCORES, true),
    ]
    .into_iter()
    .chain(
        fields
            .title_pieces
            .map(|pieces| (pieces, PIECE_SCORES, false)),
    )
}

/// One morpheme found exactly in any text field, scored by the best field.
fn morpheme_query(fields: &Fields, key: &str, matchers: &Matchers) -> Box<dyn Query> {
    let exact: Vec<Box<dyn Query>> = text_fields(fields)
        .map(|(field, scores, _)| exact(field, key, scores.exact, matchers))
        .collect();
    Box::new(DisjunctionMaxQuery::new(exact))
}

fn group_query(fields: &Fields, group: &Group, matchers: &mut Matchers) -> Box<dyn Query> {
    let mut word_matches: Vec<Box<dyn Query>> = Vec::new();
    let mut every_morpheme: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut some_morphemes: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for alternative in &group.alternatives {
        if alternative.exact_only {
            let morpheme = morpheme_query(fields, &alternative.key, matchers);
            every_morpheme.push((Occur::Must, morpheme.box_clone()));
            some_morphemes.push((
                Occur::Should,
                scored(morpheme, PARTIAL_MORPHEMES * alternative.weight),
            ));
            continue;
        }
        for (field, field_scores, field_typos) in text_fields(fields) {
            let scores = field_scores.times(alternative.weight);
            let reach = Reach {
                prefix: alternative.prefix,
                typos: alternative.typos && field_typos,
            };
            word_matches.push(key_query(field, &alternative.key, scores, reach, matchers));
        }
        if let Some(venue) = fields.venue_keys {
            let scores = KEY_SCORES.times(alternative.weight * VENUE_WEIGHT);
            let reach = Reach {
                prefix: alternative.prefix,
                typos: false,
            };
            word_matches.push(key_query(venue, &alternative.key, scores, reach, matchers));
        }
    }
    if let Some(variant) = &group.syllable_variant {
        word_matches.push(exact(
            fields.title_initials,
            variant,
            SYLLABLE_TYPO,
            matchers,
        ));
    }
    if let Some(initials) = &group.initials {
        let whole = format!("{}{initials}", analysis::WHOLE_TEXT);
        word_matches.push(exact(fields.title_initials, &whole, EXACT, matchers));
        // Initials of one word of the title, or the start of a word's (ㅅㅋ).
        let word_or_start = Scores {
            exact: WORD_INITIALS,
            ..KEY_SCORES
        };
        word_matches.push(Box::new(KeyQuery::new(
            fields.title_initials,
            matchers.get(initials, true, 0),
            word_or_start,
        )));
    }
    if group.morphemes_cover_word && !every_morpheme.is_empty() {
        word_matches.push(scored(
            Box::new(BooleanQuery::new(every_morpheme)),
            MORPHEMES,
        ));
    }
    if let (false, Some(required)) = (some_morphemes.is_empty(), group.morphemes_required) {
        // Morphemes add up: 연극리어왕 finds 리어왕 by its morpheme 리어, once enough of
        // them meet to cover more than half the word.
        word_matches.push(Box::new(BooleanQuery::with_minimum_required_clauses(
            some_morphemes,
            required,
        )));
    }
    Box::new(DisjunctionMaxQuery::new(word_matches))
}

/// What a show matching every title word of the interpretation exactly scores (each
/// word 1.0, and as many again for the words run together): the searcher divides by it
/// so that scores share one scale whatever the query's length.
pub fn best_score(interpretation: &Interpretation) -> f32 {
    let words = interpretation
        .groups
        .iter()
        .filter(|g| !g.is_intent())
        .count()
        .max(1) as f32;
    if interpretation.compact.is_some() {
        2.0 * words
    } else {
        words
    }
}

/// How many of a query's title words a show must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// Every one (or the words run together): asked first, since a show that has
    /// them all (시카고 부산: the Busan run) is what was meant, and the rest is a tail.
    All,
    /// Half of them: when no show has them all, one unknown or mistyped word must not
    /// leave the page empty.
    Half,
    /// None: a query of intent words naming a category (뮤지컬 추천) asks for the
    /// category's shows, titles holding the words first.
    IntentOnly,
}

/// Whether asking with `Required::All` first can change the answer: only for queries of
/// two or more title words.
pub fn tiers(interpretation: &Interpretation) -> bool {
    interpretation
        .groups
        .iter()
        .filter(|g| !g.is_intent())
        .count()
        >= 2
}

/// The Tantivy query for an interpretation; `None` when there is nothing to look for.
pub fn build(
    fields: &Fields,
    interpretation: &Interpretation,
    required: Required,
    spelling: Spelling,
) -> Option<Box<dyn Query>> {
    build_with(
        fields,
        interpretation,
        required,
        &mut Matchers::new(spelling),
    )
}

/// `build`, with the key automata of earlier tiers of the same search.
pub fn build_with(
    fields: &Fields,
    interpretation: &Interpretation,
    required: Required,
    matchers: &mut Matchers,
) -> Option<Box<dyn Query>> {
    if interpretation.is_empty() {
        return None;
    }
    let (intents, titles): (Vec<&Group>, Vec<&Group>) =
        interpretation.groups.iter().partition(|g| g.is_intent());
    if required == Required::IntentOnly {
        return intent_only(fields, &intents, matchers);
    }
    let groups: Vec<(Occur, Box<dyn Query>)> = titles
        .iter()
        .map(|g| (Occur::Should, group_query(fields, g, matchers)))
        .collect();
    let required = match required {
        Required::All => groups.len(),
        Required::Half | Required::IntentOnly => groups.len().div_ceil(2),
    };
    let mut matching: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Should,
        Box::new(BooleanQuery::with_minimum_required_clauses(
            groups, required,
        )),
    )];
    if let Some(compact) = &interpretation.compact {
        // The query's words run together match a title's words run together or a
        // single title word; worth as much as every group matching.
        let weight = titles.len() as f32;
        let matches: Vec<Box<dyn Query>> = text_fields(fields)
            .map(|(field, scores, typos)| {
                let reach = Reach {
                    prefix: true,
                    typos,
                };
                key_query(field, compact, scores.times(weight), reach, matchers)
            })
            .collect();
        matching.push((Occur::Should, Box::new(DisjunctionMaxQuery::new(matches))));
    }
    if intents.is_empty() {
        return Some(Box::new(BooleanQuery::new(matching)));
    }
    // The title words decide what matches; intent words only order what did.
    let mut top: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Must, Box::new(BooleanQuery::new(matching)))];
    for group in intents {
        push_intent(fields, group, matchers, &mut top);
    }
    Some(Box::new(BooleanQuery::new(top)))
}

/// An intent word's optional clauses: the word in a title, and its category.
///
/// The word counts only as a whole word of a title (or a morpheme of one), not by its
/// typos or as the start of a longer word: it only decides between equals, and 연극 or
/// 공연 start so many title words that walking for them was most of such a query's time.
fn push_intent(
    fields: &Fields,
    group: &Group,
    matchers: &Matchers,
    out: &mut Vec<(Occur, Box<dyn Query>)>,
) {
    let in_title: Vec<Box<dyn Query>> = group
        .alternatives
        .iter()
        .map(|alternative| morpheme_query(fields, &alternative.key, matchers))
        .collect();
    out.push((
        Occur::Should,
        scored(Box::new(DisjunctionMaxQuery::new(in_title)), INTENT_WEIGHT),
    ));
    if let Some(category) = group.intent.flatten() {
        let term = Term::from_field_text(fields.category, category);
        out.push((
            Occur::Should,
            scored(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                CATEGORY_BOOST,
            ),
        ));
    }
}

/// Shows of the categories the intent words name, or whose titles hold them.
fn intent_only(fields: &Fields, intents: &[&Group], matchers: &Matchers) -> Option<Box<dyn Query>> {
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for group in intents {
        push_intent(fields, group, matchers, &mut any);
    }
    (!any.is_empty()).then(|| Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
}

/// Whether the query is intent words only (with a category among them).
pub fn intent_only_query(interpretation: &Interpretation) -> bool {
    !interpretation.groups.is_empty() && interpretation.groups.iter().all(Group::is_intent)
}

/// As-you-type completion: titles (or English titles) that are, or start with, what was
/// typed run together, in keystrokes so a half-typed syllable counts; with one typo
/// once six keystrokes are in; or whose initials start with typed initials. `None`
/// when nothing searchable was typed, or more than any title holds.
pub fn build_suggest(fields: &Fields, text: &str, spelling: Spelling) -> Option<Box<dyn Query>> {
    let typed: String = analysis::words(text)
        .iter()
        .map(|w| w.normalized.as_str())
        .collect();
    if typed.is_empty() || typed.chars().count() > MAX_QUERY_CHARS {
        return None;
    }
    let key = hangul::keys(&typed);
    let mut matchers = Matchers::new(spelling);
    let mut starts_with = |field: Field, key: &str, scores: Scores| -> Box<dyn Query> {
        Box::new(KeyQuery::new(field, matchers.get(key, true, 0), scores))
    };
    let mut matches: Vec<Box<dyn Query>> = Vec::new();
    for field in [fields.title, fields.title_en] {
        matches.push(starts_with(field, &key, KEY_SCORES));
        if key.chars().count() >= 6 {
            // A typo while typing a longer word still completes.
            matches.push(prefix_match(field, &key, 1, TWO_TYPOS, spelling));
        }
    }
    if let Some(pieces) = fields.title_pieces {
        matches.push(starts_with(pieces, &key, PIECE_SCORES));
    }
    if hangul::is_initials_query(&typed) && typed.chars().count() >= 2 {
        let initials = Scores {
            exact: PREFIX,
            ..KEY_SCORES
        };
        matches.push(starts_with(fields.title_initials, &typed, initials));
    }
    // Korean typed with the English layout on completes the Korean title (tlzk → 시카고),
    // on the same condition as search: the keys join into whole syllables.
    if let Some(keys) = hangul::latin_to_keys(&typed).filter(|k| hangul::composes_fully(k)) {
        matches.push(starts_with(
            fields.title,
            &keys,
            KEY_SCORES.times(OTHER_LAYOUT),
        ));
    }
    Some(Box::new(DisjunctionMaxQuery::new(matches)))
}

/// How well one title key matches one query key, by the same rules as the index
/// query: for highlighting. `prefix`: whether the query key may start a longer key
/// (`Alternative::prefix`).
pub fn key_match(title_key: &str, query_key: &str, prefix: bool) -> Option<f32> {
    if title_key == query_key {
        return Some(EXACT);
    }
    let query_chars = query_key.chars().count();
    if prefix && query_chars >= MIN_PREFIX_CHARS && title_key.starts_with(query_key) {
        return Some(PREFIX);
    }
    let budget = typo_budget(query_chars) as usize;
    if budget == 0 {
        return None;
    }
    let slip = || slips::slipped(title_key, query_key).then_some(SLIP);
    if title_key.chars().count().abs_diff(query_chars) > budget {
        return slip();
    }
    // The restricted distance (a swap counts one, once per letter), as the search's
    // automata count; strsim's unrestricted one also allocates a map per call. A typo
    // on the first character counts as two, unless it is a slip (`key_query`).
    let other_start = title_key.chars().next() != query_key.chars().next();
    match strsim::osa_distance(title_key, query_key) + usize::from(other_start) {
        1 => Some(ONE_TYPO),
        distance if distance <= budget => Some(TWO_TYPOS),
        _ => slip(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(group: &Group) -> Vec<String> {
        group
            .alternatives
            .iter()
            .map(|a| hangul::compose(&a.key))
            .collect()
    }

    #[test]
    fn a_word_typed_on_the_english_layout_gains_its_korean_reading() {
        let interpretation = interpret("tlzkrh");
        assert_eq!(keys_of(&interpretation.groups[0]), ["tlzkrh", "시카고"]);
        // An English word that does not compose stays English only.
        assert_eq!(keys_of(&interpret("chicago").groups[0]), ["chicago"]);
    }

    #[test]
    fn a_word_typed_on_the_korean_layout_gains_its_latin_reading() {
        let interpretation = interpret("초ㅑㅊㅁ해");
        assert_eq!(interpretation.groups[0].alternatives[1].key, "chicago");
    }

    #[test]
    fn particles_fall_away_as_morphemes() {
        let group = &interpret("시카고를").groups[0];
        // The stem (typo-tolerant) and the morpheme (exact) both say 시카고.
        assert_eq!(
            keys_of(group),
            ["시카고를", "시카고", "tlzkrhfmf", "시카고"]
        );
        let morpheme = group.alternatives.iter().find(|a| a.exact_only).unwrap();
        assert_eq!(hangul::compose(&morpheme.key), "시카고");
        assert!((morpheme.weight - 1.0).abs() < 1e-6);
        assert!(group.morphemes_cover_word);
    }

    #[test]
    fn morphemes_share_the_word_by_length_and_may_leave_part_of_it() {
        let shares = |query: &str| -> Vec<f32> {
            interpret(query).groups[0]
                .alternatives
                .iter()
                .filter(|a| a.exact_only)
                .map(|a| a.weight)
                .collect()
        };
        assert_eq!(shares("오페라의유령"), [0.6, 0.4]);
        // An intent word run in is no part of the title: 시카고 is all of 뮤지컬시카고.
        assert_eq!(shares("뮤지컬시카고"), [1.0]);
        let group = &interpret("뮤지컬시카고").groups[0];
        assert!(group.morphemes_cover_word);
        // 위 is content too short to match, so 카드 alone does not make the word.
        let group = &interpret("위카드").groups[0];
        assert!(!group.morphemes_cover_word);
    }

    #[test]
    fn morphemes_count_once_they_cover_half_the_word() {
        // 시카고 alone is half of 뮤지컬시카고 without the intent word: all of it.
        assert_eq!(
            interpret("연극리어왕").groups[0].morphemes_required,
            Some(1)
        );
        // One common word inside a long string is not enough.
        let nonsense = &interpret("존재하지않는공연제목").groups[0];
        assert!(nonsense.morphemes_required >= Some(2), "{nonsense:?}");
        // Nor is an intent word run into nonsense.
        assert_eq!(
            interpret("뿌잉뿌잉콘서트").groups[0].morphemes_required,
            None
        );
    }

    #[test]
    fn intent_words_are_marked_and_left_out_of_the_compact_title() {
        let interpretation = interpret("뮤지컬 오페라의 유령 예매");
        let intents: Vec<_> = interpretation.groups.iter().map(|g| g.intent).collect();
        assert_eq!(intents, [Some(Some("MUSICAL")), None, None, Some(None)]);
        assert_eq!(
            hangul::compose(interpretation.compact.as_deref().unwrap()),
            "오페라의유령"
        );
        // Only intent words: with a category, they ask for it; without, they are what
        // is looked for.
        assert!(interpret("콘서트 예매")
            .groups
            .iter()
            .all(|g| g.is_intent()));
        assert!(interpret("공연 예매").groups.iter().all(|g| !g.is_intent()));
    }

    #[test]
    fn hangul_words_look_up_their_syllable_variant() {
        let group = &interpret("시고카").groups[0];
        assert_eq!(
            group.syllable_variant.as_deref(),
            Some(format!("{}{}", analysis::SYLLABLE_VARIANT, hangul::keys("시고카")).as_str())
        );
        // Two syllables are enough to swap; one is not.
        assert!(interpret("허벤").groups[0].syllable_variant.is_some());
        assert_eq!(interpret("극").groups[0].syllable_variant, None);
    }

    #[test]
    fn consonant_only_words_are_initials() {
        let interpretation = interpret("ㅅㅋㄱ");
        assert_eq!(interpretation.groups[0].initials.as_deref(), Some("ㅅㅋㄱ"));
        assert_eq!(interpret("ㅅ").groups[0].initials, None);
    }

    #[test]
    fn several_words_also_search_as_one() {
        let interpretation = interpret("레 미제라블");
        assert_eq!(interpretation.groups.len(), 2);
        assert_eq!(
            hangul::compose(interpretation.compact.as_deref().unwrap()),
            "레미제라블"
        );
    }

    #[test]
    fn weird_queries_are_bounded_or_empty() {
        assert!(interpret("   ").is_empty());
        assert!(interpret("🎭🎭 +-&&||!(){}[]^\"~*?:\\/").is_empty());
        let long = "가".repeat(10_000);
        let interpretation = interpret(&long);
        assert_eq!(interpretation.groups.len(), 1);
        assert_eq!(
            interpretation.groups[0].alternatives[0].key.chars().count(),
            2 * MAX_QUERY_CHARS
        );
        let many = "a ".repeat(100);
        assert_eq!(interpret(&many).groups.len(), MAX_QUERY_WORDS);
    }

    #[test]
    fn typo_budget_grows_with_length() {
        assert_eq!(typo_budget(hangul::keys("시").chars().count()), 0);
        assert_eq!(typo_budget(hangul::keys("시카고").chars().count()), 1);
        assert_eq!(typo_budget(hangul::keys("레미제라블").chars().count()), 2);
    }

    #[test]
    fn key_match_ranks_exact_over_prefix_over_typo() {
        let title = hangul::keys("시카고");
        assert_eq!(
            key_match(&title, &hangul::keys("시카고"), true),
            Some(EXACT)
        );
        assert_eq!(key_match(&title, &hangul::keys("싴"), true), Some(PREFIX));
        assert_eq!(key_match(&title, &hangul::keys("싴"), false), None);
        assert_eq!(
            key_match(&title, &hangul::keys("시하고"), true),
            Some(ONE_TYPO)
        );
        assert_eq!(key_match(&title, &hangul::keys("사하가"), true), None);
        let long = hangul::keys("레미제라블");
        assert_eq!(
            key_match(&long, &hangul::keys("레미제라볼"), true),
            Some(ONE_TYPO)
        );
        assert_eq!(
            key_match(&long, &hangul::keys("래미제라볼"), true),
            Some(TWO_TYPOS)
        );
    }

    #[test]
    fn key_match_counts_a_first_character_typo_as_two() {
        // One typo allowed: none on the first jamo (ㄴ for ㅅ).
        assert_eq!(
            key_match(&hangul::keys("시카고"), &hangul::keys("니카고"), true),
            None
        );
        // Two allowed: a first-jamo typo alone is the two.
        let long = hangul::keys("레미제라블");
        assert_eq!(
            key_match(&long, &hangul::keys("게미제라블"), true),
            Some(TWO_TYPOS)
        );
        assert_eq!(key_match(&long, &hangul::keys("게미제라볼"), true), None);
    }
}

//! One query key looked up in one field's term dictionary in a single pass, each
//! matching term scored by its best kind of match (exact, prefix, one typo, two typos).
//!
//! Tantivy's way to say the same thing is four queries under a `DisjunctionMaxQuery`:
//! a term, a prefix and one or two `FuzzyTermQuery`s. Each fuzzy query builds its own
//! Levenshtein automaton (a 256-way table per state, so building it is most of the cost
//! of a short query) and walks the term dictionary again, for every field it is asked
//! of. Measured at 20,000 shows, building automata and walking the dictionary were
//! about half of all the time a search took. Here each field's dictionary is walked
//! once for all four kinds, counting a term's edits from the key as it goes (`edits`:
//! nothing is built per key, where even one automaton per key and search was a quarter
//! of the slowest searches), and `Matchers` shares a key's walks between the two tiers
//! of a search. Which documents match and what they score is unchanged.
//!
//! A typo on a key's first keystroke counts as two, as Meilisearch counts it, with one
//! exception: a first consonant slipped on the 2-set keyboard (`slips`: shift, a
//! neighbouring key, a similar sound) with the rest of the key unchanged is a match of
//! its own kind, scored below every cleaner one. A term that starts otherwise in any
//! other way is rarely the word meant (니카고 is a word of its own more often than a
//! typo of 시카고), so a key allowed one typo walks the terms that start as it does,
//! and, for each slipped first consonant, only the one path that spells the rest of the
//! key: a small part of the dictionary, where at 20,000 shows the walk was most of a
//! search's time.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::postings::TermInfo;
use tantivy::query::{BitSetDocSet, ConstScorer};
use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError, Term};

use super::edits::{self, Edits, Row};
use super::slips;
use super::spelling::Spelling;

/// What each kind of match scores, best first. A kind a key does not allow (a prefix
/// of a short key, typos in a two-syllable stem) never matches, whatever it says here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub exact: Score,
    pub prefix: Score,
    /// One typo a finger or an ear makes (`slips::likely_edit`).
    pub one_typo: Score,
    /// One typo of another letter.
    pub one_unlikely_typo: Score,
    pub two_typos: Score,
    /// The first consonant slipped, the rest the key: allowed with typos.
    pub slip: Score,
}

impl Scores {
    pub fn times(self, weight: Score) -> Scores {
        Scores {
            exact: self.exact * weight,
            prefix: self.prefix * weight,
            one_typo: self.one_typo * weight,
            one_unlikely_typo: self.one_unlikely_typo * weight,
            two_typos: self.two_typos * weight,
            slip: self.slip * weight,
        }
    }

    fn by_kind(self) -> [Score; KINDS] {
        [
            self.exact,
            self.prefix,
            self.one_typo,
            self.one_unlikely_typo,
            self.two_typos,
            self.slip,
        ]
    }
}

/// Kinds of match, best first: exact, prefix, one typo, one unlikely typo, two typos,
/// slip.
const KINDS: usize = 6;
const ONE_TYPO: usize = 2;
const ONE_UNLIKELY_TYPO: usize = 3;
const TWO_TYPOS: usize = 4;
const SLIP: usize = 5;

/// A key with the kinds of match it allows.
pub struct Matcher {
    key: Box<[u8]>,
    /// How many bytes the key's first character takes.
    first_len: u32,
    prefix: bool,
    /// How many edits a term may be from the key (a typo on the first character
    /// counting as two), and the key as edits are counted against it, when typos count.
    budget: u8,
    /// How the key is spelled, to read a typo's letters back (`slips::likely_edit`).
    spelling: Spelling,
    edits: Option<Edits>,
    /// The first characters a slipped first consonant may have been, as spelled, each
    /// `first_len` bytes long (every jamo is one byte compact, three raw): empty when
    /// typos do not count or the key does not start with a consonant.
    slips: Box<[Box<[u8]>]>,
    /// The terms each walk found, by segment and field. A matcher lives for one search,
    /// whose second tier (half the words, when no show has them all) asks for the same
    /// keys again: it reads them from here instead of walking the dictionaries twice.
    walked: Mutex<Vec<(SegmentId, Field, Arc<Walked>)>>,
}

/// The terms of each kind of match one walk found, best kind first.
type Walked = [Vec<TermInfo>; KINDS];

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matcher")
            .field("key", &String::from_utf8_lossy(&self.key))
            .field("prefix", &self.prefix)
            .field("budget", &self.budget)
            .finish()
    }
}

impl Matcher {
    /// `typos`: how many edits (0 to 2; a transposition is one, and one on the first
    /// character two) a term may be from the key; `prefix`: whether a term that starts
    /// with the key matches.
    pub fn new(key: &str, prefix: bool, typos: u8) -> Matcher {
        Matcher::spelled(key, prefix, typos, Spelling::Raw)
    }

    /// `new`, for a key written in the index's `spelling` (`key` is the key as analysis
    /// spells it, jamo and all).
    pub fn spelled(key: &str, prefix: bool, typos: u8, spelling: Spelling) -> Matcher {
        let budget = typos.min(edits::MAX);
        let first = key.chars().next();
        let first_len = first.map_or(0, |c| spelling.spell(&c.to_string()).len());
        let slips: Box<[Box<[u8]>]> = match first {
            Some(first) if budget > 0 => slips::meant_by(first)
                .iter()
                .map(|meant| spelling.spell(&meant.to_string()).into_owned())
                .filter(|spelled| spelled.len() == first_len)
                .map(|spelled| spelled.into_bytes().into_boxed_slice())
                .collect(),
            _ => Box::default(),
        };
        let key = spelling.spell(key);
        Matcher {
            key: key.as_bytes().into(),
            first_len: first_len as u32,
            prefix,
            budget,
            spelling,
            edits: (budget > 0).then(|| Edits::new(&key)),
            slips,
            walked: Mutex::new(Vec::new()),
        }
    }

    /// The terms of `field` in `reader`'s segment that match, by kind: walked once.
    fn walk(&self, reader: &SegmentReader, field: Field) -> tantivy::Result<Arc<Walked>> {
        let segment = reader.segment_id();
        let remembered = |walked: &[(SegmentId, Field, Arc<Walked>)]| {
            walked
                .iter()
                .find(|(s, f, _)| *s == segment && *f == field)
                .map(|(_, _, kinds)| kinds.clone())
        };
        if let Some(kinds) = remembered(&self.walked.lock().expect("walk memory poisoned")) {
            return Ok(kinds);
        }
        let inverted = reader.inverted_index(field)?;
        let mut terms = inverted.terms().search(self).into_stream()?;
        let mut kinds: Walked = Default::default();
        while terms.advance() {
            if let Some(kind) = self.kind(terms.key()) {
                kinds[kind].push(terms.value().clone());
            }
        }
        let kinds = Arc::new(kinds);
        self.walked
            .lock()
            .expect("walk memory poisoned")
            .push((segment, field, kinds.clone()));
        Ok(kinds)
    }

    /// The kind of match `term` is (0 exact, 1 prefix, 2 one likely typo, 3 one
    /// unlikely typo, 4 two typos, 5 a slipped first consonant).
    fn kind(&self, term: &[u8]) -> Option<usize> {
        if term == &*self.key {
            return Some(0);
        }
        if self.prefix && term.starts_with(&self.key) {
            return Some(1);
        }
        let first = self.first_len as usize;
        let first_differs = !term.starts_with(&self.key[..first]);
        let typos = self
            .edits
            .as_ref()
            .and_then(|edits| edits.distance_to(term))
            .map(|d| d + u8::from(first_differs));
        match typos.filter(|t| (1..=self.budget).contains(t)) {
            Some(1) => {
                let (key, term) = (
                    String::from_utf8_lossy(&self.key),
                    String::from_utf8_lossy(term),
                );
                let spelling = self.spelling;
                let likely = slips::likely_edit(&key, &term, |c| spelling.unspell(c));
                return Some(if likely { ONE_TYPO } else { ONE_UNLIKELY_TYPO });
            }
            Some(_) => return Some(TWO_TYPOS),
            None => {}
        }
        let slipped = term.len() == self.key.len()
            && self.slips.iter().any(|slip| term[..first] == **slip)
            && term[first..] == self.key[first..];
        slipped.then_some(SLIP)
    }

    /// What a typo costs on top of the edits counted so far: one more once the term's
    /// first character is known to differ from the key's.
    fn first_character_penalty(state: &WalkState) -> u8 {
        u8::from(!state.same_start && state.read == OFF)
    }

    /// The slip reading after one more byte: within the first character, the slips
    /// still spelled; after it, the key's own bytes, and nothing past its end (a
    /// slipped prefix would walk every term under each slip: at 100,000 shows that
    /// doubled the p99 of single-word searches for no labelled query found).
    fn slip_step(&self, state: &WalkState, byte: u8) -> (u32, u32) {
        let read = state.slip_read;
        if read == OFF {
            return (OFF, 0);
        }
        let at = read as usize;
        if at < self.first_len as usize {
            let mut candidates = state.slip_candidates;
            for (bit, slip) in self.slips.iter().enumerate().take(32) {
                if slip[at] != byte {
                    candidates &= !(1 << bit);
                }
            }
            return match candidates {
                0 => (OFF, 0),
                _ => (read + 1, candidates),
            };
        }
        match at < self.key.len() && self.key[at] == byte {
            true => (read + 1, 0),
            false => (OFF, 0),
        }
    }
}

/// Where the walk is: how many bytes of the key were read (`EXTENDED` once past its
/// end, `OFF` once they differ), whether the term started with the key's first
/// character, the edits so far, and the same reading for a slipped first consonant:
/// bytes read (the slip's own, then the key's after its first character) and which of
/// the slips the bytes read so far still spell (a bit each).
#[derive(Clone, Copy)]
pub struct WalkState {
    read: u32,
    same_start: bool,
    edits: Option<Row>,
    slip_read: u32,
    slip_candidates: u32,
}

const OFF: u32 = u32::MAX;
const EXTENDED: u32 = u32::MAX - 1;

impl tantivy_fst::Automaton for Matcher {
    type State = WalkState;

    fn start(&self) -> WalkState {
        let candidates = (1u64 << self.slips.len().min(32)) - 1;
        WalkState {
            read: 0,
            same_start: self.first_len == 0,
            edits: self.edits.as_ref().map(Edits::start),
            slip_read: if self.slips.is_empty() { OFF } else { 0 },
            slip_candidates: candidates as u32,
        }
    }

    fn is_match(&self, state: &WalkState) -> bool {
        state.read as usize == self.key.len()
            || state.read == EXTENDED
            || state.slip_read as usize == self.key.len()
            || match (&self.edits, &state.edits) {
                (Some(edits), Some(row)) => edits
                    .distance(row)
                    .is_some_and(|d| d + Matcher::first_character_penalty(state) <= self.budget),
                _ => false,
            }
    }

    /// Off the key, only a term within the typo budget can still match.
    fn can_match(&self, state: &WalkState) -> bool {
        if state.read != OFF || state.slip_read != OFF {
            return true;
        }
        match (&self.edits, &state.edits) {
            (Some(edits), Some(row)) => {
                edits.fewest(row) + Matcher::first_character_penalty(state) <= self.budget
            }
            _ => false,
        }
    }

    fn accept(&self, state: &WalkState, byte: u8) -> WalkState {
        let read = match state.read {
            OFF => OFF,
            EXTENDED => EXTENDED,
            read if (read as usize) < self.key.len() => {
                if self.key[read as usize] == byte {
                    read + 1
                } else {
                    OFF
                }
            }
            _ if self.prefix => EXTENDED,
            _ => OFF,
        };
        let same_start = state.same_start || (read != OFF && read >= self.first_len);
        // Past the key's end a term is a prefix match whatever its edits.
        let edits = match (&self.edits, &state.edits) {
            (Some(edits), Some(row)) if read != EXTENDED => Some(edits.step(row, byte)),
            _ => state.edits,
        };
        let (slip_read, slip_candidates) = self.slip_step(state, byte);
        WalkState {
            read,
            same_start,
            edits,
            slip_read,
            slip_candidates,
        }
    }
}

/// The matchers of one search, by key and the kinds of match allowed, so each
/// automaton is built once however many fields and tiers ask for it; and the spelling
/// of the index searched, which every term of the search is written in.
pub struct Matchers {
    spelling: Spelling,
    built: HashMap<(String, bool, u8), Arc<Matcher>>,
}

impl Matchers {
    pub fn new(spelling: Spelling) -> Matchers {
        Matchers {
            spelling,
            built: HashMap::new(),
        }
    }

    pub fn get(&mut self, key: &str, prefix: bool, typos: u8) -> Arc<Matcher> {
        let spelling = self.spelling;
        self.built
            .entry((key.to_string(), prefix, typos))
            .or_insert_with(|| Arc::new(Matcher::spelled(key, prefix, typos, spelling)))
            .clone()
    }

    /// `key` as a term of `field` in the searched index.
    pub fn term(&self, field: Field, key: &str) -> Term {
        Term::from_field_text(field, &self.spelling.spell(key))
    }
}

/// Documents whose `field` holds a term matching the key, scored by the best match.
#[derive(Clone, Debug)]
pub struct KeyQuery {
    field: Field,
    matcher: Arc<Matcher>,
    scores: Scores,
}

impl KeyQuery {
    pub fn new(field: Field, matcher: Arc<Matcher>, scores: Scores) -> KeyQuery {
        KeyQuery {
            field,
            matcher,
            scores,
        }
    }
}

impl Query for KeyQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for KeyQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inverted = reader.inverted_index(self.field)?;
        let kinds = self.matcher.walk(reader, self.field)?;
        let scores = self.scores.by_kind();
        let found: Vec<(&Vec<TermInfo>, Score)> = kinds
            .iter()
            .zip(scores)
            .filter(|(infos, _)| !infos.is_empty())
            .map(|(infos, score)| (infos, score * boost))
            .collect();
        let max_doc = reader.max_doc();
        let mut any = BitSet::with_max_value(max_doc);
        let several = found.len() > 1;
        let mut each_kind = Vec::with_capacity(found.len());
        for (infos, score) in &found {
            let mut docs = several.then(|| BitSet::with_max_value(max_doc));
            for info in infos.iter() {
                let mut postings =
                    inverted.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
                while !postings.docs().is_empty() {
                    for &doc in postings.docs() {
                        any.insert(doc);
                        if let Some(docs) = docs.as_mut() {
                            docs.insert(doc);
                        }
                    }
                    postings.advance();
                }
            }
            each_kind.extend(docs.map(|docs| (docs, *score)));
        }
        // Best first, whatever order the kinds' scores were given in.
        each_kind.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(match found.first() {
            None => Box::new(EmptyScorer),
            Some((_, score)) if !several => {
                Box::new(ConstScorer::new(BitSetDocSet::from(any), *score))
            }
            Some(_) => Box::new(BestKind {
                docs: BitSetDocSet::from(any),
                kinds: each_kind,
            }),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new("KeyQuery", scorer.score()))
    }
}

/// The documents of several kinds of match, each scored by the best kind it is in.
struct BestKind {
    docs: BitSetDocSet,
    kinds: Vec<(BitSet, Score)>,
}

impl DocSet for BestKind {
    fn advance(&mut self) -> DocId {
        self.docs.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.docs.seek(target)
    }

    fn doc(&self) -> DocId {
        self.docs.doc()
    }

    fn size_hint(&self) -> u32 {
        self.docs.size_hint()
    }
}

impl Scorer for BestKind {
    fn score(&mut self) -> Score {
        let doc = self.docs.doc();
        self.kinds
            .iter()
            .find(|(docs, _)| docs.contains(doc))
            .map_or(0.0, |(_, score)| *score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::schema::{Schema, STRING};
    use tantivy::{doc, Index, IndexWriter};

    const SCORES: Scores = Scores {
        exact: 1.0,
        prefix: 0.75,
        one_typo: 0.5,
        one_unlikely_typo: 0.42,
        two_typos: 0.35,
        slip: 0.3,
    };

    /// The score each title gets for `key`, by title.
    fn scored(titles: &[&str], key: &str, prefix: bool, typos: u8) -> Vec<(String, f32)> {
        let mut schema = Schema::builder();
        let field = schema.add_text_field("title", STRING | tantivy::schema::STORED);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for title in titles {
            writer.add_document(doc!(field => *title)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let query = KeyQuery::new(field, Arc::new(Matcher::new(key, prefix, typos)), SCORES);
        let mut hits: Vec<(String, f32)> = searcher
            .search(&query, &TopDocs::with_limit(10).order_by_score())
            .unwrap()
            .into_iter()
            .map(|(score, address)| {
                let doc: tantivy::TantivyDocument = searcher.doc(address).unwrap();
                let title = tantivy::schema::Value::as_str(&doc.get_first(field).unwrap())
                    .unwrap()
                    .to_string();
                (title, score)
            })
            .collect();
        hits.sort_by(|a, b| a.0.cmp(&b.0));
        hits
    }

    fn owned(expected: &[(&str, f32)]) -> Vec<(String, f32)> {
        expected.iter().map(|(t, s)| (t.to_string(), *s)).collect()
    }

    #[test]
    fn each_term_scores_its_best_kind_of_match() {
        let titles = [
            "chicago", "chicagos", "chicagi", "chicaga", "chiacgo", "chicxgx", "boston",
        ];
        assert_eq!(
            scored(&titles, "chicago", true, 2),
            owned(&[
                ("chiacgo", 0.5),  // a transposition is one typo
                ("chicaga", 0.42), // a is far from o
                ("chicagi", 0.5),  // i is beside o
                ("chicago", 1.0),
                ("chicagos", 0.75), // a prefix, though also one typo
                ("chicxgx", 0.35),
            ])
        );
    }

    #[test]
    fn kinds_a_key_does_not_allow_never_match() {
        let titles = ["chicago", "chicagos", "chicaga"];
        assert_eq!(
            scored(&titles, "chicago", false, 0),
            owned(&[("chicago", 1.0)])
        );
        assert_eq!(
            scored(&titles, "chicago", true, 0),
            owned(&[("chicago", 1.0), ("chicagos", 0.75)])
        );
        // One typo allowed: two are too many, and a longer term is one typo only as
        // one extra letter.
        assert_eq!(
            scored(&["chicago", "chicxgx", "chicagos"], "chicago", false, 1),
            owned(&[("chicago", 1.0), ("chicagos", 0.5)])
        );
    }

    #[test]
    fn a_typo_on_the_first_character_counts_as_two() {
        let titles = [
            "chicago", "xhicago", "hicago", "hcicago", "chicagi", "xhicagi",
        ];
        // One typo allowed: none of it on the first letter, whether changed, left out
        // or swapped with the second.
        assert_eq!(
            scored(&titles, "chicago", false, 1),
            owned(&[("chicagi", 0.5), ("chicago", 1.0)])
        );
        // Two allowed: a first-letter typo alone, counted as the two.
        assert_eq!(
            scored(&titles, "chicago", false, 2),
            owned(&[
                ("chicagi", 0.5),
                ("chicago", 1.0),
                ("hcicago", 0.35),
                ("hicago", 0.35),
                ("xhicago", 0.35),
            ])
        );
    }

    #[test]
    fn the_first_character_is_a_character_not_a_byte() {
        // Raw jamo are three bytes: ㅅ and ㅈ share the first two.
        let titles = ["ㅅㅣㅋㅏㄱㅗ", "ㅈㅣㅋㅏㄱㅗ", "ㅅㅣㅋㅏㄱㅓ"];
        assert_eq!(
            scored(&titles, "ㅅㅣㅋㅏㄱㅗ", false, 1),
            owned(&[("ㅅㅣㅋㅏㄱㅓ", 0.5), ("ㅅㅣㅋㅏㄱㅗ", 1.0)])
        );
        assert_eq!(
            scored(&titles, "ㅅㅣㅋㅏㄱㅗ", false, 2),
            owned(&[
                ("ㅅㅣㅋㅏㄱㅓ", 0.5),
                ("ㅅㅣㅋㅏㄱㅗ", 1.0),
                ("ㅈㅣㅋㅏㄱㅗ", 0.35)
            ])
        );
    }

    #[test]
    fn distances_count_characters_not_bytes() {
        // ㅅㅣㅋㅏㄱㅗ with one jamo changed is one typo, though it is three bytes.
        let titles = ["ㅅㅣㅋㅏㄱㅗ", "ㅅㅣㅎㅏㄱㅗ", "ㅅㅣㅋㅏㄱㅗㄹㅡㄹ"];
        assert_eq!(
            scored(&titles, "ㅅㅣㅋㅏㄱㅗ", true, 1),
            owned(&[
                ("ㅅㅣㅋㅏㄱㅗ", 1.0),
                ("ㅅㅣㅋㅏㄱㅗㄹㅡㄹ", 0.75),
                ("ㅅㅣㅎㅏㄱㅗ", 0.5),
            ])
        );
    }

    #[test]
    fn a_slipped_first_consonant_scores_below_every_cleaner_match() {
        let titles = [
            "ㅁㅏㅌㅏㅎㅏㄹㅣ",       // what was meant: ㅁ slipped to its neighbour ㄴ
            "ㄴㅏㅌㅏㅎㅏㄹㅏ",       // one typo after the first key
            "ㄴㅏㅌㅏㅎㅏㄹㅣㅇㅡㅣ", // what was typed, longer: a prefix
            "ㅁㅏㅌㅏㅎㅏㄹㅣㅇㅡㅣ", // the word meant, longer: no slip
            "ㅁㅏㅌㅏㅎㅏㄹㅏ",       // a slip and a second typo
            "ㅍㅏㅌㅏㅎㅏㄹㅣ",       // ㅍ is no slip of ㄴ
        ];
        let key = "ㄴㅏㅌㅏㅎㅏㄹㅣ";
        assert_eq!(
            scored(&titles, key, true, 1),
            owned(&[
                ("ㄴㅏㅌㅏㅎㅏㄹㅏ", 0.5),
                ("ㄴㅏㅌㅏㅎㅏㄹㅣㅇㅡㅣ", 0.75),
                ("ㅁㅏㅌㅏㅎㅏㄹㅣ", 0.3),
            ])
        );
        // Only where typos count.
        assert_eq!(
            scored(&titles, key, true, 0),
            owned(&[("ㄴㅏㅌㅏㅎㅏㄹㅣㅇㅡㅣ", 0.75)])
        );
    }

    #[test]
    fn slips_walk_the_same_in_either_spelling() {
        let titles = ["ㅁㅏㅌㅏㅎㅏㄹㅣ", "ㄴㅏㅌㅏㅎㅏㄹㅏ"];
        let compact: Vec<String> = titles
            .iter()
            .map(|t| Spelling::Compact.spell(t).into_owned())
            .collect();
        let compact: Vec<&str> = compact.iter().map(String::as_str).collect();
        let key = "ㄴㅏㅌㅏㅎㅏㄹㅣ";
        let query = |titles: &[&str], spelling: Spelling| -> Vec<f32> {
            let mut schema = Schema::builder();
            let field = schema.add_text_field("title", STRING);
            let index = Index::create_in_ram(schema.build());
            let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
            for title in titles {
                writer.add_document(doc!(field => *title)).unwrap();
            }
            writer.commit().unwrap();
            let matcher = Arc::new(Matcher::spelled(key, true, 1, spelling));
            let query = KeyQuery::new(field, matcher, SCORES);
            let searcher = index.reader().unwrap().searcher();
            let mut scores: Vec<f32> = searcher
                .search(&query, &TopDocs::with_limit(10).order_by_score())
                .unwrap()
                .into_iter()
                .map(|(score, _)| score)
                .collect();
            scores.sort_by(f32::total_cmp);
            scores
        };
        assert_eq!(query(&titles, Spelling::Raw), [0.3, 0.5]);
        assert_eq!(query(&compact, Spelling::Compact), [0.3, 0.5]);
    }

    #[test]
    fn matchers_are_built_once_per_key_and_kinds() {
        let mut matchers = Matchers::new(Spelling::Compact);
        let first = matchers.get("chicago", true, 2);
        assert!(Arc::ptr_eq(&first, &matchers.get("chicago", true, 2)));
        assert!(!Arc::ptr_eq(&first, &matchers.get("chicago", false, 2)));
    }
}

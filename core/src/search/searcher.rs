//! Answering searches from the index the indexer writes. Read-only: the api never
//! writes the index and needs no lock for it.
//!
//! The current generation is looked up on each search (one `readlink`), so a rebuild's
//! swap is picked up by itself; within a generation, a search that finds `meta.json`
//! changed (one `stat`) reloads first, so a commit is visible to the very next search.
//! Tantivy's own reload-on-commit polls every 500 ms, a sixth of the freshness budget.
//! No index yet (a fresh install before the first pass) is not an error: searches
//! answer nothing and `status` says why.

use std::cmp::Reverse;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, ReloadPolicy, Score, Searcher, SegmentReader,
    TantivyDocument, Term,
};

use super::analysis;
use super::hangul;
use super::indexing;
use super::key_query::Matchers;
use super::layout::IndexLayout;
use super::query::{self, Interpretation, Required};
use super::reading;
use super::schema::{self, Fields};
use super::spelling::Spelling;
use crate::error::Result;
use crate::posters::Poster;
use crate::search::feed::FeedPosition;

/// Most results a page may ask for.
pub const MAX_LIMIT: usize = 100;
/// Deepest result a search pages to: past this, people refine the query instead.
pub const MAX_OFFSET: usize = 1000;

#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// The order of the results (relevance unless asked otherwise).
    pub sort: SearchSort,
    /// A category as stored (MUSICAL, CONCERT, ...).
    pub category: Option<String>,
    /// Shows with a performance at or after this instant...
    pub from: Option<DateTime<Utc>>,
    /// ...and before this one.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub id: i64,
    pub title: String,
    /// The title, HTML-escaped, with the words that matched the query in `<em>`.
    pub title_highlighted: String,
    pub title_en: Option<String>,
    /// The English title, escaped and marked the same way (les miserables marks
    /// <em>Misérables</em> here).
    pub title_en_highlighted: Option<String>,
    pub artists: Vec<String>,
    pub category: String,
    pub venue: String,
    pub poster_url: Option<String>,
    /// The uploaded poster's copies, as on the show.
    pub poster: Option<Poster>,
    pub booking_opens_at: DateTime<Utc>,
    pub first_starts_at: Option<DateTime<Utc>>,
    pub last_starts_at: Option<DateTime<Utc>>,
    /// UPCOMING (booking not open yet), ON_SALE, or ENDED (no performance left).
    pub booking_state: String,
    pub like_count: i64,
    /// How well the show matches, on one scale for every query: 1.0 is every title word
    /// of the query found exactly (and, for several words, also run together); a prefix
    /// is 0.75 of a word, one typo 0.5 (0.42 when no neighbouring key or similar sound
    /// explains it), a syllable typo 0.46, two typos 0.35, a slipped first consonant
    /// 0.3. Intent and category words add at most 0.04 each and the tie-breaks (title
    /// length, likes) hundredths, so a score may pass 1.0 by a little.
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// How many shows match in all, beyond this page.
    pub total: u64,
    pub hits: Vec<SearchHit>,
    /// Whether the shows found hold every title word of the query, rather than the
    /// half (or the intent words) asked for when none did: what counts as popular.
    #[serde(skip)]
    pub every_word: bool,
    /// What the query found, in the words of the first show found (시카고 for 시하고,
    /// tlzkrh or ㅅㅋㄱ): what popular queries count it as (`reading`). Only on a first
    /// page of shows holding every title word.
    #[serde(skip)]
    pub reading: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub id: i64,
    pub title: String,
    pub title_en: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndexStatus {
    /// False until the indexer has written a first index.
    pub ready: bool,
    pub documents: u64,
    /// The change-feed position the index has caught up to.
    pub indexed_until: Option<DateTime<Utc>>,
}

struct OpenIndex {
    generation: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    loaded: Mutex<Loaded>,
}

/// What the last reload saw.
#[derive(Clone, Copy)]
struct Loaded {
    /// `meta.json`: (modified, length).
    stamp: Option<(SystemTime, u64)>,
    /// How the generation's keys are spelled, read again at each reload: a generation
    /// opened before its first commit learns it from that commit.
    spelling: Spelling,
    /// The watermark of that commit: read once per reload rather than per search, which
    /// asks for it to say whether the index is ready.
    watermark: Option<FeedPosition>,
}

impl OpenIndex {
    /// A searcher on the latest commit, reloading when the indexer has committed since,
    /// and the spelling of its keys.
    fn searcher(&self) -> (Searcher, Spelling) {
        let (searcher, loaded) = self.reloaded();
        (searcher, loaded.spelling)
    }

    /// `searcher`, with what the reload read of the commit.
    fn reloaded(&self) -> (Searcher, Loaded) {
        let stamp = std::fs::metadata(self.generation.join("meta.json"))
            .ok()
            .and_then(|meta| Some((meta.modified().ok()?, meta.len())));
        let mut loaded = self.loaded.lock().expect("reload lock poisoned");
        if stamp.is_none() || stamp != loaded.stamp {
            match self
                .reader
                .reload()
                .map_err(crate::error::Error::from)
                .and_then(|()| {
                    Ok((
                        indexing::spelling(&self.index)?,
                        indexing::watermark(&self.index)?,
                    ))
                }) {
                Ok((spelling, watermark)) => {
                    *loaded = Loaded {
                        stamp,
                        spelling,
                        watermark,
                    }
                }
                // The previous commit still answers; the next search tries again.
                Err(err) => tracing::warn!(error = %err, "search index reload failed"),
            }
        }
        (self.reader.searcher(), *loaded)
    }
}

pub struct ShowSearch {
    layout: IndexLayout,
    open: RwLock<Option<Arc<OpenIndex>>>,
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    /// Best match first (the tie-breaks below).
    #[default]
    Relevance,
    /// Most liked first; equally liked shows by relevance. Every result still matched
    /// the query by the same rules.
    Popular,
}

/// Breaks ties between equal matches: first the shorter name, since the query covers
/// more of it (연극햄릿 matches 햄릿 and 연극 고도 by one morpheme each; 햄릿 is the one
/// meant), then popularity. A name of 20 keys loses 0.03 and a show liked 10,000
/// times gains 0.009, both less than the gap between any two kinds of match (0.04,
/// a likely typo 0.5 to a syllable typo 0.46 to an unlikely typo 0.42): a name only
/// beats a more alike one when it is many times shorter.
/// A name is the title or an alias, whichever has fewer keys (`schema::Fields::name_keys`);
/// an index written before that was recorded counts the title field's keys, aliases and all.
fn tie_breaks(fields: &Fields) -> impl Fn(&SegmentReader) -> Box<dyn Fn(DocId, Score) -> Score> {
    let (title, name_keys) = (fields.title, fields.name_keys);
    move |segment| {
        let likes = segment.fast_fields().i64("like_count").ok();
        let names = name_keys.and_then(|_| segment.fast_fields().i64("name_keys").ok());
        let lengths = segment.get_fieldnorms_reader(title).ok();
        Box::new(move |doc, score| {
            let likes = likes
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(0)
                .max(0);
            let keys = match names.as_ref().and_then(|n| n.first(doc)) {
                Some(keys) => keys.max(1) as u32,
                None => lengths.as_ref().map_or(1, |l| l.fieldnorm(doc)).max(1),
            };
            score + 0.001 * (1.0 + likes as f32).ln() - 0.01 * (keys as f32).ln()
        })
    }
}

/// The page of `query`'s matches in `sort` order, and how many match in all.
fn ranked(
    searcher: &Searcher,
    fields: &Fields,
    query: &dyn Query,
    sort: SearchSort,
    top: TopDocs,
) -> Result<(Vec<(Score, DocAddress)>, usize)> {
    match sort {
        SearchSort::Relevance => page(
            searcher,
            query,
            top.tweak_score(by_id_among_equals(tie_breaks(fields))),
            |(score, _)| score,
        ),
        SearchSort::Popular => page(
            searcher,
            query,
            top.tweak_score(by_id_among_equals(popular_first(fields))),
            |((_, score), _)| score,
        ),
    }
}

/// The hits `top` collects, each with the relevance its ordering key holds, and the
/// count of all matches.
fn page<K>(
    searcher: &Searcher,
    query: &dyn Query,
    top: impl Collector<Fruit = Vec<(K, DocAddress)>>,
    relevance: impl Fn(K) -> Score,
) -> Result<(Vec<(Score, DocAddress)>, usize)> {
    let (hits, total) = searcher.search(query, &(top, Count))?;
    let hits = hits
        .into_iter()
        .map(|(key, address)| (relevance(key), address))
        .collect();
    Ok((hits, total))
}

/// One segment's ordering key for a document and its score.
type SegmentOrder<T> = Box<dyn Fn(DocId, Score) -> T>;

/// Orders what `order` leaves equal by show id, lowest first. Otherwise equals come in
/// the order of the index's documents, which a rebuild's writer threads interleave
/// differently each time: two api nodes, each with its own index, would then page the
/// same results differently.
fn by_id_among_equals<T: 'static>(
    order: impl Fn(&SegmentReader) -> SegmentOrder<T>,
) -> impl Fn(&SegmentReader) -> SegmentOrder<(T, Reverse<i64>)> {
    move |segment| {
        let ids = segment.fast_fields().i64("id").ok();
        let order = order(segment);
        Box::new(move |doc, score| {
            let id = ids.as_ref().and_then(|c| c.first(doc)).unwrap_or(i64::MAX);
            (order(doc, score), Reverse(id))
        })
    }
}

/// Orders by likes, then by the relevance `tie_breaks` gives (which is what the hit
/// reports as its score, as under relevance order).
fn popular_first(
    fields: &Fields,
) -> impl Fn(&SegmentReader) -> Box<dyn Fn(DocId, Score) -> (i64, Score)> {
    let relevance = tie_breaks(fields);
    move |segment| {
        let likes = segment.fast_fields().i64("like_count").ok();
        let relevance = relevance(segment);
        Box::new(move |doc, score| {
            let likes = likes.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
            (likes, relevance(doc, score))
        })
    }
}

impl ShowSearch {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ShowSearch {
            layout: IndexLayout::new(root),
            open: RwLock::new(None),
        }
    }

    pub fn root(&self) -> &Path {
        self.layout.root()
    }

    fn current(&self) -> Result<Option<Arc<OpenIndex>>> {
        let Some(generation) = self.layout.current() else {
            return Ok(None);
        };
        if let Some(open) = self.open.read().expect("search lock poisoned").as_ref() {
            if open.generation == generation {
                return Ok(Some(open.clone()));
            }
        }
        let directory = MmapDirectory::open(&generation).map_err(tantivy::TantivyError::from)?;
        let index = Index::open(directory)?;
        let spelling = indexing::spelling(&index)?;
        schema::register_tokenizers(&index, spelling);
        let loaded = Loaded {
            stamp: None,
            spelling,
            watermark: None,
        };
        let fields = Fields::new(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let open = Arc::new(OpenIndex {
            generation,
            index,
            reader,
            fields,
            loaded: Mutex::new(loaded),
        });
        *self.open.write().expect("search lock poisoned") = Some(open.clone());
        Ok(Some(open))
    }

    pub fn status(&self) -> Result<IndexStatus> {
        let Some(open) = self.current()? else {
            return Ok(IndexStatus {
                ready: false,
                documents: 0,
                indexed_until: None,
            });
        };
        let (searcher, loaded) = open.reloaded();
        Ok(IndexStatus {
            ready: loaded.watermark.is_some(),
            documents: searcher.num_docs(),
            indexed_until: loaded.watermark.map(|w| w.updated_at),
        })
    }

    pub fn search(
        &self,
        text: &str,
        filter: &SearchFilter,
        limit: usize,
        offset: usize,
        now: DateTime<Utc>,
    ) -> Result<SearchResults> {
        let empty = SearchResults {
            total: 0,
            hits: Vec::new(),
            every_word: false,
            reading: None,
        };
        let Some(open) = self.current()? else {
            return Ok(empty);
        };
        let interpretation = query::interpret(text);
        let best = query::best_score(&interpretation);
        let (searcher, spelling) = open.searcher();
        let top =
            || TopDocs::with_limit(limit.clamp(1, MAX_LIMIT)).and_offset(offset.min(MAX_OFFSET));
        // Shows with every title word first; only when there is none, those with half.
        // Intent words naming a category and nothing else ask for that category.
        let mut tiers: Vec<Required> = Vec::with_capacity(2);
        if query::intent_only_query(&interpretation) {
            tiers.push(Required::IntentOnly);
        } else {
            if query::tiers(&interpretation) {
                tiers.push(Required::All);
            }
            tiers.push(Required::Half);
        }
        let mut hits = Vec::new();
        let mut total = 0;
        let mut answered_by = None;
        let tiers_asked = tiers.clone();
        let mut matchers = Matchers::new(spelling);
        for required in tiers {
            let Some(matching) =
                query::build_with(&open.fields, &interpretation, required, &mut matchers)
            else {
                continue;
            };
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, matching)];
            clauses.extend(filter_clauses(&open.fields, filter));
            let query = BooleanQuery::new(clauses);
            (hits, total) = ranked(&searcher, &open.fields, &query, filter.sort, top())?;
            answered_by = Some(required);
            if total > 0 {
                break;
            }
        }
        // Found by the first tier asked: every title word of the query (or its one word).
        let every_word = total > 0 && answered_by == tiers_asked.first().copied();
        let mut reading = None;
        let hits = hits
            .into_iter()
            .enumerate()
            .map(|(rank, (score, address))| {
                let doc: TantivyDocument = searcher.doc(address)?;
                let first_found = rank == 0 && offset == 0 && every_word;
                let (hit, read) = hit(
                    &open.fields,
                    &doc,
                    &interpretation,
                    score / best,
                    now,
                    first_found,
                );
                if read.is_some() {
                    reading = read;
                }
                Ok(hit)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SearchResults {
            total: total as u64,
            hits,
            every_word,
            reading,
        })
    }

    /// As-you-type completion: titles that start with what was typed (in keystrokes,
    /// so a half-typed syllable counts), or whose initials do, best first.
    pub fn suggest(&self, text: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let Some(open) = self.current()? else {
            return Ok(Vec::new());
        };
        let fields = &open.fields;
        let (searcher, spelling) = open.searcher();
        let Some(query) = query::build_suggest(fields, text, spelling) else {
            return Ok(Vec::new());
        };

        let top = TopDocs::with_limit(limit.clamp(1, 20))
            .tweak_score(by_id_among_equals(tie_breaks(fields)));
        let hits: Vec<((Score, Reverse<i64>), DocAddress)> = searcher.search(&query, &top)?;
        hits.into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(Suggestion {
                    id: first_i64(&doc, fields.id),
                    title: first_text(&doc, fields.title).unwrap_or_default(),
                    title_en: first_text(&doc, fields.title_en),
                })
            })
            .collect()
    }
}

fn filter_clauses(fields: &Fields, filter: &SearchFilter) -> Vec<(Occur, Box<dyn Query>)> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(category) = &filter.category {
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(fields.category, category),
                IndexRecordOption::Basic,
            )),
        ));
    }
    if filter.from.is_some() || filter.to.is_some() {
        use std::ops::Bound;
        let bound = |at: Option<DateTime<Utc>>, inclusive: bool| match at {
            Some(at) => {
                let term =
                    Term::from_field_date_for_search(fields.starts_at, schema::tantivy_date(at));
                if inclusive {
                    Bound::Included(term)
                } else {
                    Bound::Excluded(term)
                }
            }
            None => Bound::Unbounded,
        };
        clauses.push((
            Occur::Must,
            Box::new(RangeQuery::new(
                bound(filter.from, true),
                bound(filter.to, false),
            )),
        ));
    }
    clauses
}

fn first_text(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn all_texts(doc: &TantivyDocument, field: tantivy::schema::Field) -> Vec<String> {
    doc.get_all(field)
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn first_i64(doc: &TantivyDocument, field: tantivy::schema::Field) -> i64 {
    doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or(0)
}

fn dates(doc: &TantivyDocument, field: tantivy::schema::Field) -> Vec<DateTime<Utc>> {
    doc.get_all(field)
        .filter_map(|v| v.as_datetime())
        .map(schema::chrono_date)
        .collect()
}

/// A text's words as the indexer cut them (stored beside it), or cut afresh.
fn stored_words(
    doc: &TantivyDocument,
    text: &str,
    stored: Option<tantivy::schema::Field>,
) -> Vec<analysis::Word> {
    stored
        .and_then(|field| first_text(doc, field))
        .and_then(|encoded| analysis::decode_words(&encoded, text))
        .unwrap_or_else(|| analysis::words(text))
}

fn hit(
    fields: &Fields,
    doc: &TantivyDocument,
    interpretation: &Interpretation,
    score: Score,
    now: DateTime<Utc>,
    read: bool,
) -> (SearchHit, Option<String>) {
    let title = first_text(doc, fields.title).unwrap_or_default();
    let starts = dates(doc, fields.starts_at);
    let booking_opens_at = dates(doc, fields.booking_opens_at)
        .first()
        .copied()
        .unwrap_or_default();
    let first_starts_at = starts.iter().min().copied();
    let last_starts_at = starts.iter().max().copied();
    let booking_state = if last_starts_at.is_none_or(|last| last <= now) {
        "ENDED"
    } else if booking_opens_at > now {
        "UPCOMING"
    } else {
        "ON_SALE"
    };
    let title_en = first_text(doc, fields.title_en);
    let marked = |text: &str, stored: Option<tantivy::schema::Field>| {
        let words = stored_words(doc, text, stored);
        let marks = marks(&words, interpretation);
        (words, marks)
    };
    // The title's words and marks serve the highlight and, for the first show
    // found, the search's reading.
    let (title_words, title_marks) = marked(&title, fields.title_words);
    let artists = all_texts(doc, fields.artists);
    let reading = read
        .then(|| reading::of(&title, &title_words, &title_marks, &artists, interpretation))
        .flatten();
    let id = first_i64(doc, fields.id);
    let poster_key = fields.poster_key.and_then(|field| first_text(doc, field));
    let hit = SearchHit {
        id,
        poster: Poster::of(id, poster_key.as_deref()),
        title_highlighted: render_marked(&title, &title_words, &title_marks),
        title_en_highlighted: title_en.as_deref().map(|t| {
            let (words, marks) = marked(t, fields.title_en_words);
            render_marked(t, &words, &marks)
        }),
        title,
        title_en,
        artists,
        category: first_text(doc, fields.category).unwrap_or_default(),
        venue: first_text(doc, fields.venue).unwrap_or_default(),
        poster_url: first_text(doc, fields.poster_url),
        booking_opens_at,
        first_starts_at,
        last_starts_at,
        booking_state: booking_state.to_string(),
        like_count: first_i64(doc, fields.like_count),
        score,
    };
    (hit, reading)
}

/// Marks the title words the query matched, by the same rules as the search.
pub fn highlight(title: &str, interpretation: &Interpretation) -> String {
    highlight_words(title, &analysis::words(title), interpretation)
}

/// `highlight`, with the title's words already cut.
fn highlight_words(
    title: &str,
    words: &[analysis::Word],
    interpretation: &Interpretation,
) -> String {
    render_marked(title, words, &marks(words, interpretation))
}

/// `title` with its `marked` words in `<em>`, HTML-escaped.
fn render_marked(title: &str, words: &[analysis::Word], marked: &[bool]) -> String {
    let mut out = String::with_capacity(title.len() + 16);
    let mut at = 0;
    for (word, mark) in words.iter().zip(marked) {
        if !mark {
            continue;
        }
        escape_into(&mut out, &title[at..word.start]);
        out.push_str("<em>");
        escape_into(&mut out, &title[word.start..word.end]);
        out.push_str("</em>");
        at = word.end;
    }
    escape_into(&mut out, &title[at..]);
    out
}

/// Which of a title's words the query matched, by the same rules as the search.
fn marks(words: &[analysis::Word], interpretation: &Interpretation) -> Vec<bool> {
    let typed_variants: Vec<&String> = interpretation
        .groups
        .iter()
        .filter_map(|g| g.syllable_variant.as_ref())
        .collect();
    let mut marked = vec![false; words.len()];
    let whole: String = words.iter().map(|w| w.normalized.as_str()).collect();
    if let Some(compact) = &interpretation.compact {
        if query::key_match(&hangul::keys(&whole), compact, true).is_some() {
            marked.iter_mut().for_each(|m| *m = true);
        }
    }
    for (word, mark) in words.iter().zip(marked.iter_mut()) {
        if !typed_variants.is_empty() {
            let variants = analysis::word_syllable_variants(&word.normalized);
            *mark |= typed_variants.iter().any(|typed| variants.contains(typed));
        }
        let word_key = hangul::keys(&word.normalized);
        let morpheme_keys: Vec<String> = word.morphemes.iter().map(|m| hangul::keys(m)).collect();
        for group in &interpretation.groups {
            for alternative in &group.alternatives {
                let hit = if alternative.exact_only {
                    word_key == alternative.key || morpheme_keys.contains(&alternative.key)
                } else {
                    std::iter::once(&word_key).chain(&morpheme_keys).any(|key| {
                        query::key_match(key, &alternative.key, alternative.prefix).is_some()
                    })
                };
                *mark |= hit;
            }
        }
    }
    // Initials cover words from the start of the title, as far as they go.
    for initials in interpretation
        .groups
        .iter()
        .filter_map(|g| g.initials.as_deref())
    {
        let mut typed = initials;
        for (word, mark) in words.iter().zip(marked.iter_mut()) {
            let word_initials = hangul::initials(&word.normalized);
            let matched = typed
                .char_indices()
                .zip(word_initials.chars())
                .take_while(|((_, a), b)| a == b)
                .count();
            if matched == 0 {
                break;
            }
            *mark = true;
            typed = &typed[typed
                .char_indices()
                .nth(matched)
                .map_or(typed.len(), |(i, _)| i)..];
            if typed.is_empty() || matched < word_initials.chars().count() {
                break;
            }
        }
    }
    marked
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_marks_exact_typo_and_particle_matches() {
        let marked = |title: &str, q: &str| highlight(title, &query::interpret(q));
        assert_eq!(marked("뮤지컬 시카고", "시하고"), "뮤지컬 <em>시카고</em>");
        assert_eq!(
            marked("뮤지컬 시카고", "시카고를"),
            "뮤지컬 <em>시카고</em>"
        );
        assert_eq!(marked("레미제라블", "레미제라볼"), "<em>레미제라블</em>");
        assert_eq!(
            marked("오페라의 유령", "오페라의유령"),
            "<em>오페라의</em> <em>유령</em>"
        );
        assert_eq!(
            marked("오페라의 유령", "ㅇㅍㄹㅇ"),
            "<em>오페라의</em> 유령"
        );
        assert_eq!(
            marked("Les Misérables <25>", "miserables"),
            "Les <em>Misérables</em> &lt;25&gt;"
        );
        assert_eq!(marked("시카고", "햄릿"), "시카고");
        assert_eq!(marked("뮤지컬 시카고", "시고카"), "뮤지컬 <em>시카고</em>");
        assert_eq!(
            marked("Les Misérables", "les miserables"),
            "<em>Les</em> <em>Misérables</em>"
        );
    }
}

//! The search index's schema and how a show becomes a document.
//!
//! Titles and English titles are indexed as keystroke spellings of their words, stems
//! and compact whole, the other morphemes of a title's words (pieces) in a field of
//! their own (see `analysis`), artists by their whole names (words and the compact
//! whole), venues by all their keys, titles also as initial consonants. Everything a
//! result list shows is stored, so a search never touches
//! MariaDB. `updated_at` is kept so the indexer can tell an unchanged show from a changed
//! one when it re-reads its overlap window.

use chrono::{DateTime, Utc};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, TantivyDocument};

use super::analysis;
use super::spelling::Spelling;
use super::tokenizer::{
    KeyKind, KeysTokenizer, INITIAL_KEYS, MATCH_KEYS, NAME_KEYS, PIECE_KEYS, WORD_KEYS,
};

/// One show as search sees it: what the indexer reads from MariaDB.
#[derive(Debug, Clone, PartialEq)]
pub struct ShowDocument {
    pub id: i64,
    pub title: String,
    pub title_en: Option<String>,
    pub artists: Vec<String>,
    /// What fans call the show: indexed as more values of the title, so they match as
    /// titles do (typos, initials, syllable variants) at no cost to a search.
    pub aliases: Vec<String>,
    pub venue: String,
    pub category: String,
    pub poster_url: Option<String>,
    /// The uploaded poster's key (`posters`).
    pub poster_key: Option<String>,
    pub booking_opens_at: DateTime<Utc>,
    /// Start times of the schedules, in order.
    pub starts_at: Vec<DateTime<Utc>>,
    pub like_count: i64,
    pub updated_at: DateTime<Utc>,
}

/// The fields of the index, resolved once.
#[derive(Clone, Debug)]
pub struct Fields {
    pub id: Field,
    pub updated_at: Field,
    pub title: Field,
    /// The morphemes of the title's words that are not the word's stem
    /// (`analysis::piece_keys`). None in an index written before it existed, whose
    /// title field holds them.
    pub title_pieces: Option<Field>,
    /// The title's keys matched only exactly: initial consonants and syllable variants
    /// (the field keeps its first name, which its older indexes were written with).
    pub title_initials: Field,
    pub title_en: Field,
    pub artists: Field,
    /// The venue's name as match keys (샤롯데 시카고). None in an index written before
    /// it existed: such a generation keeps answering, without venues, until the
    /// rebuild its old `ANALYSIS_VERSION` causes replaces it.
    pub venue_keys: Option<Field>,
    pub venue: Field,
    pub category: Field,
    pub poster_url: Field,
    /// None in an index written before posters were uploaded (analysis 8 and older).
    pub poster_key: Option<Field>,
    pub booking_opens_at: Field,
    pub starts_at: Field,
    pub like_count: Field,
    /// How many match keys the show's shortest name has (its title or an alias): what
    /// equal matches are ordered by. None in an index written before it existed, which
    /// orders them by the title field's length instead.
    pub name_keys: Option<Field>,
    /// The title's and English title's words as the indexer cut them
    /// (`analysis::encode_words`), read back to highlight a hit. None in an index
    /// written before they were stored: hits are then cut again.
    pub title_words: Option<Field>,
    pub title_en_words: Option<Field>,
}

/// Keys need no frequencies or positions: a key either matches or not, and ranking is
/// by the kind of match (exact, prefix, typo), not by BM25.
fn keys_options(tokenizer: &str, stored: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::Basic),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

pub fn schema() -> Schema {
    let mut builder = Schema::builder();
    builder.add_i64_field("id", INDEXED | STORED | FAST);
    builder.add_i64_field("updated_at", STORED | FAST);
    builder.add_text_field("title", keys_options(WORD_KEYS, true));
    builder.add_text_field("title_initials", keys_options(INITIAL_KEYS, false));
    builder.add_text_field("title_en", keys_options(WORD_KEYS, true));
    builder.add_text_field("artists", keys_options(NAME_KEYS, true));
    builder.add_text_field("venue_keys", keys_options(MATCH_KEYS, false));
    builder.add_text_field("venue", STORED);
    builder.add_text_field("category", STRING | STORED);
    builder.add_text_field("poster_url", STORED);
    builder.add_text_field("poster_key", STORED);
    builder.add_date_field("booking_opens_at", STORED);
    builder.add_date_field("starts_at", INDEXED | STORED | FAST);
    builder.add_i64_field("like_count", STORED | FAST);
    builder.add_i64_field("name_keys", FAST);
    builder.add_text_field("title_words", STORED);
    builder.add_text_field("title_en_words", STORED);
    builder.add_text_field("title_pieces", keys_options(PIECE_KEYS, false));
    builder.build()
}

impl Fields {
    pub fn new(schema: &Schema) -> tantivy::Result<Fields> {
        Ok(Fields {
            id: schema.get_field("id")?,
            updated_at: schema.get_field("updated_at")?,
            title: schema.get_field("title")?,
            title_pieces: schema.get_field("title_pieces").ok(),
            title_initials: schema.get_field("title_initials")?,
            title_en: schema.get_field("title_en")?,
            artists: schema.get_field("artists")?,
            venue_keys: schema.get_field("venue_keys").ok(),
            venue: schema.get_field("venue")?,
            category: schema.get_field("category")?,
            poster_url: schema.get_field("poster_url")?,
            poster_key: schema.get_field("poster_key").ok(),
            booking_opens_at: schema.get_field("booking_opens_at")?,
            starts_at: schema.get_field("starts_at")?,
            like_count: schema.get_field("like_count")?,
            name_keys: schema.get_field("name_keys").ok(),
            title_words: schema.get_field("title_words").ok(),
            title_en_words: schema.get_field("title_en_words").ok(),
        })
    }
}

/// Every index, created or opened, must know the key tokenizers before it reads or
/// writes a document, with the spelling its keys are written in.
pub fn register_tokenizers(index: &Index, spelling: Spelling) {
    let tokenizers = index.tokenizers();
    tokenizers.register(
        MATCH_KEYS,
        TextAnalyzer::from(KeysTokenizer::new(KeyKind::Match, spelling)),
    );
    tokenizers.register(
        WORD_KEYS,
        TextAnalyzer::from(KeysTokenizer::new(KeyKind::Words, spelling)),
    );
    tokenizers.register(
        PIECE_KEYS,
        TextAnalyzer::from(KeysTokenizer::new(KeyKind::Pieces, spelling)),
    );
    tokenizers.register(
        NAME_KEYS,
        TextAnalyzer::from(KeysTokenizer::new(KeyKind::Names, spelling)),
    );
    tokenizers.register(
        INITIAL_KEYS,
        TextAnalyzer::from(KeysTokenizer::new(KeyKind::Initials, spelling)),
    );
}

pub fn tantivy_date(at: DateTime<Utc>) -> tantivy::DateTime {
    tantivy::DateTime::from_timestamp_micros(at.timestamp_micros())
}

pub fn chrono_date(at: tantivy::DateTime) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.into_timestamp_micros()).unwrap_or_default()
}

pub fn to_document(fields: &Fields, show: &ShowDocument) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_i64(fields.id, show.id);
    doc.add_i64(fields.updated_at, show.updated_at.timestamp_micros());
    // The title first: a hit shows the first value.
    doc.add_text(fields.title, &show.title);
    doc.add_text(fields.title_initials, &show.title);
    for alias in &show.aliases {
        doc.add_text(fields.title, alias);
        doc.add_text(fields.title_initials, alias);
    }
    if let Some(title_pieces) = fields.title_pieces {
        for name in std::iter::once(&show.title).chain(&show.aliases) {
            doc.add_text(title_pieces, name);
        }
    }
    if let Some(title_en) = &show.title_en {
        doc.add_text(fields.title_en, title_en);
    }
    for artist in &show.artists {
        doc.add_text(fields.artists, artist);
    }
    doc.add_text(fields.venue, &show.venue);
    if let Some(venue_keys) = fields.venue_keys {
        doc.add_text(venue_keys, &show.venue);
    }
    doc.add_text(fields.category, &show.category);
    if let Some(poster_url) = &show.poster_url {
        doc.add_text(fields.poster_url, poster_url);
    }
    if let (Some(field), Some(key)) = (fields.poster_key, &show.poster_key) {
        doc.add_text(field, key);
    }
    doc.add_date(fields.booking_opens_at, tantivy_date(show.booking_opens_at));
    for starts_at in &show.starts_at {
        doc.add_date(fields.starts_at, tantivy_date(*starts_at));
    }
    doc.add_i64(fields.like_count, show.like_count);
    if let Some(name_keys) = fields.name_keys {
        doc.add_i64(name_keys, shortest_name_keys(show));
    }
    if let Some(title_words) = fields.title_words {
        doc.add_text(
            title_words,
            analysis::encode_words(&analysis::words(&show.title)),
        );
    }
    if let (Some(title_en_words), Some(title_en)) = (fields.title_en_words, &show.title_en) {
        doc.add_text(
            title_en_words,
            analysis::encode_words(&analysis::words(title_en)),
        );
    }
    doc
}

/// The match keys of the show's shortest name. Equal matches go to the show whose name
/// the query covers most, and aliases are more values of the title field, so the
/// field's length would count a show's every name against it: 어유 (오유 with one key
/// wrong) would find every short title with 우유 before 오페라의 유령, whose alias 오유
/// it is one key from. A show answers to each of its names, so its shortest counts.
fn shortest_name_keys(show: &ShowDocument) -> i64 {
    std::iter::once(&show.title)
        .chain(&show.aliases)
        .map(|name| analysis::match_keys(name).len())
        .min()
        .unwrap_or(1)
        .max(1) as i64
}

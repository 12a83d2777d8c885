//! Typo-tolerant show search: Korean analysis, the index schema, the indexing pass and
//! the searcher. Both binaries use it: the indexer writes the index, the api reads it.

pub mod analysis;
pub mod blocklist;
pub mod edits;
pub mod feed;
pub mod hangul;
pub mod indexing;
pub mod key_query;
pub mod layout;
#[cfg(test)]
mod matching_tests;
pub mod query;
pub mod reading;
pub mod schema;
pub mod searcher;
pub mod slips;
pub mod spelling;
pub mod tokenizer;
pub mod trends;
pub mod vocabulary;

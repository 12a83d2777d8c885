//! The indexing pass: shows changed in MariaDB since the last pass, into the index.
//!
//! The watermark (the last `(updated_at, id)` indexed) is the Tantivy commit payload,
//! so the index and its watermark move in one commit: a crash before a commit loses
//! that page's work and the watermark with it, and the next pass redoes the page; a
//! crash after it loses nothing. Each page is committed on its own, so a long pass
//! that dies half-way resumes where it stopped.
//!
//! A transaction can commit after others that set a later `updated_at`; its row would
//! land behind the watermark. Each pass therefore re-reads `overlap` before the
//! watermark. Re-reading is cheap and changes nothing: a show whose indexed
//! `updated_at` equals the row's is skipped, so nothing is re-indexed that did not
//! change.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::MySqlPool;
use tantivy::directory::MmapDirectory;
use tantivy::{DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, Term, TERMINATED};

use super::layout::{IndexLayout, WriterLock};
use super::schema::{self, Fields};
use super::spelling::Spelling;
use crate::error::{Error, Result};
use crate::search::feed::{self, Change, FeedPosition};

/// Memory for the Tantivy writer: enough for large pages, small beside the api.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct PassOptions {
    /// Shows read and committed per page.
    pub page_size: u32,
    /// How far before the watermark each pass looks again for late commits.
    pub overlap: Duration,
    /// Stop after this many pages (the next pass goes on from there).
    pub max_pages: Option<usize>,
}

impl Default for PassOptions {
    fn default() -> Self {
        PassOptions {
            page_size: 1000,
            overlap: Duration::from_secs(10),
            max_pages: None,
        }
    }
}

/// What a pass did, for its log line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassReport {
    pub upserted: u64,
    pub deleted: u64,
    /// Rows read again (overlap, or unchanged) that needed nothing.
    pub unchanged: u64,
    pub pages: usize,
    /// Whether the pass re-indexed everything into a new generation.
    pub rebuilt: bool,
    pub watermark: Option<FeedPosition>,
    pub elapsed: Duration,
}

/// Which analysis wrote an index's keys. Bump it whenever a show's keys change for the
/// same text (new kinds of keys, other normalization): the next pass then rebuilds the
/// index, since the shows already in it would never be re-read otherwise.
/// 1: whole-title initials marked with `analysis::WHOLE_TEXT`.
/// 2: syllable variants (`analysis::SYLLABLE_VARIANT`) beside the initials.
/// 3: venue names as match keys (a new field: older generations open without it).
/// 4: keys spelled one byte per jamo (`spelling::Spelling::Compact`).
/// 5: the keys of a show's shortest name (`name_keys`, a new field) for ties, and the
///    titles' words stored for highlighting (`title_words`, `title_en_words`).
/// 6: syllable swaps of two-syllable words (`analysis::syllable_variant_keys`).
/// 7: artists keyed by their whole names, without ko-dic's pieces
///    (`analysis::name_keys`, a tokenizer of its own).
/// 8: the pieces of title words in a field of their own (`title_pieces`), below whole
///    words.
/// 9: the uploaded poster's key stored (`poster_key`, a new field), so results draw it.
pub const ANALYSIS_VERSION: u32 = 9;

/// The first analysis version that spells keys one byte per jamo.
const COMPACT_SPELLING_SINCE: u32 = 4;

#[derive(Serialize, Deserialize)]
struct Payload {
    updated_at: DateTime<Utc>,
    id: i64,
    /// Absent in indexes written before versions were recorded: 0.
    #[serde(default)]
    analysis: u32,
}

/// Whether the index's keys were written by this analysis; an index with no commit
/// yet has no keys to be stale.
fn current_analysis(index: &Index) -> Result<bool> {
    let metas = index.load_metas()?;
    Ok(match metas.payload.as_deref() {
        None => true,
        Some(payload) => {
            serde_json::from_str::<Payload>(payload).is_ok_and(|p| p.analysis == ANALYSIS_VERSION)
        }
    })
}

/// How the index's keys are spelled: as its analysis version wrote them. An index with
/// no commit yet is written from now on, in today's spelling.
pub fn spelling(index: &Index) -> Result<Spelling> {
    let metas = index.load_metas()?;
    Ok(match metas.payload.as_deref() {
        None => Spelling::default(),
        Some(payload) => serde_json::from_str::<Payload>(payload)
            .map_or(Spelling::Raw, |p| spelling_of(p.analysis)),
    })
}

/// The spelling analysis version `analysis` wrote keys in.
pub fn spelling_of(analysis: u32) -> Spelling {
    if analysis >= COMPACT_SPELLING_SINCE {
        Spelling::Compact
    } else {
        Spelling::Raw
    }
}

/// The watermark stored with the index's last commit.
pub fn watermark(index: &Index) -> Result<Option<FeedPosition>> {
    let metas = index.load_metas()?;
    Ok(metas
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str::<Payload>(p).ok())
        .map(|p| FeedPosition {
            updated_at: p.updated_at,
            id: p.id,
        }))
}

fn payload(position: FeedPosition) -> String {
    serde_json::to_string(&Payload {
        updated_at: position.updated_at,
        id: position.id,
        analysis: ANALYSIS_VERSION,
    })
    .expect("a payload always serializes")
}

/// Opens the index in `path` with the schema it was written with, or creates an empty
/// one with today's schema. An older schema opens as it is (its analysis version then
/// asks for a rebuild into a new generation), rather than failing the indexer and the
/// searches it serves until someone deletes the index by hand.
pub fn open_or_create(path: &Path) -> Result<Index> {
    let directory = MmapDirectory::open(path).map_err(tantivy::TantivyError::from)?;
    let index = if Index::exists(&directory).map_err(tantivy::TantivyError::from)? {
        Index::open(directory)?
    } else {
        Index::create(
            directory,
            schema::schema(),
            tantivy::IndexSettings::default(),
        )?
    };
    schema::register_tokenizers(&index, spelling(&index)?);
    Ok(index)
}

/// The only writer of an index directory.
pub struct Indexer {
    layout: IndexLayout,
    lock: WriterLock,
    generation: PathBuf,
    index: Index,
    fields: Fields,
    writer: Arc<Mutex<IndexWriter>>,
    reader: IndexReader,
}

impl Indexer {
    /// Takes the writer lock (or fails with `IndexLocked`) and opens the current
    /// generation, creating a first, empty one when there is none.
    pub fn open(root: impl Into<PathBuf>) -> Result<Indexer> {
        let layout = IndexLayout::new(root);
        let lock = layout.lock_writer()?;
        let generation = match layout.current() {
            Some(generation) => generation,
            None => {
                let generation = layout.new_generation(&lock)?;
                open_or_create(&generation)?;
                layout.make_current(&lock, &generation)?;
                generation
            }
        };
        let (index, fields, writer, reader) = open_for_writing(&generation, 1)?;
        Ok(Indexer {
            layout,
            lock,
            generation,
            index,
            fields,
            writer,
            reader,
        })
    }

    pub fn watermark(&self) -> Result<Option<FeedPosition>> {
        watermark(&self.index)
    }

    pub fn generation(&self) -> &Path {
        &self.generation
    }

    /// Indexes what changed since the watermark, page by page; rebuilds instead when
    /// an older analysis wrote the index.
    pub async fn run_pass(&mut self, pool: &MySqlPool, options: PassOptions) -> Result<PassReport> {
        if !current_analysis(&self.index)? {
            return self.rebuild(pool, options.page_size, |_, _| {}).await;
        }
        let started = Instant::now();
        let previous = self.watermark()?;
        let overlap = chrono::Duration::from_std(options.overlap)
            .map_err(|_| Error::internal("overlap out of range"))?;
        let mut cursor = previous
            .map(|w| FeedPosition {
                updated_at: w.updated_at - overlap,
                id: 0,
            })
            .unwrap_or_default();
        let mut report = PassReport {
            watermark: previous,
            ..PassReport::default()
        };
        loop {
            if options.max_pages.is_some_and(|max| report.pages >= max) {
                break;
            }
            let changes = feed::changed_after(pool, cursor, options.page_size).await?;
            let Some(last) = changes.last() else {
                break;
            };
            cursor = last.position;
            let searcher = self.reader.searcher();
            let mut touched = false;
            {
                let writer = self.writer.lock().expect("writer lock poisoned");
                for change in &changes {
                    let indexed = indexed_version(&searcher, &self.fields, change.position.id)?;
                    touched |= apply(&writer, &self.fields, change, indexed, &mut report)?;
                }
            }
            let moved = report.watermark.is_none_or(|w| cursor > w);
            if moved {
                report.watermark = Some(cursor);
            }
            if touched || moved {
                self.commit(report.watermark).await?;
            }
            report.pages += 1;
            if changes.len() < options.page_size as usize {
                break;
            }
        }
        if report.watermark.is_none() {
            // An empty catalog is indexed too: mark the index as caught up so readers
            // can tell "nothing to find" from "not indexed yet".
            report.watermark = Some(FeedPosition::default());
            self.commit(report.watermark).await?;
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Re-indexes every visible show into a fresh generation and swaps it in. The
    /// watermark becomes the database clock read before the first page, so the next
    /// pass picks up whatever changed while the rebuild ran.
    pub async fn rebuild(
        &mut self,
        pool: &MySqlPool,
        page_size: u32,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<PassReport> {
        let started = Instant::now();
        let since = feed::database_now(pool).await?;
        let total = feed::visible_count(pool).await?;
        let generation = self.layout.new_generation(&self.lock)?;
        open_or_create(&generation)?;
        let (index, fields, writer, _) = open_for_writing(&generation, REBUILD_THREADS)?;
        // The one merge is `merge_into_one`'s: a merge the policy started on the same
        // segments would make one of the two fail, and the rebuild with it.
        writer
            .lock()
            .expect("writer lock poisoned")
            .set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        let mut report = PassReport::default();
        let mut after_id = 0;
        loop {
            let changes = feed::visible_after(pool, after_id, page_size).await?;
            let Some(last) = changes.last() else {
                break;
            };
            after_id = last.position.id;
            {
                let writer = writer.lock().expect("writer lock poisoned");
                for document in changes.iter().filter_map(|c| c.document.as_ref()) {
                    // A fresh generation holds no earlier version to delete.
                    writer.add_document(schema::to_document(&fields, document))?;
                    report.upserted += 1;
                }
            }
            report.pages += 1;
            progress(report.upserted, total);
            if changes.len() < page_size as usize {
                break;
            }
        }
        let position = FeedPosition {
            updated_at: since,
            id: 0,
        };
        commit_with(&writer, Some(position)).await?;
        merge_into_one(&index, writer).await?;
        let (index, fields, writer, reader) = open_for_writing(&generation, 1)?;
        reader.reload()?;
        self.layout.make_current(&self.lock, &generation)?;
        // The old writer goes with the old generation.
        self.generation = generation;
        self.index = index;
        self.fields = fields;
        self.writer = writer;
        self.reader = reader;
        report.watermark = Some(position);
        report.rebuilt = true;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    async fn commit(&mut self, watermark: Option<FeedPosition>) -> Result<()> {
        commit_with(&self.writer, watermark).await?;
        self.reader.reload()?;
        Ok(())
    }
}

/// Writer threads for a rebuild. Each thread tokenizes the documents it takes, which is
/// most of a rebuild's work, and writes its own segment; `merge_into_one` then joins
/// them. Passes keep one thread: their pages are small, and one thread makes one
/// segment per commit.
const REBUILD_THREADS: usize = 2;

/// `threads` writer threads with `WRITER_MEMORY` each.
fn open_for_writing(
    generation: &Path,
    threads: usize,
) -> Result<(Index, Fields, Arc<Mutex<IndexWriter>>, IndexReader)> {
    let index = open_or_create(generation)?;
    let fields = Fields::new(&index.schema())?;
    let writer = index.writer_with_num_threads(threads, WRITER_MEMORY * threads)?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    Ok((index, fields, Arc::new(Mutex::new(writer)), reader))
}

/// Commits with the watermark as payload. Tantivy commits block on disk, so they run
/// on the blocking pool.
async fn commit_with(
    writer: &Arc<Mutex<IndexWriter>>,
    watermark: Option<FeedPosition>,
) -> Result<()> {
    let writer = writer.clone();
    tokio::task::spawn_blocking(move || -> Result<()> {
        let mut writer = writer.lock().expect("writer lock poisoned");
        let mut prepared = writer.prepare_commit()?;
        if let Some(position) = watermark {
            prepared.set_payload(&payload(position));
        }
        prepared.commit()?;
        Ok(())
    })
    .await
    .map_err(|err| Error::internal(format!("commit task: {err}")))?
}

/// Merges a rebuilt generation's segments into one before it serves: a search walks
/// each segment's term dictionaries, so one segment answers fastest, and the merge
/// policy would leave a few large segments as they are. Consumes the writer, whose
/// threads end with the merge; the merge keeps the commit's payload.
async fn merge_into_one(index: &Index, writer: Arc<Mutex<IndexWriter>>) -> Result<()> {
    let segments = index.searchable_segment_ids()?;
    let writer = Arc::into_inner(writer)
        .ok_or_else(|| Error::internal("rebuild writer still shared"))?
        .into_inner()
        .expect("writer lock poisoned");
    tokio::task::spawn_blocking(move || -> Result<()> {
        let mut writer = writer;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        Ok(())
    })
    .await
    .map_err(|err| Error::internal(format!("merge task: {err}")))?
}

/// Applies one change; returns whether the index changed.
fn apply(
    writer: &IndexWriter,
    fields: &Fields,
    change: &Change,
    indexed: Option<i64>,
    report: &mut PassReport,
) -> Result<bool> {
    let id_term = Term::from_field_i64(fields.id, change.position.id);
    match &change.document {
        None if indexed.is_some() => {
            writer.delete_term(id_term);
            report.deleted += 1;
            Ok(true)
        }
        None => {
            report.unchanged += 1;
            Ok(false)
        }
        Some(document) if indexed == Some(document.updated_at.timestamp_micros()) => {
            report.unchanged += 1;
            Ok(false)
        }
        Some(document) => {
            writer.delete_term(id_term);
            writer.add_document(schema::to_document(fields, document))?;
            report.upserted += 1;
            Ok(true)
        }
    }
}

/// The `updated_at` (micros) of the show as indexed, if it is.
pub fn indexed_version(searcher: &Searcher, fields: &Fields, id: i64) -> Result<Option<i64>> {
    let term = Term::from_field_i64(fields.id, id);
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.id)?;
        let Some(mut postings) =
            inverted.read_postings(&term, tantivy::schema::IndexRecordOption::Basic)?
        else {
            continue;
        };
        let versions = segment.fast_fields().i64("updated_at")?;
        let mut doc = postings.doc();
        while doc != TERMINATED {
            if segment.is_deleted(doc) {
                doc = postings.advance();
                continue;
            }
            return Ok(versions.first(doc));
        }
    }
    Ok(None)
}

//! This process's copies of poster images, by show and width, so a page of cards costs
//! the database nothing after the first view. Bounded by bytes (a 480-pixel copy is
//! tens of kilobytes), and checked against the address's key on every use: another
//! node may have replaced the poster, and a copy made from one poster is never served
//! at another's address. A poster taken down is gone from the node that took it down
//! at once, and from the others' caches within `TIME_TO_LIVE`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use marquee_core::posters::{store, WIDTHS};
use marquee_core::Error;
use sqlx::MySqlPool;

/// About 3,000 shows' card-size copies.
const CAPACITY_BYTES: u64 = 128 * 1024 * 1024;
/// How long another node may go on serving a poster that was taken down.
const TIME_TO_LIVE: Duration = Duration::from_secs(60);

/// One copy of a poster under the key of the poster it was made from.
pub struct PosterCopy {
    pub key: String,
    pub jpeg: Bytes,
}

/// A show's copy at one width as last read (none when it had no poster then), and when.
#[derive(Clone)]
struct Entry {
    copy: Option<Arc<PosterCopy>>,
    read_at: Instant,
}

/// How old a cached read must be before an address naming another key reads the
/// database again: a replaced poster reaches this node within it, and addresses with
/// made-up keys cost at most one read per show and width in it.
const REREAD_AFTER: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct PosterCache {
    copies: moka::future::Cache<(i64, u32), Entry>,
}

impl Default for PosterCache {
    fn default() -> Self {
        PosterCache {
            copies: moka::future::Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .time_to_live(TIME_TO_LIVE)
                .weigher(|_, entry: &Entry| {
                    // An empty entry still costs its key, its slot and the map's share.
                    entry.copy.as_ref().map_or(256, |copy| {
                        u32::try_from(copy.jpeg.len() + copy.key.len() + 256).unwrap_or(u32::MAX)
                    })
                })
                .build(),
        }
    }
}

/// What `upload::key_of` makes: sixteen lower-case hex digits.
fn is_key(key: &str) -> bool {
    key.len() == 16
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl PosterCache {
    /// Forgets the show's copies: its poster was replaced or taken down here.
    pub async fn forget(&self, show_id: i64) {
        for width in WIDTHS {
            self.copies.invalidate(&(show_id, width)).await;
        }
    }

    /// The copy at this address, if it is the show's current poster at a width copies
    /// are made at. Concurrent misses of one copy read the database once.
    pub async fn get(
        &self,
        pool: &MySqlPool,
        show_id: i64,
        key: &str,
        width: u32,
    ) -> Result<Option<Arc<PosterCopy>>, Arc<Error>> {
        if !WIDTHS.contains(&width) || show_id <= 0 || !is_key(key) {
            return Ok(None);
        }
        let at = (show_id, width);
        let load = || async move {
            let copy = store::copy(pool, show_id, width).await?.map(|(key, jpeg)| {
                Arc::new(PosterCopy {
                    key,
                    jpeg: Bytes::from(jpeg),
                })
            });
            Ok::<Entry, Error>(Entry {
                copy,
                read_at: Instant::now(),
            })
        };
        let entry = self.copies.try_get_with(at, load()).await?;
        let names = |entry: &Entry| entry.copy.clone().filter(|copy| copy.key == key);
        if let Some(copy) = names(&entry) {
            return Ok(Some(copy));
        }
        if entry.read_at.elapsed() < REREAD_AFTER {
            return Ok(None);
        }
        // Read a while ago, and this address names another poster (uploaded since, or
        // replaced): read again, and serve only what the address names.
        self.copies.invalidate(&at).await;
        let entry = self.copies.try_get_with(at, load()).await?;
        Ok(names(&entry))
    }
}

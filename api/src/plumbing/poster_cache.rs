//! This process's copies of poster images, by show and width, so a page of cards costs
//! the database nothing after the first view. Bounded by bytes (a 480-pixel copy is
//! tens of kilobytes), and checked against the address's key on every use: another
//! node may have replaced the poster, and a copy made from one poster is never served
//! at another's address. A poster taken down is gone from the node that took it down
//! at once, and from the others' caches within `TIME_TO_LIVE`.

use std::sync::Arc;
use std::time::Duration;

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

/// A show's copy at one width as last read: none when it had no poster then.
type Entry = Option<Arc<PosterCopy>>;

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
                    entry.as_ref().map_or(1, |copy| {
                        u32::try_from(copy.jpeg.len() + copy.key.len()).unwrap_or(u32::MAX)
                    })
                })
                .build(),
        }
    }
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
        if !WIDTHS.contains(&width) {
            return Ok(None);
        }
        let at = (show_id, width);
        let load = || async move {
            Ok::<Entry, Error>(store::copy(pool, show_id, width).await?.map(|(key, jpeg)| {
                Arc::new(PosterCopy {
                    key,
                    jpeg: Bytes::from(jpeg),
                })
            }))
        };
        let entry = self.copies.try_get_with(at, load()).await?;
        if matches!(&entry, Some(copy) if copy.key == key) {
            return Ok(entry);
        }
        // Read before this poster was uploaded (or after it was replaced): read again
        // once, and serve only what the address names.
        self.copies.invalidate(&at).await;
        let entry = self.copies.try_get_with(at, load()).await?;
        Ok(entry.filter(|copy| copy.key == key))
    }
}

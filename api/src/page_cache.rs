//! A short-lived, coalescing cache of the public catalog's answers: the show list, the
//! show page and the seat map, the pages a crowd refreshes at an on-sale.
//!
//! Why a cache and not only better queries: a 20,000-seat performance's availability
//! is 20,000 rows to count and its seat map 1.6 MB of JSON to write, on every refresh,
//! by thousands of people at once. Here one request per page per process does that
//! work each `CATALOG_CACHE_TTL_MS` (default 1 s); everyone asking meanwhile, including
//! those who arrive while it is being loaded, gets the same encoded bytes, gzipped once
//! for clients that accept gzip (every browser).
//!
//! What it costs: what these pages show may be up to the TTL old. They are displays;
//! what decides a seat is the hold, which reads MySQL and refuses a seat someone took
//! meanwhile (409 `SEAT_UNAVAILABLE`). Holds, purchases and refunds do not clear the
//! cache (at an on-sale that would be every few milliseconds); a catalog write made
//! through this process does, so an admin sees their change at once (other processes
//! within the TTL). Failures and unknown ids are never cached. A TTL of 0 turns the
//! cache off: every request reads the database and answers plain JSON.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use marquee_core::catalog::Category;
use marquee_core::Error as CoreError;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};

/// The most memory the cached answers may take (their identity and gzip bytes): a
/// 20,000-seat map is about 1.8 MB of it.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Which answer an entry is: the request's inputs after validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageKey {
    List {
        category: Option<Category>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        limit: u32,
        offset: u32,
    },
    Show(i64),
    Seats {
        show_id: i64,
        schedule_id: i64,
    },
}

impl PageKey {
    fn kind(&self) -> &'static str {
        match self {
            PageKey::List { .. } => "list",
            PageKey::Show(_) => "show",
            PageKey::Seats { .. } => "seats",
        }
    }
}

/// One answer, encoded once.
struct Encoded {
    identity: Bytes,
    gzip: Bytes,
}

impl Encoded {
    fn new(value: &impl Serialize) -> Result<Self, CoreError> {
        use std::io::Write;
        let identity = serde_json::to_vec(value)
            .map_err(|err| CoreError::internal(format!("encoding a page: {err}")))?;
        let mut gzip = flate2::write::GzEncoder::new(
            Vec::with_capacity(identity.len() / 8),
            flate2::Compression::default(),
        );
        gzip.write_all(&identity)
            .map_err(|err| CoreError::internal(format!("compressing a page: {err}")))?;
        let gzip = gzip
            .finish()
            .map_err(|err| CoreError::internal(format!("compressing a page: {err}")))?;
        Ok(Encoded {
            identity: identity.into(),
            gzip: gzip.into(),
        })
    }

    fn weight(&self) -> u32 {
        u32::try_from(self.identity.len() + self.gzip.len()).unwrap_or(u32::MAX)
    }

    fn response(&self, gzip: bool) -> Response {
        let json = HeaderValue::from_static("application/json");
        let vary = HeaderValue::from_static("accept-encoding");
        if gzip {
            let encoding = HeaderValue::from_static("gzip");
            (
                [
                    (CONTENT_TYPE, json),
                    (VARY, vary),
                    (CONTENT_ENCODING, encoding),
                ],
                self.gzip.clone(),
            )
                .into_response()
        } else {
            ([(CONTENT_TYPE, json), (VARY, vary)], self.identity.clone()).into_response()
        }
    }
}

#[derive(Clone)]
pub struct PageCache {
    entries: Option<moka::future::Cache<PageKey, Arc<Encoded>>>,
}

impl PageCache {
    /// `ttl` zero: no cache.
    pub fn new(ttl: Duration) -> Self {
        let entries = (!ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .time_to_live(ttl)
                .max_capacity(MAX_BYTES)
                .weigher(|_, page: &Arc<Encoded>| page.weight())
                .support_invalidation_closures()
                .build()
        });
        PageCache { entries }
    }

    /// The answer for `key`: from the cache when it is there, else from `load`, which
    /// runs once however many requests are waiting for the same key.
    pub async fn answer<T, L>(
        &self,
        key: PageKey,
        request: &HeaderMap,
        load: L,
    ) -> ApiResult<Response>
    where
        T: Serialize + Send + 'static,
        L: std::future::Future<Output = Result<T, CoreError>> + Send,
    {
        let Some(entries) = &self.entries else {
            return Ok(Json(load.await?).into_response());
        };
        let kind = key.kind();
        let page = entries
            .try_get_with(key, async move {
                let value = load.await?;
                metrics::counter!("marquee_catalog_cache_loads_total", "page" => kind).increment(1);
                // A seat map is megabytes to write and compress: not on a runtime thread.
                let encoded = tokio::task::spawn_blocking(move || Encoded::new(&value))
                    .await
                    .map_err(|err| CoreError::internal(format!("encoding a page: {err}")))??;
                Ok::<_, CoreError>(Arc::new(encoded))
            })
            .await
            .map_err(shared_failure)?;
        Ok(page.response(accepts_gzip(request)))
    }

    /// Drops what a write to this show changes: its page, its seat maps and every list
    /// page (where it appears, or now no longer does).
    pub fn forget_show(&self, show_id: i64) {
        let Some(entries) = &self.entries else { return };
        entries
            .invalidate_entries_if(move |key, _| match key {
                PageKey::List { .. } => true,
                PageKey::Show(id) | PageKey::Seats { show_id: id, .. } => *id == show_id,
            })
            .expect("the cache is built with invalidation closures");
    }
}

/// A load's failure as every request that waited for it answers it. The request that
/// ran the load gets the error itself; the others get the same answer rebuilt from it.
fn shared_failure(err: Arc<CoreError>) -> ApiError {
    match Arc::try_unwrap(err) {
        Ok(err) => err.into(),
        Err(shared) => match &*shared {
            CoreError::NotFound(what) => CoreError::NotFound(what),
            CoreError::DatabaseUnavailable(_) => {
                CoreError::DatabaseUnavailable(sqlx::Error::PoolTimedOut)
            }
            other => CoreError::internal(format!("loading a page: {other}")),
        }
        .into(),
    }
}

/// Whether the client takes gzip (`Accept-Encoding: gzip` or `*`, not with `q=0`).
fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(accept).unwrap());
        headers
    }

    #[test]
    fn gzip_is_taken_only_when_offered() {
        assert!(accepts_gzip(&headers("gzip, deflate, br")));
        assert!(accepts_gzip(&headers("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&headers("*")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&headers("br, deflate")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    async fn counted(loads: &AtomicUsize, value: u32) -> Result<u32, CoreError> {
        loads.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(value)
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_load() {
        let cache = PageCache::new(Duration::from_secs(60));
        let loads = Arc::new(AtomicUsize::new(0));
        let answers: Vec<_> = (0..50)
            .map(|_| {
                let (cache, loads) = (cache.clone(), loads.clone());
                tokio::spawn(async move {
                    let load = counted(&loads, 7);
                    cache
                        .answer(PageKey::Show(1), &HeaderMap::new(), load)
                        .await
                        .unwrap()
                })
            })
            .collect();
        for answer in answers {
            let body = axum::body::to_bytes(answer.await.unwrap().into_body(), 100)
                .await
                .unwrap();
            assert_eq!(&body[..], b"7");
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_answer_lives_for_the_ttl_and_a_write_forgets_it() {
        let cache = PageCache::new(Duration::from_millis(200));
        let loads = AtomicUsize::new(0);
        let key = PageKey::Seats {
            show_id: 3,
            schedule_id: 4,
        };
        for _ in 0..3 {
            cache
                .answer(key.clone(), &HeaderMap::new(), counted(&loads, 1))
                .await
                .unwrap();
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1, "cached within the TTL");
        tokio::time::sleep(Duration::from_millis(300)).await;
        cache
            .answer(key.clone(), &HeaderMap::new(), counted(&loads, 1))
            .await
            .unwrap();
        assert_eq!(
            loads.load(Ordering::SeqCst),
            2,
            "loaded again after the TTL"
        );
        cache.forget_show(9);
        cache
            .answer(key.clone(), &HeaderMap::new(), counted(&loads, 1))
            .await
            .unwrap();
        assert_eq!(
            loads.load(Ordering::SeqCst),
            2,
            "another show's write keeps it"
        );
        cache.forget_show(3);
        cache
            .answer(key, &HeaderMap::new(), counted(&loads, 1))
            .await
            .unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 3, "its show's write drops it");
    }

    #[tokio::test]
    async fn failures_are_not_kept() {
        let cache = PageCache::new(Duration::from_secs(60));
        let missing = cache
            .answer(PageKey::Show(5), &HeaderMap::new(), async {
                Err::<u32, _>(CoreError::NotFound("show"))
            })
            .await;
        assert!(matches!(
            missing,
            Err(ApiError::Core(CoreError::NotFound("show")))
        ));
        let loads = AtomicUsize::new(0);
        cache
            .answer(PageKey::Show(5), &HeaderMap::new(), counted(&loads, 2))
            .await
            .unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn gzip_clients_get_the_same_json_compressed() {
        use std::io::Read;
        let cache = PageCache::new(Duration::from_secs(60));
        let value: Vec<u32> = (0..1000).collect();
        let expected = serde_json::to_vec(&value).unwrap();
        let zipped = cache
            .answer(PageKey::Show(6), &headers("gzip"), async {
                Ok(value.clone())
            })
            .await
            .unwrap();
        assert_eq!(zipped.headers()[CONTENT_ENCODING], "gzip");
        assert_eq!(zipped.headers()[VARY], "accept-encoding");
        let body = axum::body::to_bytes(zipped.into_body(), usize::MAX)
            .await
            .unwrap();
        assert!(body.len() < expected.len());
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, expected);
        let plain = cache
            .answer(PageKey::Show(6), &HeaderMap::new(), async {
                Ok(Vec::<u32>::new())
            })
            .await
            .unwrap();
        assert!(plain.headers().get(CONTENT_ENCODING).is_none());
        let body = axum::body::to_bytes(plain.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(
            &body[..],
            &expected[..],
            "the cached answer, not a new load"
        );
    }
}

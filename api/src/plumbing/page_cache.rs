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
//! what decides a seat is the hold, which reads MariaDB and refuses a seat someone took
//! meanwhile (409 `SEAT_UNAVAILABLE`). Holds, purchases and refunds do not clear the
//! cache (at an on-sale that would be every few milliseconds); a catalog write made
//! through this process drops everything cached, so an admin sees their change at once
//! (other processes within the TTL). Failures and unknown ids are never cached. A TTL of 0 turns the
//! cache off: every request reads the database and answers plain JSON.

use std::sync::atomic::{AtomicU64, Ordering};
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

use super::error::{log_failure, ApiResult, Failure};
use super::html::HTML;

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
    /// The site's home page, by category chip.
    HomePage(Option<Category>),
    /// The site's page of a show (HTML, beside the JSON `Show`).
    ShowPage(i64),
}

impl PageKey {
    fn kind(&self) -> &'static str {
        match self {
            PageKey::List { .. } => "list",
            PageKey::Show(_) => "show",
            PageKey::Seats { .. } => "seats",
            PageKey::HomePage(_) => "home_page",
            PageKey::ShowPage(_) => "show_page",
        }
    }
}

/// One answer, encoded once.
struct Encoded {
    content_type: &'static str,
    identity: Bytes,
    gzip: Bytes,
}

impl Encoded {
    fn json(value: &impl Serialize) -> Result<Self, CoreError> {
        let identity = serde_json::to_vec(value)
            .map_err(|err| CoreError::internal(format!("encoding a page: {err}")))?;
        Self::new("application/json", identity)
    }

    fn new(content_type: &'static str, identity: Vec<u8>) -> Result<Self, CoreError> {
        use std::io::Write;
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
            content_type,
            identity: identity.into(),
            gzip: gzip.into(),
        })
    }

    fn weight(&self) -> u32 {
        u32::try_from(self.identity.len() + self.gzip.len()).unwrap_or(u32::MAX)
    }

    fn response(&self, gzip: bool) -> Response {
        let json = HeaderValue::from_static(self.content_type);
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

/// The cache itself; cheap to clone (a handle). Off when built with a zero TTL.
#[derive(Clone)]
pub struct PageCache {
    entries: Option<moka::future::Cache<(u64, PageKey), Arc<Encoded>>>,
    /// Part of every key, raised by each catalog write: a load that read MariaDB before
    /// the write and stores its answer after it stores it under a key no one asks for
    /// any more, so the write is seen at once by this process's later reads.
    generation: Arc<AtomicU64>,
}

impl PageCache {
    /// `ttl` zero: no cache.
    pub fn new(ttl: Duration) -> Self {
        let entries = (!ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .time_to_live(ttl)
                .max_capacity(MAX_BYTES)
                .weigher(|_, page: &Arc<Encoded>| page.weight())
                .build()
        });
        PageCache {
            entries,
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The JSON answer for `key`: from the cache when it is there, else from `load`,
    /// which runs once however many requests are waiting for the same key. `T` is the
    /// answer's body, as the route's OpenAPI entry declares it.
    pub async fn answer<T, L>(
        &self,
        key: PageKey,
        request: &HeaderMap,
        load: L,
    ) -> ApiResult<Response>
    where
        T: Serialize + Send + 'static,
        L: std::future::Future<Output = Result<T, CoreError>> + Send + 'static,
    {
        if self.entries.is_none() {
            return Ok(Json(load.await?).into_response());
        }
        let encode = async move {
            let value = load.await?;
            off_the_runtime(move || Encoded::json(&value)).await
        };
        Ok(self
            .cached(key, encode)
            .await?
            .response(accepts_gzip(request)))
    }

    /// A web page for `key`, as `answer` does for JSON; `load` renders its HTML.
    pub async fn answer_page<L>(
        &self,
        key: PageKey,
        request: &HeaderMap,
        load: L,
    ) -> Result<Response, Failure>
    where
        L: std::future::Future<Output = Result<String, CoreError>> + Send + 'static,
    {
        if self.entries.is_none() {
            let html = load.await.map_err(Failure::Fresh)?;
            return Ok(([(CONTENT_TYPE, HeaderValue::from_static(HTML))], html).into_response());
        }
        let encode = async move {
            let html = load.await?;
            off_the_runtime(move || Encoded::new(HTML, html.into_bytes())).await
        };
        Ok(self
            .cached(key, encode)
            .await?
            .response(accepts_gzip(request)))
    }

    async fn cached<L>(&self, key: PageKey, encode: L) -> Result<Arc<Encoded>, Failure>
    where
        L: std::future::Future<Output = Result<Encoded, CoreError>> + Send + 'static,
    {
        let entries = self
            .entries
            .as_ref()
            .expect("only called with the cache on");
        let key = (self.generation.load(Ordering::Acquire), key);
        if let Some(page) = entries.get(&key).await {
            return Ok(page);
        }
        // The load runs on a task of its own: a client hanging up mid-load must not
        // cancel the work that everyone waiting for it would then start over.
        tokio::spawn(load_into(entries.clone(), key, encode))
            .await
            .map_err(|err| Failure::Fresh(CoreError::internal(format!("loading a page: {err}"))))?
            .map_err(Failure::Shared)
    }

    /// Drops every cached answer after a catalog write: a show's page and seat maps,
    /// every list page, and the pages of other shows at a venue whose address changed.
    /// Admin writes are rare next to reads, so being exact is not worth the risk.
    pub fn forget_catalog(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }
}

/// Encodes (and compresses) on the blocking pool: a seat map is megabytes of work, not
/// for a runtime thread.
async fn off_the_runtime(
    encode: impl FnOnce() -> Result<Encoded, CoreError> + Send + 'static,
) -> Result<Encoded, CoreError> {
    tokio::task::spawn_blocking(encode)
        .await
        .map_err(|err| CoreError::internal(format!("encoding a page: {err}")))?
}

async fn load_into<L>(
    entries: moka::future::Cache<(u64, PageKey), Arc<Encoded>>,
    key: (u64, PageKey),
    encode: L,
) -> Result<Arc<Encoded>, Arc<CoreError>>
where
    L: std::future::Future<Output = Result<Encoded, CoreError>> + Send,
{
    let kind = key.1.kind();
    entries
        .try_get_with(key, async move {
            let loaded = encode.await;
            match &loaded {
                Ok(_) => metrics::counter!("marquee_catalog_cache_loads_total", "page" => kind)
                    .increment(1),
                // Logged here, once, however many requests answer it.
                Err(err) => log_failure(err),
            }
            loaded.map(Arc::new)
        })
        .await
}

/// Whether the client takes gzip: named with a non-zero q, or, when gzip is not named
/// at all, `*` with a non-zero q (RFC 9110, 12.5.3).
fn accepts_gzip(request: &HeaderMap) -> bool {
    let codings = request
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|param| {
                let (key, value) = param.split_once('=').unwrap_or((param, ""));
                key.trim().eq_ignore_ascii_case("q")
                    && value.trim().parse::<f32>().is_ok_and(|q| q == 0.0)
            });
            (name, !refused)
        });
    let mut star = false;
    for (name, accepted) in codings {
        match name.as_str() {
            "gzip" | "x-gzip" => return accepted,
            "*" => star = accepted,
            _ => {}
        }
    }
    star
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

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
        assert!(accepts_gzip(&headers("br, *;q=0.1")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&headers("gzip;Q=0.0")));
        assert!(!accepts_gzip(&headers("gzip;q=0, *")), "named and refused");
        assert!(!accepts_gzip(&headers("*;q=0")));
        assert!(!accepts_gzip(&headers("br, deflate")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    /// A load that counts its runs and takes a moment, so requests pile up on it.
    fn counted(
        loads: &Arc<AtomicUsize>,
        value: u32,
    ) -> impl std::future::Future<Output = Result<u32, CoreError>> {
        let loads = loads.clone();
        async move {
            loads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(value)
        }
    }

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_load() {
        let cache = PageCache::new(Duration::from_secs(60));
        let loads = Arc::new(AtomicUsize::new(0));
        let answers: Vec<_> = (0..50)
            .map(|_| {
                let (cache, load) = (cache.clone(), counted(&loads, 7));
                tokio::spawn(async move {
                    cache
                        .answer(PageKey::Show(1), &HeaderMap::new(), load)
                        .await
                        .unwrap()
                })
            })
            .collect();
        for answer in answers {
            assert_eq!(body(answer.await.unwrap()).await, b"7");
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_load_outlives_the_request_that_started_it() {
        let cache = PageCache::new(Duration::from_secs(60));
        let loads = Arc::new(AtomicUsize::new(0));
        let first = {
            let (cache, load) = (cache.clone(), counted(&loads, 8));
            tokio::spawn(async move {
                cache
                    .answer(PageKey::Show(2), &HeaderMap::new(), load)
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        first.abort(); // the client hung up mid-load
        let second = cache
            .answer(PageKey::Show(2), &HeaderMap::new(), counted(&loads, 9))
            .await
            .unwrap();
        assert_eq!(body(second).await, b"8", "the first load's answer");
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_answer_lives_for_the_ttl_and_a_write_forgets_it() {
        let cache = PageCache::new(Duration::from_secs(1));
        let loads = Arc::new(AtomicUsize::new(0));
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
        tokio::time::sleep(Duration::from_millis(1200)).await;
        cache
            .answer(key.clone(), &HeaderMap::new(), counted(&loads, 1))
            .await
            .unwrap();
        assert_eq!(
            loads.load(Ordering::SeqCst),
            2,
            "loaded again after the TTL"
        );
        cache.forget_catalog();
        cache
            .answer(key, &HeaderMap::new(), counted(&loads, 1))
            .await
            .unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 3, "a catalog write drops it");
    }

    #[tokio::test]
    async fn a_load_that_read_before_a_write_is_not_served_after_it() {
        let cache = PageCache::new(Duration::from_secs(60));
        let (read, release) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(tokio::sync::Notify::new()),
        );
        let stale = {
            let (cache, read, release) = (cache.clone(), read.clone(), release.clone());
            tokio::spawn(async move {
                let load = async move {
                    read.notify_one(); // it has read the old row...
                    release.notified().await; // ...and stores it after the write
                    Ok("old")
                };
                cache
                    .answer(PageKey::Show(7), &HeaderMap::new(), load)
                    .await
                    .unwrap()
            })
        };
        read.notified().await;
        cache.forget_catalog();
        release.notify_one();
        assert_eq!(body(stale.await.unwrap()).await, b"\"old\"");
        let fresh = cache
            .answer(PageKey::Show(7), &HeaderMap::new(), async { Ok("new") })
            .await
            .unwrap();
        assert_eq!(body(fresh).await, b"\"new\"");
    }

    #[tokio::test]
    async fn every_waiter_gets_the_failure_and_it_is_not_kept() {
        let cache = PageCache::new(Duration::from_secs(60));
        for (error, status) in [
            (CoreError::NotFound("show"), 404),
            (
                CoreError::DatabaseUnavailable(sqlx::Error::PoolTimedOut),
                503,
            ),
        ] {
            let error = Arc::new(std::sync::Mutex::new(Some(error)));
            let answers: Vec<_> = (0..10)
                .map(|_| {
                    let (cache, error) = (cache.clone(), error.clone());
                    tokio::spawn(async move {
                        let load = async move {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Err::<u32, _>(error.lock().unwrap().take().expect("one load"))
                        };
                        cache
                            .answer(PageKey::Show(5), &HeaderMap::new(), load)
                            .await
                            .map(|_| ())
                            .unwrap_err()
                            .into_response()
                    })
                })
                .collect();
            for answer in answers {
                let answer = answer.await.unwrap();
                assert_eq!(answer.status(), status);
                if status == 503 {
                    assert_eq!(answer.headers()["retry-after"], "2");
                }
            }
        }
        let loads = Arc::new(AtomicUsize::new(0));
        cache
            .answer(PageKey::Show(5), &HeaderMap::new(), counted(&loads, 2))
            .await
            .unwrap();
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "the failures were not kept"
        );
    }

    #[tokio::test]
    async fn gzip_clients_get_the_same_json_compressed() {
        use std::io::Read;
        let cache = PageCache::new(Duration::from_secs(60));
        let value: Vec<u32> = (0..1000).collect();
        let expected = serde_json::to_vec(&value).unwrap();
        let zipped = cache
            .answer(PageKey::Show(6), &headers("gzip"), async { Ok(value) })
            .await
            .unwrap();
        assert_eq!(zipped.headers()[CONTENT_ENCODING], "gzip");
        assert_eq!(zipped.headers()[VARY], "accept-encoding");
        let zipped = body(zipped).await;
        assert!(zipped.len() < expected.len());
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&zipped[..])
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
        assert_eq!(
            body(plain).await,
            expected,
            "the cached answer, not a new load"
        );
    }
}

//! What people search: the queries of the last hour that found shows (인기 검색어), and
//! for admins the queries of the last week that found nothing, so a missing show, alias
//! or spelling can be added.
//!
//! A search that found shows counts under its reading (`reading`: 시카고 for 시하고,
//! tlzkrh and ㅅㅋㄱ alike), so the typings of one show add up and the home page never
//! shows initials, mash or a word typed on the wrong layout; a miss counts as typed,
//! since what was typed is what an admin has to read. What is read back is checked
//! again (`reading::presentable`) and an admin's blocklist is taken out.
//!
//! Counting must not slow a search down, and several api processes must add up. So a
//! search only bumps a counter in this process's memory (a lock and a map entry); every
//! second `flush` sends what was counted to Redis in one pipeline of `ZINCRBY`s, into
//! sorted sets per five minutes (popular) and per day (misses) that expire by
//! themselves. Reading takes the union of the buckets in range. A flush that fails
//! loses that second's counts and says so in the log: popularity is a hint, never
//! money. Every key shares the `{search}` hash tag, so `ZUNION` works on a Redis Cluster.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::OnceCell;

use super::{analysis, blocklist, query, reading};
use crate::error::{Error, Result};
use crate::redis_link::{RedisConn, RedisTarget};

/// Longest query counted, in characters: longer is pasted text, not a search term.
const MAX_COUNTED_CHARS: usize = 40;
/// Distinct queries one process keeps between flushes; past this, new ones wait for
/// the next second (a flood of unique strings must not grow memory without bound).
const MAX_PENDING: usize = 10_000;
/// (client, query) pairs remembered per bucket; past this, unseen pairs wait for the
/// next bucket.
const MAX_SEEN: usize = 100_000;
/// How long a computed popular list is answered again before Redis is asked anew.
const POPULAR_FRESH_FOR: Duration = Duration::from_secs(5);
/// Queries a bucket keeps, the most counted: the tail of one-off strings is dropped.
const BUCKET_KEEPS: isize = 2_000;
const POPULAR_BUCKET_SECS: i64 = 300;
/// Popular reads the buckets of the last hour, the current one included.
const POPULAR_BUCKETS: i64 = 12;
const MISS_BUCKET_SECS: i64 = 86_400;
/// Misses read the buckets of the last week, today included.
const MISS_BUCKETS: i64 = 7;

/// A query and how often it was searched.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QueryCount {
    /// As people typed it, normalized (lower case, single spaces).
    pub query: String,
    pub count: u64,
}

#[derive(Default)]
struct Pending {
    found: HashMap<String, u64>,
    missed: HashMap<String, u64>,
    /// Who already counted what in the current five minutes: one client repeating a
    /// query (or scripting it) counts once per bucket per process.
    seen: HashSet<(IpAddr, String)>,
    seen_bucket: i64,
}

/// What a search found, as far as counting goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Shows holding every title word: may be popular.
    Found,
    /// Nothing at all: a miss.
    Nothing,
    /// Only some of the words found something: neither (시카고 plus anything at all
    /// would otherwise put anything on the home page).
    Partly,
}

pub struct SearchTrends {
    target: RedisTarget,
    conn: OnceCell<RedisConn>,
    prefix: String,
    pending: Mutex<Pending>,
    /// The last popular counts read, whole, and when: a public page read on every
    /// home page miss must not cost a Redis union each time.
    popular: Mutex<Option<(Instant, Arc<Vec<QueryCount>>)>>,
}

/// The form a query is counted under, or None when it is not worth counting (blank,
/// punctuation only, or pasted text).
pub fn counted_form(text: &str) -> Option<String> {
    let normalized = analysis::normalize_text(text);
    let fits = (1..=MAX_COUNTED_CHARS).contains(&normalized.chars().count());
    (fits && !query::interpret(&normalized).is_empty()).then_some(normalized)
}

impl SearchTrends {
    /// `prefix` keeps deployments (and tests) sharing a Redis apart.
    pub fn new(redis_url: &str, prefix: &str) -> Result<Self> {
        let target = RedisTarget::parse(redis_url)
            .map_err(|err| Error::internal(format!("REDIS_URL: {err}")))?;
        Ok(SearchTrends {
            target,
            conn: OnceCell::new(),
            prefix: prefix.to_string(),
            pending: Mutex::new(Pending::default()),
            popular: Mutex::new(None),
        })
    }

    /// Counts one unfiltered search by `client`, in memory: a find under its `reading`
    /// (none: not counted), a miss as typed.
    pub fn record(&self, text: &str, reading: Option<&str>, outcome: Outcome, client: IpAddr) {
        self.record_at(text, reading, outcome, client, Utc::now());
    }

    fn record_at(
        &self,
        text: &str,
        reading: Option<&str>,
        outcome: Outcome,
        client: IpAddr,
        now: DateTime<Utc>,
    ) {
        let counted = match outcome {
            Outcome::Partly => None,
            Outcome::Found => reading
                .filter(|r| reading::presentable(r))
                .map(str::to_string),
            Outcome::Nothing => counted_form(text),
        };
        let Some(query) = counted else {
            return;
        };
        let bucket = bucket(now, POPULAR_BUCKET_SECS);
        let mut pending = self.pending.lock().expect("trends lock poisoned");
        if pending.seen_bucket != bucket {
            pending.seen.clear();
            pending.seen_bucket = bucket;
        }
        if pending.seen.len() >= MAX_SEEN || !pending.seen.insert((client, query.clone())) {
            return;
        }
        let counts = match outcome {
            Outcome::Found => &mut pending.found,
            _ => &mut pending.missed,
        };
        if counts.len() < MAX_PENDING || counts.contains_key(&query) {
            *counts.entry(query).or_default() += 1;
        }
    }

    /// Sends what was counted since the last flush, in one round trip.
    pub async fn flush(&self) -> Result<()> {
        self.flush_at(Utc::now()).await
    }

    async fn flush_at(&self, now: DateTime<Utc>) -> Result<()> {
        let (found, missed) = {
            let mut pending = self.pending.lock().expect("trends lock poisoned");
            (
                std::mem::take(&mut pending.found),
                std::mem::take(&mut pending.missed),
            )
        };
        if found.is_empty() && missed.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (counts, key, lives) in [
            (
                &found,
                self.popular_key(bucket(now, POPULAR_BUCKET_SECS)),
                POPULAR_BUCKET_SECS * (POPULAR_BUCKETS + 1),
            ),
            (
                &missed,
                self.misses_key(bucket(now, MISS_BUCKET_SECS)),
                MISS_BUCKET_SECS * (MISS_BUCKETS + 1),
            ),
        ] {
            if counts.is_empty() {
                continue;
            }
            for (query, count) in counts {
                pipe.zincr(&key, query, *count).ignore();
            }
            pipe.cmd("ZREMRANGEBYRANK")
                .arg(&key)
                .arg(0)
                .arg(-(BUCKET_KEEPS + 1))
                .ignore();
            pipe.expire(&key, lives).ignore();
        }
        let mut conn = self.conn().await?;
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(|err| Error::TrendsUnavailable(err.to_string()))
    }

    /// The most searched readings of the last hour that found shows, most first, none
    /// holding a `blocked` term (`blocklist::blocks`); the counts are read again at
    /// most every five seconds.
    pub async fn popular(&self, limit: usize, blocked: &[String]) -> Result<Vec<QueryCount>> {
        let fresh = self
            .popular
            .lock()
            .expect("trends lock poisoned")
            .as_ref()
            .filter(|(at, _)| at.elapsed() < POPULAR_FRESH_FOR)
            .map(|(_, list)| list.clone());
        let list = match fresh {
            Some(list) => list,
            None => {
                let now = bucket(Utc::now(), POPULAR_BUCKET_SECS);
                let keys = (0..POPULAR_BUCKETS).map(|back| self.popular_key(now - back));
                let list = self.top(keys.collect()).await?;
                *self.popular.lock().expect("trends lock poisoned") =
                    Some((Instant::now(), list.clone()));
                list
            }
        };
        Ok(shown(&list, blocked, limit))
    }

    /// The most searched queries of the last week that found nothing, most first.
    pub async fn misses(&self, limit: usize) -> Result<Vec<QueryCount>> {
        let today = bucket(Utc::now(), MISS_BUCKET_SECS);
        let keys = (0..MISS_BUCKETS).map(|back| self.misses_key(today - back));
        let list = self.top(keys.collect()).await?;
        Ok(list.iter().take(limit).cloned().collect())
    }

    /// Every query counted in `keys`, added up, most counted first.
    async fn top(&self, keys: Vec<String>) -> Result<Arc<Vec<QueryCount>>> {
        let mut conn = self.conn().await?;
        let union: Vec<(String, f64)> = redis::cmd("ZUNION")
            .arg(keys.len())
            .arg(&keys)
            .arg("WITHSCORES")
            .query_async(&mut conn)
            .await
            .map_err(|err| Error::TrendsUnavailable(err.to_string()))?;
        // ZUNION answers lowest first; equal counts go to the query that sorts first.
        let mut counted: Vec<QueryCount> = union
            .into_iter()
            .map(|(query, count)| QueryCount {
                query,
                count: count as u64,
            })
            .collect();
        counted.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.query.cmp(&b.query)));
        Ok(Arc::new(counted))
    }

    fn popular_key(&self, bucket: i64) -> String {
        format!("{}:{{search}}:popular:{bucket}", self.prefix)
    }

    fn misses_key(&self, bucket: i64) -> String {
        format!("{}:{{search}}:misses:{bucket}", self.prefix)
    }

    async fn conn(&self) -> Result<RedisConn> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                self.target
                    .connect()
                    .await
                    .map_err(|err| Error::TrendsUnavailable(err.to_string()))
            })
            .await?;
        Ok(conn.clone())
    }
}

/// The first `limit` of `counted` that may be shown: presentable (counts written
/// before readings were may hold typed junk for an hour) and not blocked.
fn shown(counted: &[QueryCount], blocked: &[String], limit: usize) -> Vec<QueryCount> {
    counted
        .iter()
        .filter(|c| reading::presentable(&c.query) && !blocklist::blocks(blocked, &c.query))
        .take(limit)
        .cloned()
        .collect()
}

fn bucket(at: DateTime<Utc>, secs: i64) -> i64 {
    at.timestamp().div_euclid(secs)
}

/// Flushes `trends` every second until the process ends.
pub fn spawn_flusher(trends: std::sync::Arc<SearchTrends>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(err) = trends.flush().await {
                tracing::warn!(error = %err, "search counts of the last second were not saved");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    #[test]
    fn queries_are_counted_in_one_form_and_junk_is_not() {
        assert_eq!(
            counted_form("  시카고   티켓 ").as_deref(),
            Some("시카고 티켓")
        );
        assert_eq!(
            counted_form("Les MISÉRABLES").as_deref(),
            Some("les miserables")
        );
        assert_eq!(counted_form("   "), None);
        assert_eq!(counted_form("!!!"), None);
        assert_eq!(counted_form(&"가".repeat(41)), None);
    }

    #[test]
    fn pending_counts_are_bounded_but_known_queries_still_count() {
        let trends = SearchTrends::new("redis://127.0.0.1:6379", "unit").unwrap();
        let one = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let other = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        // One instant: a five-minute boundary mid-test would forget who counted.
        let at = Utc::now();
        for i in 0..MAX_PENDING + 5 {
            let query = format!("query {i}");
            trends.record_at(&query, Some(&query), Outcome::Found, one, at);
        }
        trends.record_at("query 0", Some("query 0"), Outcome::Found, other, at);
        // The same client again counts nothing; a partial find is neither list.
        trends.record_at("query 0", Some("query 0"), Outcome::Found, one, at);
        trends.record_at("시카고 아무말", None, Outcome::Partly, one, at);
        let pending = trends.pending.lock().unwrap();
        assert_eq!(pending.found.len(), MAX_PENDING);
        assert_eq!(pending.found["query 0"], 2);
        assert!(pending.missed.is_empty());
    }

    #[test]
    fn a_find_counts_under_its_reading_and_a_miss_as_typed() {
        let trends = SearchTrends::new("redis://127.0.0.1:6379", "unit").unwrap();
        let at = Utc::now();
        let client = |n: u8| IpAddr::V4(Ipv4Addr::new(10, 0, 0, n));
        // Three typings of one show, by three people: one reading, counted three times.
        for (n, typed) in [(1, "시하고"), (2, "tlzkrh"), (3, "ㅅㅋㄱ")] {
            trends.record_at(typed, Some("시카고"), Outcome::Found, client(n), at);
        }
        // A find without a presentable reading is not counted at all.
        trends.record_at("ㅇㅇㅇ", Some("ㅇㅇㅇ"), Outcome::Found, client(4), at);
        trends.record_at("뭐지", None, Outcome::Found, client(5), at);
        trends.record_at("없는제목", None, Outcome::Nothing, client(6), at);
        let pending = trends.pending.lock().unwrap();
        assert_eq!(
            pending.found.iter().collect::<Vec<_>>(),
            [(&"시카고".to_string(), &3)]
        );
        assert_eq!(pending.missed["없는제목"], 1);
    }

    #[test]
    fn what_is_shown_skips_junk_counted_before_and_blocked_terms() {
        let counted: Vec<QueryCount> = [
            ("ㅅㅋㄱ", 9),
            ("시카고", 8),
            ("tlzkrh", 7),
            ("나쁜말 쇼", 6),
            ("위키드", 5),
        ]
        .into_iter()
        .map(|(query, count)| QueryCount {
            query: query.to_string(),
            count,
        })
        .collect();
        let blocked = vec!["나쁜말".to_string()];
        let shown: Vec<String> = shown(&counted, &blocked, 10)
            .into_iter()
            .map(|c| c.query)
            .collect();
        assert_eq!(shown, ["시카고", "위키드"]);
        assert_eq!(super::shown(&counted, &blocked, 1).len(), 1);
    }
}

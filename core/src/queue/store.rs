//! The queue's state in Redis, changed only by the Lua scripts below so every step is
//! atomic across api processes.
//!
//! Keys of one schedule share a hash tag (`{prefix:schedule}`), so the scripts also run
//! on a Redis Cluster. Per schedule:
//! - `queue`: sorted set, user -> place. People who enter before booking opens get a
//!   secret random place in [0, 1); everyone after gets the next arrival number (1, 2,
//!   ...), so the pre-queue is a uniformly random order ahead of strict arrival order.
//!   Position is `ZRANK`: O(log n), never a scan.
//! - `active`: sorted set, admitted user -> when their access ends (ms). Ended entries
//!   stay an hour so their owner reads EXPIRED, then are trimmed.
//! - `meta`: hash with the admission budget and clock (`budget`, `last_ms`), totals, the
//!   measured admission rate, and a copy of the room's `rate` and opening (`opens_ms`)
//!   that entering and every admission tick refresh, so reading a place needs Redis
//!   alone, never MariaDB: status polling is the hottest path of an on-sale spike.
//! - `admits`: sorted set of recent admission ticks, for the measured rate.
//! - `limit:user:{id}`, `limit:addr:{address}`: request counters of the rate limits
//!   (see `limits`), each expiring with its window.
//! - `streams:{id}`: sorted set of a user's open event streams by opening order (the
//!   `stream_seq` counter in `meta`), newest last, at most `STREAMS_PER_USER`.
//!
//! Time is Redis's own clock (`TIME`), so api processes with skewed clocks agree.

use std::net::IpAddr;
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::client_address::address_bucket;
use crate::error::{Error, Result};
use crate::queue::limits::QueueLimits;
use crate::redis_link::{RedisConn, RedisTarget};
use crate::redis_script::{LuaCall, LuaScript};

/// A place in the queue or the lack of one, as the status script reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum Standing {
    /// `position` is 1 for the next person in. `hidden`: a pre-queue place before
    /// booking opens, whose order is still a secret. `admission_rate`: people per
    /// second, as measured over the last 30 s, or the room's setting before anyone
    /// was admitted.
    Waiting {
        position: u64,
        queue_length: u64,
        pre_queue: bool,
        hidden: bool,
        admission_rate: f64,
    },
    Admitted {
        access_until_ms: i64,
    },
    Expired,
    NotQueued,
    /// An event stream whose slot newer streams of the same user have taken.
    Replaced,
}

/// The rate-limit counters a request is charged to (see `limits`).
#[derive(Debug, Clone, Default)]
pub struct Throttle {
    user_limit: u32,
    address_limit: u32,
    window_ms: u64,
    address: Option<String>,
}

impl Throttle {
    pub fn new(limits: &QueueLimits, address: Option<IpAddr>) -> Self {
        Throttle {
            user_limit: limits.per_user,
            address_limit: if address.is_some() {
                limits.per_address
            } else {
                0
            },
            window_ms: limits.window.as_millis() as u64,
            address: address.map(address_bucket),
        }
    }

    /// Charges nothing: the server's own reads, such as an event stream's ticks.
    pub fn none() -> Self {
        Throttle::default()
    }
}

/// Event streams one user may hold open on one schedule's queue; opening another ends
/// the oldest. Each open stream costs a Redis read a second, so without a bound one
/// account could pile up streams faster than the rate limit forgets them. A few, not
/// one, so two tabs or a phone and a laptop do not fight over a single slot.
pub const STREAMS_PER_USER: u32 = 3;

/// How long a user's stream slots outlive their last opening: longer than anyone waits.
const STREAM_SLOT_TTL_MS: u64 = 6 * 3600 * 1000;

/// What a status read has to do with an event stream.
#[derive(Debug, Clone, Copy)]
pub enum StreamSlot<'a> {
    /// A plain status read.
    None,
    /// Opening a stream with this id: takes a slot, ending the oldest beyond the bound.
    Claim(&'a str),
    /// A stream's later read: answers `Replaced` once its slot was taken.
    Holds(&'a str),
}

/// The room's settings that reading a place needs, copied into Redis by `enter`.
#[derive(Debug, Clone, Copy)]
pub struct RoomCopy {
    pub admission_rate: u32,
    pub opens_at_ms: i64,
}

/// What one admission tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub admitted: u64,
    pub active: u64,
    pub waiting: u64,
}

/// Sizes of one schedule's queue, for admins and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSizes {
    pub waiting: u64,
    pub active: u64,
    pub admitted_total: u64,
}

pub struct QueueStore {
    target: RedisTarget,
    conn: OnceCell<RedisConn>,
    prefix: String,
    enter: LuaScript,
    status: LuaScript,
    leave: LuaScript,
    admit: LuaScript,
    finish: LuaScript,
    is_active: LuaScript,
}

const NOW_MS: &str =
    "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)";

/// Charges the request to its user's and address's fixed-window counters (KEYS[1],
/// KEYS[2]; ARGV[1] user, ARGV[2..4] the two limits and the window, as `charge`
/// passes them) and answers LIMITED with the milliseconds until the spent window
/// ends. A limit of 0 is off. `enter` and `status` both begin with it.
const CHARGE: &str = "local function spent(key, limit, window)
      if limit <= 0 then return nil end
      local n = redis.call('INCR', key)
      if n == 1 then redis.call('PEXPIRE', key, window) end
      if n <= limit then return nil end
      local ttl = redis.call('PTTL', key)
      if ttl < 0 then redis.call('PEXPIRE', key, window) ttl = window end
      return ttl
    end
    local user, window = ARGV[1], tonumber(ARGV[4])
    local wait = spent(KEYS[1], tonumber(ARGV[2]), window)
      or spent(KEYS[2], tonumber(ARGV[3]), window)
    if wait then return {'LIMITED', wait} end";

/// The WAITING reply of `enter` and `status`, read by `standing`: position, queue
/// length, whether the place is a pre-queue draw and still hidden (booking has not
/// opened), the measured admission rate and the room's own.
const WAITING_REPLY: &str = "local place = tonumber(redis.call('ZSCORE', queue, user))
    local pre, hidden = 0, 0
    if place < 1 then
      pre = 1
      if now < tonumber(redis.call('HGET', meta, 'opens_ms') or '0') then hidden = 1 end
    end
    local rates = redis.call('HMGET', meta, 'measured_rate', 'rate')
    return {'WAITING', rank + 1, redis.call('ZCARD', queue), pre, hidden,
            rates[1] or '0', rates[2] or '0'}";

impl QueueStore {
    /// Does not connect: the first command does, so the api starts while Redis is down
    /// and everything but the waiting room keeps working.
    pub fn new(redis_url: &str, prefix: &str) -> Result<Self> {
        let target = RedisTarget::parse(redis_url)
            .map_err(|err| Error::internal(format!("REDIS_URL: {err}")))?;
        Ok(QueueStore {
            target,
            conn: OnceCell::new(),
            prefix: prefix.to_string(),
            enter: LuaScript::new(&format!(
                "{NOW_MS} {CHARGE}
                 local queue, active, meta, seq = KEYS[3], KEYS[4], KEYS[5], KEYS[6]
                 local pre_place = ARGV[5]
                 redis.call('HSET', meta, 'rate', ARGV[6], 'opens_ms', ARGV[7])
                 local ends = tonumber(redis.call('ZSCORE', active, user))
                 if ends and ends > now then return {{'ADMITTED', ends}} end
                 if ends then redis.call('ZREM', active, user) end
                 local place = redis.call('ZSCORE', queue, user)
                 if not place then
                   if pre_place ~= '' then place = pre_place else place = redis.call('INCR', seq) end
                   redis.call('ZADD', queue, place, user)
                 end
                 local rank = redis.call('ZRANK', queue, user)
                 {WAITING_REPLY}"
            )),
            status: LuaScript::new(&format!(
                "{NOW_MS} {CHARGE}
                 local queue, active, meta = KEYS[3], KEYS[4], KEYS[5]
                 local streams, stream = KEYS[6], ARGV[5]
                 if ARGV[6] == 'claim' then
                   -- Ordered by a counter, not the clock: two streams opened within one
                   -- millisecond must still have an oldest.
                   redis.call('ZADD', streams, redis.call('HINCRBY', meta, 'stream_seq', 1), stream)
                   redis.call('ZREMRANGEBYRANK', streams, 0, -{streams_max} - 1)
                   redis.call('PEXPIRE', streams, {STREAM_SLOT_TTL_MS})
                 elseif ARGV[6] == 'holds' and not redis.call('ZSCORE', streams, stream) then
                   return {{'REPLACED'}}
                 end
                 local ends = tonumber(redis.call('ZSCORE', active, user))
                 if ends then
                   if ends > now then return {{'ADMITTED', ends}} end
                   return {{'EXPIRED'}}
                 end
                 local rank = redis.call('ZRANK', queue, user)
                 if not rank then return {{'NONE'}} end
                 {WAITING_REPLY}",
                streams_max = STREAMS_PER_USER
            )),
            leave: LuaScript::new(
                "local queue, active = KEYS[1], KEYS[2]
                 return redis.call('ZREM', queue, ARGV[1]) + redis.call('ZREM', active, ARGV[1])",
            ),
            // Budget accrues at `rate` per second since the last tick, at most one
            // second's worth, so a stalled scheduler never releases a burst. Two
            // schedulers ticking together: the second finds the budget spent.
            admit: LuaScript::new(&format!(
                "{NOW_MS}
                 local queue, active, meta, admits = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
                 local rate, cap, window, opens_at = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
                 redis.call('ZREMRANGEBYSCORE', active, '-inf', now - 3600000)
                 local last = tonumber(redis.call('HGET', meta, 'last_ms') or now)
                 local budget = tonumber(redis.call('HGET', meta, 'budget') or '0')
                 if now < last then last = now end
                 budget = math.min(math.max(rate, 1), budget + (now - last) * rate / 1000)
                 local live = redis.call('ZCOUNT', active, '(' .. now, '+inf')
                 local count = 0
                 if now >= opens_at then
                   count = math.min(math.floor(budget), cap - live)
                   if count > 0 then
                     local popped = redis.call('ZPOPMIN', queue, count)
                     count = #popped / 2
                     for i = 1, #popped, 2 do
                       redis.call('ZADD', active, now + window, popped[i])
                     end
                   else
                     count = 0
                   end
                   budget = budget - count
                 else
                   budget = 0
                 end
                 redis.call('HSET', meta, 'last_ms', now, 'budget', tostring(budget),
                   'rate', ARGV[1], 'opens_ms', ARGV[4])
                 if count > 0 then
                   redis.call('HINCRBY', meta, 'admitted_total', count)
                   if not redis.call('HGET', meta, 'first_admit_ms') then
                     redis.call('HSET', meta, 'first_admit_ms', now)
                   end
                   redis.call('ZADD', admits, now, now .. ':' .. count)
                 end
                 redis.call('ZREMRANGEBYSCORE', admits, '-inf', now - 30000)
                 local recent = 0
                 for _, entry in ipairs(redis.call('ZRANGE', admits, 0, -1)) do
                   recent = recent + tonumber(string.match(entry, ':(%d+)$'))
                 end
                 local first = tonumber(redis.call('HGET', meta, 'first_admit_ms') or now)
                 local span = math.max(1000, math.min(30000, now - first))
                 redis.call('HSET', meta, 'measured_rate', tostring(recent * 1000 / span))
                 return {{count, live + count, redis.call('ZCARD', queue)}}"
            )),
            // Ends an admission now (the purchase is done): the slot frees at once and
            // the owner reads EXPIRED.
            finish: LuaScript::new(&format!(
                "{NOW_MS}
                 if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
                   redis.call('ZADD', KEYS[1], now, ARGV[1]) return 1
                 end
                 return 0"
            )),
            is_active: LuaScript::new(&format!(
                "{NOW_MS}
                 local ends = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
                 if ends and ends > now and ends == tonumber(ARGV[2]) then return 1 end
                 return 0"
            )),
        })
    }

    async fn conn(&self) -> Result<RedisConn> {
        let conn = self
            .conn
            .get_or_try_init(|| async { self.target.connect().await.map_err(unavailable) })
            .await?;
        Ok(conn.clone())
    }

    fn key(&self, schedule_id: i64, name: &str) -> String {
        format!(
            "{}:wr:{{{}:{schedule_id}}}:{name}",
            self.prefix, self.prefix
        )
    }

    /// `pre_place` is the secret random place of someone entering before booking opens.
    /// Fails with `RateLimited` when the throttle's counters are spent.
    pub async fn enter(
        &self,
        schedule_id: i64,
        user_id: i64,
        pre_place: Option<f64>,
        room: RoomCopy,
        throttle: &Throttle,
    ) -> Result<Standing> {
        let mut conn = self.conn().await?;
        let mut invocation = self.enter.call();
        self.charge(&mut invocation, schedule_id, user_id, throttle)
            .key(self.key(schedule_id, "queue"))
            .key(self.key(schedule_id, "active"))
            .key(self.key(schedule_id, "meta"))
            .key(self.key(schedule_id, "seq"));
        let reply: Vec<redis::Value> = invocation
            .arg(pre_place.map(|p| p.to_string()).unwrap_or_default())
            .arg(room.admission_rate)
            .arg(room.opens_at_ms)
            .run(&mut conn)
            .await
            .map_err(unavailable)?;
        standing(&reply)
    }

    /// Reads a place; Redis alone answers. Fails with `RateLimited` when the
    /// throttle's counters are spent; an event stream's read is `Replaced` once newer
    /// streams of its user took its slot.
    pub async fn status(
        &self,
        schedule_id: i64,
        user_id: i64,
        throttle: &Throttle,
        slot: StreamSlot<'_>,
    ) -> Result<Standing> {
        let mut conn = self.conn().await?;
        let mut invocation = self.status.call();
        self.charge(&mut invocation, schedule_id, user_id, throttle)
            .key(self.key(schedule_id, "queue"))
            .key(self.key(schedule_id, "active"))
            .key(self.key(schedule_id, "meta"));
        let (stream, mode) = match slot {
            StreamSlot::None => ("", ""),
            StreamSlot::Claim(id) => (id, "claim"),
            StreamSlot::Holds(id) => (id, "holds"),
        };
        let reply: Vec<redis::Value> = invocation
            .key(self.key(schedule_id, &format!("streams:{user_id}")))
            .arg(stream)
            .arg(mode)
            .run(&mut conn)
            .await
            .map_err(unavailable)?;
        standing(&reply)
    }

    /// The first two keys and four arguments of `enter` and `status`, which `CHARGE`
    /// reads: the throttle's two counters, the user, the two limits and the window.
    fn charge<'i, 's>(
        &self,
        invocation: &'i mut LuaCall<'s>,
        schedule_id: i64,
        user_id: i64,
        throttle: &Throttle,
    ) -> &'i mut LuaCall<'s> {
        let address = throttle.address.as_deref().unwrap_or("-");
        invocation
            .key(self.key(schedule_id, &format!("limit:user:{user_id}")))
            .key(self.key(schedule_id, &format!("limit:addr:{address}")))
            .arg(user_id)
            .arg(throttle.user_limit)
            .arg(throttle.address_limit)
            .arg(throttle.window_ms.max(1))
    }

    /// Leaves the queue (or gives up an admission). False when there was nothing to leave.
    pub async fn leave(&self, schedule_id: i64, user_id: i64) -> Result<bool> {
        let mut conn = self.conn().await?;
        let removed: i64 = self
            .leave
            .key(self.key(schedule_id, "queue"))
            .key(self.key(schedule_id, "active"))
            .arg(user_id)
            .run(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(removed > 0)
    }

    pub async fn admit(
        &self,
        schedule_id: i64,
        rate_per_sec: u32,
        active_cap: u32,
        window: Duration,
        opens_at_ms: i64,
    ) -> Result<Admission> {
        let mut conn = self.conn().await?;
        let (admitted, active, waiting): (u64, u64, u64) = self
            .admit
            .key(self.key(schedule_id, "queue"))
            .key(self.key(schedule_id, "active"))
            .key(self.key(schedule_id, "meta"))
            .key(self.key(schedule_id, "admits"))
            .arg(rate_per_sec)
            .arg(active_cap)
            .arg(window.as_millis() as u64)
            .arg(opens_at_ms)
            .run(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(Admission {
            admitted,
            active,
            waiting,
        })
    }

    pub async fn finish(&self, schedule_id: i64, user_id: i64) -> Result<bool> {
        let mut conn = self.conn().await?;
        let ended: i64 = self
            .finish
            .key(self.key(schedule_id, "active"))
            .arg(user_id)
            .run(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(ended == 1)
    }

    /// True while this exact admission (identified by its end) is live: an access token
    /// from an earlier admission, or one whose admission was ended, is not.
    pub async fn is_active(&self, schedule_id: i64, user_id: i64, until_ms: i64) -> Result<bool> {
        let mut conn = self.conn().await?;
        let live: i64 = self
            .is_active
            .key(self.key(schedule_id, "active"))
            .arg(user_id)
            .arg(until_ms)
            .run(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(live == 1)
    }

    /// Redis answers a PING (for readiness).
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.conn().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    pub async fn sizes(&self, schedule_id: i64) -> Result<QueueSizes> {
        let mut conn = self.conn().await?;
        let (waiting, active, admitted_total): (u64, u64, Option<u64>) = redis::pipe()
            .zcard(self.key(schedule_id, "queue"))
            .cmd("ZCOUNT")
            .arg(self.key(schedule_id, "active"))
            .arg(format!("({}", chrono::Utc::now().timestamp_millis()))
            .arg("+inf")
            .hget(self.key(schedule_id, "meta"), "admitted_total")
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(QueueSizes {
            waiting,
            active,
            admitted_total: admitted_total.unwrap_or(0),
        })
    }

    /// Every key under this store's prefix, deleted. For tests and benchmarks, which
    /// give each run its own prefix.
    pub async fn purge(&self) -> Result<u64> {
        let mut conn = self.conn().await?;
        let pattern = format!("{}:*", self.prefix);
        if self.target.is_cluster() {
            // A cursor is one node's; KEYS goes to every master and the answers are
            // joined. Keys of many schedules span slots, so one DEL each.
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(&pattern)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            let mut deleted = 0;
            for key in keys {
                deleted += redis::cmd("DEL")
                    .arg(&key)
                    .query_async::<u64>(&mut conn)
                    .await
                    .map_err(unavailable)?;
            }
            return Ok(deleted);
        }
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            if !keys.is_empty() {
                deleted += redis::cmd("DEL")
                    .arg(&keys)
                    .query_async::<u64>(&mut conn)
                    .await
                    .map_err(unavailable)?;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }
}

/// Reads the reply of the `enter` and `status` scripts.
fn standing(reply: &[redis::Value]) -> Result<Standing> {
    Ok(match reply.first().map(text).as_deref() {
        Some("LIMITED") => {
            return Err(Error::RateLimited {
                retry_after_secs: (int(reply, 1).max(1) as u64).div_ceil(1000),
            })
        }
        Some("ADMITTED") => Standing::Admitted {
            access_until_ms: int(reply, 1),
        },
        Some("EXPIRED") => Standing::Expired,
        Some("REPLACED") => Standing::Replaced,
        Some("WAITING") => {
            let measured = float(reply, 5);
            let configured = float(reply, 6);
            Standing::Waiting {
                position: int(reply, 1) as u64,
                queue_length: int(reply, 2) as u64,
                pre_queue: int(reply, 3) == 1,
                hidden: int(reply, 4) == 1,
                admission_rate: if measured > 0.0 {
                    measured
                } else {
                    configured.max(1.0)
                },
            }
        }
        _ => Standing::NotQueued,
    })
}

fn unavailable(err: redis::RedisError) -> Error {
    Error::QueueUnavailable(err.to_string())
}

fn text(value: &redis::Value) -> String {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        redis::Value::SimpleString(text) => text.clone(),
        redis::Value::Int(n) => n.to_string(),
        _ => String::new(),
    }
}

fn float(reply: &[redis::Value], index: usize) -> f64 {
    reply
        .get(index)
        .map(text)
        .and_then(|t| t.parse().ok())
        .unwrap_or(0.0)
}

fn int(reply: &[redis::Value], index: usize) -> i64 {
    reply
        .get(index)
        .map(text)
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

//! Seat holds: all-or-nothing, time-limited claims on seats of one schedule.
//!
//! A hold is nothing but marks on its seats (`hold_id`, `hold_user_id`,
//! `hold_seat_count`, `hold_expires_at`); there is no holds table. Taking seats is one
//! conditional UPDATE inside a transaction (or alone, for one seat): only seats that are
//! unsold and carry no live hold change, and unless every requested seat changed, the
//! transaction rolls back.
//! Expiry is part of that condition, so an expired hold frees its seats without anyone
//! acting; the sweeper only clears stale marks. Keeping holds as marks makes a hold cost
//! about one conditional update (BENCHMARKS-LOG.md, hold anatomy: a `holds` row kept a
//! hold at about half the database's ceiling).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use rand::Rng;
use serde::Serialize;
use sqlx::MySqlPool;

use super::store;
use crate::accounts::Caller;
use crate::db::{conflict_as, retry_on_lock_conflict, Statement};
use crate::error::{Error, Result};
use crate::rules;

/// A live hold. Prices are on the seat map; the purchase answers with the total paid.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hold {
    pub id: i64,
    pub schedule_id: i64,
    pub seat_ids: Vec<i64>,
    pub expires_at: DateTime<Utc>,
}

/// The largest integer a JSON number keeps exactly in JavaScript (`2^53 - 1`,
/// `Number.MAX_SAFE_INTEGER`): every id the API hands out stays at or below it.
pub const MAX_HOLD_ID: i64 = (1 << 53) - 1;

#[derive(Debug, Clone, Copy)]
pub struct HoldRules {
    pub ttl: Duration,
    pub max_seats: u32,
    /// Seats one person may have of one schedule, live holds and valid tickets
    /// together (0: no limit). Without it one account could buy a whole schedule by
    /// holding a few seats at a time, again and again.
    pub max_per_schedule: u32,
}

/// What a hold must know before it takes a seat, read in one round trip: whether the
/// caller's session is live (logout and withdrawal end it), whether the schedule exists
/// and is on sale, with the expiry a hold taken now gets, and whether its waiting room
/// is on. Each was a round trip of its own, and round trips are what a hold is made of:
/// its take is a single statement. The database clock sets the expiry and decides "on
/// sale" and "room on", so api processes with skewed clocks agree.
#[derive(Debug, Clone)]
struct Checked {
    user_id: i64,
    schedule_id: i64,
    visible: bool,
    expires_at: Option<DateTime<Utc>>,
    room_active: bool,
    /// This node's clock is further from the database's than `CLOCK_TOLERANCE`.
    clock_off: bool,
}

/// The hold's first look (see `Checked`); a session that has ended is 401 here, before
/// anything else is told. Primary-key lookups that lock nothing.
async fn check(
    pool: &MySqlPool,
    rules: HoldRules,
    caller: Caller,
    schedule_id: i64,
) -> Result<Checked> {
    let (signed_in, visible, expires_at, room_active, now): (
        bool,
        bool,
        Option<DateTime<Utc>>,
        bool,
        DateTime<Utc>,
    ) = look_statement(caller, schedule_id, rules.ttl)
        .query_as()
        .fetch_one(pool)
        .await?;
    let clock_off = clock_off(now);
    if !signed_in {
        return Err(Error::Unauthenticated);
    }
    Ok(Checked {
        user_id: caller.user_id,
        schedule_id,
        visible,
        expires_at,
        room_active,
        clock_off,
    })
}

/// The look's one statement: the session, whether the schedule is visible, the expiry
/// a hold taken now gets (none unless on sale), whether its waiting room is on, and the
/// database's clock.
fn look_statement(caller: Caller, schedule_id: i64, ttl: Duration) -> Statement {
    let mut sql = Statement::new("select ");
    rules::session_live(&mut sql, caller)
        .push(
            ", exists(select 1 from schedules sc join shows s on s.id = sc.show_id
                      where sc.id = ",
        )
        .bind(schedule_id)
        .push(" and s.deleted_at is null), case when ");
    rules::on_sale(&mut sql, schedule_id)
        .push(" then current_timestamp(6) + interval ")
        .bind(ttl.as_micros() as i64)
        .push(" microsecond end, ");
    rules::room_active(&mut sql, schedule_id).push(", current_timestamp(6)");
    sql
}

/// The seats a request names, sorted and without repeats, or why they cannot be held
/// at all (none, or more than one hold may take).
fn requested_seats(rules: HoldRules, seat_ids: &[i64]) -> Result<Vec<i64>> {
    let mut seat_ids = seat_ids.to_vec();
    seat_ids.sort_unstable();
    seat_ids.dedup();
    if seat_ids.is_empty() {
        return Err(Error::validation("seat_ids", "must name at least one seat"));
    }
    if seat_ids.len() > rules.max_seats as usize {
        return Err(Error::TooManySeats {
            max: rules.max_seats,
        });
    }
    Ok(seat_ids)
}

/// How far a hold's expiry may stray from the database's now + TTL when the one-trip
/// take (`take_at_once`) writes it from the api's clock. A node whose clock is further
/// off than this never takes a hold that way: its holds go the two-trip way, whose
/// expiry the database clock sets exactly (and `check` says so in the log, once).
pub const CLOCK_TOLERANCE: Duration = Duration::from_secs(1);

/// A one-seat hold in one round trip; with the per-person limit on, as one compound
/// statement (`take_within_limit_at_once`). Without the limit, the conditional update
/// itself requires the session live, the schedule on sale and, unless the caller has
/// shown a live admission (`admitted`, checked by the api beforehand), the waiting room
/// off. MariaDB's UPDATE has no RETURNING, so the expiry cannot be read back from the
/// database clock in the same trip; the api's clock writes it instead, and the update
/// refuses it unless it lies within `CLOCK_TOLERANCE` of the database's now + TTL. This
/// is the whole of an on-sale's typical hold, so it costs about what the database's
/// own single statement costs.
async fn take_at_once(
    pool: &MySqlPool,
    rules: HoldRules,
    caller: Caller,
    schedule_id: i64,
    seat_ids: &[i64],
    admitted: bool,
) -> Result<AtOnce> {
    let [seat_id] = seat_ids else {
        return Ok(AtOnce::NotTried);
    };
    if rules.max_per_schedule > 0 {
        return take_within_limit_at_once(pool, rules, caller, schedule_id, *seat_id, admitted)
            .await;
    }
    // Microseconds, as the column keeps them: the hold answered is the hold stored.
    let expires_at = (Utc::now() + rules.ttl).trunc_subsecs(6);
    let seat = OneSeat {
        hold_id: new_hold_id(),
        caller,
        schedule_id,
        seat_id: *seat_id,
    };
    let take = take_at_once_statement(seat, expires_at, rules.ttl, admitted);
    let taken =
        retry_on_lock_conflict(|| async { Ok(take.query().execute(pool).await?.rows_affected()) })
            .await?;
    if taken != 1 {
        return Ok(AtOnce::Missed);
    }
    Ok(AtOnce::Taken(Hold {
        id: seat.hold_id,
        schedule_id,
        seat_ids: vec![*seat_id],
        expires_at,
    }))
}

/// The seat a one-trip take claims, and for whom.
#[derive(Debug, Clone, Copy)]
struct OneSeat {
    hold_id: i64,
    caller: Caller,
    schedule_id: i64,
    seat_id: i64,
}

/// The one-trip take without the limit: the seat's conditional update, which itself
/// requires the expiry near the database's now + TTL, the session live, the schedule on
/// sale and, unless `admitted`, its waiting room off.
fn take_at_once_statement(
    seat: OneSeat,
    expires_at: DateTime<Utc>,
    ttl: Duration,
    admitted: bool,
) -> Statement {
    let earliest = ttl.saturating_sub(CLOCK_TOLERANCE).as_micros() as i64;
    let latest = (ttl + CLOCK_TOLERANCE).as_micros() as i64;
    let mut sql = Statement::new("update seats force index (primary) set hold_id = ");
    sql.bind(seat.hold_id)
        .push(", hold_user_id = ")
        .bind(seat.caller.user_id)
        .push(", hold_seat_count = 1, hold_expires_at = ")
        .bind(expires_at)
        .push(" where id = ")
        .bind(seat.seat_id)
        .push(" and schedule_id = ")
        .bind(seat.schedule_id)
        .push(
            " and not is_sold
               and (hold_expires_at is null or hold_expires_at <= current_timestamp(6))
               and ",
        )
        .bind(expires_at)
        .push(" between current_timestamp(6) + interval ")
        .bind(earliest)
        .push(" microsecond and current_timestamp(6) + interval ")
        .bind(latest)
        .push(" microsecond and ");
    rules::session_live(&mut sql, seat.caller).push(" and ");
    rules::on_sale(&mut sql, seat.schedule_id);
    if !admitted {
        sql.push(" and not ");
        rules::room_active(&mut sql, seat.schedule_id);
    }
    sql
}

/// A one-seat hold under the per-person limit as one compound statement, which MariaDB
/// runs whole on its side: lock the person's row, count their live holds and valid
/// tickets of the schedule, take the seat, commit. The same transaction as `try_take`'s,
/// statement for statement (the lock before the count, so the count is read after every
/// earlier hold of theirs committed), without a round trip between its statements.
/// A failing statement rolls back before the error leaves, so no connection goes back
/// to the pool inside a transaction. It answers one row: the outcome (TAKEN, LIMIT or
/// MISSED), the seats still allowed when the limit is reached, and the expiry taken.
fn take_within_limit_statement(
    seat: OneSeat,
    limit: u32,
    ttl: Duration,
    admitted: bool,
) -> Statement {
    let OneSeat {
        hold_id,
        caller,
        schedule_id,
        seat_id,
    } = seat;
    let mut sql = Statement::new("begin not atomic\n declare v_hold bigint default ");
    sql.bind(hold_id)
        .push(";\n declare v_user bigint default ")
        .bind(caller.user_id)
        .push(";\n declare v_schedule bigint default ")
        .bind(schedule_id)
        .push(";\n declare v_seat bigint default ")
        .bind(seat_id)
        .push(";\n declare v_limit bigint default ")
        .bind(limit)
        .push(";\n declare v_ttl_us bigint default ")
        .bind(ttl.as_micros() as i64)
        .push(";\n declare v_admitted boolean default ")
        .bind(admitted)
        .push(
            ";
       declare v_locked bigint;
       declare v_live, v_on_sale, v_room_shut boolean;
       declare v_count bigint;
       declare v_expires datetime(6);
       declare exit handler for sqlexception begin rollback; resignal; end;
       start transaction;
       select id into v_locked from users where id = v_user for update;
       select ",
        );
    rules::session_live(&mut sql, caller).push(", ");
    rules::on_sale(&mut sql, schedule_id).push(", not v_admitted and ");
    rules::room_active(&mut sql, schedule_id).push(", ");
    rules::seats_of_person(&mut sql, caller.user_id, schedule_id).push(
        "
         into v_live, v_on_sale, v_room_shut, v_count;
       if not (v_live and v_on_sale) or v_room_shut then
         rollback;
         select 'MISSED', null, null;
       elseif v_count >= v_limit then
         rollback;
         select 'LIMIT', greatest(v_limit - v_count, 0), null;
       else
         set v_expires = current_timestamp(6) + interval v_ttl_us microsecond;
         update seats force index (primary)
            set hold_id = v_hold, hold_user_id = v_user, hold_seat_count = 1,
                hold_expires_at = v_expires
          where id = v_seat and schedule_id = v_schedule and not is_sold
            and (hold_expires_at is null or hold_expires_at <= current_timestamp(6));
         if row_count() = 1 then
           commit;
           select 'TAKEN', null, v_expires;
         else
           rollback;
           select 'MISSED', null, null;
         end if;
       end if;
     end",
    );
    sql
}

/// The one-trip take with the per-person limit on (`take_within_limit_statement`). A
/// limit reached is said at once; any other miss (session, sale, waiting room, the
/// seat) is left to the look, as for `take_at_once`. The expiry is the database clock's.
async fn take_within_limit_at_once(
    pool: &MySqlPool,
    rules: HoldRules,
    caller: Caller,
    schedule_id: i64,
    seat_id: i64,
    admitted: bool,
) -> Result<AtOnce> {
    let hold_id = new_hold_id();
    let limit = rules.max_per_schedule;
    let seat = OneSeat {
        hold_id,
        caller,
        schedule_id,
        seat_id,
    };
    let take = take_within_limit_statement(seat, limit, rules.ttl, admitted);
    let (outcome, remaining, expires_at): (String, Option<i64>, Option<DateTime<Utc>>) =
        retry_on_lock_conflict(|| async { Ok(take.query_as().fetch_one(pool).await?) }).await?;
    match (outcome.as_str(), remaining, expires_at) {
        ("TAKEN", _, Some(expires_at)) => Ok(AtOnce::Taken(Hold {
            id: hold_id,
            schedule_id,
            seat_ids: vec![seat_id],
            expires_at,
        })),
        ("LIMIT", Some(remaining), _) => Err(Error::TicketLimitReached {
            limit,
            remaining: remaining.clamp(0, i64::from(limit)) as u32,
        }),
        ("MISSED", _, _) => Ok(AtOnce::Missed),
        other => Err(Error::internal(format!(
            "the hold's compound statement answered {other:?}"
        ))),
    }
}

/// What the one-trip take did.
enum AtOnce {
    Taken(Hold),
    /// Took nothing: the look must tell why.
    Missed,
    /// Several seats: not a one-trip hold.
    NotTried,
}

/// Random, since with no table behind it nothing hands out ids; at most 2^53 - 1, so
/// a JavaScript client's JSON.parse keeps it exact. A guessed id is worth nothing
/// anyway: every use of a hold checks it belongs to the caller.
fn new_hold_id() -> i64 {
    rand::rngs::OsRng.gen_range(1..=MAX_HOLD_ID)
}

/// Whether this node's clock is further from the database's than `CLOCK_TOLERANCE`,
/// which sends every hold the slower two-trip way; said in the log once per process.
fn clock_off(database_now: DateTime<Utc>) -> bool {
    static NOTED: AtomicBool = AtomicBool::new(false);
    let skew = Utc::now() - database_now;
    let off = skew.abs().to_std().unwrap_or_default() > CLOCK_TOLERANCE;
    if off && !NOTED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            skew_ms = skew.num_milliseconds(),
            "this node's clock is off the database's by more than the hold tolerance; holds take two round trips"
        );
    }
    off
}

/// A whole hold: the one-trip take where it applies, else (or to explain a miss) the
/// look, the waiting room and the take. `admitted`: the caller showed a live admission,
/// already checked. `room_gate` is asked only when the schedule's room is on and the
/// caller was not `admitted`; it answers whether they may pass now (the api checks a
/// pass in Redis; callers with none refuse).
///
/// After a one-trip miss, the look tells why: an ended session, an unknown schedule or
/// one not on sale are said as such; otherwise the seat was taken, which is said
/// without trying the take again (a hot seat's losers touch its row once), unless the
/// room let the caller in only now or this node's clock kept the one-trip take from
/// writing its expiry.
pub async fn create<F>(
    pool: &MySqlPool,
    rules: HoldRules,
    caller: Caller,
    schedule_id: i64,
    seat_ids: &[i64],
    admitted: bool,
    room_gate: F,
) -> Result<Hold>
where
    F: AsyncFnOnce() -> Result<()>,
{
    let seat_ids = requested_seats(rules, seat_ids)?;
    let tried = match take_at_once(pool, rules, caller, schedule_id, &seat_ids, admitted).await? {
        AtOnce::Taken(hold) => return Ok(hold),
        AtOnce::Missed => true,
        AtOnce::NotTried => false,
    };
    let checked = check(pool, rules, caller, schedule_id).await?;
    let mut take_again = !tried || checked.clock_off;
    if checked.room_active && !admitted {
        room_gate().await?;
        take_again = true;
    }
    if take_again {
        take(pool, rules, &checked, &seat_ids).await
    } else {
        Err(why_missed(pool, &checked, &seat_ids).await)
    }
}

/// The `room_gate` of a caller with no waiting-room admission to show: a schedule whose
/// room is on refuses them.
pub async fn no_room() -> Result<()> {
    Err(Error::QueueTokenRequired)
}

/// Why a one-trip take that the look found nothing against took nothing.
async fn why_missed(pool: &MySqlPool, checked: &Checked, seat_ids: &[i64]) -> Error {
    if !checked.visible {
        return Error::NotFound("schedule");
    }
    if checked.expires_at.is_none() {
        return Error::NotOnSale;
    }
    missing_or_taken(pool, checked.schedule_id, seat_ids).await
}

/// Takes the seats (as `requested_seats` gave them) for the checked caller and
/// schedule, all or nothing. The caller has settled the waiting room in between (when
/// it is on).
async fn take(
    pool: &MySqlPool,
    rules: HoldRules,
    checked: &Checked,
    seat_ids: &[i64],
) -> Result<Hold> {
    if !checked.visible {
        return Err(Error::NotFound("schedule"));
    }
    let Some(expires_at) = checked.expires_at else {
        return Err(Error::NotOnSale);
    };
    let (user_id, schedule_id) = (checked.user_id, checked.schedule_id);
    let hold_id = new_hold_id();
    let claim = Claim {
        hold_id,
        user_id,
        schedule_id,
        expires_at,
    };
    retry_on_lock_conflict(|| try_take(pool, rules, claim, seat_ids))
        .await
        // Losing a deadlock every time means others are fighting over these seats.
        .map_err(|err| {
            conflict_as(
                err,
                Error::SeatUnavailable {
                    seat_ids: Vec::new(),
                },
            )
        })
}

/// A hold of `count` places of the general-admission grade `grade_id` (스탠딩, 자유석,
/// an exhibition's entry): the same hold as one of named seats, on places the
/// database picks. Goes the two-trip way: the look, the waiting room, then the take.
pub async fn create_places<F>(
    pool: &MySqlPool,
    rules: HoldRules,
    caller: Caller,
    schedule_id: i64,
    places: Places,
    admitted: bool,
    room_gate: F,
) -> Result<Hold>
where
    F: AsyncFnOnce() -> Result<()>,
{
    if places.count == 0 {
        return Err(Error::validation("places.count", "must be at least 1"));
    }
    if places.count > rules.max_seats {
        return Err(Error::TooManySeats {
            max: rules.max_seats,
        });
    }
    let checked = check(pool, rules, caller, schedule_id).await?;
    if checked.room_active && !admitted {
        room_gate().await?;
    }
    if !checked.visible {
        return Err(Error::NotFound("schedule"));
    }
    let Some(expires_at) = checked.expires_at else {
        return Err(Error::NotOnSale);
    };
    let general = sqlx::query_scalar!(
        r#"select general_admission as "general: bool" from seat_grades
           where id = ? and schedule_id = ?"#,
        places.grade_id,
        schedule_id
    )
    .fetch_optional(pool)
    .await?;
    if general != Some(true) {
        return Err(Error::NotFound("area"));
    }
    let claim = Claim {
        hold_id: new_hold_id(),
        user_id: checked.user_id,
        schedule_id,
        expires_at,
    };
    // SKIP LOCKED passes over places that may yet come free (a hold that came up short
    // rolling back, a refund putting one back). A short pick asks how many the last
    // commits left free (a plain read, which waits for nobody): while that says enough,
    // it tries again after a pause, a few times, rather than call the area full. Waiting
    // on the locks instead would queue every late buyer behind the area's purchases,
    // holding a connection each.
    let mut available = 0;
    for attempt in 0..PLACE_PICKS {
        match retry_on_lock_conflict(|| try_take_places(pool, rules, claim, places)).await {
            Err(Error::PlacesUnavailable { .. }) => {
                available = free_places(pool, places.grade_id).await?;
                if available < places.count || attempt + 1 == PLACE_PICKS {
                    break;
                }
                let pause = rand::thread_rng().gen_range(5..30);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            taken => return taken,
        }
    }
    Err(Error::PlacesUnavailable {
        available: available.min(places.count.saturating_sub(1)),
    })
}

/// How many times a hold of places picks before it says the area is full.
const PLACE_PICKS: u32 = 2;

/// The free places of a general-admission grade by the last commits (a plain read):
/// places in holds being taken this instant still count.
async fn free_places(pool: &MySqlPool, grade_id: i64) -> Result<u32> {
    let free = sqlx::query_scalar!(
        "select count(*) from seats
         where grade_id = ? and is_sold = false
           and (hold_expires_at is null or hold_expires_at <= current_timestamp(6))",
        grade_id
    )
    .fetch_one(pool)
    .await?;
    Ok(u32::try_from(free).unwrap_or(u32::MAX))
}

/// How many places of which general-admission grade a hold asks for.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Places {
    /// A grade whose `general_admission` is true.
    pub grade_id: i64,
    #[schema(minimum = 1)]
    pub count: u32,
}

/// Picks the first free places of the grade, passing over those another hold or
/// purchase has locked this instant (SKIP LOCKED: a crowd on one area takes different
/// places side by side instead of queueing on the same rows), and marks them as the
/// hold's, under the per-person limit when it is on. Too few: nothing is taken.
///
/// The index is named: through `ix_seats_grade_sale` the pick walks only unsold places,
/// in id order, and stops at the count; a plan that sorted would lock every free place
/// of the area and leave none for anyone else.
async fn try_take_places(
    pool: &MySqlPool,
    rules: HoldRules,
    claim: Claim,
    places: Places,
) -> Result<Hold> {
    let mut tx = pool.begin().await?;
    if rules.max_per_schedule > 0 {
        within_personal_limit(
            &mut tx,
            rules.max_per_schedule,
            claim.user_id,
            claim.schedule_id,
            places.count as usize,
        )
        .await?;
    }
    let ids: Vec<i64> = sqlx::query_scalar!(
        "select id from seats force index (ix_seats_grade_sale)
         where grade_id = ? and is_sold = false
           and (hold_expires_at is null or hold_expires_at <= current_timestamp(6))
         order by id limit ? for update skip locked",
        places.grade_id,
        places.count
    )
    .fetch_all(&mut *tx)
    .await?;
    if ids.len() < places.count as usize {
        tx.rollback().await?;
        return Err(Error::PlacesUnavailable {
            available: ids.len() as u32,
        });
    }
    let taken = mark_statement(claim, &ids)
        .query()
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if taken != ids.len() as u64 {
        return Err(Error::internal(
            "locked free places changed under their lock",
        ));
    }
    tx.commit().await?;
    Ok(Hold {
        id: claim.hold_id,
        schedule_id: claim.schedule_id,
        seat_ids: ids,
        expires_at: claim.expires_at,
    })
}

/// The marks a hold puts on its seats.
#[derive(Debug, Clone, Copy)]
struct Claim {
    hold_id: i64,
    user_id: i64,
    schedule_id: i64,
    expires_at: DateTime<Utc>,
}

async fn try_take(
    pool: &MySqlPool,
    rules: HoldRules,
    claim: Claim,
    seat_ids: &[i64],
) -> Result<Hold> {
    let Claim {
        hold_id,
        user_id,
        schedule_id,
        expires_at,
    } = claim;
    let take = mark_statement(claim, seat_ids);

    // One seat and no per-person limit: the statement is all or nothing by itself, so
    // it runs in autocommit and skips the BEGIN and COMMIT round trips. Otherwise a
    // transaction, rolled back unless every seat was taken.
    let taken = if let ([_], 0) = (seat_ids, rules.max_per_schedule) {
        take.query().execute(pool).await?.rows_affected()
    } else {
        let mut tx = pool.begin().await?;
        if rules.max_per_schedule > 0 {
            within_personal_limit(
                &mut tx,
                rules.max_per_schedule,
                user_id,
                schedule_id,
                seat_ids.len(),
            )
            .await?;
        }
        let taken = take.query().execute(&mut *tx).await?.rows_affected();
        if taken == seat_ids.len() as u64 {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        taken
    };
    if taken != seat_ids.len() as u64 {
        return Err(missing_or_taken(pool, schedule_id, seat_ids).await);
    }
    Ok(Hold {
        id: hold_id,
        schedule_id,
        seat_ids: seat_ids.to_vec(),
        expires_at,
    })
}

/// The conditional update that marks the seats as the claim's hold, where they are
/// free. Point lookups on the primary key, ids sorted: every hold locks its seats in
/// the same order, so overlapping holds queue instead of deadlocking. Without the hint
/// the optimizer may scan the schedule's seats and lock them in another order.
fn mark_statement(claim: Claim, seat_ids: &[i64]) -> Statement {
    let mut take = Statement::new("update seats force index (primary) set hold_id = ");
    take.bind(claim.hold_id)
        .push(", hold_user_id = ")
        .bind(claim.user_id)
        .push(", hold_seat_count = ")
        .bind(seat_ids.len() as i32)
        .push(", hold_expires_at = ")
        .bind(claim.expires_at)
        .push(" where not is_sold and (hold_expires_at is null or hold_expires_at <= current_timestamp(6)) and schedule_id = ")
        .bind(claim.schedule_id)
        .push(" and id in (")
        .bind_list(seat_ids)
        .push(")");
    take
}

/// Refuses a hold that would give this person more than `limit` seats of the
/// schedule. The user row is locked first (user before seats, the lock order), so a
/// person's holds, purchases and refunds run one at a time across every api process,
/// and the count cannot change under this hold until it commits.
async fn within_personal_limit(
    conn: &mut sqlx::MySqlConnection,
    limit: u32,
    user_id: i64,
    schedule_id: i64,
    wanted: usize,
) -> Result<()> {
    store::lock_user(conn, user_id).await?;
    let mut count = Statement::new("select ");
    rules::seats_of_person(&mut count, user_id, schedule_id);
    let count: i64 = count.query_scalar().fetch_one(&mut *conn).await?;
    let remaining = (i64::from(limit) - count).max(0);
    if wanted as i64 > remaining {
        return Err(Error::TicketLimitReached {
            limit,
            remaining: remaining as u32,
        });
    }
    Ok(())
}

/// Seats that do not belong to the schedule are a 404, not a conflict: retrying will
/// never help. Otherwise a conflict naming the seats that are sold or held now.
async fn missing_or_taken(pool: &MySqlPool, schedule_id: i64, seat_ids: &[i64]) -> Error {
    let mut look = Statement::new(
        "select id, is_sold or coalesce(hold_expires_at > current_timestamp(6), false)
         from seats where schedule_id = ",
    );
    look.bind(schedule_id)
        .push(" and id in (")
        .bind_list(seat_ids)
        .push(")");
    match look.query_as::<(i64, bool)>().fetch_all(pool).await {
        Ok(found) if found.len() != seat_ids.len() => Error::NotFound("seat"),
        Ok(found) => Error::SeatUnavailable {
            seat_ids: found
                .into_iter()
                .filter(|(_, taken)| *taken)
                .map(|(id, _)| id)
                .collect(),
        },
        Err(err) => err.into(),
    }
}

/// What became of a hold that has no live seats for this user: paid (there is an order)
/// or expired but not yet swept are 409; anything else - released, swept, never this
/// user's - is 404, as a hold with no marks left no longer exists.
pub(crate) async fn gone_reason(pool: &MySqlPool, user_id: i64, hold_id: i64) -> Error {
    let traces = sqlx::query!(
        r#"select (select count(*) from orders where hold_id = ? and user_id = ?) as "orders!",
                  (select count(*) from seats where hold_id = ? and hold_user_id = ?) as "marks!""#,
        hold_id,
        user_id,
        hold_id,
        user_id
    )
    .fetch_one(pool)
    .await;
    match traces {
        Ok(traces) if traces.orders == 0 && traces.marks == 0 => Error::NotFound("hold"),
        Ok(_) => Error::HoldNotActive,
        Err(err) => err.into(),
    }
}

/// A live hold as checkout shows it: what is held, for which performance, until when.
#[derive(Debug, Clone)]
pub struct HoldDetail {
    pub id: i64,
    pub show_id: i64,
    pub show_title: String,
    /// The show's own refund tiers, if it has them.
    pub refund_policy: Option<String>,
    pub venue: String,
    pub schedule_id: i64,
    pub starts_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub seats: Vec<HeldSeat>,
}

impl HoldDetail {
    /// The seats' grade prices: what the purchase debits before booking fees.
    pub fn total(&self) -> i64 {
        self.seats.iter().map(|seat| seat.price).sum()
    }
}

#[derive(Debug, Clone)]
pub struct HeldSeat {
    pub id: i64,
    pub grade: String,
    /// A place of a general-admission area: no row or number to show, and its
    /// 입장번호 comes with the purchase.
    pub general_admission: bool,
    pub price: i64,
    pub row: String,
    pub number: i32,
}

/// The user's live hold `hold_id`; HOLD_NOT_FOUND when it never was theirs,
/// HOLD_NOT_ACTIVE when it expired, was released or was bought.
pub async fn live_for_user(pool: &MySqlPool, user_id: i64, hold_id: i64) -> Result<HoldDetail> {
    let rows = sqlx::query!(
        r#"select st.id, g.name as grade, g.general_admission as "general_admission: bool",
                  g.price, st.row_label, st.seat_number as number, sc.id as schedule_id, sc.starts_at as "starts_at: DateTime<Utc>",
                  st.hold_expires_at as "expires_at!: DateTime<Utc>",
                  s.id as show_id, s.title as show_title,
                  cast(s.refund_policy as char) as refund_policy, v.name as venue
           from seats st
           join seat_grades g on g.id = st.grade_id
           join schedules sc on sc.id = st.schedule_id
           join shows s on s.id = sc.show_id
           join venues v on v.id = s.venue_id
           where st.hold_id = ? and st.hold_user_id = ? and not st.is_sold
             and st.hold_expires_at > current_timestamp(6)
           order by st.row_label, st.seat_number"#,
        hold_id,
        user_id
    )
    .fetch_all(pool)
    .await?;
    let Some(first) = rows.first() else {
        return Err(gone_reason(pool, user_id, hold_id).await);
    };
    Ok(HoldDetail {
        id: hold_id,
        show_id: first.show_id,
        show_title: first.show_title.clone(),
        refund_policy: first.refund_policy.clone(),
        venue: first.venue.clone(),
        schedule_id: first.schedule_id,
        starts_at: first.starts_at,
        expires_at: first.expires_at,
        seats: rows
            .into_iter()
            .map(|row| HeldSeat {
                id: row.id,
                grade: row.grade,
                general_admission: row.general_admission,
                price: row.price,
                row: row.row_label,
                number: row.number,
            })
            .collect(),
    })
}

/// Ends a live hold early and frees its seats: one statement, so all of them at once.
pub async fn release(pool: &MySqlPool, user_id: i64, hold_id: i64) -> Result<()> {
    let released = sqlx::query!(
        "update seats set hold_id = null, hold_user_id = null, hold_seat_count = null,
                hold_expires_at = null
         where hold_id = ? and hold_user_id = ? and not is_sold
           and hold_expires_at > current_timestamp(6)",
        hold_id,
        user_id
    )
    .execute(pool)
    .await?
    .rows_affected();
    if released > 0 {
        Ok(())
    } else {
        Err(gone_reason(pool, user_id, hold_id).await)
    }
}

/// Releases every hold of a performance its organizer cancelled, inside the
/// cancellation's transaction, after locking every seat of the schedule (sessions run
/// READ COMMITTED, where an update locks only the rows it changes: the explicit lock
/// is what makes this wait for each purchase and hold in flight). A purchase that has
/// locked its held seats commits first, and the cancellation refunds its tickets; one
/// that comes later finds its hold gone, or (a hold slipped in meanwhile) reads the
/// schedule cancelled in its own on-sale check, which the cancellation's commit
/// precedes.
pub async fn release_all_of_schedule(
    conn: &mut sqlx::MySqlConnection,
    schedule_id: i64,
) -> Result<u64> {
    sqlx::query!(
        "select id from seats where schedule_id = ? order by id for update",
        schedule_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(sqlx::query!(
        "update seats set hold_id = null, hold_user_id = null, hold_seat_count = null,
                hold_expires_at = null
         where schedule_id = ? and hold_id is not null and not is_sold",
        schedule_id
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Clears the marks of expired holds. Availability never depends on this running; it
/// keeps the seat rows tidy. Safe to run from several processes at once: idempotent.
pub async fn sweep_expired(pool: &MySqlPool) -> Result<u64> {
    Ok(sqlx::query!(
        "update seats set hold_id = null, hold_user_id = null, hold_seat_count = null,
                hold_expires_at = null
         where hold_expires_at <= current_timestamp(6) limit 20000"
    )
    .execute(pool)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values that say what they are: a placeholder bound to the wrong one shows.
    const SEAT: OneSeat = OneSeat {
        hold_id: 5005,
        caller: Caller {
            user_id: 2002,
            session_id: 1001,
        },
        schedule_id: 3003,
        seat_id: 4004,
    };

    #[test]
    fn the_limited_hold_binds_what_it_means() {
        let sql = take_within_limit_statement(SEAT, 4, Duration::from_secs(7), true);
        let spelled = sql.spelled();
        for declared in [
            "declare v_hold bigint default 5005;",
            "declare v_user bigint default 2002;",
            "declare v_schedule bigint default 3003;",
            "declare v_seat bigint default 4004;",
            "declare v_limit bigint default 4;",
            "declare v_ttl_us bigint default 7000000;",
            "declare v_admitted boolean default true;",
        ] {
            assert!(spelled.contains(declared), "{declared} in {spelled}");
        }
        for rule in [
            "live_session.id = 1001 and live_session.user_id = 2002",
            "where sale_sc.id = 3003 and",
            "not v_admitted and exists(select 1 from waiting_rooms room_w",
            "where room_w.schedule_id = 3003 and",
            "from seats where hold_user_id = 2002 and schedule_id = 3003 and",
            "from tickets where user_id = 2002 and schedule_id = 3003 and",
        ] {
            assert!(spelled.contains(rule), "{rule} in {spelled}");
        }
        assert_eq!(sql.values().len(), 7 + 2 + 1 + 1 + 4);
    }

    #[test]
    fn the_one_trip_take_binds_what_it_means() {
        let expires_at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let sql = take_at_once_statement(SEAT, expires_at, Duration::from_secs(7), false);
        let spelled = sql.spelled();
        for part in [
            "set hold_id = 5005, hold_user_id = 2002, hold_seat_count = 1, \
             hold_expires_at = '2027-01-15 08:00:00.000000' where id = 4004 and schedule_id = 3003",
            "and '2027-01-15 08:00:00.000000' between current_timestamp(6) + interval 6000000 \
             microsecond and current_timestamp(6) + interval 8000000 microsecond",
            "live_session.id = 1001 and live_session.user_id = 2002",
            "where sale_sc.id = 3003 and",
            "and not exists(select 1 from waiting_rooms room_w",
            "where room_w.schedule_id = 3003 and",
        ] {
            assert!(spelled.contains(part), "{part} in {spelled}");
        }
        let admitted = take_at_once_statement(SEAT, expires_at, Duration::from_secs(7), true);
        assert!(!admitted.sql().contains("waiting_rooms"));
    }

    #[test]
    fn the_look_binds_what_it_means() {
        let spelled = look_statement(SEAT.caller, 3003, Duration::from_secs(7)).spelled();
        for part in [
            "live_session.id = 1001 and live_session.user_id = 2002",
            "where sc.id = 3003 and s.deleted_at is null",
            "where sale_sc.id = 3003 and",
            "then current_timestamp(6) + interval 7000000 microsecond end",
            "where room_w.schedule_id = 3003 and",
        ] {
            assert!(spelled.contains(part), "{part} in {spelled}");
        }
    }
}

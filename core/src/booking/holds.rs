//! Seat holds: all-or-nothing, time-limited claims on seats of one schedule.
//!
//! A hold is nothing but marks on its seats (`hold_id`, `hold_user_id`,
//! `hold_seat_count`, `hold_expires_at`); there is no holds table. Taking seats is one
//! conditional UPDATE inside a transaction (or alone, for one seat): only seats that are
//! unsold and carry no live hold change, and unless every requested seat changed, the
//! transaction rolls back.
//! Expiry is part of that condition, so an expired hold frees its seats without anyone
//! acting; the sweeper only clears stale marks. Keeping holds as marks makes a hold cost
//! about one conditional update (see BENCHMARKS.md, hold anatomy).

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Serialize;
use sqlx::{MySqlPool, QueryBuilder};

use crate::db::{conflict_as, push_ids, retry_on_lock_conflict};
use crate::error::{Error, Result};

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

pub async fn create(
    pool: &MySqlPool,
    rules: HoldRules,
    user_id: i64,
    schedule_id: i64,
    seat_ids: &[i64],
) -> Result<Hold> {
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
    // Random, since with no table behind it nothing hands out ids; at most 2^53 - 1, so
    // a JavaScript client's JSON.parse keeps it exact. A guessed id is worth nothing
    // anyway: every use of a hold checks it belongs to the caller.
    let hold_id = rand::rngs::OsRng.gen_range(1..=MAX_HOLD_ID);
    retry_on_lock_conflict(|| try_create(pool, rules, hold_id, user_id, schedule_id, &seat_ids))
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

async fn try_create(
    pool: &MySqlPool,
    rules: HoldRules,
    hold_id: i64,
    user_id: i64,
    schedule_id: i64,
    seat_ids: &[i64],
) -> Result<Hold> {
    // On sale? Primary-key lookups that lock nothing: under READ COMMITTED this read
    // would not lock inside the transaction either, so it runs before it. The database
    // clock sets the expiry, so api processes with skewed clocks agree.
    let expires_at: Option<DateTime<Utc>> = sqlx::query_scalar(
        "select current_timestamp(6) + interval ? microsecond
         from schedules sc join shows s on s.id = sc.show_id
         where sc.id = ? and s.deleted_at is null
           and s.booking_opens_at <= current_timestamp(6) and sc.starts_at > current_timestamp(6)",
    )
    .bind(rules.ttl.as_micros() as i64)
    .bind(schedule_id)
    .fetch_optional(pool)
    .await?;
    let Some(expires_at) = expires_at else {
        return Err(not_on_sale_reason(pool, schedule_id).await);
    };

    // Point lookups on the primary key, ids sorted: every hold locks its seats in the
    // same order, so overlapping holds queue instead of deadlocking. Without the hint the
    // optimizer may scan the schedule's seats and lock them in another order.
    let mut take = QueryBuilder::new("update seats force index (primary) set hold_id = ");
    take.push_bind(hold_id)
        .push(", hold_user_id = ")
        .push_bind(user_id)
        .push(", hold_seat_count = ")
        .push_bind(seat_ids.len() as i32)
        .push(", hold_expires_at = ")
        .push_bind(expires_at)
        .push(" where not is_sold and (hold_expires_at is null or hold_expires_at <= current_timestamp(6)) and schedule_id = ")
        .push_bind(schedule_id)
        .push(" and id in (");
    push_ids(&mut take, seat_ids);
    take.push(")");

    // One seat and no per-person limit: the statement is all or nothing by itself, so
    // it runs in autocommit and skips the BEGIN and COMMIT round trips. Otherwise a
    // transaction, rolled back unless every seat was taken.
    let taken = if let ([_], 0) = (seat_ids, rules.max_per_schedule) {
        take.build().execute(pool).await?.rows_affected()
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
        let taken = take.build().execute(&mut *tx).await?.rows_affected();
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
    sqlx::query("select id from users where id = ? for update")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    let (held, owned): (i64, i64) = sqlx::query_as(
        "select (select count(*) from seats
                 where hold_user_id = ? and schedule_id = ? and not is_sold
                   and hold_expires_at > current_timestamp(6)),
                (select count(*) from tickets
                 where user_id = ? and schedule_id = ? and status = 'VALID')",
    )
    .bind(user_id)
    .bind(schedule_id)
    .bind(user_id)
    .bind(schedule_id)
    .fetch_one(&mut *conn)
    .await?;
    let remaining = (i64::from(limit) - held - owned).max(0);
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
    let mut look = QueryBuilder::new(
        "select id, is_sold or coalesce(hold_expires_at > current_timestamp(6), false)
         from seats where schedule_id = ",
    );
    look.push_bind(schedule_id).push(" and id in (");
    push_ids(&mut look, seat_ids);
    look.push(")");
    match look.build_query_as::<(i64, bool)>().fetch_all(pool).await {
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

/// Why a schedule is not on sale: unknown (or its show deleted), or not open yet /
/// already started. Only asked after the on-sale check found nothing to book.
async fn not_on_sale_reason(pool: &MySqlPool, schedule_id: i64) -> Error {
    let visible: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
        "select sc.id from schedules sc join shows s on s.id = sc.show_id
         where sc.id = ? and s.deleted_at is null",
    )
    .bind(schedule_id)
    .fetch_optional(pool)
    .await;
    match visible {
        Ok(None) => Error::NotFound("schedule"),
        Ok(Some(_)) => Error::NotOnSale,
        Err(err) => err.into(),
    }
}

/// What became of a hold that has no live seats for this user: paid (there is an order)
/// or expired but not yet swept are 409; anything else - released, swept, never this
/// user's - is 404, as a hold with no marks left no longer exists.
pub(crate) async fn gone_reason(pool: &MySqlPool, user_id: i64, hold_id: i64) -> Error {
    let traces: Result<(i64, i64), sqlx::Error> = sqlx::query_as(
        "select (select count(*) from orders where hold_id = ? and user_id = ?),
                (select count(*) from seats where hold_id = ? and hold_user_id = ?)",
    )
    .bind(hold_id)
    .bind(user_id)
    .bind(hold_id)
    .bind(user_id)
    .fetch_one(pool)
    .await;
    match traces {
        Ok((0, 0)) => Error::NotFound("hold"),
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
    pub venue: String,
    pub schedule_id: i64,
    pub starts_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub seats: Vec<HeldSeat>,
}

impl HoldDetail {
    /// What the purchase will debit: the sum of the seats' grade prices.
    pub fn total(&self) -> i64 {
        self.seats.iter().map(|seat| seat.price).sum()
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeldSeat {
    pub id: i64,
    pub grade: String,
    pub price: i64,
    #[sqlx(rename = "row_label")]
    pub row: String,
    pub number: i32,
}

/// The user's live hold `hold_id`; HOLD_NOT_FOUND when it never was theirs,
/// HOLD_NOT_ACTIVE when it expired, was released or was bought.
pub async fn live_for_user(pool: &MySqlPool, user_id: i64, hold_id: i64) -> Result<HoldDetail> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        grade: String,
        price: i64,
        row_label: String,
        number: i32,
        schedule_id: i64,
        starts_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        show_id: i64,
        show_title: String,
        venue: String,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "select st.id, g.name as grade, g.price, st.row_label, st.seat_number as number,
                sc.id as schedule_id, sc.starts_at, st.hold_expires_at as expires_at,
                s.id as show_id, s.title as show_title, v.name as venue
         from seats st
         join seat_grades g on g.id = st.grade_id
         join schedules sc on sc.id = st.schedule_id
         join shows s on s.id = sc.show_id
         join venues v on v.id = s.venue_id
         where st.hold_id = ? and st.hold_user_id = ? and not st.is_sold
           and st.hold_expires_at > current_timestamp(6)
         order by st.row_label, st.seat_number",
    )
    .bind(hold_id)
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    let Some(first) = rows.first() else {
        return Err(gone_reason(pool, user_id, hold_id).await);
    };
    Ok(HoldDetail {
        id: hold_id,
        show_id: first.show_id,
        show_title: first.show_title.clone(),
        venue: first.venue.clone(),
        schedule_id: first.schedule_id,
        starts_at: first.starts_at,
        expires_at: first.expires_at,
        seats: rows
            .into_iter()
            .map(|row| HeldSeat {
                id: row.id,
                grade: row.grade,
                price: row.price,
                row: row.row_label,
                number: row.number,
            })
            .collect(),
    })
}

/// Ends a live hold early and frees its seats: one statement, so all of them at once.
pub async fn release(pool: &MySqlPool, user_id: i64, hold_id: i64) -> Result<()> {
    let released = sqlx::query(
        "update seats set hold_id = null, hold_user_id = null, hold_seat_count = null, hold_expires_at = null
         where hold_id = ? and hold_user_id = ? and not is_sold and hold_expires_at > current_timestamp(6)",
    )
    .bind(hold_id)
    .bind(user_id)
    .execute(pool)
    .await?
    .rows_affected();
    if released > 0 {
        Ok(())
    } else {
        Err(gone_reason(pool, user_id, hold_id).await)
    }
}

/// Clears the marks of expired holds. Availability never depends on this running; it
/// keeps the seat rows tidy. Safe to run from several processes at once: idempotent.
pub async fn sweep_expired(pool: &MySqlPool) -> Result<u64> {
    Ok(sqlx::query(
        "update seats set hold_id = null, hold_user_id = null, hold_seat_count = null, hold_expires_at = null
         where hold_expires_at <= current_timestamp(6) limit 20000",
    )
    .execute(pool)
    .await?
    .rows_affected())
}

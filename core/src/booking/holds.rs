//! Seat holds: all-or-nothing, time-limited claims on seats of one schedule.
//!
//! A hold takes its seats with one conditional UPDATE inside a transaction: only seats
//! that are unsold and carry no live hold change, and unless every requested seat
//! changed, the transaction rolls back. Expiry is part of that condition, so an expired
//! hold frees its seats without anyone acting; the sweeper only tidies rows.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{MySqlPool, QueryBuilder};

use crate::db::{conflict_as, retry_on_lock_conflict};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hold {
    pub id: i64,
    pub schedule_id: i64,
    pub seat_ids: Vec<i64>,
    pub expires_at: DateTime<Utc>,
    pub total_price: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct HoldRules {
    pub ttl: Duration,
    pub max_seats: u32,
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
    retry_on_lock_conflict(|| try_create(pool, rules, user_id, schedule_id, &seat_ids))
        .await
        // Losing a deadlock every time means others are fighting over these seats.
        .map_err(|err| conflict_as(err, Error::SeatUnavailable))
}

async fn try_create(
    pool: &MySqlPool,
    rules: HoldRules,
    user_id: i64,
    schedule_id: i64,
    seat_ids: &[i64],
) -> Result<Hold> {
    let mut tx = pool.begin().await?;
    // Is the schedule on sale, and what do these seats cost? One read that locks
    // nothing (READ COMMITTED); the seat update below is what decides the hold.
    let mut check: QueryBuilder<'_, sqlx::MySql> = QueryBuilder::new(
        "select cast(coalesce(sum(g.price), 0) as signed), current_timestamp(6) + interval ",
    );
    check.push_bind(rules.ttl.as_micros() as i64).push(
        " microsecond from schedules sc
         join shows s on s.id = sc.show_id
         left join seats st on st.schedule_id = sc.id and st.id in (",
    );
    push_ids(&mut check, seat_ids);
    check
        .push(
            ") left join seat_grades g on g.id = st.grade_id
             where s.deleted_at is null and s.booking_opens_at <= current_timestamp(6)
               and sc.starts_at > current_timestamp(6) and sc.id = ",
        )
        .push_bind(schedule_id)
        .push(" group by sc.id");
    let priced: Option<(i64, DateTime<Utc>)> =
        check.build_query_as().fetch_optional(&mut *tx).await?;
    let Some((total_price, expires_at)) = priced else {
        tx.rollback().await?;
        return Err(not_on_sale_reason(pool, schedule_id).await);
    };
    // A plain INSERT ... VALUES: an INSERT ... SELECT would hold InnoDB's table-level
    // AUTO-INC lock for the whole statement (innodb_autoinc_lock_mode=1) and serialise
    // every concurrent hold. The expiry came from the database clock above, so api
    // processes with skewed clocks agree.
    let inserted = sqlx::query(
        "insert into holds (user_id, schedule_id, seat_count, total_price, expires_at) values (?, ?, ?, ?, ?)",
    )
    .bind(user_id)
    .bind(schedule_id)
    .bind(seat_ids.len() as i64)
    .bind(total_price)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    let hold_id = inserted.last_insert_id() as i64;

    // Point lookups on the primary key, ids sorted: every hold locks its seats in the
    // same order, so overlapping holds queue instead of deadlocking. Without the hint the
    // optimizer may scan the schedule's seats and lock them in another order.
    let mut take = QueryBuilder::new("update seats force index (primary) set hold_id = ");
    take.push_bind(hold_id)
        .push(", hold_expires_at = ")
        .push_bind(expires_at)
        .push(" where not is_sold and (hold_expires_at is null or hold_expires_at <= current_timestamp(6)) and schedule_id = ")
        .push_bind(schedule_id)
        .push(" and id in (");
    push_ids(&mut take, seat_ids);
    take.push(")");
    let taken = take.build().execute(&mut *tx).await?.rows_affected();
    if taken != seat_ids.len() as u64 {
        tx.rollback().await?;
        return Err(missing_or_taken(pool, schedule_id, seat_ids).await);
    }
    tx.commit().await?;
    Ok(Hold {
        id: hold_id,
        schedule_id,
        seat_ids: seat_ids.to_vec(),
        expires_at,
        total_price,
    })
}

fn push_ids(query: &mut QueryBuilder<'_, sqlx::MySql>, ids: &[i64]) {
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
}

/// Seats that do not belong to the schedule are a 404, not a conflict: retrying will
/// never help.
async fn missing_or_taken(pool: &MySqlPool, schedule_id: i64, seat_ids: &[i64]) -> Error {
    let mut count = QueryBuilder::new("select count(*) from seats where schedule_id = ");
    count.push_bind(schedule_id).push(" and id in (");
    push_ids(&mut count, seat_ids);
    count.push(")");
    match count.build_query_scalar::<i64>().fetch_one(pool).await {
        Ok(found) if found != seat_ids.len() as i64 => Error::NotFound("seat"),
        Ok(_) => Error::SeatUnavailable,
        Err(err) => err.into(),
    }
}

/// Why a schedule is not on sale: unknown (or its show deleted), or not open yet /
/// already started. Only asked after the hold's insert found nothing to book.
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

/// Ends a live hold early and frees its seats.
pub async fn release(pool: &MySqlPool, user_id: i64, hold_id: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    let status: Option<String> =
        sqlx::query_scalar("select status from holds where id = ? and user_id = ? for update")
            .bind(hold_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    match status.as_deref() {
        None => return Err(Error::NotFound("hold")),
        Some("ACTIVE") => {}
        Some(_) => return Err(Error::HoldNotActive),
    }
    sqlx::query("update holds set status = 'RELEASED' where id = ?")
        .bind(hold_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("update seats set hold_id = null, hold_expires_at = null where hold_id = ?")
        .bind(hold_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks expired holds EXPIRED and clears their marks on seats. Availability never
/// depends on this running; it keeps tables tidy and hold statuses truthful. Safe to
/// run from several processes at once: every statement is idempotent.
pub async fn sweep_expired(pool: &MySqlPool) -> Result<u64> {
    let expired = sqlx::query(
        "update holds set status = 'EXPIRED'
         where status = 'ACTIVE' and expires_at <= current_timestamp(6) limit 5000",
    )
    .execute(pool)
    .await?
    .rows_affected();
    sqlx::query(
        "update seats set hold_id = null, hold_expires_at = null
         where hold_expires_at <= current_timestamp(6) limit 20000",
    )
    .execute(pool)
    .await?;
    Ok(expired)
}

/// Runs the sweeper every `interval` until the process ends.
pub fn spawn_sweeper(pool: MySqlPool, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match sweep_expired(&pool).await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "expired holds swept"),
                Err(err) => tracing::warn!(error = %err, "hold sweep failed"),
            }
        }
    })
}

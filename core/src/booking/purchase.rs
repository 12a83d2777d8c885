//! Paying a live hold with points.
//!
//! One transaction: lock the hold's seats, check the hold is live and whole, debit the
//! points, write the order and one ticket per seat, and turn the seats from held to
//! sold. Anything short of all of it rolls back.
//!
//! Idempotency: an order is unique per hold and per (user, Idempotency-Key). Retries
//! with the same key - concurrent or later - find the first order and answer with it;
//! the same key on a different hold is refused. Failed attempts (402, expired hold)
//! store nothing, so a retry after topping up can succeed.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{MySqlConnection, MySqlPool};

use super::holds;
use super::tickets::{self, Ticket};
use crate::accounts::Caller;
use crate::db::{retry_on_lock_conflict, Statement};
use crate::error::{is_unique_violation, Error, Result};
use crate::idempotency;
use crate::points::ledger::{self, LedgerReason};
use crate::rules;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Order {
    pub id: i64,
    pub hold_id: i64,
    pub total: i64,
    pub tickets: Vec<Ticket>,
}

/// A purchase's answer: the order, and whether its schedule has a waiting room (whose
/// admission the purchase should end), read with the order rather than asked apart.
#[derive(Debug, Clone)]
pub struct Paid {
    pub order: Order,
    pub waiting_room: bool,
}

/// Pays the hold for the caller, whose session is confirmed by the statement that
/// locks their row (see `Caller`): a purchase after logout or withdrawal is 401.
pub async fn purchase(
    pool: &MySqlPool,
    caller: Caller,
    hold_id: i64,
    idempotency_key: Option<&str>,
) -> Result<Paid> {
    idempotency::check(idempotency_key)?;
    let order_id =
        retry_on_lock_conflict(|| try_purchase(pool, caller, hold_id, idempotency_key)).await?;
    load(pool, order_id).await
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i64,
    hold_id: i64,
    idempotency_key: Option<String>,
}

async fn order_by_key(
    conn: &mut MySqlConnection,
    user_id: i64,
    key: &str,
) -> Result<Option<OrderRow>> {
    Ok(sqlx::query_as(
        "select id, hold_id, cast(idempotency_key as char) as idempotency_key from orders where user_id = ? and idempotency_key = ?",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(conn)
    .await?)
}

#[derive(sqlx::FromRow)]
struct HeldSeat {
    id: i64,
    schedule_id: i64,
    grade_id: i64,
    hold_seat_count: i32,
    live: bool,
}

/// Returns the id of the order for this hold: the new one, or the earlier one when this
/// request repeats it.
async fn try_purchase(
    pool: &MySqlPool,
    caller: Caller,
    hold_id: i64,
    key: Option<&str>,
) -> Result<i64> {
    let user_id = caller.user_id;
    let mut tx = pool.begin().await?;
    // The buyer's row first, exclusively, and the session confirmed in the same
    // statement. One person's purchases, holds under the per-person limit and refunds
    // run one at a time from here, so what is read below cannot change under us; the
    // inserts' foreign keys would otherwise take a shared lock on this row, and
    // upgrading that to the debit's exclusive lock deadlocks against any other
    // transaction on the same wallet. `u.deleted_at` is read locked, so a withdrawal
    // that committed while we waited for the row is seen.
    let mut lock_buyer = Statement::new("select u.deleted_at is null and ");
    rules::session_live(&mut lock_buyer, caller)
        .push(" from users u where u.id = ")
        .bind(user_id)
        .push(" for update");
    let signed_in: Option<bool> = lock_buyer.query_scalar().fetch_optional(&mut *tx).await?;
    if signed_in != Some(true) {
        return Err(Error::Unauthenticated);
    }
    if let Some(key) = key {
        if let Some(order) = order_by_key(&mut tx, user_id, key).await? {
            return same_request(order, hold_id);
        }
    }
    // Lock the hold's seats: concurrent purchases of one hold run one at a time, and the
    // second finds the marks gone and the first one's order instead.
    let seats: Vec<HeldSeat> = sqlx::query_as(
        "select id, schedule_id, grade_id, hold_seat_count, hold_expires_at > current_timestamp(6) as live
         from seats where hold_id = ? and hold_user_id = ? and not is_sold
         order by id for update",
    )
    .bind(hold_id)
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    if seats.is_empty() {
        let paid: Option<OrderRow> = sqlx::query_as(
            "select id, hold_id, cast(idempotency_key as char) as idempotency_key from orders where hold_id = ? and user_id = ?",
        )
        .bind(hold_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        // Repeating the purchase of a paid hold answers with its order when the request
        // carries the same key or none; a new key means a new purchase, which is refused.
        return match (paid, key) {
            (Some(order), Some(key)) if order.idempotency_key.as_deref() != Some(key) => {
                Err(Error::HoldNotActive)
            }
            (Some(order), _) => Ok(order.id),
            (None, _) => {
                tx.rollback().await?;
                Err(holds::gone_reason(pool, user_id, hold_id).await)
            }
        };
    }
    // Expired, or lost a seat to someone else after expiring: nothing is sold.
    if seats.iter().any(|seat| !seat.live) || seats.len() != seats[0].hold_seat_count as usize {
        return Err(Error::HoldNotActive);
    }
    // A hold taken before the show was deleted, or paid after the curtain went up,
    // sells nothing. This read locks nothing: a delete committing after it orders
    // after this purchase, whose ticket stays valid like every earlier one.
    if !still_on_sale(&mut tx, seats[0].schedule_id).await? {
        return Err(Error::NotOnSale);
    }
    let mut prices_query = Statement::new("select id, price from seat_grades where id in (");
    prices_query
        .bind_list(&seats.iter().map(|seat| seat.grade_id).collect::<Vec<_>>())
        .push(")");
    let prices: HashMap<i64, i64> = prices_query
        .query_as::<(i64, i64)>()
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
    let price_of = |seat: &HeldSeat| prices.get(&seat.grade_id).copied().unwrap_or_default();
    let total: i64 = seats.iter().map(price_of).sum();

    let inserted = sqlx::query(
        "insert into orders (user_id, hold_id, idempotency_key, total) values (?, ?, ?, ?)",
    )
    .bind(user_id)
    .bind(hold_id)
    .bind(key)
    .bind(total)
    .execute(&mut *tx)
    .await;
    let order_id = match inserted {
        Ok(result) => result.last_insert_id() as i64,
        // Another request with this key committed an order for a different hold while
        // we waited on the key's index lock.
        Err(err) if is_unique_violation(&err) => {
            tx.rollback().await?;
            let mut conn = pool.acquire().await?;
            let order = order_by_key(&mut conn, user_id, key.unwrap_or_default())
                .await?
                .ok_or_else(|| Error::internal("order vanished after a unique violation"))?;
            return same_request(order, hold_id);
        }
        Err(err) => return Err(err.into()),
    };
    if total > 0 {
        let entry = ledger::apply(
            &mut tx,
            user_id,
            -total,
            LedgerReason::Purchase,
            &format!("order:{order_id}"),
        )
        .await?;
        sqlx::query("update orders set ledger_id = ? where id = ?")
            .bind(entry.id)
            .bind(order_id)
            .execute(&mut *tx)
            .await?;
    }
    for seat in &seats {
        let price = price_of(seat);
        sqlx::query(
            "insert into tickets (code, order_id, user_id, seat_id, schedule_id, face_value, paid_amount)
             values (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(tickets::new_code())
        .bind(order_id)
        .bind(user_id)
        .bind(seat.id)
        .bind(seat.schedule_id)
        .bind(price)
        .bind(price)
        .execute(&mut *tx)
        .await?;
    }
    let mut sell = Statement::new(
        "update seats set is_sold = true, hold_id = null, hold_user_id = null, hold_seat_count = null,
         hold_expires_at = null where id in (",
    );
    sell.bind_list(&seats.iter().map(|seat| seat.id).collect::<Vec<_>>())
        .push(")");
    sell.query().execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(order_id)
}

/// The rule a hold is taken under, asked again: an admin may have moved the opening
/// since.
async fn still_on_sale(conn: &mut MySqlConnection, schedule_id: i64) -> Result<bool> {
    let mut sql = Statement::new("select ");
    rules::on_sale(&mut sql, schedule_id);
    Ok(sql.query_scalar().fetch_one(conn).await?)
}

fn same_request(order: OrderRow, hold_id: i64) -> Result<i64> {
    if order.hold_id == hold_id {
        Ok(order.id)
    } else {
        Err(Error::IdempotencyKeyReused)
    }
}

async fn load(pool: &MySqlPool, order_id: i64) -> Result<Paid> {
    let (hold_id, total, waiting_room): (i64, i64, bool) = sqlx::query_as(
        "select o.hold_id, o.total,
                exists(select 1 from tickets t join waiting_rooms w on w.schedule_id = t.schedule_id
                       where t.order_id = o.id)
         from orders o where o.id = ?",
    )
    .bind(order_id)
    .fetch_one(pool)
    .await?;
    Ok(Paid {
        order: Order {
            id: order_id,
            hold_id,
            total,
            tickets: tickets::for_order(pool, order_id).await?,
        },
        waiting_room,
    })
}

//! Paying a live hold with points.
//!
//! One transaction: lock the hold, turn its seats from held to sold (a conditional
//! update that only matches while the hold is live), debit the points, write the order
//! and one ticket per seat. Anything short of all of it rolls back.
//!
//! Idempotency: an order is unique per hold and per (user, Idempotency-Key). Retries
//! with the same key - concurrent or later - find the first order and answer with it;
//! the same key on a different hold is refused. Failed attempts (402, expired hold)
//! store nothing, so a retry after topping up can succeed.

use serde::Serialize;
use sqlx::{MySqlConnection, MySqlPool};

use super::tickets::{self, Ticket};
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};
use crate::points::ledger::{self, LedgerReason};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Order {
    pub id: i64,
    pub hold_id: i64,
    pub total: i64,
    pub tickets: Vec<Ticket>,
}

pub const MAX_IDEMPOTENCY_KEY: usize = 100;

pub async fn purchase(
    pool: &MySqlPool,
    user_id: i64,
    hold_id: i64,
    idempotency_key: Option<&str>,
) -> Result<Order> {
    if let Some(key) = idempotency_key {
        if key.is_empty()
            || key.len() > MAX_IDEMPOTENCY_KEY
            || !key.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(Error::validation(
                "Idempotency-Key",
                "must be 1 to 100 printable ASCII characters",
            ));
        }
    }
    let order_id =
        retry_on_lock_conflict(|| try_purchase(pool, user_id, hold_id, idempotency_key)).await?;
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
        "select id, hold_id, idempotency_key from orders where user_id = ? and idempotency_key = ?",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(conn)
    .await?)
}

/// Returns the id of the order for this hold: the new one, or the earlier one when this
/// request repeats it.
async fn try_purchase(
    pool: &MySqlPool,
    user_id: i64,
    hold_id: i64,
    key: Option<&str>,
) -> Result<i64> {
    let mut tx = pool.begin().await?;
    if let Some(key) = key {
        if let Some(order) = order_by_key(&mut tx, user_id, key).await? {
            return same_request(order, hold_id);
        }
    }
    // The hold row lock makes concurrent purchases of one hold run one at a time; the
    // second then sees PURCHASED below.
    let hold: Option<(String, bool, i32)> = sqlx::query_as(
        "select status, expires_at > current_timestamp(6), seat_count from holds where id = ? and user_id = ? for update",
    )
    .bind(hold_id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((status, live, seat_count)) = hold else {
        return Err(Error::NotFound("hold"));
    };
    if status == "PURCHASED" {
        let order: OrderRow =
            sqlx::query_as("select id, hold_id, idempotency_key from orders where hold_id = ?")
                .bind(hold_id)
                .fetch_one(&mut *tx)
                .await?;
        // Repeating the purchase of a paid hold answers with its order when the request
        // carries the same key or none; a new key means a new purchase, which is refused.
        return match key {
            Some(key) if order.idempotency_key.as_deref() != Some(key) => Err(Error::HoldNotActive),
            _ => Ok(order.id),
        };
    }
    if status != "ACTIVE" || !live {
        return Err(Error::HoldNotActive);
    }
    // Take the buyer's row exclusively now, before the inserts below: their foreign
    // keys would otherwise take a shared lock on it, and upgrading that to the debit's
    // exclusive lock deadlocks against any other transaction on the same wallet.
    sqlx::query("select id from users where id = ? for update")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;

    // Sell every seat the hold still holds; unless that is all of them, the hold has
    // lost a seat (expired and taken by someone else) and nothing is sold.
    let sold = sqlx::query(
        "update seats set is_sold = true
         where hold_id = ? and hold_expires_at > current_timestamp(6) and not is_sold",
    )
    .bind(hold_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if sold != seat_count as u64 {
        return Err(Error::HoldNotActive);
    }
    let seats: Vec<(i64, i64, i64)> = sqlx::query_as(
        "select st.id, st.schedule_id, g.price
         from seats st join seat_grades g on g.id = st.grade_id
         where st.hold_id = ? order by st.id",
    )
    .bind(hold_id)
    .fetch_all(&mut *tx)
    .await?;
    let total: i64 = seats.iter().map(|(_, _, price)| price).sum();
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
    for (seat_id, schedule_id, price) in &seats {
        sqlx::query(
            "insert into tickets (code, order_id, user_id, seat_id, schedule_id, face_value, paid_amount)
             values (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(tickets::new_code())
        .bind(order_id)
        .bind(user_id)
        .bind(seat_id)
        .bind(schedule_id)
        .bind(price)
        .bind(price)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("update holds set status = 'PURCHASED' where id = ?")
        .bind(hold_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(order_id)
}

fn same_request(order: OrderRow, hold_id: i64) -> Result<i64> {
    if order.hold_id == hold_id {
        Ok(order.id)
    } else {
        Err(Error::IdempotencyKeyReused)
    }
}

async fn load(pool: &MySqlPool, order_id: i64) -> Result<Order> {
    let (hold_id, total): (i64, i64) =
        sqlx::query_as("select hold_id, total from orders where id = ?")
            .bind(order_id)
            .fetch_one(pool)
            .await?;
    Ok(Order {
        id: order_id,
        hold_id,
        total,
        tickets: tickets::for_order(pool, order_id).await?,
    })
}

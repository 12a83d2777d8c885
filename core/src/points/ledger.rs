//! The only code that changes a point balance.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{MySqlConnection, MySqlPool};

use crate::db::text_enum;
use crate::error::{Error, Result};

/// Why points moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LedgerReason {
    Charge,
    Purchase,
    Refund,
    /// The buyer's side of a resale.
    ResalePurchase,
    /// The seller's proceeds from a resale (price minus the platform fee).
    ResaleSale,
    /// Paid on top of a cancelled performance's refund (공연 취소 배상).
    Compensation,
}

text_enum!(LedgerReason {
    Charge => "CHARGE",
    Purchase => "PURCHASE",
    Refund => "REFUND",
    ResalePurchase => "RESALE_PURCHASE",
    ResaleSale => "RESALE_SALE",
    Compensation => "COMPENSATION",
});

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerEntry {
    pub id: i64,
    pub amount: i64,
    pub reason: LedgerReason,
    pub reference: String,
    pub balance_after: i64,
    pub created_at: DateTime<Utc>,
}

/// The width of `point_ledger.reference`.
pub const MAX_REFERENCE_LEN: usize = 160;

/// Adds `amount` (negative for a debit) to the user's balance and records it, inside
/// the caller's transaction. A debit that would go below zero changes nothing and fails
/// with the shortfall. The update locks the user row until the caller commits, so the
/// balance read back is exactly the one this entry produced.
pub async fn apply(
    conn: &mut MySqlConnection,
    user_id: i64,
    amount: i64,
    reason: LedgerReason,
    reference: &str,
) -> Result<LedgerEntry> {
    debug_assert!(amount != 0, "a ledger entry must move points");
    debug_assert!(
        reference.len() <= MAX_REFERENCE_LEN,
        "ledger reference too long"
    );
    let updated = sqlx::query!(
        "update users set point_balance = point_balance + ?
         where id = ? and point_balance + ? >= 0",
        amount,
        user_id,
        amount
    )
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        let balance = sqlx::query_scalar!("select point_balance from users where id = ?", user_id)
            .fetch_optional(&mut *conn)
            .await?;
        return match balance {
            Some(balance) => Err(Error::InsufficientPoints {
                shortfall: -amount - balance,
            }),
            None => Err(Error::NotFound("user")),
        };
    }
    let balance_after =
        sqlx::query_scalar!("select point_balance from users where id = ?", user_id)
            .fetch_one(&mut *conn)
            .await?;
    let inserted = sqlx::query!(
        "insert into point_ledger (user_id, amount, reason, reference, balance_after)
         values (?, ?, ?, ?, ?)",
        user_id,
        amount,
        reason,
        reference,
        balance_after
    )
    .execute(&mut *conn)
    .await?;
    Ok(LedgerEntry {
        id: inserted.last_insert_id() as i64,
        amount,
        reason,
        reference: reference.to_string(),
        balance_after,
        created_at: Utc::now(),
    })
}

pub async fn balance(pool: &MySqlPool, user_id: i64) -> Result<i64> {
    sqlx::query_scalar!(
        "select point_balance from users where id = ? and deleted_at is null",
        user_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(Error::NotFound("user"))
}

/// Newest first; `before_id` is the keyset cursor (the last id of the previous page).
pub async fn history(
    pool: &MySqlPool,
    user_id: i64,
    before_id: Option<i64>,
    limit: u32,
) -> Result<Vec<LedgerEntry>> {
    Ok(sqlx::query_as!(
        LedgerEntry,
        r#"select id, amount, reason as "reason: LedgerReason", reference, balance_after,
                  created_at as "created_at: _"
           from point_ledger where user_id = ? and id < ?
           order by id desc limit ?"#,
        user_id,
        before_id.unwrap_or(i64::MAX),
        limit
    )
    .fetch_all(pool)
    .await?)
}

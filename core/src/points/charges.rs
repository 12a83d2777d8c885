//! Charging points from a confirmed gateway payment.
//!
//! A payment id is credited once, whatever the concurrency: the credit and the
//! `point_charges` row (unique per gateway and payment id) commit together, so a second
//! attempt with the same id - from any process - fails on the unique key and rolls its
//! credit back, then answers with the first charge.

use std::sync::Arc;

use serde::Serialize;
use sqlx::MySqlPool;

use super::gateway::{PaymentGateway, VerifiedPayment};
use super::ledger::{self, LedgerReason};
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};

/// The longest payment id accepted (the `point_charges.payment_id` column).
pub const MAX_PAYMENT_ID_LEN: usize = 100;

/// The ledger names a charge by gateway and payment id.
fn charge_reference(gateway: &str, payment_id: &str) -> String {
    format!("charge:{gateway}:{payment_id}")
}

/// The most one charge may add: 10,000,000 KRW, a common card limit in Korea.
pub const MAX_CHARGE: i64 = 10_000_000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChargeOutcome {
    pub charge_id: i64,
    pub payment_id: String,
    pub amount: i64,
    pub balance_after: i64,
    /// True when this payment had been credited before and nothing changed now.
    pub already_credited: bool,
}

#[derive(Clone)]
pub struct ChargeService {
    pool: MySqlPool,
    gateway: Arc<dyn PaymentGateway>,
}

struct ChargeRow {
    id: i64,
    user_id: i64,
    amount: i64,
    balance_after: i64,
}

impl ChargeService {
    pub fn new(pool: MySqlPool, gateway: Arc<dyn PaymentGateway>) -> Self {
        ChargeService { pool, gateway }
    }

    /// Sending a credited payment id again answers the earlier charge when the amount
    /// is the same (a retry), and 409 with the credited amount when it is not: that is
    /// a client bug or a forgery, and silently answering the old charge would hide it.
    pub async fn charge(
        &self,
        user_id: i64,
        payment_id: &str,
        amount: i64,
    ) -> Result<ChargeOutcome> {
        validate(payment_id, amount)?;
        if let Some(existing) = self.existing(user_id, payment_id).await? {
            return same_amount(existing, amount);
        }
        let verified = self.gateway.verify(payment_id, amount, user_id).await?;
        let outcome = retry_on_lock_conflict(|| self.credit(user_id, &verified)).await?;
        same_amount(outcome, amount)
    }

    /// Credits a verified payment, or answers with the earlier credit of the same id.
    async fn credit(&self, user_id: i64, verified: &VerifiedPayment) -> Result<ChargeOutcome> {
        let payment_id = verified.payment_id.as_str();
        let mut tx = self.pool.begin().await?;
        let reference = charge_reference(self.gateway.name(), payment_id);
        let entry = ledger::apply(
            &mut tx,
            user_id,
            verified.amount,
            LedgerReason::Charge,
            &reference,
        )
        .await?;
        let inserted = sqlx::query!(
            "insert into point_charges (user_id, payment_id, gateway, amount, ledger_id)
             values (?, ?, ?, ?, ?)",
            user_id,
            payment_id,
            self.gateway.name(),
            verified.amount,
            entry.id
        )
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(result) => {
                tx.commit().await?;
                Ok(ChargeOutcome {
                    charge_id: result.last_insert_id() as i64,
                    payment_id: payment_id.to_string(),
                    amount: verified.amount,
                    balance_after: entry.balance_after,
                    already_credited: false,
                })
            }
            Err(err) if is_unique_violation(&err) => {
                tx.rollback().await?;
                self.existing(user_id, payment_id)
                    .await?
                    .ok_or_else(|| Error::internal("charge vanished after a unique violation"))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// The earlier charge for this payment id, if any. Another user's charge is an error:
    /// one payment cannot fund two accounts.
    async fn existing(&self, user_id: i64, payment_id: &str) -> Result<Option<ChargeOutcome>> {
        let row = sqlx::query_as!(
            ChargeRow,
            "select c.id, c.user_id, c.amount, l.balance_after
             from point_charges c join point_ledger l on l.id = c.ledger_id
             where c.gateway = ? and c.payment_id = ?",
            self.gateway.name(),
            payment_id
        )
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(row) if row.user_id != user_id => Err(Error::PaymentAlreadyUsed),
            Some(row) => Ok(Some(ChargeOutcome {
                charge_id: row.id,
                payment_id: payment_id.to_string(),
                amount: row.amount,
                balance_after: row.balance_after,
                already_credited: true,
            })),
        }
    }
}

fn same_amount(outcome: ChargeOutcome, amount: i64) -> Result<ChargeOutcome> {
    if outcome.amount == amount {
        Ok(outcome)
    } else {
        Err(Error::PaymentAmountMismatch {
            credited_amount: outcome.amount,
        })
    }
}

fn validate(payment_id: &str, amount: i64) -> Result<()> {
    let id_ok = (1..=MAX_PAYMENT_ID_LEN).contains(&payment_id.len())
        && payment_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !id_ok {
        return Err(Error::validation(
            "payment_id",
            "must be 1 to 100 characters of letters, digits, `_`, `-` or `.`",
        ));
    }
    if !(1..=MAX_CHARGE).contains(&amount) {
        return Err(Error::validation(
            "amount",
            format!("must be between 1 and {MAX_CHARGE}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every payment id validation accepts must fit the ledger's `reference` column,
    /// under the longest gateway name `point_charges.gateway` can hold.
    #[test]
    fn the_longest_reference_fits_the_ledger_column() {
        let longest = charge_reference(&"g".repeat(20), &"p".repeat(MAX_PAYMENT_ID_LEN));
        assert!(validate(&"p".repeat(MAX_PAYMENT_ID_LEN), 1).is_ok());
        assert!(
            longest.len() <= ledger::MAX_REFERENCE_LEN,
            "{}",
            longest.len()
        );
    }
}

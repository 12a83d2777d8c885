//! Closing an account. It reaches across areas, so it stands above them: the account's
//! open resale listings are cancelled (no one can buy from an account that is gone),
//! the account is marked deleted and every session revoked, all in one transaction.
//! Tickets and the points ledger stay on record; the email may sign up again.

use sqlx::MySqlPool;

use crate::accounts::repo;
use crate::error::{Error, Result};
use crate::resale::listings;

pub async fn withdraw(pool: &MySqlPool, user_id: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    // Before the user row: see `cancel_all_for_seller` for the lock order.
    listings::cancel_all_for_seller(&mut tx, user_id).await?;
    let closed = repo::close_account(&mut tx, user_id).await?;
    tx.commit().await?;
    if closed {
        Ok(())
    } else {
        Err(Error::NotFound("user"))
    }
}

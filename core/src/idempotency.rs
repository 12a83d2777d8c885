//! `Idempotency-Key`: the client's name for one attempt at a request that pays or
//! changes a ticket. Purchases, refunds, listings and resale purchases store it next to
//! their result under a unique key per user, so a retry - concurrent or later - finds
//! the first result instead of doing it again.

use crate::error::{Error, Result};

pub const MAX_LEN: usize = 100;

/// 1 to 100 printable ASCII characters: it is stored in a `varchar(100)` and compared
/// byte for byte.
pub fn check(key: Option<&str>) -> Result<()> {
    match key {
        Some(key)
            if key.is_empty()
                || key.len() > MAX_LEN
                || !key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Err(Error::validation(
                "Idempotency-Key",
                "must be 1 to 100 printable ASCII characters",
            ))
        }
        _ => Ok(()),
    }
}

/// The result an earlier request with this key left, looked up by `find`; nothing
/// without a key. Purchases, refunds and listings ask this after their first lock, so a
/// concurrent retry with the same key sees the first attempt's commit (READ COMMITTED
/// reads the newest committed row) rather than racing it; a resale purchase asks before
/// it locks the trade and relies on the key's unique index for a concurrent retry.
pub async fn replay<T>(
    key: Option<&str>,
    find: impl AsyncFnOnce(&str) -> Result<Option<T>>,
) -> Result<Option<T>> {
    match key {
        Some(key) => find(key).await,
        None => Ok(None),
    }
}

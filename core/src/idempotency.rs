//! `Idempotency-Key`: the client's name for one attempt at a paying request. Purchases
//! of holds and of resale trades store it next to their result under a unique key per
//! user, so a retry - concurrent or later - finds the first result instead of paying
//! again.

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

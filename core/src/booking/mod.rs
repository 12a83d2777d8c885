//! Booking: holds, purchase, tickets and refunds.
//!
//! The seat invariants - a seat is in at most one live hold and has at most one valid
//! ticket - are kept by MySQL, not by this process: conditional updates whose affected
//! row counts decide outcomes, row locks taken in one order (hold or ticket, then seats,
//! then the user's balance), and the unique key on `tickets.valid_seat_id`.

pub mod holds;
pub mod purchase;
pub mod refund_policy;
pub mod refunds;
pub mod tickets;

use crate::error::Error;

/// MySQL error numbers for a deadlock (1213) and a lock wait timeout (1205): the
/// transaction was rolled back because another one wanted the same rows.
pub(crate) fn is_lock_conflict(err: &Error) -> bool {
    match err {
        Error::Internal(crate::error::InternalError::Database(sqlx::Error::Database(db))) => db
            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .is_some_and(|db| matches!(db.number(), 1213 | 1205)),
        _ => false,
    }
}

/// How often a transaction that lost a deadlock is tried again before giving up.
pub(crate) const LOCK_RETRIES: usize = 3;

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
pub mod store;
pub mod tickets;

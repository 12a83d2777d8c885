//! Booking: holds, purchase, tickets and refunds.
//!
//! The seat invariants - a seat is in at most one live hold and has at most one valid
//! ticket - are kept by MariaDB, not by this process: conditional updates whose affected
//! row counts decide outcomes, the unique key on `tickets.valid_seat_id`, and row locks
//! taken in one order everywhere, with resale and withdrawal: a ticket, then a trade,
//! then user rows (ascending id; the user row is also the wallet), then seats (ascending
//! id). A hold under the per-person limit locks the user, then its seats; a purchase
//! the buyer, then the held seats; a refund the ticket, the user, then the seat.
//! `store` holds the statements of purchase and refund; `holds` builds its own, which
//! apply the shared rules (`crate::rules`).

pub mod booking_fee;
pub mod cancellations;
pub mod holds;
pub mod order_number;
pub mod orders;
pub mod price_terms;
pub mod pricing;
pub mod purchase;
pub mod quotes;
pub mod refunds;
pub mod store;
pub mod tickets;

/// The refund policy is the catalog's too (a show may have its own): it lives at the
/// crate's top, and booking names it here as before.
pub use crate::refund_policy;

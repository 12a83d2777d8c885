//! 공연 취소: an organizer (an admin) cancels a performance, and every valid ticket of
//! it is refunded in full, booking fee included, plus the consumer dispute standard's
//! compensation (10% of the price) where the operator turns it on
//! (`CANCELLATION_COMPENSATION`).
//!
//! The request (`request`) does what must happen at once, in one transaction: it
//! cancels the performance's open resale trades, releases its holds and marks the
//! schedule cancelled, which takes it off sale through the one on-sale rule
//! (`rules::on_sale`) that holds, purchases and the seat map ask; and it records the
//! job, one per schedule. The refunds are the job's (`job`): batches of tickets, each
//! batch one transaction that marks its tickets refunded and pays them, so a crash
//! midway rolls back only the batch in flight and the next run, in any api process,
//! carries on from the last commit. A ticket is paid by the conditional update that
//! turns it from VALID, so each is refunded exactly once however many processes run the
//! job at the same time.
//!
//! Why no valid ticket appears behind the job: a purchase locks its held seats before
//! it asks the on-sale rule, and the request locks every seat of the schedule before
//! it clears the hold marks and marks the schedule cancelled; so a purchase either
//! commits before the request does (its tickets are there for the job) or finds its
//! hold gone or the schedule cancelled. A resale issues a ticket only in place of a
//! valid one it locks, which the job then refunds in a later batch.
//! Seats stay as they are: the performance sells nothing any more.

pub mod job;
mod model;
mod request;
mod store;

pub use model::{
    Cancellation, CancellationRules, CancellationStatus, CANCELLABLE_DAYS_AFTER_START,
    STANDARD_COMPENSATION_PERCENT,
};
pub use request::{get, request};

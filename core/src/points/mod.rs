//! The points wallet: a balance on the user row plus an append-only ledger.
//!
//! Invariant: for every user, `users.point_balance == sum(point_ledger.amount)` and the
//! balance is never negative. Both follow from [`ledger::apply`], the only code that
//! moves points: one conditional update and one ledger row, inside the caller's
//! transaction.

pub mod charges;
pub mod gateway;
pub mod ledger;

pub use charges::{ChargeOutcome, ChargeService};
pub use gateway::{DevGateway, PaymentGateway, PortOneGateway, VerifiedPayment};
pub use ledger::{LedgerEntry, LedgerReason};

//! Marquee's domain: accounts, the show catalog, booking, the points wallet, the resale
//! market, the waiting room and search. Nothing here knows about HTTP.
//!
//! SQL lives with the area it serves: in its store or repository module (`booking::store`,
//! `resale::store`, `accounts::repo`, `catalog::repo`) or beside the one flow that uses it
//! (`booking::holds`, `points::ledger`). Literal statements are sqlx's compile-checked
//! macros; statements that apply a shared rule (`rules`) or take optional filters are
//! built with `db::Statement`, which pushes text and values together.

pub mod accounts;
pub mod booking;
pub mod catalog;
pub mod client_address;
pub mod config;
pub mod coupons;
pub mod db;
pub mod error;
pub mod idempotency;
pub mod lifecycle;
pub mod performance_cancellation;
pub mod points;
pub mod posters;
pub mod queue;
pub mod read_replicas;
pub mod redis_link;
pub mod redis_script;
pub mod refund_policy;
pub mod resale;
pub mod rules;
pub mod search;
pub mod secret;
pub mod sweeper;
pub mod telemetry;
pub mod withdrawal;

pub use error::{Error, Result};

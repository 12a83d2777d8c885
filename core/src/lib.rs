//! Marquee's domain: accounts, the show catalog, booking, the points wallet and the resale market, with
//! all SQL in repository modules. Nothing here knows about HTTP.

pub mod accounts;
pub mod booking;
pub mod catalog;
pub mod client_address;
pub mod config;
pub mod db;
pub mod error;
pub mod idempotency;
pub mod lifecycle;
pub mod points;
pub mod queue;
pub mod read_replicas;
pub mod redis_link;
pub mod redis_script;
pub mod resale;
pub mod rules;
pub mod search;
pub mod secret;
pub mod sweeper;
pub mod telemetry;
pub mod withdrawal;

pub use error::{Error, Result};

//! Marquee's domain: accounts, the show catalog, booking and the points wallet, with
//! all SQL in repository modules. Nothing here knows about HTTP.

pub mod accounts;
pub mod booking;
pub mod catalog;
pub mod config;
pub mod db;
pub mod error;
pub mod lifecycle;
pub mod points;
pub mod search;
pub mod telemetry;

pub use error::{Error, Result};

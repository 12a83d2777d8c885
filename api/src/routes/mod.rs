//! HTTP handlers, one module per capability. Handlers parse, call core, and shape the
//! answer; rules live in `marquee-core`.

pub mod auth;
pub mod booking;
pub mod cancellations;
pub mod coupons;
pub mod ops;
pub mod points;
pub mod posters;
pub mod queue;
pub mod search;
pub mod shows;
pub mod trades;
pub mod users;

use serde::Serialize;

/// One page of a list, with the total so clients can draw pagination.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: u32,
    pub offset: u32,
}

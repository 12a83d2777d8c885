//! What a performance's cancellation is asked with and what it reports.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The standard's compensation for a performance its organizer cancels: 10% of the
/// price (소비자분쟁해결기준, 공연업).
pub const STANDARD_COMPENSATION_PERCENT: u8 = 10;

/// A performance may be cancelled until this many days after it started (one stopped
/// midway is refunded too); later, its refunds would undo a settled show.
pub const CANCELLABLE_DAYS_AFTER_START: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancellationRules {
    /// Percent of each ticket's price paid on top of its refund: 0, or the standard's
    /// 10 when the operator turns compensation on.
    pub compensation_percent: u8,
    /// Tickets refunded per transaction.
    pub batch: u32,
    /// A pause between batches, so a cancellation of a stadium does not crowd out an
    /// on-sale running beside it (none by default).
    pub pause: Duration,
}

impl Default for CancellationRules {
    fn default() -> Self {
        CancellationRules {
            compensation_percent: 0,
            batch: 200,
            pause: Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CancellationStatus {
    /// Tickets are still being refunded.
    Refunding,
    /// Every valid ticket was refunded.
    Finished,
}

/// A performance's cancellation and how far its refunds have got.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Cancellation {
    pub schedule_id: i64,
    pub show_id: i64,
    pub status: CancellationStatus,
    /// Percent of each price paid on top of its refund (0: none).
    pub compensation_percent: u8,
    pub tickets_refunded: u32,
    /// Valid tickets still to be refunded.
    pub tickets_left: u32,
    /// Points paid back so far: prices, booking fees and compensation.
    pub points_refunded: i64,
    pub requested_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

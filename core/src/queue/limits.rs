//! Per-user and per-address limits on entering a queue and reading a place in it, so
//! one client cannot flood the queue (or Redis) for everyone else.
//!
//! Fixed windows counted in Redis inside the same script as the request they limit:
//! one round trip, and every api process counts against the same numbers. The counters
//! share the schedule's hash tag, so a limit is per schedule: someone queueing for two
//! shows has two budgets.
//!
//! Addresses are counted per IPv4 address and per IPv6 /64 (`client_address`), since
//! one IPv6 subscriber commonly holds a whole /64 and could otherwise rotate addresses
//! for free. Mobile
//! carriers put many people behind one IPv4 address (CGNAT), so the address limit is
//! far looser than the user limit; it is there for scripts, not crowds.

use std::time::Duration;

/// Requests (enter, status reads, stream openings together) one user may make per
/// window on one schedule's queue.
pub const DEFAULT_PER_USER: u32 = 20;
/// The same for one address (or IPv6 /64).
pub const DEFAULT_PER_ADDRESS: u32 = 600;
pub const DEFAULT_WINDOW_SECS: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    /// 0 turns the per-user limit off.
    pub per_user: u32,
    /// 0 turns the per-address limit off.
    pub per_address: u32,
    pub window: Duration,
}

impl Default for QueueLimits {
    fn default() -> Self {
        QueueLimits {
            per_user: DEFAULT_PER_USER,
            per_address: DEFAULT_PER_ADDRESS,
            window: Duration::from_secs(DEFAULT_WINDOW_SECS.into()),
        }
    }
}

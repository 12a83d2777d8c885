//! Per-user and per-address limits on entering a queue and reading a place in it, so
//! one client cannot flood the queue (or Redis) for everyone else.
//!
//! Fixed windows counted in Redis inside the same script as the request they limit:
//! one round trip, and every api process counts against the same numbers. The counters
//! share the schedule's hash tag, so a limit is per schedule: someone queueing for two
//! shows has two budgets.
//!
//! Addresses are counted per IPv4 address and per IPv6 /64, since one IPv6 subscriber
//! commonly holds a whole /64 and could otherwise rotate addresses for free. Mobile
//! carriers put many people behind one IPv4 address (CGNAT), so the address limit is
//! far looser than the user limit; it is there for scripts, not crowds.

use std::net::IpAddr;
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

/// The counter an address is charged to: the IPv4 address itself, or the /64 of an
/// IPv6 address (an IPv4-mapped IPv6 address counts as its IPv4 address).
pub fn address_bucket(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_of_one_subscriber_share_a_bucket() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_bucket(a), "2001:db8:1:2::/64");
        assert_eq!(address_bucket(a), address_bucket(b));
        assert_ne!(address_bucket(a), address_bucket(other));
    }

    #[test]
    fn ipv4_counts_per_address_also_when_mapped_into_ipv6() {
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(address_bucket(v4), "203.0.113.7");
        assert_eq!(address_bucket(mapped), "203.0.113.7");
        assert_ne!(
            address_bucket(v4),
            address_bucket("203.0.113.8".parse().unwrap())
        );
    }
}

//! The rule for counting a client by its address, shared by every limit that does
//! (the waiting room's requests, failed logins): one subscriber is one IPv4 address or
//! one IPv6 /64, since a home or phone connection is handed a whole /64 and could
//! otherwise rotate through it.

use std::net::IpAddr;

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

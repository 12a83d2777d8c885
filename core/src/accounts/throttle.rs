//! Login throttling per email and per client address, counted in MariaDB so every api
//! process counts against the same numbers (see the `login_attempts` migration).
//!
//! An attempt is reserved before its password is checked, by one statement that adds
//! one and reads the new count back; a count past the limit is refused without
//! hashing. Checking first and counting after the check (as before) let 40 concurrent
//! guesses all be checked; now at most the limit ever is.

use std::net::IpAddr;
use std::time::Duration;

use sqlx::MySqlPool;

use crate::client_address::address_bucket;
use crate::error::{Error, Result};

/// Failed logins one email may have per window: enough for a person who forgot a
/// password, far too few for guessing.
pub const DEFAULT_PER_EMAIL: u32 = 10;
/// Failed logins one address (or IPv6 /64) may have per window, whatever the emails.
/// Loose, because a mobile carrier puts many people behind one IPv4 address; it stops
/// one machine guessing across many accounts.
pub const DEFAULT_PER_ADDRESS: u32 = 100;
pub const DEFAULT_WINDOW_SECS: u32 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    pub per_email: u32,
    /// 0 turns the address limit off.
    pub per_address: u32,
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_email: DEFAULT_PER_EMAIL,
            per_address: DEFAULT_PER_ADDRESS,
            window: Duration::from_secs(DEFAULT_WINDOW_SECS.into()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Scope {
    Email,
    Address,
}

impl Scope {
    fn as_db(self) -> &'static str {
        match self {
            Scope::Email => "EMAIL",
            Scope::Address => "ADDRESS",
        }
    }
}

/// An attempt that may check a password. Report its outcome with `succeeded`; a
/// failure needs nothing, since the attempt already counts.
#[derive(Debug)]
pub struct Reservation {
    email: String,
    address: Option<String>,
    /// At most this many attempts are given back to the address per window.
    address_limit: u32,
}

/// Reserves one attempt for `email` (normalised) from `address`, or refuses with
/// `TooManyAttempts` and the seconds until that window ends. The address is charged
/// first: a refused address leaves the email's count alone.
pub async fn reserve(
    pool: &MySqlPool,
    limits: LoginLimits,
    email: &str,
    address: Option<IpAddr>,
) -> Result<Reservation> {
    let address = address
        .filter(|_| limits.per_address > 0)
        .map(address_bucket);
    if let Some(address) = &address {
        charge(pool, limits, Scope::Address, address, limits.per_address).await?;
    }
    charge(pool, limits, Scope::Email, email, limits.per_email).await?;
    Ok(Reservation {
        email: email.to_string(),
        address,
        address_limit: limits.per_address,
    })
}

/// The password was right: the email's failures are forgotten, and the address gets
/// its attempt back (successes from one busy address must not add up to a lock-out),
/// up to its limit per window: unbounded, one account's successes could pay for
/// endless guesses at other emails.
pub async fn succeeded(pool: &MySqlPool, reservation: Reservation) -> Result<()> {
    sqlx::query!(
        "delete from login_attempts where scope = 'EMAIL' and subject = ?",
        reservation.email
    )
    .execute(pool)
    .await?;
    if let Some(address) = &reservation.address {
        sqlx::query!(
            "update login_attempts
             set attempts = greatest(attempts - 1, 0), given_back = given_back + 1
             where scope = 'ADDRESS' and subject = ? and given_back < ?",
            address,
            reservation.address_limit
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}

async fn charge(
    pool: &MySqlPool,
    limits: LoginLimits,
    scope: Scope,
    subject: &str,
    limit: u32,
) -> Result<()> {
    let window_secs = limits.window.as_secs();
    // LAST_INSERT_ID(expr) hands the count this statement wrote back in its own answer:
    // 1 for a new row or a window that has run out, else one more (held at limit + 1,
    // so a flood does not grow it). The window conditions read the old start time,
    // since MariaDB assigns the columns left to right and the start is assigned last.
    let counted = sqlx::query!(
        "insert into login_attempts (scope, subject, attempts, window_started_at)
         values (?, ?, last_insert_id(1), current_timestamp(6))
         on duplicate key update
           attempts = last_insert_id(if(window_started_at <= current_timestamp(6) - interval ? second,
                                        1, least(attempts + 1, ?))),
           given_back = if(window_started_at <= current_timestamp(6) - interval ? second, 0, given_back),
           window_started_at = if(window_started_at <= current_timestamp(6) - interval ? second,
                                  current_timestamp(6), window_started_at)",
        scope.as_db(),
        subject,
        window_secs,
        limit.saturating_add(1),
        window_secs,
        window_secs
    )
    .execute(pool)
    .await?
    .last_insert_id();
    if counted <= u64::from(limit) {
        return Ok(());
    }
    let remaining = sqlx::query_scalar!(
        r#"select timestampdiff(second, current_timestamp(6), window_started_at + interval ? second)
                  as "seconds!: i64"
           from login_attempts where scope = ? and subject = ?"#,
        window_secs,
        scope.as_db(),
        subject
    )
    .fetch_optional(pool)
    .await?;
    Err(Error::TooManyAttempts {
        retry_after_secs: remaining.unwrap_or(1).max(1) as u64,
    })
}

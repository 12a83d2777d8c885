//! Accounts: sign-up, login sessions with rotating refresh tokens, profiles, withdrawal.
//!
//! Invariants: an email belongs to at most one active account (unique key on the
//! generated `active_email`); a refresh token is usable once, and a second use revokes
//! its whole session; a withdrawn account keeps its tickets and ledger but can no longer
//! authenticate.

pub mod credentials;
pub mod hashing;
pub mod repo;
mod role;
pub mod service;
pub mod social;
pub mod throttle;
pub mod tokens;

pub use credentials::{Email, Nickname, Password};
pub use role::Role;
pub use service::{AuthService, AuthUser, BrowserSession, Caller, Profile, TokenPair};
pub use tokens::AccessClaims;

//! Accounts: sign-up, login sessions with rotating refresh tokens, profiles, withdrawal.
//!
//! Invariants: an email belongs to at most one active account (unique key on the
//! generated `active_email`); a refresh token is usable once, and a second use revokes
//! its whole session; a withdrawn account keeps its tickets and ledger but can no longer
//! authenticate.

pub mod credentials;
pub mod hashing;
pub mod repo;
pub mod service;
pub mod social;
pub mod throttle;
pub mod tokens;

pub use credentials::{Email, Nickname, Password};
pub use service::{AuthService, AuthUser, BrowserSession, Caller, Profile, TokenPair};
pub use tokens::AccessClaims;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_db(self) -> &'static str {
        match self {
            Role::User => "USER",
            Role::Admin => "ADMIN",
        }
    }

    pub fn from_db(value: &str) -> Self {
        if value == "ADMIN" {
            Role::Admin
        } else {
            Role::User
        }
    }
}

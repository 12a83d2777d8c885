//! Access tokens (short-lived HS256 JWTs) and opaque refresh tokens.
//!
//! The access token names the login session (`sid`), so the api can refuse it as soon
//! as the session is revoked instead of waiting for it to expire. Refresh tokens are 32
//! random bytes; only their SHA-256 digest is stored.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::role::Role;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// User id.
    pub sub: i64,
    /// Login session id.
    pub sid: i64,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &str, access_ttl: Duration, refresh_ttl: Duration) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            access_ttl,
            refresh_ttl,
        }
    }

    pub fn issue_access(&self, user_id: i64, session_id: i64, role: Role) -> Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            sub: user_id,
            sid: session_id,
            role,
            iat: now,
            exp: now + self.access_ttl.as_secs() as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| Error::internal(format!("jwt encoding failed: {err}")))
    }

    /// Checks signature, algorithm and expiry (no leeway: the token is short-lived anyway).
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|_| Error::Unauthenticated)
    }
}

/// A fresh refresh token and the digest to store for it.
pub fn new_refresh_token() -> (String, [u8; 32]) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let digest = refresh_token_digest(&token);
    (token, digest)
}

pub fn refresh_token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The CSRF token that goes with a browser's secret (its session cookie, or before
/// sign-in its CSRF cookie). Deriving it by a one-way hash means the server keeps no
/// second secret, a page may show it (it reveals nothing of the cookie), and another
/// site cannot produce it, since it cannot read the cookie.
pub fn csrf_token(secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"marquee csrf\0");
    hasher.update(secret.as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// Whether `given` is the CSRF token of `secret`, compared in constant time.
pub fn csrf_matches(secret: &str, given: &str) -> bool {
    let expected = csrf_token(secret);
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(secret, Duration::from_secs(60), Duration::from_secs(600))
    }

    #[test]
    fn csrf_tokens_belong_to_one_secret() {
        let token = csrf_token("cookie-a");
        assert!(csrf_matches("cookie-a", &token));
        assert!(!csrf_matches("cookie-b", &token));
        assert!(!csrf_matches("cookie-a", &token[1..]));
        assert!(!csrf_matches("cookie-a", ""));
        assert_ne!(token, "cookie-a");
    }

    #[test]
    fn access_token_round_trips_and_rejects_other_keys() {
        let issued = keys("a-secret-that-is-long-enough-000000")
            .issue_access(7, 9, Role::Admin)
            .unwrap();
        let claims = keys("a-secret-that-is-long-enough-000000")
            .verify_access(&issued)
            .unwrap();
        assert_eq!((claims.sub, claims.sid, claims.role), (7, 9, Role::Admin));
        assert!(keys("another-secret-that-is-long-enough-1")
            .verify_access(&issued)
            .is_err());
        assert!(keys("a-secret-that-is-long-enough-000000")
            .verify_access("garbage")
            .is_err());
    }

    #[test]
    fn refresh_tokens_are_unique_and_digest_matches() {
        let (first, digest) = new_refresh_token();
        let (second, _) = new_refresh_token();
        assert_ne!(first, second);
        assert_eq!(refresh_token_digest(&first), digest);
        assert_eq!(first.len(), 43);
    }
}

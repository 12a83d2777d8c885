//! Signed tokens of the waiting room, HS256 with a key derived from `JWT_SECRET` for
//! this purpose only, so neither kind can pass for a login access token or the other.
//!
//! - The queue token (from `enter`) says "user U waits for schedule S". It authenticates
//!   status reads and the event stream without a database round trip, and works in a
//!   URL, where browsers' EventSource cannot send headers.
//! - The access pass (from an ADMITTED status) says "user U may hold seats of S until
//!   T". A hold checks the signature, that U is the caller and S the schedule, and in
//!   Redis that this admission (identified by T) is still live, so ending an admission
//!   (purchase done, left) kills its pass at once.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Queue,
    Access,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    typ: Kind,
    /// User id.
    sub: i64,
    /// Schedule id.
    sch: i64,
    /// For an access pass: the end of the admission in ms, which names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    until_ms: Option<i64>,
    exp: i64,
}

/// Whose place a queue token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueTicket {
    pub user_id: i64,
    pub schedule_id: i64,
}

#[derive(Clone)]
pub struct QueuePasses {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// How long a queue token stays usable: longer than anyone waits.
const QUEUE_TOKEN_SECS: i64 = 24 * 3600;

impl QueuePasses {
    pub fn new(jwt_secret: &str) -> Self {
        let key = Sha256::new()
            .chain_update(b"marquee waiting room v1\0")
            .chain_update(jwt_secret.as_bytes())
            .finalize();
        QueuePasses {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
        }
    }

    pub fn queue_token(&self, user_id: i64, schedule_id: i64) -> Result<String> {
        self.sign(&Claims {
            typ: Kind::Queue,
            sub: user_id,
            sch: schedule_id,
            until_ms: None,
            exp: chrono::Utc::now().timestamp() + QUEUE_TOKEN_SECS,
        })
    }

    pub fn access_pass(&self, user_id: i64, schedule_id: i64, until_ms: i64) -> Result<String> {
        self.sign(&Claims {
            typ: Kind::Access,
            sub: user_id,
            sch: schedule_id,
            until_ms: Some(until_ms),
            exp: until_ms.div_euclid(1000) + 1,
        })
    }

    fn sign(&self, claims: &Claims) -> Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|err| Error::internal(format!("jwt encoding failed: {err}")))
    }

    fn verify(&self, token: &str, kind: Kind) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.required_spec_claims = ["exp".to_string()].into();
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
            .filter(|claims| claims.typ == kind)
    }

    /// The queue token's owner, if it is genuine, unexpired and for this schedule.
    pub fn verify_queue_token(&self, token: &str, schedule_id: i64) -> Result<QueueTicket> {
        self.verify(token, Kind::Queue)
            .filter(|claims| claims.sch == schedule_id)
            .map(|claims| QueueTicket {
                user_id: claims.sub,
                schedule_id: claims.sch,
            })
            .ok_or(Error::QueueTokenInvalid)
    }

    /// The admission end named by a genuine access pass of this user for this schedule.
    /// Whether the admission is still live is Redis's to say.
    pub fn verify_access_pass(&self, token: &str, user_id: i64, schedule_id: i64) -> Result<i64> {
        self.verify(token, Kind::Access)
            .filter(|claims| claims.sub == user_id && claims.sch == schedule_id)
            .and_then(|claims| claims.until_ms)
            .ok_or(Error::QueueTokenInvalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_pass_is_bound_to_its_user_schedule_and_kind() {
        let passes = QueuePasses::new(SECRET);
        let until = chrono::Utc::now().timestamp_millis() + 60_000;
        let pass = passes.access_pass(7, 42, until).unwrap();
        let queue = passes.queue_token(7, 42).unwrap();

        assert_eq!(passes.verify_access_pass(&pass, 7, 42).unwrap(), until);
        assert!(
            passes.verify_access_pass(&pass, 8, 42).is_err(),
            "another user"
        );
        assert!(
            passes.verify_access_pass(&pass, 7, 43).is_err(),
            "another schedule"
        );
        assert!(
            passes.verify_access_pass(&queue, 7, 42).is_err(),
            "a queue token"
        );
        assert!(
            passes.verify_queue_token(&pass, 42).is_err(),
            "an access pass"
        );
        assert_eq!(passes.verify_queue_token(&queue, 42).unwrap().user_id, 7);
    }

    #[test]
    fn a_pass_signed_with_another_key_or_expired_is_refused() {
        let passes = QueuePasses::new(SECRET);
        let other = QueuePasses::new("another-secret-another-secret-xx");
        let until = chrono::Utc::now().timestamp_millis() + 60_000;
        let forged = other.access_pass(7, 42, until).unwrap();
        let expired = passes
            .access_pass(7, 42, chrono::Utc::now().timestamp_millis() - 5_000)
            .unwrap();
        let login_style = crate::accounts::tokens::TokenKeys::new(
            SECRET,
            std::time::Duration::from_secs(60),
            std::time::Duration::from_secs(60),
        )
        .issue_access(7, 1, crate::accounts::Role::User)
        .unwrap();

        assert!(passes.verify_access_pass(&forged, 7, 42).is_err());
        assert!(passes.verify_access_pass(&expired, 7, 42).is_err());
        assert!(passes.verify_queue_token(&login_style, 42).is_err());
    }
}

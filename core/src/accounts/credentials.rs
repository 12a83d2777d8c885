//! Validated account inputs. Each type can only be built through `parse`, so the
//! repository never sees an unchecked email, password or nickname.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trims and lowercases: the same mailbox must not sign up twice with different case.
    pub fn parse(raw: &str) -> Result<Self> {
        let email = raw.trim().to_lowercase();
        let invalid = || Error::validation("email", "must be a valid email address");
        if email.chars().count() > 254 || email.chars().any(char::is_whitespace) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub struct Password(String);

impl Password {
    /// 8 to 128 characters: long enough to resist guessing, short enough that hashing
    /// an attacker's megabyte string costs nothing special.
    pub fn parse(raw: &str) -> Result<Self> {
        let length = raw.chars().count();
        if !(8..=128).contains(&length) {
            return Err(Error::validation("password", "must be 8 to 128 characters"));
        }
        Ok(Password(raw.to_string()))
    }

    /// argon2id with the crate's recommended parameters and a random salt. CPU-heavy:
    /// callers run it on the blocking pool.
    pub fn hash(&self) -> Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| Error::internal(format!("password hashing failed: {err}")))
    }

    pub fn verify(&self, stored_hash: &str) -> bool {
        PasswordHash::new(stored_hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(self.0.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname(String);

impl Nickname {
    pub fn parse(raw: &str) -> Result<Self> {
        let nickname = raw.trim();
        let length = nickname.chars().count();
        if !(1..=40).contains(&length) || nickname.chars().any(char::is_control) {
            return Err(Error::validation(
                "nickname",
                "must be 1 to 40 printable characters",
            ));
        }
        Ok(Nickname(nickname.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Kim@Example.COM ").unwrap().as_str(),
            "kim@example.com"
        );
        for bad in [
            "",
            "kim",
            "kim@",
            "@example.com",
            "kim@example",
            "k im@example.com",
            "a@b@c.com",
            "kim@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn password_length_is_bounded_and_hash_verifies() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        let password = Password::parse("correct horse").unwrap();
        let hash = password.hash().unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(password.verify(&hash));
        assert!(!Password::parse("wrong horse").unwrap().verify(&hash));
        assert!(!password.verify("not a hash"));
    }

    #[test]
    fn nickname_rejects_blank_and_overlong() {
        assert_eq!(Nickname::parse(" 뮤덕 ").unwrap().as_str(), "뮤덕");
        assert!(Nickname::parse("   ").is_err());
        assert!(Nickname::parse(&"가".repeat(41)).is_err());
        assert!(Nickname::parse("a\u{0}b").is_err());
    }
}

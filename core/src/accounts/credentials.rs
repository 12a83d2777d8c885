//! Validated account inputs. Each type can only be built through `parse`, so the
//! repository never sees an unchecked email, password or nickname.

use std::cell::RefCell;

use argon2::password_hash::{
    rand_core::OsRng, Output, ParamsString, PasswordHash, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

    /// argon2id with the crate's recommended parameters and a random salt, as a PHC
    /// string. CPU-heavy: callers run it through `hashing::HashingGate`.
    pub fn hash(&self) -> Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        let argon = Argon2::default();
        let params = argon.params().clone();
        let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let failed = |err: argon2::password_hash::Error| {
            Error::internal(format!("password hashing failed: {err}"))
        };
        let output =
            derive(&argon, self.0.as_bytes(), salt.as_salt(), output_len).map_err(failed)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(failed)?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(phc.to_string())
    }

    /// Checks against a PHC string (any argon2 variant and parameters it names); an
    /// unreadable one never matches. The comparison is constant-time (`Output`'s).
    pub fn verify(&self, stored_hash: &str) -> bool {
        let check = || -> argon2::password_hash::Result<bool> {
            let parsed = PasswordHash::new(stored_hash)?;
            let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
                return Ok(false);
            };
            let algorithm = Algorithm::try_from(parsed.algorithm)?;
            let version = parsed
                .version
                .map(Version::try_from)
                .transpose()?
                .unwrap_or_default();
            let argon = Argon2::new(algorithm, version, Params::try_from(&parsed)?);
            let computed = derive(&argon, self.0.as_bytes(), salt, expected.len())?;
            Ok(computed == expected)
        };
        check().unwrap_or(false)
    }
}

thread_local! {
    /// argon2's working memory (19 MiB at the default cost), kept by each thread that
    /// hashes instead of allocated per hash. Allocating it per hash let glibc keep the
    /// freed blocks in each thread's arena: the api's memory grew far past what the
    /// running hashes needed (BENCHMARKS.md, login flood).
    static WORKING_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The argon2 output for this password and salt, computed in this thread's reusable
/// working memory.
fn derive(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'_>,
    output_len: usize,
) -> argon2::password_hash::Result<Output> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    WORKING_MEMORY.with_borrow_mut(|blocks| {
        let needed = argon.params().block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        Output::init_with(output_len, |out| {
            Ok(argon.hash_password_into_with_memory(
                password,
                salt_bytes,
                out,
                &mut blocks[..needed],
            )?)
        })
    })
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
        // Hashes written by the crate's own PasswordHasher (every stored one) verify.
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let stored = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(password.verify(&stored));
        assert!(!Password::parse("wrong horse").unwrap().verify(&stored));
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
    }

    #[test]
    fn nickname_rejects_blank_and_overlong() {
        assert_eq!(Nickname::parse(" 뮤덕 ").unwrap().as_str(), "뮤덕");
        assert!(Nickname::parse("   ").is_err());
        assert!(Nickname::parse(&"가".repeat(41)).is_err());
        assert!(Nickname::parse("a\u{0}b").is_err());
    }
}

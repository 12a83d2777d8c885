//! A configured value that must never be printed: a password, a token, a database
//! URL with its password. Its `Debug` is `Secret(***)`, so a config logged whole, or
//! an error that carries one, shows nothing of it; the value comes out only where it
//! is used (`expose`).

use std::fmt;

#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

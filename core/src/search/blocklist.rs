//! Terms admins keep off the popular-query list (인기 검색어), in MariaDB so every api
//! process hides the same ones. A term is matched inside a reading, as search
//! normalizes both, so blocking one word hides every reading that holds it.

use sqlx::MySqlPool;

use crate::error::{Error, Result};

use super::analysis;

/// Longest term, in characters: no reading is longer (`reading::MAX_READING_CHARS`).
pub const MAX_TERM_CHARS: usize = 40;

/// A term as it is stored and compared: normalized, single spaces; refused when blank
/// or longer than a reading can be.
pub fn normalized(term: &str) -> Result<String> {
    let term = analysis::normalize_text(term);
    match term.chars().count() {
        _ if !term.chars().any(char::is_alphanumeric) => {
            Err(Error::validation("term", "must hold a letter or digit"))
        }
        n if n > MAX_TERM_CHARS => Err(Error::validation(
            "term",
            format!("must be at most {MAX_TERM_CHARS} characters"),
        )),
        _ => Ok(term),
    }
}

/// Whether `reading` holds one of the `blocked` terms (each already normalized).
pub fn blocks(blocked: &[String], reading: &str) -> bool {
    if blocked.is_empty() {
        return false;
    }
    let reading = analysis::normalize_text(reading);
    blocked.iter().any(|term| reading.contains(term.as_str()))
}

/// Every blocked term, in order. The column is `utf8mb4_bin` (compared byte for
/// byte), which reaches sqlx as bytes: terms are written from `String`s, so they are
/// UTF-8.
pub async fn all(pool: &MySqlPool) -> Result<Vec<String>> {
    let terms = sqlx::query_scalar!("select term from search_blocklist order by term")
        .fetch_all(pool)
        .await?;
    Ok(terms
        .into_iter()
        .map(|term| String::from_utf8_lossy(&term).into_owned())
        .collect())
}

/// Blocks `term` (normalized) on behalf of `admin`; blocking it again changes nothing.
pub async fn add(pool: &MySqlPool, term: &str, admin: i64) -> Result<String> {
    let term = normalized(term)?;
    sqlx::query!(
        "insert ignore into search_blocklist (term, created_by) values (?, ?)",
        term,
        admin
    )
    .execute(pool)
    .await?;
    Ok(term)
}

/// Unblocks `term`; `NotFound` when it was not blocked.
pub async fn remove(pool: &MySqlPool, term: &str) -> Result<()> {
    let term = normalized(term)?;
    let removed = sqlx::query!("delete from search_blocklist where term = ?", term)
        .execute(pool)
        .await?
        .rows_affected();
    match removed {
        0 => Err(Error::NotFound("blocked term")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_normalized_and_bounded() {
        assert_eq!(normalized("  Les   MISÉRABLES ").unwrap(), "les miserables");
        assert!(normalized("   ").is_err());
        assert!(normalized("!!").is_err());
        assert!(normalized(&"가".repeat(MAX_TERM_CHARS + 1)).is_err());
        assert_eq!(
            normalized(&"가".repeat(MAX_TERM_CHARS))
                .unwrap()
                .chars()
                .count(),
            MAX_TERM_CHARS
        );
    }

    #[test]
    fn a_term_hides_every_reading_that_holds_it() {
        let blocked = vec![
            normalized("나쁜말").unwrap(),
            normalized("Scalper").unwrap(),
        ];
        assert!(blocks(&blocked, "나쁜말"));
        assert!(blocks(&blocked, "아주 나쁜말 콘서트"));
        assert!(blocks(&blocked, "The SCALPER Show"));
        assert!(!blocks(&blocked, "시카고"));
        assert!(!blocks(&[], "나쁜말"));
    }
}

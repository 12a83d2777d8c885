//! How pages write instants and money: Korean time (KST, where every show plays) and
//! won with thousands separators.

use chrono::{DateTime, Datelike, FixedOffset, Utc};

fn kst(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&FixedOffset::east_opt(9 * 3600).expect("a valid offset"))
}

const WEEKDAYS: [&str; 7] = ["월", "화", "수", "목", "금", "토", "일"];

/// `2030. 3. 1. (금) 19:30`.
pub fn when(at: DateTime<Utc>) -> String {
    let local = kst(at);
    format!(
        "{}. {}. {}. ({}) {}",
        local.year(),
        local.month(),
        local.day(),
        WEEKDAYS[local.weekday().num_days_from_monday() as usize],
        local.format("%H:%M")
    )
}

/// Within a year's listing, without the year: `3. 1. (금) 19:30`.
pub fn when_short(at: DateTime<Utc>) -> String {
    let local = kst(at);
    format!(
        "{}. {}. ({}) {}",
        local.month(),
        local.day(),
        WEEKDAYS[local.weekday().num_days_from_monday() as usize],
        local.format("%H:%M")
    )
}

/// The Korean wall-clock value of a `datetime-local` input: `2026-12-24T19:30`.
pub fn datetime_local(at: DateTime<Utc>) -> String {
    kst(at).format("%Y-%m-%dT%H:%M").to_string()
}

/// Time left as a countdown shows it: `4:05`.
pub fn countdown(milliseconds: i64) -> String {
    let seconds = (milliseconds.max(0) as u64).div_ceil(1000);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// `2030. 3. 1.`.
pub fn day(at: DateTime<Utc>) -> String {
    let local = kst(at);
    format!("{}. {}. {}.", local.year(), local.month(), local.day())
}

/// A show's run, `2026. 12. 1. ~ 2026. 12. 31.`, or its one day; empty without
/// performances.
pub fn run(first: Option<DateTime<Utc>>, last: Option<DateTime<Utc>>) -> String {
    match (first, last) {
        (Some(first), Some(last)) if day(first) != day(last) => {
            format!("{} ~ {}", day(first), day(last))
        }
        (Some(first), _) => day(first),
        _ => String::new(),
    }
}

/// `170,000원`.
pub fn won(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{}{grouped}원", if amount < 0 { "-" } else { "" })
}

/// The category's Korean name, as the site shows it.
pub fn category(stored: &str) -> &'static str {
    match stored {
        "MUSICAL" => "뮤지컬",
        "CONCERT" => "콘서트",
        "PLAY" => "연극",
        "EXHIBITION" => "전시",
        "CLASSIC" => "클래식",
        "DANCE" => "무용",
        _ => "공연",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_times_are_korean_wall_clock() {
        let at = "2026-12-24T10:30:00Z".parse().unwrap();
        assert_eq!(datetime_local(at), "2026-12-24T19:30");
    }

    #[test]
    fn countdowns_round_up_to_the_second() {
        assert_eq!(countdown(300_000), "5:00");
        assert_eq!(countdown(64_001), "1:05");
        assert_eq!(countdown(0), "0:00");
        assert_eq!(countdown(-5), "0:00");
    }

    #[test]
    fn instants_are_korean_time_and_money_is_grouped() {
        let at = "2030-03-01T10:30:00Z".parse().unwrap();
        assert_eq!(when(at), "2030. 3. 1. (금) 19:30");
        let late = "2030-03-01T15:30:00Z".parse().unwrap();
        assert_eq!(day(late), "2030. 3. 2.");
        assert_eq!(won(170_000), "170,000원");
        assert_eq!(won(1_000_000), "1,000,000원");
        assert_eq!(won(999), "999원");
        assert_eq!(won(0), "0원");
    }
}

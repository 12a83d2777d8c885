//! 할인 정보 in words, for the show page: each kind a show's performances sell, as a
//! line generated from the kind itself (what it takes off, until when, how many per
//! order, what to show at the door), so the page says what a purchase will apply.

use marquee_core::catalog::discounts::DiscountKind;

use super::format;

/// One line per kind, each name once (performances usually sell the same kinds), in
/// the order the first performance lists them.
pub fn in_words<'a>(kinds: impl IntoIterator<Item = &'a DiscountKind>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    kinds
        .into_iter()
        .filter(|kind| seen.insert(kind.name.clone()))
        .map(line)
        .collect()
}

fn line(kind: &DiscountKind) -> String {
    let off = match (kind.percent_off, kind.amount_off) {
        (Some(percent), _) => format!("{percent}%"),
        (None, Some(amount)) => format!("{} 할인", format::won(amount)),
        (None, None) => String::new(),
    };
    let mut parts = vec![format!("{} {off}", kind.name)];
    match (kind.sale_starts_at, kind.sale_ends_at) {
        (Some(from), Some(until)) => parts.push(format!(
            "{}부터 {}까지",
            format::when(from),
            format::when(until)
        )),
        (Some(from), None) => parts.push(format!("{}부터", format::when(from))),
        (None, Some(until)) => parts.push(format!("{}까지", format::when(until))),
        (None, None) => {}
    }
    if let Some(most) = kind.per_order {
        parts.push(format!("1회 예매에 {most}매까지"));
    }
    if kind.rewatch {
        parts.push("이 공연의 지난 회차 티켓이 있는 분".to_string());
    }
    if let Some(proof) = &kind.proof {
        parts.push(format!("입장할 때 {proof}"));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn kind(name: &str) -> DiscountKind {
        DiscountKind {
            id: 1,
            name: name.into(),
            percent_off: Some(20),
            amount_off: None,
            sale_starts_at: None,
            sale_ends_at: None,
            per_order: None,
            proof: None,
            rewatch: false,
        }
    }

    #[test]
    fn each_kind_reads_as_what_it_does() {
        let early = DiscountKind {
            sale_ends_at: Some(Utc.with_ymd_and_hms(2026, 12, 14, 14, 59, 0).unwrap()),
            ..kind("조기예매 할인")
        };
        let pair = DiscountKind {
            percent_off: Some(50),
            per_order: Some(2),
            proof: Some("복지카드 지참".into()),
            ..kind("장애인 할인")
        };
        let again = DiscountKind {
            percent_off: None,
            amount_off: Some(5_000),
            rewatch: true,
            ..kind("재관람 할인")
        };
        let twice = kind("조기예매 할인");
        assert_eq!(
            in_words([&early, &pair, &again, &twice]),
            [
                "조기예매 할인 20% · 2026. 12. 14. (월) 23:59까지",
                "장애인 할인 50% · 1회 예매에 2매까지 · 입장할 때 복지카드 지참",
                "재관람 할인 5,000원 할인 · 이 공연의 지난 회차 티켓이 있는 분",
            ]
        );
    }
}

//! The refund policy in words, for the show page and checkout: generated from the
//! policy the refunds apply (`REFUND_POLICY` and the standard's cooling-off), so what a
//! buyer reads is what a refund will do, whatever an operator configured.

use marquee_core::booking::booking_fee::BookingFee;
use marquee_core::booking::refund_policy::{
    RefundPolicy, COOLING_OFF_HOURS, COOLING_OFF_MIN_DAYS_BEFORE,
};

use super::format;

/// The rules of a show: its own policy if it has one, else the service's; when that
/// keeps more than the consumer dispute standard on any day, the first line says so
/// (an operator may be stricter than the standard, never silently).
pub fn for_show(default: &RefundPolicy, own: Option<&str>, booking_fee: BookingFee) -> Vec<String> {
    let policy = RefundPolicy::for_show(default, own);
    let mut lines = Vec::new();
    if policy.stricter_than(&RefundPolicy::korean_default()) {
        lines.push(
            "이 공연의 취소 수수료는 소비자분쟁해결기준보다 높아요. 아래 규정을 꼭 확인해 주세요."
                .to_string(),
        );
    }
    lines.extend(in_words(&policy, booking_fee));
    lines
}

/// One line per tier, nearest the performance last, then the cooling-off, the booking
/// fee (when there is one) and what happens once the performance has started.
pub fn in_words(policy: &RefundPolicy, booking_fee: BookingFee) -> Vec<String> {
    let tiers = policy.tiers();
    let mut lines = Vec::with_capacity(tiers.len() + 2);
    for (i, tier) in tiers.iter().enumerate() {
        let from = tier.min_days_before;
        // The tier before this one starts a day further out.
        let until = i
            .checked_sub(1)
            .map(|before| tiers[before].min_days_before - 1);
        let when = match (until, from) {
            (None, 0) => "공연 당일 시작 전까지".to_string(),
            (None, from) => format!("공연일 {from}일 전까지"),
            (Some(0), 0) => "공연 당일 시작 전".to_string(),
            (Some(until), 0) => format!("공연일 {until}일 전부터 당일 시작 전까지"),
            (Some(until), from) if until == from => format!("공연일 {from}일 전"),
            (Some(until), from) => format!("공연일 {until}~{from}일 전"),
        };
        let what = match tier.fee_percent {
            0 => "전액 환불".to_string(),
            100 => "환불 없음".to_string(),
            percent => format!("티켓 금액의 {percent}% 공제"),
        };
        lines.push(format!("{when}: {what}"));
    }
    match tiers.last().map(|tier| tier.min_days_before) {
        Some(0) => {}
        Some(1) => lines.push("공연 당일: 환불 없음".to_string()),
        Some(last) => lines.push(format!("공연일 {}일 전부터: 환불 없음", last - 1)),
        None => lines.push("환불 없음".to_string()),
    }
    lines.push(format!(
        "예매 후 {COOLING_OFF_HOURS}시간 이내(주말 제외)에 취소하면 공연일 \
         {COOLING_OFF_MIN_DAYS_BEFORE}일 전까지는 전액 환불"
    ));
    if booking_fee.amount() > 0 {
        lines.push(format!(
            "예매수수료(매당 {})는 예매 당일 취소할 때만 돌려드려요.",
            format::won(booking_fee.amount())
        ));
    }
    lines.push("공연이 시작된 뒤에는 환불되지 않아요.".to_string());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_reads_as_korean_sites_state_it() {
        assert_eq!(
            in_words(
                &RefundPolicy::korean_default(),
                BookingFee::per_ticket(2_000)
            ),
            [
                "공연일 10일 전까지: 전액 환불",
                "공연일 9~7일 전: 티켓 금액의 10% 공제",
                "공연일 6~3일 전: 티켓 금액의 20% 공제",
                "공연일 2~1일 전: 티켓 금액의 30% 공제",
                "공연 당일 시작 전: 티켓 금액의 90% 공제",
                "예매 후 24시간 이내(주말 제외)에 취소하면 공연일 3일 전까지는 전액 환불",
                "예매수수료(매당 2,000원)는 예매 당일 취소할 때만 돌려드려요.",
                "공연이 시작된 뒤에는 환불되지 않아요.",
            ]
        );
    }

    #[test]
    fn a_show_stricter_than_the_standard_says_so_first() {
        let standard = RefundPolicy::korean_default();
        let own = for_show(&standard, Some("10:0,1:30"), BookingFee::off());
        assert!(own[0].contains("소비자분쟁해결기준보다 높아요"), "{own:?}");
        assert_eq!(own[2], "공연일 9~1일 전: 티켓 금액의 30% 공제");
        let generous = for_show(&standard, Some("0:0"), BookingFee::off());
        assert_eq!(generous[0], "공연 당일 시작 전까지: 전액 환불");
        let none = for_show(&standard, None, BookingFee::off());
        assert_eq!(none, in_words(&standard, BookingFee::off()));
    }

    #[test]
    fn other_policies_say_what_they_do() {
        let words = |text| in_words(&RefundPolicy::parse(text).unwrap(), BookingFee::off());
        let stricter = words("10:0,1:30");
        assert_eq!(stricter[1], "공연일 9~1일 전: 티켓 금액의 30% 공제");
        assert_eq!(stricter[2], "공연 당일: 환불 없음");
        let far = words("7:0,3:100");
        assert_eq!(far[1], "공연일 6~3일 전: 환불 없음");
        assert_eq!(far[2], "공연일 2일 전부터: 환불 없음");
        let generous = words("0:0");
        assert_eq!(generous[0], "공연 당일 시작 전까지: 전액 환불");
        let one_day = words("5:0,4:10,0:50");
        assert_eq!(one_day[1], "공연일 4일 전: 티켓 금액의 10% 공제");
        assert_eq!(
            one_day[2],
            "공연일 3일 전부터 당일 시작 전까지: 티켓 금액의 50% 공제"
        );
    }
}

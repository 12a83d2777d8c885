//! The one table of error codes: every code the API answers with, its status and what
//! it means to a client. `code_of` gives each domain error its code; a handler names
//! the codes it can answer with (`api_errors!`), and its OpenAPI responses are built
//! from this table, so the document and the answers cannot drift apart.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use marquee_core::error::PosterProblem;
use marquee_core::Error as CoreError;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

macro_rules! error_codes {
    ($($code:ident = $status:ident, $text:literal, $meaning:literal;)+) => {
        /// A stable, machine-readable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Code {
            $($code,)+
        }

        impl Code {
            pub fn status(self) -> StatusCode {
                match self {
                    $(Code::$code => StatusCode::$status,)+
                }
            }

            /// The code as clients see it, upper snake case.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => $text,)+
                }
            }

            /// What it means, for the API's documentation.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$code => $meaning,)+
                }
            }
        }
    };
}

error_codes! {
    // Refusals before a handler runs (`error::Rejection`) and of the router itself.
    MalformedJson = BAD_REQUEST, "MALFORMED_JSON", "the body is not JSON";
    InvalidBody = UNPROCESSABLE_ENTITY, "INVALID_BODY",
        "the JSON has missing, unknown or mistyped fields";
    UnsupportedMediaType = UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE",
        "a body without Content-Type: application/json";
    PayloadTooLarge = PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "the body is over 1 MiB";
    BadRequest = BAD_REQUEST, "BAD_REQUEST", "the body could not be read";
    InvalidQuery = BAD_REQUEST, "INVALID_QUERY",
        "a query parameter is missing, does not parse or is out of range";
    InvalidHeader = BAD_REQUEST, "INVALID_HEADER",
        "a header is not text (the Idempotency-Key must be printable ASCII)";
    NotFound = NOT_FOUND, "NOT_FOUND", "nothing is at this address";
    RouteNotFound = NOT_FOUND, "ROUTE_NOT_FOUND", "no such route";
    MethodNotAllowed = METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
        "the route does not take this method";
    CsrfTokenInvalid = UNAUTHORIZED, "CSRF_TOKEN_INVALID",
        "a change made with the session cookie lacks its session's X-CSRF-Token";
    // Domain errors (`code_of`).
    ValidationFailed = UNPROCESSABLE_ENTITY, "VALIDATION_FAILED",
        "a field is invalid; `field` names it";
    ShowNotFound = NOT_FOUND, "SHOW_NOT_FOUND", "no such show, or it was deleted";
    ScheduleNotFound = NOT_FOUND, "SCHEDULE_NOT_FOUND", "no such performance of the show";
    SeatNotFound = NOT_FOUND, "SEAT_NOT_FOUND", "a seat is not of this performance";
    AreaNotFound = NOT_FOUND, "AREA_NOT_FOUND",
        "no general-admission grade of this performance has that id";
    HoldNotFound = NOT_FOUND, "HOLD_NOT_FOUND",
        "no such hold of yours (released, swept, or never yours)";
    TicketNotFound = NOT_FOUND, "TICKET_NOT_FOUND",
        "no such ticket of yours (someone else's reads the same)";
    CouponNotFound = NOT_FOUND, "COUPON_NOT_FOUND",
        "no coupon of yours, or no campaign, with this id or code";
    OrderNotFound = NOT_FOUND, "ORDER_NOT_FOUND",
        "no order of yours has this number (someone else's reads the same)";
    UserNotFound = NOT_FOUND, "USER_NOT_FOUND", "no such account";
    TradeNotFound = NOT_FOUND, "TRADE_NOT_FOUND", "no such trade";
    CancellationNotFound = NOT_FOUND, "CANCELLATION_NOT_FOUND",
        "the performance has not been cancelled";
    WaitingRoomNotFound = NOT_FOUND, "WAITING_ROOM_NOT_FOUND",
        "the performance has no waiting room";
    SocialProviderNotFound = NOT_FOUND, "SOCIAL_PROVIDER_NOT_FOUND",
        "the social login provider is not configured";
    BlockedTermNotFound = NOT_FOUND, "BLOCKED_TERM_NOT_FOUND",
        "the term is not on the popular-query blocklist";
    NotInQueue = NOT_FOUND, "NOT_IN_QUEUE",
        "no place in this queue: left, admitted and expired, or lost in a failover (enter again)";
    EmailTaken = CONFLICT, "EMAIL_TAKEN", "an active account has this email";
    InvalidCredentials = UNAUTHORIZED, "INVALID_CREDENTIALS", "wrong email or password";
    Unauthenticated = UNAUTHORIZED, "UNAUTHENTICATED",
        "missing, invalid or expired credentials, or a session that has ended";
    InvalidRefreshToken = UNAUTHORIZED, "INVALID_REFRESH_TOKEN",
        "unknown, expired or used (a reused token also revokes its session)";
    SocialLoginFailed = UNAUTHORIZED, "SOCIAL_LOGIN_FAILED",
        "the provider refused the code or verifier";
    Forbidden = FORBIDDEN, "FORBIDDEN", "not yours, or for admins only";
    QueueTokenRequired = FORBIDDEN, "QUEUE_TOKEN_REQUIRED",
        "the performance's waiting room is on: send its access token as X-Queue-Token";
    QueueTokenInvalid = FORBIDDEN, "QUEUE_TOKEN_INVALID",
        "the token is not valid for this performance";
    QueueAccessExpired = FORBIDDEN, "QUEUE_ACCESS_EXPIRED", "the admission has expired";
    InsufficientPoints = PAYMENT_REQUIRED, "INSUFFICIENT_POINTS",
        "not enough points; `shortfall` says how many more";
    SeatUnavailable = CONFLICT, "SEAT_UNAVAILABLE",
        "a seat is sold or held; `unavailable_seat_ids` names the requested seats that are";
    PlacesUnavailable = CONFLICT, "PLACES_UNAVAILABLE",
        "the general-admission area has fewer free places than asked; `remaining` says how many are free";
    TicketLimitReached = CONFLICT, "TICKET_LIMIT_REACHED",
        "one person's seats of a performance, held and bought together, are at the limit (MAX_TICKETS_PER_SCHEDULE); with `limit` and `remaining`";
    HoldNotActive = CONFLICT, "HOLD_NOT_ACTIVE", "the hold expired, was released or is paid";
    NotOnSale = CONFLICT, "NOT_ON_SALE",
        "booking has not opened, the show was deleted, or the performance started or was cancelled";
    PerformanceCancelled = CONFLICT, "PERFORMANCE_CANCELLED",
        "the organizer cancelled the performance: its tickets are refunded in full by the cancellation";
    CancellationTooLate = CONFLICT, "CANCELLATION_TOO_LATE",
        "the performance started too long ago to be cancelled; `limit` says how many days after its start it may be";
    PaymentAlreadyUsed = CONFLICT, "PAYMENT_ALREADY_USED", "the payment funded another account";
    PaymentAmountMismatch = CONFLICT, "PAYMENT_AMOUNT_MISMATCH",
        "the payment was credited before for another amount; with `credited_amount`";
    RefundWindowClosed = CONFLICT, "REFUND_WINDOW_CLOSED",
        "the performance has started: nothing is refundable";
    TicketNotRefundable = CONFLICT, "TICKET_NOT_REFUNDABLE", "the ticket is refunded or resold";
    TicketNotListable = CONFLICT, "TICKET_NOT_LISTABLE",
        "only a valid ticket can be listed, not one refunded or resold";
    TicketListed = CONFLICT, "TICKET_LISTED",
        "the ticket has an open resale listing: cancel it first";
    ShowStarted = CONFLICT, "SHOW_STARTED", "the performance has started";
    CouponExhausted = CONFLICT, "COUPON_EXHAUSTED",
        "the campaign has issued every coupon it may";
    CouponAlreadyClaimed = CONFLICT, "COUPON_ALREADY_CLAIMED", "you already have this coupon";
    CouponNotApplicable = CONFLICT, "COUPON_NOT_APPLICABLE",
        "the coupon does not apply now; `reason`: USED, NOT_STARTED, EXPIRED, OTHER_SHOW or BELOW_MINIMUM";
    DiscountNotOnSale = CONFLICT, "DISCOUNT_NOT_ON_SALE",
        "a chosen discount kind is outside its sale window";
    DiscountLimitExceeded = CONFLICT, "DISCOUNT_LIMIT_EXCEEDED",
        "more tickets of a discount kind than one order may have";
    DiscountNotEligible = CONFLICT, "DISCOUNT_NOT_ELIGIBLE",
        "a 재관람 discount needs a ticket of the same show whose performance has started";
    PosterTooLarge = PAYLOAD_TOO_LARGE, "POSTER_TOO_LARGE", "the poster file is over 8 MiB";
    PosterTypeUnsupported = UNSUPPORTED_MEDIA_TYPE, "POSTER_TYPE_UNSUPPORTED",
        "the poster is not a JPEG, PNG or WebP image by its content (SVG is refused)";
    PosterDimensions = UNPROCESSABLE_ENTITY, "POSTER_DIMENSIONS",
        "the poster must be 200 to 6000 pixels on each side";
    PosterUnreadable = UNPROCESSABLE_ENTITY, "POSTER_UNREADABLE",
        "the poster's content is cut off or corrupt";
    PosterNotFound = NOT_FOUND, "POSTER_NOT_FOUND", "the show has no poster";
    TradeNotOpen = CONFLICT, "TRADE_NOT_OPEN", "the trade is sold, cancelled or expired";
    OwnTrade = CONFLICT, "OWN_TRADE", "you cannot buy your own trade";
    StreamReplaced = CONFLICT, "STREAM_REPLACED", "a newer event stream of this place took over";
    WaitingRoomOff = CONFLICT, "WAITING_ROOM_OFF", "the performance's waiting room is off";
    TooManySeats = UNPROCESSABLE_ENTITY, "TOO_MANY_SEATS", "more seats than one hold may take";
    IdempotencyKeyReused = UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED",
        "this Idempotency-Key was used for another request";
    PaymentNotConfirmed = UNPROCESSABLE_ENTITY, "PAYMENT_NOT_CONFIRMED",
        "the gateway does not confirm the payment as paid";
    PriceOverCap = UNPROCESSABLE_ENTITY, "PRICE_OVER_CAP",
        "the price is over the resale cap; `max_price` is the highest allowed";
    TooManyAttempts = TOO_MANY_REQUESTS, "TOO_MANY_ATTEMPTS",
        "too many failed logins for this email or from this address (LOGIN_LIMIT_*); see Retry-After";
    RateLimited = TOO_MANY_REQUESTS, "RATE_LIMITED",
        "too many waiting-room requests from this user or address; see Retry-After";
    Internal = INTERNAL_SERVER_ERROR, "INTERNAL", "an unexpected failure, logged";
    SocialProviderUnavailable = BAD_GATEWAY, "SOCIAL_PROVIDER_UNAVAILABLE",
        "the social login provider did not answer";
    GatewayUnavailable = BAD_GATEWAY, "GATEWAY_UNAVAILABLE", "the payment gateway did not answer";
    Overloaded = SERVICE_UNAVAILABLE, "OVERLOADED",
        "every password-hashing slot stayed busy; see Retry-After";
    QueueUnavailable = SERVICE_UNAVAILABLE, "QUEUE_UNAVAILABLE",
        "the waiting room's store did not answer; see Retry-After";
    TrendsUnavailable = SERVICE_UNAVAILABLE, "TRENDS_UNAVAILABLE",
        "the search counts' store did not answer (search itself is unaffected); see Retry-After";
    DatabaseUnavailable = SERVICE_UNAVAILABLE, "DATABASE_UNAVAILABLE",
        "the database did not answer in time; see Retry-After";
    IndexUnavailable = SERVICE_UNAVAILABLE, "INDEX_UNAVAILABLE",
        "the search index is being written by another process";
}

/// The code of each domain error. Adding a variant to `CoreError` fails the build here
/// until it has one.
pub fn code_of(err: &CoreError) -> Code {
    use CoreError::*;
    match err {
        Validation { .. } => Code::ValidationFailed,
        NotFound("show") => Code::ShowNotFound,
        NotFound("schedule") => Code::ScheduleNotFound,
        NotFound("seat") => Code::SeatNotFound,
        NotFound("area") => Code::AreaNotFound,
        NotFound("hold") => Code::HoldNotFound,
        NotFound("ticket") => Code::TicketNotFound,
        NotFound("order") => Code::OrderNotFound,
        NotFound("coupon") => Code::CouponNotFound,
        NotFound("user") => Code::UserNotFound,
        NotFound("trade") => Code::TradeNotFound,
        NotFound("cancellation") => Code::CancellationNotFound,
        NotFound("waiting room") => Code::WaitingRoomNotFound,
        NotFound("social provider") => Code::SocialProviderNotFound,
        NotFound("blocked term") => Code::BlockedTermNotFound,
        NotFound("poster") => Code::PosterNotFound,
        NotFound(_) => Code::NotFound,
        EmailTaken => Code::EmailTaken,
        InvalidCredentials => Code::InvalidCredentials,
        TooManyAttempts { .. } => Code::TooManyAttempts,
        Overloaded { .. } => Code::Overloaded,
        Unauthenticated => Code::Unauthenticated,
        InvalidRefreshToken => Code::InvalidRefreshToken,
        Forbidden => Code::Forbidden,
        SocialLoginFailed => Code::SocialLoginFailed,
        SocialProviderUnavailable(_) => Code::SocialProviderUnavailable,
        SeatUnavailable { .. } => Code::SeatUnavailable,
        PlacesUnavailable { .. } => Code::PlacesUnavailable,
        TooManySeats { .. } => Code::TooManySeats,
        TicketLimitReached { .. } => Code::TicketLimitReached,
        HoldNotActive => Code::HoldNotActive,
        InsufficientPoints { .. } => Code::InsufficientPoints,
        IdempotencyKeyReused => Code::IdempotencyKeyReused,
        PaymentNotConfirmed(_) => Code::PaymentNotConfirmed,
        PaymentAlreadyUsed => Code::PaymentAlreadyUsed,
        PaymentAmountMismatch { .. } => Code::PaymentAmountMismatch,
        GatewayUnavailable(_) => Code::GatewayUnavailable,
        RefundWindowClosed => Code::RefundWindowClosed,
        TicketNotRefundable => Code::TicketNotRefundable,
        NotOnSale => Code::NotOnSale,
        PerformanceCancelled => Code::PerformanceCancelled,
        CancellationTooLate { .. } => Code::CancellationTooLate,
        PriceOverCap { .. } => Code::PriceOverCap,
        TicketNotListable { .. } => Code::TicketNotListable,
        TicketListed => Code::TicketListed,
        ShowStarted => Code::ShowStarted,
        CouponExhausted => Code::CouponExhausted,
        CouponAlreadyClaimed => Code::CouponAlreadyClaimed,
        CouponNotApplicable(_) => Code::CouponNotApplicable,
        DiscountNotOnSale => Code::DiscountNotOnSale,
        DiscountLimitExceeded { .. } => Code::DiscountLimitExceeded,
        DiscountNotEligible => Code::DiscountNotEligible,
        PosterRejected(problem) => match problem {
            PosterProblem::TooLarge => Code::PosterTooLarge,
            PosterProblem::UnsupportedType => Code::PosterTypeUnsupported,
            PosterProblem::Dimensions => Code::PosterDimensions,
            PosterProblem::Unreadable => Code::PosterUnreadable,
        },
        TradeNotOpen { .. } => Code::TradeNotOpen,
        OwnTrade => Code::OwnTrade,
        QueueUnavailable(_) => Code::QueueUnavailable,
        TrendsUnavailable(_) => Code::TrendsUnavailable,
        DatabaseUnavailable(_) => Code::DatabaseUnavailable,
        RateLimited { .. } => Code::RateLimited,
        NotInQueue => Code::NotInQueue,
        StreamReplaced => Code::StreamReplaced,
        WaitingRoomOff => Code::WaitingRoomOff,
        QueueTokenRequired => Code::QueueTokenRequired,
        QueueTokenInvalid => Code::QueueTokenInvalid,
        QueueAccessExpired => Code::QueueAccessExpired,
        IndexLocked { .. } => Code::IndexUnavailable,
        Internal(_) => Code::Internal,
    }
}

/// The OpenAPI responses for these codes: one per status, its description each code
/// with its meaning, its body the error shape.
pub fn responses(codes: &[Code]) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    let mut by_status: BTreeMap<StatusCode, Vec<Code>> = BTreeMap::new();
    for code in codes {
        by_status.entry(code.status()).or_default().push(*code);
    }
    by_status
        .into_iter()
        .map(|(status, codes)| {
            let description = codes
                .iter()
                .map(|code| describe(*code))
                .collect::<Vec<_>>()
                .join("; ");
            (
                status.as_str().to_string(),
                RefOr::T(error_response(description)),
            )
        })
        .collect()
}

/// `CODE: meaning`, as a response description lists a code.
pub fn describe(code: Code) -> String {
    format!("{}: {}", code.as_str(), code.meaning())
}

/// A response with the error body and this description.
pub fn error_response(description: impl Into<String>) -> utoipa::openapi::Response {
    let body = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorResponse")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", body)
        .build()
}

/// Declares the error responses of a handler by code: a type to name in its
/// `#[utoipa::path(responses(...))]`, whose statuses and descriptions come from the
/// table (`api_errors!(HoldErrors = [SeatUnavailable, NotOnSale]);`). The errors every
/// route of a kind can give (a malformed body, a missing token, the database away) are
/// added to every operation by `openapi`, not listed here.
macro_rules! api_errors {
    ($name:ident = [$($code:ident),+ $(,)?]) => {
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::Response>,
            > {
                $crate::plumbing::codes::responses(&[$($crate::plumbing::codes::Code::$code),+])
            }
        }
    };
}
pub(crate) use api_errors;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_upper_snake_case() {
        let samples = [
            Code::MalformedJson,
            Code::SeatUnavailable,
            Code::TicketLimitReached,
            Code::Internal,
        ];
        for code in samples {
            assert!(code
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_'));
        }
        assert_eq!(code_of(&CoreError::NotOnSale), Code::NotOnSale);
        assert_eq!(Code::NotOnSale.status(), StatusCode::CONFLICT);
    }

    #[test]
    fn responses_group_codes_by_status() {
        let responses = responses(&[Code::SeatUnavailable, Code::NotOnSale, Code::TooManySeats]);
        assert_eq!(
            responses.keys().collect::<Vec<_>>(),
            vec!["409", "422"],
            "one response per status"
        );
        let RefOr::T(conflict) = &responses["409"] else {
            panic!("an inline response")
        };
        assert!(conflict.description.starts_with("SEAT_UNAVAILABLE: "));
        assert!(conflict.description.contains("; NOT_ON_SALE: "));
    }
}

//! The one place where errors become HTTP answers.
//!
//! Every failure leaves as `{"error": {"code": "...", "message": "..."}}` with a stable
//! upper-snake `code` that clients may branch on; the message is for people. Internal
//! failures are logged here with their cause and answered with an opaque 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use marquee_core::Error as CoreError;
use serde::Serialize;

#[derive(Debug)]
pub enum ApiError {
    Core(CoreError),
    /// One failure answered to many requests (they waited for the same cache load);
    /// logged once where it happened (`log_failure`), so not again per request.
    Shared(std::sync::Arc<CoreError>),
    /// A request the api itself refuses before any domain code runs.
    Request {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
}

impl ApiError {
    pub fn request(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Request {
            status,
            code,
            message: message.into(),
        }
    }
}

/// The refusals the api makes before a handler runs, by what the route takes. The
/// OpenAPI document adds each to every operation it can happen on
/// (`openapi::GenericErrors`), so no route answers one undocumented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The body is not JSON at all.
    MalformedJson,
    /// JSON of the wrong shape (missing, unknown or mistyped fields).
    InvalidBody,
    /// A body without `Content-Type: application/json`.
    UnsupportedMediaType,
    /// A body over the 1 MiB limit.
    PayloadTooLarge,
    /// A body that could not be read at all.
    BadBody,
    /// A query parameter that does not parse or is out of range.
    InvalidQuery,
    /// A path parameter that is not of its type names nothing.
    PathNotFound,
    /// A header value that is not text (the Idempotency-Key).
    InvalidHeader,
}

/// What in an operation makes a `Rejection` possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takes {
    JsonBody,
    Query,
    PathParameter,
    IdempotencyKey,
}

impl Rejection {
    pub const ALL: [Rejection; 8] = [
        Rejection::MalformedJson,
        Rejection::InvalidBody,
        Rejection::UnsupportedMediaType,
        Rejection::PayloadTooLarge,
        Rejection::BadBody,
        Rejection::InvalidQuery,
        Rejection::PathNotFound,
        Rejection::InvalidHeader,
    ];

    pub fn status_and_code(self) -> (StatusCode, &'static str) {
        match self {
            Rejection::MalformedJson => (StatusCode::BAD_REQUEST, "MALFORMED_JSON"),
            Rejection::InvalidBody => (StatusCode::UNPROCESSABLE_ENTITY, "INVALID_BODY"),
            Rejection::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE")
            }
            Rejection::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
            Rejection::BadBody => (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            Rejection::InvalidQuery => (StatusCode::BAD_REQUEST, "INVALID_QUERY"),
            Rejection::PathNotFound => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            Rejection::InvalidHeader => (StatusCode::BAD_REQUEST, "INVALID_HEADER"),
        }
    }

    pub fn happens_with(self) -> Takes {
        match self {
            Rejection::MalformedJson
            | Rejection::InvalidBody
            | Rejection::UnsupportedMediaType
            | Rejection::PayloadTooLarge
            | Rejection::BadBody => Takes::JsonBody,
            Rejection::InvalidQuery => Takes::Query,
            Rejection::PathNotFound => Takes::PathParameter,
            Rejection::InvalidHeader => Takes::IdempotencyKey,
        }
    }

    pub fn with(self, message: impl Into<String>) -> ApiError {
        let (status, code) = self.status_and_code();
        ApiError::request(status, code, message)
    }
}

impl From<CoreError> for ApiError {
    fn from(err: CoreError) -> Self {
        ApiError::Core(err)
    }
}

/// The body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorResponse {
    error: ErrorBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable, upper-snake machine-readable code, e.g. `SEAT_UNAVAILABLE`.
    #[schema(example = "SEAT_UNAVAILABLE")]
    code: &'static str,
    /// For people; may change.
    message: String,
    /// The offending field of a VALIDATION_FAILED error.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
    /// Points missing, for INSUFFICIENT_POINTS.
    #[serde(skip_serializing_if = "Option::is_none")]
    shortfall: Option<i64>,
    /// The highest allowed resale price, for PRICE_OVER_CAP.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_price: Option<i64>,
    /// What the earlier credit of this payment id added, for PAYMENT_AMOUNT_MISMATCH.
    #[serde(skip_serializing_if = "Option::is_none")]
    credited_amount: Option<i64>,
    /// Seats one person may have of the schedule, for TICKET_LIMIT_REACHED.
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
    /// How many more this person may still hold, for TICKET_LIMIT_REACHED.
    #[serde(skip_serializing_if = "Option::is_none")]
    remaining: Option<u32>,
    /// The requested seats that are sold or held now, for SEAT_UNAVAILABLE.
    #[serde(skip_serializing_if = "Option::is_none")]
    unavailable_seat_ids: Option<Vec<i64>>,
}

/// Status and code of each domain error. Adding a variant to `CoreError` fails the
/// build here until it has an answer.
pub fn status_and_code(err: &CoreError) -> (StatusCode, &'static str) {
    use CoreError::*;
    match err {
        Validation { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED"),
        NotFound("show") => (StatusCode::NOT_FOUND, "SHOW_NOT_FOUND"),
        NotFound("schedule") => (StatusCode::NOT_FOUND, "SCHEDULE_NOT_FOUND"),
        NotFound("seat") => (StatusCode::NOT_FOUND, "SEAT_NOT_FOUND"),
        NotFound("hold") => (StatusCode::NOT_FOUND, "HOLD_NOT_FOUND"),
        NotFound("ticket") => (StatusCode::NOT_FOUND, "TICKET_NOT_FOUND"),
        NotFound("user") => (StatusCode::NOT_FOUND, "USER_NOT_FOUND"),
        NotFound("trade") => (StatusCode::NOT_FOUND, "TRADE_NOT_FOUND"),
        NotFound("waiting room") => (StatusCode::NOT_FOUND, "WAITING_ROOM_NOT_FOUND"),
        NotFound("social provider") => (StatusCode::NOT_FOUND, "SOCIAL_PROVIDER_NOT_FOUND"),
        NotFound(_) => (StatusCode::NOT_FOUND, "NOT_FOUND"),
        EmailTaken => (StatusCode::CONFLICT, "EMAIL_TAKEN"),
        InvalidCredentials => (StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS"),
        TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "TOO_MANY_ATTEMPTS"),
        Overloaded { .. } => (StatusCode::SERVICE_UNAVAILABLE, "OVERLOADED"),
        Unauthenticated => (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        InvalidRefreshToken => (StatusCode::UNAUTHORIZED, "INVALID_REFRESH_TOKEN"),
        Forbidden => (StatusCode::FORBIDDEN, "FORBIDDEN"),
        SocialLoginFailed => (StatusCode::UNAUTHORIZED, "SOCIAL_LOGIN_FAILED"),
        SocialProviderUnavailable(_) => (StatusCode::BAD_GATEWAY, "SOCIAL_PROVIDER_UNAVAILABLE"),
        SeatUnavailable { .. } => (StatusCode::CONFLICT, "SEAT_UNAVAILABLE"),
        TooManySeats { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "TOO_MANY_SEATS"),
        TicketLimitReached { .. } => (StatusCode::CONFLICT, "TICKET_LIMIT_REACHED"),
        HoldNotActive => (StatusCode::CONFLICT, "HOLD_NOT_ACTIVE"),
        InsufficientPoints { .. } => (StatusCode::PAYMENT_REQUIRED, "INSUFFICIENT_POINTS"),
        IdempotencyKeyReused => (StatusCode::UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED"),
        PaymentNotConfirmed(_) => (StatusCode::UNPROCESSABLE_ENTITY, "PAYMENT_NOT_CONFIRMED"),
        PaymentAlreadyUsed => (StatusCode::CONFLICT, "PAYMENT_ALREADY_USED"),
        PaymentAmountMismatch { .. } => (StatusCode::CONFLICT, "PAYMENT_AMOUNT_MISMATCH"),
        GatewayUnavailable(_) => (StatusCode::BAD_GATEWAY, "GATEWAY_UNAVAILABLE"),
        RefundWindowClosed => (StatusCode::CONFLICT, "REFUND_WINDOW_CLOSED"),
        TicketNotRefundable => (StatusCode::CONFLICT, "TICKET_NOT_REFUNDABLE"),
        NotOnSale => (StatusCode::CONFLICT, "NOT_ON_SALE"),
        PriceOverCap { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "PRICE_OVER_CAP"),
        TicketNotListable { .. } => (StatusCode::CONFLICT, "TICKET_NOT_LISTABLE"),
        TicketListed => (StatusCode::CONFLICT, "TICKET_LISTED"),
        ShowStarted => (StatusCode::CONFLICT, "SHOW_STARTED"),
        TradeNotOpen { .. } => (StatusCode::CONFLICT, "TRADE_NOT_OPEN"),
        OwnTrade => (StatusCode::CONFLICT, "OWN_TRADE"),
        QueueUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "QUEUE_UNAVAILABLE"),
        TrendsUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "TRENDS_UNAVAILABLE"),
        DatabaseUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "DATABASE_UNAVAILABLE"),
        RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"),
        NotInQueue => (StatusCode::NOT_FOUND, "NOT_IN_QUEUE"),
        StreamReplaced => (StatusCode::CONFLICT, "STREAM_REPLACED"),
        WaitingRoomOff => (StatusCode::CONFLICT, "WAITING_ROOM_OFF"),
        QueueTokenRequired => (StatusCode::FORBIDDEN, "QUEUE_TOKEN_REQUIRED"),
        QueueTokenInvalid => (StatusCode::FORBIDDEN, "QUEUE_TOKEN_INVALID"),
        QueueAccessExpired => (StatusCode::FORBIDDEN, "QUEUE_ACCESS_EXPIRED"),
        IndexLocked { .. } => (StatusCode::SERVICE_UNAVAILABLE, "INDEX_UNAVAILABLE"),
        Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL"),
    }
}

/// Logs a domain failure the client only learns the kind of (an internal error, an
/// unreachable gateway, Redis or database); other failures are answers, not events.
pub fn log_failure(err: &CoreError) {
    match err {
        CoreError::Internal(cause) => tracing::error!(error = %cause, "request failed"),
        CoreError::GatewayUnavailable(cause) => {
            tracing::warn!(error = %cause, "payment gateway failed")
        }
        CoreError::SocialProviderUnavailable(cause) => {
            tracing::warn!(error = %cause, "social login provider failed")
        }
        CoreError::QueueUnavailable(cause) => {
            tracing::warn!(error = %cause, "waiting room store failed")
        }
        CoreError::TrendsUnavailable(cause) => {
            tracing::warn!(error = %cause, "search trends store failed")
        }
        CoreError::DatabaseUnavailable(cause) => {
            tracing::warn!(error = %cause, "database unavailable")
        }
        _ => {}
    }
}

/// How long a client should wait before retrying after `err`, where that is known.
pub fn retry_after(err: &CoreError) -> Option<u64> {
    match err {
        CoreError::TooManyAttempts { retry_after_secs }
        | CoreError::RateLimited { retry_after_secs }
        | CoreError::Overloaded { retry_after_secs } => Some(*retry_after_secs),
        CoreError::QueueUnavailable(_) | CoreError::TrendsUnavailable(_) => {
            Some(QUEUE_RETRY_AFTER_SECS)
        }
        CoreError::DatabaseUnavailable(_) => Some(DATABASE_RETRY_AFTER_SECS),
        _ => None,
    }
}

fn core_body(err: &CoreError) -> (StatusCode, ErrorBody) {
    let (status, code) = status_and_code(err);
    let message = match err {
        CoreError::Internal(_) => "internal error".to_string(),
        CoreError::GatewayUnavailable(_) => "payment gateway is unavailable, try again".to_string(),
        CoreError::SocialProviderUnavailable(_) => {
            "the social login provider is unavailable, try again".to_string()
        }
        CoreError::QueueUnavailable(_) => {
            "waiting room is unavailable, try again shortly".to_string()
        }
        CoreError::TrendsUnavailable(_) => {
            "search trends are unavailable, try again shortly".to_string()
        }
        CoreError::DatabaseUnavailable(_) => {
            "the database is unavailable, try again shortly".to_string()
        }
        other => other.to_string(),
    };
    let field = match err {
        CoreError::Validation { field, .. } => Some(*field),
        _ => None,
    };
    let shortfall = match err {
        CoreError::InsufficientPoints { shortfall } => Some(*shortfall),
        _ => None,
    };
    let max_price = match err {
        CoreError::PriceOverCap { max_price } => Some(*max_price),
        _ => None,
    };
    let (limit, remaining) = match err {
        CoreError::TicketLimitReached { limit, remaining } => (Some(*limit), Some(*remaining)),
        _ => (None, None),
    };
    let credited_amount = match err {
        CoreError::PaymentAmountMismatch { credited_amount } => Some(*credited_amount),
        _ => None,
    };
    let unavailable_seat_ids = match err {
        CoreError::SeatUnavailable { seat_ids } => Some(seat_ids.clone()),
        _ => None,
    };
    (
        status,
        ErrorBody {
            code,
            message,
            field,
            shortfall,
            max_price,
            credited_amount,
            limit,
            remaining,
            unavailable_seat_ids,
        },
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body, retry_after) = match self {
            ApiError::Request {
                status,
                code,
                message,
            } => (
                status,
                ErrorBody {
                    code,
                    message,
                    field: None,
                    shortfall: None,
                    max_price: None,
                    credited_amount: None,
                    limit: None,
                    remaining: None,
                    unavailable_seat_ids: None,
                },
                None,
            ),
            ApiError::Core(err) => {
                log_failure(&err);
                let (status, body) = core_body(&err);
                (status, body, retry_after(&err))
            }
            ApiError::Shared(err) => {
                let (status, body) = core_body(&err);
                (status, body, retry_after(&err))
            }
        };
        let mut response = (status, Json(ErrorResponse { error: body })).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// The last line of defence: a handler that panics answers an opaque 500 in the
/// usual error shape instead of dropping the client's connection. A panic is a bug
/// (bad input must be refused before it can cause one), so it is logged as an error.
pub fn panic_layer(
) -> tower_http::catch_panic::CatchPanicLayer<fn(Box<dyn std::any::Any + Send>) -> Response> {
    tower_http::catch_panic::CatchPanicLayer::custom(panic_response as fn(_) -> _)
}

fn panic_response(panic: Box<dyn std::any::Any + Send>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "request handler panicked");
    ApiError::request(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error",
    )
    .into_response()
}

/// Redis outages are usually short; clients retry after this long.
const QUEUE_RETRY_AFTER_SECS: u64 = 5;

/// A database restart or failover takes seconds; clients retry after this long.
const DATABASE_RETRY_AFTER_SECS: u64 = 2;

pub type ApiResult<T> = Result<T, ApiError>;

/// Why an answer could not be given: a failure of this request's own, or one that
/// every request waiting for the same load shares (logged once, where it happened).
#[derive(Debug)]
pub enum Failure {
    Fresh(CoreError),
    Shared(std::sync::Arc<CoreError>),
}

impl Failure {
    pub fn error(&self) -> &CoreError {
        match self {
            Failure::Fresh(err) => err,
            Failure::Shared(err) => err,
        }
    }
}

impl From<Failure> for ApiError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Fresh(err) => ApiError::Core(err),
            Failure::Shared(err) => ApiError::Shared(err),
        }
    }
}

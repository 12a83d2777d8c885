//! The one place where errors become HTTP answers.
//!
//! Every failure leaves as `{"error": {"code": "...", "message": "..."}}` with a stable
//! upper-snake `code` from the one table (`codes`) that clients may branch on; the
//! message is for people. Internal failures are logged here with their cause and
//! answered with an opaque 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use marquee_core::Error as CoreError;
use serde::Serialize;

use super::codes::{code_of, Code};

#[derive(Debug)]
pub enum ApiError {
    Core(CoreError),
    /// One failure answered to many requests (they waited for the same cache load);
    /// logged once where it happened (`log_failure`), so not again per request.
    Shared(std::sync::Arc<CoreError>),
    /// A request the api itself refuses before any domain code runs.
    Request {
        code: Code,
        message: String,
    },
}

impl ApiError {
    pub fn request(code: Code, message: impl Into<String>) -> Self {
        ApiError::Request {
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

    pub fn code(self) -> Code {
        match self {
            Rejection::MalformedJson => Code::MalformedJson,
            Rejection::InvalidBody => Code::InvalidBody,
            Rejection::UnsupportedMediaType => Code::UnsupportedMediaType,
            Rejection::PayloadTooLarge => Code::PayloadTooLarge,
            Rejection::BadBody => Code::BadRequest,
            Rejection::InvalidQuery => Code::InvalidQuery,
            Rejection::PathNotFound => Code::NotFound,
            Rejection::InvalidHeader => Code::InvalidHeader,
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
        ApiError::request(self.code(), message)
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
    /// Seats one person may have of the schedule, for TICKET_LIMIT_REACHED; tickets
    /// of the kind one order may have, for DISCOUNT_LIMIT_EXCEEDED; days after its
    /// start a performance may still be cancelled, for CANCELLATION_TOO_LATE.
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
    /// How many more this person may still hold, for TICKET_LIMIT_REACHED; how many
    /// places of the area are free, for PLACES_UNAVAILABLE.
    #[serde(skip_serializing_if = "Option::is_none")]
    remaining: Option<u32>,
    /// Why a coupon does not apply, for COUPON_NOT_APPLICABLE.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    /// The requested seats that are sold or held now, for SEAT_UNAVAILABLE.
    #[serde(skip_serializing_if = "Option::is_none")]
    unavailable_seat_ids: Option<Vec<i64>>,
}

/// Status and code of each domain error, from the one table (`codes`).
pub fn status_and_code(err: &CoreError) -> (StatusCode, &'static str) {
    let code = code_of(err);
    (code.status(), code.as_str())
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
        CoreError::PlacesUnavailable { available } => (None, Some(*available)),
        CoreError::DiscountLimitExceeded { per_order } => (Some(*per_order), None),
        CoreError::CancellationTooLate { days } => (Some(*days), None),
        _ => (None, None),
    };
    let credited_amount = match err {
        CoreError::PaymentAmountMismatch { credited_amount } => Some(*credited_amount),
        _ => None,
    };
    let reason = match err {
        CoreError::CouponNotApplicable(why) => Some(why.as_str()),
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
            reason,
            unavailable_seat_ids,
        },
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body, retry_after) = match self {
            ApiError::Request { code, message } => (
                code.status(),
                ErrorBody {
                    code: code.as_str(),
                    message,
                    field: None,
                    shortfall: None,
                    max_price: None,
                    credited_amount: None,
                    limit: None,
                    remaining: None,
                    reason: None,
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
    ApiError::request(Code::Internal, "internal error").into_response()
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

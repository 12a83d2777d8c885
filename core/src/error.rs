//! The one error type of `marquee-core`, in domain terms.
//!
//! Every variant names what went wrong for the caller, not how; `marquee-api` maps each
//! to an HTTP status and a stable machine-readable code in a single place. Database and
//! other unexpected failures stay opaque (`Internal`) and are logged where they are
//! answered, never shown to the client.

use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    /// Input that is well-formed JSON but breaks a rule (too long, out of range, ...).
    #[error("{field}: {message}")]
    Validation {
        field: &'static str,
        message: String,
    },
    /// A referenced thing does not exist (or is not visible to this caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("email is already registered")]
    EmailTaken,
    #[error("email or password is wrong")]
    InvalidCredentials,
    /// Too many failed logins for this email, or from this address, lately; try again
    /// after `retry_after_secs`.
    #[error("too many failed logins, try again later")]
    TooManyAttempts { retry_after_secs: u64 },
    /// This process is at its limit for expensive work (password hashing) and the
    /// request waited its turn too long; try again after `retry_after_secs`.
    #[error("the server is busy, try again shortly")]
    Overloaded { retry_after_secs: u64 },
    /// Missing, malformed, expired or revoked access token.
    #[error("authentication required")]
    Unauthenticated,
    /// A refresh token that is unknown, expired, or was already rotated.
    #[error("refresh token is invalid")]
    InvalidRefreshToken,
    #[error("not allowed")]
    Forbidden,
    /// The provider refused the authorization code (expired, used, not this client's,
    /// or the PKCE verifier does not match), or did not say who signed in.
    #[error("the social login did not complete; start it again")]
    SocialLoginFailed,
    /// The provider could not be reached or answered something unreadable.
    #[error("the social login provider is unavailable")]
    SocialProviderUnavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// One or more requested seats are sold or held by someone else: `seat_ids` are
    /// those, as far as known (empty when the hold lost to lock contention), so a
    /// client can mark them without reloading a seat map a cache may answer.
    #[error("seat is not available")]
    SeatUnavailable { seat_ids: Vec<i64> },
    /// A general-admission area has fewer free places than a hold asked for; about
    /// `available` are free (by the last commits; fewer than asked).
    #[error("only {available} places of the area are free")]
    PlacesUnavailable { available: u32 },
    #[error("at most {max} seats can be held at once")]
    TooManySeats { max: u32 },
    /// This person already has (held or bought) as many seats of the schedule as one
    /// person may; `remaining` more could still be held (0 or fewer than asked).
    #[error("at most {limit} seats per person for this schedule; {remaining} more allowed")]
    TicketLimitReached { limit: u32, remaining: u32 },
    /// The hold expired, was released, or was already paid.
    #[error("hold is no longer active")]
    HoldNotActive,
    #[error("not enough points: {shortfall} more needed")]
    InsufficientPoints { shortfall: i64 },
    /// The same Idempotency-Key was sent with a different request.
    #[error("idempotency key was already used for another request")]
    IdempotencyKeyReused,
    /// The gateway says the payment is not paid, or paid for another amount.
    #[error("payment is not confirmed: {0}")]
    PaymentNotConfirmed(String),
    /// This payment id was credited before for another amount: the earlier credit
    /// stands and nothing changes.
    #[error("payment was already credited with {credited_amount} points")]
    PaymentAmountMismatch { credited_amount: i64 },
    /// The payment id was already credited to another account.
    #[error("payment was already used")]
    PaymentAlreadyUsed,
    #[error("payment gateway is unavailable")]
    GatewayUnavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The refund policy gives no refund at this point (show day or later).
    #[error("refund period has ended")]
    RefundWindowClosed,
    /// The ticket was already refunded (or is otherwise not VALID).
    #[error("ticket is not refundable")]
    TicketNotRefundable,
    /// The show or schedule is gone, already started or cancelled, so nothing can be
    /// booked.
    #[error("schedule is not on sale")]
    NotOnSale,
    /// The organizer cancelled the performance: its tickets are refunded in full by the
    /// cancellation, so a holder can neither refund nor list one.
    #[error("the performance was cancelled; its tickets are refunded in full")]
    PerformanceCancelled,
    /// A performance that started too long ago to be cancelled (its refunds would undo
    /// a settled show).
    #[error("the performance started more than {days} days ago")]
    CancellationTooLate { days: u32 },
    /// A resale price above the cap (a percentage of the ticket's original face value).
    #[error("price is over the resale cap of {max_price}")]
    PriceOverCap { max_price: i64 },
    /// Only a VALID ticket can be listed: not one refunded or already resold.
    #[error("ticket cannot be listed: it is {status}")]
    TicketNotListable { status: String },
    /// A discount kind chosen outside its sale window (조기예매 after its date).
    #[error("the discount kind is not on sale now")]
    DiscountNotOnSale,
    /// More tickets of a discount kind than one order may have (장애인 with one
    /// companion: 2).
    #[error("at most {per_order} tickets of this discount kind per order")]
    DiscountLimitExceeded { per_order: u32 },
    /// 재관람 할인 without a ticket of the same show whose performance has started.
    #[error("this discount needs a past ticket of the same show")]
    DiscountNotEligible,
    /// A limited coupon campaign has issued every coupon it may.
    #[error("every coupon of this campaign has been issued")]
    CouponExhausted,
    /// This person already has this campaign's coupon (one per person).
    #[error("you already have this coupon")]
    CouponAlreadyClaimed,
    /// The coupon cannot be used (or claimed) for this, now: used, outside its window,
    /// for other shows, or the order is below its minimum.
    #[error("the coupon does not apply: {}", .0.as_str())]
    CouponNotApplicable(NotApplicable),
    /// An upload that cannot be a poster (`posters::check`).
    #[error("{}", .0.message())]
    PosterRejected(PosterProblem),
    /// The ticket has an open listing: cancel it before refunding or listing again.
    #[error("ticket is listed for resale; cancel the listing first")]
    TicketListed,
    /// The show has started: its tickets can no longer be listed or repriced.
    #[error("the show has started")]
    ShowStarted,
    /// The trade is sold, cancelled or expired, so it cannot be bought or changed.
    #[error("trade is not open: it is {status}")]
    TradeNotOpen { status: String },
    /// A seller cannot buy their own listing.
    #[error("you cannot buy your own trade")]
    OwnTrade,
    /// MariaDB cannot be reached (down, restarting, or every connection busy for longer
    /// than the pool waits). Usually nothing was done; if the connection broke while
    /// the COMMIT's answer was on its way, the change may have been made, so paying
    /// calls are retried with their Idempotency-Key.
    #[error("the database is unavailable")]
    DatabaseUnavailable(#[source] sqlx::Error),
    /// Redis, where the waiting room lives, did not answer; try again shortly.
    #[error("waiting room is unavailable")]
    QueueUnavailable(String),
    /// Redis, where search counts live, did not answer; searching itself is unaffected.
    #[error("search trends are unavailable")]
    TrendsUnavailable(String),
    /// One user or one address asked the waiting room too often; try again after
    /// `retry_after_secs`.
    #[error("too many waiting-room requests, slow down")]
    RateLimited { retry_after_secs: u64 },
    /// This event stream was ended because the same user opened newer ones.
    #[error("this stream was replaced by a newer one of yours")]
    StreamReplaced,
    /// The caller has no place in this schedule's queue (never entered, left, or the
    /// admission ended long ago).
    #[error("you are not in this queue")]
    NotInQueue,
    /// The schedule has no waiting room switched on, so there is nothing to enter.
    #[error("this schedule has no active waiting room")]
    WaitingRoomOff,
    /// Holding seats of this schedule needs an access pass from the waiting room.
    #[error("this schedule is behind a waiting room: send X-Queue-Token")]
    QueueTokenRequired,
    /// A token that is forged, expired, or another user's or schedule's.
    #[error("queue token is invalid")]
    QueueTokenInvalid,
    /// The admission behind the pass has ended (window over, purchase done, or left).
    #[error("your waiting room access has ended; enter the queue again")]
    QueueAccessExpired,
    /// Another indexer holds the index directory; two writers would corrupt it.
    #[error("another indexer is already writing {path}")]
    IndexLocked { path: String },
    #[error(transparent)]
    Internal(#[from] InternalError),
}

/// Unexpected failures: the client only ever learns that something broke.
#[derive(Debug, Error)]
pub enum InternalError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

impl From<sqlx::Error> for Error {
    /// A database that cannot be reached is the client's to retry (503), not a bug:
    /// the pool gave up waiting for a connection, or the connection itself failed. A
    /// transaction cut off before its COMMIT was rolled back by the server, so nothing
    /// half-happened; one cut off while the COMMIT's answer travelled may have
    /// committed, which the idempotency keys of paying calls make safe to retry.
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Error::DatabaseUnavailable(err)
            }
            err => Error::Internal(InternalError::Database(err)),
        }
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(err: tantivy::TantivyError) -> Self {
        Error::Internal(InternalError::Index(err))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::Internal(InternalError::Io(err))
    }
}

impl Error {
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Error::Validation {
            field,
            message: message.into(),
        }
    }

    /// The database failed rather than answered: unreachable, or a query it could not
    /// run. A read served by a replica is tried again on the primary after one of these.
    pub fn is_database_failure(&self) -> bool {
        matches!(
            self,
            Error::DatabaseUnavailable(_) | Error::Internal(InternalError::Database(_))
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(InternalError::Other(message.into()))
    }

    /// The transaction was rolled back because another one held the rows it needed: a
    /// deadlock (error 1213) or a lock wait timeout (1205). Trying again is safe.
    pub fn is_lock_conflict(&self) -> bool {
        match self {
            Error::Internal(InternalError::Database(sqlx::Error::Database(db))) => db
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .is_some_and(|db| matches!(db.number(), 1213 | 1205)),
            _ => false,
        }
    }
}

/// True when the statement failed on a unique key. MariaDB gives sqlx no constraint name,
/// so callers decide what the collision means from the statement they ran.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A unique violation of the key named `key` (MariaDB names it in the message:
/// "Duplicate entry '…' for key 'uq_orders_number'"), told apart from the table's other
/// unique keys.
pub fn is_unique_violation_of(err: &sqlx::Error, key: &str) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if db.is_unique_violation() && db.message().contains(&format!("'{key}'")))
}

/// Why an upload is not taken as a poster; each is its own error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosterProblem {
    /// Over `posters::check::MAX_BYTES`.
    TooLarge,
    /// Not a JPEG, PNG or WebP image by its content (SVG included).
    UnsupportedType,
    /// A side over `MAX_SIDE` or under `MIN_SIDE` pixels.
    Dimensions,
    /// Claims a format it does not decode as: cut off, or corrupt.
    Unreadable,
}

impl PosterProblem {
    fn message(self) -> &'static str {
        match self {
            PosterProblem::TooLarge => "the poster is over 8 MiB",
            PosterProblem::UnsupportedType => "the poster must be a JPEG, PNG or WebP image",
            PosterProblem::Dimensions => "the poster must be 200 to 6000 pixels on each side",
            PosterProblem::Unreadable => "the poster image is cut off or corrupt",
        }
    }
}

/// Why a coupon does not apply to an order now (`coupons`), told to the client as
/// COUPON_NOT_APPLICABLE's `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotApplicable {
    Used,
    NotStarted,
    Expired,
    OtherShow,
    BelowMinimum,
}

impl NotApplicable {
    pub fn as_str(self) -> &'static str {
        match self {
            NotApplicable::Used => "USED",
            NotApplicable::NotStarted => "NOT_STARTED",
            NotApplicable::Expired => "EXPIRED",
            NotApplicable::OtherShow => "OTHER_SHOW",
            NotApplicable::BelowMinimum => "BELOW_MINIMUM",
        }
    }
}

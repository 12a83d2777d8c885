//! Holds, purchase, tickets and refunds.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use marquee_core::booking::cancellations;
use marquee_core::booking::holds::{self, Hold};
use marquee_core::booking::orders::{self, OrderDetail, OrderSummary};
use marquee_core::booking::pricing::KindChoice;
use marquee_core::booking::purchase::{self, Order, Terms};
use marquee_core::booking::quotes::{self, OrderQuote};
use marquee_core::booking::refunds;
use marquee_core::booking::tickets::{self, Ticket};
use serde::Deserialize;

use super::Page;
use crate::plumbing::codes::api_errors;
use crate::plumbing::error::ApiResult;
use crate::plumbing::extract::{
    idempotency_key, ApiJson, ApiPath, ApiQuery, CurrentUser, OptionalJson, Paging, SignedCaller,
};
use crate::plumbing::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    schedule_id: i64,
    /// The seats to hold, by id; or, for a general-admission area, `places` instead.
    #[serde(default)]
    seat_ids: Vec<i64>,
    /// So many places of a general-admission grade (스탠딩, 자유석, entry), which the
    /// database picks; `seat_ids` must then be empty.
    places: Option<holds::Places>,
}

api_errors!(
    CreateHoldErrors = [
        QueueTokenRequired,
        QueueTokenInvalid,
        QueueAccessExpired,
        ScheduleNotFound,
        SeatNotFound,
        AreaNotFound,
        SeatUnavailable,
        PlacesUnavailable,
        NotOnSale,
        TicketLimitReached,
        TooManySeats,
        ValidationFailed,
        QueueUnavailable
    ]
);

/// Hold seats
///
/// Holds 1 to 4 seats of one schedule, all or nothing, until `expires_at`: named by
/// `seat_ids`, or as `places` (a count) of a general-admission area, whose tickets get
/// an 입장번호 in the order of purchase. One person may have at most
/// MAX_TICKETS_PER_SCHEDULE (4) seats of a schedule, held and bought together. While
/// the schedule's waiting room is on, send its access token as X-Queue-Token.
#[utoipa::path(post, path = "/api/v1/holds", tag = "booking", request_body = HoldRequest,
    params(("X-Queue-Token" = Option<String>, Header, description = "the access token from an ADMITTED waiting-room status; required while the schedule's waiting room is on")),
    security(("bearer" = [])),
    responses((status = 201, description = "seats held until expires_at", body = Hold),
        CreateHoldErrors,))]
pub async fn create_hold(
    State(state): State<AppState>,
    SignedCaller(caller): SignedCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<HoldRequest>,
) -> ApiResult<(StatusCode, Json<Hold>)> {
    let pass = headers
        .get("x-queue-token")
        .and_then(|value| value.to_str().ok());
    // A pass shown is checked first (in Redis), so the take need not ask about the room.
    let admitted = match pass {
        Some(_) => state
            .waiting_room
            .check_pass(caller.user_id, body.schedule_id, pass)
            .await
            .is_ok(),
        None => false,
    };
    let gate = async || {
        state
            .waiting_room
            .check_pass(caller.user_id, body.schedule_id, pass)
            .await
    };
    let hold = match (body.places, body.seat_ids.is_empty()) {
        (Some(places), true) => {
            holds::create_places(
                &state.pool,
                state.hold_rules,
                caller,
                body.schedule_id,
                places,
                admitted,
                gate,
            )
            .await?
        }
        (Some(_), false) => {
            return Err(marquee_core::Error::validation(
                "places",
                "hold either seat_ids or places, not both",
            )
            .into())
        }
        (None, _) => {
            holds::create(
                &state.pool,
                state.hold_rules,
                caller,
                body.schedule_id,
                &body.seat_ids,
                admitted,
                gate,
            )
            .await?
        }
    };
    metrics::counter!("marquee_holds_created_total").increment(1);
    Ok((StatusCode::CREATED, Json(hold)))
}

api_errors!(ReleaseHoldErrors = [HoldNotFound, HoldNotActive]);

/// Release a hold
///
/// Ends a live hold early; its seats go back on sale at once.
#[utoipa::path(delete, path = "/api/v1/holds/{id}", tag = "booking", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "released, seats back on sale"),
        ReleaseHoldErrors,))]
pub async fn release_hold(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(hold_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    holds::release(&state.pool, user.user_id, hold_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseRequest {
    /// The discount kind (할인 권종) chosen for each seat; seats not named are 일반.
    #[serde(default)]
    kinds: Vec<KindChoice>,
    /// One of your coupons (`GET /api/v1/coupons`) to take off the order.
    coupon_id: Option<i64>,
}

api_errors!(
    PurchaseErrors = [
        InsufficientPoints,
        HoldNotFound,
        HoldNotActive,
        NotOnSale,
        DiscountNotOnSale,
        DiscountLimitExceeded,
        DiscountNotEligible,
        CouponNotFound,
        CouponNotApplicable,
        IdempotencyKeyReused,
        ValidationFailed
    ]
);

/// Pay a hold with points
///
/// Turns a live hold into tickets and debits their price: each seat at its grade's price
/// or the discount kind chosen for it, plus the booking fee per priced ticket. The body
/// may be left out (all 일반). Retrying with the same Idempotency-Key answers the first
/// order; the purchase re-checks that the show is still on sale.
#[utoipa::path(post, path = "/api/v1/holds/{id}/purchase", tag = "booking",
    request_body(content = Option<PurchaseRequest>, description = "optional: discount kinds per seat"),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "retries with the same key return the same order")),
    security(("bearer" = [])),
    responses((status = 201, description = "paid; one ticket per seat", body = Order),
        PurchaseErrors,))]
pub async fn purchase(
    State(state): State<AppState>,
    SignedCaller(caller): SignedCaller,
    ApiPath(hold_id): ApiPath<i64>,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<PurchaseRequest>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let key = idempotency_key(&headers)?;
    let terms = Terms {
        booking_fee: state.booking_fee,
        kinds: &body.kinds,
        coupon_id: body.coupon_id,
    };
    let paid = purchase::purchase(&state.pool, caller, hold_id, terms, key).await?;
    metrics::counter!("marquee_purchases_total").increment(1);
    if let (true, Some(ticket)) = (paid.waiting_room, paid.order.tickets.first()) {
        state
            .waiting_room
            .purchase_completed(caller.user_id, ticket.schedule_id)
            .await;
    }
    Ok((StatusCode::CREATED, Json(paid.order)))
}

api_errors!(
    QuoteErrors = [
        HoldNotFound,
        HoldNotActive,
        DiscountNotOnSale,
        DiscountLimitExceeded,
        DiscountNotEligible,
        CouponNotFound,
        CouponNotApplicable,
        ValidationFailed
    ]
);

/// Price a hold before paying
///
/// What the purchase of this live hold would debit with these discount kinds: each
/// seat's grade price, kind and price, the booking fees and the total, and the kinds
/// the performance sells with whether you may choose each now. Changes nothing.
#[utoipa::path(post, path = "/api/v1/holds/{id}/quote", tag = "booking",
    request_body(content = Option<PurchaseRequest>, description = "optional: discount kinds per seat"),
    params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = OrderQuote),
        QuoteErrors,))]
pub async fn quote(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(hold_id): ApiPath<i64>,
    OptionalJson(body): OptionalJson<PurchaseRequest>,
) -> ApiResult<Json<OrderQuote>> {
    Ok(Json(
        quotes::quote(
            &state.pool,
            user.user_id,
            hold_id,
            &body.kinds,
            body.coupon_id,
            state.booking_fee,
        )
        .await?,
    ))
}

/// Your orders
///
/// Your orders, newest first, each under its 예매번호 with its performance, seats,
/// 매수, points paid and refunded, and status.
#[utoipa::path(get, path = "/api/v1/orders", tag = "booking", params(Paging),
    security(("bearer" = [])),
    responses((status = 200, body = Page<OrderSummary>),))]
pub async fn list_orders(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<Page<OrderSummary>>> {
    let (limit, offset) = paging.resolve()?;
    let (items, total) = orders::list_for_user(&state.pool, user.user_id, limit, offset).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

api_errors!(GetOrderErrors = [OrderNotFound]);

/// One of your orders
///
/// Your order with this 예매번호 (ten digits) and its tickets; someone else's, or
/// anything that is not a number of yours, answers 404.
#[utoipa::path(get, path = "/api/v1/orders/{number}", tag = "booking",
    params(("number" = String, Path, description = "예매번호: ten digits")),
    security(("bearer" = [])),
    responses((status = 200, body = OrderDetail),
        GetOrderErrors,))]
pub async fn get_order(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<OrderDetail>> {
    Ok(Json(
        orders::get_for_user(&state.pool, user.user_id, &number).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// The order's tickets to cancel (1 to 50; all of them cancels the whole order).
    ticket_ids: Vec<i64>,
}

api_errors!(
    CancelErrors = [
        OrderNotFound,
        TicketNotFound,
        TicketNotRefundable,
        TicketListed,
        RefundWindowClosed,
        IdempotencyKeyReused,
        ValidationFailed
    ]
);

/// Cancel tickets of an order
///
/// 부분취소: refunds the named tickets of your order together, all or none, each by the
/// refund policy on what was paid for it, its booking fee back only on the booking day;
/// their seats go back on sale and the order keeps the rest. Answers the order as it
/// stands after. Retrying with the same Idempotency-Key and the same tickets answers the
/// order instead of 409.
#[utoipa::path(post, path = "/api/v1/orders/{number}/cancel", tag = "booking",
    params(("number" = String, Path, description = "예매번호: ten digits"),
        ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key and tickets answers the order instead of 409")),
    request_body = CancelRequest,
    security(("bearer" = [])),
    responses((status = 200, description = "cancelled; net amounts back to points", body = OrderDetail),
        CancelErrors,))]
pub async fn cancel_order_tickets(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CancelRequest>,
) -> ApiResult<Json<OrderDetail>> {
    let key = idempotency_key(&headers)?;
    let order = cancellations::cancel(
        &state.pool,
        &state.refund_policy,
        user.user_id,
        &number,
        &body.ticket_ids,
        key,
    )
    .await?;
    metrics::counter!("marquee_refunds_total").increment(body.ticket_ids.len() as u64);
    Ok(Json(order))
}

/// Your tickets
///
/// Your tickets, newest first, in every status.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "booking", params(Paging),
    security(("bearer" = [])),
    responses((status = 200, body = Page<Ticket>),))]
pub async fn list_tickets(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<Page<Ticket>>> {
    let (limit, offset) = paging.resolve()?;
    let (items, total) = tickets::list_for_user(&state.pool, user.user_id, limit, offset).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

api_errors!(GetTicketErrors = [TicketNotFound]);

/// One of your tickets
///
/// A ticket of yours; someone else's answers 404.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "booking", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Ticket),
        GetTicketErrors,))]
pub async fn get_ticket(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(ticket_id): ApiPath<i64>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(
        tickets::get_for_user(&state.pool, user.user_id, ticket_id).await?,
    ))
}

api_errors!(
    RefundErrors = [
        TicketNotFound,
        TicketNotRefundable,
        TicketListed,
        RefundWindowClosed,
        IdempotencyKeyReused,
        ValidationFailed
    ]
);

/// Refund a ticket
///
/// Refunds by policy (Korean calendar days before the show) and puts the seat back on
/// sale; the net goes back to points. Retrying with the same Idempotency-Key answers
/// the first refund.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/refund", tag = "booking",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key answers the first refund instead of 409")),
    security(("bearer" = [])),
    responses((status = 200, description = "refunded by policy; net amount back to points", body = Ticket),
        RefundErrors,))]
pub async fn refund(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(ticket_id): ApiPath<i64>,
    headers: HeaderMap,
) -> ApiResult<Json<Ticket>> {
    let key = idempotency_key(&headers)?;
    let ticket = refunds::refund(
        &state.pool,
        &state.refund_policy,
        user.user_id,
        ticket_id,
        key,
    )
    .await?;
    metrics::counter!("marquee_refunds_total").increment(1);
    Ok(Json(ticket))
}

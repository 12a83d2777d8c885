//! The waiting room: admin settings, entering, status (polled or streamed), leaving.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::Stream;
use marquee_core::queue::passes::QueueTicket;
use marquee_core::queue::settings::{Room, RoomSettings};
use marquee_core::queue::{QueueEntry, QueueState, QueueStatus, WaitingRoom};
use serde::{Deserialize, Serialize};

use crate::plumbing::codes::{api_errors, Code};
use crate::plumbing::error::{status_and_code, ApiError, ApiResult};
use crate::plumbing::extract::{Admin, ApiJson, ApiPath, ApiQuery, ClientIp, CurrentUser};
use crate::plumbing::state::AppState;

api_errors!(ConfigureErrors = [Forbidden, ScheduleNotFound, ValidationFailed]);

/// Set up a waiting room (admin)
///
/// Switches a schedule's waiting room on or off and sets its admission rate, cap,
/// window and automatic start.
#[utoipa::path(put, path = "/api/v1/admin/queue/{schedule_id}", tag = "queue",
    params(("schedule_id" = i64, Path)), request_body = RoomSettings, security(("bearer" = [])),
    responses((status = 200, description = "the room's settings and whether it is on now", body = Room),
        ConfigureErrors,))]
pub async fn configure(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiPath(schedule_id): ApiPath<i64>,
    ApiJson(settings): ApiJson<RoomSettings>,
) -> ApiResult<Json<Room>> {
    Ok(Json(
        state.waiting_room.configure(schedule_id, &settings).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoomReport {
    #[serde(flatten)]
    room: Room,
    /// People waiting now; null when Redis cannot be reached.
    waiting: Option<u64>,
    /// People admitted and still inside their window; null when Redis cannot be
    /// reached. (Not `active`: the room's own `active` says whether the room is on.)
    admitted_now: Option<u64>,
    admitted_total: Option<u64>,
}

api_errors!(ReportErrors = [Forbidden, WaitingRoomNotFound]);

/// A waiting room's state (admin)
///
/// The room's settings, whether it is on, and live queue sizes (null while Redis cannot
/// be reached).
#[utoipa::path(get, path = "/api/v1/admin/queue/{schedule_id}", tag = "queue",
    params(("schedule_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = RoomReport),
        ReportErrors,))]
pub async fn report(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiPath(schedule_id): ApiPath<i64>,
) -> ApiResult<Json<RoomReport>> {
    let room = state.waiting_room.room(schedule_id).await?;
    let sizes = state.waiting_room.store().sizes(schedule_id).await.ok();
    Ok(Json(RoomReport {
        room,
        waiting: sizes.map(|s| s.waiting),
        admitted_now: sizes.map(|s| s.active),
        admitted_total: sizes.map(|s| s.admitted_total),
    }))
}

api_errors!(EnterErrors = [WaitingRoomOff, RateLimited, QueueUnavailable]);

/// Enter the waiting room
///
/// Takes your place (the same one if you entered already) and answers a queue token for
/// status reads.
#[utoipa::path(post, path = "/api/v1/queue/{schedule_id}/enter", tag = "queue",
    params(("schedule_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "your place (the same one if you had entered already) and a queue token", body = QueueEntry),
        EnterErrors,))]
pub async fn enter(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ClientIp(address): ClientIp,
    ApiPath(schedule_id): ApiPath<i64>,
) -> ApiResult<Json<QueueEntry>> {
    Ok(Json(
        state
            .waiting_room
            .enter(user.user_id, schedule_id, address)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The queue token, for clients that cannot send the `X-Queue-Token` header.
    token: Option<String>,
}

api_errors!(
    StatusErrors = [
        Unauthenticated,
        QueueTokenInvalid,
        NotInQueue,
        RateLimited,
        QueueUnavailable
    ]
);

/// Your place in the waiting room
///
/// WAITING with position and ETA, ADMITTED with an access token for holds, or EXPIRED.
#[utoipa::path(get, path = "/api/v1/queue/{schedule_id}/status", tag = "queue",
    params(("schedule_id" = i64, Path), TokenQuery,
        ("X-Queue-Token" = Option<String>, Header, description = "the queue token from enter")),
    responses((status = 200, description = "WAITING with position and ETA, ADMITTED with an access token, or EXPIRED", body = QueueStatus),
        StatusErrors,))]
pub async fn status(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    ApiPath(schedule_id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<TokenQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<QueueStatus>> {
    let ticket = queue_ticket(&state, schedule_id, &headers, &query)?;
    Ok(Json(state.waiting_room.status(ticket, address).await?))
}

/// The queue token from `X-Queue-Token` or `?token=`, verified for this schedule.
fn queue_ticket(
    state: &AppState,
    schedule_id: i64,
    headers: &HeaderMap,
    query: &TokenQuery,
) -> ApiResult<QueueTicket> {
    let token = headers
        .get("x-queue-token")
        .and_then(|value| value.to_str().ok())
        .or(query.token.as_deref())
        .ok_or_else(|| {
            ApiError::request(
                Code::Unauthenticated,
                "send the queue token as X-Queue-Token or ?token=",
            )
        })?;
    Ok(state
        .waiting_room
        .passes()
        .verify_queue_token(token, schedule_id)?)
}

/// How often a stream looks again; also the most updates a client gets per second.
const EVENT_INTERVAL: Duration = Duration::from_secs(1);

api_errors!(
    EventsErrors = [
        Unauthenticated,
        QueueTokenInvalid,
        NotInQueue,
        RateLimited,
        QueueUnavailable
    ]
);

/// Your place, as it changes
///
/// Server-Sent Events: the status at once and on each change, at most once a second.
#[utoipa::path(get, path = "/api/v1/queue/{schedule_id}/events", tag = "queue",
    params(("schedule_id" = i64, Path), TokenQuery,
        ("X-Queue-Token" = Option<String>, Header, description = "the queue token from enter")),
    responses((status = 200, description = "Server-Sent Events: a `status` event (the status JSON) at once and whenever it changes, at most once a second; the stream ends after ADMITTED or EXPIRED, or with an `error` event `{code}` (close the EventSource then; STREAM_REPLACED: the same user opened three newer streams), or, when this server shuts down, with a `reconnect` event `{\"code\":\"SERVER_SHUTTING_DOWN\"}` and `retry: 1000` (let the EventSource reconnect)", content_type = "text/event-stream"),
        EventsErrors,))]
pub async fn events(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    ApiPath(schedule_id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<TokenQuery>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let ticket = queue_ticket(&state, schedule_id, &headers, &query)?;
    // The first status is read before the stream starts, so "not in the queue" or
    // "Redis is down" is an ordinary error answer, not a stream that ends at once.
    // Opening the stream is charged to the limits like a status read; its later
    // reads are the server's own and are not.
    let (stream_id, first) = state.waiting_room.open_stream(ticket, address).await?;
    let mut interval = tokio::time::interval(EVENT_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // The first tick completes at once; the first status was just read.
    interval.reset();
    let feed = Feed {
        shutdown: state.shutdown_signal(),
        waiting_room: state.waiting_room.clone(),
        ticket,
        stream_id,
        interval,
        pending: Some(Ok(first)),
        last_sent: None,
        done: false,
    };
    Ok(Sse::new(futures_util::stream::unfold(feed, Feed::next)).keep_alive(KeepAlive::default()))
}

struct Feed {
    shutdown: tokio::sync::watch::Receiver<bool>,
    waiting_room: WaitingRoom,
    ticket: QueueTicket,
    stream_id: String,
    interval: tokio::time::Interval,
    pending: Option<marquee_core::Result<QueueStatus>>,
    last_sent: Option<String>,
    done: bool,
}

impl Feed {
    /// The next event: the status once it differs from the last one sent. Every read
    /// after the first waits for the interval, so a client gets at most one update a
    /// second.
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Feed)> {
        if self.done {
            return None;
        }
        loop {
            if *self.shutdown.borrow() {
                self.done = true;
                return Some((Ok(reconnect_elsewhere()), self));
            }
            let read = match self.pending.take() {
                Some(read) => read,
                None => {
                    tokio::select! {
                        _ = self.interval.tick() => {}
                        changed = self.shutdown.changed() => {
                            // Shutdown began, or the server's state is gone.
                            if changed.is_err() || *self.shutdown.borrow() {
                                self.done = true;
                                return Some((Ok(reconnect_elsewhere()), self));
                            }
                            continue;
                        }
                    }
                    self.waiting_room
                        .stream_read(self.ticket, &self.stream_id)
                        .await
                }
            };
            let event = match read {
                Ok(status) => {
                    let data = serde_json::to_string(&status).unwrap_or_default();
                    if self.last_sent.as_deref() == Some(data.as_str()) {
                        continue;
                    }
                    self.done = status.state != QueueState::Waiting;
                    self.last_sent = Some(data.clone());
                    Event::default().event("status").data(data)
                }
                Err(err) => {
                    self.done = true;
                    let (_, code) = status_and_code(&err);
                    Event::default()
                        .event("error")
                        .data(serde_json::json!({ "code": code }).to_string())
                }
            };
            return Some((Ok(event), self));
        }
    }
}

/// The last event of a stream whose server is shutting down: a `reconnect` event
/// (`{"code":"SERVER_SHUTTING_DOWN"}`) with a one-second retry, after which the
/// EventSource opens the stream again and the load balancer sends it to a live server.
/// The place in the queue lives in Redis, so nothing is lost.
fn reconnect_elsewhere() -> Event {
    Event::default()
        .event("reconnect")
        .retry(Duration::from_secs(1))
        .data(serde_json::json!({ "code": "SERVER_SHUTTING_DOWN" }).to_string())
}

api_errors!(LeaveErrors = [NotInQueue, QueueUnavailable]);

/// Leave the waiting room
///
/// Gives up your place; everyone behind moves up.
#[utoipa::path(delete, path = "/api/v1/queue/{schedule_id}", tag = "queue",
    params(("schedule_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "left; everyone behind moves up"),
        LeaveErrors,))]
pub async fn leave(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(schedule_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.waiting_room.leave(user.user_id, schedule_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

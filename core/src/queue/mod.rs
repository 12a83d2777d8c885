//! The fair waiting room for on-sale spikes.
//!
//! Settings per schedule live in MariaDB (`settings`); the queue lives in Redis (`store`),
//! changed only by atomic scripts; tokens are signed (`passes`); the admission scheduler
//! (`admission`) runs in every api process and lets people in at the room's rate;
//! entering and reading a place are rate limited per user and per address (`limits`).
//! Reading a place (status polling, event streams) touches Redis only.
//!
//! Failure mode: every Redis error is `QueueUnavailable` (503 with Retry-After). Holds
//! need Redis only for schedules whose room is on, so when Redis is down those fail
//! closed and everything else keeps working.

pub mod admission;
pub mod limits;
pub mod passes;
pub mod settings;
pub mod store;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rand::Rng;
use serde::Serialize;
use sqlx::MySqlPool;

use crate::db::text_enum;
use crate::error::{Error, Result};
use limits::QueueLimits;
use passes::{QueuePasses, QueueTicket};
use settings::Room;
use store::{QueueStore, RoomCopy, Standing, StreamSlot, Throttle};

/// WAITING in line, ADMITTED to book (until `access_expires_at`), or EXPIRED: the
/// admission ended without a purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QueueState {
    Waiting,
    Admitted,
    Expired,
}
text_enum!(QueueState {
    Waiting => "WAITING",
    Admitted => "ADMITTED",
    Expired => "EXPIRED",
});

#[derive(Clone)]
pub struct WaitingRoom {
    pool: MySqlPool,
    store: Arc<QueueStore>,
    passes: QueuePasses,
    limits: QueueLimits,
}

/// Where someone stands, as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueStatus {
    pub state: QueueState,
    /// 1 is next in. Hidden (null) in the pre-queue until booking opens, since the
    /// pre-queue's order is a secret draw until then.
    pub position: Option<u64>,
    /// People in the queue, including you.
    pub queue_length: Option<u64>,
    /// Seconds until your turn at the measured admission rate.
    pub eta_seconds: Option<u64>,
    /// You entered before booking opened; your place was drawn at random.
    pub pre_queue: bool,
    /// For ADMITTED: send this as `X-Queue-Token` when holding seats.
    pub access_token: Option<String>,
    pub access_expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueEntry {
    /// Authenticates status reads and the event stream for this place.
    pub queue_token: String,
    #[serde(flatten)]
    pub status: QueueStatus,
}

impl WaitingRoom {
    pub fn new(
        pool: MySqlPool,
        redis_url: &str,
        key_prefix: &str,
        jwt_secret: &str,
    ) -> Result<Self> {
        Ok(WaitingRoom {
            pool,
            store: Arc::new(QueueStore::new(redis_url, key_prefix)?),
            passes: QueuePasses::new(jwt_secret),
            limits: QueueLimits::default(),
        })
    }

    pub fn with_limits(mut self, limits: QueueLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn store(&self) -> &QueueStore {
        &self.store
    }

    pub fn passes(&self) -> &QueuePasses {
        &self.passes
    }

    pub async fn configure(
        &self,
        schedule_id: i64,
        settings: &settings::RoomSettings,
    ) -> Result<Room> {
        settings::put(&self.pool, schedule_id, settings).await
    }

    pub async fn room(&self, schedule_id: i64) -> Result<Room> {
        settings::get(&self.pool, schedule_id)
            .await?
            .ok_or(Error::NotFound("waiting room"))
    }

    /// Joins the queue, or finds the place already held: entering again changes nothing.
    /// Charged to the user's and the address's limits; `address` is None when the api
    /// cannot tell it, and then only the user limit applies.
    pub async fn enter(
        &self,
        user_id: i64,
        schedule_id: i64,
        address: Option<IpAddr>,
    ) -> Result<QueueEntry> {
        let room = self.active_room(schedule_id).await?;
        // A secret random place in [0, 1) ahead of everyone who comes after opening.
        let pre_place = room
            .before_opening
            .then(|| rand::rngs::OsRng.gen_range(0.0..1.0));
        let copy = RoomCopy {
            admission_rate: room.settings.admission_rate,
            opens_at_ms: room.booking_opens_at.timestamp_millis(),
        };
        let throttle = Throttle::new(&self.limits, address);
        let standing = self
            .store
            .enter(schedule_id, user_id, pre_place, copy, &throttle)
            .await?;
        Ok(QueueEntry {
            queue_token: self.passes.queue_token(user_id, schedule_id)?,
            status: self.describe(schedule_id, user_id, standing)?,
        })
    }

    /// A client asking where it stands, charged to its user and address limits.
    pub async fn status(
        &self,
        ticket: QueueTicket,
        address: Option<IpAddr>,
    ) -> Result<QueueStatus> {
        self.read(ticket, &Throttle::new(&self.limits, address))
            .await
    }

    /// Where the ticket's owner stands, charged to `throttle`.
    pub async fn read(&self, ticket: QueueTicket, throttle: &Throttle) -> Result<QueueStatus> {
        self.read_as(ticket, throttle, StreamSlot::None).await
    }

    /// Opens an event stream: a status read charged like any other that also takes
    /// one of the user's stream slots (see `store::STREAMS_PER_USER`). Returns the
    /// stream's id for its later reads.
    pub async fn open_stream(
        &self,
        ticket: QueueTicket,
        address: Option<IpAddr>,
    ) -> Result<(String, QueueStatus)> {
        let id = format!("{:016x}", rand::rngs::OsRng.gen::<u64>());
        let throttle = Throttle::new(&self.limits, address);
        let status = self
            .read_as(ticket, &throttle, StreamSlot::Claim(&id))
            .await?;
        Ok((id, status))
    }

    /// A stream's later read: the server's own, charged nothing (the opening was), and
    /// `StreamReplaced` once newer streams of the same user took its slot.
    pub async fn stream_read(&self, ticket: QueueTicket, stream_id: &str) -> Result<QueueStatus> {
        self.read_as(ticket, &Throttle::none(), StreamSlot::Holds(stream_id))
            .await
    }

    async fn read_as(
        &self,
        ticket: QueueTicket,
        throttle: &Throttle,
        slot: StreamSlot<'_>,
    ) -> Result<QueueStatus> {
        let standing = self
            .store
            .status(ticket.schedule_id, ticket.user_id, throttle, slot)
            .await?;
        self.describe(ticket.schedule_id, ticket.user_id, standing)
    }

    pub async fn leave(&self, user_id: i64, schedule_id: i64) -> Result<()> {
        if self.store.leave(schedule_id, user_id).await? {
            Ok(())
        } else {
            Err(Error::NotInQueue)
        }
    }

    fn describe(&self, schedule_id: i64, user_id: i64, standing: Standing) -> Result<QueueStatus> {
        Ok(match standing {
            Standing::Waiting {
                position,
                queue_length,
                pre_queue,
                hidden,
                admission_rate,
            } => QueueStatus {
                state: QueueState::Waiting,
                position: (!hidden).then_some(position),
                queue_length: Some(queue_length),
                eta_seconds: (!hidden).then(|| (position as f64 / admission_rate).ceil() as u64),
                pre_queue,
                access_token: None,
                access_expires_at: None,
            },
            Standing::Admitted { access_until_ms } => QueueStatus {
                state: QueueState::Admitted,
                position: None,
                queue_length: None,
                eta_seconds: None,
                pre_queue: false,
                access_token: Some(self.passes.access_pass(
                    user_id,
                    schedule_id,
                    access_until_ms,
                )?),
                access_expires_at: Utc.timestamp_millis_opt(access_until_ms).single(),
            },
            Standing::Expired => QueueStatus {
                state: QueueState::Expired,
                position: None,
                queue_length: None,
                eta_seconds: None,
                pre_queue: false,
                access_token: None,
                access_expires_at: None,
            },
            Standing::NotQueued => return Err(Error::NotInQueue),
            Standing::Replaced => return Err(Error::StreamReplaced),
        })
    }

    async fn active_room(&self, schedule_id: i64) -> Result<Room> {
        match settings::get(&self.pool, schedule_id).await? {
            Some(room) if room.active => Ok(room),
            _ => Err(Error::WaitingRoomOff),
        }
    }

    /// Lets a hold through: schedules without an active room need nothing; with one,
    /// the caller's own live access pass for this schedule.
    pub async fn check_access(
        &self,
        user_id: i64,
        schedule_id: i64,
        pass: Option<&str>,
    ) -> Result<()> {
        match settings::get(&self.pool, schedule_id).await? {
            Some(room) if room.active => self.check_pass(user_id, schedule_id, pass).await,
            _ => Ok(()),
        }
    }

    /// `check_access` for a schedule already known to have its room on (a hold reads
    /// that in its first look, `holds::check`): the pass must be this person's, for this
    /// schedule, and their admission still live in Redis.
    pub async fn check_pass(
        &self,
        user_id: i64,
        schedule_id: i64,
        pass: Option<&str>,
    ) -> Result<()> {
        let pass = pass.ok_or(Error::QueueTokenRequired)?;
        let until_ms = self.passes.verify_access_pass(pass, user_id, schedule_id)?;
        if self.store.is_active(schedule_id, user_id, until_ms).await? {
            Ok(())
        } else {
            Err(Error::QueueAccessExpired)
        }
    }

    /// Ends the buyer's admission once their purchase of a schedule with a waiting room
    /// is paid (the purchase reads whether there is one), freeing the slot for the next
    /// person. Best effort: the purchase has already committed, and an admission that
    /// is not ended here still ends with its window.
    pub async fn purchase_completed(&self, user_id: i64, schedule_id: i64) {
        if let Err(err) = self.store.finish(schedule_id, user_id).await {
            tracing::warn!(error = %err, schedule_id, "could not end the admission after purchase");
        }
    }

    /// One admission tick over every active room.
    pub async fn admit_all(&self) -> Result<u64> {
        let mut admitted = 0;
        for room in settings::active_rooms(&self.pool).await? {
            let admission = self
                .store
                .admit(
                    room.schedule_id,
                    room.settings.admission_rate,
                    room.settings.active_cap,
                    Duration::from_secs(room.settings.active_window_secs.into()),
                    room.booking_opens_at.timestamp_millis(),
                )
                .await?;
            admitted += admission.admitted;
        }
        Ok(admitted)
    }
}

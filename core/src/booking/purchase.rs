//! Paying a live hold with points.
//!
//! One transaction, as named steps (`try_purchase`): lock the buyer, replay by key,
//! lock the held seats, check the hold is live and whole and still on sale, record the
//! order (each seat priced by its grade and chosen discount kind, plus a booking fee;
//! `pricing`) and with it the use of its coupon, debit the points, issue one ticket per seat, and turn the seats from held to
//! sold. Anything short of all of it rolls back. The statements are in `store`.
//!
//! Idempotency: an order is unique per hold and per (user, Idempotency-Key). Retries
//! with the same key - concurrent or later - find the first order and answer with it;
//! the same key on a different hold is refused. Failed attempts (402, expired hold)
//! store nothing, so a retry after topping up can succeed.

use serde::Serialize;
use sqlx::{MySqlConnection, MySqlPool};

use super::booking_fee::BookingFee;
use super::holds;
use super::order_number;
use super::price_terms::{self, PriceTerms};
use super::pricing::{self, KindChoice, PricedSeat, SeatPrice};
use super::store::{self, HeldSeat, OrderRow};
use super::tickets::{self, Ticket};
use crate::accounts::Caller;
use crate::coupons::usage::Usable;
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, is_unique_violation_of, Error, NotApplicable, Result};
use crate::idempotency;
use crate::points::ledger::{self, LedgerReason};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Order {
    pub id: i64,
    /// 예매번호 (`order_number`).
    pub number: String,
    pub hold_id: i64,
    /// Points paid: the tickets' prices and their booking fees.
    pub total: i64,
    /// 예매수수료: the booking fees included in `total`.
    pub booking_fees: i64,
    /// What a coupon took off (already out of `total`).
    pub coupon_discount: i64,
    pub tickets: Vec<Ticket>,
}

/// A purchase's answer: the order, and whether its schedule has a waiting room (whose
/// admission the purchase should end), read with the order rather than asked apart.
#[derive(Debug, Clone)]
pub struct Paid {
    pub order: Order,
    pub waiting_room: bool,
}

/// Pays the hold for the caller, whose session is confirmed by the statement that
/// locks their row (see `Caller`): a purchase after logout or withdrawal is 401.
pub async fn purchase(
    pool: &MySqlPool,
    caller: Caller,
    hold_id: i64,
    terms: Terms<'_>,
    idempotency_key: Option<&str>,
) -> Result<Paid> {
    idempotency::check(idempotency_key)?;
    let order_id =
        retry_on_lock_conflict(|| try_purchase(pool, caller, hold_id, terms, idempotency_key))
            .await?;
    load(pool, order_id).await
}

/// Returns the id of the order for this hold: the new one, or the earlier one when this
/// request repeats it.
async fn try_purchase(
    pool: &MySqlPool,
    caller: Caller,
    hold_id: i64,
    terms: Terms<'_>,
    key: Option<&str>,
) -> Result<i64> {
    let user_id = caller.user_id;
    let mut tx = pool.begin().await?;
    lock_buyer(&mut tx, caller).await?;
    let replay = async |key: &str| store::order_by_key(&mut tx, user_id, key).await;
    if let Some(order) = idempotency::replay(key, replay).await? {
        return same_request(order, hold_id);
    }
    let seats = store::lock_held_seats(&mut tx, user_id, hold_id).await?;
    if seats.is_empty() {
        return already_paid_or_gone(tx, pool, user_id, hold_id, key).await;
    }
    ensure_whole_and_live(&seats)?;
    let read = read_terms(&mut tx, user_id, &seats, terms).await?;
    let mut priced = price(&mut tx, user_id, &seats, terms, &read).await?;
    let coupon = match &read.coupon {
        Some(coupon) => Some(use_coupon(coupon, &mut priced)?),
        None => None,
    };
    let fees: i64 = priced.iter().map(|seat| seat.booking_fee).sum();
    let total: i64 = priced.iter().map(|seat| seat.price).sum::<i64>() + fees;
    let amounts = Amounts {
        total,
        fees,
        coupon,
    };
    let order_id =
        match record_order(&mut tx, order_number::new, user_id, hold_id, key, amounts).await {
            Ok(order_id) => order_id,
            // The coupon's use is the order's insert; the buyer's row lock has every
            // order of theirs wait for this one, so only a coupon used since the read
            // (which said it was free) lands here.
            Err(err) if is_unique_violation_of(&err, "uq_orders_coupon_use") => {
                return Err(Error::CouponNotApplicable(NotApplicable::Used));
            }
            // Another request with this key committed an order for a different hold while
            // we waited on the key's index lock.
            Err(err) if is_unique_violation(&err) => {
                tx.rollback().await?;
                return replay_after_race(pool, user_id, key, hold_id).await;
            }
            Err(err) => return Err(err.into()),
        };
    debit(&mut tx, user_id, order_id, total).await?;
    let entries = entry_numbers(&mut tx, &seats, &read).await?;
    for ((seat, priced), entry) in seats.iter().zip(&priced).zip(&entries) {
        store::insert_order_ticket(&mut tx, order_id, user_id, seat, priced, *entry).await?;
    }
    store::sell_seats(&mut tx, &seats, &entries).await?;
    tx.commit().await?;
    Ok(order_id)
}

/// What a purchase is priced by besides the seats: the booking fee, and the discount
/// kind the buyer chose for each seat (none: all 일반).
#[derive(Debug, Clone, Copy)]
pub struct Terms<'a> {
    pub booking_fee: BookingFee,
    pub kinds: &'a [KindChoice],
    /// One of the buyer's coupons to use (`coupons`).
    pub coupon_id: Option<i64>,
}

/// What the seats are priced by, in one read (`price_terms`): only the kinds and the
/// coupon the buyer chose are asked for. A hold taken before the show was deleted, or
/// paid after the curtain went up or the performance was cancelled, sells nothing; an
/// admin may also have moved the opening since. The read locks nothing: a delete
/// committing after it orders after this purchase, whose ticket stays valid like every
/// earlier one; a cancellation waits for this purchase's seat locks
/// (`holds::release_all_of_schedule`) and refunds its tickets. The coupon's terms are
/// read under the buyer's row lock, which every change to their coupons takes first.
async fn read_terms(
    conn: &mut MySqlConnection,
    user_id: i64,
    seats: &[HeldSeat],
    terms: Terms<'_>,
) -> Result<PriceTerms> {
    let ask = price_terms::Ask {
        schedule_id: seats[0].schedule_id,
        grade_ids: &grade_ids(seats),
        kinds: !terms.kinds.is_empty(),
        coupon: terms.coupon_id.map(|coupon_id| (user_id, coupon_id)),
    };
    let read = price_terms::read(conn, ask).await?;
    if !read.on_sale {
        return Err(Error::NotOnSale);
    }
    Ok(read)
}

/// Each held seat's price by its grade and chosen kind, in seat order.
async fn price(
    conn: &mut MySqlConnection,
    user_id: i64,
    seats: &[HeldSeat],
    terms: Terms<'_>,
    read: &PriceTerms,
) -> Result<Vec<PricedSeat>> {
    let seat_prices: Vec<SeatPrice> = seats
        .iter()
        .map(|seat| SeatPrice {
            seat_id: seat.id,
            grade_price: read
                .grade_prices
                .get(&seat.grade_id)
                .copied()
                .unwrap_or_default(),
        })
        .collect();
    let buyer = pricing::buyer_for(conn, user_id, seats[0].schedule_id, read, terms.kinds).await?;
    pricing::price_seats(
        &seat_prices,
        &read.kinds,
        terms.kinds,
        buyer,
        terms.booking_fee,
    )
}

/// Checks the buyer's coupon applies to these seats' prices and takes its discount off
/// them. Answers the coupon and the discount; the order's insert uses it
/// (`store::insert_order`).
fn use_coupon(coupon: &Usable, priced: &mut [PricedSeat]) -> Result<(i64, i64)> {
    let amount: i64 = priced.iter().map(|seat| seat.price).sum();
    let discount = coupon.discount(amount)?;
    pricing::take_off(priced, discount);
    Ok((coupon.id, discount))
}

/// How many numbers a purchase draws before it gives up: a taken one is about one
/// chance in 10^10 per draw (`order_number`), so a second draw is already rare.
const NUMBER_DRAWS: usize = 5;

pub use super::store::Amounts;

/// Records the order under a new 예매번호 from `numbers`, drawing again while the
/// number is taken (the statement alone fails; the transaction goes on). Any other
/// unique violation (this hold or this key already paid) is the caller's to read.
pub async fn record_order(
    conn: &mut MySqlConnection,
    mut numbers: impl FnMut() -> String,
    user_id: i64,
    hold_id: i64,
    key: Option<&str>,
    amounts: Amounts,
) -> std::result::Result<i64, sqlx::Error> {
    let mut drawn = 0;
    loop {
        drawn += 1;
        let number = numbers();
        match store::insert_order(conn, &number, user_id, hold_id, key, amounts).await {
            Err(err)
                if drawn < NUMBER_DRAWS && is_unique_violation_of(&err, "uq_orders_number") =>
            {
                continue
            }
            recorded => return recorded,
        }
    }
}

/// The buyer's row first, exclusively, and the session confirmed in the same
/// statement. One person's purchases, holds under the per-person limit and refunds
/// run one at a time from here, so what is read after cannot change under us; the
/// inserts' foreign keys would otherwise take a shared lock on this row, and
/// upgrading that to the debit's exclusive lock deadlocks against any other
/// transaction on the same wallet.
async fn lock_buyer(conn: &mut MySqlConnection, caller: Caller) -> Result<()> {
    if store::lock_buyer(conn, caller).await? {
        Ok(())
    } else {
        Err(Error::Unauthenticated)
    }
}

/// The hold marks no seat of this user's: paid already, or gone. Repeating the purchase
/// of a paid hold answers with its order when the request carries the same key or
/// none; a new key means a new purchase, which is refused.
async fn already_paid_or_gone(
    mut tx: sqlx::Transaction<'_, sqlx::MySql>,
    pool: &MySqlPool,
    user_id: i64,
    hold_id: i64,
    key: Option<&str>,
) -> Result<i64> {
    let paid = store::order_of_hold(&mut tx, user_id, hold_id).await?;
    match (paid, key) {
        (Some(order), Some(key)) if order.idempotency_key.as_deref() != Some(key) => {
            Err(Error::HoldNotActive)
        }
        (Some(order), _) => Ok(order.id),
        (None, _) => {
            tx.rollback().await?;
            Err(holds::gone_reason(pool, user_id, hold_id).await)
        }
    }
}

/// Expired, or lost a seat to someone else after expiring: nothing is sold.
fn ensure_whole_and_live(seats: &[HeldSeat]) -> Result<()> {
    if seats.iter().any(|seat| !seat.live) || seats.len() != seats[0].hold_seat_count as usize {
        return Err(Error::HoldNotActive);
    }
    Ok(())
}

/// Each seat's 입장번호, in seat order: none for a seat, the next of its grade's counter
/// for a general-admission place. The counter is taken last of the purchase's locks
/// (every purchase of the area waits on it until the one before commits), so numbers
/// follow the order purchases commit in, and its row lock is held only for the few
/// statements left. Places of one hold get consecutive numbers.
async fn entry_numbers(
    conn: &mut MySqlConnection,
    seats: &[HeldSeat],
    read: &PriceTerms,
) -> Result<Vec<Option<i32>>> {
    let mut numbers = vec![None; seats.len()];
    let mut grades: Vec<i64> = grade_ids(seats)
        .into_iter()
        .filter(|grade_id| read.general_grades.contains(grade_id))
        .collect();
    grades.sort_unstable();
    grades.dedup();
    for grade_id in grades {
        let places: Vec<usize> = (0..seats.len())
            .filter(|&i| seats[i].grade_id == grade_id)
            .collect();
        let mut next = store::draw_entry_numbers(conn, grade_id, places.len() as i32).await?;
        for i in places {
            numbers[i] = Some(next);
            next += 1;
        }
    }
    Ok(numbers)
}

fn grade_ids(seats: &[HeldSeat]) -> Vec<i64> {
    seats.iter().map(|seat| seat.grade_id).collect()
}

/// The order's points come off the buyer's balance as one ledger entry, which the
/// order then names. A free order moves no points and has no entry.
async fn debit(conn: &mut MySqlConnection, user_id: i64, order_id: i64, total: i64) -> Result<()> {
    if total <= 0 {
        return Ok(());
    }
    let reference = format!("order:{order_id}");
    let entry = ledger::apply(conn, user_id, -total, LedgerReason::Purchase, &reference).await?;
    store::link_order_payment(conn, order_id, entry.id).await
}

/// After losing the key's race: the winner's order, if it is this same request.
async fn replay_after_race(
    pool: &MySqlPool,
    user_id: i64,
    key: Option<&str>,
    hold_id: i64,
) -> Result<i64> {
    let mut conn = pool.acquire().await?;
    let order = store::order_by_key(&mut conn, user_id, key.unwrap_or_default())
        .await?
        .ok_or_else(|| Error::internal("order vanished after a unique violation"))?;
    same_request(order, hold_id)
}

fn same_request(order: OrderRow, hold_id: i64) -> Result<i64> {
    if order.hold_id == hold_id {
        Ok(order.id)
    } else {
        Err(Error::IdempotencyKeyReused)
    }
}

async fn load(pool: &MySqlPool, order_id: i64) -> Result<Paid> {
    let order = store::paid_order(pool, order_id).await?;
    Ok(Paid {
        order: Order {
            id: order_id,
            number: order.number,
            hold_id: order.hold_id,
            total: order.total,
            booking_fees: order.booking_fees,
            coupon_discount: order.coupon_discount,
            tickets: tickets::for_order(pool, order_id).await?,
        },
        waiting_room: order.waiting_room,
    })
}

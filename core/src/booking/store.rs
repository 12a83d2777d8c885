//! The statements of a purchase and a refund, each one step of their transactions
//! (`purchase`, `refunds`), checked at compile time where the text is fixed.
//!
//! Every locking read here takes one kind of row, in the lock order of `booking`:
//! a ticket, then a user, then seats by id. A locking read over a join would also lock
//! the joined rows (a schedule every concurrent purchase of it shares), which is how
//! deadlocks start.

use chrono::{DateTime, Utc};
use sqlx::{MySqlConnection, MySqlPool};

use super::pricing::PricedSeat;
use super::tickets::{self, TicketStatus};
use crate::accounts::Caller;
use crate::db::Statement;
use crate::error::Result;
use crate::refund_policy::RefundQuote;
use crate::rules;

/// Locks the buyer's row and says whether their session is still live and their
/// account not withdrawn (read after the lock, so a withdrawal that committed while
/// this waited is seen).
pub async fn lock_buyer(conn: &mut MySqlConnection, caller: Caller) -> Result<bool> {
    let mut sql = Statement::new("select u.deleted_at is null and ");
    rules::session_live(&mut sql, caller)
        .push(" from users u where u.id = ")
        .bind(caller.user_id)
        .push(" for update");
    let signed_in: Option<bool> = sql.query_scalar().fetch_optional(conn).await?;
    Ok(signed_in == Some(true))
}

/// Locks a user's row: the wallet's lock, which also makes one person's holds under
/// the limit, purchases and refunds run one at a time.
pub async fn lock_user(conn: &mut MySqlConnection, user_id: i64) -> Result<()> {
    sqlx::query!("select id from users where id = ? for update", user_id)
        .fetch_optional(conn)
        .await?;
    Ok(())
}

/// An order as a repeated purchase finds it.
pub struct OrderRow {
    pub id: i64,
    pub hold_id: i64,
    pub idempotency_key: Option<String>,
}

/// The user's order made with this Idempotency-Key, if any.
pub async fn order_by_key(
    conn: &mut MySqlConnection,
    user_id: i64,
    key: &str,
) -> Result<Option<OrderRow>> {
    Ok(sqlx::query_as!(
        OrderRow,
        "select id, hold_id, cast(idempotency_key as char) as idempotency_key
         from orders where user_id = ? and idempotency_key = ?",
        user_id,
        key
    )
    .fetch_optional(conn)
    .await?)
}

/// The user's order that paid this hold, if any.
pub async fn order_of_hold(
    conn: &mut MySqlConnection,
    user_id: i64,
    hold_id: i64,
) -> Result<Option<OrderRow>> {
    Ok(sqlx::query_as!(
        OrderRow,
        "select id, hold_id, cast(idempotency_key as char) as idempotency_key
         from orders where hold_id = ? and user_id = ?",
        hold_id,
        user_id
    )
    .fetch_optional(conn)
    .await?)
}

/// A seat of a hold being paid, locked.
pub struct HeldSeat {
    pub id: i64,
    pub schedule_id: i64,
    pub grade_id: i64,
    /// How many seats the hold took: fewer found means it lost one after expiring.
    pub hold_seat_count: i32,
    /// The hold has not expired.
    pub live: bool,
}

/// Locks the seats the user's hold still marks, in id order (every purchase and hold
/// locks seats in that order): concurrent purchases of one hold run one at a time, and
/// the second finds the marks gone.
pub async fn lock_held_seats(
    conn: &mut MySqlConnection,
    user_id: i64,
    hold_id: i64,
) -> Result<Vec<HeldSeat>> {
    Ok(sqlx::query_as!(
        HeldSeat,
        r#"select id, schedule_id, grade_id, hold_seat_count as "hold_seat_count!",
                  hold_expires_at > current_timestamp(6) as "live!: bool"
           from seats where hold_id = ? and hold_user_id = ? and not is_sold
           order by id for update"#,
        hold_id,
        user_id
    )
    .fetch_all(conn)
    .await?)
}

/// What an order costs: `total` points, of which `fees` are booking fees, and the
/// coupon used with what it took off.
#[derive(Debug, Clone, Copy)]
pub struct Amounts {
    pub total: i64,
    pub fees: i64,
    pub coupon: Option<(i64, i64)>,
}

/// Records the order, and with it the use of its coupon (`coupon_use`, unique: the one
/// statement that decides a coupon is used once). A unique violation (this key, this
/// hold or this coupon, ordered meanwhile) is left to the caller to tell apart. `total` is what the buyer pays, `booking_fees`
/// included.
pub async fn insert_order(
    conn: &mut MySqlConnection,
    number: &str,
    user_id: i64,
    hold_id: i64,
    key: Option<&str>,
    amounts: Amounts,
) -> Result<i64, sqlx::Error> {
    let (coupon_id, coupon_discount) = amounts.coupon.unzip();
    let inserted = sqlx::query!(
        "insert into orders (number, user_id, hold_id, idempotency_key, total, booking_fees,
                             coupon_id, coupon_use, coupon_discount)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        number,
        user_id,
        hold_id,
        key,
        amounts.total,
        amounts.fees,
        coupon_id,
        coupon_id,
        coupon_discount.unwrap_or(0)
    )
    .execute(conn)
    .await?;
    Ok(inserted.last_insert_id() as i64)
}

/// Links the order to the ledger entry that paid it.
pub async fn link_order_payment(
    conn: &mut MySqlConnection,
    order_id: i64,
    ledger_id: i64,
) -> Result<()> {
    sqlx::query!(
        "update orders set ledger_id = ? where id = ?",
        ledger_id,
        order_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Issues one ticket of an order for a seat at its price, kind and booking fee (and a
/// place's 입장번호), with a fresh code.
pub async fn insert_order_ticket(
    conn: &mut MySqlConnection,
    order_id: i64,
    user_id: i64,
    seat: &HeldSeat,
    priced: &PricedSeat,
    entry_number: Option<i32>,
) -> Result<()> {
    let kind = priced.kind.as_ref();
    sqlx::query!(
        "insert into tickets (code, order_id, user_id, seat_id, schedule_id, face_value,
                              paid_amount, booking_fee, discount_kind_id, discount_name,
                              discount_proof, entry_number)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        tickets::new_code(),
        order_id,
        user_id,
        seat.id,
        seat.schedule_id,
        priced.face_value,
        priced.price,
        priced.booking_fee,
        kind.map(|kind| kind.id),
        kind.map(|kind| kind.name.as_str()),
        kind.and_then(|kind| kind.proof.as_deref()),
        entry_number
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes `count` 입장번호 from a general-admission grade's counter, locking its row
/// until the purchase ends; answers the first.
pub async fn draw_entry_numbers(
    conn: &mut MySqlConnection,
    grade_id: i64,
    count: i32,
) -> Result<i32> {
    sqlx::query!(
        "update seat_grades set next_entry_number = next_entry_number + ? where id = ?",
        count,
        grade_id
    )
    .execute(&mut *conn)
    .await?;
    let next = sqlx::query_scalar!(
        "select next_entry_number from seat_grades where id = ?",
        grade_id
    )
    .fetch_one(conn)
    .await?;
    Ok(next - count)
}

/// Turns the seats from held to sold, each place with its 입장번호 (`entries`, in seat
/// order; the seat row's unique key keeps a number to one place of its grade).
pub async fn sell_seats(
    conn: &mut MySqlConnection,
    seats: &[HeldSeat],
    entries: &[Option<i32>],
) -> Result<()> {
    let mut sql = Statement::new(
        "update seats set is_sold = true, hold_id = null, hold_user_id = null,
         hold_seat_count = null, hold_expires_at = null",
    );
    if entries.iter().any(Option::is_some) {
        sql.push(", entry_number = case id");
        for (seat, entry) in seats.iter().zip(entries) {
            if let Some(entry) = entry {
                sql.push(" when ").bind(seat.id).push(" then ").bind(*entry);
            }
        }
        sql.push(" end");
    }
    sql.push(" where id in (")
        .bind_list(&seats.iter().map(|seat| seat.id).collect::<Vec<_>>())
        .push(")");
    sql.query().execute(conn).await?;
    Ok(())
}

/// What a purchase answers besides its tickets.
pub struct PaidOrder {
    pub number: String,
    pub hold_id: i64,
    pub total: i64,
    pub booking_fees: i64,
    pub coupon_discount: i64,
    /// The schedule has a waiting room, whose admission the purchase should end.
    pub waiting_room: bool,
}

pub async fn paid_order(pool: &MySqlPool, order_id: i64) -> Result<PaidOrder> {
    Ok(sqlx::query_as!(
        PaidOrder,
        r#"select cast(o.number as char) as "number!", o.hold_id, o.total, o.booking_fees, o.coupon_discount,
                  exists(select 1 from tickets t join waiting_rooms w on w.schedule_id = t.schedule_id
                         where t.order_id = o.id) as "waiting_room!: bool"
           from orders o where o.id = ?"#,
        order_id
    )
    .fetch_one(pool)
    .await?)
}

/// Locks the ticket row alone; `owner` narrows it to one holder. False when there is no
/// such ticket (someone else's included: ids must not reveal who owns what).
pub async fn lock_ticket(
    conn: &mut MySqlConnection,
    ticket_id: i64,
    owner: Option<i64>,
) -> Result<bool> {
    Ok(sqlx::query!(
        "select id from tickets where id = ? and (? is null or user_id = ?) for update",
        ticket_id,
        owner,
        owner
    )
    .fetch_optional(conn)
    .await?
    .is_some())
}

/// The user's ticket refunded with this Idempotency-Key, if any.
pub async fn ticket_by_refund_key(
    conn: &mut MySqlConnection,
    user_id: i64,
    key: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
        "select id from tickets where user_id = ? and refund_key = ?",
        user_id,
        key
    )
    .fetch_optional(conn)
    .await?)
}

/// What a refund decides on, read after the ticket's lock.
pub struct RefundTarget {
    /// The order that bought it (none for a ticket issued by a resale).
    pub order_id: Option<i64>,
    pub status: TicketStatus,
    pub paid_amount: i64,
    pub face_value: i64,
    pub booking_fee: i64,
    /// The ticket has an open resale listing.
    pub listed: bool,
    pub seat_id: i64,
    pub starts_at: DateTime<Utc>,
    /// When its holder got the ticket (bought it, or bought it on resale): the
    /// standard's 24 hours of cooling-off count from here.
    pub booked_at: DateTime<Utc>,
    /// The database clock, which the refund policy's windows are measured by.
    pub now: DateTime<Utc>,
    /// The show's own refund tiers, if it has them.
    pub show_policy: Option<String>,
    /// The organizer cancelled the performance: its cancellation refunds the ticket.
    pub performance_cancelled: bool,
}

pub async fn refund_target(
    conn: &mut MySqlConnection,
    ticket_id: i64,
) -> Result<Option<RefundTarget>> {
    Ok(sqlx::query_as!(
        RefundTarget,
        r#"select t.order_id as "order_id?", t.status as "status: TicketStatus", t.paid_amount, t.face_value, t.booking_fee,
                  exists (select 1 from trades where open_ticket_id = t.id) as "listed!: bool",
                  t.seat_id, sc.starts_at as "starts_at: _", t.created_at as "booked_at: _",
                  current_timestamp(6) as "now!: _",
                  cast(s.refund_policy as char) as show_policy,
                  sc.cancelled_at is not null as "performance_cancelled!: bool"
           from tickets t join schedules sc on sc.id = t.schedule_id
           join shows s on s.id = sc.show_id
           where t.id = ?"#,
        ticket_id
    )
    .fetch_optional(conn)
    .await?)
}

/// Marks a valid ticket refunded as `quote` says: 1 row when it was valid. A unique
/// violation means the key refunded another ticket of this user meanwhile.
pub async fn mark_refunded(
    conn: &mut MySqlConnection,
    ticket_id: i64,
    quote: &RefundQuote,
    key: Option<&str>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "update tickets set status = 'REFUNDED', refund_fee = ?, refund_amount = ?,
                booking_fee_refunded = ?, refunded_at = current_timestamp(6), refund_key = ?
         where id = ? and status = 'VALID'",
        quote.fee,
        quote.net,
        quote.booking_fee_back > 0,
        key,
        ticket_id
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Locks these tickets of the user's order `order_id`, in id order (the lock order of
/// `booking`), and answers the ids found: fewer than asked means some are not tickets
/// of that order of theirs.
pub async fn lock_order_tickets(
    conn: &mut MySqlConnection,
    user_id: i64,
    order_id: i64,
    ticket_ids: &[i64],
) -> Result<Vec<i64>> {
    let mut sql = Statement::new("select id from tickets where order_id = ");
    sql.bind(order_id)
        .push(" and user_id = ")
        .bind(user_id)
        .push(" and id in (")
        .bind_list(ticket_ids)
        .push(") order by id for update");
    Ok(sql.query_scalar().fetch_all(conn).await?)
}

/// The user's order with this number: its id, or None.
pub async fn order_id_by_number(
    conn: &mut MySqlConnection,
    user_id: i64,
    number: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
        "select id from orders where number = ? and user_id = ?",
        number,
        user_id
    )
    .fetch_optional(conn)
    .await?)
}

/// A cancellation an earlier request with this key made: its order and ticket ids.
pub struct CancellationRow {
    pub order_id: i64,
    pub ticket_ids: String,
}

pub async fn cancellation_by_key(
    conn: &mut MySqlConnection,
    user_id: i64,
    key: &str,
) -> Result<Option<CancellationRow>> {
    Ok(sqlx::query_as!(
        CancellationRow,
        r#"select order_id, cast(ticket_ids as char) as "ticket_ids!"
           from order_cancellations where user_id = ? and idempotency_key = ?"#,
        user_id,
        key
    )
    .fetch_optional(conn)
    .await?)
}

/// Records a keyed cancellation; a unique violation means the key was used meanwhile.
pub async fn insert_cancellation(
    conn: &mut MySqlConnection,
    user_id: i64,
    order_id: i64,
    key: &str,
    ticket_ids: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into order_cancellations (order_id, user_id, idempotency_key, ticket_ids)
         values (?, ?, ?, ?)",
        order_id,
        user_id,
        key,
        ticket_ids
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts a seat back on sale, unheld. A general-admission place gives up its 입장번호:
/// the next buyer of the place gets a new one from the grade's counter.
pub async fn free_seat(conn: &mut MySqlConnection, seat_id: i64) -> Result<()> {
    sqlx::query!(
        "update seats set is_sold = false, hold_id = null, hold_user_id = null,
                hold_seat_count = null, hold_expires_at = null, entry_number = null
         where id = ?",
        seat_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

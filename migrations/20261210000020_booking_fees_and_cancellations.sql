-- 예매수수료: what each ticket was charged on top of its price when it was bought (0 for
-- tickets bought before fees, free tickets and tickets issued by a resale), kept on the
-- ticket because a refund decides per ticket whether it comes back (only on the booking
-- day), and summed on the order, whose `total` is what the buyer paid: prices and fees.
alter table tickets
    add column booking_fee bigint not null default 0 after paid_amount,
    add column booking_fee_refunded boolean not null default false after refund_amount,
    add constraint ck_tickets_booking_fee check (booking_fee >= 0);
alter table orders
    add column booking_fees bigint not null default 0 after total,
    add constraint ck_orders_booking_fees check (booking_fees >= 0 and booking_fees <= total);

-- A partial cancellation: some tickets of one order refunded together, all or none. A
-- request with an Idempotency-Key leaves one of these rows, unique per user and key, so a
-- retry after a lost answer finds what it did (the same order and the same tickets)
-- instead of 409 for tickets its first attempt already refunded. `ticket_ids` is the
-- sorted list the request named, comma separated: what a replay is compared with.
create table order_cancellations (
    id bigint not null auto_increment primary key,
    order_id bigint not null,
    user_id bigint not null,
    idempotency_key varchar(100) character set ascii collate ascii_bin not null,
    ticket_ids varchar(1000) character set ascii collate ascii_bin not null,
    created_at datetime(6) not null default current_timestamp(6),
    unique key uq_order_cancellations_key (user_id, idempotency_key),
    constraint fk_order_cancellations_order foreign key (order_id) references orders (id),
    constraint fk_order_cancellations_user foreign key (user_id) references users (id)
) engine = InnoDB;

-- The ticket view carries the fee and whether it came back.
create or replace algorithm = merge sql security invoker view ticket_details as
select t.id, cast(t.code as char) as code, t.order_id, cast(o.number as char) as order_number,
       t.trade_id, t.parent_ticket_id, t.status, tr.id as open_trade_id, s.id as show_id,
       s.title as show_title, v.name as venue, sc.id as schedule_id, sc.starts_at,
       st.id as seat_id, g.name as grade, st.row_label, st.seat_number as number,
       t.face_value, t.paid_amount, t.booking_fee, t.refund_fee, t.refund_amount,
       t.booking_fee_refunded, t.refunded_at, t.resold_at, t.created_at, t.user_id
from tickets t
left join orders o on o.id = t.order_id
left join trades tr on tr.open_ticket_id = t.id
join seats st on st.id = t.seat_id
join seat_grades g on g.id = st.grade_id
join schedules sc on sc.id = t.schedule_id
join shows s on s.id = sc.show_id
join venues v on v.id = s.venue_id;

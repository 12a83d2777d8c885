-- General admission: a grade sold by count, not by seat (스탠딩, 자유석, an exhibition's
-- entry). Its places are rows of `seats` like any other (row_label '', numbered through
-- the schedule), so holds, the per-person limit, orders, refunds, resale and a
-- performance's cancellation treat them exactly as seats: a hold takes free places of
-- the grade instead of named seats, and nothing else changes.
--
-- 입장번호 (the order of entry) is handed out by the purchase from the grade's own
-- counter, under the grade row's lock, so numbers follow the order purchases commit in.
-- The counter only grows: a refunded place goes back on sale, its number does not.
-- A sold place keeps its number on the seat row (unique per grade, and a grade belongs
-- to one performance), so two tickets can never enter as the same number; the ticket
-- keeps a copy, which a resale's new ticket inherits.
alter table seat_grades
    add column general_admission boolean not null default false,
    add column next_entry_number int not null default 1,
    add constraint ck_seat_grades_next_entry check (next_entry_number >= 1);

-- A hold walks the grade's unsold places in id order (ix_seats_grade_sale) and stops
-- at the count it wants, rather than stepping over every place already sold.
alter table seats
    add column entry_number int null,
    add key ix_seats_grade_sale (grade_id, is_sold),
    add unique key uq_seats_entry (grade_id, entry_number),
    add constraint ck_seats_entry check (entry_number is null or (entry_number >= 1 and is_sold));

alter table tickets
    add column entry_number int null,
    add constraint ck_tickets_entry check (entry_number is null or entry_number >= 1);

create or replace algorithm = merge sql security invoker view ticket_details as
select t.id, cast(t.code as char) as code, t.order_id, cast(o.number as char) as order_number,
       o.coupon_id is not null as order_used_coupon,
       t.trade_id, t.parent_ticket_id, t.status, tr.id as open_trade_id, s.id as show_id,
       s.title as show_title, cast(s.refund_policy as char) as show_refund_policy,
       v.name as venue, sc.id as schedule_id, sc.starts_at,
       sc.cancelled_at is not null as performance_cancelled,
       st.id as seat_id, g.name as grade, g.general_admission, st.row_label,
       st.seat_number as number, t.entry_number,
       t.face_value, t.paid_amount, t.booking_fee, t.discount_name, t.discount_proof,
       t.refund_fee, t.refund_amount, t.booking_fee_refunded, t.compensation, t.refunded_at,
       t.resold_at, t.created_at, t.user_id
from tickets t
left join orders o on o.id = t.order_id
left join trades tr on tr.open_ticket_id = t.id
join seats st on st.id = t.seat_id
join seat_grades g on g.id = st.grade_id
join schedules sc on sc.id = t.schedule_id
join shows s on s.id = sc.show_id
join venues v on v.id = s.venue_id;

create or replace algorithm = merge sql security invoker view trade_details as
select tr.id,
       case when tr.status = 'OPEN' and sc.starts_at <= current_timestamp(6)
            then 'EXPIRED' else tr.status end as status,
       tr.status as recorded_status, tr.price, t.face_value, s.id as show_id,
       s.title as show_title, s.deleted_at as show_deleted_at, v.name as venue,
       sc.id as schedule_id, sc.starts_at, st.id as seat_id, g.name as grade,
       g.general_admission, st.row_label, st.seat_number as number, t.entry_number,
       tr.created_at, tr.updated_at, tr.closed_at,
       tr.seller_id, tr.buyer_id, tr.ticket_id, tr.issued_ticket_id, tr.fee
from trades tr
join tickets t on t.id = tr.ticket_id
join seats st on st.id = t.seat_id
join seat_grades g on g.id = tr.grade_id
join schedules sc on sc.id = tr.schedule_id
join shows s on s.id = sc.show_id
join venues v on v.id = s.venue_id;

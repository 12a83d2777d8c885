-- 할인 권종: the price kinds of a schedule besides 일반 (the grade's price, which has no
-- row). Each takes a percent or an amount off, and may be sold only within a window
-- (조기예매 until a date), only so many to an order (장애인 with one companion: 2), only
-- to a buyer holding a past ticket of the same show (재관람), and may need proof at the
-- door (복지카드), which is printed on the ticket.
create table discount_kinds (
    id bigint not null auto_increment primary key,
    schedule_id bigint not null,
    position int not null,
    name varchar(40) not null,
    percent_off int unsigned null,
    amount_off bigint null,
    sale_starts_at datetime(6) null,
    sale_ends_at datetime(6) null,
    per_order int unsigned null,
    proof varchar(100) null,
    rewatch boolean not null default false,
    unique key uq_discount_kinds_name (schedule_id, name),
    key ix_discount_kinds_schedule (schedule_id, position),
    constraint fk_discount_kinds_schedule foreign key (schedule_id) references schedules (id)
        on delete cascade,
    constraint ck_discount_kinds_off check (
        (percent_off is null) <> (amount_off is null)
        and (percent_off is null or percent_off between 1 and 100)
        and (amount_off is null or amount_off > 0)),
    constraint ck_discount_kinds_per_order check (per_order is null or per_order > 0)
) engine = InnoDB;

-- The kind a ticket was sold as, copied onto it as sold (name and proof): the ticket
-- says what was bought even if the kind changes later. `paid_amount` is its price after
-- the discount; refunds are figured on it.
alter table tickets
    add column discount_kind_id bigint null after booking_fee,
    add column discount_name varchar(40) null after discount_kind_id,
    add column discount_proof varchar(100) null after discount_name,
    add constraint fk_tickets_discount_kind foreign key (discount_kind_id)
        references discount_kinds (id) on delete set null;

-- The ticket view carries the kind.
create or replace algorithm = merge sql security invoker view ticket_details as
select t.id, cast(t.code as char) as code, t.order_id, cast(o.number as char) as order_number,
       t.trade_id, t.parent_ticket_id, t.status, tr.id as open_trade_id, s.id as show_id,
       s.title as show_title, v.name as venue, sc.id as schedule_id, sc.starts_at,
       st.id as seat_id, g.name as grade, st.row_label, st.seat_number as number,
       t.face_value, t.paid_amount, t.booking_fee, t.discount_name, t.discount_proof,
       t.refund_fee, t.refund_amount, t.booking_fee_refunded, t.refunded_at, t.resold_at,
       t.created_at, t.user_id
from tickets t
left join orders o on o.id = t.order_id
left join trades tr on tr.open_ticket_id = t.id
join seats st on st.id = t.seat_id
join seat_grades g on g.id = st.grade_id
join schedules sc on sc.id = t.schedule_id
join shows s on s.id = sc.show_id
join venues v on v.id = s.venue_id;

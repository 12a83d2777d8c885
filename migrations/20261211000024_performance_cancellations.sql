-- 공연 취소: an organizer cancels a performance. The request marks the schedule
-- cancelled (`cancelled_at`, which takes it off sale through `rules::on_sale`), cancels
-- its open resale trades, releases its holds and records a job here, in one
-- transaction. The job then refunds every valid ticket of the performance in full, fees
-- included, plus `compensation_percent` of the price when the operator turned the
-- standard's compensation on; it works in batches, each one transaction that marks its
-- tickets refunded and pays them, so a crash loses at most the batch in flight, which
-- rolls back, and the next run (any api process) carries on where the last commit
-- stopped. One job per schedule (the unique key): asking twice finds the first.
alter table schedules add column cancelled_at datetime(6) null after starts_at;

create table performance_cancellations (
    id bigint not null auto_increment primary key,
    schedule_id bigint not null,
    requested_by bigint not null,
    -- Kept on the job when it is asked for, so a restart under other settings pays
    -- every ticket of one cancellation alike.
    compensation_percent tinyint unsigned not null,
    tickets_refunded int unsigned not null default 0,
    points_refunded bigint not null default 0,
    created_at datetime(6) not null default current_timestamp(6),
    finished_at datetime(6) null,
    unique key uq_performance_cancellations_schedule (schedule_id),
    key ix_performance_cancellations_open (finished_at),
    constraint fk_performance_cancellations_schedule foreign key (schedule_id) references schedules (id),
    constraint fk_performance_cancellations_user foreign key (requested_by) references users (id),
    constraint ck_performance_cancellations_percent check (compensation_percent <= 100),
    constraint ck_performance_cancellations_points check (points_refunded >= 0)
) engine = InnoDB;

-- A ticket refunded by a cancellation: `compensation` is what came on top of the
-- refund (0 when compensation is off); null for every other ticket. The job finds the
-- valid tickets of a schedule by the new index.
alter table tickets
    add column compensation bigint null after booking_fee_refunded,
    add key ix_tickets_schedule_status (schedule_id, status, id),
    add constraint ck_tickets_compensation check (compensation is null or compensation >= 0);

alter table point_ledger
    modify reason enum('CHARGE', 'PURCHASE', 'REFUND', 'RESALE_PURCHASE', 'RESALE_SALE',
                       'COMPENSATION') not null;

create or replace algorithm = merge sql security invoker view ticket_details as
select t.id, cast(t.code as char) as code, t.order_id, cast(o.number as char) as order_number,
       o.coupon_id is not null as order_used_coupon,
       t.trade_id, t.parent_ticket_id, t.status, tr.id as open_trade_id, s.id as show_id,
       s.title as show_title, cast(s.refund_policy as char) as show_refund_policy,
       v.name as venue, sc.id as schedule_id, sc.starts_at,
       sc.cancelled_at is not null as performance_cancelled,
       st.id as seat_id, g.name as grade, st.row_label, st.seat_number as number,
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

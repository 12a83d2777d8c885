-- A show's own refund tiers (`DAYS:PERCENT,...`, as REFUND_POLICY takes them), when an
-- operator gives it one: more generous than the service's, or stricter, which its page
-- then says. Null follows the service's policy (the consumer dispute standard unless
-- configured). The ticket view carries it, so a refund and MY page's quote read it with
-- the ticket.
alter table shows add column refund_policy varchar(200) character set ascii null after poster_url;

create or replace algorithm = merge sql security invoker view ticket_details as
select t.id, cast(t.code as char) as code, t.order_id, cast(o.number as char) as order_number,
       o.coupon_id is not null as order_used_coupon,
       t.trade_id, t.parent_ticket_id, t.status, tr.id as open_trade_id, s.id as show_id,
       s.title as show_title, cast(s.refund_policy as char) as show_refund_policy,
       v.name as venue, sc.id as schedule_id, sc.starts_at,
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

-- 예매번호: the number a buyer reads aloud to a call centre or shows at a box office
-- window, and the one every list of orders leads with. Ten digits, random for every new
-- order (one number tells nothing about another; `booking::order_number`), the first
-- digit 1 to 8. Orders made before numbers existed take 9 followed by their id, nine
-- digits wide: unique by construction, and never equal to a random one.
alter table orders add column number char(10) character set ascii collate ascii_bin null after id;
update orders set number = concat('9', lpad(id, 9, '0')) where number is null;
alter table orders
    modify column number char(10) character set ascii collate ascii_bin not null,
    add unique key uq_orders_number (number),
    add key ix_orders_user (user_id, id);

-- The ticket view names each ticket's order by its number too.
create or replace algorithm = merge sql security invoker view ticket_details as
select t.id, cast(t.code as char) as code, t.order_id, cast(o.number as char) as order_number,
       t.trade_id, t.parent_ticket_id, t.status, tr.id as open_trade_id, s.id as show_id,
       s.title as show_title, v.name as venue, sc.id as schedule_id, sc.starts_at,
       st.id as seat_id, g.name as grade, st.row_label, st.seat_number as number,
       t.face_value, t.paid_amount, t.refund_fee, t.refund_amount, t.refunded_at,
       t.resold_at, t.created_at, t.user_id
from tickets t
left join orders o on o.id = t.order_id
left join trades tr on tr.open_ticket_id = t.id
join seats st on st.id = t.seat_id
join seat_grades g on g.id = st.grade_id
join schedules sc on sc.id = t.schedule_id
join shows s on s.id = sc.show_id
join venues v on v.id = s.venue_id;

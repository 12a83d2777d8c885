-- A ticket as its holder sees it: the seat, the performance, the show and its venue,
-- and its open resale listing if any. One definition for every read of a ticket
-- (a holder's list, an order's tickets, one ticket), where each had spliced in the
-- same column list and joins. MERGE: a query on the view is planned as if the joins
-- were written in it, on the same indexes. SQL SECURITY INVOKER: a view read with the
-- reader's own rights needs no particular account to exist (the default, DEFINER,
-- would fail on a server or replica without the account that ran the migration).
create algorithm = merge sql security invoker view ticket_details as
select t.id, cast(t.code as char) as code, t.order_id, t.trade_id, t.parent_ticket_id,
       t.status, tr.id as open_trade_id, s.id as show_id, s.title as show_title,
       v.name as venue, sc.id as schedule_id, sc.starts_at, st.id as seat_id,
       g.name as grade, st.row_label, st.seat_number as number, t.face_value,
       t.paid_amount, t.refund_fee, t.refund_amount, t.refunded_at, t.resold_at,
       t.created_at, t.user_id
from tickets t
left join trades tr on tr.open_ticket_id = t.id
join seats st on st.id = t.seat_id
join seat_grades g on g.id = st.grade_id
join schedules sc on sc.id = t.schedule_id
join shows s on s.id = sc.show_id
join venues v on v.id = s.venue_id;

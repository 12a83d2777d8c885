-- A trade as the market and its parties read it: the seat, the performance, the show
-- and its venue. `status` is what readers see: an OPEN trade whose performance has
-- started is EXPIRED whether or not the expiry sweep has written it down yet, so no
-- reader ever offers a trade that can no longer be bought. `recorded_status` is the
-- column itself, for conditions that must use its indexes (the open market).
-- MERGE: a query on the view is planned as if the joins were written in it; SQL
-- SECURITY INVOKER for the reason ticket_details gives.
create algorithm = merge sql security invoker view trade_details as
select tr.id,
       case when tr.status = 'OPEN' and sc.starts_at <= current_timestamp(6)
            then 'EXPIRED' else tr.status end as status,
       tr.status as recorded_status, tr.price, t.face_value, s.id as show_id,
       s.title as show_title, s.deleted_at as show_deleted_at, v.name as venue,
       sc.id as schedule_id, sc.starts_at, st.id as seat_id, g.name as grade, st.row_label,
       st.seat_number as number, tr.created_at, tr.updated_at, tr.closed_at,
       tr.seller_id, tr.buyer_id, tr.ticket_id, tr.issued_ticket_id, tr.fee
from trades tr
join tickets t on t.id = tr.ticket_id
join seats st on st.id = t.seat_id
join seat_grades g on g.id = tr.grade_id
join schedules sc on sc.id = tr.schedule_id
join shows s on s.id = tr.show_id
join venues v on v.id = s.venue_id;

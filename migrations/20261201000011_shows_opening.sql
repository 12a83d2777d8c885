-- The home page lists shows whose booking opens soon, soonest first: without an index
-- that is a scan and sort of the whole catalog on every visit.
alter table shows add key ix_shows_opens (booking_opens_at, id);

-- The per-person limit on one schedule (Korean practice: 1인 4매) counts a user's live
-- held seats and valid tickets of that schedule whenever they hold more. Both counts
-- must be index range reads, not scans of a 20,000-seat schedule.
alter table seats add key ix_seats_hold_user (hold_user_id, schedule_id);
alter table tickets add key ix_tickets_user_schedule (user_id, schedule_id, status);

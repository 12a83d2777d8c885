-- Waiting-room settings per schedule. They live here, not in Redis, because the hold
-- path must know a schedule requires the waiting room even when Redis is down (it then
-- fails closed for that schedule only). The queue itself lives in Redis.
--
-- The room is on while `enabled`, or from `auto_before_secs` before the show's booking
-- opens (switching itself on for the on-sale spike without anyone at a keyboard).
create table waiting_rooms (
    schedule_id bigint not null primary key,
    enabled boolean not null,
    admission_rate int not null,
    active_cap int not null,
    active_window_secs int not null,
    auto_before_secs int null,
    updated_at datetime(6) not null default current_timestamp(6) on update current_timestamp(6),
    constraint fk_waiting_rooms_schedule foreign key (schedule_id) references schedules (id),
    constraint ck_waiting_rooms_rate check (admission_rate between 1 and 100000),
    constraint ck_waiting_rooms_cap check (active_cap between 1 and 1000000),
    constraint ck_waiting_rooms_window check (active_window_secs between 1 and 86400),
    constraint ck_waiting_rooms_auto check (auto_before_secs is null or auto_before_secs between 0 and 604800)
) engine = InnoDB;

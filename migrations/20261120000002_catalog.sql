-- The show catalog: venues, artists, shows, schedules and each schedule's seat map.
--
-- shows.updated_at is the search indexer's change feed. It must move on every change
-- a search document shows: the show row itself (ON UPDATE), and - through the triggers
-- below - its schedules, its artist list, and renames of its venue or artists. Putting
-- this in triggers means no code path can forget it.

create table venues (
    id bigint not null auto_increment primary key,
    name varchar(200) not null,
    address varchar(300) not null default '',
    created_at datetime(6) not null default current_timestamp(6),
    updated_at datetime(6) not null default current_timestamp(6) on update current_timestamp(6),
    unique key uq_venues_name (name)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;

create table artists (
    id bigint not null auto_increment primary key,
    name varchar(200) not null,
    created_at datetime(6) not null default current_timestamp(6),
    updated_at datetime(6) not null default current_timestamp(6) on update current_timestamp(6),
    unique key uq_artists_name (name)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;

create table shows (
    id bigint not null auto_increment primary key,
    title varchar(200) not null,
    title_en varchar(200) null,
    description text not null,
    category enum('MUSICAL', 'CONCERT', 'PLAY', 'EXHIBITION', 'CLASSIC', 'DANCE') not null,
    venue_id bigint not null,
    poster_url varchar(500) null,
    booking_opens_at datetime(6) not null,
    like_count int not null default 0,
    created_at datetime(6) not null default current_timestamp(6),
    updated_at datetime(6) not null default current_timestamp(6) on update current_timestamp(6),
    deleted_at datetime(6) null,
    -- The indexer pages through changes by (updated_at, id).
    key ix_shows_updated (updated_at, id),
    key ix_shows_category (category, id),
    constraint fk_shows_venue foreign key (venue_id) references venues (id),
    constraint ck_shows_like_count check (like_count >= 0)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;

create table show_artists (
    show_id bigint not null,
    artist_id bigint not null,
    position int not null,
    primary key (show_id, artist_id),
    constraint fk_show_artists_show foreign key (show_id) references shows (id),
    constraint fk_show_artists_artist foreign key (artist_id) references artists (id)
) engine = InnoDB;

create table schedules (
    id bigint not null auto_increment primary key,
    show_id bigint not null,
    starts_at datetime(6) not null,
    created_at datetime(6) not null default current_timestamp(6),
    key ix_schedules_show (show_id, starts_at),
    key ix_schedules_starts (starts_at),
    constraint fk_schedules_show foreign key (show_id) references shows (id)
) engine = InnoDB;

create table seat_grades (
    id bigint not null auto_increment primary key,
    schedule_id bigint not null,
    name varchar(20) not null,
    price bigint not null,
    unique key uq_seat_grades_name (schedule_id, name),
    constraint fk_seat_grades_schedule foreign key (schedule_id) references schedules (id),
    constraint ck_seat_grades_price check (price >= 0)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;

-- A seat is free when it is not sold and carries no live hold. A hold is nothing but
-- these marks: the seats whose hold_id names it, for hold_user_id, until
-- hold_expires_at. Expiry is part of the availability condition, so an expired hold
-- frees its seats with no sweeper involved; the single hold_id column means a seat is
-- in at most one live hold. hold_seat_count, the same on every seat of a hold, lets a
-- purchase see that a hold lost a seat.
create table seats (
    id bigint not null auto_increment primary key,
    schedule_id bigint not null,
    grade_id bigint not null,
    row_label varchar(8) not null,
    seat_number int not null,
    hold_id bigint null,
    hold_user_id bigint null,
    hold_seat_count int null,
    hold_expires_at datetime(6) null,
    is_sold boolean not null default false,
    unique key uq_seats_position (schedule_id, row_label, seat_number),
    key ix_seats_hold (hold_id),
    key ix_seats_hold_expiry (hold_expires_at),
    key ix_seats_grade (grade_id),
    constraint fk_seats_schedule foreign key (schedule_id) references schedules (id),
    constraint fk_seats_grade foreign key (grade_id) references seat_grades (id)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;

create trigger trg_schedules_insert after insert on schedules for each row
    update shows set updated_at = current_timestamp(6) where id = new.show_id;
create trigger trg_schedules_update after update on schedules for each row
    update shows set updated_at = current_timestamp(6) where id in (new.show_id, old.show_id);
create trigger trg_schedules_delete after delete on schedules for each row
    update shows set updated_at = current_timestamp(6) where id = old.show_id;
create trigger trg_show_artists_insert after insert on show_artists for each row
    update shows set updated_at = current_timestamp(6) where id = new.show_id;
create trigger trg_show_artists_update after update on show_artists for each row
    update shows set updated_at = current_timestamp(6) where id in (new.show_id, old.show_id);
create trigger trg_show_artists_delete after delete on show_artists for each row
    update shows set updated_at = current_timestamp(6) where id = old.show_id;
create trigger trg_venues_update after update on venues for each row
    update shows set updated_at = current_timestamp(6) where venue_id = new.id;
create trigger trg_artists_update after update on artists for each row
    update shows set updated_at = current_timestamp(6)
    where id in (select show_id from show_artists where artist_id = new.id);

create table likes (
    user_id bigint not null,
    show_id bigint not null,
    created_at datetime(6) not null default current_timestamp(6),
    primary key (user_id, show_id),
    key ix_likes_show (show_id),
    constraint fk_likes_user foreign key (user_id) references users (id),
    constraint fk_likes_show foreign key (show_id) references shows (id)
) engine = InnoDB;

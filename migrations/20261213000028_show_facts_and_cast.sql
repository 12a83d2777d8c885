-- 관람 정보 and 캐스팅 일정: what every Korean show page states besides its seats.
--
-- Running time and intermission in minutes (null: not announced). The age rating as
-- the youngest age admitted, 만 나이: 0 전체관람가, 1..18 만 N세 이상, 19 청소년관람불가
-- (null: not announced).
alter table shows
    add column running_minutes smallint null,
    add column intermission_minutes smallint null,
    add column min_age tinyint null,
    add constraint ck_shows_running check (running_minutes is null or running_minutes between 1 and 1440),
    add constraint ck_shows_intermission check (intermission_minutes is null or intermission_minutes between 0 and 240),
    add constraint ck_shows_min_age check (min_age is null or min_age between 0 and 19);

-- Who plays which role at which performance (double and triple casting are the rule in
-- Korean musicals). One actor per role per performance; the actor is an artist, so a
-- search for the actor finds the show (the indexer reads casts with the show's artists,
-- and these triggers move the show's updated_at like every change a search document
-- shows).
create table performance_cast (
    schedule_id bigint not null,
    role varchar(50) not null,
    position int not null,
    artist_id bigint not null,
    primary key (schedule_id, role),
    unique key uq_performance_cast_position (schedule_id, position),
    key ix_performance_cast_artist (artist_id),
    constraint fk_performance_cast_schedule foreign key (schedule_id) references schedules (id),
    constraint fk_performance_cast_artist foreign key (artist_id) references artists (id)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;

create trigger trg_performance_cast_insert after insert on performance_cast for each row
    update shows set updated_at = current_timestamp(6)
    where id = (select show_id from schedules where id = new.schedule_id);
create trigger trg_performance_cast_update after update on performance_cast for each row
    update shows set updated_at = current_timestamp(6)
    where id in (select show_id from schedules where id in (new.schedule_id, old.schedule_id));
create trigger trg_performance_cast_delete after delete on performance_cast for each row
    update shows set updated_at = current_timestamp(6)
    where id = (select show_id from schedules where id = old.schedule_id);

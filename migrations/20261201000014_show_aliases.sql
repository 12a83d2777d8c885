-- What fans call a show (레미즈 for 레미제라블, 오유 for 오페라의 유령): kept by admins,
-- indexed and matched like titles. Like show_artists, a change moves the show's
-- updated_at so the indexer picks it up.
create table show_aliases (
    show_id bigint not null,
    position int not null,
    alias varchar(100) character set utf8mb4 collate utf8mb4_bin not null,
    primary key (show_id, position),
    unique key uq_show_aliases (show_id, alias),
    constraint fk_show_aliases_show foreign key (show_id) references shows (id)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;

create trigger trg_show_aliases_insert after insert on show_aliases for each row
    update shows set updated_at = current_timestamp(6) where id = new.show_id;
create trigger trg_show_aliases_update after update on show_aliases for each row
    update shows set updated_at = current_timestamp(6) where id in (new.show_id, old.show_id);
create trigger trg_show_aliases_delete after delete on show_aliases for each row
    update shows set updated_at = current_timestamp(6) where id = old.show_id;

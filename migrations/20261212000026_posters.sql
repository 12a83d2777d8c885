-- Show posters, kept in the database so every api node serves the same bytes with no
-- other service to run: the original as uploaded (checked to be a JPEG, PNG or WebP
-- image of bounded size, kept for re-rendering, never served) and the JPEG copies
-- pages use, one per width. `shows.poster_key` names the current poster (a hash of
-- its original): it is part of every poster address, so a browser may keep a copy
-- for good, and changing the poster moves `shows.updated_at` for the indexer.
create table posters (
    show_id bigint not null primary key,
    original mediumblob not null,
    -- What the content was found to be, not what the upload said.
    format varchar(8) character set ascii not null,
    width int unsigned not null,
    height int unsigned not null,
    uploaded_by bigint null,
    uploaded_at datetime(6) not null default current_timestamp(6),
    constraint fk_posters_show foreign key (show_id) references shows (id),
    constraint ck_posters_format check (format in ('JPEG', 'PNG', 'WEBP'))
) engine = InnoDB;

create table poster_renditions (
    show_id bigint not null,
    width smallint unsigned not null,
    height smallint unsigned not null,
    jpeg mediumblob not null,
    primary key (show_id, width),
    constraint fk_poster_renditions_poster foreign key (show_id) references posters (show_id)
        on delete cascade
) engine = InnoDB;

alter table shows
    add column poster_key char(16) character set ascii collate ascii_bin null after poster_url;

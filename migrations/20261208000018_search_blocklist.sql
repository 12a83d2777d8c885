-- Terms an admin keeps off the popular-query list (인기 검색어): a reading holding one is
-- never shown, whatever its count. Terms are stored as search normalizes text (NFKC,
-- Latin lower-cased, single spaces) and compared byte for byte. `created_by` names the
-- admin without a foreign key: the term stays when that account is withdrawn.
create table search_blocklist (
    term varchar(40) character set utf8mb4 collate utf8mb4_bin not null primary key,
    created_by bigint not null,
    created_at datetime(6) not null default current_timestamp(6)
) engine = InnoDB;

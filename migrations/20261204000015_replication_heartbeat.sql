-- How far behind each read replica is, measured in what it has applied rather than in
-- what it reports: every api and indexer process with DATABASE_READ_URL set writes the
-- primary's clock here twice a second, and a replica's lag is its own clock minus the
-- newest beat it has applied (core::read_replicas). One row for all writers: the newest
-- beat wins, so a process with a slow clock cannot move it back.
create table replication_heartbeat (
    id tinyint unsigned not null primary key,
    beat datetime(6) not null
) engine = InnoDB;

-- Failed logins per email, so password guessing is slowed down whatever api process
-- answers. Keyed by the normalised email, also for emails with no account (throttling
-- only real accounts would tell an attacker which emails are registered).
create table login_throttle (
    email varchar(254) not null primary key,
    failures int not null,
    window_started_at datetime(6) not null
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;

-- Login attempts per email and per client address, so password guessing is slowed
-- down whatever api process answers, and a flood of guesses cannot outrun the count.
--
-- A login reserves its attempt here before the password is checked: one statement
-- adds one and reads the new count back (through LAST_INSERT_ID), and a count past the
-- limit is refused without hashing. So at most the limit of passwords is ever checked
-- in a window, however many guesses arrive at once. A success deletes the email's row
-- (forgetting its failures) and gives the address its attempt back (many people log
-- in from one carrier address); a failure keeps both.
--
-- `subject` is the normalised email (also for emails with no account: throttling only
-- real accounts would tell an attacker which emails are registered) or the address
-- bucket (an IPv4 address, or an IPv6 /64).
create table login_attempts (
    scope enum('EMAIL', 'ADDRESS') not null,
    subject varchar(254) not null,
    attempts int not null,
    window_started_at datetime(6) not null,
    primary key (scope, subject),
    constraint ck_login_attempts_count check (attempts >= 0)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;

insert into login_attempts (scope, subject, attempts, window_started_at)
    select 'EMAIL', email, failures, window_started_at from login_throttle;

drop table login_throttle;

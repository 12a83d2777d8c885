-- Accounts, login sessions and the points wallet.
--
-- The balance lives on the user row so that a debit is one conditional update
-- (`point_balance + amount >= 0`) whose affected-row count decides the outcome; the
-- CHECK is the last line of defence if code ever forgets the condition. Every change
-- to the balance writes a point_ledger row in the same transaction, so the balance
-- always equals the sum of the user's ledger.

create table users (
    id bigint not null auto_increment primary key,
    email varchar(254) not null,
    password_hash varchar(255) not null,
    nickname varchar(40) not null,
    role enum('USER', 'ADMIN') not null default 'USER',
    point_balance bigint not null default 0,
    created_at datetime(6) not null default current_timestamp(6),
    updated_at datetime(6) not null default current_timestamp(6) on update current_timestamp(6),
    deleted_at datetime(6) null,
    -- Withdrawn accounts keep their row (tickets and ledger point at it) but free the
    -- email: uniqueness only applies to accounts that are still active.
    active_email varchar(254) as (if(deleted_at is null, email, null)) persistent,
    unique key uq_users_active_email (active_email),
    constraint ck_users_point_balance check (point_balance >= 0)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;

-- One row per login. Access tokens carry the session id, so revoking the session
-- (logout, refresh-token reuse, withdrawal) cuts off its access tokens at once.
create table auth_sessions (
    id bigint not null auto_increment primary key,
    user_id bigint not null,
    created_at datetime(6) not null default current_timestamp(6),
    revoked_at datetime(6) null,
    constraint fk_auth_sessions_user foreign key (user_id) references users (id)
) engine = InnoDB;

-- Refresh tokens are stored as SHA-256 digests only. Each refresh marks the token used
-- (a conditional update) and issues the next one in the same session; presenting a used
-- token again means it was stolen, and the whole session is revoked.
create table refresh_tokens (
    id bigint not null auto_increment primary key,
    session_id bigint not null,
    token_hash binary(32) not null,
    expires_at datetime(6) not null,
    used_at datetime(6) null,
    created_at datetime(6) not null default current_timestamp(6),
    unique key uq_refresh_tokens_hash (token_hash),
    constraint fk_refresh_tokens_session foreign key (session_id) references auth_sessions (id)
) engine = InnoDB;

create table point_ledger (
    id bigint not null auto_increment primary key,
    user_id bigint not null,
    amount bigint not null,
    reason enum('CHARGE', 'PURCHASE', 'REFUND') not null,
    reference varchar(100) not null,
    balance_after bigint not null,
    created_at datetime(6) not null default current_timestamp(6),
    key ix_point_ledger_user (user_id, id),
    constraint fk_point_ledger_user foreign key (user_id) references users (id),
    constraint ck_point_ledger_amount check (amount <> 0),
    constraint ck_point_ledger_balance check (balance_after >= 0)
) engine = InnoDB;

-- A payment id from the gateway is credited at most once: the unique key makes the
-- second concurrent insert wait for the first and then fail, whatever the process.
create table point_charges (
    id bigint not null auto_increment primary key,
    user_id bigint not null,
    payment_id varchar(100) not null,
    gateway varchar(20) not null,
    amount bigint not null,
    ledger_id bigint not null,
    created_at datetime(6) not null default current_timestamp(6),
    unique key uq_point_charges_payment (gateway, payment_id),
    constraint fk_point_charges_user foreign key (user_id) references users (id),
    constraint fk_point_charges_ledger foreign key (ledger_id) references point_ledger (id),
    constraint ck_point_charges_amount check (amount > 0)
) engine = InnoDB;

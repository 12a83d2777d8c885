-- Orders and tickets. Holds have no table: a hold is the marks on its seats (see the
-- catalog migration), taken by one conditional UPDATE on `seats` inside a transaction
-- whose affected-row count decides whether the whole hold succeeds. Tickets carry a generated
-- column that is the seat id only while the ticket is VALID, and a unique key on it, so
-- the database itself refuses a second valid ticket for one seat.

-- One order per hold id (a hold is paid at most once) and one order per idempotency key
-- per user (a retried request finds the first result instead of paying again).
create table orders (
    id bigint not null auto_increment primary key,
    user_id bigint not null,
    hold_id bigint not null,
    idempotency_key varchar(100) null,
    total bigint not null,
    ledger_id bigint null,
    created_at datetime(6) not null default current_timestamp(6),
    unique key uq_orders_hold (hold_id),
    unique key uq_orders_idempotency (user_id, idempotency_key),
    constraint fk_orders_user foreign key (user_id) references users (id),
    constraint fk_orders_ledger foreign key (ledger_id) references point_ledger (id),
    constraint ck_orders_total check (total >= 0)
) engine = InnoDB;

create table tickets (
    id bigint not null auto_increment primary key,
    code char(22) not null,
    order_id bigint not null,
    user_id bigint not null,
    seat_id bigint not null,
    schedule_id bigint not null,
    face_value bigint not null,
    paid_amount bigint not null,
    status enum('VALID', 'REFUNDED') not null default 'VALID',
    refund_fee bigint null,
    refund_amount bigint null,
    refunded_at datetime(6) null,
    created_at datetime(6) not null default current_timestamp(6),
    valid_seat_id bigint as (if(status = 'VALID', seat_id, null)) persistent,
    unique key uq_tickets_code (code),
    unique key uq_tickets_valid_seat (valid_seat_id),
    key ix_tickets_user (user_id, id),
    constraint fk_tickets_order foreign key (order_id) references orders (id),
    constraint fk_tickets_user foreign key (user_id) references users (id),
    constraint fk_tickets_seat foreign key (seat_id) references seats (id),
    constraint fk_tickets_schedule foreign key (schedule_id) references schedules (id),
    constraint ck_tickets_amounts check (face_value >= 0 and paid_amount >= 0)
) engine = InnoDB;

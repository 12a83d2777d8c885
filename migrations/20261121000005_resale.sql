-- The resale market. A trade offers one VALID ticket at a capped price; buying it turns
-- the seller's ticket RESOLD and issues the buyer a new ticket for the same seat in the
-- same transaction. The seat never leaves `is_sold` and never has two valid tickets:
-- `uq_tickets_valid_seat` sees the old ticket leave VALID before the new one arrives.

-- Tickets issued by a trade have no order. `parent_ticket_id` is the ticket they
-- replace and `origin_ticket_id` the first ticket of the chain, so a lineage is one
-- indexed lookup instead of a walk. `face_value` is copied down the chain unchanged:
-- it is what the price cap and the refund ceiling are measured against.
alter table tickets
    modify order_id bigint null,
    modify status enum('VALID', 'REFUNDED', 'RESOLD') not null default 'VALID',
    add column trade_id bigint null after order_id,
    add column parent_ticket_id bigint null after trade_id,
    add column origin_ticket_id bigint null after parent_ticket_id,
    add column resold_at datetime(6) null after refunded_at,
    add key ix_tickets_origin (origin_ticket_id, id),
    add constraint fk_tickets_parent foreign key (parent_ticket_id) references tickets (id),
    add constraint fk_tickets_origin foreign key (origin_ticket_id) references tickets (id),
    add constraint ck_tickets_source check ((order_id is null) <> (parent_ticket_id is null));

alter table point_ledger
    modify reason enum('CHARGE', 'PURCHASE', 'REFUND', 'RESALE_PURCHASE', 'RESALE_SALE') not null;

-- `open_ticket_id` is the ticket id only while the trade is OPEN, and unique: the
-- database itself refuses a second open listing of one ticket. `(buyer_id,
-- purchase_key)` makes a retried purchase find the first result instead of paying
-- twice. Show, schedule and grade are copied from the ticket so the public list
-- filters on one table.
create table trades (
    id bigint not null auto_increment primary key,
    ticket_id bigint not null,
    seller_id bigint not null,
    show_id bigint not null,
    schedule_id bigint not null,
    grade_id bigint not null,
    price bigint not null,
    status enum('OPEN', 'SOLD', 'CANCELLED', 'EXPIRED') not null default 'OPEN',
    buyer_id bigint null,
    purchase_key varchar(100) null,
    fee bigint null,
    issued_ticket_id bigint null,
    buyer_ledger_id bigint null,
    seller_ledger_id bigint null,
    created_at datetime(6) not null default current_timestamp(6),
    updated_at datetime(6) not null default current_timestamp(6) on update current_timestamp(6),
    closed_at datetime(6) null,
    open_ticket_id bigint as (if(status = 'OPEN', ticket_id, null)) persistent,
    unique key uq_trades_open_ticket (open_ticket_id),
    unique key uq_trades_purchase_key (buyer_id, purchase_key),
    key ix_trades_open_price (status, price, id),
    key ix_trades_open_schedule (status, schedule_id, price),
    key ix_trades_open_show (status, show_id, price),
    key ix_trades_ticket (ticket_id),
    key ix_trades_seller (seller_id, id),
    constraint fk_trades_ticket foreign key (ticket_id) references tickets (id),
    constraint fk_trades_seller foreign key (seller_id) references users (id),
    constraint fk_trades_buyer foreign key (buyer_id) references users (id),
    constraint fk_trades_show foreign key (show_id) references shows (id),
    constraint fk_trades_schedule foreign key (schedule_id) references schedules (id),
    constraint fk_trades_grade foreign key (grade_id) references seat_grades (id),
    constraint fk_trades_issued_ticket foreign key (issued_ticket_id) references tickets (id),
    constraint fk_trades_buyer_ledger foreign key (buyer_ledger_id) references point_ledger (id),
    constraint fk_trades_seller_ledger foreign key (seller_ledger_id) references point_ledger (id),
    constraint ck_trades_price check (price > 0),
    constraint ck_trades_fee check (fee is null or (fee >= 0 and fee <= price)),
    constraint ck_trades_sold check ((status = 'SOLD') = (buyer_id is not null and issued_ticket_id is not null)),
    constraint ck_trades_buyer check (buyer_id is null or buyer_id <> seller_id)
) engine = InnoDB;

alter table tickets
    add constraint fk_tickets_trade foreign key (trade_id) references trades (id);

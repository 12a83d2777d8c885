-- Coupons. An admin runs a campaign: an amount or a percent off (with a cap), a
-- minimum order, the shows it is for (none listed: every show), a validity window, and
-- how many coupons it may issue in all. People get one coupon per campaign: by
-- claiming it from a page, or by entering the campaign's code (쿠폰 등록). The campaign
-- row counts what it has issued, and a claim is the conditional update
-- `issued < total_limit` on that row: under any number of api processes the database
-- issues exactly the limit, never one more (the unique key on (campaign, user) makes it
-- one per person). A coupon is used by at most one order.
create table coupon_campaigns (
    id bigint not null auto_increment primary key,
    name varchar(60) not null,
    -- Upper-case letters and digits; null for a campaign claimed from a page.
    code varchar(32) character set ascii collate ascii_bin null,
    percent_off int unsigned null,
    amount_off bigint null,
    max_discount bigint null,
    min_order bigint not null default 0,
    starts_at datetime(6) not null,
    ends_at datetime(6) not null,
    total_limit int unsigned null,
    issued int unsigned not null default 0,
    created_at datetime(6) not null default current_timestamp(6),
    unique key uq_coupon_campaigns_code (code),
    constraint ck_coupon_campaigns_off check (
        (percent_off is null) <> (amount_off is null)
        and (percent_off is null or percent_off between 1 and 100)
        and (amount_off is null or amount_off > 0)
        and (max_discount is null or max_discount > 0)
        and min_order >= 0),
    constraint ck_coupon_campaigns_window check (starts_at < ends_at),
    constraint ck_coupon_campaigns_issued check (total_limit is null or issued <= total_limit)
) engine = InnoDB;

create table coupon_campaign_shows (
    campaign_id bigint not null,
    show_id bigint not null,
    primary key (campaign_id, show_id),
    constraint fk_coupon_campaign_shows_campaign foreign key (campaign_id)
        references coupon_campaigns (id) on delete cascade,
    constraint fk_coupon_campaign_shows_show foreign key (show_id) references shows (id)
) engine = InnoDB;

create table coupons (
    id bigint not null auto_increment primary key,
    campaign_id bigint not null,
    user_id bigint not null,
    -- The order that used it; null while it is unused (or after its order was cancelled
    -- whole within the campaign's window, which gives it back).
    order_id bigint null,
    used_at datetime(6) null,
    created_at datetime(6) not null default current_timestamp(6),
    unique key uq_coupons_person (campaign_id, user_id),
    unique key uq_coupons_order (order_id),
    key ix_coupons_user (user_id, id),
    constraint fk_coupons_campaign foreign key (campaign_id) references coupon_campaigns (id),
    constraint fk_coupons_user foreign key (user_id) references users (id),
    constraint fk_coupons_order foreign key (order_id) references orders (id)
) engine = InnoDB;

-- What a coupon took off an order (spread over its tickets' paid amounts, so each
-- refund gives back what was paid for that ticket).
alter table orders
    add column coupon_id bigint null after booking_fees,
    add column coupon_discount bigint not null default 0 after coupon_id,
    add constraint fk_orders_coupon foreign key (coupon_id) references coupons (id),
    add constraint ck_orders_coupon_discount check (coupon_discount >= 0);

-- The ticket view says whether its order used a coupon: a refund's confirmation says
-- what happens to it.
create or replace algorithm = merge sql security invoker view ticket_details as
select t.id, cast(t.code as char) as code, t.order_id, cast(o.number as char) as order_number,
       o.coupon_id is not null as order_used_coupon,
       t.trade_id, t.parent_ticket_id, t.status, tr.id as open_trade_id, s.id as show_id,
       s.title as show_title, v.name as venue, sc.id as schedule_id, sc.starts_at,
       st.id as seat_id, g.name as grade, st.row_label, st.seat_number as number,
       t.face_value, t.paid_amount, t.booking_fee, t.discount_name, t.discount_proof,
       t.refund_fee, t.refund_amount, t.booking_fee_refunded, t.refunded_at, t.resold_at,
       t.created_at, t.user_id
from tickets t
left join orders o on o.id = t.order_id
left join trades tr on tr.open_ticket_id = t.id
join seats st on st.id = t.seat_id
join seat_grades g on g.id = st.grade_id
join schedules sc on sc.id = t.schedule_id
join shows s on s.id = sc.show_id
join venues v on v.id = s.venue_id;

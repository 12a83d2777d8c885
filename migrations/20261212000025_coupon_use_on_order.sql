-- A coupon is in use while an order names it in `coupon_use`: the order's own insert is
-- the use, and the unique key on it alone makes a coupon used by at most one order (a
-- purchase no longer marks the coupon in a second statement). Giving a coupon back
-- (its order cancelled whole within the campaign's window) clears `coupon_use`;
-- `coupon_id` keeps which coupon the order was priced with.
alter table orders
    add column coupon_use bigint null after coupon_id,
    add unique key uq_orders_coupon_use (coupon_use),
    add constraint ck_orders_coupon_use check (coupon_use is null or coupon_use = coupon_id);

update orders o join coupons c on c.order_id = o.id set o.coupon_use = c.id;

alter table coupons
    drop foreign key fk_coupons_order,
    drop key uq_coupons_order,
    drop column order_id,
    drop column used_at;

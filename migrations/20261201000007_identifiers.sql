-- Identifiers compare byte for byte, and every string validation accepts fits.
--
-- Tables created without a character set take the database's utf8mb4_unicode_ci, which
-- compares ignoring case (and folds look-alike characters). For a gateway's payment id,
-- an Idempotency-Key or a ticket code that is wrong: two real payments whose ids differ
-- only in case would credit once, and a key reused in another case would be refused.
-- These columns hold only printable ASCII (validation refuses anything else, spaces
-- included), so `ascii_bin` compares exactly the bytes the client sent. It pads with
-- spaces when comparing, which cannot matter for values that never contain one.
--
-- A `_bin` column reaches sqlx flagged BINARY, and sqlx decodes only text into String
-- (sqlx issue 3387), so queries that read one back select `cast(column as char)`.

alter table point_charges
    modify payment_id varchar(100) character set ascii collate ascii_bin not null;

-- `charge:<gateway>:<payment id>` is up to 7 + 20 + 1 + 100 characters: the old 100 made
-- a long, valid payment id fail after the gateway had confirmed it.
alter table point_ledger
    modify reference varchar(160) not null;

alter table orders
    modify idempotency_key varchar(100) character set ascii collate ascii_bin null;

alter table tickets
    modify code char(22) character set ascii collate ascii_bin not null;

alter table trades
    modify purchase_key varchar(100) character set ascii collate ascii_bin null;

-- Idempotency for refunds and listings: a retry after a lost answer finds the first
-- result under the same key instead of a 409 for the state that result left behind.
-- One key names one request of one user, so the unique keys are per user.
alter table tickets
    add column refund_key varchar(100) character set ascii collate ascii_bin null after refunded_at,
    add unique key uq_tickets_refund_key (user_id, refund_key);

alter table trades
    add column listing_key varchar(100) character set ascii collate ascii_bin null after seller_id,
    add unique key uq_trades_listing_key (seller_id, listing_key);

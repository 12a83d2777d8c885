//! Integration tests of marquee-api against real MariaDB, through the real router.

mod browser;
#[path = "../support/db_proxy.rs"]
mod db_proxy;
mod harness;
#[path = "../support/index_dir.rs"]
mod index_dir;
#[path = "../support/mariadb_replica.rs"]
mod mariadb_replica;
mod oauth_double;
#[path = "../support/redis_cluster.rs"]
mod redis_cluster;
#[path = "../support/test_db.rs"]
mod test_db;

mod accounts;
mod binary;
mod cancellations;
mod catalog;
mod concurrency;
mod connections;
mod coupons;
mod db_outage;
mod discounts;
mod errors;
mod field_limits;
mod general_admission;
mod holds;
mod hygiene;
mod identifiers;
mod layers;
mod login_flood;
mod openapi;
mod ops;
mod orders;
mod page_cache;
mod performance_cancellation;
mod points;
mod portone;
mod posters;
mod purchase;
mod queue;
mod queue_limits;
mod read_replicas;
mod redis_cluster_queue;
mod refunds;
mod resale;
mod resale_races;
mod search;
mod search_nodes;
mod search_trends;
mod show_facts;
mod social_login;
mod ticket_limit;
mod web_accounts;
mod web_booking;
mod web_pages;
mod web_queue;

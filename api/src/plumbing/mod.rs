//! The HTTP plumbing the JSON API (`routes`) and the pages (`web`) share, so that
//! neither imports the other: the state every handler gets, the extractors, the one
//! error table and how errors become answers, request hygiene, browser sessions, the
//! catalog's page cache, the pages' HTML helpers, the fallbacks and the search runner.

pub mod browser;
pub mod codes;
pub mod error;
pub mod extract;
pub mod fallback;
pub mod html;
pub mod hygiene;
pub mod page_cache;
pub mod poster_cache;
pub mod searching;
pub mod site_payment;
pub mod state;

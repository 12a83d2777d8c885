//! What a search needs from the web server, for the JSON API and the search page alike:
//! index work runs on the blocking pool (it is CPU work on memory-mapped files and
//! must not stall the workers that serve bookings), and what it found is counted for
//! popular queries and misses.

use std::sync::Arc;

use marquee_core::search::searcher::ShowSearch;
use marquee_core::search::trends::Outcome;

/// Who counts when the address is unknown (tests; no peer address): one client.
pub const UNKNOWN_CLIENT: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);

/// What a search found, as counting sees it.
pub fn outcome(results: &marquee_core::search::searcher::SearchResults) -> Outcome {
    if results.every_word {
        Outcome::Found
    } else if results.total == 0 {
        Outcome::Nothing
    } else {
        Outcome::Partly
    }
}

/// Runs index work on the blocking pool.
pub async fn blocking_core<T: Send + 'static>(
    search: &Arc<ShowSearch>,
    work: impl FnOnce(&ShowSearch) -> marquee_core::Result<T> + Send + 'static,
) -> marquee_core::Result<T> {
    let search = search.clone();
    tokio::task::spawn_blocking(move || work(&search))
        .await
        .map_err(|err| marquee_core::Error::internal(format!("search task: {err}")))?
}

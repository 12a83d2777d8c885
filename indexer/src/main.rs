//! `marquee-indexer run-once | serve | rebuild`: see the library for what each does.

use marquee_core::config::IndexerConfig;
use marquee_indexer::IndexerError;

const USAGE: &str = "usage: marquee-indexer run-once | serve | rebuild";

#[tokio::main]
async fn main() {
    marquee_core::telemetry::init();
    let mode = std::env::args().nth(1).unwrap_or_default();
    let config = match IndexerConfig::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
    };
    let outcome = match mode.as_str() {
        "run-once" => marquee_indexer::run_once(&config).await.map(drop),
        "serve" => {
            marquee_indexer::serve(&config, marquee_core::lifecycle::shutdown_requested()).await
        }
        "rebuild" => marquee_indexer::rebuild(&config).await.map(drop),
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    match outcome {
        Ok(()) => {}
        Err(IndexerError::Config(err)) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
        Err(err) => {
            eprintln!("marquee-indexer: {err}");
            std::process::exit(1);
        }
    }
}

//! `marquee-api`: reads configuration from the environment and serves the API.

use marquee_core::config::Config;

#[tokio::main]
async fn main() {
    marquee_core::telemetry::init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
    };
    if let Err(err) = marquee_api::run(config).await {
        eprintln!("marquee-api: {err:#}");
        std::process::exit(1);
    }
}

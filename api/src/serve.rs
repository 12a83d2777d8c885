//! The accept loop: axum's `serve` with the time-outs it lacks.
//!
//! `axum::serve` gives hyper no timer, so a client that never finishes its request
//! headers holds its connection (and a task) forever; 500 such connections were held in
//! a test. Here every HTTP/1 connection must deliver a request's headers within the
//! header time-out (`Timeouts`, 10 s) of the server starting to wait for them - the
//! first request's and each next one's on a kept-alive connection, so an idle
//! connection is closed after the same time. A response body being written (an event
//! stream) is not reading headers, so streams are unaffected. A connection that sends
//! nothing at all is cut off the same way (HTTP/1 only; see `serve`).
//!
//! Graceful shutdown: once `shutdown` resolves the listener closes, connections finish
//! their requests (event streams end themselves: `AppState::begin_shutdown`), and
//! after the drain time-out (10 s) whatever is still open is aborted, so a SIGTERM
//! ends the process within seconds.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// How long a connection may take to send a request's headers, and how long a
    /// kept-alive connection may sit idle.
    pub header_read: Duration,
    /// How long shutdown waits for open connections before dropping them.
    pub drain: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: Duration::from_secs(10),
            drain: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains. Handlers see the
/// peer address as `ConnectInfo<SocketAddr>`, as with `into_make_service_with_connect_info`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()>,
) {
    // HTTP/1 only, served by hyper's own HTTP/1 connection: hyper-util's automatic
    // builder first reads the opening bytes (to tell HTTP/1 from HTTP/2) with no
    // time-out, so a client that connected and sent nothing was never cut off.
    // Browsers speak HTTP/2 only over TLS, which a proxy in front terminates.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    let graceful = GracefulShutdown::new();
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = tower::service_fn(move |mut request: axum::http::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
        // Forget the connections that have ended, so the set stays the open ones.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    if tokio::time::timeout(timeouts.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain time-out; closing them");
    }
    // Dropping the set aborts what is left (a request stuck on a lock wait, say), so
    // its database connection goes back and the process can exit.
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

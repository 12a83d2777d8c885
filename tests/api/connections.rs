//! The real accept loop over TCP: clients that stall on their headers or sit idle are
//! cut off, event streams outlive those time-outs, and shutdown ends open streams with
//! a reconnect event and returns within seconds.

use std::time::{Duration, Instant};

use marquee_api::serve::Timeouts;
use marquee_api::AppState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::TestApp;
use crate::queue::{entered, room_on};

const SHORT: Timeouts = Timeouts {
    header_read: Duration::from_millis(400),
    drain: Duration::from_secs(5),
};

/// Serves `app`'s state on a free port; returns its address, the stop trigger and the
/// server task (which ends when serving has stopped and drained).
async fn start(
    app: &TestApp,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(app.db.pool.clone(), &app.config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(marquee_api::serve_until(
        listener,
        state,
        SHORT,
        async move {
            let _ = stopped.await;
        },
    ));
    (addr, stop, server)
}

/// Reads until the server closes the connection (or `limit` passes); returns what came
/// and whether it was closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&seen).into(), true),
            Ok(Ok(n)) => seen.extend_from_slice(&buffer[..n]),
            Err(_) => return (String::from_utf8_lossy(&seen).into(), false),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_nothing_or_never_finishes_its_headers_or_sits_idle_is_cut_off() {
    let app = TestApp::spawn().await;
    let (addr, _stop, _server) = start(&app).await;

    let mut stalling = TcpStream::connect(addr).await.unwrap();
    stalling
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: marquee\r\n")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: marquee\r\n\r\n")
        .await
        .unwrap();

    let (stalled_answer, stalled_closed) =
        read_until_closed(&mut stalling, Duration::from_secs(5)).await;
    let (idle_answer, idle_closed) = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    let (_, silent_closed) = read_until_closed(&mut silent, Duration::from_secs(5)).await;

    assert!(
        stalled_closed,
        "a half-sent request is not kept open: {stalled_answer:?}"
    );
    assert!(!stalled_answer.contains("200 OK"));
    assert!(
        idle_answer.starts_with("HTTP/1.1 200 OK"),
        "{idle_answer:?}"
    );
    assert!(idle_closed, "a kept-alive connection left idle is closed");
    assert!(
        silent_closed,
        "a connection that never sends a byte is closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_streams_outlive_the_header_time_out_and_shutdown_ends_them_with_reconnect() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 1, 1, 600).await;
    let first = app.user("first@example.com").await;
    let fan = app.user("fan@example.com").await;
    entered(&app, &first, show.schedule_id).await;
    let token = entered(&app, &fan, show.schedule_id).await;
    let (addr, stop, server) = start(&app).await;

    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /api/v1/queue/{}/events?token={token} HTTP/1.1\r\nHost: marquee\r\nAccept: text/event-stream\r\n\r\n",
                show.schedule_id
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // Three header time-outs long: a stream is a response being written, not a wait for
    // headers, so it must stay open.
    let (opened, closed_early) = read_until_closed(&mut stream, SHORT.header_read * 3).await;
    let asked_to_stop = Instant::now();
    stop.send(()).unwrap();
    let (last, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops")
        .unwrap();

    assert!(!closed_early, "{opened:?}");
    assert!(opened.contains("event: status"), "{opened:?}");
    assert!(last.contains("event: reconnect"), "{last:?}");
    assert!(last.contains("SERVER_SHUTTING_DOWN"), "{last:?}");
    assert!(last.contains("retry: 1000"), "{last:?}");
    assert!(closed, "the stream ends after its last event");
    assert!(asked_to_stop.elapsed() < Duration::from_secs(5));
}

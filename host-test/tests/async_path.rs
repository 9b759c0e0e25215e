//! The async invocation path (`*_async`): invocations waiting on HTTP, on backoff or on a lease
//! suspend instead of holding a thread, under the same time bound as the blocking path. (The
//! shared scenarios run on both paths: `tests/scenarios.rs`.)

mod common;

#[path = "../benches/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use docusign_host::bindings::{Request, Response, TransportError};
use docusign_host::json_api::{self, InputFiles};
use docusign_host::{ConnectorHost, HostError, HostOptions, Transport, TransportFuture};
use serde_json::json;
use support::{
    ENVELOPE_ID, TOKEN_REPLY, caps, connection, session_state, state_with, status_reply,
};
use tokio::sync::Barrier;

fn reply(body: &str) -> Response {
    Response {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.as_bytes().to_vec(),
    }
}

/// Answers envelope status only once `expected` requests are waiting at the same time; counts
/// token grants, which it answers after a pause. The blocking `send` is a test failure.
struct Rendezvous {
    all_waiting: Barrier,
    token_requests: AtomicUsize,
}

impl Rendezvous {
    fn new(expected: usize) -> Self {
        Self {
            all_waiting: Barrier::new(expected),
            token_requests: AtomicUsize::new(0),
        }
    }
}

impl Transport for Rendezvous {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        panic!("the async path used the blocking send for {}", request.url)
    }

    fn send_async(&self, request: Request) -> TransportFuture<'_> {
        Box::pin(async move {
            if request.url.ends_with("/oauth/token") {
                self.token_requests.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(200)).await;
                return Ok(reply(TOKEN_REPLY));
            }
            self.all_waiting.wait().await;
            Ok(reply(&status_reply()))
        })
    }
}

/// `n` concurrent get-envelope-status invocations on a one-thread runtime; their outputs.
fn run_on_one_thread(
    host: Arc<ConnectorHost>,
    transport: Arc<Rendezvous>,
    with_token: bool,
    n: usize,
) -> Vec<serde_json::Value> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let caps = caps(transport, state_with(&session_state(with_token)));
    runtime.block_on(async move {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..n {
            let (host, caps) = (host.clone(), caps.clone());
            tasks.spawn(async move {
                json_api::invoke_async(
                    &host,
                    &caps,
                    &connection(),
                    "get-envelope-status",
                    json!({"envelope_id": ENVELOPE_ID}),
                    InputFiles::default(),
                )
                .await
                .map_err(|e| e.json())
            });
        }
        // Only reachable if all `n` wait at once: on one thread, none may hold it while waiting.
        let outputs = tokio::time::timeout(Duration::from_secs(60), tasks.join_all())
            .await
            .expect("the invocations never waited together: one held the only thread");
        outputs
            .into_iter()
            .map(|o| o.expect("get-envelope-status"))
            .collect()
    })
}

fn status_host() -> Arc<ConnectorHost> {
    common::host()
}

#[test]
fn invocations_waiting_on_http_share_one_thread() {
    let transport = Arc::new(Rendezvous::new(64));
    let outputs = run_on_one_thread(status_host(), transport.clone(), true, 64);
    assert_eq!(outputs.len(), 64);
    for output in &outputs {
        assert_eq!(output["envelope_id"], ENVELOPE_ID);
        assert_eq!(output["status"], "sent");
    }
    assert_eq!(transport.token_requests.load(Ordering::SeqCst), 0);
}

/// Without a cached token, one invocation takes the grant lease and the others wait for it
/// without holding the thread the holder needs; one token request serves all.
#[test]
fn invocations_waiting_on_a_lease_share_one_thread() {
    let transport = Arc::new(Rendezvous::new(8));
    let outputs = run_on_one_thread(status_host(), transport.clone(), false, 8);
    assert!(outputs.iter().all(|o| o["status"] == "sent"), "{outputs:?}");
    assert_eq!(transport.token_requests.load(Ordering::SeqCst), 1);
}

/// Never answers.
struct Silent;

impl Transport for Silent {
    fn send(&self, _: &Request) -> Result<Response, TransportError> {
        unreachable!("blocking send on the async path")
    }

    fn send_async(&self, _: Request) -> TransportFuture<'_> {
        Box::pin(std::future::pending())
    }
}

/// A request that never completes is cut at the invocation's time bound, as on the blocking
/// path (where the transport is given the remaining time as its timeout).
#[test]
fn a_request_that_never_answers_ends_at_the_time_bound() {
    let host = ConnectorHost::new(HostOptions {
        invocation_timeout: Duration::from_millis(500),
        ..common::options()
    })
    .unwrap();
    let caps = caps(Arc::new(Silent), state_with(&session_state(true)));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let outcome =
        runtime.block_on(host.get_envelope_status_async(&caps, &connection(), ENVELOPE_ID));
    assert_eq!(
        outcome,
        Err(HostError::Timeout {
            limit: Duration::from_millis(500)
        })
    );
}

/// The live transport on the async path: real TLS to the loopback server, the same results as
/// the blocking path gives for the same cassette, every recorded request made.
#[test]
fn live_https_on_the_async_path_matches_the_blocking_path() {
    use docusign_host::replay::{Cassette, ReplayServer};
    use docusign_host::transport::LiveTransport;

    let cassette =
        || Cassette::load(common::fixture("cassettes/auth/token-userinfo.json")).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let mut results = Vec::new();
    for asynchronous in [false, true] {
        let server = ReplayServer::start(
            cassette(),
            "127.0.0.1:0".parse().unwrap(),
            Some(common::test_tls()),
        )
        .unwrap();
        let transport = Arc::new(LiveTransport::new(common::live_options_to(&server)).unwrap());
        let caps = caps(transport, state_with(&[]));
        let conn = common::connection();
        let host = common::host();
        let result = if asynchronous {
            runtime.block_on(host.auth_test_async(&caps, &conn))
        } else {
            host.auth_test(&caps, &conn)
        };
        results.push(result.unwrap().unwrap());
        server.finish().unwrap();
    }
    assert_eq!(results[0], results[1]);
}

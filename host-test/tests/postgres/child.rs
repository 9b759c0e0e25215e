//! What a child process of these tests does (the test binary started again with
//! `DOCUSIGN_PG_CHILD` set): many concurrent invocations, a fetch loop, or holding a lease.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use docusign_host::capabilities::{Capabilities, Clock, StateStore};
use docusign_host::clock::SystemClock;
use docusign_host::delivery::{DeliveryError, FaultPoint, PostgresSink, fetch_into_postgres};
use docusign_host::json_api::{self, FetchInput, InputFiles};
use docusign_host::log_sink::MemoryLog;
use docusign_host::settings;
use docusign_host::state_store::PostgresStateStore;
use docusign_host::transport::{LiveOptions, LiveTransport};
use serde_json::json;

use crate::common::{fixture, host};

/// Marks the lines a child reports on.
pub const MARK: &str = "CHILD-RESULT ";

/// Time runs this many times faster in the fetching children, so Monitor's one call a minute
/// is half a second.
const SPEED: u64 = 120;
/// A fixed origin near now for the sped-up clock (2026-12-01).
const ORIGIN_MS: u64 = 1_796_083_200_000;

/// Wall-clock time sped up [`SPEED`] times from [`ORIGIN_MS`], the same in every process.
struct FastClock;

impl Clock for FastClock {
    fn now_ms(&self) -> u64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        ORIGIN_MS + (real.saturating_sub(ORIGIN_MS)) * SPEED
    }

    fn sleep_ms(&self, ms: u32) {
        std::thread::sleep(Duration::from_millis(u64::from(ms) / SPEED));
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn capabilities(state: Arc<dyn StateStore>, clock: Arc<dyn Clock>) -> Capabilities {
    let mut options = LiveOptions::for_auth_server("account-d.docusign.com");
    options.ca_certificates_pem =
        vec![std::fs::read(fixture("keys/tls/test-only-ca.pem")).unwrap()];
    options.resolve = [("*".to_owned(), env("DOCUSIGN_PG_SERVER").parse().unwrap())].into();
    Capabilities {
        transport: Arc::new(LiveTransport::new(options).unwrap()),
        clock,
        state,
        log: Arc::new(MemoryLog::default()),
    }
}

/// Run the role `DOCUSIGN_PG_CHILD` names.
pub fn run(role: &str) {
    let url = env("DOCUSIGN_PG_URL");
    match role {
        "invoke" => invoke(&url),
        "fetch" => fetch(&url),
        "lease" => lease(&url),
        other => panic!("unknown child role {other}"),
    }
}

/// `DOCUSIGN_PG_CALLS` concurrent `get-envelope-status` calls.
fn invoke(url: &str) {
    let state: Arc<dyn StateStore> = Arc::new(PostgresStateStore::open(url).unwrap());
    let caps = capabilities(state, Arc::new(SystemClock));
    let calls: usize = env("DOCUSIGN_PG_CALLS").parse().unwrap();
    let conn = settings::load(&fixture("config/demo.toml")).unwrap();
    let host = host();
    let threads: Vec<_> = (0..calls)
        .map(|_| {
            let (caps, conn, host) = (caps.clone(), conn.clone(), host.clone());
            std::thread::spawn(move || {
                let input = json!({"envelope_id": "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad"});
                json_api::invoke(
                    &host,
                    &caps,
                    &conn,
                    "get-envelope-status",
                    input,
                    InputFiles::default(),
                )
                .unwrap_or_else(|e| e.json())
            })
        })
        .collect();
    for t in threads {
        println!("{MARK}{}", t.join().unwrap());
    }
}

/// Fetch into the events table until the stream is drained, stopping the process (abort, as
/// `kill -9`) at `DOCUSIGN_PG_FAULT` if set.
fn fetch(url: &str) {
    let store = PostgresStateStore::open(url).unwrap();
    let caps = capabilities(Arc::new(store), Arc::new(FastClock));
    let conn = settings::load(&fixture("config/demo.toml")).unwrap();
    let sink = PostgresSink::open(url, &settings::integration_id(&conn)).unwrap();
    let fault = std::env::var("DOCUSIGN_PG_FAULT").ok();
    // Holding each transaction open a while after its checkpoint write makes the processes'
    // transactions overlap (their event inserts and checkpoint writes then contend).
    let hold_ms: u64 = std::env::var("DOCUSIGN_PG_HOLD_MS").map_or(0, |v| v.parse().unwrap());
    let hook = |point: FaultPoint| {
        if fault.as_deref() == Some(point.as_str()) {
            println!("{MARK}{}", json!({"aborted_at": point.as_str()}));
            std::process::abort();
        }
        if point == FaultPoint::BeforeCommit {
            std::thread::sleep(Duration::from_millis(hold_ms));
        }
        false
    };
    let host = host();
    let (mut delivered, mut conflicts) = (0usize, 0usize);
    for _ in 0..2_000 {
        let request = FetchInput {
            event_types: vec!["customer-events".into()],
            max_customer_events: Some(100),
            max_audit_users: None,
            max_envelope_changes: None,
            first_fetch: Some("stream-default".into()),
        }
        .into_request()
        .unwrap();
        match fetch_into_postgres(&host, &caps, &conn, request, &sink, &hook) {
            Ok(batch) => {
                delivered += batch.events.len();
                let drained = batch.events.is_empty()
                    && batch
                        .streams
                        .iter()
                        .all(|s| !s.more_available && s.error.is_none());
                if drained {
                    break;
                }
                let wait = batch.retry_after_secs.unwrap_or(0) * 1000 / SPEED;
                std::thread::sleep(Duration::from_millis(wait.max(10)));
            }
            // Another process committed over the same checkpoint first: fetch again.
            Err(DeliveryError::Commit { .. } | DeliveryError::Superseded) => conflicts += 1,
            Err(e) => panic!("fetch failed: {e}"),
        }
    }
    println!(
        "{MARK}{}",
        json!({"delivered": delivered, "conflicts": conflicts})
    );
}

/// Take lease `grant` for 3 s, say so, and wait to be killed.
fn lease(url: &str) {
    let store = PostgresStateStore::open(url).unwrap();
    assert!(store.lease("grant", 1, 3_000, 0).unwrap());
    println!("{MARK}{}", json!({"held": true}));
    std::thread::sleep(Duration::from_secs(120));
}

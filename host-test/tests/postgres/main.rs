//! The PostgreSQL state store and events table against a real PostgreSQL, the loopback replay
//! server, a loopback Monitor feed and several OS processes (this test binary started again as
//! children): one token for 4 processes × 25 calls, exactly-once events with 3 concurrent
//! fetchers and across 20 kills, a dead holder's lease lapsing, the database stopped mid-run.
//!
//! Needs `DOCUSIGN_TEST_POSTGRES=postgres://…` (`.ci/run` starts a server with
//! `scripts/test-postgres.sh`): `cargo test -p docusign-host --features postgres-tests --test postgres`

mod child;
#[path = "../common/mod.rs"]
mod common;
mod feed;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use docusign_host::capabilities::{Capabilities, StateStore};
use docusign_host::clock::SystemClock;
use docusign_host::json_api::{self, InputFiles};
use docusign_host::log_sink::MemoryLog;
use docusign_host::replay::{Cassette, ReplayServer};
use docusign_host::state_store::{PostgresStateStore, StateError};
use docusign_host::transport::LiveTransport;
use serde_json::{Value, json};

use common::{connection, fixture, host, test_tls};
use feed::{Feed, event_id};

/// Not a test: the body of the child processes the tests start (`DOCUSIGN_PG_CHILD`).
#[test]
#[ignore = "run by the PostgreSQL tests as their child process"]
fn child_process() {
    let role = std::env::var("DOCUSIGN_PG_CHILD").expect("started by a test");
    child::run(&role);
}

/// A fresh database on the test server, its URL.
fn database(name: &str) -> String {
    docusign_host::state_store::postgres::fresh_test_database(name)
}

/// Start the test binary as a child with `role` and `env`.
fn spawn_child(
    role: &str,
    url: &str,
    server: std::net::SocketAddr,
    env: &[(&str, String)],
) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "child_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DOCUSIGN_PG_CHILD", role)
        .env("DOCUSIGN_PG_URL", url)
        .env("DOCUSIGN_PG_SERVER", server.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    command.spawn().unwrap()
}

/// A child's report lines, once it ended (successfully unless `may_fail`).
fn results(child: Child, may_fail: bool) -> Vec<Value> {
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        may_fail || out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter_map(|l| {
            l.split_once(child::MARK)
                .map(|(_, j)| serde_json::from_str(j).unwrap())
        })
        .collect()
}

fn replay_server(cassette: Cassette) -> ReplayServer {
    ReplayServer::start(cassette, "127.0.0.1:0".parse().unwrap(), Some(test_tls())).unwrap()
}

/// The events table's ids, in order, and their number with duplicates.
fn table_ids(url: &str) -> (Vec<String>, i64) {
    let mut db = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let ids = db
        .query(
            "SELECT event_id FROM docusign_events ORDER BY event_id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let all: i64 = db
        .query_one("SELECT count(*) FROM docusign_events", &[])
        .unwrap()
        .get(0);
    (ids, all)
}

fn all_ids(n: usize) -> Vec<String> {
    (0..n).map(event_id).collect()
}

#[test]
fn four_processes_of_25_concurrent_calls_make_one_token_request() {
    let url = database("token");
    // 1 token, 1 userinfo, 100 status reads (happy-path interaction 3).
    let file = fixture("cassettes/esign/happy-path.json");
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let all = json["interactions"].as_array().unwrap().clone();
    let mut picked = vec![all[0].clone(), all[1].clone()];
    picked.extend(std::iter::repeat_n(all[3].clone(), 100));
    json["interactions"] = Value::Array(picked);
    let server = replay_server(Cassette::parse(&json.to_string(), file.parent().unwrap()).unwrap());
    let children: Vec<Child> = (0..4)
        .map(|_| {
            spawn_child(
                "invoke",
                &url,
                server.addr(),
                &[("DOCUSIGN_PG_CALLS", "25".into())],
            )
        })
        .collect();
    let outputs: Vec<Value> = children
        .into_iter()
        .flat_map(|c| results(c, false))
        .collect();
    assert_eq!(outputs.len(), 100);
    for out in &outputs {
        assert_eq!(out["status"], "sent", "{out}");
    }
    assert_eq!(
        server.transport().token_requests(),
        1,
        "one token for 4 processes"
    );
    server
        .finish()
        .expect("1 token, 1 userinfo, 100 reads, in that order");
}

#[test]
fn three_concurrent_fetchers_deliver_every_event_exactly_once() {
    let url = database("fetchers");
    let feed = Feed::start(1_000, 50);
    let children: Vec<Child> = (0..3)
        .map(|_| spawn_child("fetch", &url, feed.addr, &[]))
        .collect();
    let reports: Vec<Value> = children
        .into_iter()
        .flat_map(|c| results(c, false))
        .collect();
    let delivered: u64 = reports
        .iter()
        .map(|r| r["delivered"].as_u64().unwrap())
        .sum();
    let (ids, rows) = table_ids(&url);
    assert_eq!(ids, all_ids(1_000), "every event, once");
    assert_eq!(rows, 1_000);
    assert_eq!(delivered, 1_000, "no batch delivered twice: {reports:?}");
    assert_eq!(
        feed.token_requests(),
        1,
        "one token shared by the three processes"
    );
}

#[test]
fn twenty_kills_at_random_points_lose_and_repeat_nothing() {
    let url = database("kills");
    let feed = Feed::start(600, 40);
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let points = [
        "before-append",
        "mid-append",
        "after-append",
        "before-commit",
        "paging",
    ];
    let mut seen = Vec::new();
    for _ in 0..20 {
        let point = points[(next() % points.len() as u64) as usize];
        seen.push(point);
        if point == "paging" {
            // Killed by the test while it reads pages.
            feed.set_page_delay_ms(200);
            let pages = feed.page_requests();
            let mut child = spawn_child("fetch", &url, feed.addr, &[]);
            let wait = 1 + (next() % 3) as usize;
            let start = Instant::now();
            while feed.page_requests() < pages + wait && start.elapsed() < Duration::from_secs(60) {
                std::thread::sleep(Duration::from_millis(10));
            }
            child.kill().unwrap();
            let _ = child.wait();
            feed.set_page_delay_ms(0);
        } else {
            let child = spawn_child(
                "fetch",
                &url,
                feed.addr,
                &[("DOCUSIGN_PG_FAULT", point.into())],
            );
            let out = results(child, true);
            // The fault may not be reached when the stream had nothing new; then the child ended.
            assert!(
                out.iter()
                    .all(|o| o["aborted_at"].is_null() || o["aborted_at"] == point)
            );
        }
        let (ids, rows) = table_ids(&url);
        assert_eq!(
            rows as usize,
            ids.len(),
            "no event twice after a kill at {point}"
        );
    }
    assert!(
        seen.contains(&"paging") && seen.contains(&"after-append"),
        "{seen:?}"
    );
    // A clean run catches up.
    results(spawn_child("fetch", &url, feed.addr, &[]), false);
    let (ids, rows) = table_ids(&url);
    assert_eq!(ids, all_ids(600));
    assert_eq!(rows, 600);
}

#[test]
fn a_killed_holders_lease_lapses_for_another_process() {
    let url = database("lease");
    let mut holder = spawn_child("lease", &url, "127.0.0.1:9".parse().unwrap(), &[]);
    // Wait until it says it holds the lease.
    let stdout = std::io::BufReader::new(holder.stdout.take().unwrap());
    let held = std::io::BufRead::lines(stdout)
        .map_while(Result::ok)
        .any(|line| line.contains(child::MARK) && line.contains("held"));
    assert!(held, "the child never took the lease");
    let store = PostgresStateStore::open(&url).unwrap();
    holder.kill().unwrap();
    let _ = holder.wait();
    assert!(
        !store.lease("grant", 7, 60_000, 0).unwrap(),
        "still held right after the kill"
    );
    assert!(!store.renew("grant", 7, 60_000).unwrap());
    assert!(
        store.lease("grant", 7, 60_000, 10_000).unwrap(),
        "taken once the dead holder's 3 s lapsed"
    );
}

/// A private server this test may stop and start.
struct PrivateServer {
    dir: PathBuf,
}

impl PrivateServer {
    fn script(args: &[&str]) -> String {
        let out = Command::new("bash")
            .arg(common::root().join("scripts/test-postgres.sh"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn start() -> (Self, String) {
        let dir = std::env::temp_dir().join(format!("docusign-pg-outage-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = Self::script(&[
            "start",
            dir.join("data").to_str().unwrap(),
            &port.to_string(),
        ]);
        (Self { dir }, url)
    }

    fn stop(&self) {
        Self::script(&["stop", self.dir.join("data").to_str().unwrap()]);
    }

    fn restart(&self) {
        Self::script(&["restart", self.dir.join("data").to_str().unwrap()]);
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_database_stopped_mid_run_is_a_typed_state_error_then_works_again() {
    let (server, url) = PrivateServer::start();
    let store = std::sync::Arc::new(PostgresStateStore::open(&url).unwrap());
    store.set("k", "v1").unwrap();
    let feed = Feed::start(30, 10);
    let options = common::live_options_to_addr(feed.addr);
    let caps = Capabilities {
        transport: std::sync::Arc::new(LiveTransport::new(options).unwrap()),
        clock: std::sync::Arc::new(SystemClock),
        state: store.clone(),
        log: std::sync::Arc::new(MemoryLog::default()),
    };
    let fetch = || {
        let input = json!({"event_types": ["customer-events"], "max_customer_events": 5, "first_fetch": "stream-default"});
        json_api::invoke(
            &host(),
            &caps,
            &connection(),
            "fetch-events",
            input,
            InputFiles::default(),
        )
    };

    server.stop();
    let started = Instant::now();
    let e = store.get("k").unwrap_err();
    assert!(matches!(e, StateError::Unavailable(_)), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "an outage is an error, not a hang"
    );
    assert!(matches!(
        store.set_if("k", "v2", None),
        Err(StateError::Unavailable(_))
    ));
    let failed = fetch().unwrap_err();
    assert_eq!(failed.kind(), "state", "{}", failed.json());

    server.restart();
    assert_eq!(
        store.get("k").unwrap().as_deref(),
        Some("v1"),
        "nothing half-written"
    );
    let batch = fetch().unwrap();
    assert_eq!(batch["events"].as_array().unwrap().len(), 5, "{batch}");
}

#[test]
fn the_cli_fetches_into_the_events_table() {
    let url = database("cli");
    let feed = Feed::start(12, 10);
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_docusign-host"))
            .args([
                "fetch",
                "--types",
                "customer-events",
                "--max-customer-events",
                "50",
                "--first-fetch",
                "stream-default",
            ])
            .args(["--out", &url, "--config"])
            .arg(fixture("config/demo.toml"))
            .arg("--ca-cert")
            .arg(fixture("keys/tls/test-only-ca.pem"))
            .args(["--resolve", &format!("*={}", feed.addr), "--json"])
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let summary: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(summary["ok"]["delivered"], 12, "{summary}");
    // Within Monitor's minute, a second run defers and delivers nothing; nothing is doubled.
    let second = run();
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let (ids, rows) = table_ids(&url);
    assert_eq!(ids, all_ids(12));
    assert_eq!(rows, 12);
    // Only the token cache row holds the token; no row holds the private key.
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut texts: Vec<(String, String)> = db
        .query("SELECT key, value FROM docusign_state", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(
        texts
            .iter()
            .any(|(k, v)| k.ends_with("/tokens") && v.contains(feed::TOKEN))
    );
    texts.retain(|(k, _)| !k.ends_with("/tokens"));
    texts.extend(
        db.query("SELECT event_id, payload::text FROM docusign_events", &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1))),
    );
    let key_lines = common::private_key_body_lines();
    for (key, text) in &texts {
        assert!(!text.contains(feed::TOKEN), "the token in {key}");
        assert!(
            !key_lines.iter().any(|l| text.contains(l.as_str())),
            "key material in {key}"
        );
    }
    // --state must be the events' database.
    let mismatch = Command::new(env!("CARGO_BIN_EXE_docusign-host"))
        .args([
            "fetch",
            "--out",
            &url,
            "--state",
            "/tmp/elsewhere",
            "--config",
        ])
        .arg(fixture("config/demo.toml"))
        .output()
        .unwrap();
    assert_eq!(mismatch.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&mismatch.stderr).contains("same database"));
}

//! What the worker's Restate tests run on: a real Restate server (one node or a cluster, from
//! npm `@restatedev/restate-server`, see worker/restate/), `docusign-worker` processes, loopback
//! replay servers of DocuSign, and an HTTP/2 balancer for several workers. Everything binds
//! 127.0.0.1 and is stopped on drop.
#![allow(dead_code)]

pub mod balancer;
pub mod checks;
pub mod http;
pub mod restate;
pub mod worker;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use docusign_host::replay::{Cassette, ReplayServer, TlsIdentity};
use serde_json::Value;

/// The repository's `fixtures/`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// A fixture path.
pub fn fixture(path: &str) -> PathBuf {
    fixtures().join(path)
}

static SERIAL: Mutex<()> = Mutex::new(());

/// Tests here start servers; one at a time keeps a 2-core machine responsive.
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A fresh directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "docusign-worker-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Poll `probe` until it returns `Some`, at most `limit` (then panic with `what`): a bound
/// against hangs, not a timing assertion.
pub fn wait_for<T>(limit: Duration, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            start.elapsed() < limit,
            "gave up waiting for {what} after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The TEST-ONLY TLS identity of the loopback replay server.
pub fn test_tls() -> TlsIdentity {
    TlsIdentity {
        cert_chain_pem: std::fs::read(fixture("keys/tls/test-only-server.pem")).unwrap(),
        key_pem: std::fs::read(fixture("keys/tls/test-only-server.key")).unwrap(),
    }
}

/// The cassette at `path` (relative to `fixtures/cassettes`).
pub fn cassette(path: &str) -> Cassette {
    Cassette::load(fixture(&format!("cassettes/{path}"))).expect("cassette loads")
}

/// The cassette at `path` with only the interactions `keep` picks (by index), in that order.
pub fn cassette_with(path: &str, keep: &[usize]) -> Cassette {
    let file = fixture(&format!("cassettes/{path}"));
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let all = json["interactions"].as_array().unwrap().clone();
    json["interactions"] = Value::Array(keep.iter().map(|&i| all[i].clone()).collect());
    Cassette::parse(&json.to_string(), file.parent().unwrap()).expect("sliced cassette parses")
}

/// The cassette at `path` whose interaction `index` answers only after `delay_ms`.
pub fn cassette_slow_at(path: &str, index: usize, delay_ms: u64) -> Cassette {
    let file = fixture(&format!("cassettes/{path}"));
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    json["interactions"][index]["delay_ms"] = delay_ms.into();
    Cassette::parse(&json.to_string(), file.parent().unwrap()).expect("slowed cassette parses")
}

/// A replay server for `cassette` on a free loopback port, with the test-only certificate.
pub fn replay(cassette: Cassette) -> ReplayServer {
    ReplayServer::start(cassette, "127.0.0.1:0".parse().unwrap(), Some(test_tls()))
        .expect("replay server starts")
}

/// Every access token the fixture cassettes hand out, and the private key's base64 lines: what
/// must never reach Restate.
pub fn secrets() -> Vec<String> {
    let mut found = Vec::new();
    for dir in ["cassettes/auth", "cassettes/esign", "cassettes/worker"] {
        for entry in std::fs::read_dir(fixture(dir)).unwrap() {
            let body = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for token in body.split("\"access_token\": \"").skip(1) {
                found.push(token.split('"').next().unwrap().to_owned());
            }
        }
    }
    let key = std::fs::read_to_string(fixture("keys/test-only-rsa-pkcs1.pem")).unwrap();
    found.extend(
        key.lines()
            .filter(|l| !l.starts_with("-----") && l.len() > 40)
            .map(str::to_owned),
    );
    assert!(found.len() > 10, "the scan must have secrets to look for");
    found
}

/// The address `addr` as a `resolve` entry for every host.
pub fn resolve_all(addr: SocketAddr) -> String {
    format!("{{ \"*\" = \"{addr}\" }}")
}

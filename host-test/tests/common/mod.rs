//! Shared test setup: one host (compiled once per test binary, cached on disk), fixture paths.
#![allow(dead_code)]

pub mod cli;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use docusign_host::bindings::Connection;
use docusign_host::capabilities::{Capabilities, Transport};
use docusign_host::clock::ManualClock;
use docusign_host::log_sink::MemoryLog;
use docusign_host::replay::{Cassette, Replay};
use docusign_host::replay::{ReplayServer, TlsIdentity};
use docusign_host::state_store::MemoryStateStore;
use docusign_host::transport::LiveOptions;
use docusign_host::{ConnectorHost, HostOptions};

/// Repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A path under `fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    root().join("fixtures").join(path)
}

/// An empty directory `NAME-PID` under the target's scratch directory (emptied if a run left it).
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Options for test hosts: the compiled component is cached under the target directory.
pub fn options() -> HostOptions {
    HostOptions {
        cache_dir: Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cwasm")),
        ..HostOptions::default()
    }
}

/// The shared host.
pub fn host() -> Arc<ConnectorHost> {
    static HOST: OnceLock<Arc<ConnectorHost>> = OnceLock::new();
    HOST.get_or_init(|| Arc::new(ConnectorHost::new(options()).expect("loading the connector")))
        .clone()
}

/// The demo connection (test-only key).
pub fn connection() -> Connection {
    docusign_host::settings::load(&fixture("config/demo.toml")).expect("demo settings")
}

/// Replay `fixtures/cassettes/<name>.json`.
pub fn replay(name: &str) -> Replay {
    Replay::load(fixture(&format!("cassettes/{name}.json"))).expect("cassette")
}

/// The PEM private key text of the demo connection (for secret scans).
pub fn private_key_body_lines() -> Vec<String> {
    connection()
        .private_key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_owned)
        .collect()
}

/// Turns the demo connection into a bad one.
pub type ConnectionBreakage = Box<dyn Fn(&mut Connection)>;

/// Bad connection settings, each with the field its invalid-input error must name: the matrix
/// both the typed API (tests/auth.rs) and the JSON API (tests/bad_inputs.rs) are checked against.
pub fn broken_connections() -> Vec<(&'static str, ConnectionBreakage)> {
    let key = |name: &str| std::fs::read_to_string(fixture(&format!("keys/{name}"))).unwrap();
    let garbage =
        "-----BEGIN RSA PRIVATE KEY-----\nthis is not a key\n-----END RSA PRIVATE KEY-----"
            .to_owned();
    let truncated = key("test-only-rsa-pkcs1.pem")[..900].to_owned();
    vec![
        (
            "private-key-pem",
            Box::new(|c| c.private_key_pem = String::new()),
        ),
        (
            "private-key-pem",
            Box::new(move |c| c.private_key_pem = garbage.clone()),
        ),
        (
            "private-key-pem",
            Box::new(move |c| c.private_key_pem = truncated.clone()),
        ),
        (
            "private-key-pem",
            Box::new(move |c| c.private_key_pem = key("test-only-rsa-public.pem")),
        ),
        (
            "private-key-pem",
            Box::new(move |c| c.private_key_pem = key("test-only-ec.pem")),
        ),
        (
            "private-key-pem",
            Box::new(move |c| c.private_key_pem = key("test-only-rsa-encrypted.pem")),
        ),
        (
            "integration-key",
            Box::new(|c| c.integration_key = String::new()),
        ),
        (
            "integration-key",
            Box::new(|c| c.integration_key = "not-a-guid".into()),
        ),
        (
            "user-id",
            Box::new(|c| c.user_id = "avery.example@example.com".into()),
        ),
        (
            "auth-server",
            Box::new(|c| c.auth_server = "https://evil.example.com".into()),
        ),
        (
            "auth-server",
            Box::new(|c| c.auth_server = "http://account-d.docusign.com".into()),
        ),
        (
            "auth-server",
            Box::new(|c| c.auth_server = "account-d.docusign.com/oauth".into()),
        ),
        (
            "account-id",
            Box::new(|c| c.account_id = Some("12345678".into())),
        ),
        (
            "organization-id",
            Box::new(|c| c.organization_id = Some("acme".into())),
        ),
        (
            "redirect-uri",
            Box::new(|c| c.redirect_uri = Some("javascript:alert(1)".into())),
        ),
        (
            "scopes",
            Box::new(|c| c.scopes = vec!["signature impersonation".into()]),
        ),
        (
            "monitor-endpoint",
            Box::new(|c| {
                c.organization_id = None;
                c.monitor_endpoint =
                    Some(docusign_host::bindings::MonitorEndpoint::OrganizationStream);
            }),
        ),
    ]
}

/// The TEST-ONLY CA of the loopback server's certificate (the library does not bundle it).
pub const TEST_CA_PEM: &[u8] = include_bytes!("../../../fixtures/keys/tls/test-only-ca.pem");

/// The TEST-ONLY server identity for `localhost`, `127.0.0.1` and DocuSign's host names.
pub fn test_tls() -> TlsIdentity {
    TlsIdentity {
        cert_chain_pem: include_bytes!("../../../fixtures/keys/tls/test-only-server.pem").to_vec(),
        key_pem: include_bytes!("../../../fixtures/keys/tls/test-only-server.key").to_vec(),
    }
}

/// Live-transport options for the developer environment that trust the test-only CA and send
/// every host name to `server` (the loopback replay server).
pub fn live_options_to(server: &ReplayServer) -> LiveOptions {
    live_options_to_addr(server.addr())
}

/// [`live_options_to`] a loopback server at `addr`.
pub fn live_options_to_addr(addr: std::net::SocketAddr) -> LiveOptions {
    let mut options = LiveOptions::for_auth_server("account-d.docusign.com");
    options.ca_certificates_pem = vec![TEST_CA_PEM.to_vec()];
    options.resolve = std::collections::HashMap::from([("*".to_owned(), addr)]);
    options
}

/// The `id` of every line of a JSON-lines events file, in order.
pub fn jsonl_ids(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// The demo account's eSignature REST base.
pub const ACCOUNT_BASE: &str =
    "https://demo.docusign.net/restapi/v2.1/accounts/a4ec37d6-1c2b-4c3d-9e4f-143885c220e1";

/// The JSON bodies of the requests `r` received for `url_suffix` with `method`.
pub fn sent_bodies(
    r: &Replay,
    method: docusign_host::bindings::Method,
    url_suffix: &str,
) -> Vec<serde_json::Value> {
    r.transport
        .received()
        .iter()
        .filter(|q| q.method == method && q.url.ends_with(url_suffix))
        .map(|q| serde_json::from_slice(&q.body).unwrap())
        .collect()
}

/// The envelope of the signing cassettes.
pub const ENVELOPE: &str = "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad";

/// A cassette from `fixtures/cassettes/NAME.json`.
pub fn cassette(name: &str) -> Cassette {
    Cassette::load(fixture(&format!("cassettes/{name}.json"))).unwrap()
}

/// Capabilities around `transport`: a manual clock at `start_ms`, a fresh state store, a
/// log kept in memory.
pub fn caps(transport: Arc<dyn Transport>, start_ms: u64) -> (Capabilities, Arc<MemoryLog>) {
    let log = Arc::new(MemoryLog::default());
    let caps = Capabilities {
        transport,
        clock: Arc::new(ManualClock::new(start_ms)),
        state: Arc::new(MemoryStateStore::new()),
        log: log.clone(),
    };
    (caps, log)
}

/// The manual clock's start in the cassettes' tests (2025-05-02).
pub const START_MS: u64 = 1_746_200_400_000;

/// The send-for-signature request of `fixtures/inputs/send.json` with its two documents.
pub fn send_request() -> docusign_host::bindings::signing::SendRequest {
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("inputs/send.json")).unwrap())
            .unwrap();
    let read = |p: &str| std::fs::read(fixture(&format!("documents/{p}"))).unwrap();
    docusign_host::bindings::signing::SendRequest {
        signer_emails: serde_json::from_value(input["signer_emails"].clone()).unwrap(),
        signer_names: serde_json::from_value(input["signer_names"].clone()).unwrap(),
        documents: vec![
            docusign_host::bindings::signing::Document {
                name: "Master Services Agreement.pdf".into(),
                content: read("Master Services Agreement.pdf"),
            },
            docusign_host::bindings::signing::Document {
                name: "Order Form.txt".into(),
                content: read("Order Form.txt"),
            },
        ],
        email_subject: input["email_subject"].as_str().unwrap().into(),
        email_body: input["email_body"].as_str().map(Into::into),
        cc_emails: serde_json::from_value(input["cc_emails"].clone()).unwrap(),
        cc_names: serde_json::from_value(input["cc_names"].clone()).unwrap(),
        signing_order: vec![Some(1), Some(2)],
        expiration: Some(docusign_host::bindings::signing::Expiration {
            enabled: true,
            validity_days: Some(30),
            warning_days: Some(5),
        }),
        reminders: Some(docusign_host::bindings::signing::Reminders {
            enabled: true,
            first_reminder_days: Some(2),
            interval_days: Some(1),
        }),
        idempotency_key: None,
        signer_fields: Vec::new(),
        signer_client_user_ids: Vec::new(),
    }
}

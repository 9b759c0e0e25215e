//! What both Restate test files share: ingress calls, the workflow input, the secret scan.

use std::path::{Path, PathBuf};
use std::time::Duration;

use docusign_host::replay::ReplayServer;
use serde_json::Value;

use super::restate::{Cluster, Node};
use super::worker::{IntegrationSpec, write_config};
use super::{fixture, http};

/// The fixtures' envelope.
pub const ENV: &str = "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad";
/// Bound of every wait (against hangs; not a timing assertion).
pub const LONG: Duration = Duration::from_secs(120);

/// `POST ingress/path` with `body`, naming `integration`: status and JSON body.
pub fn call(node: &Node, path: &str, body: &Value, integration: Option<&str>) -> (u16, Value) {
    let headers: Vec<(&str, &str)> = integration
        .map(|i| vec![("x-docusign-integration", i)])
        .unwrap_or_default();
    let (status, text) = http::post(
        &format!("{}/{path}", node.ingress_url()),
        &body.to_string(),
        &headers,
    )
    .unwrap_or_else(|e| panic!("{path}: {e}"));
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// The workflow's input: the bundled one, polling as `poll` says.
pub fn workflow_input(poll: Value) -> Value {
    let text = std::fs::read_to_string(fixture("inputs/signature-workflow.json")).unwrap();
    let mut input: Value = serde_json::from_str(&text).unwrap();
    input["poll"] = poll;
    input
}

/// A worker with one integration `main` whose requests go to `server`.
pub fn one_integration(dir: &Path, server: &ReplayServer) -> PathBuf {
    write_config(
        dir,
        &[IntegrationSpec {
            name: "main".into(),
            settings: fixture("config/demo.toml"),
            replay: server.addr(),
        }],
    )
}

/// Every journal entry and state value Restate holds must be free of secrets.
pub fn assert_no_secret_in_restate(cluster: &Cluster) {
    let mut text = String::new();
    for row in cluster.sql("select entry_json, raw from sys_journal") {
        text.push_str(row["entry_json"].as_str().unwrap_or_default());
        let raw = row["raw"].as_str().unwrap_or_default();
        let bytes: Vec<u8> = (0..raw.len() / 2)
            .filter_map(|i| u8::from_str_radix(&raw[2 * i..2 * i + 2], 16).ok())
            .collect();
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    for row in cluster.sql("select value_utf8 from state") {
        text.push_str(row["value_utf8"].as_str().unwrap_or_default());
    }
    assert!(
        text.contains("sealed:v1:"),
        "the token cache is in Restate, sealed"
    );
    assert!(text.len() > 1000, "the scan must see the journal");
    for secret in super::secrets() {
        assert!(
            !text.contains(&secret),
            "a secret reached Restate: {}…",
            &secret[..12]
        );
    }
    assert!(!text.contains("PRIVATE KEY"));
    assert!(
        !text.contains("eyJ0eXAiOiJNVCIs"),
        "an access token reached Restate"
    );
}

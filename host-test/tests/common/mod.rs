//! Shared test setup: one host (compiled once per test binary, cached on disk), fixture paths.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use docusign_host::bindings::Connection;
use docusign_host::harness::Replay;
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

//! Embedding the connector in a workflow engine: load once, invoke from service tasks.
//!
//! `cargo run --example embed` replays a bundled cassette; swap the transport for a
//! `LiveTransport` to talk to DocuSign.

use std::sync::Arc;

use docusign_host::bindings::Level;
use docusign_host::clock::ManualClock;
use docusign_host::json_api::{self, InputFiles};
use docusign_host::log_sink::StderrLog;
use docusign_host::replay::CassetteTransport;
use docusign_host::state_store::MemoryStateStore;
use docusign_host::{Capabilities, ConnectorHost, HostOptions, settings};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    // Once per process: compiles the component, or loads the cached compilation.
    let host = Arc::new(ConnectorHost::new(HostOptions::default())?);
    let conn = settings::load(&fixtures.join("config/demo.toml"))?;
    // Per tenant or connection: transport, clock, state and logs.
    let transport = Arc::new(CassetteTransport::load(
        fixtures.join("cassettes/esign/happy-path.json"),
    )?);
    let caps = Capabilities {
        transport: transport.clone(),
        clock: Arc::new(ManualClock::new(1_746_200_400_000)),
        state: Arc::new(MemoryStateStore::new()),
        log: Arc::new(StderrLog::new(Level::Info)),
    };
    // Per service task: JSON in, JSON out (or a JSON error keeping every field).
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("inputs/send.json"))?)?;
    let files = InputFiles {
        base_dir: Some(&fixtures.join("inputs")),
        confined: false,
    };
    let sent = json_api::invoke(&host, &caps, &conn, "send-for-signature", input, files)
        .map_err(|e| e.to_string())?;
    println!("sent: {sent}");
    let status = json_api::invoke(
        &host,
        &caps,
        &conn,
        "get-envelope-status",
        json!({"envelope_id": sent["envelope_id"]}),
        InputFiles::default(),
    )
    .map_err(|e| e.to_string())?;
    println!("status: {}", status["status"]);
    Ok(())
}

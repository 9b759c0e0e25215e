//! The signing flow end to end over real HTTPS against the loopback replay server, the same flow
//! `python_sdk_flow.py` runs through DocuSign's Python SDK: send-for-signature (JWT grant,
//! userinfo, create), get-envelope-status, get-signed-documents (list, document, certificate).
//! Each flow starts with an empty state store, so each one signs a JWT and gets a token.
//! `--warmup W` flows run first and are not timed (connection set-up, first-touch page faults,
//! caches), as in the Python client. Prints one JSON line with the time of each timed flow in
//! milliseconds; the server's cassette must hold W + N flows.
//!
//!     docusign-host serve flows.json --ca-out ca.pem --addr 127.0.0.1:PORT &
//!     cargo bench -p docusign-host --bench flow -- --port PORT --ca ca.pem --flows N --warmup W

#[path = "support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use docusign_host::Capabilities;
use docusign_host::bindings::signing::EnvelopeStatus;
use docusign_host::clock::SystemClock;
use docusign_host::engine::Allocation;
use docusign_host::log_sink::NullLog;
use docusign_host::state_store::MemoryStateStore;
use docusign_host::transport::{LiveOptions, LiveTransport};
use support::*;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(port), Some(ca)) = (arg(&args, "--port"), arg(&args, "--ca")) else {
        // `cargo bench` without arguments: nothing to measure without a server.
        eprintln!("flow: needs --port PORT --ca FILE [--flows N] (see host-test/benches/run.sh)");
        return;
    };
    let flows: usize = arg(&args, "--flows")
        .and_then(|n| n.parse().ok())
        .unwrap_or(30);
    let warmup: usize = arg(&args, "--warmup")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut options = LiveOptions::for_auth_server("account-d.docusign.com");
    options.ca_certificates_pem = vec![std::fs::read(&ca).expect("CA file")];
    options.resolve = HashMap::from([(
        "*".to_owned(),
        format!("127.0.0.1:{port}").parse().expect("port"),
    )]);
    let transport = Arc::new(LiveTransport::new(options).expect("transport"));
    let host = load_host(Allocation::OnDemand);
    let conn = connection();
    let document = std::fs::read(fixture("documents/Master Services Agreement.pdf")).unwrap();
    let request = {
        let mut r = send_request(document);
        r.documents[0].name = "Master Services Agreement.pdf".into();
        r
    };

    let mut times_ms = Vec::with_capacity(flows);
    let mut downloaded = 0;
    for flow in 0..warmup + flows {
        let caps = Capabilities {
            transport: transport.clone(),
            clock: Arc::new(SystemClock),
            state: Arc::new(MemoryStateStore::new()),
            log: Arc::new(NullLog),
        };
        let started = Instant::now();
        let sent = host
            .send_for_signature(&caps, &conn, &request)
            .expect("host")
            .expect("send");
        let status = host
            .get_envelope_status(&caps, &conn, &sent.envelope_id)
            .expect("host")
            .expect("status");
        let docs = host
            .get_signed_documents(&caps, &conn, &sent.envelope_id)
            .expect("host")
            .expect("documents");
        if flow >= warmup {
            times_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        assert_eq!(status.status, EnvelopeStatus::Sent);
        downloaded = docs.documents.len();
    }
    println!(
        "{}",
        serde_json::json!({"flows_ms": times_ms, "warmup": warmup, "documents_per_flow": downloaded})
    );
}

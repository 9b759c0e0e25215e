//! No secret leaves: the private keys, every access token of the fixtures and every JWT
//! assertion the connector sent are searched for in all results, errors, log lines, CLI output
//! and recorded cassettes produced by driving every fixture cassette.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::{ENVELOPE, START_MS, connection, fixture, host, live_options_to};
use docusign_host::bindings::Request;
use docusign_host::capabilities::Capabilities;
use docusign_host::clock::ManualClock;
use docusign_host::json_api::{self, InputFiles};
use docusign_host::log_sink::MemoryLog;
use docusign_host::replay::Replay;
use docusign_host::replay::ReplayServer;
use docusign_host::replay::form::decode as form_decode;
use docusign_host::replay::{Cassette, RecordingTransport};
use docusign_host::state_store::MemoryStateStore;
use docusign_host::transport::LiveTransport;
use serde_json::{Value, json};

/// Everything produced, and every secret seen, while driving the fixtures.
#[derive(Default)]
struct Scan {
    produced: String,
    secrets: Vec<String>,
}

impl Scan {
    fn output(&mut self, text: impl AsRef<str>) {
        self.produced.push_str(text.as_ref());
        self.produced.push('\n');
    }

    /// Remember the assertions and bearer tokens a run sent.
    fn sent(&mut self, requests: &[Request]) {
        for q in requests {
            if let Ok(form) = form_decode(&q.body)
                && let Some(assertion) = form.get("assertion")
            {
                self.secrets.push(assertion.clone());
            }
            for (k, v) in &q.headers {
                if k.eq_ignore_ascii_case("authorization") {
                    self.secrets
                        .push(v.trim_start_matches("Bearer ").to_owned());
                }
            }
        }
    }
}

fn all_cassettes() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for dir in ["auth", "esign", "events", "demo"] {
        for entry in std::fs::read_dir(fixture(&format!("cassettes/{dir}"))).unwrap() {
            out.push(entry.unwrap().path());
        }
    }
    out.sort();
    out
}

fn fixture_secrets() -> Vec<String> {
    let mut secrets = Vec::new();
    for key in std::fs::read_dir(fixture("keys")).unwrap() {
        let path = key.unwrap().path();
        if path.extension().is_some_and(|e| e == "pem")
            && std::fs::read_to_string(&path)
                .unwrap()
                .contains("PRIVATE KEY")
        {
            secrets.extend(
                std::fs::read_to_string(&path)
                    .unwrap()
                    .lines()
                    .filter(|l| !l.starts_with("-----"))
                    .map(str::to_owned),
            );
        }
    }
    for path in all_cassettes() {
        let text = std::fs::read_to_string(path).unwrap();
        for token in text.split("\"access_token\": \"").skip(1) {
            secrets.push(token.split('"').next().unwrap().to_owned());
        }
    }
    secrets
}

/// The actions each cassette was written for.
fn script(name: &str) -> Vec<(&'static str, Value)> {
    let status = ("get-envelope-status", json!({"envelope_id": ENVELOPE}));
    let docs = ("get-signed-documents", json!({"envelope_id": ENVELOPE}));
    let send: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("inputs/send.json")).unwrap())
            .unwrap();
    let fetch = |types: Value, max: u32| {
        (
            "fetch-events",
            json!({"event_types": types, "max_customer_events": max, "max_audit_users": 3, "first_fetch": "2025-05-01T00:00:00Z"}),
        )
    };
    match name {
        n if n.starts_with("auth/") => vec![("auth-test", json!({})); 3],
        "esign/happy-path" => vec![
            ("send-for-signature", send),
            status.clone(),
            status,
            docs,
            (
                "void-envelope",
                json!({"envelope_id": ENVELOPE, "reason": "Customer changed their mind"}),
            ),
        ],
        "esign/send-idempotent" => vec![
            (
                "send-for-signature",
                json!({"idempotency_key": "order-2025-0042"})
            );
            2
        ],
        n if n.starts_with("esign/send-") => vec![("send-for-signature", send)],
        "esign/status-errors" => vec![status; 3],
        "esign/documents-errors" => vec![docs; 3],
        "esign/void" => vec![
            (
                "void-envelope",
                json!({"envelope_id": ENVELOPE, "reason": "Sent to the wrong customer"})
            );
            2
        ],
        "events/monitor-get-events" => vec![
            (
                "get-events",
                json!({"event_type": "customer-events", "limit": 3}),
            ),
            ("get-events", json!({"event_type": "customer-events"})),
            ("get-events", json!({"event_type": "customer-events"})),
        ],
        "events/users-get-events" => vec![(
            "get-events",
            json!({"event_type": "audit-users", "limit": 2, "since": "1 hour ago"}),
        )],
        "events/monitor-fetch-scenario" => vec![fetch(json!(["customer-events"]), 4); 8],
        "events/users-fetch-scenario" => vec![fetch(json!(["audit-users"]), 2000); 3],
        _ => vec![],
    }
}

fn drive_fixtures(scan: &mut Scan) {
    for path in all_cassettes() {
        let rel = path
            .strip_prefix(fixture("cassettes"))
            .unwrap()
            .with_extension("");
        let name = rel.to_string_lossy().into_owned();
        let r = Replay::load(&path).unwrap();
        let inputs = fixture("inputs");
        for (action, mut input) in script(&name) {
            if action == "send-for-signature" && input.get("signer_emails").is_none() {
                let mut full: Value = serde_json::from_str(
                    &std::fs::read_to_string(fixture("inputs/send.json")).unwrap(),
                )
                .unwrap();
                full["idempotency_key"] = input["idempotency_key"].clone();
                input = full;
            }
            let outcome = json_api::invoke(
                &host(),
                &r.capabilities(),
                &connection(),
                action,
                input,
                InputFiles {
                    base_dir: Some(&inputs),
                    confined: false,
                },
            );
            match &outcome {
                Ok(v) => {
                    scan.output(v.to_string());
                    if let Some(cp) = v.get("checkpoint") {
                        let _ = json_api::invoke(
                            &host(),
                            &r.capabilities(),
                            &connection(),
                            "commit-fetch",
                            json!({"checkpoint": cp}),
                            InputFiles::default(),
                        );
                    }
                }
                Err(e) => scan.output(format!("{e} {e:?}")),
            }
            r.clock.advance_ms(120_000);
        }
        scan.output(r.log.text());
        scan.output(format!("{:?}", r.finish()));
        scan.sent(&r.transport.received());
    }
}

fn drive_cli(scan: &mut Scan) {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cwasm");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("secret-scan");
    let _ = std::fs::remove_dir_all(&out);
    let config = fixture("config/demo.toml");
    let runs: Vec<Vec<String>> = vec![
        vec![
            "demo".into(),
            "--json".into(),
            "--out".into(),
            out.join("demo").display().to_string(),
        ],
        vec![
            "demo".into(),
            "--log-level".into(),
            "trace".into(),
            "--out".into(),
            out.join("demo2").display().to_string(),
        ],
        vec![
            "invoke".into(),
            "auth-test".into(),
            "--config".into(),
            config.display().to_string(),
            "--replay".into(),
            fixture("cassettes/auth/invalid-grant.json")
                .display()
                .to_string(),
            "--log-level".into(),
            "trace".into(),
        ],
        vec![
            "invoke".into(),
            "send-for-signature".into(),
            "--config".into(),
            config.display().to_string(),
            "--replay".into(),
            fixture("cassettes/esign/send-expired-token.json")
                .display()
                .to_string(),
            "--input".into(),
            fixture("inputs/send.json").display().to_string(),
            "--log-level".into(),
            "trace".into(),
            "--json".into(),
        ],
    ];
    for args in runs {
        let o = Command::new(env!("CARGO_BIN_EXE_docusign-host"))
            .args(&args)
            .env("DOCUSIGN_HOST_CACHE_DIR", &cache)
            .output()
            .unwrap();
        scan.output(String::from_utf8_lossy(&o.stdout));
        scan.output(String::from_utf8_lossy(&o.stderr));
    }
}

fn drive_live_recording(scan: &mut Scan) {
    let server = ReplayServer::start(
        Cassette::load(fixture("cassettes/esign/happy-path.json")).unwrap(),
        "127.0.0.1:0".parse().unwrap(),
        Some(common::test_tls()),
    )
    .unwrap();
    let options = live_options_to(&server);
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("secret-scan-recording.json");
    let recording = Arc::new(RecordingTransport::new(
        LiveTransport::new(options).unwrap(),
        &path,
        "scan",
        "2025-05-02T15:40:00Z".into(),
    ));
    let log = Arc::new(MemoryLog::default());
    let caps = Capabilities {
        transport: recording,
        clock: Arc::new(ManualClock::new(START_MS)),
        state: Arc::new(MemoryStateStore::new()),
        log: log.clone(),
    };
    let send: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("inputs/send.json")).unwrap())
            .unwrap();
    let inputs = fixture("inputs");
    for (action, input) in [
        ("send-for-signature", send),
        ("get-envelope-status", json!({"envelope_id": ENVELOPE})),
        ("get-envelope-status", json!({"envelope_id": ENVELOPE})),
        ("get-signed-documents", json!({"envelope_id": ENVELOPE})),
        (
            "void-envelope",
            json!({"envelope_id": ENVELOPE, "reason": "Customer changed their mind"}),
        ),
    ] {
        let outcome = json_api::invoke(
            &host(),
            &caps,
            &connection(),
            action,
            input,
            InputFiles {
                base_dir: Some(&inputs),
                confined: false,
            },
        );
        scan.output(format!("{outcome:?}"));
    }
    scan.sent(&server.transport().received());
    server.finish().unwrap();
    scan.output(log.text());
    scan.output(std::fs::read_to_string(&path).unwrap());
}

#[test]
fn no_secret_in_any_output() {
    let mut scan = Scan {
        secrets: fixture_secrets(),
        ..Scan::default()
    };
    drive_fixtures(&mut scan);
    drive_cli(&mut scan);
    drive_live_recording(&mut scan);
    let secrets: Vec<&String> = scan.secrets.iter().filter(|s| s.len() >= 16).collect();
    assert!(
        secrets.len() > 100,
        "the scan must look for real secrets ({} found)",
        secrets.len()
    );
    assert!(
        secrets.iter().any(|s| s.matches('.').count() == 2
            && s.starts_with("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9")),
        "JWT assertions are among them"
    );
    assert!(
        scan.produced.len() > 100_000,
        "and scan a real amount of output ({} bytes)",
        scan.produced.len()
    );
    for secret in secrets {
        assert!(
            !scan.produced.contains(secret.as_str()),
            "secret found in output: {}…",
            &secret[..12]
        );
    }
    assert!(!scan.produced.contains("PRIVATE KEY"));
}

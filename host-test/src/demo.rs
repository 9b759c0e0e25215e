//! `docusign-host demo`: the product, offline, from fixtures embedded in the binary.

use std::process::ExitCode;
use std::sync::Arc;

use docusign_host::bindings::Connection;
use docusign_host::capabilities::{Capabilities, LogSink, StateStore};
use docusign_host::clock::ManualClock;
use docusign_host::json_api::{self, InputFiles};
use docusign_host::settings;
use docusign_host::state_store::MemoryStateStore;
use docusign_host::transport::{Cassette, CassetteTransport};
use serde_json::{Value, json};

const DEMO_SETTINGS: &str = include_str!("../../fixtures/config/demo.toml");
const DEMO_KEY: &str = include_str!("../../fixtures/keys/test-only-rsa-pkcs1.pem");
const AUTH_CASSETTE: &str = include_str!("../../fixtures/cassettes/auth/token-userinfo.json");

fn connection() -> Result<Connection, String> {
    let mut parsed = settings::parse(DEMO_SETTINGS, false)?;
    parsed.private_key_file = None;
    let mut conn = settings::resolve(parsed, std::path::Path::new("."), |_| None)?;
    conn.private_key_pem = DEMO_KEY.to_owned();
    Ok(conn)
}

struct Step {
    action: &'static str,
    cassette: Option<&'static str>,
    input: Value,
}

/// Run every demo step; stops at the first failure.
pub fn run(log: Arc<dyn LogSink>, as_json: bool) -> ExitCode {
    let conn = match connection() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: demo settings: {e}");
            return ExitCode::from(2);
        }
    };
    let host = match crate::load_host(std::time::Duration::from_secs(300)) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let state: Arc<dyn StateStore> = Arc::new(MemoryStateStore::new());
    let steps = [
        Step {
            action: "generate-consent-url",
            cassette: None,
            input: json!({"kind": "individual"}),
        },
        Step {
            action: "auth-test",
            cassette: Some(AUTH_CASSETTE),
            input: json!({}),
        },
    ];
    eprintln!("demo: offline, replaying bundled DocuSign fixtures with the TEST-ONLY key");
    for step in steps {
        let cassette = Cassette::parse(step.cassette.unwrap_or(r#"{"interactions": []}"#), ".")
            .expect("bundled cassette is valid");
        let clock = Arc::new(ManualClock::new(
            cassette
                .start_time_ms()
                .unwrap_or(docusign_host::harness::DEFAULT_START_MS),
        ));
        let transport = Arc::new(CassetteTransport::new(cassette));
        let caps = Capabilities {
            transport: transport.clone(),
            clock,
            state: state.clone(),
            log: log.clone(),
        };
        let outcome = json_api::invoke(
            &host,
            &caps,
            &conn,
            step.action,
            step.input,
            InputFiles::default(),
        );
        let code = crate::print_outcome(step.action, &outcome, as_json);
        if outcome.is_err() {
            return code;
        }
        if let Err(problems) = transport.finish() {
            eprintln!(
                "error: demo step {} did not follow its cassette: {problems}",
                step.action
            );
            return ExitCode::from(4);
        }
    }
    ExitCode::SUCCESS
}

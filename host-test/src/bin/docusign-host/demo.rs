//! `docusign-host demo`: the product, offline, from fixtures embedded in the binary.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use docusign_host::bindings::Connection;
use docusign_host::capabilities::{LogSink, StateStore};
use docusign_host::json_api::{self, Call, InputFiles, Output};
use docusign_host::replay::{Cassette, Replay};
use docusign_host::settings::{self, SettingsError};
use docusign_host::state_store::MemoryStateStore;
use serde_json::{Value, json};

use crate::connect::load_host;
use crate::exit::Exit;
use crate::{print_outcome, save};

const DEMO_SETTINGS: &str = include_str!("../../../../fixtures/config/demo.toml");
const DEMO_KEY: &str = include_str!("../../../../fixtures/keys/test-only-rsa-pkcs1.pem");
const SIGNING_CASSETTE: &str =
    include_str!("../../../../fixtures/cassettes/demo/signing-flow.json");
const EVENTS_CASSETTE: &str = include_str!("../../../../fixtures/cassettes/demo/events.json");
const RECIPIENTS_CASSETTE: &str =
    include_str!("../../../../fixtures/cassettes/demo/recipients.json");
const BEYOND_CASSETTE: &str = include_str!("../../../../fixtures/cassettes/demo/beyond.json");
const OFFER_LETTER: &[u8] = include_bytes!("../../../../fixtures/documents/Offer Letter.txt");
/// A Connect message as a listener receives it: headers, body, and the (test-only) HMAC key.
const CONNECT_HEADERS: &str =
    include_str!("../../../../fixtures/connect/envelope-completed.headers");
const CONNECT_BODY: &str = include_str!("../../../../fixtures/connect/envelope-completed.json");
const CONNECT_KEY: &str = include_str!("../../../../fixtures/connect/test-only-hmac-key.txt");
const SEND_INPUT: &str = include_str!("../../../../fixtures/inputs/send.json");
const MSA: &[u8] = include_bytes!("../../../../fixtures/documents/Master Services Agreement.pdf");
const ORDER_FORM: &[u8] = include_bytes!("../../../../fixtures/documents/Order Form.txt");
const ENVELOPE: &str = "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad";
/// The PDFs the demo cassette's `file` bodies name, embedded.
const SIGNED_FILES: [(&str, &[u8]); 3] = [
    (
        "../../documents/signed/Master Services Agreement.pdf",
        include_bytes!("../../../../fixtures/documents/signed/Master Services Agreement.pdf"),
    ),
    (
        "../../documents/signed/Order Form.pdf",
        include_bytes!("../../../../fixtures/documents/signed/Order Form.pdf"),
    ),
    (
        "../../documents/signed/Summary.pdf",
        include_bytes!("../../../../fixtures/documents/signed/Summary.pdf"),
    ),
];

fn connection() -> Result<Connection, SettingsError> {
    let mut parsed = settings::parse(DEMO_SETTINGS, false)?;
    parsed.private_key_file = None;
    let mut conn = settings::resolve(parsed, Path::new("."), |_| None)?;
    conn.private_key_pem = DEMO_KEY.to_owned();
    Ok(conn)
}

/// The bundled send input, with the documents inlined instead of file paths.
fn send_input() -> Value {
    let mut input: Value = serde_json::from_str(SEND_INPUT).unwrap_or_else(|_| json!({}));
    input["documents"] = json!([
        {"name": "Master Services Agreement.pdf", "content_base64": STANDARD.encode(MSA)},
        {"name": "Order Form.txt", "content_base64": STANDARD.encode(ORDER_FORM)},
    ]);
    input
}

/// The bundled Connect message as `verify-connect-message` input.
fn connect_input() -> Value {
    let headers: Vec<(&str, &str)> = CONNECT_HEADERS
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim()))
        .collect();
    json!({"headers": headers, "body": CONNECT_BODY, "hmac_keys": [CONNECT_KEY]})
}

/// A send with signature fields placed by anchor text (and one at a fixed point) for an
/// embedded signer.
fn placed_send_input() -> Value {
    json!({
        "signer_emails": ["jordan.lee@example.com"],
        "signer_names": ["Jordan Lee"],
        "documents": [{"name": "Offer Letter.txt", "content_base64": STANDARD.encode(OFFER_LETTER)}],
        "email_subject": "Your offer letter",
        "signer_fields": [[
            {"kind": "sign-here", "anchor": {"text": "/sig1/", "y_offset": -5, "match_whole_word": true}},
            {"kind": "date-signed", "anchor": {"text": "/date1/"}},
            {"kind": "text", "label": "start_date", "value": "2025-06-02", "locked": true,
             "position": {"document": 1, "page": 1, "x": 190, "y": 160}}
        ]],
        "signer_client_user_ids": ["jordan-1001"]
    })
}

/// Where the demo saves documents by default.
pub fn default_out_dir() -> PathBuf {
    std::env::temp_dir().join("docusign-demo")
}

/// One demo step: an action and its input (`None`: commit the previous step's checkpoint).
struct Step {
    action: &'static str,
    input: Option<Value>,
    /// Minutes of replay time to let pass first (Monitor allows one call a minute).
    wait_minutes: u64,
}

fn step(action: &'static str, input: Value) -> Step {
    Step {
        action,
        input: Some(input),
        wait_minutes: 0,
    }
}

/// Run every demo step; stops at the first failure.
pub fn run(log: Arc<dyn LogSink>, as_json: bool, out_dir: &Path) -> Exit {
    let conn = match connection() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: demo settings: {e}");
            return Exit::Usage;
        }
    };
    let host = match load_host(std::time::Duration::from_secs(300)) {
        Ok(h) => h,
        Err(exit) => return exit,
    };
    let state: Arc<dyn StateStore> = Arc::new(MemoryStateStore::new());
    let files: std::collections::BTreeMap<String, Vec<u8>> = SIGNED_FILES
        .iter()
        .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
        .collect();
    let signing = vec![
        step("generate-consent-url", json!({"kind": "individual"})),
        step("auth-test", json!({})),
        step("send-for-signature", send_input()),
        step("get-envelope-status", json!({"envelope_id": ENVELOPE})),
        step("get-signed-documents", json!({"envelope_id": ENVELOPE})),
        step(
            "void-envelope",
            json!({"envelope_id": ENVELOPE, "reason": "Sent to the wrong customer"}),
        ),
        step("get-envelope-status", json!({"envelope_id": ENVELOPE})),
    ];
    let events = vec![
        step(
            "get-events",
            json!({"event_type": "customer-events", "limit": 3}),
        ),
        Step {
            wait_minutes: 1,
            ..step(
                "fetch-events",
                json!({"event_types": ["customer-events", "audit-users"], "first_fetch": "5 minutes ago"}),
            )
        },
        Step {
            action: "commit-fetch",
            input: None,
            wait_minutes: 0,
        },
    ];
    // Who the envelope went to, and a Connect message about it checked as a listener would.
    let beyond = vec![
        step("get-envelope-recipients", json!({"envelope_id": ENVELOPE})),
        step("verify-connect-message", connect_input()),
    ];
    // Signature placement, embedded signing, templates and the changes feed.
    let more = vec![
        step("send-for-signature", placed_send_input()),
        step(
            "create-signing-url",
            json!({"envelope_id": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
                   "return_url": "https://hr.example.com/offers/1001/signed",
                   "user_name": "Jordan Lee", "email": "jordan.lee@example.com",
                   "client_user_id": "jordan-1001", "recipient_id": "1"}),
        ),
        step(
            "send-from-template",
            json!({"template_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                   "roles": [
                       {"role_name": "Employee", "name": "Jordan Lee", "email": "jordan.lee@example.com",
                        "text_values": {"plan": "PPO Family"},
                        "checkbox_values": {"dental": true, "vision": false}},
                       {"role_name": "HR", "name": "Casey Kim", "email": "casey.kim@example.com",
                        "routing_order": 2}],
                   "email_subject": "Benefits enrollment"}),
        ),
        step(
            "fetch-envelope-changes",
            json!({"first_fetch": "1 day ago", "max_envelope_changes": 100}),
        ),
        Step {
            action: "commit-fetch",
            input: None,
            wait_minutes: 0,
        },
    ];
    eprintln!("demo: offline, replaying bundled DocuSign fixtures with the TEST-ONLY key");
    let total = signing.len() + events.len() + beyond.len() + more.len();
    let mut n = 0;
    for (cassette_text, steps) in [
        (SIGNING_CASSETTE, signing),
        (EVENTS_CASSETTE, events),
        (RECIPIENTS_CASSETTE, beyond),
        (BEYOND_CASSETTE, more),
    ] {
        let cassette = match Cassette::parse_with_files(cassette_text, ".", files.clone()) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: a bundled demo cassette is broken: {e}");
                return Exit::Usage;
            }
        };
        let replay = Replay::with_state(cassette, state.clone());
        let caps = replay.capabilities_with_log(log.clone());
        let mut checkpoint = String::new();
        for s in steps {
            n += 1;
            replay.clock.advance_ms(s.wait_minutes * 60_000);
            eprintln!("demo step {n}/{total}: {}", s.action);
            let call = match s.input {
                Some(input) => json_api::parse_call(s.action, input, InputFiles::default()),
                None => Ok(Call::CommitFetch(checkpoint.clone())),
            };
            let mut outcome = call.and_then(|call| json_api::run_call(&host, &caps, &conn, call));
            match &mut outcome {
                Ok(Output::Documents(documents)) => {
                    match save::save_documents(documents, out_dir) {
                        Ok(paths) => {
                            eprintln!("saved {} files in {}", paths.len(), out_dir.display())
                        }
                        Err(e) => {
                            eprintln!("error: {e}");
                            return Exit::Usage;
                        }
                    }
                }
                Ok(Output::Fetch(batch)) => checkpoint = batch.checkpoint.clone(),
                _ => {}
            }
            // The signing URL signs in as the signer: never printed.
            let outcome = outcome.map(|o| o.redacted());
            let exit = print_outcome(s.action, &outcome, as_json);
            if outcome.is_err() {
                return exit;
            }
        }
        if let Err(problems) = replay.finish() {
            eprintln!("error: the demo did not follow its cassette: {problems}");
            return Exit::ReplayMismatch;
        }
    }
    Exit::Ok
}

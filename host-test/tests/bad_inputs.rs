//! The bad-input matrix: every malformed input gets a typed `invalid-input` error naming the
//! field, from the real component (or the JSON layer in front of it), and nothing is sent.

mod common;

use common::{ENVELOPE, broken_connections, connection, fixture, host};
use docusign_host::bindings::Connection;
use docusign_host::json_api::{self, InputFiles};
use docusign_host::replay::Cassette;
use docusign_host::replay::Replay;
use serde_json::{Value, json};

/// Run `action` with `input` on `conn`; expect invalid-input on `field` and no request at all.
fn expect_invalid(conn: &Connection, action: &str, input: Value, field: &str) {
    let r = Replay::new(Cassette::parse(r#"{"interactions": []}"#, ".").unwrap());
    let inputs = fixture("inputs");
    let outcome = json_api::invoke(
        &host(),
        &r.capabilities(),
        conn,
        action,
        input.clone(),
        InputFiles {
            base_dir: Some(&inputs),
            confined: false,
        },
    );
    match outcome {
        Err(e) => {
            assert_eq!(
                e.json()["kind"],
                "invalid-input",
                "{action} {input}: {}",
                e.json()
            );
            assert_eq!(e.json()["field"], field, "{action} {input}: {}", e.json());
            assert!(!e.json()["message"].as_str().unwrap_or("").is_empty());
        }
        Ok(v) => panic!("{action} {input}: accepted, returned {v}"),
    }
    assert!(
        r.transport.received().is_empty(),
        "{action} {input}: nothing may be sent"
    );
}

fn send_input(change: Value) -> Value {
    let mut input: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("inputs/send.json")).unwrap())
            .unwrap();
    for (k, v) in change.as_object().unwrap() {
        input[k] = v.clone();
    }
    input
}

#[test]
fn send_inputs() {
    let big = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        vec![0u8; 27_000_000],
    );
    let cases: Vec<(Value, &str)> = vec![
        // Documents: none, empty, unsupported type, no extension, over DocuSign's request limit.
        (json!({"documents": []}), "documents"),
        (
            json!({"documents": [{"name": "x.pdf", "content_base64": ""}]}),
            "documents[0].content",
        ),
        (
            json!({"documents": [{"name": "x.exe", "content_base64": "AAAA"}]}),
            "documents[0].name",
        ),
        (
            json!({"documents": [{"name": "contract", "content_base64": "AAAA"}]}),
            "documents[0].name",
        ),
        (
            json!({"documents": [{"name": "big.pdf", "content_base64": big}]}),
            "documents",
        ),
        (
            json!({"documents": [{"name": "x.pdf", "content_base64": "not base64!"}]}),
            "documents[0].content_base64",
        ),
        (json!({"documents": [{"name": "x.pdf"}]}), "documents[0]"),
        // Lists that must match one to one.
        (json!({"signer_names": ["Alice Signer"]}), "signer-names"),
        (
            json!({"cc_emails": ["c@example.com"], "cc_names": []}),
            "cc-names",
        ),
        (
            json!({"signer_emails": [], "signer_names": []}),
            "signer-emails",
        ),
        // E-mail addresses and names.
        (
            json!({"signer_emails": ["alice.signer@example", "bob.signer@example.org"]}),
            "signer-emails[0]",
        ),
        (
            json!({"signer_emails": ["alice.signer@example.com", "bob signer@example.org"]}),
            "signer-emails[1]",
        ),
        (
            json!({"cc_emails": ["not-an-email"], "cc_names": ["Carol"]}),
            "cc-emails[0]",
        ),
        (
            json!({"signer_names": ["", "Bob Signer"]}),
            "signer-names[0]",
        ),
        (
            json!({"signer_names": ["Alice\u{0007}", "Bob Signer"]}),
            "signer-names[0]",
        ),
        (
            json!({"signer_names": ["A".repeat(101), "Bob Signer"]}),
            "signer-names[0]",
        ),
        (json!({"email_subject": ""}), "email-subject"),
        (json!({"email_subject": "s".repeat(101)}), "email-subject"),
        // Day counts: negative (not a number of days at all), zero, huge, warning not before expiry.
        (
            json!({"expiration": {"enabled": true, "validity_days": -1}}),
            "expiration.validity_days",
        ),
        (
            json!({"expiration": {"enabled": true, "validity_days": 0}}),
            "expiration.validity-days",
        ),
        (
            json!({"expiration": {"enabled": true, "validity_days": 5000}}),
            "expiration.validity-days",
        ),
        (
            json!({"expiration": {"enabled": true, "validity_days": 4294967296u64}}),
            "expiration.validity_days",
        ),
        (
            json!({"expiration": {"enabled": true, "validity_days": 10, "warning_days": 10}}),
            "expiration.warning-days",
        ),
        (
            json!({"expiration": {"enabled": true}}),
            "expiration.validity-days",
        ),
        (
            json!({"reminders": {"enabled": true, "first_reminder_days": 0}}),
            "reminders.first-reminder-days",
        ),
        (
            json!({"reminders": {"enabled": true, "first_reminder_days": 2, "interval_days": 1000}}),
            "reminders.interval-days",
        ),
        (
            json!({"reminders": {"enabled": true, "first_reminder_days": -3}}),
            "reminders.first_reminder_days",
        ),
        // Signing order.
        (json!({"signing_order": [1, 2, 3]}), "signing-order"),
        (json!({"signing_order": [1000, 1]}), "signing-order[0]"),
        (json!({"signing_order": [-1, 1]}), "signing_order[0]"),
        // Idempotency key, unknown fields, wrong types.
        (json!({"idempotency_key": "a=b"}), "idempotency-key"),
        (
            json!({"idempotency_key": "k".repeat(101)}),
            "idempotency-key",
        ),
        (json!({"signers": ["typo"]}), "signers"),
        (json!({"email_subject": 42}), "email_subject"),
    ];
    let conn = connection();
    for (change, field) in cases {
        expect_invalid(&conn, "send-for-signature", send_input(change), field);
    }
    expect_invalid(
        &conn,
        "send-for-signature",
        json!({"signer_emails": ["a@example.com"]}),
        "signer_names",
    );
}

#[test]
fn envelope_ids_and_reasons() {
    let conn = connection();
    for bad in [
        "",
        "not-a-guid",
        "../../users",
        "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad/documents",
        "0d077e5c ecaa 42c4 a60b 7b437d26c0ad",
    ] {
        expect_invalid(
            &conn,
            "get-envelope-status",
            json!({"envelope_id": bad}),
            "envelope-id",
        );
        expect_invalid(
            &conn,
            "get-signed-documents",
            json!({"envelope_id": bad}),
            "envelope-id",
        );
        expect_invalid(
            &conn,
            "void-envelope",
            json!({"envelope_id": bad, "reason": "r"}),
            "envelope-id",
        );
    }
    expect_invalid(
        &conn,
        "void-envelope",
        json!({"envelope_id": ENVELOPE, "reason": " "}),
        "reason",
    );
    expect_invalid(
        &conn,
        "void-envelope",
        json!({"envelope_id": ENVELOPE, "reason": "r".repeat(201)}),
        "reason",
    );
    expect_invalid(
        &conn,
        "void-envelope",
        json!({"envelope_id": ENVELOPE}),
        "reason",
    );
    expect_invalid(&conn, "get-envelope-status", json!({}), "envelope_id");
}

#[test]
fn event_inputs() {
    let conn = connection();
    let cases = [
        (
            "get-events",
            json!({"event_type": "login-events"}),
            "event_type",
        ),
        (
            "get-events",
            json!({"event_type": "customer-events", "limit": 0}),
            "limit",
        ),
        (
            "get-events",
            json!({"event_type": "customer-events", "limit": 2001}),
            "limit",
        ),
        (
            "get-events",
            json!({"event_type": "customer-events", "limit": -5}),
            "limit",
        ),
        (
            "get-events",
            json!({"event_type": "customer-events", "since": "last tuesday"}),
            "since",
        ),
        (
            "get-events",
            json!({"event_type": "customer-events", "since": "2999-01-01T00:00:00Z"}),
            "since",
        ),
        ("fetch-events", json!({"event_types": []}), "event-types"),
        (
            "fetch-events",
            json!({"event_types": ["audit-users", "audit-users"]}),
            "event-types",
        ),
        // A type listed twice anywhere, not only as the only two entries.
        (
            "fetch-events",
            json!({"event_types": ["customer-events", "audit-users", "customer-events"]}),
            "event-types",
        ),
        (
            "fetch-events",
            json!({"event_types": ["customer-events", "logins"]}),
            "event_types",
        ),
        (
            "fetch-events",
            json!({"event_types": ["customer-events"], "max_customer_events": 0}),
            "max-customer-events",
        ),
        (
            "fetch-events",
            json!({"event_types": ["customer-events"], "max_customer_events": 20001}),
            "max-customer-events",
        ),
        (
            "fetch-events",
            json!({"event_types": ["audit-users"], "max_audit_users": 10001}),
            "max-audit-users",
        ),
        (
            "fetch-events",
            json!({"event_types": ["customer-events"], "first_fetch": "tomorrow"}),
            "first-fetch",
        ),
        (
            "commit-fetch",
            json!({"checkpoint": "{not json"}),
            "checkpoint",
        ),
        (
            "commit-fetch",
            json!({"checkpoint": "{\"version\": 99, \"revision\": 1, \"base\": 0}"}),
            "checkpoint",
        ),
        ("generate-consent-url", json!({"kind": "superuser"}), "kind"),
        ("auth-test", json!({"unexpected": true}), "unexpected"),
    ];
    for (action, input, field) in cases {
        expect_invalid(&conn, action, input, field);
    }
    let mut no_org = connection();
    no_org.organization_id = None;
    expect_invalid(
        &no_org,
        "fetch-events",
        json!({"event_types": ["audit-users"]}),
        "organization-id",
    );
    expect_invalid(
        &no_org,
        "get-events",
        json!({"event_type": "audit-users"}),
        "organization-id",
    );
}

#[test]
fn connection_settings() {
    for (field, break_it) in broken_connections() {
        let mut conn = connection();
        break_it(&mut conn);
        for action in ["auth-test", "get-envelope-status"] {
            let input = if action == "auth-test" {
                json!({})
            } else {
                json!({"envelope_id": ENVELOPE})
            };
            expect_invalid(&conn, action, input, field);
        }
    }
}

/// Input that is not UTF-8 never reaches the connector: the CLI refuses it.
#[test]
fn non_utf8_input_is_refused_by_the_cli() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("non-utf8.json");
    let mut bytes = br#"{"signer_names": [""#.to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, 0x41]);
    bytes.extend_from_slice(br#""]}"#);
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_docusign-host"))
        .args(["invoke", "send-for-signature", "--config"])
        .arg(fixture("config/demo.toml"))
        .args(["--replay"])
        .arg(fixture("cassettes/auth/token-userinfo.json"))
        .arg("--input")
        .arg(&path)
        .env(
            "DOCUSIGN_HOST_CACHE_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cwasm"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("valid UTF-8"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

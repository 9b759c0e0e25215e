//! The four signing actions end to end: the real component, replayed DocuSign cassettes.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{ENVELOPE, connection, fixture, host, replay, send_request, sent_bodies};
use docusign_host::bindings::signing::EnvelopeStatus;
use docusign_host::bindings::{ConnectorError, Method};
use docusign_host::json_api::{self, InputFiles};
use docusign_host::replay::Replay;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn invoke(r: &Replay, action: &str, input: Value) -> Result<Value, json_api::InvokeError> {
    let inputs = fixture("inputs");
    json_api::invoke(
        &host(),
        &r.capabilities(),
        &connection(),
        action,
        input,
        InputFiles {
            base_dir: Some(&inputs),
            confined: false,
        },
    )
}

fn send_input() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("inputs/send.json")).unwrap()).unwrap()
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(fixture(path)).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// send -> status sent -> status completed -> documents + summary -> void refused.
#[test]
fn happy_path_send_status_documents_void() {
    let r = replay("esign/happy-path");

    let sent = invoke(&r, "send-for-signature", send_input()).unwrap();
    assert_eq!(
        sent,
        json!({"envelope_id": ENVELOPE, "status": "sent", "status_changed_at": "2025-05-02T15:40:01.397Z", "reused": false})
    );
    // The exact envelope definition: routing orders, CC, notification block, base64 documents.
    let body = &sent_bodies(&r, Method::Post, "/envelopes")[0];
    assert_eq!(
        body["documents"][0]["documentBase64"],
        STANDARD.encode(read("documents/Master Services Agreement.pdf"))
    );
    assert_eq!(
        body["documents"][1]["documentBase64"],
        STANDARD.encode(read("documents/Order Form.txt"))
    );
    assert_eq!(body["documents"][1]["fileExtension"], "txt");
    assert_eq!(body["recipients"]["signers"][0]["routingOrder"], "1");
    assert_eq!(body["recipients"]["signers"][1]["routingOrder"], "2");
    assert_eq!(
        body["recipients"]["carbonCopies"][0],
        json!({"email": "carol.cc@example.com", "name": "Carol Copy", "recipientId": "3", "routingOrder": "1"})
    );
    assert_eq!(
        body["notification"],
        json!({"useAccountDefaults": "false",
               "reminders": {"reminderEnabled": "true", "reminderDelay": "2", "reminderFrequency": "1"},
               "expirations": {"expireEnabled": "true", "expireAfter": "30", "expireWarn": "5"}})
    );

    let status = invoke(&r, "get-envelope-status", json!({"envelope_id": ENVELOPE})).unwrap();
    assert_eq!(status["status"], "sent");
    assert_eq!(status["status_changed_at"], "2025-05-02T15:40:01.397Z");
    assert_eq!(status["sent_at"], "2025-05-02T15:40:01.397Z");
    assert_eq!(status["expires_at"], "2025-06-01T15:40:01.397Z");
    assert_eq!(status["completed_at"], Value::Null);

    let conn = connection();
    let completed = host()
        .get_envelope_status(&r.capabilities(), &conn, ENVELOPE)
        .unwrap()
        .unwrap();
    assert_eq!(completed.status, EnvelopeStatus::Completed);
    let done = completed.completed_at.unwrap();
    assert_eq!(
        (done.seconds, done.nanoseconds),
        (1_746_263_702, 789_012_300)
    );
    assert_eq!(completed.status_changed_at, completed.completed_at);
    assert_eq!(completed.delivered_at.unwrap().seconds, 1_746_263_564);
    assert_eq!(
        completed.email_subject.as_deref(),
        Some("Please sign: Master Services Agreement")
    );

    let docs = host()
        .get_signed_documents(&r.capabilities(), &conn, ENVELOPE)
        .unwrap()
        .unwrap();
    let names: Vec<&str> = docs.documents.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        ["Master Services Agreement.pdf", "Order Form.txt"],
        "DocuSign's order field, not list order"
    );
    let expected = [
        read("documents/signed/Master Services Agreement.pdf"),
        read("documents/signed/Order Form.pdf"),
    ];
    for (doc, bytes) in docs.documents.iter().zip(&expected) {
        assert_eq!(&doc.content, bytes);
        assert_eq!(doc.sha256, sha256_hex(bytes));
    }
    assert_eq!(docs.documents[0].document_id, "1");
    assert_eq!(docs.summary.document_id, "certificate");
    assert_eq!(docs.summary.content, read("documents/signed/Summary.pdf"));
    assert_eq!(docs.summary.sha256, sha256_hex(&docs.summary.content));

    match invoke(
        &r,
        "void-envelope",
        json!({"envelope_id": ENVELOPE, "reason": "Customer changed their mind"}),
    ) {
        Err(e) => {
            assert_eq!(e.json()["kind"], "api");
            assert_eq!(e.json()["error_code"], "ENVELOPE_CANNOT_VOID_INVALID_STATE");
            assert_eq!(
                e.json()["message"],
                format!("envelope {ENVELOPE} is completed and cannot be voided")
            );
            assert!(e.json()["hint"].as_str().unwrap().contains("in progress"));
            assert_eq!(
                e.json()["trace_token"],
                "6103b440-5c4e-4b0e-9a3f-000000000009"
            );
        }
        Ok(v) => panic!("voiding a completed envelope must fail, got {v}"),
    }
    r.finish().unwrap();
    assert_eq!(
        r.transport.token_requests(),
        1,
        "one token for the whole flow"
    );
}

#[test]
fn send_errors_carry_docusign_error_codes() {
    let r = replay("esign/send-invalid-recipient");
    match host()
        .send_for_signature(&r.capabilities(), &connection(), &send_request())
        .unwrap()
    {
        Err(ConnectorError::Api(e)) => {
            assert_eq!(e.status, 400);
            assert_eq!(
                e.error_code.as_deref(),
                Some("INVALID_EMAIL_ADDRESS_FOR_RECIPIENT")
            );
            assert!(
                e.message
                    .starts_with("The email address for the recipient is invalid")
            );
            assert!(e.hint.is_some());
            assert_eq!(
                e.trace_token.as_deref(),
                Some("6103b440-5c4e-4b0e-9a3f-000000000001")
            );
        }
        other => panic!("{other:?}"),
    }
    r.finish().unwrap();

    let r = replay("esign/send-rate-limited");
    match host()
        .send_for_signature(&r.capabilities(), &connection(), &send_request())
        .unwrap()
    {
        Err(ConnectorError::RateLimited(e)) => {
            assert_eq!(
                e.retry_after_secs,
                1_746_201_600 - 1_746_200_400,
                "until X-RateLimit-Reset"
            );
            assert_eq!(
                e.error_code.as_deref(),
                Some("HOURLY_APIINVOCATION_LIMIT_EXCEEDED")
            );
        }
        other => panic!("{other:?}"),
    }
    r.finish().unwrap();
}

#[test]
fn expired_token_mid_run_gets_one_new_token_and_one_retry() {
    let r = replay("esign/send-expired-token");
    let sent = host()
        .send_for_signature(&r.capabilities(), &connection(), &send_request())
        .unwrap()
        .unwrap();
    assert_eq!(sent.envelope_id, ENVELOPE);
    r.finish().unwrap();
    let creates: Vec<_> = r
        .transport
        .received()
        .into_iter()
        .filter(|q| q.url.ends_with("/envelopes"))
        .collect();
    assert_eq!(creates.len(), 2);
    assert_eq!(
        creates[0].body, creates[1].body,
        "the retry resends the same envelope"
    );
    let auth = |q: &docusign_host::bindings::Request| {
        q.headers
            .iter()
            .find(|(k, _)| k == "Authorization")
            .unwrap()
            .1
            .clone()
    };
    assert_ne!(auth(&creates[0]), auth(&creates[1]), "with the new token");
}

#[test]
fn idempotency_key_prevents_a_duplicate_send() {
    let r = replay("esign/send-idempotent");
    let mut req = send_request();
    req.idempotency_key = Some("order-2025-0042".into());
    let first = host()
        .send_for_signature(&r.capabilities(), &connection(), &req)
        .unwrap()
        .unwrap();
    assert!(!first.reused);
    let second = host()
        .send_for_signature(&r.capabilities(), &connection(), &req)
        .unwrap()
        .unwrap();
    assert!(second.reused);
    assert_eq!(second.envelope_id, first.envelope_id);
    r.finish().unwrap();
    let created = sent_bodies(&r, Method::Post, "/envelopes");
    assert_eq!(created.len(), 1, "one envelope created");
    // Custom fields on create replace the account's: the account's (a required list field
    // among them) travel with the key.
    assert_eq!(
        created[0]["customFields"],
        json!({
            "textCustomFields": [
                {"name": "Cost Center", "value": "CC-100", "show": "true", "required": "false"},
                {"name": "connectorIdempotencyKey", "value": "order-2025-0042", "show": "false", "required": "false"}
            ],
            "listCustomFields": [
                {"name": "Region", "value": "EMEA", "show": "true", "required": "true", "listItems": ["AMER", "EMEA", "APAC"]}
            ]
        })
    );
    // The lookup asks for the envelopes' custom fields, to check the key itself.
    assert!(
        r.transport.received()[2]
            .url
            .ends_with("&include=custom_fields")
    );
}

/// An envelope is reused only when it carries exactly this key and was not withdrawn: here the
/// filter matched other envelopes too and the one with the key was voided, so a new one is sent.
#[test]
fn idempotency_ignores_other_keys_and_voided_envelopes() {
    let r = replay("esign/send-idempotent-voided");
    let mut req = send_request();
    req.idempotency_key = Some("order-2025-0042".into());
    let sent = host()
        .send_for_signature(&r.capabilities(), &connection(), &req)
        .unwrap()
        .unwrap();
    r.finish().unwrap();
    assert!(!sent.reused);
    assert_eq!(sent_bodies(&r, Method::Post, "/envelopes").len(), 1);
    let log = r.log.text();
    assert!(log.contains("2 envelope(s) without this key"), "{log}");
    assert!(
        log.contains("is voided; it does not block a new send"),
        "{log}"
    );
}

#[test]
fn status_errors_and_voided_times() {
    let r = replay("esign/status-errors");
    let conn = connection();
    match host()
        .get_envelope_status(&r.capabilities(), &conn, ENVELOPE)
        .unwrap()
    {
        Err(ConnectorError::Api(e)) => {
            assert_eq!(
                (e.status, e.error_code.as_deref()),
                (404, Some("ENVELOPE_DOES_NOT_EXIST"))
            );
            assert!(e.hint.unwrap().contains("envelope-id"));
        }
        other => panic!("{other:?}"),
    }
    match host()
        .get_envelope_status(&r.capabilities(), &conn, ENVELOPE)
        .unwrap()
    {
        Err(ConnectorError::RateLimited(e)) => {
            assert_eq!(
                e.error_code.as_deref(),
                Some("HOURLY_ENVELOPE_POLLING_LIMIT_EXCEEDED")
            );
            assert_eq!(e.retry_after_secs, 1200);
        }
        other => panic!("{other:?}"),
    }
    let voided = host()
        .get_envelope_status(&r.capabilities(), &conn, ENVELOPE)
        .unwrap()
        .unwrap();
    assert_eq!(voided.status, EnvelopeStatus::Voided);
    assert_eq!(
        voided.voided_reason.as_deref(),
        Some("Sent to the wrong customer")
    );
    assert_eq!(voided.voided_at.unwrap().seconds, 1_746_201_910);
    r.finish().unwrap();
}

#[test]
fn document_errors() {
    let r = replay("esign/documents-errors");
    let conn = connection();
    match host()
        .get_signed_documents(&r.capabilities(), &conn, ENVELOPE)
        .unwrap()
    {
        Err(ConnectorError::RateLimited(e)) => {
            assert_eq!(e.error_code.as_deref(), Some("API_REQUEST_IS_THROTTLED"))
        }
        other => panic!("{other:?}"),
    }
    match host()
        .get_signed_documents(&r.capabilities(), &conn, ENVELOPE)
        .unwrap()
    {
        Err(ConnectorError::InvalidResponse(e)) => {
            assert!(
                e.message.contains("document 1 is not a PDF"),
                "{}",
                e.message
            );
            assert!(
                !e.message.contains("Back soon"),
                "HTML is described, not echoed"
            );
        }
        other => panic!("{other:?}"),
    }
    match host()
        .get_signed_documents(&r.capabilities(), &conn, ENVELOPE)
        .unwrap()
    {
        Err(ConnectorError::Api(e)) => {
            assert_eq!(e.error_code.as_deref(), Some("ENVELOPE_DOES_NOT_EXIST"))
        }
        other => panic!("{other:?}"),
    }
    r.finish().unwrap();
}

#[test]
fn void_is_idempotent() {
    let r = replay("esign/void");
    let conn = connection();
    let first = host()
        .void_envelope(
            &r.capabilities(),
            &conn,
            ENVELOPE,
            "  Sent to the wrong customer ",
        )
        .unwrap()
        .unwrap();
    assert!(!first.already_voided);
    let second = host()
        .void_envelope(
            &r.capabilities(),
            &conn,
            ENVELOPE,
            "Sent to the wrong customer",
        )
        .unwrap()
        .unwrap();
    assert!(second.already_voided);
    assert_eq!(second.envelope_id, ENVELOPE);
    r.finish().unwrap();
}

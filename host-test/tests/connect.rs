//! Connect webhook messages through the component (`verify-connect-message`): hand-written
//! messages signed here with `ring`'s HMAC (not the connector's code), the JSON API, the
//! `verify-connect` command; and `get-envelope-recipients` over a cassette.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{ENVELOPE, connection, fixture, host, replay};
use docusign_host::bindings::ConnectorError;
use docusign_host::bindings::signing::{
    ConnectError, EnvelopeStatus, RecipientKind, RecipientStatus, SignatureMismatch,
};
use docusign_host::json_api::{self, Call, InputFiles};
use serde_json::{Value, json};

fn key() -> String {
    std::fs::read_to_string(fixture("connect/test-only-hmac-key.txt")).unwrap()
}

fn body() -> Vec<u8> {
    std::fs::read(fixture("connect/envelope-completed.json")).unwrap()
}

/// `X-DocuSign-Signature-1` for `body` under `key`, computed with `ring`.
fn sign(body: &[u8], key: &str) -> String {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
    STANDARD.encode(ring::hmac::sign(&k, body).as_ref())
}

fn signed(body: &[u8], key: &str) -> Vec<(String, String)> {
    vec![
        ("Content-Type".into(), "application/json".into()),
        ("X-DocuSign-Signature-1".into(), sign(body, key)),
    ]
}

/// Check a message over a cassette with no interactions: any HTTP request fails the test.
fn verify(
    headers: &[(String, String)],
    body: &[u8],
    keys: &[String],
) -> Result<docusign_host::bindings::signing::ConnectEvent, ConnectError> {
    let r = replay("no-requests");
    let outcome = host()
        .verify_connect_message(&r.capabilities(), headers, body, keys)
        .expect("the guest ran");
    r.finish()
        .expect("verify-connect-message made no HTTP request");
    outcome
}

#[test]
fn the_fixture_message_verifies_with_its_recorded_headers() {
    // The headers file was signed with Python's hmac module (fixtures/connect/README.md).
    let headers: Vec<(String, String)> =
        std::fs::read_to_string(fixture("connect/envelope-completed.headers"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
    let event = verify(&headers, &body(), &[key()]).unwrap();
    assert_eq!(event.event, "envelope-completed");
    assert_eq!(event.envelope_id, ENVELOPE);
    assert_eq!(event.envelope_status, Some(EnvelopeStatus::Completed));
    assert_eq!(event.key_index, 1);
    assert_eq!(
        event.event_id,
        format!("{ENVELOPE}/envelope-completed//2025-05-02T16:12:09.1530000Z")
    );
    let kinds: Vec<_> = event.recipients.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [RecipientKind::Signer, RecipientKind::CarbonCopy]);
    assert_eq!(event.recipients[0].status, RecipientStatus::Completed);
    assert!(event.recipients[0].signed_at.is_some());
}

#[test]
fn tampering_wrong_keys_and_missing_signatures_are_typed_errors() {
    let body = body();
    let good = signed(&body, &key());
    let keys = [key()];
    let mismatch = |keys: u32| {
        Err(ConnectError::Mismatch(SignatureMismatch {
            signatures: 1,
            keys,
        }))
    };
    let mut flipped = body.clone();
    flipped[40] ^= 0x01;
    assert_eq!(verify(&good, &flipped, &keys), mismatch(1));
    assert_eq!(verify(&good, &body[..body.len() - 2], &keys), mismatch(1));
    assert_eq!(verify(&good, &body, &["not-the-key".into()]), mismatch(1));
    assert_eq!(
        verify(&good[..1], &body, &keys),
        Err(ConnectError::Unsigned),
        "no signature header"
    );
    assert_eq!(verify(&good, &body, &[]), Err(ConnectError::NoKeys));
    // Rotation: the second of two active keys signed it.
    let rotated = verify(&good, &body, &["old-key".into(), key()]).unwrap();
    assert_eq!(rotated.key_index, 2);
    // Signed, but not Connect's JSON: refused after the signature check, saying why.
    let xml = b"<DocuSignEnvelopeInformation/>";
    match verify(&signed(xml, &key()), xml, &keys) {
        Err(ConnectError::InvalidMessage(m)) => assert!(m.contains("XML"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_json_api_takes_headers_as_an_object_and_bodies_as_text_or_base64() {
    let r = replay("no-requests");
    let caps = r.capabilities();
    let body = body();
    let signature = sign(&body, &key());
    let invoke = |input: Value| {
        json_api::invoke(
            &host(),
            &caps,
            &connection(),
            "verify-connect-message",
            input,
            InputFiles::default(),
        )
    };
    let text = invoke(json!({
        "headers": {"x-docusign-signature-1": signature},
        "body": String::from_utf8(body.clone()).unwrap(),
        "hmac_keys": [key()],
    }))
    .unwrap();
    let b64 = invoke(json!({
        "headers": [["X-DocuSign-Signature-1", signature]],
        "body_base64": STANDARD.encode(&body),
        "hmac_keys": [key()],
    }))
    .unwrap();
    assert_eq!(text, b64);
    assert_eq!(text["envelope_status"], "completed");
    assert_eq!(text["recipients"][1]["kind"], "carbon-copy");

    let refused = invoke(json!({
        "headers": {"X-DocuSign-Signature-1": signature},
        "body": "{}",
        "hmac_keys": [key()],
    }))
    .unwrap_err();
    assert_eq!(refused.json()["kind"], "signature");
    assert_eq!(refused.json()["reason"], "mismatch");
    let both = invoke(json!({"headers": {}, "body": "{}", "body_base64": "e30=", "hmac_keys": []}))
        .unwrap_err();
    assert_eq!(both.json()["field"], "body");
    // The keys are secrets: neither errors nor the parsed call show them.
    assert!(!refused.to_string().contains(&key()));
    let call = json_api::parse_call(
        "verify-connect-message",
        json!({"headers": {}, "body": "{}", "hmac_keys": [key()]}),
        InputFiles::default(),
    )
    .unwrap();
    assert!(matches!(call, Call::VerifyConnectMessage(_)));
    assert!(!format!("{call:?}").contains(&key()), "{call:?}");
    r.finish().unwrap();
}

fn verify_connect(args: &[&str], stdin: &[u8], key_env: Option<&str>) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docusign-host"));
    cmd.arg("verify-connect")
        .args(args)
        .env(
            "DOCUSIGN_HOST_CACHE_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cwasm"),
        )
        .env_remove("CONNECT_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(k) = key_env {
        cmd.env("CONNECT_KEY", k);
    }
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_verify_connect_command_exits_by_outcome_and_never_prints_the_key() {
    let headers = fixture("connect/envelope-completed.headers");
    let body_file = fixture("connect/envelope-completed.json");
    let h = headers.to_str().unwrap();
    let b = body_file.to_str().unwrap();
    let key = key();
    let common = [
        "--headers-file",
        h,
        "--hmac-key-env",
        "CONNECT_KEY",
        "--json",
    ];

    let (code, out) = verify_connect(&[&["--body", b][..], &common].concat(), b"", Some(&key));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"event\": \"envelope-completed\""), "{out}");
    assert!(!out.contains(&key));

    // The body from stdin, one byte changed: refused (exit 1).
    let mut tampered = body();
    tampered[60] ^= 0x01;
    let (code, out) = verify_connect(&common, &tampered, Some(&key));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"kind\": \"signature\""), "{out}");
    assert!(!out.contains(&key));

    // The key's variable unset: a usage error naming it (exit 2).
    let (code, out) = verify_connect(&[&["--body", b][..], &common].concat(), b"", None);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("CONNECT_KEY"), "{out}");
}

#[test]
fn recipients_are_read_from_docusigns_reply() {
    let r = replay("esign/recipients");
    let caps = r.capabilities();
    let conn = connection();
    let got = host()
        .get_envelope_recipients(&caps, &conn, ENVELOPE)
        .unwrap()
        .unwrap();
    assert_eq!(got.envelope_id, ENVELOPE);
    assert_eq!(got.current_routing_order, Some(1));
    let signer = &got.recipients[0];
    assert_eq!(signer.kind, RecipientKind::Signer);
    assert_eq!(signer.status, RecipientStatus::Declined);
    assert_eq!(
        signer.declined_reason.as_deref(),
        Some("The payment terms are wrong (net 30, not net 60).")
    );
    assert!(signer.declined_at.is_some() && signer.signed_at.is_none());
    assert_eq!(got.recipients[1].kind, RecipientKind::CarbonCopy);
    assert_eq!(got.recipients[1].status, RecipientStatus::Created);
    match host()
        .get_envelope_recipients(&caps, &conn, "00000000-0000-0000-0000-000000000000")
        .unwrap()
    {
        Err(ConnectorError::Api(e)) => {
            assert_eq!(e.error_code.as_deref(), Some("ENVELOPE_DOES_NOT_EXIST"))
        }
        other => panic!("{other:?}"),
    }
    // Every recorded request was made, in order, and nothing else.
    r.finish().unwrap();
}

/// One HTTP/1.1 request to the listener; its status and body.
fn post(
    addr: std::net::SocketAddr,
    method: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, String) {
    use std::io::Read as _;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let mut head = format!(
        "{method} /docusign/connect HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply[9..12].parse().unwrap();
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// `serve-connect`'s listener: each verified event once in the file, duplicates acknowledged,
/// refusals not written, a line cut short by a crash dropped, duplicates caught after a restart.
#[test]
fn the_listener_writes_each_verified_event_once_across_restarts() {
    use docusign_host::connect_listener::{ConnectListener, Served};

    let dir = common::fresh_dir("connect-listener");
    let out = dir.join("events.jsonl");
    let start = |stop_after: u64| {
        let r = replay("no-requests");
        let listener = ConnectListener::bind(
            "127.0.0.1:0".parse().unwrap(),
            host(),
            r.capabilities(),
            vec![key()],
            &out,
        )
        .unwrap();
        let addr = listener.local_addr().unwrap();
        let served = std::thread::spawn(move || listener.serve(Some(stop_after), |_| {}).unwrap());
        (addr, served)
    };
    let completed = body();
    let sent = String::from_utf8(completed.clone())
        .unwrap()
        .replacen("envelope-completed", "envelope-sent", 1)
        .into_bytes();

    let (addr, served) = start(3);
    assert_eq!(post(addr, "GET", &[], b"").0, 405);
    let (status, reply) = post(addr, "POST", &signed(&completed, &key()), &completed);
    assert_eq!(
        (status, reply.contains("\"appended\"")),
        (200, true),
        "{reply}"
    );
    let (status, reply) = post(addr, "POST", &signed(&completed, &key()), &completed);
    assert_eq!(
        (status, reply.contains("\"duplicate\"")),
        (200, true),
        "{reply}"
    );
    let mut tampered = completed.clone();
    tampered[50] ^= 0x01;
    let (status, reply) = post(addr, "POST", &signed(&completed, &key()), &tampered);
    assert_eq!(status, 401, "{reply}");
    assert!(!reply.contains(&key()));
    assert_eq!(post(addr, "POST", &signed(&sent, &key()), &sent).0, 200);
    assert_eq!(
        served.join().unwrap(),
        Served {
            appended: 2,
            duplicates: 1,
            refused: 2
        }
    );
    let ids = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["event_id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        ids(&written),
        [
            format!("{ENVELOPE}/envelope-completed//2025-05-02T16:12:09.1530000Z"),
            format!("{ENVELOPE}/envelope-sent//2025-05-02T16:12:09.1530000Z"),
        ]
    );
    assert!(!written.contains(&key()));

    // A crash mid-line, then a restart: the partial line goes, the known event stays known.
    std::fs::write(&out, format!("{written}{{\"event_id\": \"half")).unwrap();
    let (addr, served) = start(1);
    let (status, reply) = post(addr, "POST", &signed(&completed, &key()), &completed);
    assert_eq!(
        (status, reply.contains("\"duplicate\"")),
        (200, true),
        "{reply}"
    );
    assert_eq!(served.join().unwrap().duplicates, 1);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), written);
}

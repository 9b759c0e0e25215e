//! Hostile or broken DocuSign replies: each becomes a typed error, the host survives, no fetch
//! checkpoint moves, and only idempotent requests are retried.

mod common;

use std::sync::Arc;

use common::{ACCOUNT_BASE, ENVELOPE, START_MS, connection, host, live_options_to};
use docusign_host::bindings::commands::{EventType, FetchRequest};
use docusign_host::bindings::{ConnectorError, TransportError};
use docusign_host::capabilities::Capabilities;
use docusign_host::clock::ManualClock;
use docusign_host::log_sink::MemoryLog;
use docusign_host::replay::Cassette;
use docusign_host::replay::Replay;
use docusign_host::replay::ReplayServer;
use docusign_host::state_store::MemoryStateStore;
use docusign_host::transport::LiveTransport;
use docusign_host::{ConnectorHost, HostError, HostOptions};
use serde_json::{Value, json};

fn auth() -> Vec<Value> {
    vec![
        json!({"request": {"method": "POST", "url": "https://account-d.docusign.com/oauth/token", "body": {"form": {"grant_type": "<any>", "assertion": "<jwt>"}}},
               "response": {"status": 200, "body": {"json": {"access_token": "hostile-test-token", "token_type": "Bearer", "expires_in": 3600}}}}),
        json!({"request": {"method": "GET", "url": "https://account-d.docusign.com/oauth/userinfo"},
               "response": {"status": 200, "body": {"json": {"sub": "u", "accounts": [{"account_id": "a4ec37d6-1c2b-4c3d-9e4f-143885c220e1", "is_default": true, "base_uri": "https://demo.docusign.net"}]}}}}),
    ]
}

fn status_get(response: Value) -> Value {
    json!({"request": {"method": "GET", "url": format!("{ACCOUNT_BASE}/envelopes/{ENVELOPE}")}, "response": response})
}

fn replay(interactions: Vec<Value>) -> Replay {
    let c = json!({"start_time": "2025-05-02T15:40:00Z", "interactions": interactions});
    Replay::new(Cassette::parse(&c.to_string(), ".").unwrap())
}

fn status(r: &Replay) -> Result<docusign_host::bindings::signing::EnvelopeInfo, ConnectorError> {
    host()
        .get_envelope_status(&r.capabilities(), &connection(), ENVELOPE)
        .expect("the host survives")
}

fn invalid_response(e: Result<impl std::fmt::Debug, ConnectorError>) -> String {
    match e {
        Err(ConnectorError::InvalidResponse(b)) => b.message,
        other => panic!("expected invalid-response, got {other:?}"),
    }
}

#[test]
fn truncated_and_mistyped_json() {
    let r = replay(
        [
            auth(),
            vec![status_get(
                json!({"status": 200, "body": {"text": "{\"envelopeId\": \"0d07"}}),
            )],
        ]
        .concat(),
    );
    assert!(invalid_response(status(&r)).contains("envelope: malformed JSON"));
    r.finish().unwrap();
    let r = replay(
        [
            auth(),
            vec![status_get(
                json!({"status": 200, "body": {"json": {"envelopeId": ENVELOPE, "status": 7}}}),
            )],
        ]
        .concat(),
    );
    assert!(invalid_response(status(&r)).contains("malformed JSON"));
    let r = replay(
        [
            auth(),
            vec![status_get(
                json!({"status": 200, "body": {"json": [1, 2, 3]}}),
            )],
        ]
        .concat(),
    );
    assert!(invalid_response(status(&r)).contains("malformed JSON"));
    let r = replay(
        [
            auth(),
            vec![status_get(
                json!({"status": 200, "body": {"json": {"envelopeId": ENVELOPE}}}),
            )],
        ]
        .concat(),
    );
    assert!(invalid_response(status(&r)).contains("no status"));
    // Broken token and userinfo replies.
    let r = replay(vec![
        json!({"request": {"method": "POST", "url": "https://account-d.docusign.com/oauth/token", "body": {"form": {"grant_type": "<any>", "assertion": "<jwt>"}}},
                               "response": {"status": 200, "body": {"json": {"access_token": 5, "expires_in": "soon"}}}}),
    ]);
    assert!(invalid_response(status(&r)).contains("token reply"));
    let mut broken_userinfo = auth();
    broken_userinfo[1]["response"]["body"] = json!({"text": "{\"sub\": \"u\", \"accounts\": [{"});
    let r = replay(broken_userinfo);
    assert!(invalid_response(status(&r)).contains("userinfo: malformed JSON"));
}

#[test]
fn html_error_pages_and_5xx_storms_are_retried_then_reported() {
    let page = json!({"status": 502, "headers": {"content-type": "text/html"}, "body": {"text": "<html><body>Bad Gateway</body></html>"}});
    let r = replay(
        [
            auth(),
            vec![
                status_get(page.clone()),
                status_get(page.clone()),
                status_get(page),
            ],
        ]
        .concat(),
    );
    match status(&r) {
        Err(ConnectorError::Api(e)) => {
            assert_eq!(e.status, 502);
            assert!(
                e.message.contains("text/html") && !e.message.contains("Bad Gateway"),
                "{}",
                e.message
            );
            assert!(e.hint.unwrap().contains("server error"));
        }
        other => panic!("{other:?}"),
    }
    r.finish().unwrap();
    let slept = r.clock.slept_ms();
    assert!(
        (750..=1500).contains(&slept),
        "exponential backoff with jitter: slept {slept} ms"
    );
    assert_eq!(
        r.log.text().matches("retrying in").count(),
        2,
        "{}",
        r.log.text()
    );
    // A 503 that clears up: the third attempt succeeds.
    let ok = json!({"status": 200, "body": {"json": {"envelopeId": ENVELOPE, "status": "sent"}}});
    let unavailable = json!({"status": 503, "headers": {"retry-after": "2"}, "body": {"text": ""}});
    let r = replay(
        [
            auth(),
            vec![
                status_get(unavailable.clone()),
                status_get(unavailable),
                status_get(ok),
            ],
        ]
        .concat(),
    );
    assert!(status(&r).is_ok());
    assert_eq!(r.clock.slept_ms(), 4000, "Retry-After honoured");
    r.finish().unwrap();
}

#[test]
fn creating_an_envelope_is_never_retried() {
    let create = json!({"request": {"method": "POST", "url": format!("{ACCOUNT_BASE}/envelopes"), "body": {"json": "<any>"}},
                        "response": {"status": 503, "body": {"json": {"errorCode": "UNSPECIFIED_ERROR", "message": "Service unavailable"}}}});
    let r = replay([auth(), vec![create]].concat());
    let req = docusign_host::bindings::signing::SendRequest {
        signer_emails: vec!["a@example.com".into()],
        signer_names: vec!["A".into()],
        documents: vec![docusign_host::bindings::signing::Document {
            name: "a.pdf".into(),
            content: b"%PDF-1.4".to_vec(),
        }],
        email_subject: "Sign".into(),
        email_body: None,
        cc_emails: vec![],
        cc_names: vec![],
        signing_order: vec![],
        expiration: None,
        reminders: None,
        idempotency_key: None,
        signer_fields: Vec::new(),
        signer_client_user_ids: Vec::new(),
    };
    match host()
        .send_for_signature(&r.capabilities(), &connection(), &req)
        .unwrap()
    {
        Err(ConnectorError::Api(e)) => assert_eq!(e.status, 503),
        other => panic!("{other:?}"),
    }
    r.finish().unwrap(); // exactly one POST: a second one was not even attempted
    assert_eq!(r.clock.slept_ms(), 0);
}

#[test]
fn redirects_are_not_followed() {
    let redirect = json!({"status": 302, "headers": {"location": ENVELOPE_URL_ELSEWHERE}, "body": {"text": ""}});
    let r = replay([auth(), vec![status_get(redirect)]].concat());
    let message = invalid_response(status(&r));
    assert!(
        message.contains("redirect") && message.contains("not followed"),
        "{message}"
    );
    r.finish().unwrap();
}

const ENVELOPE_URL_ELSEWHERE: &str = "https://evil.example.com/envelopes";

#[test]
fn slow_replies_time_out_and_are_retried_a_bounded_number_of_times() {
    let slow = |resp: Value| json!({"request": {"method": "GET", "url": format!("{ACCOUNT_BASE}/envelopes/{ENVELOPE}")}, "response": resp, "delay_ms": 31_000});
    let ok = json!({"status": 200, "body": {"json": {"envelopeId": ENVELOPE, "status": "sent"}}});
    let r = replay([auth(), vec![slow(ok.clone()), slow(ok.clone()), slow(ok)]].concat());
    match status(&r) {
        Err(ConnectorError::Transport(TransportError::Timeout(m))) => {
            assert!(m.contains("30000 ms"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    r.finish().unwrap();
}

/// A server claiming a 2 GB body, over real sockets: refused from the header, nothing read.
#[test]
fn huge_content_length_is_refused_before_reading() {
    let interactions = [auth(), vec![status_get(json!({"status": 200, "headers": {"content-type": "application/json", "content-length": "2147483648"}, "body": {"text": "{}"}}))]].concat();
    let server = ReplayServer::start(
        Cassette::parse(&json!({"interactions": interactions}).to_string(), ".").unwrap(),
        "127.0.0.1:0".parse().unwrap(),
        Some(common::test_tls()),
    )
    .unwrap();
    let options = live_options_to(&server);
    let caps = Capabilities {
        transport: Arc::new(LiveTransport::new(options).unwrap()),
        clock: Arc::new(ManualClock::new(START_MS)),
        state: Arc::new(MemoryStateStore::new()),
        log: Arc::new(MemoryLog::default()),
    };
    match host()
        .get_envelope_status(&caps, &connection(), ENVELOPE)
        .unwrap()
    {
        Err(ConnectorError::Transport(TransportError::BodyTooLarge(n))) => {
            assert_eq!(n, 2_147_483_648)
        }
        other => panic!("{other:?}"),
    }
    server.finish().unwrap(); // one request: a body too large is not retried
}

fn fetch_customer_events() -> FetchRequest {
    FetchRequest {
        event_types: vec![EventType::CustomerEvents],
        max_customer_events: 2000,
        max_audit_users: 1250,
        max_envelope_changes: 1000,
        first_fetch: None,
    }
}

fn monitor_get(response: Value) -> Value {
    json!({"request": {"method": "GET", "url": "https://api-d.docusign.com/v1/organizations/9c5fb8e1-2d3c-4b5a-8f7e-054ff8a249bf/stream?cursor=2025-05-02T15%3A39%3A00Z&limit=2000"}, "response": response})
}

fn no_checkpoint(r: &Replay) {
    assert!(
        !r.state_snapshot()
            .keys()
            .any(|k| k.ends_with("/fetch-checkpoint")),
        "no checkpoint may be written by a fetch"
    );
}

#[test]
fn broken_event_pages_move_no_checkpoint() {
    let token = auth().remove(0);
    for (page, expect) in [
        (
            json!({"status": 200, "body": {"json": {"data": []}}}),
            "no endCursor",
        ),
        (
            json!({"status": 200, "body": {"json": {"endCursor": "c", "data": {"not": "a list"}}}}),
            "malformed JSON",
        ),
        (
            json!({"status": 200, "body": {"text": "{\"endCursor\": \"c\", \"data\": [{\"eventId\""}}),
            "malformed JSON",
        ),
    ] {
        let r = replay(vec![token.clone(), monitor_get(page)]);
        let outcome = host()
            .fetch_events(&r.capabilities(), &connection(), &fetch_customer_events())
            .unwrap();
        assert!(invalid_response(outcome).contains(expect));
        no_checkpoint(&r);
        r.finish().unwrap();
    }
    let storm = json!({"status": 500, "body": {"json": {"errorCode": "UNSPECIFIED_ERROR", "message": "boom"}}});
    let r = replay(vec![
        token,
        monitor_get(storm.clone()),
        monitor_get(storm.clone()),
        monitor_get(storm),
    ]);
    assert!(
        matches!(host().fetch_events(&r.capabilities(), &connection(), &fetch_customer_events()).unwrap(), Err(ConnectorError::Api(e)) if e.status == 500)
    );
    no_checkpoint(&r);
    r.finish().unwrap();
}

/// A Monitor page bigger than the guest's memory cap stops that invocation; the host and its
/// checkpoint are fine, and the next invocation works.
#[test]
fn a_page_over_the_memory_cap_stops_the_guest_only() {
    let small = ConnectorHost::new(HostOptions {
        max_memory_bytes: 24 << 20,
        ..common::options()
    })
    .unwrap();
    let events: Vec<Value> = (0..60_000).map(|i| json!({"eventId": format!("e{i}"), "timestamp": "2025-05-02T15:39:30Z", "padding": "x".repeat(400)})).collect();
    let token = auth().remove(0);
    let r = replay(vec![
        token,
        monitor_get(json!({"status": 200, "body": {"json": {"endCursor": "c1", "data": events}}})),
    ]);
    match small.fetch_events(&r.capabilities(), &connection(), &fetch_customer_events()) {
        Err(HostError::MemoryLimit { limit_bytes, .. }) => assert_eq!(limit_bytes, 24 << 20),
        other => panic!("{other:?}"),
    }
    no_checkpoint(&r);
    let r = common::replay("auth/token-userinfo");
    assert!(
        small
            .auth_test(&r.capabilities(), &connection())
            .unwrap()
            .is_ok()
    );
}

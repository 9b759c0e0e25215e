//! The host over sockets: live HTTPS against the loopback replay server (blocking and async
//! clients), recording with redaction, the allow-list, the replay server's checks and keep-alive.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{
    ENVELOPE, START_MS, caps, cassette, connection, fixture, host, live_options_to, send_request,
};
use docusign_host::bindings::{ConnectorError, Request, TransportError};
use docusign_host::capabilities::Transport;
use docusign_host::replay::Replay;
use docusign_host::replay::ReplayServer;
use docusign_host::replay::form::decode as form_decode;
use docusign_host::replay::{Cassette, RecordingTransport};
use docusign_host::transport::LiveTransport;

fn loopback_server(name: &str) -> ReplayServer {
    ReplayServer::start(
        cassette(name),
        "127.0.0.1:0".parse().unwrap(),
        Some(common::test_tls()),
    )
    .unwrap()
}

/// Real HTTPS to the server: every DocuSign host resolves to it, names verified with the test CA.
fn live_to(server: &ReplayServer) -> LiveTransport {
    let options = live_options_to(server);
    LiveTransport::new(options).unwrap()
}

/// A typed call on the blocking path (`None`) or awaited on the async path on `Some(runtime)`.
macro_rules! call {
    ($rt:expr, $name:ident / $name_async:ident ($($arg:expr),*)) => {
        match $rt {
            None => host().$name($($arg),*),
            Some(rt) => rt.block_on(host().$name_async($($arg),*)),
        }
    };
}

/// A one-thread runtime without I/O: the live transport's async client must bring its own.
fn runtime_without_io() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

/// The whole signing flow over real sockets and TLS, the server checking every request: the
/// blocking client (ureq) and the async one (hyper).
#[test]
fn live_transport_runs_the_signing_flow_against_the_loopback_server() {
    signing_flow(None);
    signing_flow(Some(&runtime_without_io()));
}

fn signing_flow(rt: Option<&tokio::runtime::Runtime>) {
    let server = loopback_server("esign/happy-path");
    let (caps, _log) = caps(Arc::new(live_to(&server)), START_MS);
    let conn = connection();
    let request = send_request();
    let sent = call!(
        rt,
        send_for_signature / send_for_signature_async(&caps, &conn, &request)
    )
    .unwrap()
    .unwrap();
    assert_eq!(sent.envelope_id, ENVELOPE);
    for _ in 0..2 {
        assert!(
            call!(
                rt,
                get_envelope_status / get_envelope_status_async(&caps, &conn, ENVELOPE)
            )
            .unwrap()
            .is_ok()
        );
    }
    let docs = call!(
        rt,
        get_signed_documents / get_signed_documents_async(&caps, &conn, ENVELOPE)
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        docs.summary.content,
        std::fs::read(fixture("documents/signed/Summary.pdf")).unwrap()
    );
    let reason = "Customer changed their mind";
    assert!(matches!(
        call!(
            rt,
            void_envelope / void_envelope_async(&caps, &conn, ENVELOPE, reason)
        )
        .unwrap(),
        Err(ConnectorError::Api(_))
    ));
    // SNI and Host were the real DocuSign names: the server rebuilt the recorded URLs from them.
    let hosts: Vec<String> = server
        .transport()
        .received()
        .iter()
        .map(|q| q.url.split('/').nth(2).unwrap().to_owned())
        .collect();
    assert!(
        hosts.contains(&"account-d.docusign.com".to_owned())
            && hosts.contains(&"demo.docusign.net".to_owned()),
        "{hosts:?}"
    );
    server.finish().unwrap();
}

/// Live run recorded through the loopback server; the recording holds no secret bytes and
/// replays to the same results.
#[test]
fn record_then_replay_round_trip_redacts_secrets() {
    let server = loopback_server("esign/happy-path");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("recorded-happy-path.json");
    let _ = std::fs::remove_file(&path);
    let recording = Arc::new(RecordingTransport::new(
        live_to(&server),
        &path,
        "recorded",
        "2025-05-02T15:40:00Z".into(),
    ));
    let (caps, _) = caps(recording.clone(), START_MS);
    let conn = connection();
    let live_sent = host()
        .send_for_signature(&caps, &conn, &send_request())
        .unwrap()
        .unwrap();
    let live_status = host()
        .get_envelope_status(&caps, &conn, ENVELOPE)
        .unwrap()
        .unwrap();
    assert_eq!(recording.recorded(), 4, "token, userinfo, create, status");

    // What passed over the wire: the JWT assertion and the access token.
    let wire = server.transport().received();
    let assertion = form_decode(&wire[0].body).unwrap()["assertion"].clone();
    let bearer = wire[1]
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .unwrap()
        .1
        .clone();
    let token = bearer.strip_prefix("Bearer ").unwrap().to_owned();
    let file = std::fs::read(&path).unwrap();
    let text = String::from_utf8(file.clone()).unwrap();
    for secret in [
        assertion.as_str(),
        token.as_str(),
        &token[token.len() - 16..],
        &assertion[assertion.len() - 16..],
    ] {
        assert!(
            !file.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "secret bytes in the recording"
        );
    }
    for line in common::private_key_body_lines() {
        assert!(!text.contains(&line), "private key in the recording");
    }
    assert!(!text.contains("eyJ"), "no JWT-looking text at all");
    assert!(text.contains("\"assertion\": \"<jwt>\"") && text.contains("Bearer <redacted>"));

    let replay = Replay::load(&path).unwrap();
    let replayed_sent = host()
        .send_for_signature(&replay.capabilities(), &conn, &send_request())
        .unwrap()
        .unwrap();
    let replayed_status = host()
        .get_envelope_status(&replay.capabilities(), &conn, ENVELOPE)
        .unwrap()
        .unwrap();
    assert_eq!(replayed_sent, live_sent);
    assert_eq!(replayed_status, live_status);
    replay.finish().unwrap();
}

/// The developer environment cannot reach a production data center, even if userinfo says so:
/// the connector skips such accounts, and the host's allow-list refuses the host anyway.
#[test]
fn allow_list_refuses_hosts_outside_the_environment() {
    let c = serde_json::json!({"interactions": [
        {"request": {"method": "POST", "url": "https://account-d.docusign.com/oauth/token", "body": {"form": {"grant_type": "<any>", "assertion": "<jwt>"}}},
         "response": {"status": 200, "body": {"json": {"access_token": "t", "token_type": "Bearer", "expires_in": 3600}}}},
        {"request": {"method": "GET", "url": "https://account-d.docusign.com/oauth/userinfo"},
         "response": {"status": 200, "body": {"json": {"sub": "u", "accounts": [{"account_id": "a4ec37d6-1c2b-4c3d-9e4f-143885c220e1", "is_default": true, "base_uri": "https://na3.docusign.net"}]}}}}
    ]});
    let server = ReplayServer::start(
        Cassette::parse(&c.to_string(), ".").unwrap(),
        "127.0.0.1:0".parse().unwrap(),
        Some(common::test_tls()),
    )
    .unwrap();
    let (caps, log) = caps(Arc::new(live_to(&server)), START_MS);
    match host()
        .get_envelope_status(&caps, &connection(), ENVELOPE)
        .unwrap()
    {
        Err(ConnectorError::InvalidInput(e)) => {
            assert_eq!(e.field, "user-id");
            assert!(
                e.message.contains("no usable DocuSign account"),
                "{}",
                e.message
            );
        }
        other => panic!("expected the production account to be refused, got {other:?}"),
    }
    assert!(
        log.text()
            .contains("belongs to the other DocuSign environment"),
        "{}",
        log.text()
    );
    server.finish().unwrap(); // nothing was sent to na3

    // The host refuses by itself too, before resolving anything.
    let live = live_to(
        &ReplayServer::start(
            Cassette::parse(r#"{"interactions": []}"#, ".").unwrap(),
            "127.0.0.1:0".parse().unwrap(),
            None,
        )
        .unwrap(),
    );
    for url in [
        "https://na3.docusign.net/restapi/v2.1/accounts",
        "https://evil.example.com/",
        "http://demo.docusign.net/",
        "https://demo.docusign.net:8443/",
    ] {
        let req = Request {
            method: docusign_host::bindings::Method::Get,
            url: url.into(),
            headers: vec![],
            body: vec![],
            timeout_ms: Some(100),
        };
        let rt = runtime_without_io();
        for reply in [live.send(&req), rt.block_on(live.send_async(req.clone()))] {
            match reply {
                Err(TransportError::Denied(why)) => assert!(!why.is_empty()),
                other => panic!("{url}: expected a denial, got {other:?}"),
            }
        }
    }
}

/// The server checks requests too: a mismatch is a 500 CASSETTE_MISMATCH and fails the replay;
/// a client using the loopback address as host is matched on path, method and body.
#[test]
fn server_reports_mismatches_and_accepts_loopback_hosts() {
    let server = ReplayServer::start(
        cassette("auth/token-userinfo"),
        "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
        None,
    )
    .unwrap();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let url = format!("{}/oauth/userinfo", server.base_url());
    let mut resp = agent.get(&url).call().unwrap();
    assert_eq!(resp.status().as_u16(), 500);
    let body = resp.body_mut().read_to_string().unwrap();
    assert!(
        body.contains("CASSETTE_MISMATCH") && body.contains("method: expected POST, got GET"),
        "{body}"
    );
    assert!(
        server
            .finish()
            .unwrap_err()
            .to_string()
            .contains("does not match")
    );

    let server = ReplayServer::start(
        cassette("auth/consent-required"),
        "127.0.0.1:0".parse().unwrap(),
        None,
    )
    .unwrap();
    let jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ4In0.c2ln";
    let mut resp = agent
        .post(&format!("{}/oauth/token", server.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .send(format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={jwt}"
        ))
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(
        resp.body_mut().read_to_string().unwrap(),
        r#"{"error":"consent_required"}"#
    );
    server.finish().unwrap();
}

/// The server keeps HTTP/1.1 connections alive (pipelined requests included) and closes them
/// when the client asks.
#[test]
fn server_keeps_connections_alive_until_asked_to_close() {
    use std::io::{Read, Write};
    let interaction = |path: &str, body: &str| {
        serde_json::json!({
            "request": {"method": "GET", "url": format!("http://demo.docusign.net{path}")},
            "response": {"status": 200, "body": {"text": body}}
        })
    };
    let text = serde_json::json!({"interactions": [
        interaction("/a", "first"), interaction("/b", "second"), interaction("/c", "third")
    ]})
    .to_string();
    let server = ReplayServer::start(
        Cassette::parse(&text, ".").unwrap(),
        "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
        None,
    )
    .unwrap();
    let mut conn = std::net::TcpStream::connect(server.addr()).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let get = |path: &str, extra: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: demo.docusign.net\r\n{extra}\r\n")
    };
    // Two requests in one write, then a third asking to close, on the same connection.
    conn.write_all(format!("{}{}", get("/a", ""), get("/b", "")).as_bytes())
        .unwrap();
    conn.write_all(get("/c", "Connection: close\r\n").as_bytes())
        .unwrap();
    let mut replies = String::new();
    // read_to_string ends only when the server closes the connection.
    conn.read_to_string(&mut replies).unwrap();
    let heads: Vec<&str> = replies.matches("HTTP/1.1 200").collect();
    assert_eq!(heads.len(), 3, "{replies}");
    assert_eq!(
        replies.matches("connection: keep-alive").count(),
        2,
        "{replies}"
    );
    assert_eq!(replies.matches("connection: close").count(), 1, "{replies}");
    let (first, second, third) = (
        replies.find("first").unwrap(),
        replies.find("second").unwrap(),
        replies.find("third").unwrap(),
    );
    assert!(first < second && second < third, "{replies}");
    server.finish().unwrap();
}

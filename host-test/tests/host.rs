//! The host as a product: live HTTPS against the loopback replay server, recording with
//! redaction, the allow-list, limits under concurrency, the compiled-component cache.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{connection, fixture, host, live_options_to};
use docusign_host::bindings::{ConnectorError, Request, Response, TransportError};
use docusign_host::capabilities::{Capabilities, Transport};
use docusign_host::clock::{ManualClock, SystemClock};
use docusign_host::engine::CompileSource;
use docusign_host::log_sink::MemoryLog;
use docusign_host::replay::Replay;
use docusign_host::replay::ReplayServer;
use docusign_host::replay::form::decode as form_decode;
use docusign_host::replay::{Cassette, CassetteTransport, RecordingTransport};
use docusign_host::state_store::MemoryStateStore;
use docusign_host::transport::LiveTransport;
use docusign_host::{ConnectorHost, HostError, HostOptions};

const ENVELOPE: &str = "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad";

fn cassette(name: &str) -> Cassette {
    Cassette::load(fixture(&format!("cassettes/{name}.json"))).unwrap()
}

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

fn caps(transport: Arc<dyn Transport>, start_ms: u64) -> (Capabilities, Arc<MemoryLog>) {
    let log = Arc::new(MemoryLog::default());
    let caps = Capabilities {
        transport,
        clock: Arc::new(ManualClock::new(start_ms)),
        state: Arc::new(MemoryStateStore::new()),
        log: log.clone(),
    };
    (caps, log)
}

const START_MS: u64 = 1_746_200_400_000;

fn send_request() -> docusign_host::bindings::signing::SendRequest {
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("inputs/send.json")).unwrap())
            .unwrap();
    let read = |p: &str| std::fs::read(fixture(&format!("documents/{p}"))).unwrap();
    docusign_host::bindings::signing::SendRequest {
        signer_emails: serde_json::from_value(input["signer_emails"].clone()).unwrap(),
        signer_names: serde_json::from_value(input["signer_names"].clone()).unwrap(),
        documents: vec![
            docusign_host::bindings::signing::Document {
                name: "Master Services Agreement.pdf".into(),
                content: read("Master Services Agreement.pdf"),
            },
            docusign_host::bindings::signing::Document {
                name: "Order Form.txt".into(),
                content: read("Order Form.txt"),
            },
        ],
        email_subject: input["email_subject"].as_str().unwrap().into(),
        email_body: input["email_body"].as_str().map(Into::into),
        cc_emails: serde_json::from_value(input["cc_emails"].clone()).unwrap(),
        cc_names: serde_json::from_value(input["cc_names"].clone()).unwrap(),
        signing_order: vec![Some(1), Some(2)],
        expiration: Some(docusign_host::bindings::signing::Expiration {
            enabled: true,
            validity_days: Some(30),
            warning_days: Some(5),
        }),
        reminders: Some(docusign_host::bindings::signing::Reminders {
            enabled: true,
            first_reminder_days: Some(2),
            interval_days: Some(1),
        }),
        idempotency_key: None,
        signer_fields: Vec::new(),
        signer_client_user_ids: Vec::new(),
    }
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

/// A transport that ignores the timeout it is given and takes `delay`.
struct SlowTransport {
    delay: Duration,
}

impl Transport for SlowTransport {
    fn send(&self, _request: &Request) -> Result<Response, TransportError> {
        std::thread::sleep(self.delay);
        Ok(Response {
            status: 500,
            headers: vec![],
            body: vec![],
        })
    }
}

/// On one host, invocations over their memory cap or time bound are stopped with clear errors
/// while the others, running at the same time, succeed.
#[test]
fn limits_stop_one_invocation_while_others_continue() {
    let limited = Arc::new(
        ConnectorHost::new(HostOptions {
            max_memory_bytes: 24 << 20,
            invocation_timeout: Duration::from_millis(1500),
            ..common::options()
        })
        .unwrap(),
    );
    let huge = serde_json::json!({"interactions": [
        {"request": {"method": "POST", "url": "https://account-d.docusign.com/oauth/token", "body": {"form": {"grant_type": "<any>", "assertion": "<jwt>"}}},
         "response": {"status": 200, "body": {"text": "x".repeat(40 << 20)}}}
    ]});
    let huge = Cassette::parse(&huge.to_string(), ".").unwrap();
    let barrier = Arc::new(Barrier::new(6));
    let mut threads = Vec::new();
    {
        let (h, b) = (limited.clone(), barrier.clone());
        threads.push(std::thread::spawn(move || {
            let (caps, _) = caps(
                Arc::new(SlowTransport {
                    delay: Duration::from_secs(3),
                }),
                START_MS,
            );
            b.wait();
            let started = Instant::now();
            let outcome = h.auth_test(&caps, &connection());
            (
                format!("slow: {outcome:?}"),
                matches!(outcome, Err(HostError::Timeout { .. })),
                started.elapsed(),
            )
        }));
    }
    {
        let (h, b) = (limited.clone(), barrier.clone());
        threads.push(std::thread::spawn(move || {
            let r = Replay::new(huge);
            b.wait();
            let started = Instant::now();
            let outcome = h.auth_test(&r.capabilities(), &connection());
            (
                format!("huge: {outcome:?}"),
                matches!(outcome, Err(HostError::MemoryLimit { .. })),
                started.elapsed(),
            )
        }));
    }
    for _ in 0..4 {
        let (h, b) = (limited.clone(), barrier.clone());
        threads.push(std::thread::spawn(move || {
            let r = Replay::load(fixture("cassettes/auth/token-userinfo.json")).unwrap();
            b.wait();
            let started = Instant::now();
            let outcome = h.auth_test(&r.capabilities(), &connection());
            let ok = matches!(outcome, Ok(Ok(_))) && r.finish().is_ok();
            (format!("normal: {outcome:?}"), ok, started.elapsed())
        }));
    }
    for t in threads {
        let (what, ok, elapsed) = t.join().unwrap();
        assert!(ok, "{what} after {elapsed:?}");
    }
    let timeout = HostError::Timeout {
        limit: Duration::from_millis(1500),
    };
    assert_eq!(
        timeout.to_string(),
        "the connector was stopped: it ran longer than the limit of 1.5 s"
    );
    // And the host still serves.
    let r = Replay::load(fixture("cassettes/auth/token-userinfo.json")).unwrap();
    assert!(
        limited
            .auth_test(&r.capabilities(), &connection())
            .unwrap()
            .is_ok()
    );
}

/// Eight threads invoke at once with one state store: one token grant, one userinfo call.
#[test]
fn concurrent_invocations_share_one_token() {
    const THREADS: usize = 8;
    let envelope = serde_json::json!({"envelopeId": ENVELOPE, "status": "sent", "statusChangedDateTime": "2025-05-02T15:40:01.3970000Z"});
    let mut interactions = vec![
        serde_json::json!({"request": {"method": "POST", "url": "https://account-d.docusign.com/oauth/token", "body": {"form": {"grant_type": "<any>", "assertion": "<jwt>"}}},
         "response": {"status": 200, "body": {"json": {"access_token": "shared-token", "token_type": "Bearer", "expires_in": 3600}}}}),
        serde_json::json!({"request": {"method": "GET", "url": "https://account-d.docusign.com/oauth/userinfo"},
         "response": {"status": 200, "body": {"json": {"sub": "u", "accounts": [{"account_id": "a4ec37d6-1c2b-4c3d-9e4f-143885c220e1", "is_default": true, "base_uri": "https://demo.docusign.net"}]}}}}),
    ];
    for _ in 0..THREADS {
        interactions.push(serde_json::json!({
            "request": {"method": "GET", "url": format!("https://demo.docusign.net/restapi/v2.1/accounts/a4ec37d6-1c2b-4c3d-9e4f-143885c220e1/envelopes/{ENVELOPE}"), "headers": {"authorization": "Bearer shared-token"}},
            "response": {"status": 200, "body": {"json": envelope}}}));
    }
    let transport = Arc::new(CassetteTransport::new(
        Cassette::parse(
            &serde_json::json!({"interactions": interactions}).to_string(),
            ".",
        )
        .unwrap(),
    ));
    let state = Arc::new(MemoryStateStore::new());
    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let caps = Capabilities {
                transport: transport.clone(),
                clock: Arc::new(SystemClock),
                state: state.clone(),
                log: Arc::new(MemoryLog::default()),
            };
            let b = barrier.clone();
            std::thread::spawn(move || {
                b.wait();
                host().get_envelope_status(&caps, &connection(), ENVELOPE)
            })
        })
        .collect();
    for t in threads {
        let status = t.join().unwrap().unwrap().unwrap();
        assert_eq!(status.envelope_id, ENVELOPE);
    }
    transport.finish().unwrap();
    let received = transport.received();
    assert_eq!(transport.token_requests(), 1, "one token for all");
    assert_eq!(
        received
            .iter()
            .filter(|q| q.url.ends_with("/oauth/userinfo"))
            .count(),
        1,
        "one userinfo for all"
    );
}

#[test]
fn the_host_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ConnectorHost>();
}

/// A warm start deserializes the cached compilation instead of running Cranelift; a damaged
/// cache file is recompiled, not trusted.
#[test]
fn compiled_component_cache() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let options = HostOptions {
        cache_dir: Some(dir.clone()),
        ..HostOptions::default()
    };
    let cold = ConnectorHost::new(options.clone()).unwrap();
    assert_eq!(cold.compile_source(), CompileSource::Compiled);
    let started = Instant::now();
    let warm = ConnectorHost::new(options.clone()).unwrap();
    assert_eq!(warm.compile_source(), CompileSource::Cache);
    eprintln!("warm start: {:?}", started.elapsed());
    let r = Replay::load(fixture("cassettes/auth/token-userinfo.json")).unwrap();
    assert!(
        warm.auth_test(&r.capabilities(), &connection())
            .unwrap()
            .is_ok()
    );
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("connector-{}", &cold.component_sha256()[..16]))
            && name.contains("wasmtime48."),
        "{name}"
    );
    std::fs::write(&files[0], b"not a compiled component").unwrap();
    let repaired = ConnectorHost::new(options).unwrap();
    assert_eq!(repaired.compile_source(), CompileSource::Compiled);
    std::fs::remove_dir_all(&dir).unwrap();
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

/// Answers the token grant, userinfo and envelope creation; keeps the envelope body it received.
struct UploadTransport {
    received: std::sync::Mutex<Vec<u8>>,
}

impl Transport for UploadTransport {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let json = |status: u16, body: serde_json::Value| Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        };
        Ok(if request.url.ends_with("/oauth/token") {
            json(
                200,
                serde_json::json!({"access_token": "t0k", "token_type": "Bearer", "expires_in": 3600}),
            )
        } else if request.url.ends_with("/oauth/userinfo") {
            json(
                200,
                serde_json::json!({"sub": "4799e5e9-1559-4915-9862-cf4713bbcacc", "name": "A", "email": "a@example.com",
                "accounts": [{"account_id": "a4ec37d6-1c2b-4c3d-9e4f-143885c220e1", "is_default": true, "account_name": "E", "base_uri": "https://demo.docusign.net"}]}),
            )
        } else {
            *self.received.lock().unwrap() = request.body.clone();
            json(
                201,
                serde_json::json!({"envelopeId": ENVELOPE, "status": "sent"}),
            )
        })
    }
}

/// A large document reaches the server exactly, base64-encoded piece by piece into the host's
/// body: the guest never holds the encoded body, so its memory stays near the document's size.
#[test]
fn large_uploads_are_assembled_by_the_host() {
    use base64::Engine as _;
    let document: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..8_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8))
        .collect();
    let mut request = send_request();
    request.documents = vec![docusign_host::bindings::signing::Document {
        name: "Large.pdf".into(),
        content: document.clone(),
    }];
    let transport = Arc::new(UploadTransport {
        received: std::sync::Mutex::new(Vec::new()),
    });
    let (caps, _) = caps(transport.clone(), START_MS);
    let host = host();
    let (outcome, stats) = host.invoke_measured(&caps, async |c, s| {
        c.docusign_connector_signing()
            .call_send_for_signature(s, &connection(), &request)
            .await
    });
    assert_eq!(outcome.unwrap().unwrap().envelope_id, ENVELOPE);
    let body: serde_json::Value =
        serde_json::from_slice(&transport.received.lock().unwrap()).unwrap();
    let sent = base64::engine::general_purpose::STANDARD
        .decode(body["documents"][0]["documentBase64"].as_str().unwrap())
        .unwrap();
    assert!(sent == document, "the document arrived altered");
    // Holding the encoded body too would take the guest past 2.3x the document.
    let doc = document.len();
    assert!(
        stats.guest_memory_peak_bytes >= doc && stats.guest_memory_peak_bytes < doc * 3 / 2,
        "guest memory peak {} for a {doc}-byte document",
        stats.guest_memory_peak_bytes
    );
    assert!(stats.http_bytes_received > 0);
}

/// The pooling allocator runs invocations like the default one; with every slot taken, another
/// invocation is refused as busy (not a crash), and the host serves again once slots free up.
#[test]
fn pooling_allocator_runs_invocations_and_reports_busy() {
    use docusign_host::engine::{Allocation, Instantiate};
    let pooled = Arc::new(
        ConnectorHost::new(HostOptions {
            allocation: Allocation::Pooling { max_concurrent: 1 },
            ..common::options()
        })
        .unwrap(),
    );
    let r = Replay::load(fixture("cassettes/auth/token-userinfo.json")).unwrap();
    assert!(matches!(
        pooled.auth_test(&r.capabilities(), &connection()),
        Ok(Ok(_))
    ));
    r.finish().unwrap();
    let (idle, _) = caps(
        Arc::new(CassetteTransport::new(cassette("auth/token-userinfo"))),
        START_MS,
    );
    for via in [Instantiate::Linker, Instantiate::InstancePre] {
        pooled.instantiate(&idle, via).unwrap();
        host().instantiate(&idle, via).unwrap();
    }

    // An invocation held inside its first HTTP request occupies the only slot.
    let gate = Arc::new(GateTransport {
        arrived: Barrier::new(2),
        release: Barrier::new(2),
    });
    let busy = {
        let (pooled, gate) = (pooled.clone(), gate.clone());
        std::thread::spawn(move || {
            let (held, _) = caps(gate, START_MS);
            pooled.auth_test(&held, &connection())
        })
    };
    gate.arrived.wait();
    let refused = pooled.instantiate(&idle, Instantiate::InstancePre);
    gate.release.wait();
    assert_eq!(refused, Err(HostError::Busy { max_concurrent: 1 }));
    assert!(refused.unwrap_err().to_string().contains("busy"));
    // The held invocation completes normally (DocuSign's 400 is a typed error, not a host one).
    assert!(matches!(
        busy.join().unwrap(),
        Ok(Err(ConnectorError::AuthFailed(_)))
    ));
    pooled.instantiate(&idle, Instantiate::InstancePre).unwrap();
}

/// Holds its first request until released, then answers 400 `invalid_grant`.
struct GateTransport {
    arrived: Barrier,
    release: Barrier,
}

impl Transport for GateTransport {
    fn send(&self, _request: &Request) -> Result<Response, TransportError> {
        self.arrived.wait();
        self.release.wait();
        Ok(Response {
            status: 400,
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"error":"invalid_grant","error_description":"no_valid_keys_or_signatures"}"#
                .to_vec(),
        })
    }
}

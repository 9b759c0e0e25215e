//! Instances and what they may use: limits under concurrency, one token shared by concurrent
//! invocations, the compiled-component cache, large uploads assembled by the host, the pooling
//! allocator's slots.

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{ENVELOPE, START_MS, caps, cassette, connection, fixture, host, send_request};
use docusign_host::bindings::{ConnectorError, Request, Response, TransportError};
use docusign_host::capabilities::{Capabilities, Transport};
use docusign_host::clock::SystemClock;
use docusign_host::engine::{CompileSource, DeadlineChecks};
use docusign_host::log_sink::MemoryLog;
use docusign_host::replay::{Cassette, CassetteTransport, Replay};
use docusign_host::state_store::MemoryStateStore;
use docusign_host::{ConnectorHost, HostError, HostOptions};

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

/// Checked at host calls only, the time bound still stops a request that outlives it, and the
/// host goes on serving.
#[test]
fn host_call_checks_still_stop_a_slow_request() {
    let host = ConnectorHost::new(HostOptions {
        invocation_timeout: Duration::from_millis(1500),
        deadline_checks: DeadlineChecks::HostCallsOnly,
        ..common::options()
    })
    .unwrap();
    let (slow, _) = caps(
        Arc::new(SlowTransport {
            delay: Duration::from_secs(3),
        }),
        START_MS,
    );
    let outcome = host.auth_test(&slow, &connection());
    assert!(
        matches!(
            outcome,
            Err(HostError::Timeout { limit }) if limit == Duration::from_millis(1500)
        ),
        "{outcome:?}"
    );
    let r = Replay::load(fixture("cassettes/auth/token-userinfo.json")).unwrap();
    assert!(
        host.auth_test(&r.capabilities(), &connection())
            .unwrap()
            .is_ok()
    );
    r.finish().unwrap();
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

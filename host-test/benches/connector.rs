//! Side by side: the connector inside the component and the same Rust code native; the host's
//! load, instantiation and per-invocation overhead; large documents; a batch of Monitor events.
//! `bash host-test/benches/run.sh` runs this with the memory, flow and OpenSSL measurements and
//! prints one table; BENCHMARKS.md has the results.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use docusign_connector::auth::{jwt, scopes, token};
use docusign_connector::events;
use docusign_connector::request::HttpResponse;
use docusign_connector::testing::FakeHost;
use docusign_host::bindings::{Method, Request, commands};
use docusign_host::engine::{
    Allocation, Artifact, DeadlineChecks, EMBEDDED_COMPONENT, Instantiate,
};
use docusign_host::replay::{Cassette, CassetteTransport};
use docusign_host::{ConnectorHost, HostOptions, Transport};
use support::*;

/// Size of the large document.
const LARGE_DOCUMENT_BYTES: usize = 25 << 20;
/// Events in the Monitor batch.
const EVENTS: usize = 2000;
/// The suffix of rows whose host checks the time bound at host calls only.
const HOST_CALL_CHECKS: &str = ", host-call checks only";

fn unwrap<T, E: std::fmt::Debug, H: std::fmt::Debug>(r: Result<Result<T, E>, H>) -> T {
    r.expect("host error").expect("connector error")
}

/// RS256: the signature alone (native), and a token grant (PEM parse + JWT + sign + token
/// reply) natively and inside the component. The component's grant is measured as the
/// difference between get-envelope-status without and with a cached token.
fn rs256(c: &mut Criterion) {
    let config = native_config();
    let key = config.private_key.to_rsa().unwrap();
    let wanted = scopes::combine(scopes::ESIGNATURE, &[]);
    let claims = jwt::Claims::new(
        &config.integration_key,
        &config.user_id,
        &config.auth_host,
        (NOW_MS / 1000) as i64,
        &wanted,
    );
    let mut g = c.benchmark_group("rs256");
    g.sample_size(30);
    g.bench_function("sign/native", |b| {
        b.iter(|| jwt::sign(black_box(&key), black_box(&claims)).unwrap())
    });
    let token_reply = HttpResponse {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: TOKEN_REPLY.as_bytes().to_vec(),
    };
    g.bench_function("grant/native", |b| {
        b.iter(|| {
            let fake = FakeHost::answering(token_reply.clone());
            token::grant(&fake, &config, &wanted).unwrap()
        })
    });

    let conn = connection();
    let transport: Arc<dyn Transport> = Arc::new(
        RouteTransport::new()
            .json("/oauth/token", 200, TOKEN_REPLY)
            .json(&format!("/envelopes/{ENVELOPE_ID}"), 200, &status_reply()),
    );
    // The tuned build (what the host loads) under the plain names; the portable build beside it,
    // and the tuned build with the time bound checked at host calls only (no epoch checks).
    for (artifact, checks, suffix) in [
        (Artifact::Tuned, DeadlineChecks::GuestCode, ""),
        (Artifact::Portable, DeadlineChecks::GuestCode, ", portable"),
        (
            Artifact::Tuned,
            DeadlineChecks::HostCallsOnly,
            HOST_CALL_CHECKS,
        ),
    ] {
        let host = load_checked(artifact, Allocation::OnDemand, checks);
        for (name, with_token) in [
            ("grant/component (status uncached - cached)", false),
            ("status/component (cached token)", true),
        ] {
            let entries = session_state(with_token);
            g.bench_function(format!("{name}{suffix}"), |b| {
                b.iter_batched(
                    || caps(transport.clone(), state_with(&entries)),
                    |caps| unwrap(host.get_envelope_status(&caps, &conn, ENVELOPE_ID)),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

/// Parsing the private key PEM (PKCS#1 and PKCS#8), natively.
fn pem(c: &mut Criterion) {
    use docusign_connector::pem::PemKey;
    let mut g = c.benchmark_group("pem");
    for (name, file) in [
        ("parse/pkcs1", "keys/test-only-rsa-pkcs1.pem"),
        ("parse/pkcs8", "keys/test-only-rsa-pkcs8.pem"),
    ] {
        let text = std::fs::read_to_string(fixture(file)).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| {
                PemKey::from_text(black_box(&text))
                    .unwrap()
                    .to_rsa()
                    .unwrap()
            })
        });
    }
    g.finish();
}

/// get-envelope-status with a cached token, replayed from a cassette, against the replay alone.
fn invocation_overhead(c: &mut Criterion) {
    let host = load_host(Allocation::OnDemand);
    let pooled = host_pooled();
    let conn = connection();
    let entries = session_state(true);
    let url = format!(
        "https://demo.docusign.net/restapi/v2.1/accounts/{ACCOUNT_ID}/envelopes/{ENVELOPE_ID}"
    );
    let cassette = Cassette::parse(
        &serde_json::json!({
            "interactions": [{
                "request": {"method": "GET", "url": url,
                            "headers": {"authorization": "Bearer <redacted>", "accept": "application/json"}},
                "response": {"status": 200, "body": {"json": serde_json::from_str::<serde_json::Value>(&status_reply()).unwrap()}}
            }]
        })
        .to_string(),
        fixture("cassettes"),
    )
    .unwrap();
    let mut g = c.benchmark_group("get-status");
    g.bench_function("replay only", |b| {
        let request = Request {
            method: Method::Get,
            url: url.clone(),
            headers: vec![
                ("Accept".into(), "application/json".into()),
                ("Authorization".into(), "Bearer bench-access-token".into()),
            ],
            body: Vec::new(),
            timeout_ms: Some(30_000),
        };
        b.iter_batched(
            || CassetteTransport::new(cassette.clone()),
            |t| t.send(&request).unwrap(),
            BatchSize::SmallInput,
        )
    });
    for (name, host) in [("invocation", &host), ("invocation, pooling", &pooled)] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    let t: Arc<dyn Transport> = Arc::new(CassetteTransport::new(cassette.clone()));
                    caps(t, state_with(&entries))
                },
                |caps| unwrap(host.get_envelope_status(&caps, &conn, ENVELOPE_ID)),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn host_pooled() -> ConnectorHost {
    load_host(Allocation::Pooling { max_concurrent: 16 })
}

/// A fresh instance: `Linker::instantiate`, `InstancePre`, `InstancePre` + pooling allocator.
fn instantiate(c: &mut Criterion) {
    let on_demand = load_host(Allocation::OnDemand);
    let pooled = host_pooled();
    let caps = caps(Arc::new(RouteTransport::new()), state_with(&[]));
    let mut g = c.benchmark_group("instantiate");
    g.bench_function("linker", |b| {
        b.iter(|| on_demand.instantiate(&caps, Instantiate::Linker).unwrap())
    });
    g.bench_function("instance-pre", |b| {
        b.iter(|| {
            on_demand
                .instantiate(&caps, Instantiate::InstancePre)
                .unwrap()
        })
    });
    g.bench_function("instance-pre + pooling", |b| {
        b.iter(|| pooled.instantiate(&caps, Instantiate::InstancePre).unwrap())
    });
    g.finish();
}

/// Loading the component: Cranelift compile against deserializing the cached compilation.
fn load(c: &mut Criterion) {
    let cache = std::env::temp_dir().join("docusign-bench-load-cache");
    let _ = std::fs::remove_dir_all(&cache);
    let cached = HostOptions {
        cache_dir: Some(cache),
        ..HostOptions::default()
    };
    let first = ConnectorHost::from_bytes(EMBEDDED_COMPONENT, cached.clone()).unwrap();
    drop(first);
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("compile (cold)", |b| {
        let options = HostOptions {
            cache_dir: None,
            ..HostOptions::default()
        };
        b.iter(|| ConnectorHost::from_bytes(EMBEDDED_COMPONENT, options.clone()).unwrap())
    });
    g.bench_function("cached (warm)", |b| {
        b.iter(|| {
            let h = ConnectorHost::from_bytes(EMBEDDED_COMPONENT, cached.clone()).unwrap();
            assert_eq!(
                h.compile_source(),
                docusign_host::engine::CompileSource::Cache
            );
            h
        })
    });
    g.finish();
}

/// Sending and downloading a 25 MB document through the component (time; memory is measured
/// by the `memory` benchmark in separate processes).
fn large_document(c: &mut Criterion) {
    let host = load_host(Allocation::OnDemand);
    let conn = connection();
    let entries = session_state(true);
    let document = pdf(LARGE_DOCUMENT_BYTES);
    let mut g = c.benchmark_group("document-25mb");
    g.sample_size(10);
    let send: Arc<dyn Transport> =
        Arc::new(RouteTransport::new().json("/envelopes", 201, &created_reply()));
    g.bench_function("send", |b| {
        b.iter_batched(
            || {
                (
                    caps(send.clone(), state_with(&entries)),
                    send_request(document.clone()),
                )
            },
            |(caps, req)| unwrap(host.send_for_signature(&caps, &conn, &req)),
            BatchSize::PerIteration,
        )
    });
    let download: Arc<dyn Transport> = Arc::new(
        RouteTransport::new()
            .route("/documents/1", 200, "application/pdf", document.clone())
            .route(
                "/documents/certificate",
                200,
                "application/pdf",
                pdf(40_000),
            )
            .json("/documents", 200, &documents_list_reply()),
    );
    g.bench_function("download", |b| {
        b.iter_batched(
            || caps(download.clone(), state_with(&entries)),
            |caps| unwrap(host.get_signed_documents(&caps, &conn, ENVELOPE_ID)),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// fetch-events of 2000 Monitor customer events: parse, normalize, dedup, checkpoint.
fn monitor_events(c: &mut Criterion) {
    let page = monitor_page(EVENTS);
    let mut g = c.benchmark_group("events-2000");
    let config = native_config();
    let reply = HttpResponse {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: page.clone(),
    };
    let native_request = events::FetchRequest {
        event_types: vec![events::EventType::CustomerEvents],
        max_customer_events: EVENTS as u32,
        max_audit_users: 0,
        max_envelope_changes: 0,
        first_fetch: None,
    };
    g.bench_function("fetch/native", |b| {
        b.iter_batched(
            || {
                let fake = FakeHost::answering(reply.clone());
                for (k, v) in session_state(true) {
                    fake.state.borrow_mut().insert(k, v);
                }
                fake
            },
            |fake| {
                let batch = events::fetch_events(&fake, &config, &native_request).unwrap();
                assert_eq!(batch.events.len(), EVENTS);
                batch
            },
            BatchSize::SmallInput,
        )
    });
    let host = load_host(Allocation::OnDemand);
    let conn = connection();
    let entries = session_state(true);
    let transport: Arc<dyn Transport> =
        Arc::new(RouteTransport::new().route("/stream?", 200, "application/json", page));
    let request = commands::FetchRequest {
        event_types: vec![commands::EventType::CustomerEvents],
        max_customer_events: EVENTS as u32,
        max_audit_users: 0,
        max_envelope_changes: 0,
        first_fetch: None,
    };
    let pooled = host_pooled();
    let unchecked = load_checked(
        Artifact::Tuned,
        Allocation::Pooling { max_concurrent: 16 },
        DeadlineChecks::HostCallsOnly,
    );
    let unchecked_name = format!("fetch/component, pooling{HOST_CALL_CHECKS}");
    for (name, host) in [
        ("fetch/component", &host),
        ("fetch/component, pooling", &pooled),
        (unchecked_name.as_str(), &unchecked),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || caps(transport.clone(), state_with(&entries)),
                |caps| {
                    let batch = unwrap(host.fetch_events(&caps, &conn, &request));
                    assert_eq!(batch.events.len(), EVENTS);
                    batch
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    rs256,
    pem,
    invocation_overhead,
    instantiate,
    load,
    large_document,
    monitor_events
);
criterion_main!(benches);

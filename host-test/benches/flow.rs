//! The signing flow end to end over real HTTPS against the loopback replay server, the same flow
//! `python_sdk_flow.py` runs through DocuSign's Python SDK: send-for-signature (JWT grant,
//! userinfo, create), get-envelope-status, get-signed-documents (list, document, certificate).
//! Each flow starts with an empty state store, so each one signs a JWT and gets a token.
//! `--warmup W` flows run first and are not timed (connection set-up, first-touch page faults,
//! caches), as in the Python client. Prints one JSON line with the time of each timed flow in
//! milliseconds; the server's cassette must hold W + N flows.
//!
//! `--client component` (default): the component in wasmtime. `--client native`: the same
//! connector code compiled natively (no wasm), through the same transport. `--client floor`: the
//! HTTP floor, the seven requests of the first warm-up flow (there the component's, so `--warmup`
//! must be at least 1) sent again as recorded, bodies precomputed, through the same transport.
//!
//!     docusign-host serve flows.json --ca-out ca.pem --addr 127.0.0.1:PORT &
//!     cargo bench -p docusign-host --bench flow -- --port PORT --ca ca.pem --flows N --warmup W
//!         [--client component|native|floor] [--cached-token] [--allocation pooling|on-demand]
//!         [--host-call-checks]
//!     cargo bench -p docusign-host --bench flow -- --cassette flows.json --flows N --warmup W ...
//!
//! The component runs with the pooling allocator (as a busy service should) unless
//! `--allocation on-demand`, and its time bound checked in guest code too (the default) unless
//! `--host-call-checks` (`DeadlineChecks::HostCallsOnly`).
//!
//! `--cached-token`: as a service runs, one token (and userinfo) for all flows: the first flow
//! gets them, the others send 5 requests (the server's cassette is made with `--cached-token`).
//!
//! `--cassette FILE` instead of `--port`/`--ca`: the same flows replayed in process from the
//! server's cassette (no network), to separate what the exchanges cost from what runs between
//! them. Besides each flow's wall time the output has each step's wall time and this thread's
//! CPU time (`steps_ms`, `steps_cpu_us`; not for the floor).

#[path = "support/native_host.rs"]
mod native_host;
#[path = "support/mod.rs"]
mod support;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use docusign_host::bindings::signing::EnvelopeStatus;
use docusign_host::bindings::{Request, Response, TransportError};
use docusign_host::clock::SystemClock;
use docusign_host::engine::{Allocation, Artifact, DeadlineChecks};
use docusign_host::log_sink::NullLog;
use docusign_host::replay::CassetteTransport;
use docusign_host::state_store::MemoryStateStore;
use docusign_host::{Capabilities, Transport};
use support::*;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let inner: Box<dyn Transport> = match (
        arg(&args, "--port"),
        arg(&args, "--ca"),
        arg(&args, "--cassette"),
    ) {
        (Some(port), Some(ca), None) => {
            let server = format!("127.0.0.1:{port}").parse().expect("port");
            Box::new(live_to(server, std::fs::read(&ca).expect("CA file")))
        }
        (None, None, Some(cassette)) => {
            Box::new(CassetteTransport::load(&cassette).expect("the cassette"))
        }
        _ => {
            // `cargo bench` without arguments: nothing to measure without a server.
            eprintln!(
                "flow: needs --port PORT --ca FILE or --cassette FILE [--flows N] \
                 (see host-test/benches/run.sh)"
            );
            return;
        }
    };
    let flows: usize = arg(&args, "--flows")
        .and_then(|n| n.parse().ok())
        .unwrap_or(30);
    let warmup: usize = arg(&args, "--warmup")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let client = arg(&args, "--client").unwrap_or_else(|| "component".to_owned());
    let transport = Arc::new(Capture {
        inner,
        recording: Mutex::new(Some(Vec::new())),
        recorded: OnceLock::new(),
    });
    let allocation = match arg(&args, "--allocation").as_deref() {
        Some("on-demand") => Allocation::OnDemand,
        _ => Allocation::Pooling { max_concurrent: 16 },
    };
    let deadline_checks =
        DeadlineChecks::in_guest_code(!args.iter().any(|a| a == "--host-call-checks"));
    let host = load_checked(Artifact::Tuned, allocation, deadline_checks);
    let conn = connection();
    let document = std::fs::read(fixture("documents/Master Services Agreement.pdf")).unwrap();
    let request = {
        let mut r = send_request(document.clone());
        r.documents[0].name = "Master Services Agreement.pdf".into();
        r
    };
    let native_request = native_send_request(&request);
    let config = native_config();
    let cached_token = args.iter().any(|a| a == "--cached-token");
    let shared_state = Arc::new(MemoryStateStore::new());
    let shared_native = native_host::NativeHost::new(&*transport.inner);

    let mut times_ms = Vec::with_capacity(flows);
    // Per step of a timed flow (component and native): send, status, documents.
    let mut steps_ms: [Vec<f64>; 3] = Default::default();
    let mut steps_cpu_us: [Vec<f64>; 3] = Default::default();
    let mut step_ms = [0.0; 3];
    let mut step_cpu_us = [0.0; 3];
    let mut downloaded = 0;
    for flow in 0..warmup + flows {
        let started = Instant::now();
        // The floor's first flow is the component's: it replays that flow's requests.
        let mode = if flow == 0 && client == "floor" {
            "component"
        } else {
            client.as_str()
        };
        let (status, documents) = match mode {
            "native" => {
                let fresh;
                let native = if cached_token {
                    &shared_native
                } else {
                    fresh = native_host::NativeHost::new(&*transport.inner);
                    &fresh
                };
                let mut lap = Lap::new(&mut step_ms, &mut step_cpu_us);
                let sent =
                    docusign_connector::esign::send::send(native, &config, native_request.clone())
                        .expect("send");
                lap.step();
                let status = docusign_connector::esign::status::get_status(
                    native,
                    &config,
                    &sent.envelope_id,
                )
                .expect("status");
                lap.step();
                let docs = docusign_connector::esign::documents::get_signed_documents(
                    native,
                    &config,
                    &sent.envelope_id,
                )
                .expect("documents");
                lap.step();
                (
                    status.status == docusign_connector::esign::EnvelopeStatus::Sent,
                    docs.documents.len(),
                )
            }
            "floor" => {
                // With a cached token the floor sends no token or userinfo request either.
                let requests = transport
                    .recorded()
                    .iter()
                    .filter(|r| !(cached_token && r.url.contains("/oauth/")));
                let mut sent = 0;
                for req in requests {
                    let reply = transport.inner.send(req).expect("an exchange");
                    assert!(reply.status < 300, "{} {}", reply.status, req.url);
                    sent += 1;
                }
                (true, sent - if cached_token { 4 } else { 6 })
            }
            "component" => {
                let caps = Capabilities {
                    transport: transport.clone(),
                    clock: Arc::new(SystemClock),
                    state: if cached_token {
                        shared_state.clone()
                    } else {
                        Arc::new(MemoryStateStore::new())
                    },
                    log: Arc::new(NullLog),
                };
                let mut lap = Lap::new(&mut step_ms, &mut step_cpu_us);
                let sent = host
                    .send_for_signature(&caps, &conn, &request)
                    .expect("host")
                    .expect("send");
                lap.step();
                let status = host
                    .get_envelope_status(&caps, &conn, &sent.envelope_id)
                    .expect("host")
                    .expect("status");
                lap.step();
                let docs = host
                    .get_signed_documents(&caps, &conn, &sent.envelope_id)
                    .expect("host")
                    .expect("documents");
                lap.step();
                (status.status == EnvelopeStatus::Sent, docs.documents.len())
            }
            other => panic!("--client {other}: component, native or floor"),
        };
        transport.stop_recording();
        if flow >= warmup {
            times_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            if client != "floor" {
                for (times, ms) in steps_ms.iter_mut().zip(step_ms) {
                    times.push(ms);
                }
                for (times, us) in steps_cpu_us.iter_mut().zip(step_cpu_us) {
                    times.push(us);
                }
            }
        }
        assert!(status, "the envelope's status is sent");
        downloaded = documents;
    }
    println!(
        "{}",
        serde_json::json!({"client": client, "cached_token": cached_token, "flows_ms": times_ms, "warmup": warmup,
                           "documents_per_flow": downloaded,
                           "steps_ms": {"send": steps_ms[0], "status": steps_ms[1], "documents": steps_ms[2]},
                           "steps_cpu_us": {"send": steps_cpu_us[0], "status": steps_cpu_us[1], "documents": steps_cpu_us[2]}})
    );
}

/// Times the steps of one flow, one `step` call per step: wall time in `ms` and this thread's
/// CPU time in `cpu_us` (the flow's client runs on this thread: the blocking transport and the
/// synchronous host both do).
struct Lap<'a> {
    ms: &'a mut [f64; 3],
    cpu_us: &'a mut [f64; 3],
    step: usize,
    since: (Instant, f64),
}

impl<'a> Lap<'a> {
    fn new(ms: &'a mut [f64; 3], cpu_us: &'a mut [f64; 3]) -> Self {
        Self {
            ms,
            cpu_us,
            step: 0,
            since: (Instant::now(), thread_cpu_us()),
        }
    }

    fn step(&mut self) {
        let now = (Instant::now(), thread_cpu_us());
        self.ms[self.step] = (now.0 - self.since.0).as_secs_f64() * 1000.0;
        self.cpu_us[self.step] = now.1 - self.since.1;
        self.step += 1;
        self.since = now;
    }
}

/// CPU time this thread has used, in microseconds.
fn thread_cpu_us() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    t.tv_sec as f64 * 1e6 + t.tv_nsec as f64 / 1e3
}

/// The flows' transport (live or replayed), recording the requests of the first flow.
struct Capture {
    inner: Box<dyn Transport>,
    /// The first flow's requests while it runs.
    recording: Mutex<Option<Vec<Request>>>,
    /// The first flow's requests once it ended.
    recorded: OnceLock<Vec<Request>>,
}

impl Capture {
    fn stop_recording(&self) {
        if let Some(requests) = self.recording.lock().unwrap().take() {
            self.recorded.set(requests).ok();
        }
    }

    /// The first flow's requests, borrowed: a timed flow copies nothing.
    fn recorded(&self) -> &[Request] {
        self.recorded.get().expect("a recorded flow")
    }
}

impl Transport for Capture {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        if let Some(requests) = self.recording.lock().unwrap().as_mut() {
            requests.push(request.clone());
        }
        self.inner.send(request)
    }
}

/// The bench's send request as the connector's native type.
fn native_send_request(
    r: &docusign_host::bindings::signing::SendRequest,
) -> docusign_connector::esign::SendRequest {
    assert!(r.signer_fields.is_empty() && r.expiration.is_none() && r.reminders.is_none());
    docusign_connector::esign::SendRequest {
        signer_emails: r.signer_emails.clone(),
        signer_names: r.signer_names.clone(),
        documents: r
            .documents
            .iter()
            .map(|d| docusign_connector::esign::Document {
                name: d.name.clone(),
                content: d.content.clone(),
            })
            .collect(),
        email_subject: r.email_subject.clone(),
        email_body: r.email_body.clone(),
        cc_emails: r.cc_emails.clone(),
        cc_names: r.cc_names.clone(),
        signing_order: r.signing_order.clone(),
        idempotency_key: r.idempotency_key.clone(),
        signer_client_user_ids: r.signer_client_user_ids.clone(),
        ..Default::default()
    }
}

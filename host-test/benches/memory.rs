//! Peak memory (host + guest) of sending and of downloading a 25 MB document through the
//! component. Each scenario runs in a fresh child process: the peak resident set is reset after
//! setup (`/proc/self/clear_refs`), so the figure is what the invocation itself added, the guest's
//! linear memory included. Prints one JSON line per scenario. Linux only.
//!
//! `send` and `download` run on the blocking path through an in-process transport; `send, live
//! TLS, …` runs the send through the live transport (blocking: ureq; async: hyper, both over
//! rustls) to a loopback server in the same process that drops the body as it reads it.
//!
//!     cargo bench -p docusign-host --bench memory

#[path = "support/slow_server.rs"]
mod slow_server;
#[path = "support/mod.rs"]
mod support;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use docusign_host::Transport;
use docusign_host::engine::Allocation;
use support::*;

const DOCUMENT_BYTES: usize = 25 << 20;
const SCENARIO_VAR: &str = "DOCUSIGN_BENCH_MEMORY_SCENARIO";

fn main() {
    if let Ok(scenario) = std::env::var(SCENARIO_VAR) {
        run_scenario(&scenario);
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    for scenario in [
        "send",
        "download",
        "send, live TLS, blocking",
        "send, live TLS, async",
    ] {
        let out = Command::new(&exe)
            .env(SCENARIO_VAR, scenario)
            .output()
            .expect("run the scenario");
        if !out.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
            std::process::exit(1);
        }
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}

/// `VmRSS` or `VmHWM` of this process, bytes.
fn proc_status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kb| kb * 1024)
        .expect("a memory figure")
}

fn run_scenario(scenario: &str) {
    let host = load_host(Allocation::OnDemand);
    let conn = connection();
    let document = pdf(DOCUMENT_BYTES);
    let entries = session_state(true);
    let (transport, request): (Arc<dyn Transport>, Option<_>) = match scenario {
        "send" => (
            Arc::new(RouteTransport::new().json("/envelopes", 201, &created_reply())),
            Some(send_request(document)),
        ),
        "send, live TLS, blocking" | "send, live TLS, async" => {
            let server = slow_server::start(Duration::ZERO, created_reply().into_bytes());
            (
                Arc::new(live_to(server, slow_server::CA.to_vec())),
                Some(send_request(document)),
            )
        }
        "download" => (
            Arc::new(
                RouteTransport::new()
                    .route("/documents/1", 200, "application/pdf", document)
                    .route(
                        "/documents/certificate",
                        200,
                        "application/pdf",
                        pdf(40_000),
                    )
                    .json("/documents", 200, &documents_list_reply()),
            ),
            None,
        ),
        other => panic!("unknown scenario {other}"),
    };
    let caps = caps(transport, state_with(&entries));
    let runtime = scenario.ends_with("async").then(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime")
    });

    // Forget the setup's peak; from here on the high-water mark is the invocation's.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
    let baseline = proc_status_bytes("VmRSS:");
    let started = Instant::now();
    let call = async |c: &docusign_host::bindings::Connector, store: &mut _| match &request {
        Some(req) => c
            .docusign_connector_signing()
            .call_send_for_signature(store, &conn, req)
            .await
            .map(|r| {
                r.map(|sent| sent.envelope_id.len())
                    .map_err(|e| format!("{e:?}"))
            }),
        None => c
            .docusign_connector_signing()
            .call_get_signed_documents(store, &conn, ENVELOPE_ID)
            .await
            .map(|r| {
                r.map(|docs| {
                    docs.summary.content.len()
                        + docs
                            .documents
                            .iter()
                            .map(|d| d.content.len())
                            .sum::<usize>()
                })
                .map_err(|e| format!("{e:?}"))
            }),
    };
    let (outcome, stats) = match &runtime {
        Some(runtime) => runtime.block_on(host.invoke_measured_async(&caps, call)),
        None => host.invoke_measured(&caps, call),
    };
    let elapsed = started.elapsed();
    let peak = proc_status_bytes("VmHWM:");
    let result = outcome.expect("host").expect("connector");
    let delta = peak.saturating_sub(baseline);
    println!(
        "{}",
        serde_json::json!({
            "scenario": scenario,
            "document_bytes": DOCUMENT_BYTES,
            "result_bytes": result,
            "baseline_rss_bytes": baseline,
            "peak_rss_bytes": peak,
            "peak_added_bytes": delta,
            "peak_added_per_document": delta as f64 / DOCUMENT_BYTES as f64,
            "guest_memory_peak_bytes": stats.guest_memory_peak_bytes,
            "elapsed_ms": elapsed.as_secs_f64() * 1000.0,
        })
    );
}

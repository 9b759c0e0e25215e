//! Many invocations in flight: N loops each invoking `get-envelope-status` (cached token) against
//! a DocuSign stand-in that answers after a fixed latency, as a workflow engine's worker holds
//! service tasks waiting on DocuSign. `--io blocking`: N threads calling `json_api::invoke`;
//! `--io async`: N Tokio tasks on one worker thread per core calling `json_api::invoke_async`.
//! `--transport in-process`: the stand-in is a `Transport` inside the process;
//! `--transport live-tls`: the host's live HTTPS transport against a loopback TLS server (in the
//! parent process) that answers after the same latency.
//! Each configuration runs in a fresh child process so its peak RSS, thread count and CPU time
//! are its own. One JSON line each. The measured window opens once every loop has finished one
//! invocation (through live TLS: once every connection is made; `first_round_s` says how long
//! that took) and four latencies more.
//!
//!     cargo bench -p docusign-host --bench concurrency -- [--in-flight 100,1000,4000]
//!         [--seconds 6] [--latency-ms 250] [--allocation on-demand,pooling]
//!         [--io blocking,async] [--transport in-process,live-tls] [--host-call-checks]
//!
//! `--host-call-checks`: the host checks the time bound at host calls only
//! (`DeadlineChecks::HostCallsOnly`; rows say `"deadline_checks": "host-calls"`).
//!
//! Linux only (`/proc/self/status`, `/proc/self/stat`).

#[path = "support/slow_server.rs"]
mod slow_server;
#[path = "support/mod.rs"]
mod support;

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use docusign_host::bindings::Connection;
use docusign_host::bindings::{Request, Response, TransportError};
use docusign_host::engine::{Allocation, Artifact, DeadlineChecks};
use docusign_host::json_api::{self, InputFiles};
use docusign_host::{Capabilities, ConnectorHost, Transport, TransportFuture};
use serde_json::json;
use support::*;

const CHILD_VAR: &str = "DOCUSIGN_BENCH_CONCURRENCY";
/// Longest wait for every loop to finish its first invocation before measuring anyway.
const RAMP_LIMIT: Duration = Duration::from_secs(120);

/// One configuration.
#[derive(Clone, Debug)]
struct Run {
    in_flight: usize,
    allocation: String,
    io: String,
    transport: String,
    seconds: u64,
    latency_ms: u64,
    host_call_checks: bool,
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_VAR) {
        child(&serde_json::from_str(&spec).expect("a run"));
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
            .unwrap_or_else(|| default.to_owned())
    };
    let in_flight = arg("--in-flight", "100,1000,4000");
    let allocations = arg("--allocation", "on-demand,pooling");
    let ios = arg("--io", "blocking,async");
    let transports = arg("--transport", "in-process");
    let seconds: u64 = arg("--seconds", "6").parse().expect("--seconds N");
    let latency_ms: u64 = arg("--latency-ms", "250").parse().expect("--latency-ms N");
    let host_call_checks = args.iter().any(|a| a == "--host-call-checks");
    let exe = std::env::current_exe().expect("own path");
    let mut runs = Vec::new();
    for transport in transports.split(',') {
        for n in in_flight.split(',') {
            for io in ios.split(',') {
                for allocation in allocations.split(',') {
                    runs.push(Run {
                        in_flight: n.parse().expect("--in-flight N,N"),
                        allocation: allocation.to_owned(),
                        io: io.to_owned(),
                        transport: transport.to_owned(),
                        seconds,
                        latency_ms,
                        host_call_checks,
                    });
                }
            }
        }
    }
    let server = transports.contains("live-tls").then(|| {
        slow_server::start(
            Duration::from_millis(latency_ms),
            status_reply().into_bytes(),
        )
    });
    {
        for run in runs {
            let spec = json!({"in_flight": run.in_flight, "allocation": run.allocation,
                              "io": run.io, "transport": run.transport,
                              "server": server.map(|a| a.to_string()),
                              "seconds": run.seconds,
                              "latency_ms": run.latency_ms,
                              "host_call_checks": run.host_call_checks});
            let out = Command::new(&exe)
                .env(CHILD_VAR, spec.to_string())
                .output()
                .expect("run a configuration");
            if !out.status.success() {
                eprintln!("{run:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
                std::process::exit(1);
            }
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
}

/// Answers every request with the envelope's status after `latency` (the thread waits, as it
/// would on DocuSign).
struct SlowTransport {
    latency: Duration,
    reply: Response,
}

impl Transport for SlowTransport {
    fn send(&self, _: &Request) -> Result<Response, TransportError> {
        std::thread::sleep(self.latency);
        Ok(self.reply.clone())
    }

    fn send_async(&self, _: Request) -> TransportFuture<'_> {
        Box::pin(async move {
            tokio::time::sleep(self.latency).await;
            Ok(self.reply.clone())
        })
    }
}

fn child(spec: &serde_json::Value) {
    let run = Run {
        in_flight: spec["in_flight"].as_u64().unwrap() as usize,
        allocation: spec["allocation"].as_str().unwrap().to_owned(),
        io: spec["io"].as_str().unwrap().to_owned(),
        transport: spec["transport"].as_str().unwrap().to_owned(),
        seconds: spec["seconds"].as_u64().unwrap(),
        latency_ms: spec["latency_ms"].as_u64().unwrap(),
        host_call_checks: spec["host_call_checks"].as_bool().unwrap_or(false),
    };
    let allocation = match run.allocation.as_str() {
        "pooling" => Allocation::Pooling {
            max_concurrent: run.in_flight as u32 + 16,
        },
        _ => Allocation::OnDemand,
    };
    let checks = DeadlineChecks::in_guest_code(!run.host_call_checks);
    let host = Arc::new(load_checked(Artifact::Tuned, allocation, checks));
    let transport: Arc<dyn Transport> = match run.transport.as_str() {
        "live-tls" => {
            let server = spec["server"].as_str().expect("the server's address");
            Arc::new(live_to(server.parse().unwrap(), slow_server::CA.to_vec()))
        }
        _ => Arc::new(SlowTransport {
            latency: Duration::from_millis(run.latency_ms),
            reply: Response {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: status_reply().into_bytes(),
            },
        }),
    };
    let caps = caps(transport, state_with(&session_state(true)));
    let shared = Shared {
        host,
        caps,
        conn: connection(),
        stop: Arc::new(AtomicBool::new(false)),
        measuring: Arc::new(AtomicBool::new(false)),
        started_loops: Arc::new(AtomicUsize::new(0)),
        latencies: Arc::new(Mutex::new(Vec::new())),
    };
    // Warm-up: the component compiled and one invocation through.
    shared.invoke().expect("get-envelope-status");

    let loops = match run.io.as_str() {
        "async" => Loops::Tasks(start_tasks(&shared, run.in_flight)),
        _ => Loops::Threads(start_threads(&shared, run.in_flight)),
    };
    // Ramp-up: every loop through its first invocation (through live TLS, every connection
    // made: thousands of handshakes at once are set-up, not the steady state measured), then a
    // few more rounds, then the measured window.
    let ramp = Instant::now();
    while shared.started_loops.load(Ordering::SeqCst) < run.in_flight && ramp.elapsed() < RAMP_LIMIT
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let first_round_s = ramp.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(run.latency_ms * 4 + 500));
    let cpu_before = cpu_seconds();
    shared.measuring.store(true, Ordering::SeqCst);
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(run.seconds));
    shared.measuring.store(false, Ordering::SeqCst);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = cpu_seconds();
    let threads_seen = proc_status("Threads:");
    // Proportional set size (shared pages split among their mappings). Only with pooling: with
    // on-demand, thousands of threads mapping and unmapping starve the reader of the
    // address-space lock for minutes.
    let pss_mb = (run.allocation == "pooling")
        .then(|| proc_file_figure("/proc/self/smaps_rollup", "Pss:") / 1024);
    shared.stop.store(true, Ordering::SeqCst);
    match loops {
        Loops::Threads(threads) => {
            for t in threads {
                t.join().expect("a worker thread");
            }
        }
        Loops::Tasks((runtime, tasks)) => {
            runtime.block_on(tasks.join_all());
        }
    }
    let latencies = shared.latencies;
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort_unstable();
    let n = lat.len().max(1);
    let pct = |p: f64| f64::from(lat[((n as f64 * p) as usize).min(n - 1)]) / 1000.0;
    let (user, system) = (cpu_after.0 - cpu_before.0, cpu_after.1 - cpu_before.1);
    let bound = run.in_flight as f64 * 1000.0 / run.latency_ms as f64;
    let per_s = lat.len() as f64 / elapsed;
    println!(
        "{}",
        json!({
            "bench": "concurrency",
            "transport": run.transport,
            "in_flight": run.in_flight,
            "allocation": run.allocation,
            "io": run.io,
            "deadline_checks": if run.host_call_checks { "host-calls" } else { "guest-code" },
            "latency_ms": run.latency_ms,
            "invocations": lat.len(),
            "invocations_per_s": per_s.round(),
            "latency_bound_per_s": bound.round(),
            "of_bound": (per_s / bound * 1000.0).round() / 1000.0,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "peak_rss_mb": proc_status("VmHWM:") / 1024,
            "pss_mb": pss_mb,
            "threads": threads_seen,
            "cpu_us_per_invocation": ((user + system) * 1e6 / lat.len().max(1) as f64).round(),
            "user_s": (user * 100.0).round() / 100.0,
            "system_s": (system * 100.0).round() / 100.0,
            "first_round_s": (first_round_s * 100.0).round() / 100.0,
        })
    );
}

/// What every loop shares: the host, the stand-in, the switches and the measured latencies.
#[derive(Clone)]
struct Shared {
    host: Arc<ConnectorHost>,
    caps: Capabilities,
    conn: Connection,
    stop: Arc<AtomicBool>,
    measuring: Arc<AtomicBool>,
    /// Loops that have finished their first invocation.
    started_loops: Arc<AtomicUsize>,
    latencies: Arc<Mutex<Vec<u32>>>,
}

const INPUT: fn() -> serde_json::Value = || json!({"envelope_id": ENVELOPE_ID});

impl Shared {
    fn invoke(&self) -> Result<serde_json::Value, json_api::InvokeError> {
        let files = InputFiles::default();
        let action = "get-envelope-status";
        json_api::invoke(&self.host, &self.caps, &self.conn, action, INPUT(), files)
    }

    async fn invoke_async(&self) -> Result<serde_json::Value, json_api::InvokeError> {
        let files = InputFiles::default();
        let action = "get-envelope-status";
        json_api::invoke_async(&self.host, &self.caps, &self.conn, action, INPUT(), files).await
    }

    /// Count a loop's first invocation (`first` is then cleared); record an invocation's latency
    /// if the window is open.
    fn record(&self, mine: &mut Vec<u32>, started: Instant, ok: bool, first: &mut bool) {
        if std::mem::take(first) {
            self.started_loops.fetch_add(1, Ordering::SeqCst);
        }
        if self.measuring.load(Ordering::Relaxed) {
            assert!(ok, "an invocation failed");
            mine.push(started.elapsed().as_micros() as u32);
        }
    }
}

enum Loops {
    Threads(Vec<std::thread::JoinHandle<()>>),
    Tasks((tokio::runtime::Runtime, tokio::task::JoinSet<()>)),
}

/// `n` threads, each invoking in a loop until stopped.
fn start_threads(shared: &Shared, n: usize) -> Vec<std::thread::JoinHandle<()>> {
    // Every thread is created before any invokes (creating threads contends with the
    // invocations' memory mappings for the process's address-space lock).
    let start = Arc::new(std::sync::Barrier::new(n + 1));
    let threads = (0..n)
        .map(|_| {
            let (shared, start) = (shared.clone(), start.clone());
            std::thread::Builder::new()
                .spawn(move || {
                    start.wait();
                    let (mut mine, mut first) = (Vec::new(), true);
                    while !shared.stop.load(Ordering::Relaxed) {
                        let started = Instant::now();
                        let ok = shared.invoke().is_ok();
                        shared.record(&mut mine, started, ok, &mut first);
                    }
                    shared.latencies.lock().unwrap().extend(mine);
                })
                .expect("a thread")
        })
        .collect();
    start.wait();
    threads
}

/// `n` Tokio tasks on one worker thread per core, each invoking in a loop until stopped.
fn start_tasks(shared: &Shared, n: usize) -> (tokio::runtime::Runtime, tokio::task::JoinSet<()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
        .expect("a Tokio runtime");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let shared = shared.clone();
        tasks.spawn_on(
            async move {
                let (mut mine, mut first) = (Vec::new(), true);
                while !shared.stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let ok = shared.invoke_async().await.is_ok();
                    shared.record(&mut mine, started, ok, &mut first);
                }
                shared.latencies.lock().unwrap().extend(mine);
            },
            runtime.handle(),
        );
    }
    (runtime, tasks)
}

/// A `/proc/self/status` figure (kB for memory lines).
fn proc_status(field: &str) -> u64 {
    proc_file_figure("/proc/self/status", field)
}

/// The number after `field` in a `/proc` file of `Name: value [kB]` lines.
fn proc_file_figure(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .expect(path)
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a /proc figure")
}

/// User and system CPU seconds of this process so far.
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (which may hold spaces) start at state (field 3).
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields[i].parse::<f64>().expect("a tick count");
    // utime and stime are fields 14 and 15 (11 and 12 after the state); 100 ticks a second.
    (ticks(11) / 100.0, ticks(12) / 100.0)
}

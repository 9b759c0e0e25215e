//! `docusign-host`: run the DocuSign connector component from the command line.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use docusign_host::bindings::{Connection, Level};
use docusign_host::capabilities::{Capabilities, Clock, LogSink, StateStore, Transport};
use docusign_host::clock::{ManualClock, SystemClock, format_rfc3339_ms};
use docusign_host::json_api::{self, InputFiles, InvokeError};
use docusign_host::log_sink::StderrLog;
use docusign_host::progress::ProgressTransport;
use docusign_host::serve::{self, ReplayServer, TlsIdentity};
use docusign_host::state_store::{FileStateStore, MemoryStateStore};
use docusign_host::transport::{
    Cassette, CassetteTransport, LiveOptions, LiveTransport, RecordingTransport,
};
use docusign_host::{ConnectorHost, HostOptions, render, settings};
use serde_json::{Value, json};

mod demo;

/// `println!` that never panics: a closed stdout (`| head`, a reader gone) is not a crash.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "docusign-host",
    version,
    about = "Run the DocuSign connector (a WebAssembly component) offline or against DocuSign"
)]
struct Cli {
    /// Connector log lines shown on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogLevel::Info)]
    log_level: LogLevel,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl From<LogLevel> for Level {
    fn from(l: LogLevel) -> Self {
        match l {
            LogLevel::Trace => Level::Trace,
            LogLevel::Debug => Level::Debug,
            LogLevel::Info => Level::Info,
            LogLevel::Warn => Level::Warn,
            LogLevel::Error => Level::Error,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the product offline on the bundled fixtures (no network, no configuration).
    Demo {
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
        /// Where downloaded documents are saved (default: <temp dir>/docusign-demo).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run one action (see `actions`) with JSON input, against DocuSign or a cassette.
    Invoke(InvokeArgs),
    /// Scheduled collection: fetch new events, append them to a JSON-lines file, then commit.
    Fetch(FetchArgs),
    /// Serve a cassette over HTTPS (or HTTP) on 127.0.0.1 for clients and SDKs to replay.
    Serve(ServeArgs),
    /// List the actions.
    Actions,
}

/// How to reach DocuSign (or a replay of it) and where state lives.
#[derive(clap::Args)]
struct ConnectArgs {
    /// Connection settings (TOML or JSON).
    #[arg(long, short)]
    config: PathBuf,
    /// Replay this cassette instead of calling DocuSign.
    #[arg(long, conflicts_with = "record")]
    replay: Option<PathBuf>,
    /// Call DocuSign and record every exchange into this cassette (secrets redacted).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Keep the token cache and fetch checkpoints in this directory across runs.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Trust this CA certificate (PEM) instead of the bundled roots (for a loopback server).
    #[arg(long = "ca-cert")]
    ca_cert: Vec<PathBuf>,
    /// Connect to ADDR for HOST, keeping URL, SNI and Host (`HOST=ADDR`, `*=ADDR` for all).
    #[arg(long, value_name = "HOST=ADDR")]
    resolve: Vec<String>,
    /// Time bound of the invocation, seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct InvokeArgs {
    /// Action name, e.g. auth-test or send-for-signature.
    action: String,
    /// JSON input file, or `-` for stdin; `{}` when absent.
    #[arg(long, short)]
    input: Option<String>,
    /// Save downloaded documents (get-signed-documents) in this directory instead of printing them.
    #[arg(long)]
    save_dir: Option<PathBuf>,
    #[command(flatten)]
    connect: ConnectArgs,
}

#[derive(clap::Args)]
struct FetchArgs {
    /// Event types, comma-separated: customer-events, audit-users.
    #[arg(long, value_delimiter = ',', default_value = "customer-events")]
    types: Vec<String>,
    /// Append delivered events here (JSON lines), made durable before the commit.
    #[arg(long)]
    out: PathBuf,
    /// Maximum customer events per fetch.
    #[arg(long, default_value_t = 2000)]
    max_customer_events: u32,
    /// Maximum audit users per fetch.
    #[arg(long, default_value_t = 1250)]
    max_audit_users: u32,
    /// First-fetch start ("1 minute ago", an RFC 3339 time, "stream-default").
    #[arg(long)]
    first_fetch: Option<String>,
    #[command(flatten)]
    connect: ConnectArgs,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// The cassette to serve.
    cassette: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    addr: SocketAddr,
    /// Plain HTTP instead of HTTPS with the bundled test-only certificate.
    #[arg(long)]
    plain: bool,
    /// Write the test-only CA certificate here, for clients to trust.
    #[arg(long)]
    ca_out: Option<PathBuf>,
    /// Stop once every interaction was served (exit 0), or on the first mismatch (exit 4).
    #[arg(long)]
    exit_when_done: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = Arc::new(StderrLog::new(cli.log_level.into()));
    let verbose = matches!(cli.log_level, LogLevel::Trace | LogLevel::Debug);
    match cli.command {
        Command::Actions => {
            for (name, about) in json_api::ACTIONS {
                out!("{name:22} {about}");
            }
            ExitCode::SUCCESS
        }
        Command::Demo { json, out } => {
            demo::run(log, json, &out.unwrap_or_else(demo::default_out_dir))
        }
        Command::Invoke(args) => invoke(args, log, verbose),
        Command::Fetch(args) => fetch(args, log, verbose),
        Command::Serve(args) => serve(args),
    }
}

/// A prepared connection: settings, capabilities, and what to check afterwards.
struct Session {
    conn: Connection,
    caps: Capabilities,
    /// The replayed cassette, checked after the run.
    cassette: Option<Arc<CassetteTransport>>,
    /// The recording, reported after the run.
    recording: Option<PathBuf>,
}

fn connect(args: &ConnectArgs, log: Arc<dyn LogSink>, verbose: bool) -> Result<Session, String> {
    let conn = settings::load(&args.config)?;
    let state: Arc<dyn StateStore> = match &args.state {
        Some(dir) => Arc::new(FileStateStore::open(dir)?),
        None => Arc::new(MemoryStateStore::new()),
    };
    if let Some(path) = &args.replay {
        let cassette = Cassette::load(path)?;
        let clock = Arc::new(ManualClock::new(
            cassette
                .start_time_ms()
                .unwrap_or(docusign_host::harness::DEFAULT_START_MS),
        ));
        let transport = Arc::new(CassetteTransport::new(cassette));
        let caps = Capabilities {
            transport: transport.clone(),
            clock,
            state,
            log,
        };
        return Ok(Session {
            conn,
            caps,
            cassette: Some(transport),
            recording: None,
        });
    }
    let mut options = LiveOptions::for_auth_server(&conn.auth_server);
    for path in &args.ca_cert {
        options
            .ca_certificates_pem
            .push(std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?);
    }
    options.resolve = parse_resolve(&args.resolve)?;
    let live = ProgressTransport::new(LiveTransport::new(options)?, verbose);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (transport, recording): (Arc<dyn Transport>, _) = match &args.record {
        Some(path) => {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "recording".into());
            let start = format_rfc3339_ms(clock.now_ms() / 1000 * 1000);
            (
                Arc::new(RecordingTransport::new(live, path, &name, start)),
                Some(path.clone()),
            )
        }
        None => (Arc::new(live), None),
    };
    Ok(Session {
        conn,
        caps: Capabilities {
            transport,
            clock,
            state,
            log,
        },
        cassette: None,
        recording,
    })
}

fn parse_resolve(entries: &[String]) -> Result<HashMap<String, SocketAddr>, String> {
    entries
        .iter()
        .map(|e| {
            let (host, addr) = e
                .split_once('=')
                .ok_or_else(|| format!("--resolve {e:?}: expected HOST=ADDR"))?;
            let addr: SocketAddr = addr
                .parse()
                .map_err(|_| format!("--resolve {e:?}: {addr:?} is not IP:PORT"))?;
            Ok((host.trim().to_ascii_lowercase(), addr))
        })
        .collect()
}

/// After a run: a replay must have followed its cassette; a recording is announced.
fn check_session(session: &Session, succeeded: bool) -> Option<ExitCode> {
    if let Some(path) = &session.recording {
        eprintln!(
            "recorded into {} (secrets replaced by <redacted>)",
            path.display()
        );
    }
    let problems = session.cassette.as_ref()?.finish().err()?;
    if succeeded {
        eprintln!("error: the replay did not follow the cassette: {problems}");
        return Some(ExitCode::from(4));
    }
    eprintln!("note: the replay stopped before the end of the cassette: {problems}");
    None
}

/// Exit codes: 0 ok, 1 the connector reported an error, 2 bad usage or setup, 3 the guest was
/// stopped (trap, memory, time), 4 the replay did not follow the cassette.
fn invoke(args: InvokeArgs, log: Arc<StderrLog>, verbose: bool) -> ExitCode {
    let prepared = connect(&args.connect, log, verbose)
        .and_then(|s| Ok((s, read_input(args.input.as_deref())?)));
    let (session, input) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let host = match load_host(Duration::from_secs(args.connect.timeout)) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let base_dir = args
        .input
        .as_deref()
        .filter(|i| *i != "-")
        .and_then(|i| Path::new(i).parent())
        .unwrap_or(Path::new("."));
    let started = Instant::now();
    let mut outcome = json_api::invoke(
        &host,
        &session.caps,
        &session.conn,
        &args.action,
        input,
        InputFiles {
            base_dir: Some(base_dir),
        },
    );
    eprintln!(
        "{} finished in {:.1} ms",
        args.action,
        started.elapsed().as_secs_f64() * 1000.0
    );
    if let (Ok(result), Some(dir)) = (&mut outcome, &args.save_dir) {
        match docusign_host::save::save_documents(result, dir) {
            Ok(paths) => eprintln!("saved {} files in {}", paths.len(), dir.display()),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let code = print_outcome(&args.action, &outcome, args.connect.json);
    check_session(&session, outcome.is_ok()).unwrap_or(code)
}

/// fetch-events, append the events to `out` (fsync), then commit-fetch.
fn fetch(args: FetchArgs, log: Arc<StderrLog>, verbose: bool) -> ExitCode {
    let session = match connect(&args.connect, log, verbose) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let host = match load_host(Duration::from_secs(args.connect.timeout)) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let input = json!({
        "event_types": args.types,
        "max_customer_events": args.max_customer_events,
        "max_audit_users": args.max_audit_users,
        "first_fetch": args.first_fetch,
    });
    let started = Instant::now();
    let batch = match json_api::invoke(
        &host,
        &session.caps,
        &session.conn,
        "fetch-events",
        input,
        InputFiles::default(),
    ) {
        Ok(batch) => batch,
        Err(e) => {
            let code = print_outcome("fetch-events", &Err(e), args.connect.json);
            return check_session(&session, false).unwrap_or(code);
        }
    };
    let events = batch["events"].as_array().cloned().unwrap_or_default();
    if let Err(e) = append_events(&args.out, &events) {
        eprintln!(
            "error: delivering to {}: {e}; nothing committed, the next fetch returns these events again",
            args.out.display()
        );
        return ExitCode::from(1);
    }
    let commit = json_api::invoke(
        &host,
        &session.caps,
        &session.conn,
        "commit-fetch",
        json!({"checkpoint": batch["checkpoint"]}),
        InputFiles::default(),
    );
    if let Err(e) = &commit {
        eprintln!(
            "error: {} events were delivered but the commit failed: {e}",
            events.len()
        );
        return ExitCode::from(1);
    }
    eprintln!(
        "fetched and delivered {} events in {:.1} s",
        events.len(),
        started.elapsed().as_secs_f64()
    );
    let summary = json!({
        "delivered": events.len(),
        "out": args.out.display().to_string(),
        "streams": batch["streams"],
        "retry_after_secs": batch["retry_after_secs"],
    });
    let code = print_outcome("fetch", &Ok(summary), args.connect.json);
    check_session(&session, true).unwrap_or(code)
}

/// Append one JSON document per line and make it durable.
fn append_events(path: &Path, events: &[Value]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut text = String::new();
    for e in events {
        text.push_str(&e.to_string());
        text.push('\n');
    }
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

fn serve(args: ServeArgs) -> ExitCode {
    let cassette = match Cassette::load(&args.cassette) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let total = cassette.interactions.len();
    if let Some(path) = &args.ca_out
        && let Err(e) = std::fs::write(path, serve::TEST_CA_PEM)
    {
        eprintln!("error: writing {}: {e}", path.display());
        return ExitCode::from(2);
    }
    let tls = (!args.plain).then(TlsIdentity::test_only);
    let server = match ReplayServer::start(cassette, args.addr, tls) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    out!(
        "serving {} ({total} interactions) on {}",
        args.cassette.display(),
        server.base_url()
    );
    if !args.plain {
        out!(
            "TLS: TEST-ONLY certificate for localhost, 127.0.0.1, *.docusign.net, *.docusign.com{}",
            args.ca_out
                .as_ref()
                .map(|p| format!("; CA written to {}", p.display()))
                .unwrap_or_default()
        );
    }
    let _ = std::io::stdout().flush();
    if !args.exit_when_done {
        server.wait();
        return ExitCode::SUCCESS;
    }
    while server.transport().used() < total && !server.transport().has_failures() {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Let the last reply reach the client before the listener closes.
    std::thread::sleep(Duration::from_millis(200));
    match server.finish() {
        Ok(()) => ExitCode::SUCCESS,
        Err(problems) => {
            eprintln!("error: {problems}");
            ExitCode::from(4)
        }
    }
}

pub(crate) fn load_host(timeout: Duration) -> Result<ConnectorHost, ExitCode> {
    let started = Instant::now();
    let options = HostOptions {
        invocation_timeout: timeout,
        ..HostOptions::default()
    };
    match ConnectorHost::new(options) {
        Ok(host) => {
            let how = match host.compile_source() {
                docusign_host::engine::CompileSource::Cache => "from the compile cache",
                docusign_host::engine::CompileSource::Compiled => "compiled",
            };
            eprintln!(
                "connector loaded ({how}) in {:.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
            Ok(host)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn read_input(input: Option<&str>) -> Result<Value, String> {
    let text = match input {
        None => return Ok(json!({})),
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("reading stdin: {e}"))?;
            s
        }
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("reading input {path}: {e}"))?
        }
    };
    serde_json::from_str(&text).map_err(|e| format!("input is not JSON: {e}"))
}

/// Print a result or error; returns the exit code.
pub(crate) fn print_outcome(
    action: &str,
    outcome: &Result<Value, InvokeError>,
    as_json: bool,
) -> ExitCode {
    match outcome {
        Ok(value) => {
            if as_json {
                out!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"ok": value})).unwrap_or_default()
                );
            } else {
                out!("{}", render::markdown(&format!("DocuSign {action}"), value));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if as_json {
                out!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"error": e.json})).unwrap_or_default()
                );
            } else {
                out!(
                    "{}",
                    render::markdown(&format!("DocuSign {action} failed: {}", e.kind()), &e.json)
                );
            }
            if e.kind() == "host" {
                ExitCode::from(3)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

//! `docusign-host`: run the DocuSign connector component from the command line.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use docusign_host::bindings::{Connection, Level};
use docusign_host::capabilities::{Capabilities, StateStore};
use docusign_host::clock::ManualClock;
use docusign_host::json_api::{self, InputFiles, InvokeError};
use docusign_host::log_sink::StderrLog;
use docusign_host::state_store::{FileStateStore, MemoryStateStore};
use docusign_host::transport::{Cassette, CassetteTransport};
use docusign_host::{ConnectorHost, HostOptions, render, settings};
use serde_json::{Value, json};

mod demo;

#[derive(Parser)]
#[command(
    name = "docusign-host",
    version,
    about = "Run the DocuSign connector (a WebAssembly component) offline or against DocuSign"
)]
struct Cli {
    /// Connector log lines shown on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogLevel::Warn)]
    log_level: LogLevel,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
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
    /// Run one action (see `actions`) with JSON input.
    Invoke(InvokeArgs),
    /// List the actions.
    Actions,
}

#[derive(clap::Args)]
struct InvokeArgs {
    /// Action name, e.g. auth-test or send-for-signature.
    action: String,
    /// JSON input file, or `-` for stdin; `{}` when absent.
    #[arg(long, short)]
    input: Option<String>,
    /// Connection settings (TOML or JSON).
    #[arg(long, short)]
    config: PathBuf,
    /// Replay this cassette instead of calling DocuSign.
    #[arg(long)]
    replay: Option<PathBuf>,
    /// Keep the token cache and fetch checkpoints in this directory across runs.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Save downloaded documents (get-signed-documents) in this directory instead of printing them.
    #[arg(long)]
    save_dir: Option<PathBuf>,
    /// Time bound of the invocation, seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = Arc::new(StderrLog::new(cli.log_level.into()));
    match cli.command {
        Command::Actions => {
            for (name, about) in json_api::ACTIONS {
                println!("{name:22} {about}");
            }
            ExitCode::SUCCESS
        }
        Command::Demo { json, out } => {
            demo::run(log, json, &out.unwrap_or_else(demo::default_out_dir))
        }
        Command::Invoke(args) => invoke(args, log),
    }
}

/// What an invocation needs, ready to run.
struct Prepared {
    conn: Connection,
    input: Value,
    caps: Capabilities,
    /// The replayed cassette, checked after the run.
    cassette: Option<Arc<CassetteTransport>>,
}

/// Exit codes: 0 ok, 1 the connector reported an error, 2 bad usage or setup, 3 the guest was
/// stopped (trap, memory, time), 4 the replay did not match the cassette.
fn invoke(args: InvokeArgs, log: Arc<StderrLog>) -> ExitCode {
    let setup = || -> Result<Prepared, String> {
        let conn = settings::load(&args.config)?;
        let input = read_input(args.input.as_deref())?;
        let state: Arc<dyn StateStore> = match &args.state {
            Some(dir) => Arc::new(FileStateStore::open(dir)?),
            None => Arc::new(MemoryStateStore::new()),
        };
        let Some(cassette_path) = &args.replay else {
            return Err(
                "live HTTP is not available in this build yet; pass --replay CASSETTE".to_owned(),
            );
        };
        let cassette = Cassette::load(cassette_path)?;
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
            log: log.clone(),
        };
        Ok(Prepared {
            conn,
            input,
            caps,
            cassette: Some(transport),
        })
    };
    let Prepared {
        conn,
        input,
        caps,
        cassette,
    } = match setup() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let host = match load_host(Duration::from_secs(args.timeout)) {
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
    let outcome = json_api::invoke(
        &host,
        &caps,
        &conn,
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
    let code = print_outcome(&args.action, &outcome, args.json);
    if let Some(Err(problems)) = cassette.map(|t| t.finish()) {
        if outcome.is_ok() {
            eprintln!("error: the replay did not follow the cassette: {problems}");
            return ExitCode::from(4);
        }
        eprintln!("note: the replay stopped before the end of the cassette: {problems}");
    }
    code
}

fn load_host(timeout: Duration) -> Result<ConnectorHost, ExitCode> {
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
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"ok": value})).unwrap_or_default()
                );
            } else {
                println!("{}", render::markdown(&format!("DocuSign {action}"), value));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if as_json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"error": e.json})).unwrap_or_default()
                );
            } else {
                println!(
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

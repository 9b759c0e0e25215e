//! `docusign-host`: run the DocuSign connector component from the command line.

mod connect;
mod demo;
mod exit;
mod fetch;
mod invoke;
mod progress;
mod render;
mod save;
mod serve;
mod test_tls;
mod webhooks;

use std::process::ExitCode;
use std::sync::Arc;

use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::{Parser, Subcommand};
use docusign_host::bindings::Level;
use docusign_host::json_api::{self, InvokeError, Output};
use docusign_host::log_sink::StderrLog;
use serde_json::json;

use exit::Exit;

/// `println!` that never panics: a closed stdout (`| head`, a reader gone) is not a crash.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
pub(crate) use out;

#[derive(Parser)]
#[command(
    name = "docusign-host",
    version,
    about = "Run the DocuSign connector (a WebAssembly component) offline or against DocuSign"
)]
struct Cli {
    /// Connector log lines shown on stderr.
    #[arg(
        long,
        global = true,
        default_value = "info",
        value_parser = PossibleValuesParser::new(Level::ALL.map(Level::as_str))
            .map(|name| Level::parse(&name).unwrap_or(Level::Info)),
    )]
    log_level: Level,
    #[command(subcommand)]
    command: Command,
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
        out: Option<std::path::PathBuf>,
    },
    /// Run one action (see `actions`) with JSON input, against DocuSign or a cassette.
    Invoke(invoke::InvokeArgs),
    /// Scheduled collection: fetch new events, append them to a JSON-lines file, then commit.
    Fetch(fetch::FetchArgs),
    /// Serve a cassette over HTTPS (or HTTP) on 127.0.0.1 for clients and SDKs to replay.
    Serve(serve::ServeArgs),
    /// Write an embedded build of the component to a file (for other hosts: `--portable`).
    Component {
        /// The portable build (standard wasm features; Node/jco and any component host) instead
        /// of the wasmtime-tuned one.
        #[arg(long)]
        portable: bool,
        /// Where to write it.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Check a Connect webhook message: its HMAC signature, then its content (no HTTP).
    VerifyConnect(webhooks::VerifyConnectArgs),
    /// Listen on loopback for Connect messages; append verified events to a file, each once.
    ServeConnect(webhooks::ServeConnectArgs),
    /// List the actions.
    Actions,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = Arc::new(StderrLog::new(cli.log_level));
    let verbose = cli.log_level.rank() <= Level::Debug.rank();
    let exit = match cli.command {
        Command::Actions => {
            for (name, about) in json_api::ACTIONS {
                out!("{name:22} {about}");
            }
            Exit::Ok
        }
        Command::Demo { json, out } => {
            demo::run(log, json, &out.unwrap_or_else(demo::default_out_dir))
        }
        Command::Invoke(args) => invoke::run(args, log, verbose),
        Command::Fetch(args) => fetch::run(args, log, verbose),
        Command::Serve(args) => serve::run(args),
        Command::VerifyConnect(args) => webhooks::run(args, log),
        Command::ServeConnect(args) => webhooks::serve(args, log),
        Command::Component { portable, out } => write_component(portable, &out),
    };
    exit.into()
}

/// `component`: the embedded portable or tuned build, with its size and SHA-256.
fn write_component(portable: bool, out: &std::path::Path) -> Exit {
    use docusign_host::engine::{EMBEDDED_COMPONENT, EMBEDDED_PORTABLE_COMPONENT};
    use sha2::Digest as _;
    let (bytes, which) = if portable {
        (EMBEDDED_PORTABLE_COMPONENT, "portable")
    } else {
        (EMBEDDED_COMPONENT, "tuned")
    };
    if let Err(e) = std::fs::write(out, bytes) {
        eprintln!("error: writing {}: {e}", out.display());
        return Exit::Usage;
    }
    out!(
        "wrote the {which} component to {} ({} bytes, sha256 {})",
        out.display(),
        bytes.len(),
        base16ct::lower::encode_string(&sha2::Sha256::digest(bytes))
    );
    Exit::Ok
}

/// Print a result or error (tables, or `{"ok": …}` / `{"error": …}` JSON); the exit it means.
pub(crate) fn print_outcome(
    action: &str,
    outcome: &Result<Output, InvokeError>,
    as_json: bool,
) -> Exit {
    match outcome {
        Ok(output) => {
            print_ok(&output.to_json(), as_json, || {
                render::outcome(&format!("DocuSign {action}"), output)
            });
            Exit::Ok
        }
        Err(e) => {
            if as_json {
                let text = json!({"error": e.json()});
                out!(
                    "{}",
                    serde_json::to_string_pretty(&text).unwrap_or_default()
                );
            } else {
                let title = format!("DocuSign {action} failed: {}", e.kind());
                out!("{}", render::markdown(&title, &e.json()));
            }
            if e.is_host_failure() {
                Exit::GuestStopped
            } else {
                Exit::ConnectorError
            }
        }
    }
}

/// Print a success: `{"ok": value}` as JSON, or the tables `markdown` makes.
pub(crate) fn print_ok(
    value: &serde_json::Value,
    as_json: bool,
    markdown: impl FnOnce() -> String,
) {
    if as_json {
        let text = json!({"ok": value});
        out!(
            "{}",
            serde_json::to_string_pretty(&text).unwrap_or_default()
        );
    } else {
        out!("{}", markdown());
    }
}

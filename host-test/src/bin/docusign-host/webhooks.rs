//! The Connect webhook commands: `verify-connect` checks a saved message (its HMAC signature,
//! then its content) the way a listener would; `serve-connect` is such a listener on loopback,
//! writing verified events to a JSON-lines file once each. Neither makes an HTTP request.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use docusign_host::bindings::{Request, Response, TransportError};
use docusign_host::capabilities::{Capabilities, Transport};
use docusign_host::clock::SystemClock;
use docusign_host::connect_listener::{ConnectListener, Outcome};
use docusign_host::json_api::webhooks::ConnectMessage;
use docusign_host::json_api::{self, Output};
use docusign_host::log_sink::StderrLog;
use docusign_host::state_store::MemoryStateStore;

use crate::connect::load_host;
use crate::exit::Exit;

/// Arguments of `verify-connect`.
#[derive(clap::Args)]
pub struct VerifyConnectArgs {
    /// The request body exactly as received: a file, or `-` for stdin.
    #[arg(long, default_value = "-")]
    body: String,
    /// A request header, `Name: value` (repeat; the `X-DocuSign-Signature-N` ones matter).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// A file of request headers, one `Name: value` per line (lines without a colon are skipped).
    #[arg(long)]
    headers_file: Option<PathBuf>,
    /// An environment variable holding one of the account's Connect HMAC keys (repeat for each
    /// active key). Keys are not taken on the command line, which shell history and the process
    /// list keep.
    #[arg(long = "hmac-key-env", required = true)]
    hmac_key_envs: Vec<String>,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

/// Refuses every request: checking a message needs none.
struct NoHttp;

impl Transport for NoHttp {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        Err(TransportError::Denied(format!(
            "checking Connect messages makes no HTTP request (asked for {})",
            request.url
        )))
    }
}

/// Arguments of `serve-connect`.
#[derive(clap::Args)]
pub struct ServeConnectArgs {
    /// Loopback address to listen on (DocuSign publishes only to HTTPS: put a TLS proxy in front).
    #[arg(long, default_value = "127.0.0.1:8090")]
    addr: SocketAddr,
    /// JSON-lines file the verified events are appended to (one per line, each event once).
    #[arg(long)]
    out: PathBuf,
    /// An environment variable holding one of the account's Connect HMAC keys (repeat).
    #[arg(long = "hmac-key-env", required = true)]
    hmac_key_envs: Vec<String>,
    /// Stop after this many events were acknowledged (new or repeated), for tests and scripts.
    #[arg(long)]
    exit_after: Option<u64>,
}

/// Capabilities for calls that make no HTTP request.
fn no_http_caps(log: Arc<StderrLog>) -> Capabilities {
    Capabilities {
        transport: Arc::new(NoHttp),
        clock: Arc::new(SystemClock),
        state: Arc::new(MemoryStateStore::new()),
        log,
    }
}

/// The keys the named environment variables hold.
fn keys_from_env(vars: &[String]) -> anyhow::Result<Vec<String>> {
    vars.iter()
        .map(|var| {
            std::env::var(var)
                .map_err(|_| anyhow::anyhow!("--hmac-key-env {var}: the variable is not set"))
        })
        .collect()
}

/// Listen until stopped (or `--exit-after`); 2 for bad usage, 1 when the events file failed.
pub fn serve(args: ServeConnectArgs, log: Arc<StderrLog>) -> Exit {
    let keys = match keys_from_env(&args.hmac_key_envs) {
        Ok(keys) => keys,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let host = match load_host(Duration::from_secs(30)) {
        Ok(host) => Arc::new(host),
        Err(exit) => return exit,
    };
    let listener = match ConnectListener::bind(args.addr, host, no_http_caps(log), keys, &args.out)
    {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    match listener.local_addr() {
        Ok(addr) => eprintln!(
            "listening on http://{addr} for Connect messages; events go to {}",
            args.out.display()
        ),
        Err(e) => eprintln!("listening (address unknown: {e})"),
    }
    let progress = |o: &Outcome| match o {
        Outcome::Appended(id) => eprintln!("appended {id}"),
        Outcome::Duplicate(id) => eprintln!("duplicate {id} (already in the file)"),
        Outcome::Refused(status, why) => eprintln!("refused ({status}): {why}"),
    };
    match listener.serve(args.exit_after, progress) {
        Ok(served) => {
            eprintln!(
                "served: {} appended, {} duplicates, {} refused",
                served.appended, served.duplicates, served.refused
            );
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::ConnectorError
        }
    }
}

/// Check the message; 0 when it verified, 1 when refused, 2 for bad usage.
pub fn run(args: VerifyConnectArgs, log: Arc<StderrLog>) -> Exit {
    let (headers, body, keys) = match read(&args) {
        Ok(parts) => parts,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let host = match load_host(Duration::from_secs(30)) {
        Ok(host) => host,
        Err(exit) => return exit,
    };
    let caps = no_http_caps(log);
    let message = ConnectMessage {
        headers,
        body,
        hmac_keys: keys,
    };
    let outcome = json_api::verify_connect(&host, &caps, &message).map(Output::Connect);
    crate::print_outcome("verify-connect-message", &outcome, args.json)
}

type Parts = (Vec<(String, String)>, Vec<u8>, Vec<String>);

fn read(args: &VerifyConnectArgs) -> anyhow::Result<Parts> {
    let body = if args.body == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| anyhow::anyhow!("reading the body from stdin: {e}"))?;
        bytes
    } else {
        std::fs::read(&args.body)
            .map_err(|e| anyhow::anyhow!("reading the body {}: {e}", args.body))?
    };
    let mut lines = args.headers.clone();
    if let Some(file) = &args.headers_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
        lines.extend(text.lines().map(str::to_owned));
    }
    let mut headers = Vec::new();
    for line in &lines {
        match line.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
            // `--header` must be a header; a headers file may hold a request line or blanks.
            _ if args.headers.contains(line) => {
                anyhow::bail!("--header {line:?}: expected `Name: value`")
            }
            _ => {}
        }
    }
    Ok((headers, body, keys_from_env(&args.hmac_key_envs)?))
}

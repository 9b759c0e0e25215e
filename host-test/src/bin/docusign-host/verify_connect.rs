//! `verify-connect`: check a Connect webhook message (its HMAC signature, then its content) the
//! way a listener would, from a saved body and its headers. No HTTP.

use std::io::Read as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use docusign_host::bindings::{Request, Response, TransportError};
use docusign_host::capabilities::{Capabilities, Transport};
use docusign_host::clock::SystemClock;
use docusign_host::json_api::{ErrorOutput, InvokeError, Output};
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
            "verify-connect makes no HTTP request (asked for {})",
            request.url
        )))
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
    let caps = Capabilities {
        transport: Arc::new(NoHttp),
        clock: Arc::new(SystemClock),
        state: Arc::new(MemoryStateStore::new()),
        log,
    };
    let outcome: Result<Output, InvokeError> =
        match host.verify_connect_message(&caps, &headers, &body, &keys) {
            Ok(Ok(event)) => Ok(Output::Connect(event.into())),
            Ok(Err(e)) => Err(ErrorOutput::from(&e).into()),
            Err(e) => Err(ErrorOutput::from(&e).into()),
        };
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
    let keys = args
        .hmac_key_envs
        .iter()
        .map(|var| {
            std::env::var(var)
                .map_err(|_| anyhow::anyhow!("--hmac-key-env {var}: the variable is not set"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((headers, body, keys))
}

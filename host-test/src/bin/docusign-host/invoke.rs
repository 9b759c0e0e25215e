//! `docusign-host invoke ACTION`: one action with JSON input.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::anyhow;
use docusign_host::json_api::{self, InputFiles, Output};
use docusign_host::log_sink::StderrLog;
use serde_json::{Value, json};

use crate::connect::{ConnectArgs, open};
use crate::exit::Exit;
use crate::{print_outcome, save};

#[derive(clap::Args)]
pub struct InvokeArgs {
    /// Action name, e.g. auth-test or send-for-signature.
    action: String,
    /// JSON input file, or `-` for stdin; `{}` when absent.
    #[arg(long, short)]
    input: Option<String>,
    /// Save downloaded documents (get-signed-documents) in this directory instead of printing them.
    #[arg(long)]
    save_dir: Option<PathBuf>,
    /// Write the signing URL of create-signing-url to this file (created readable by its owner
    /// only); the URL signs in as the signer, so it is never printed.
    #[arg(long)]
    signing_url_out: Option<PathBuf>,
    #[command(flatten)]
    connect: ConnectArgs,
}

/// Run the action; see [`Exit`] for what the code means.
pub fn run(args: InvokeArgs, log: Arc<StderrLog>, verbose: bool) -> Exit {
    let input = match read_input(args.input.as_deref()) {
        Ok(input) => input,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let (session, host) = match open(&args.connect, log, verbose) {
        Ok(opened) => opened,
        Err(exit) => return exit,
    };
    // Document `path`s are relative to the input file.
    let base_dir = args
        .input
        .as_deref()
        .filter(|i| *i != "-")
        .and_then(|i| Path::new(i).parent())
        .unwrap_or(Path::new("."));
    let files = InputFiles {
        base_dir: Some(base_dir),
        confined: false,
    };
    let started = Instant::now();
    let mut outcome = json_api::parse_call(&args.action, input, files)
        .and_then(|call| json_api::run_call(&host, &session.caps, &session.conn, call));
    eprintln!(
        "{} finished in {:.1} ms",
        args.action,
        started.elapsed().as_secs_f64() * 1000.0
    );
    if let (Ok(Output::Documents(documents)), Some(dir)) = (&mut outcome, &args.save_dir) {
        match save::save_documents(documents, dir) {
            Ok(paths) => eprintln!("saved {} files in {}", paths.len(), dir.display()),
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        }
    }
    if let Ok(Output::SigningView(view)) = &outcome {
        match &args.signing_url_out {
            Some(path) => match save::save_secret(path, &view.url) {
                Ok(()) => eprintln!("signing URL written to {}", path.display()),
                Err(e) => {
                    eprintln!("error: {e}");
                    return Exit::Usage;
                }
            },
            None => eprintln!(
                "the signing URL is not printed (it signs in as the signer); pass --signing-url-out FILE to receive it"
            ),
        }
    }
    let outcome = outcome.map(|o| o.redacted());
    let exit = print_outcome(&args.action, &outcome, args.connect.json);
    session.check(outcome.is_ok()).unwrap_or(exit)
}

fn read_input(input: Option<&str>) -> anyhow::Result<Value> {
    let text = match input {
        None => return Ok(json!({})),
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| anyhow!("reading stdin: {e}"))?;
            s
        }
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| anyhow!("reading input {path}: {e}"))?
        }
    };
    serde_json::from_str(&text).map_err(|e| anyhow!("input is not JSON: {e}"))
}

//! `docusign-worker`: the DocuSign connector as a Restate service (see the README's "Run it on
//! Restate").

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use docusign_worker::config::WorkerConfig;
use docusign_worker::server;
use tracing_subscriber::EnvFilter;

/// Serve the DocuSign connector's services (DocuSign, Integration, SignatureWorkflow) to Restate.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Worker configuration (TOML).
    #[arg(long, short, env = "DOCUSIGN_WORKER_CONFIG")]
    config: PathBuf,
    /// Listen here instead of the configuration's `listen` (port 0: any free port).
    #[arg(long, env = "DOCUSIGN_WORKER_LISTEN")]
    listen: Option<SocketAddr>,
    /// Load the configuration, the keys and the connector, report, and exit.
    #[arg(long)]
    check: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("DOCUSIGN_WORKER_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut config = match WorkerConfig::load(&args.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    // Loading compiles the component (or reads the compile cache): keep it off the runtime.
    let loaded = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || server::worker(&config)).await
    };
    let worker = match loaded {
        Ok(Ok(worker)) => Arc::new(worker),
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: loading the worker failed: {e}");
            return ExitCode::from(2);
        }
    };
    let names: Vec<String> = config.integrations.keys().cloned().collect();
    let endpoint = match server::endpoint(worker, &config.restate_identity_keys) {
        Ok(endpoint) => endpoint,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.check {
        println!("configuration ok; integrations: {}", names.join(", "));
        return ExitCode::SUCCESS;
    }
    let listener = match server::bind(&config).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    // Tests and scripts read this line for the port.
    eprintln!(
        "docusign-worker listening on http://{addr} (integrations: {})",
        names.join(", ")
    );
    server::serve(endpoint, listener, shutdown()).await;
    eprintln!("docusign-worker stopped");
    ExitCode::SUCCESS
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

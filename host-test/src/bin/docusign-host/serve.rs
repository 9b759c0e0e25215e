//! `docusign-host serve CASSETTE`: the loopback replay server.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use docusign_host::replay::{Cassette, ReplayServer};

use crate::exit::Exit;
use crate::{out, test_tls};

#[derive(clap::Args)]
pub struct ServeArgs {
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

/// Serve until stopped (or, with `--exit-when-done`, until the cassette is used up).
pub fn run(args: ServeArgs) -> Exit {
    let cassette = match Cassette::load(&args.cassette) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let total = cassette.interactions.len();
    if let Some(path) = &args.ca_out
        && let Err(e) = std::fs::write(path, test_tls::TEST_CA_PEM)
    {
        eprintln!("error: writing {}: {e}", path.display());
        return Exit::Usage;
    }
    let tls = (!args.plain).then(test_tls::identity);
    let server = match ReplayServer::start(cassette, args.addr, tls) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
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
        return Exit::Ok;
    }
    while server.transport().used() < total && !server.transport().has_failures() {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Let the last reply reach the client before the listener closes.
    std::thread::sleep(Duration::from_millis(200));
    match server.finish() {
        Ok(()) => Exit::Ok,
        Err(problems) => {
            eprintln!("error: {problems}");
            Exit::ReplayMismatch
        }
    }
}

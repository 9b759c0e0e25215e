//! How `invoke` and `fetch` reach DocuSign (or a replay of it), and what is checked afterwards.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use docusign_host::bindings::Connection;
use docusign_host::capabilities::{Capabilities, Clock, LogSink, StateStore, Transport};
use docusign_host::clock::{SystemClock, format_rfc3339_ms};
use docusign_host::engine::{Artifact, CompileSource};
use docusign_host::replay::{Cassette, RecordingTransport, Replay};
use docusign_host::state_store::{FileStateStore, MemoryStateStore, PostgresStateStore};
use docusign_host::transport::{LiveOptions, LiveTransport};
use docusign_host::{ConnectorHost, HostOptions, settings};

use crate::exit::Exit;
use crate::progress::ProgressTransport;

/// How to reach DocuSign (or a replay of it) and where state lives.
#[derive(clap::Args)]
pub struct ConnectArgs {
    /// Connection settings (TOML or JSON).
    #[arg(long, short)]
    pub config: PathBuf,
    /// Replay this cassette instead of calling DocuSign.
    #[arg(long, conflicts_with = "record")]
    pub replay: Option<PathBuf>,
    /// Call DocuSign and record every exchange into this cassette (secrets redacted).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Keep the token cache and fetch checkpoints across runs: a directory (the processes of
    /// this machine share it) or `postgres://user@host:port/db` (processes on many machines).
    #[arg(long)]
    pub state: Option<String>,
    /// Trust this CA certificate (PEM) instead of the bundled roots (for a loopback server).
    #[arg(long = "ca-cert")]
    pub ca_cert: Vec<PathBuf>,
    /// Connect to ADDR for HOST, keeping URL, SNI and Host (`HOST=ADDR`, `*=ADDR` for all).
    #[arg(long, value_name = "HOST=ADDR")]
    pub resolve: Vec<String>,
    /// Time bound of the invocation, seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// A prepared connection: settings, capabilities, and what to check afterwards.
pub struct Session {
    /// The connection settings.
    pub conn: Connection,
    /// What invocations get.
    pub caps: Capabilities,
    /// The replay, checked after the run.
    replay: Option<Replay>,
    /// The recording, reported after the run.
    recording: Option<PathBuf>,
}

/// Prepare `args`: settings, state, and a replay, a recording or live HTTPS.
pub fn connect(
    args: &ConnectArgs,
    log: Arc<dyn LogSink>,
    verbose: bool,
) -> anyhow::Result<Session> {
    let conn = settings::load(&args.config)?;
    let state: Arc<dyn StateStore> = match args.state.as_deref() {
        Some(url) if is_postgres_url(url) => Arc::new(PostgresStateStore::open(url)?),
        Some(dir) => Arc::new(FileStateStore::open(dir)?),
        None => Arc::new(MemoryStateStore::new()),
    };
    if let Some(path) = &args.replay {
        let replay = Replay::with_state(Cassette::load(path)?, state);
        return Ok(Session {
            conn,
            caps: replay.capabilities_with_log(log),
            replay: Some(replay),
            recording: None,
        });
    }
    let mut options = LiveOptions::for_auth_server(&conn.auth_server);
    for path in &args.ca_cert {
        let pem = std::fs::read(path).map_err(|e| anyhow!("reading {}: {e}", path.display()))?;
        options.ca_certificates_pem.push(pem);
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
        replay: None,
        recording,
    })
}

/// `postgres://…` or `postgresql://…`.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

fn parse_resolve(entries: &[String]) -> anyhow::Result<HashMap<String, SocketAddr>> {
    entries
        .iter()
        .map(|e| {
            let (host, addr) = e
                .split_once('=')
                .ok_or_else(|| anyhow!("--resolve {e:?}: expected HOST=ADDR"))?;
            let addr: SocketAddr = addr
                .parse()
                .map_err(|_| anyhow!("--resolve {e:?}: {addr:?} is not IP:PORT"))?;
            Ok((host.trim().to_ascii_lowercase(), addr))
        })
        .collect()
}

impl Session {
    /// After a run: a replay must have followed its cassette; a recording is announced.
    /// `Some` overrides the run's exit code.
    pub fn check(&self, succeeded: bool) -> Option<Exit> {
        if let Some(path) = &self.recording {
            eprintln!(
                "recorded into {} (secrets replaced by <redacted>)",
                path.display()
            );
        }
        let problems = self.replay.as_ref()?.finish().err()?;
        if succeeded {
            eprintln!("error: the replay did not follow the cassette: {problems}");
            return Some(Exit::ReplayMismatch);
        }
        eprintln!("note: the replay stopped before the end of the cassette: {problems}");
        None
    }
}

/// [`connect`], then [`load_host`] with the invocation's time bound; errors are reported on
/// stderr.
pub fn open(
    args: &ConnectArgs,
    log: Arc<dyn LogSink>,
    verbose: bool,
) -> Result<(Session, ConnectorHost), Exit> {
    let session = connect(args, log, verbose).map_err(|e| {
        eprintln!("error: {e}");
        Exit::Usage
    })?;
    let host = load_host(Duration::from_secs(args.timeout))?;
    Ok((session, host))
}

/// Load the connector, reporting how long it took and whether the compile cache served it.
pub fn load_host(timeout: Duration) -> Result<ConnectorHost, Exit> {
    let started = Instant::now();
    let options = HostOptions {
        invocation_timeout: timeout,
        ..HostOptions::default()
    };
    match ConnectorHost::new(options) {
        Ok(host) => {
            let how = match host.compile_source() {
                CompileSource::Cache => "from the compile cache",
                CompileSource::Compiled => "compiled",
            };
            let build = match host.artifact() {
                Some(Artifact::Portable) => "portable build, ",
                _ => "",
            };
            eprintln!(
                "connector loaded ({build}{how}) in {:.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
            Ok(host)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(Exit::Usage)
        }
    }
}

//! The wasmtime engine for the connector: one `Engine`, the component compiled once (and cached
//! on disk), an `InstancePre`, and a fresh `Store` per invocation with a memory cap and a time
//! bound. Invocations may run concurrently from many threads.

use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolConcurrencyLimitError, PoolingAllocationConfig,
    Store, Trap,
};

use crate::bindings::{self, Connector, ConnectorPre};
use crate::capabilities::Capabilities;
use crate::host_state::HostState;

/// The component built by `build.rs`, embedded in this binary.
pub static EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("DOCUSIGN_CONNECTOR_WASM_PATH"));

/// Table bytes a pooled slot keeps resident between invocations (reset with memset).
const TABLE_KEEP_RESIDENT_BYTES: usize = 128 << 10;

/// How often the epoch advances; the granularity of the time bound.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Limits and caching of a [`ConnectorHost`].
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Largest linear memory an invocation may use.
    pub max_memory_bytes: usize,
    /// Longest an invocation may run (guest code and host calls together).
    pub invocation_timeout: Duration,
    /// Directory for the compiled component; `None` compiles in memory every time.
    pub cache_dir: Option<PathBuf>,
    /// How instances get their memory.
    pub allocation: Allocation,
}

impl Default for HostOptions {
    fn default() -> Self {
        Self {
            max_memory_bytes: 512 << 20,
            invocation_timeout: Duration::from_secs(300),
            cache_dir: default_cache_dir(),
            allocation: Allocation::OnDemand,
        }
    }
}

/// Where instances get their memory from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// Map memory for each instance when it is created (nothing reserved up front).
    OnDemand,
    /// wasmtime's pooling allocator: slots reserved once and reused, so instantiation is
    /// faster; at most `max_concurrent` invocations run at once (more fail at once with
    /// [`HostError::Busy`]). Reserves address space (not memory) for every slot.
    Pooling {
        /// Invocations that may run at the same time.
        max_concurrent: u32,
    },
}

/// How [`ConnectorHost::instantiate`] creates the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instantiate {
    /// `Linker::instantiate`: resolves every import on each call.
    Linker,
    /// `InstancePre::instantiate`: imports resolved once at load (what invocations use).
    InstancePre,
}

/// What one invocation used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InvocationStats {
    /// Largest size the guest's linear memory reached, bytes.
    pub guest_memory_peak_bytes: usize,
    /// HTTP reply body bytes the guest received.
    pub http_bytes_received: u64,
    /// Wall time, instantiation included.
    pub elapsed: Duration,
}

/// `$DOCUSIGN_HOST_CACHE_DIR`, else `$XDG_CACHE_HOME/docusign-host`, else `~/.cache/docusign-host`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCUSIGN_HOST_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("docusign-host"))
}

/// Why an invocation produced no result (as opposed to a connector error, which is a result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// The component could not be compiled, loaded or instantiated.
    Load(String),
    /// The guest exceeded its memory cap and was stopped.
    MemoryLimit {
        /// The cap.
        limit_bytes: usize,
        /// What the guest asked for.
        requested_bytes: usize,
    },
    /// The guest ran past the invocation's time bound and was stopped.
    Timeout {
        /// The bound.
        limit: Duration,
    },
    /// Every slot of the pooling allocator is taken by running invocations; retry shortly.
    Busy {
        /// The pool's size ([`Allocation::Pooling`]'s `max_concurrent`).
        max_concurrent: u32,
    },
    /// The guest trapped (a bug or a panic); `guest_stderr` holds its panic message.
    Trap {
        /// The trap and its wasm backtrace.
        message: String,
        /// What the guest wrote to stderr.
        guest_stderr: String,
    },
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Load(m) => write!(f, "loading the connector failed: {m}"),
            Self::MemoryLimit {
                limit_bytes,
                requested_bytes,
            } => write!(
                f,
                "the connector was stopped: it needed {requested_bytes} bytes of memory, over the limit of {limit_bytes} bytes"
            ),
            Self::Timeout { limit } => {
                write!(
                    f,
                    "the connector was stopped: it ran longer than the limit of {} s",
                    limit.as_secs_f64()
                )
            }
            Self::Busy { max_concurrent } => write!(
                f,
                "the host is busy: all {max_concurrent} invocation slots are in use; retry shortly"
            ),
            Self::Trap {
                message,
                guest_stderr,
            } => {
                write!(f, "the connector crashed: {message}")?;
                if !guest_stderr.is_empty() {
                    write!(f, "\nguest output: {guest_stderr}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for HostError {}

/// How the component was obtained when the host was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileSource {
    /// Compiled with Cranelift now.
    Compiled,
    /// Deserialized from the on-disk cache (no Cranelift).
    Cache,
}

/// A loaded connector, ready for concurrent invocations.
pub struct ConnectorHost {
    engine: Engine,
    linker: Linker<HostState>,
    component: Component,
    pre: ConnectorPre<HostState>,
    options: HostOptions,
    source: CompileSource,
    component_sha256: String,
}

impl ConnectorHost {
    /// Load the embedded component.
    pub fn new(options: HostOptions) -> Result<Self, HostError> {
        Self::from_bytes(EMBEDDED_COMPONENT, options)
    }

    /// Load a component from `bytes` (a `.wasm` component).
    pub fn from_bytes(bytes: &[u8], options: HostOptions) -> Result<Self, HostError> {
        let engine = build_engine(&options)?;
        let component_sha256 = hex(&Sha256::digest(bytes));
        let (component, source) = load_component(
            &engine,
            bytes,
            &component_sha256,
            options.cache_dir.as_deref(),
        )?;
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(load_error)?;
        Connector::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).map_err(load_error)?;
        let pre = ConnectorPre::new(linker.instantiate_pre(&component).map_err(load_error)?)
            .map_err(load_error)?;
        start_epoch_ticker(&engine);
        Ok(Self {
            engine,
            linker,
            component,
            pre,
            options,
            source,
            component_sha256,
        })
    }

    /// Whether the component came from the compile cache.
    pub fn compile_source(&self) -> CompileSource {
        self.source
    }

    /// SHA-256 of the component bytes, hex.
    pub fn component_sha256(&self) -> &str {
        &self.component_sha256
    }

    /// The options in force.
    pub fn options(&self) -> &HostOptions {
        &self.options
    }

    /// The engine (shared by every invocation).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Run `call` on a fresh instance in a fresh store with `caps`; traps, the memory cap and the
    /// time bound become [`HostError`]s.
    pub fn invoke<R>(
        &self,
        caps: &Capabilities,
        call: impl FnOnce(&Connector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, HostError> {
        self.invoke_measured(caps, call).0
    }

    /// [`invoke`](Self::invoke), also reporting what the invocation used.
    pub fn invoke_measured<R>(
        &self,
        caps: &Capabilities,
        call: impl FnOnce(&Connector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> (Result<R, HostError>, InvocationStats) {
        let started = Instant::now();
        let mut store = self.store(caps, started);
        let outcome = self
            .pre
            .instantiate(&mut store)
            .and_then(|connector| call(&connector, &mut store));
        let state = store.data();
        let stats = InvocationStats {
            guest_memory_peak_bytes: state.limiter.peak_bytes,
            http_bytes_received: state.http_bytes,
            elapsed: started.elapsed(),
        };
        (outcome.map_err(|e| self.classify(e, state)), stats)
    }

    /// Create one instance the way `via` says and drop it (warm-up; instantiation benchmarks).
    pub fn instantiate(&self, caps: &Capabilities, via: Instantiate) -> Result<(), HostError> {
        let mut store = self.store(caps, Instant::now());
        let outcome = match via {
            Instantiate::Linker => {
                Connector::instantiate(&mut store, &self.component, &self.linker).map(drop)
            }
            Instantiate::InstancePre => self.pre.instantiate(&mut store).map(drop),
        };
        outcome.map_err(|e| self.classify(e, store.data()))
    }

    /// A fresh store for one invocation starting at `started`: memory cap and time bound.
    fn store(&self, caps: &Capabilities, started: Instant) -> Store<HostState> {
        let deadline = started + self.options.invocation_timeout;
        let mut store = Store::new(
            &self.engine,
            HostState::new(caps.clone(), self.options.max_memory_bytes, deadline),
        );
        store.limiter(|s| &mut s.limiter);
        let ticks = self.options.invocation_timeout.as_millis() / EPOCH_TICK.as_millis() + 1;
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        store.epoch_deadline_trap();
        store
    }

    fn classify(&self, error: wasmtime::Error, state: &HostState) -> HostError {
        if let Some(requested_bytes) = state.limiter.refused {
            return HostError::MemoryLimit {
                limit_bytes: state.limiter.max_bytes,
                requested_bytes,
            };
        }
        if let Allocation::Pooling { max_concurrent } = self.options.allocation
            && error.downcast_ref::<PoolConcurrencyLimitError>().is_some()
        {
            return HostError::Busy { max_concurrent };
        }
        // Guest code interrupted by the epoch deadline, or a host call that found it passed.
        if state.deadline_hit.get() || matches!(error.downcast_ref::<Trap>(), Some(Trap::Interrupt))
        {
            return HostError::Timeout {
                limit: self.options.invocation_timeout,
            };
        }
        // The error chain with its wasm backtrace, not the host's Rust backtrace.
        let message = error
            .chain()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\ncaused by: ");
        HostError::Trap {
            message,
            guest_stderr: state.guest_stderr(),
        }
    }
}

fn load_error(e: wasmtime::Error) -> HostError {
    HostError::Load(format!("{e:?}"))
}

fn build_engine(options: &HostOptions) -> Result<Engine, HostError> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // The component is built with +wide-arithmetic (5x faster RSA); a build without it loads too.
    config.wasm_wide_arithmetic(true);
    config.epoch_interruption(true);
    // Profiling aid: `perf` can name the guest's functions (see BENCHMARKS.md).
    if std::env::var_os("DOCUSIGN_HOST_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    if let Allocation::Pooling { max_concurrent } = options.allocation {
        let n = max_concurrent.max(1);
        // The connector component has a handful of core instances, memories and tables (the
        // Rust module plus the component model's adapter shims); room for twice as many.
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(n)
            .total_core_instances(n * 16)
            .total_memories(n * 4)
            .total_tables(n * 8)
            .max_core_instances_per_component(16)
            .max_memories_per_component(4)
            .max_tables_per_component(8)
            .max_memory_size(options.max_memory_bytes)
            // A reused slot's tables are reset with memset (small, always touched); its linear
            // memory is handed back to the kernel instead: a memset of the guest's initial
            // memory would cost every invocation ~13 µs, more than the page faults it saves a
            // small one (see BENCHMARKS.md).
            .table_keep_resident(TABLE_KEEP_RESIDENT_BYTES);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config).map_err(load_error)
}

/// Compile `bytes`, or deserialize the cached compilation keyed by the component hash, the
/// wasmtime version and the engine's compatibility hash.
fn load_component(
    engine: &Engine,
    bytes: &[u8],
    sha256: &str,
    cache_dir: Option<&Path>,
) -> Result<(Component, CompileSource), HostError> {
    let Some(dir) = cache_dir else {
        return Ok((
            Component::new(engine, bytes).map_err(load_error)?,
            CompileSource::Compiled,
        ));
    };
    let mut compat = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut compat);
    let file = dir.join(format!(
        "connector-{}-wasmtime{}-{:016x}.cwasm",
        &sha256[..16],
        env!("DOCUSIGN_HOST_WASMTIME_VERSION"),
        compat.finish()
    ));
    // Read into memory rather than mmap the file: a file changed under a mapping (another
    // process, a careless cleanup) would crash the host with SIGBUS.
    if let Ok(cached) = std::fs::read(&file) {
        // SAFETY: the file is one this host wrote (named by the component's hash and the engine's
        // compatibility hash) in a directory only the user can write; wasmtime also rejects
        // artifacts from a different version or configuration.
        if let Ok(component) = unsafe { Component::deserialize(engine, &cached) } {
            return Ok((component, CompileSource::Cache));
        }
    }
    let component = Component::new(engine, bytes).map_err(load_error)?;
    if let Err(e) = write_cache(dir, &file, &component) {
        eprintln!(
            "warning: could not cache the compiled connector in {}: {e}",
            dir.display()
        );
    }
    Ok((component, CompileSource::Compiled))
}

fn write_cache(dir: &Path, file: &Path, component: &Component) -> Result<(), String> {
    let bytes = component.serialize().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, file).map_err(|e| e.to_string())
}

/// Advance the engine's epoch every tick until the engine is dropped.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("docusign-host-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .ok();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Typed calls, one per export. The outer `Result` is the host's (trap, limits); the inner one
/// is the connector's typed error.
impl ConnectorHost {
    /// `auth-test`.
    pub fn auth_test(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
    ) -> Result<Result<bindings::commands::AuthTestResult, bindings::ConnectorError>, HostError>
    {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands().call_auth_test(s, conn)
        })
    }

    /// `reset-access-token`.
    pub fn reset_access_token(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
    ) -> Result<Result<bindings::commands::ResetResult, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands()
                .call_reset_access_token(s, conn)
        })
    }

    /// `generate-consent-url`.
    pub fn generate_consent_url(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        req: &bindings::commands::ConsentRequest,
    ) -> Result<Result<bindings::commands::ConsentUrl, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands()
                .call_generate_consent_url(s, conn, req)
        })
    }

    /// `get-events`.
    pub fn get_events(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        req: &bindings::commands::GetEventsRequest,
    ) -> Result<Result<Vec<bindings::commands::Event>, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands()
                .call_get_events(s, conn, req)
        })
    }

    /// `fetch-events`.
    pub fn fetch_events(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        req: &bindings::commands::FetchRequest,
    ) -> Result<Result<bindings::commands::FetchBatch, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands()
                .call_fetch_events(s, conn, req)
        })
    }

    /// `commit-fetch`.
    pub fn commit_fetch(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        checkpoint: &str,
    ) -> Result<Result<(), bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands()
                .call_commit_fetch(s, conn, checkpoint)
        })
    }

    /// `send-for-signature`.
    pub fn send_for_signature(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        req: &bindings::signing::SendRequest,
    ) -> Result<Result<bindings::signing::SentEnvelope, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_signing()
                .call_send_for_signature(s, conn, req)
        })
    }

    /// `get-envelope-status`.
    pub fn get_envelope_status(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        envelope_id: &str,
    ) -> Result<Result<bindings::signing::EnvelopeInfo, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_signing()
                .call_get_envelope_status(s, conn, envelope_id)
        })
    }

    /// `get-signed-documents`.
    pub fn get_signed_documents(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        envelope_id: &str,
    ) -> Result<Result<bindings::signing::SignedDocuments, bindings::ConnectorError>, HostError>
    {
        self.invoke(caps, |c, s| {
            c.docusign_connector_signing()
                .call_get_signed_documents(s, conn, envelope_id)
        })
    }

    /// `void-envelope`.
    pub fn void_envelope(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        envelope_id: &str,
        reason: &str,
    ) -> Result<Result<bindings::signing::VoidResult, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_signing()
                .call_void_envelope(s, conn, envelope_id, reason)
        })
    }
}

/// A shared host, for callers that load once and invoke from many threads.
pub type SharedHost = Arc<ConnectorHost>;

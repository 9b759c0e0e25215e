//! The wasmtime engine for the connector: one `Engine`, the component compiled once (and cached
//! on disk, [`cache`]), an `InstancePre`, and a fresh `Store` per invocation with a memory cap and
//! a time bound. Invocations may run concurrently from many threads.

mod cache;
mod calls;
mod deadline;
mod error;
mod options;
mod stacks;

pub use cache::CompileSource;
pub use calls::ConnectOutcome;
pub use error::HostError;
pub use options::{
    Allocation, Artifact, DeadlineChecks, HostOptions, Instantiate, InvocationStats,
    default_cache_dir,
};

use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest as _, Sha256};
use wasmtime::component::{
    Component, ComponentExportIndex, ComponentNamedList, HasSelf, Lift, Linker, Lower,
};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolConcurrencyLimitError,
    PoolingAllocationConfig, Store, Trap,
};

use crate::bindings::{Connector, ConnectorPre};
use crate::capabilities::Capabilities;
use crate::host_state::HostState;

/// How an invocation's HTTP requests wait for their replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Io {
    /// [`Transport::send`](crate::Transport::send), holding the calling thread.
    Blocking,
    /// [`Transport::send_async`](crate::Transport::send_async), suspending the invocation.
    Async,
}

/// The tuned component (`+wide-arithmetic`) built by `build.rs`, embedded in this binary.
pub static EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("DOCUSIGN_CONNECTOR_WASM_PATH"));
/// The portable component (standard wasm features) built by `build.rs`, embedded too.
pub static EMBEDDED_PORTABLE_COMPONENT: &[u8] =
    include_bytes!(env!("DOCUSIGN_CONNECTOR_PORTABLE_WASM_PATH"));

/// The embedded build `artifact` stands for with `wide_arithmetic` on or off, and which it is.
pub fn embedded(
    artifact: Artifact,
    wide_arithmetic: bool,
) -> Result<(&'static [u8], Artifact), HostError> {
    match (artifact, wide_arithmetic) {
        (Artifact::Tuned, false) => Err(HostError::Load(
            "the tuned artifact needs the wide-arithmetic wasm feature; enable it \
             (HostOptions::wide_arithmetic) or load the portable artifact"
                .to_owned(),
        )),
        (Artifact::Tuned, true) | (Artifact::Auto, true) => {
            Ok((EMBEDDED_COMPONENT, Artifact::Tuned))
        }
        (Artifact::Portable, _) | (Artifact::Auto, false) => {
            Ok((EMBEDDED_PORTABLE_COMPONENT, Artifact::Portable))
        }
    }
}

/// Table bytes a pooled slot keeps resident between invocations (reset with memset).
const TABLE_KEEP_RESIDENT_BYTES: usize = 128 << 10;
/// Linear memory a pooled slot may keep resident between invocations where the kernel can
/// tell which pages an invocation touched (`PAGEMAP_SCAN`): the component's initial memory.
const MEMORY_KEEP_RESIDENT_BYTES: usize = 2 << 20;

/// What one invocation takes from the pool: the connector's three core instances (its Rust
/// module and the component model's two shims) with room to spare (they hold no memory), its
/// one linear memory, and the function tables of the module and a shim. Memories and tables
/// are sized exactly: the pool is sharded per CPU and a shard with no free used slot takes one
/// it never used before asking the others, so spare slots end up touched and kept resident
/// under load (BENCHMARKS.md, "Pool slots sized to the component"). wasmtime refuses, at load,
/// a component that needs more.
const CORE_INSTANCES_PER_INVOCATION: u32 = 16;
const MEMORIES_PER_INVOCATION: u32 = 1;
const TABLES_PER_INVOCATION: u32 = 2;

/// A loaded connector, ready for concurrent invocations.
pub struct ConnectorHost {
    engine: Engine,
    linker: Linker<HostState>,
    component: Component,
    pre: ConnectorPre<HostState>,
    exports: calls::Exports,
    options: HostOptions,
    source: CompileSource,
    component_sha256: String,
    artifact: Option<Artifact>,
}

impl ConnectorHost {
    /// Load the embedded component `options.artifact` names (by default the tuned build, since
    /// the engine enables wide arithmetic).
    pub fn new(options: HostOptions) -> Result<Self, HostError> {
        let (bytes, artifact) = embedded(options.artifact, options.wide_arithmetic)?;
        let mut host = Self::from_bytes(bytes, options)?;
        host.artifact = Some(artifact);
        Ok(host)
    }

    /// Load a component from `bytes` (a `.wasm` component).
    pub fn from_bytes(bytes: &[u8], options: HostOptions) -> Result<Self, HostError> {
        let engine = build_engine(&options)?;
        let component_sha256 = base16ct::lower::encode_string(&Sha256::digest(bytes));
        let (component, source) = cache::load_component(
            &engine,
            bytes,
            &component_sha256,
            options.cache_dir.as_deref(),
        )?;
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(load_error)?;
        Connector::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).map_err(load_error)?;
        let pre = ConnectorPre::new(linker.instantiate_pre(&component).map_err(load_error)?)
            .map_err(load_error)?;
        let exports = calls::Exports::find(&engine, &component)?;
        deadline::start_epoch_ticker(&engine, &options);
        Ok(Self {
            engine,
            linker,
            component,
            pre,
            exports,
            options,
            source,
            component_sha256,
            artifact: None,
        })
    }

    /// Which embedded build was loaded (`None`: bytes given to [`Self::from_bytes`]).
    pub fn artifact(&self) -> Option<Artifact> {
        self.artifact
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
    /// time bound become [`HostError`]s. Blocks the calling thread until the invocation ends;
    /// HTTP goes through [`Transport::send`](crate::Transport::send).
    pub fn invoke<R>(
        &self,
        caps: &Capabilities,
        call: impl AsyncFnOnce(&Connector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, HostError> {
        self.invoke_measured(caps, call).0
    }

    /// [`invoke`](Self::invoke), also reporting what the invocation used.
    pub fn invoke_measured<R>(
        &self,
        caps: &Capabilities,
        call: impl AsyncFnOnce(&Connector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> (Result<R, HostError>, InvocationStats) {
        // Every host call answers at once on this path, so the future never waits on a waker.
        futures_executor::block_on(self.run(caps, Io::Blocking, call))
    }

    /// [`invoke`](Self::invoke) without holding a thread while the invocation waits on HTTP:
    /// the guest runs on a fiber that suspends at each request, which goes through
    /// [`Transport::send_async`](crate::Transport::send_async). Thousands of these can wait
    /// on one executor thread.
    pub async fn invoke_async<R>(
        &self,
        caps: &Capabilities,
        call: impl AsyncFnOnce(&Connector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, HostError> {
        self.run(caps, Io::Async, call).await.0
    }

    /// [`invoke_async`](Self::invoke_async), also reporting what the invocation used.
    pub async fn invoke_measured_async<R>(
        &self,
        caps: &Capabilities,
        call: impl AsyncFnOnce(&Connector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> (Result<R, HostError>, InvocationStats) {
        self.run(caps, Io::Async, call).await
    }

    /// One invocation with HTTP done the way `io` says, `call` given every export.
    pub(crate) async fn run<R>(
        &self,
        caps: &Capabilities,
        io: Io,
        call: impl AsyncFnOnce(&Connector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> (Result<R, HostError>, InvocationStats) {
        self.run_in_store(caps, io, async |store| {
            let connector = self.pre.instantiate_async(&mut *store).await?;
            call(&connector, store).await
        })
        .await
    }

    /// One invocation of the export at `export` with `params`: only that export is looked up
    /// and type-checked (loading every export's typed handle costs more than a small call).
    pub(crate) async fn call_export<P, R>(
        &self,
        caps: &Capabilities,
        io: Io,
        export: &ComponentExportIndex,
        params: P,
    ) -> Result<R, HostError>
    where
        P: ComponentNamedList + Lower + Send + Sync,
        R: ComponentNamedList + Lift + Send + Sync + 'static,
    {
        let outcome = self.run_in_store(caps, io, async |store| {
            let instance = self
                .pre
                .instance_pre()
                .instantiate_async(&mut *store)
                .await?;
            let func = instance.get_typed_func::<P, R>(&mut *store, export)?;
            func.call_async(&mut *store, params).await
        });
        outcome.await.0
    }

    /// A fresh store for `body`; its error classified, what it used measured.
    async fn run_in_store<R>(
        &self,
        caps: &Capabilities,
        io: Io,
        body: impl AsyncFnOnce(&mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> (Result<R, HostError>, InvocationStats) {
        let started = Instant::now();
        let mut store = self.store(caps, started);
        store.data_mut().nonblocking = io == Io::Async;
        let outcome = body(&mut store).await;
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
        let outcome = futures_executor::block_on(async {
            match via {
                Instantiate::Linker => {
                    let linker = &self.linker;
                    linker
                        .instantiate_async(&mut store, &self.component)
                        .await
                        .map(drop)
                }
                Instantiate::InstancePre => {
                    let pre = self.pre.instance_pre();
                    pre.instantiate_async(&mut store).await.map(drop)
                }
            }
        });
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
        deadline::arm_epoch_deadline(&mut store, &self.options);
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
    // The tuned build uses wide arithmetic (faster RSA); the portable one loads either way.
    config.wasm_wide_arithmetic(options.wide_arithmetic);
    // Checks in guest code cost it time: RSA signing about a third (BENCHMARKS.md).
    config.epoch_interruption(options.deadline_checks == DeadlineChecks::GuestCode);
    // Profiling aid: `perf` can name the guest's functions (see BENCHMARKS.md).
    if std::env::var_os("DOCUSIGN_HOST_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    if options.allocation == Allocation::OnDemand {
        config.with_host_stack(Arc::new(stacks::ReusedStacks::default()));
    }
    if let Allocation::Pooling { max_concurrent } = options.allocation {
        let n = max_concurrent.max(1);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(n)
            .total_core_instances(n * CORE_INSTANCES_PER_INVOCATION)
            .total_memories(n * MEMORIES_PER_INVOCATION)
            .total_tables(n * TABLES_PER_INVOCATION)
            .max_core_instances_per_component(CORE_INSTANCES_PER_INVOCATION)
            .max_memories_per_component(MEMORIES_PER_INVOCATION)
            .max_tables_per_component(TABLES_PER_INVOCATION)
            .max_memory_size(options.max_memory_bytes)
            // One fiber stack per invocation in flight (the guest runs on it; not zeroed, so a
            // reused stack is neither cleared nor handed back to the kernel).
            .total_stacks(n)
            // A reused slot's tables are reset with memset (small, always touched).
            .table_keep_resident(TABLE_KEEP_RESIDENT_BYTES);
        // Its linear memory, where the kernel has PAGEMAP_SCAN (Linux 6.7+), is reset in place:
        // only the pages the last invocation touched are restored, and they stay resident. No
        // madvise, page faults or TLB shootdowns per invocation, which under load serialize on
        // the address-space lock (BENCHMARKS.md, "Many invocations in flight"). Elsewhere it is
        // handed back to the kernel: a memset of all of it would cost more than it saves.
        if pagemap_scan_available() {
            pool.pagemap_scan(Enabled::Yes)
                .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT_BYTES);
        }
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config).map_err(load_error)
}

/// Whether the kernel has the `PAGEMAP_SCAN` ioctl (Linux 6.7 and later).
fn pagemap_scan_available() -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut numbers = release
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<u32>().ok());
    matches!((numbers.next(), numbers.next()), (Some(major), Some(minor)) if (major, minor) >= (6, 7))
}

/// A shared host, for callers that load once and invoke from many threads.
pub type SharedHost = Arc<ConnectorHost>;

//! What a [`ConnectorHost`](super::ConnectorHost) is configured with and what an invocation
//! reports.

use std::path::PathBuf;
use std::time::Duration;

/// Limits and caching of a [`ConnectorHost`](super::ConnectorHost).
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Largest linear memory an invocation may use.
    pub max_memory_bytes: usize,
    /// Longest an invocation may run (guest code and host calls together).
    pub invocation_timeout: Duration,
    /// Where that bound is checked: in guest code as well as at host calls (the default), or
    /// at host calls only, which makes CPU-heavy guest code faster.
    pub deadline_checks: DeadlineChecks,
    /// Directory for the compiled component; `None` compiles in memory every time.
    pub cache_dir: Option<PathBuf>,
    /// How instances get their memory.
    pub allocation: Allocation,
    /// Whether the engine enables the wasm `wide-arithmetic` feature (the tuned artifact needs
    /// it; every other wasm host lacks it).
    pub wide_arithmetic: bool,
    /// Which embedded build [`ConnectorHost::new`](super::ConnectorHost::new) loads.
    pub artifact: Artifact,
}

impl Default for HostOptions {
    fn default() -> Self {
        Self {
            max_memory_bytes: 512 << 20,
            invocation_timeout: Duration::from_secs(300),
            deadline_checks: DeadlineChecks::GuestCode,
            cache_dir: default_cache_dir(),
            allocation: Allocation::OnDemand,
            wide_arithmetic: true,
            artifact: Artifact::Auto,
        }
    }
}

/// Where an invocation's time bound ([`HostOptions::invocation_timeout`]) is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineChecks {
    /// In guest code (wasmtime's epoch interruption: a check at every loop and function entry)
    /// and at every host call, so a guest that loops forever is stopped.
    GuestCode,
    /// At every host call only (HTTP, state, clock, log; a waiting request is still cut off at
    /// the bound). Guest code runs without checks: RSA signing in the guest is about a third
    /// faster and a page of events about a fifth (BENCHMARKS.md), but a guest stuck in a loop
    /// that calls no host function is never stopped. For a component you trust.
    HostCallsOnly,
}

impl DeadlineChecks {
    /// `GuestCode` when guest code is to be checked, else `HostCallsOnly`.
    pub fn in_guest_code(checked: bool) -> Self {
        if checked {
            Self::GuestCode
        } else {
            Self::HostCallsOnly
        }
    }
}

/// The builds of the component the host embeds (one source, two sets of wasm features).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifact {
    /// The tuned build when the engine enables wide arithmetic, else the portable one.
    Auto,
    /// Standard wasm features only: what any component host loads (jco in Node, too).
    Portable,
    /// Built with `+wide-arithmetic`: faster RSA signing; needs
    /// [`HostOptions::wide_arithmetic`].
    Tuned,
}

/// Where instances get their memory from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// Map memory for each instance when it is created (nothing reserved up front).
    OnDemand,
    /// wasmtime's pooling allocator: slots reserved once and reused, so instantiation is
    /// faster; at most `max_concurrent` invocations run at once (more fail at once with
    /// [`HostError::Busy`]). Reserves address space (not memory) for every slot; each slot
    /// keeps up to 2 MiB of the memory its invocations touched resident for the next one.
    Pooling {
        /// Invocations that may run at the same time.
        max_concurrent: u32,
    },
}

/// How [`ConnectorHost::instantiate`](super::ConnectorHost::instantiate) creates the instance.
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

//! Replay harness: capabilities wired to a cassette, a manual clock, a state store and an
//! in-memory log. Used by the tests, the benchmarks, `docusign-host demo` and `--replay`.

use std::sync::Arc;

use super::cassette::CassetteError;
use super::format::Cassette;
use super::transport::{CassetteTransport, ReplayMismatch};
use crate::capabilities::{Capabilities, LogSink, StateStore};
use crate::clock::ManualClock;
use crate::log_sink::MemoryLog;
use crate::state_store::MemoryStateStore;

/// Replay clock start when a cassette sets none: 2025-05-02T15:40:00Z.
pub const DEFAULT_START_MS: u64 = 1_746_200_400_000;

/// Capabilities for replaying one cassette.
pub struct Replay {
    /// The cassette transport (inspect `received()`, call `finish()`).
    pub transport: Arc<CassetteTransport>,
    /// The clock the connector sees.
    pub clock: Arc<ManualClock>,
    /// The state store (shared across replays when passed in).
    pub state: Arc<dyn StateStore>,
    /// Every log line.
    pub log: Arc<MemoryLog>,
    /// The state store when it is the in-memory one `Replay::new` made (for inspection).
    memory: Option<Arc<MemoryStateStore>>,
}

impl Replay {
    /// Replay `cassette` with a new in-memory state store.
    pub fn new(cassette: Cassette) -> Self {
        let memory = Arc::new(MemoryStateStore::new());
        Self {
            memory: Some(memory.clone()),
            ..Self::with_state(cassette, memory)
        }
    }

    /// Replay `cassette` with `state` (to carry a token cache or checkpoints across cassettes).
    pub fn with_state(cassette: Cassette, state: Arc<dyn StateStore>) -> Self {
        let start = cassette.start_time_ms().unwrap_or(DEFAULT_START_MS);
        Self {
            transport: Arc::new(CassetteTransport::new(cassette)),
            clock: Arc::new(ManualClock::new(start)),
            state,
            log: Arc::new(MemoryLog::default()),
            memory: None,
        }
    }

    /// Every state key and value, when the replay made its own in-memory store (else empty).
    pub fn state_snapshot(&self) -> std::collections::HashMap<String, String> {
        self.memory
            .as_ref()
            .map(|m| m.snapshot())
            .unwrap_or_default()
    }

    /// Load the cassette at `path` and replay it with a new state store.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Self, CassetteError> {
        Ok(Self::new(Cassette::load(path)?))
    }

    /// The capabilities to invoke the connector with.
    pub fn capabilities(&self) -> Capabilities {
        self.capabilities_with_log(self.log.clone())
    }

    /// The capabilities, with `log` instead of the replay's in-memory log (the CLI logs to
    /// stderr).
    pub fn capabilities_with_log(&self, log: Arc<dyn LogSink>) -> Capabilities {
        Capabilities {
            transport: self.transport.clone(),
            clock: self.clock.clone(),
            state: self.state.clone(),
            log,
        }
    }

    /// Ok when the whole cassette was used and every request matched.
    pub fn finish(&self) -> Result<(), ReplayMismatch> {
        self.transport.finish()
    }
}

//! The capabilities the host provides (WIT imports), as a trait so core logic runs natively in tests.

use crate::error::TransportError;
use crate::request::{HttpRequest, HttpResponse};

/// Log severity (WIT `log.level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Fine detail.
    Trace,
    /// Diagnostics.
    Debug,
    /// Progress.
    Info,
    /// Worked-around surprises.
    Warn,
    /// Failures.
    Error,
}

/// A state value with its version (WIT `state.entry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateEntry {
    /// The value.
    pub value: String,
    /// Its version; every write gives a higher one.
    pub version: u64,
}

/// Why a versioned state call failed (WIT `state.state-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateFailure {
    /// A conditional write found another version (`None`: the key is absent).
    Conflict(Option<u64>),
    /// The store could not be used.
    Unavailable(String),
}

impl std::fmt::Display for StateFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Conflict(Some(v)) => write!(f, "changed meanwhile (now at version {v})"),
            Self::Conflict(None) => f.write_str("removed meanwhile"),
            Self::Unavailable(message) => f.write_str(message),
        }
    }
}

/// Host capabilities used by the connector. Implemented over the WIT imports in the component and
/// by fakes in native tests.
pub trait Host {
    /// Send one HTTP request. Implementations may move parts out of `request` while sending
    /// (to avoid copying large bodies) but must put them back before returning.
    fn send(&self, request: &mut HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Wait (or advance a virtual clock).
    fn sleep_ms(&self, ms: u32);
    /// Read a state value.
    fn state_get(&self, key: &str) -> Result<Option<String>, String>;
    /// Read a state value with its version.
    fn state_get_entry(&self, key: &str) -> Result<Option<StateEntry>, StateFailure>;
    /// Write a state value.
    fn state_set(&self, key: &str, value: &str) -> Result<(), String>;
    /// Write a state value only if the key is at version `expected` (`None`: absent); the new
    /// version.
    fn state_set_if(
        &self,
        key: &str,
        value: &str,
        expected: Option<u64>,
    ) -> Result<u64, StateFailure>;
    /// Delete a state value; true when it existed.
    fn state_delete(&self, key: &str) -> Result<bool, String>;
    /// Take the lease `key` for `ttl_ms`, waiting up to `wait_ms`; false when still held
    /// elsewhere. It lapses after `ttl_ms` unless renewed.
    fn lease(&self, key: &str, ttl_ms: u32, wait_ms: u32) -> Result<bool, String>;
    /// Extend a lease held to `ttl_ms` from now; false when it had lapsed.
    fn renew(&self, key: &str, ttl_ms: u32) -> Result<bool, String>;
    /// Release a lease.
    fn release(&self, key: &str);
    /// Emit one log line (never containing secrets).
    fn log(&self, level: Level, message: &str);
}

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
    /// Write a state value.
    fn state_set(&self, key: &str, value: &str) -> Result<(), String>;
    /// Delete a state value; true when it existed.
    fn state_delete(&self, key: &str) -> Result<bool, String>;
    /// Take a named lock, waiting up to `wait_ms`; false when still held elsewhere.
    fn lock(&self, key: &str, wait_ms: u32) -> Result<bool, String>;
    /// Release a named lock.
    fn unlock(&self, key: &str);
    /// Emit one log line (never containing secrets).
    fn log(&self, level: Level, message: &str);
}

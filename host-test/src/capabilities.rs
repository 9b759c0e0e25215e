//! What the host gives an invocation: HTTP transport, clock, state store and log sink.
//!
//! Each is a trait object so an embedding can plug in its own (a workflow engine's key-value
//! store, its logger) and tests can replay, freeze time and inspect.

use std::sync::Arc;

use crate::bindings::{Level, Request, Response, TransportError};
use crate::state_store::StateError;

/// Sends the connector's HTTP requests.
pub trait Transport: Send + Sync {
    /// Send one request and return the reply, whatever its status.
    fn send(&self, request: &Request) -> Result<Response, TransportError>;
}

/// Wall-clock time for the connector.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Wait (or advance virtual time).
    fn sleep_ms(&self, ms: u32);
}

/// Key-value state that outlives invocations (token cache, fetch checkpoints), with named locks.
pub trait StateStore: Send + Sync {
    /// Value under `key`.
    fn get(&self, key: &str) -> Result<Option<String>, StateError>;
    /// Store `value` under `key`.
    fn set(&self, key: &str, value: &str) -> Result<(), StateError>;
    /// Remove `key`; true when it existed.
    fn delete(&self, key: &str) -> Result<bool, StateError>;
    /// Take lock `key` for invocation `owner`, waiting up to `wait_ms`; true when taken (or
    /// already held by `owner`).
    fn lock(&self, key: &str, owner: u64, wait_ms: u32) -> Result<bool, StateError>;
    /// Release lock `key` if `owner` holds it.
    fn unlock(&self, key: &str, owner: u64);
}

/// Receives the connector's log lines (which never contain secrets).
pub trait LogSink: Send + Sync {
    /// One line.
    fn log(&self, level: Level, message: &str);
}

/// The capabilities of one invocation.
#[derive(Clone)]
pub struct Capabilities {
    /// HTTP.
    pub transport: Arc<dyn Transport>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// State.
    pub state: Arc<dyn StateStore>,
    /// Logs.
    pub log: Arc<dyn LogSink>,
}

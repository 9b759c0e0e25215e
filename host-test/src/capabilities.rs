//! What the host gives an invocation: HTTP transport, clock, state store and log sink.
//!
//! Each is a trait object so an embedding can plug in its own (a workflow engine's key-value
//! store, its logger) and tests can replay, freeze time and inspect.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::bindings::{Level, Request, Response, TransportError};
use crate::state_store::{Entry, StateError};

/// A reply on its way, from [`Transport::send_async`].
pub type TransportFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response, TransportError>> + Send + 'a>>;

/// Sends the connector's HTTP requests.
pub trait Transport: Send + Sync {
    /// Send one request and return the reply, whatever its status.
    fn send(&self, request: &Request) -> Result<Response, TransportError>;

    /// The same, without holding a thread while waiting: what the async invocation path
    /// (`ConnectorHost::*_async`) awaits. It takes the request, so a transport that hands the body
    /// to another task need not copy it. By default it runs [`send`](Self::send) in place, which
    /// suits transports that answer at once (cassettes); a transport that waits on the network
    /// overrides it.
    fn send_async(&self, request: Request) -> TransportFuture<'_> {
        Box::pin(std::future::ready(self.send(&request)))
    }
}

/// Wall-clock time for the connector.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Wait (or advance virtual time).
    fn sleep_ms(&self, ms: u32);
    /// The same on the async invocation path. By default [`sleep_ms`](Self::sleep_ms) in place,
    /// which suits virtual clocks; a clock that really waits overrides it.
    fn sleep_async(&self, ms: u32) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.sleep_ms(ms);
        Box::pin(std::future::ready(()))
    }
}

/// Key-value state that outlives invocations (token cache, fetch checkpoints): versioned values
/// for conditional writes, and leases. A store shared by several processes (files, PostgreSQL)
/// must keep these guarantees across them.
pub trait StateStore: Send + Sync {
    /// Value under `key`.
    fn get(&self, key: &str) -> Result<Option<String>, StateError> {
        Ok(self.get_entry(key)?.map(|e| e.value))
    }
    /// Value under `key` with its version.
    fn get_entry(&self, key: &str) -> Result<Option<Entry>, StateError>;
    /// Store `value` under `key` (a new, higher version).
    fn set(&self, key: &str, value: &str) -> Result<(), StateError>;
    /// Store `value` only if `key` is at version `expected` (`None`: absent); the new version,
    /// or [`StateError::Conflict`] and nothing written.
    fn set_if(&self, key: &str, value: &str, expected: Option<u64>) -> Result<u64, StateError>;
    /// Remove `key`; true when it existed.
    fn delete(&self, key: &str) -> Result<bool, StateError>;
    /// Take lease `key` for invocation `owner` for `ttl_ms`, waiting up to `wait_ms` while
    /// another owner holds it; true when taken (or already held by `owner`, then extended). A
    /// lease lapses `ttl_ms` after it was taken or renewed.
    fn lease(&self, key: &str, owner: u64, ttl_ms: u32, wait_ms: u32) -> Result<bool, StateError>;
    /// Extend `owner`'s lease `key` to `ttl_ms` from now; false when it lapsed or is not held.
    fn renew(&self, key: &str, owner: u64, ttl_ms: u32) -> Result<bool, StateError>;
    /// Release lease `key` if `owner` holds it.
    fn release(&self, key: &str, owner: u64);
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

//! The connector's `Host` trait over the wasm host's `Transport`, natively: the same Rust code
//! as the component, compiled for this machine, sending through the same transport (the flow
//! benchmark's "native build" floor). State and leases are the connector's in-memory
//! [`FakeHost`]'s; logs are dropped.

use std::time::{SystemTime, UNIX_EPOCH};

use docusign_connector::error::TransportError as NativeError;
use docusign_connector::host::{Host, Level, StateEntry, StateFailure};
use docusign_connector::request::{HttpRequest, HttpResponse, Method as NativeMethod};
use docusign_connector::testing::FakeHost;
use docusign_host::Transport;
use docusign_host::bindings::{Method, Request, TransportError};

/// A native host sending through `T`.
pub struct NativeHost<'t> {
    transport: &'t dyn Transport,
    /// State and leases only: its scripted `send`, clock and log are not used.
    state: FakeHost,
}

impl<'t> NativeHost<'t> {
    /// Empty state, sending through `transport`.
    pub fn new(transport: &'t dyn Transport) -> Self {
        Self {
            transport,
            state: FakeHost::new(),
        }
    }
}

fn method(m: NativeMethod) -> Method {
    match m {
        NativeMethod::Get => Method::Get,
        NativeMethod::Head => Method::Head,
        NativeMethod::Post => Method::Post,
        NativeMethod::Put => Method::Put,
        NativeMethod::Patch => Method::Patch,
        NativeMethod::Delete => Method::Delete,
    }
}

fn error(e: TransportError) -> NativeError {
    match e {
        TransportError::Denied(m) => NativeError::Denied(m),
        TransportError::Timeout(m) => NativeError::Timeout(m),
        TransportError::Dns(m) => NativeError::Dns(m),
        TransportError::Connection(m) => NativeError::Connection(m),
        TransportError::Tls(m) => NativeError::Tls(m),
        TransportError::BodyTooLarge(n) => NativeError::BodyTooLarge(n),
        TransportError::Other(m) => NativeError::Other(m),
    }
}

impl Host for NativeHost<'_> {
    fn send(&self, request: &mut HttpRequest) -> Result<HttpResponse, NativeError> {
        let body = if request.body_parts.is_empty() {
            std::mem::take(&mut request.body)
        } else {
            request.assembled_body()
        };
        let wire = Request {
            method: method(request.method),
            url: request.url.clone(),
            headers: request.headers.clone(),
            body,
            timeout_ms: request.timeout_ms,
        };
        let reply = self.transport.send(&wire);
        if request.body_parts.is_empty() {
            request.body = wire.body;
        }
        let reply = reply.map_err(error)?;
        Ok(HttpResponse {
            status: reply.status,
            headers: reply.headers,
            body: reply.body,
        })
    }

    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    fn sleep_ms(&self, ms: u32) {
        std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
    }

    fn state_get(&self, key: &str) -> Result<Option<String>, String> {
        self.state.state_get(key)
    }

    fn state_get_entry(&self, key: &str) -> Result<Option<StateEntry>, StateFailure> {
        self.state.state_get_entry(key)
    }

    fn state_set(&self, key: &str, value: &str) -> Result<(), String> {
        self.state.state_set(key, value)
    }

    fn state_set_if(
        &self,
        key: &str,
        value: &str,
        expected: Option<u64>,
    ) -> Result<u64, StateFailure> {
        self.state.state_set_if(key, value, expected)
    }

    fn state_delete(&self, key: &str) -> Result<bool, String> {
        self.state.state_delete(key)
    }

    fn lease(&self, key: &str, ttl_ms: u32, wait_ms: u32) -> Result<bool, String> {
        self.state.lease(key, ttl_ms, wait_ms)
    }

    fn renew(&self, key: &str, ttl_ms: u32) -> Result<bool, String> {
        self.state.renew(key, ttl_ms)
    }

    fn release(&self, key: &str) {
        self.state.release(key);
    }

    fn log(&self, _level: Level, _message: &str) {}
}

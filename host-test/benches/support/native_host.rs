//! The connector's `Host` trait over the wasm host's `Transport`, natively: the same Rust code
//! as the component, compiled for this machine, sending through the same transport (the flow
//! benchmark's "native build" floor). State lives in a map; logs are dropped.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use docusign_connector::error::TransportError as NativeError;
use docusign_connector::host::{Host, Level, StateEntry, StateFailure};
use docusign_connector::request::{HttpRequest, HttpResponse, Method as NativeMethod};
use docusign_host::Transport;
use docusign_host::bindings::{Method, Request, TransportError};

/// A native host sending through `T`.
pub struct NativeHost<'t> {
    transport: &'t dyn Transport,
    state: RefCell<HashMap<String, StateEntry>>,
}

impl<'t> NativeHost<'t> {
    /// Empty state, sending through `transport`.
    pub fn new(transport: &'t dyn Transport) -> Self {
        Self {
            transport,
            state: RefCell::new(HashMap::new()),
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
        Ok(self.state.borrow().get(key).map(|e| e.value.clone()))
    }

    fn state_get_entry(&self, key: &str) -> Result<Option<StateEntry>, StateFailure> {
        Ok(self.state.borrow().get(key).cloned())
    }

    fn state_set(&self, key: &str, value: &str) -> Result<(), String> {
        let mut state = self.state.borrow_mut();
        let version = state.get(key).map_or(1, |e| e.version + 1);
        state.insert(
            key.to_owned(),
            StateEntry {
                value: value.to_owned(),
                version,
            },
        );
        Ok(())
    }

    fn state_set_if(
        &self,
        key: &str,
        value: &str,
        expected: Option<u64>,
    ) -> Result<u64, StateFailure> {
        let current = self.state.borrow().get(key).map(|e| e.version);
        if current != expected {
            return Err(StateFailure::Conflict(current));
        }
        self.state_set(key, value)
            .map_err(StateFailure::Unavailable)?;
        Ok(current.map_or(1, |v| v + 1))
    }

    fn state_delete(&self, key: &str) -> Result<bool, String> {
        Ok(self.state.borrow_mut().remove(key).is_some())
    }

    fn lease(&self, _key: &str, _ttl_ms: u32, _wait_ms: u32) -> Result<bool, String> {
        Ok(true)
    }

    fn renew(&self, _key: &str, _ttl_ms: u32) -> Result<bool, String> {
        Ok(true)
    }

    fn release(&self, _key: &str) {}

    fn log(&self, _level: Level, _message: &str) {}
}

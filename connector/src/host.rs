//! The capabilities the host provides (WIT imports), as a trait so core logic runs natively in tests.

use crate::error::TransportError;

/// HTTP method (WIT `http.method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// Whether a request may be sent again after a failure without risk of doing something twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Safe to repeat (reads, `PUT`, a token grant).
    Idempotent,
    /// Never repeated automatically (creating an envelope).
    Never,
}

/// One outbound request (WIT `http.request`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Absolute URL with query.
    pub url: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Requested timeout.
    pub timeout_ms: Option<u32>,
    /// Retry policy (not sent; used by the connector's HTTP layer).
    pub retry: Retry,
}

/// A reply (WIT `http.response`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers; names compared case-insensitively.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

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

//! Progress and timing of HTTP exchanges on stderr (large uploads and downloads, slow calls).

use std::time::Instant;

use docusign_host::bindings::{Request, Response, TransportError};
use docusign_host::capabilities::Transport;

/// Bodies at least this large are announced.
const LARGE_BYTES: usize = 1 << 20;
/// Calls at least this slow are reported.
const SLOW_MS: u128 = 1000;

/// Wraps a transport and reports large or slow exchanges (or all, when `verbose`).
pub struct ProgressTransport<T: Transport> {
    inner: T,
    verbose: bool,
}

impl<T: Transport> ProgressTransport<T> {
    /// Report around `inner`.
    pub fn new(inner: T, verbose: bool) -> Self {
        Self { inner, verbose }
    }
}

/// `12.3 MB`, `4.0 kB`, `17 B`.
pub fn human_bytes(n: usize) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} kB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// The URL without its query (which may be long; it holds no secrets but needs no printing).
fn short_url(url: &str) -> &str {
    url.split_once('?').map_or(url, |(u, _)| u)
}

impl<T: Transport> Transport for ProgressTransport<T> {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let method = request.method;
        let url = short_url(&request.url);
        if self.verbose || request.body.len() >= LARGE_BYTES {
            eprintln!("→ {method} {url} ({} up)…", human_bytes(request.body.len()));
        }
        let started = Instant::now();
        let outcome = self.inner.send(request);
        let elapsed = started.elapsed();
        let large = outcome.as_ref().is_ok_and(|r| r.body.len() >= LARGE_BYTES)
            || request.body.len() >= LARGE_BYTES;
        if self.verbose || large || elapsed.as_millis() >= SLOW_MS || outcome.is_err() {
            match &outcome {
                Ok(r) => eprintln!(
                    "← {method} {url}: {} in {:.2} s ({} down)",
                    r.status,
                    elapsed.as_secs_f64(),
                    human_bytes(r.body.len())
                ),
                Err(e) => eprintln!(
                    "← {method} {url}: failed after {:.2} s: {e:?}",
                    elapsed.as_secs_f64()
                ),
            }
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_urls() {
        assert_eq!(human_bytes(17), "17 B");
        assert_eq!(human_bytes(4096), "4.0 kB");
        assert_eq!(human_bytes(25 << 20), "25.0 MB");
        assert_eq!(short_url("https://h/p?cursor=x"), "https://h/p");
    }
}

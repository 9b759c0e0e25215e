//! Sending over the host import: one request, retried when that is safe, with logging; and
//! reply decoding ([`decode`]). The request and reply types are in `request`; DocuSign's error
//! replies are read in `api_errors`.

pub mod decode;
pub use decode::{describe_body, json, json_text};

use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::request::{HttpRequest, HttpResponse, Retry};

/// Attempts of an idempotent request (the first one included).
pub const MAX_ATTEMPTS: u32 = 3;
/// Backoff before the second attempt; doubled for each further one.
pub const BASE_DELAY_MS: u32 = 500;
/// Longest backoff, and the longest `Retry-After` honoured before giving up.
pub const MAX_DELAY_MS: u32 = 8_000;

/// Send `request`; an idempotent one is retried on 5xx replies and transient transport errors,
/// with exponential backoff and jitter (or the server's short `Retry-After`).
pub fn send(host: &dyn Host, request: &mut HttpRequest) -> Result<HttpResponse> {
    let mut attempt = 1;
    loop {
        let outcome = send_once(host, request);
        let cause = match &outcome {
            Ok(resp) if matches!(resp.status, 500 | 502 | 503 | 504) => {
                format!("HTTP {}", resp.status)
            }
            Err(ConnectorError::Transport(e)) if e.is_transient() => e.to_string(),
            _ => return outcome,
        };
        if request.retry == Retry::Never || attempt >= MAX_ATTEMPTS {
            return outcome;
        }
        let server_asked = outcome
            .as_ref()
            .ok()
            .and_then(|r| r.header("retry-after"))
            .and_then(|v| v.trim().parse::<u32>().ok());
        let delay = match server_asked {
            Some(secs) if secs.saturating_mul(1000) <= MAX_DELAY_MS => secs * 1000,
            Some(_) => return outcome,
            None => backoff_ms(attempt),
        };
        host.log(
            Level::Warn,
            &format!(
                "{} {}: {cause}; retrying in {delay} ms (attempt {} of {MAX_ATTEMPTS})",
                request.method.as_str(),
                request.url,
                attempt + 1
            ),
        );
        host.sleep_ms(delay);
        attempt += 1;
    }
}

/// Backoff after failed attempt `attempt` (1-based): half of `BASE * 2^(attempt-1)` plus up to
/// the same again at random, capped at [`MAX_DELAY_MS`].
pub fn backoff_ms(attempt: u32) -> u32 {
    let exp = BASE_DELAY_MS
        .saturating_mul(1 << (attempt - 1).min(16))
        .min(MAX_DELAY_MS);
    let mut bytes = [0u8; 4];
    let jitter = match getrandom::fill(&mut bytes) {
        Ok(()) => u32::from_le_bytes(bytes) % (exp / 2 + 1),
        Err(_) => exp / 4,
    };
    exp / 2 + jitter
}

/// Send `request` once, logging method, URL (never headers or body), status and time.
fn send_once(host: &dyn Host, request: &mut HttpRequest) -> Result<HttpResponse> {
    let started = host.now_ms();
    let outcome = host.send(request);
    let elapsed = host.now_ms().saturating_sub(started);
    match &outcome {
        Ok(resp) => host.log(
            Level::Debug,
            &format!(
                "{} {} -> {} ({} bytes, {elapsed} ms)",
                request.method.as_str(),
                request.url,
                resp.status,
                resp.body.len()
            ),
        ),
        Err(e) => host.log(
            Level::Warn,
            &format!("{} {} failed: {e}", request.method.as_str(), request.url),
        ),
    }
    outcome.map_err(ConnectorError::Transport)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        for _ in 0..200 {
            assert!((250..=500).contains(&backoff_ms(1)));
            assert!((500..=1000).contains(&backoff_ms(2)));
            assert!((4000..=8000).contains(&backoff_ms(10)));
        }
    }
}

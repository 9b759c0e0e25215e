//! The host imports seen through the [`Host`] trait.

use super::docusign::connector::{clock, http as wit_http, log as wit_log, state};
use crate::error::TransportError;
use crate::host::{Host, Level, StateEntry, StateFailure};
use crate::request::{BodyPart, HttpRequest, HttpResponse};

/// The component's host: every call goes to a WIT import.
pub struct WitHost;

/// Write `parts` into a host-side body piece by piece (documents base64-encoded on the way),
/// then send `request` with it.
fn send_parts(
    request: &wit_http::Request,
    parts: &[BodyPart],
    size: usize,
) -> Result<wit_http::Response, wit_http::TransportError> {
    let body = wit_http::OutgoingBody::new(size as u64);
    let mut buffer = String::new();
    for part in parts {
        part.write_pieces(&mut buffer, |piece| body.write(piece))?;
    }
    wit_http::send_with_body(request, body)
}

impl Host for WitHost {
    fn send(&self, request: &mut HttpRequest) -> Result<HttpResponse, TransportError> {
        // Move the URL, headers and body into the WIT record for the call and back afterwards:
        // a large upload is never copied inside the guest.
        let wit_request = wit_http::Request {
            method: request.method.into(),
            url: std::mem::take(&mut request.url),
            headers: std::mem::take(&mut request.headers),
            body: std::mem::take(&mut request.body),
            timeout_ms: request.timeout_ms,
        };
        let outcome = if request.body_parts.is_empty() {
            wit_http::send(&wit_request)
        } else {
            send_parts(&wit_request, &request.body_parts, request.body_len())
        };
        request.url = wit_request.url;
        request.headers = wit_request.headers;
        request.body = wit_request.body;
        outcome.map(Into::into).map_err(Into::into)
    }

    fn now_ms(&self) -> u64 {
        clock::now_ms()
    }

    fn sleep_ms(&self, ms: u32) {
        clock::sleep_ms(ms)
    }

    fn state_get(&self, key: &str) -> Result<Option<String>, String> {
        state::get(key)
    }

    fn state_get_entry(&self, key: &str) -> Result<Option<StateEntry>, StateFailure> {
        state::get_entry(key)
            .map(|e| e.map(Into::into))
            .map_err(Into::into)
    }

    fn state_set(&self, key: &str, value: &str) -> Result<(), String> {
        state::set(key, value)
    }

    fn state_set_if(
        &self,
        key: &str,
        value: &str,
        expected: Option<u64>,
    ) -> Result<u64, StateFailure> {
        state::set_if(key, value, expected).map_err(Into::into)
    }

    fn state_delete(&self, key: &str) -> Result<bool, String> {
        state::delete(key)
    }

    fn lease(&self, key: &str, ttl_ms: u32, wait_ms: u32) -> Result<bool, String> {
        state::lease(key, ttl_ms, wait_ms)
    }

    fn renew(&self, key: &str, ttl_ms: u32) -> Result<bool, String> {
        state::renew(key, ttl_ms)
    }

    fn release(&self, key: &str) {
        state::release(key)
    }

    fn log(&self, level: Level, message: &str) {
        wit_log::log(level.into(), message)
    }
}

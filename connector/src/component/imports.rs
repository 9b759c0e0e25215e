//! The host imports seen through the [`Host`] trait.

use super::docusign::connector::{clock, http as wit_http, log as wit_log, state};
use crate::error::TransportError;
use crate::host::{Host, Level};
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

    fn state_set(&self, key: &str, value: &str) -> Result<(), String> {
        state::set(key, value)
    }

    fn state_delete(&self, key: &str) -> Result<bool, String> {
        state::delete(key)
    }

    fn lock(&self, key: &str, wait_ms: u32) -> Result<bool, String> {
        state::lock(key, wait_ms)
    }

    fn unlock(&self, key: &str) {
        state::unlock(key)
    }

    fn log(&self, level: Level, message: &str) {
        wit_log::log(level.into(), message)
    }
}

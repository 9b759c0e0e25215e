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
    /// When not empty, the body is these parts in order (and `body` is empty): the host
    /// assembles them, so a large document is never held twice in the guest.
    pub body_parts: Vec<BodyPart>,
    /// Requested timeout.
    pub timeout_ms: Option<u32>,
    /// Retry policy (not sent; used by the connector's HTTP layer).
    pub retry: Retry,
}

/// One piece of an assembled request body.
#[derive(Clone, PartialEq, Eq)]
pub enum BodyPart {
    /// Sent as they are.
    Bytes(Vec<u8>),
    /// Sent base64-encoded (standard alphabet, padded), for example a document's content.
    Base64(Vec<u8>),
}

impl std::fmt::Debug for BodyPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Self::Base64(b) => write!(f, "Base64({} bytes)", b.len()),
        }
    }
}

/// Input bytes per base64 piece handed to the host: a multiple of 3, so pieces concatenate
/// into one valid encoding; 192 KiB in, 256 KiB out.
pub const BASE64_PIECE_BYTES: usize = 3 * 64 * 1024;

impl BodyPart {
    /// Bytes this part adds to the body.
    pub fn encoded_len(&self) -> usize {
        match self {
            Self::Bytes(b) => b.len(),
            Self::Base64(b) => b.len().div_ceil(3) * 4,
        }
    }

    /// Hand the encoded part to `write` in pieces of at most 256 KiB, reusing one buffer.
    pub fn write_pieces<E>(
        &self,
        buffer: &mut String,
        mut write: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        use base64::Engine as _;
        match self {
            Self::Bytes(b) => write(b),
            Self::Base64(data) => {
                for piece in data.chunks(BASE64_PIECE_BYTES) {
                    buffer.clear();
                    base64::engine::general_purpose::STANDARD.encode_string(piece, buffer);
                    write(buffer.as_bytes())?;
                }
                Ok(())
            }
        }
    }
}

impl HttpRequest {
    /// Length of the body as sent.
    pub fn body_len(&self) -> usize {
        self.body.len()
            + self
                .body_parts
                .iter()
                .map(BodyPart::encoded_len)
                .sum::<usize>()
    }

    /// The body as sent, assembled (for fakes and tests; the component streams parts instead).
    pub fn assembled_body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body_len());
        out.extend_from_slice(&self.body);
        let mut buffer = String::new();
        for part in &self.body_parts {
            let _ = part.write_pieces(&mut buffer, |piece| {
                out.extend_from_slice(piece);
                Ok::<(), ()>(())
            });
        }
        out
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn base64_parts_encode_in_pieces_exactly_like_the_whole() {
        for len in [
            0,
            1,
            2,
            BASE64_PIECE_BYTES - 1,
            BASE64_PIECE_BYTES,
            BASE64_PIECE_BYTES + 1,
            2 * BASE64_PIECE_BYTES + 2,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 % 256) as u8).collect();
            let part = BodyPart::Base64(data.clone());
            let mut pieces = Vec::new();
            let mut buffer = String::new();
            part.write_pieces(&mut buffer, |p| {
                pieces.push(p.to_vec());
                Ok::<(), ()>(())
            })
            .unwrap();
            assert!(pieces.iter().all(|p| p.len() <= BASE64_PIECE_BYTES / 3 * 4));
            let joined = pieces.concat();
            assert_eq!(joined.len(), part.encoded_len(), "length {len}");
            assert_eq!(
                joined,
                base64::engine::general_purpose::STANDARD
                    .encode(&data)
                    .into_bytes(),
                "length {len}"
            );
        }
    }

    #[test]
    fn a_failing_writer_stops_the_pieces() {
        let part = BodyPart::Base64(vec![0; 3 * BASE64_PIECE_BYTES]);
        let mut calls = 0;
        let outcome = part.write_pieces(&mut String::new(), |_| {
            calls += 1;
            if calls == 2 { Err("full") } else { Ok(()) }
        });
        assert_eq!(outcome, Err("full"));
        assert_eq!(calls, 2);
    }

    #[test]
    fn assembled_body_is_plain_body_then_parts() {
        let mut r = HttpRequest {
            method: Method::Post,
            url: "https://demo.docusign.net/x".into(),
            headers: Vec::new(),
            body: Vec::new(),
            body_parts: vec![
                BodyPart::Bytes(b"{\"b\":\"".to_vec()),
                BodyPart::Base64(b"hello".to_vec()),
                BodyPart::Bytes(b"\"}".to_vec()),
            ],
            timeout_ms: None,
            retry: Retry::Never,
        };
        assert_eq!(r.assembled_body(), b"{\"b\":\"aGVsbG8=\"}");
        assert_eq!(r.body_len(), r.assembled_body().len());
        r.body_parts.clear();
        r.body = b"x=1".to_vec();
        assert_eq!(r.assembled_body(), b"x=1");
    }
}

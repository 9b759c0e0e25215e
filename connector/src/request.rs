//! One outbound HTTP request and its reply, as the WIT `http` interface carries them, with the
//! builder the connector's modules use and the query/form encoding of values.

/// Timeout for ordinary API calls.
pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// Characters left as-is in query values and form fields (RFC 3986 unreserved).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encode one query or form value (spaces become `%20`).
pub fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// `k1=v1&k2=v2`, values percent-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

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

impl HttpRequest {
    /// A request without body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        let retry = match method {
            Method::Get | Method::Head | Method::Put | Method::Delete => Retry::Idempotent,
            Method::Post | Method::Patch => Retry::Never,
        };
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            body_parts: Vec::new(),
            timeout_ms: Some(DEFAULT_TIMEOUT_MS),
            retry,
        }
    }

    /// Override the retry policy.
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Set or replace the `Authorization: Bearer` header.
    pub fn set_bearer(&mut self, token: &str) {
        self.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
        self.headers
            .push(("Authorization".to_owned(), format!("Bearer {token}")));
    }

    /// `Accept: application/json`.
    pub fn accept_json(self) -> Self {
        self.header("Accept", "application/json")
    }

    /// A JSON body.
    pub fn json_body(mut self, body: Vec<u8>) -> Self {
        self.headers
            .push(("Content-Type".to_owned(), "application/json".to_owned()));
        self.body = body;
        self
    }

    /// A JSON body assembled by the host from `parts` (large documents).
    pub fn json_parts(mut self, parts: Vec<BodyPart>) -> Self {
        self.headers
            .push(("Content-Type".to_owned(), "application/json".to_owned()));
        self.body_parts = parts;
        self
    }

    /// An `application/x-www-form-urlencoded` body.
    pub fn form_body(mut self, pairs: &[(&str, &str)]) -> Self {
        self.headers.push((
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        ));
        self.body = query(pairs).into_bytes();
        self
    }

    /// Override the timeout.
    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = Some(ms);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn encodes_query_values() {
        assert_eq!(
            encode("signature impersonation"),
            "signature%20impersonation"
        );
        assert_eq!(encode("https://a.b/c?d=e"), "https%3A%2F%2Fa.b%2Fc%3Fd%3De");
        assert_eq!(
            query(&[("a", "x y"), ("b", "2024-06-03T15:00:00Z")]),
            "a=x%20y&b=2024-06-03T15%3A00%3A00Z"
        );
    }

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

//! Record mode: pass requests to another transport and write every exchange to a cassette, in
//! the documented format, with secrets replaced (Authorization, JWT assertions, access tokens,
//! anything that looks like a JWT or a private key).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::form;
use super::format::{
    Body, Cassette, ExpectedRequest, HeaderValue, Interaction, Outcome, RecordedResponse,
};
use crate::bindings::{Request, Response, TransportError};
use crate::capabilities::Transport;
use crate::redact::{self, REDACTED};

/// Request headers kept in recordings (and so matched on replay).
const REQUEST_HEADERS: &[&str] = &["content-type", "accept", "authorization"];
/// Response headers kept in recordings.
const RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "content-disposition",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-burstlimit-limit",
    "x-burstlimit-remaining",
    "x-docusign-tracetoken",
];

/// Wraps a transport and records what passes through it into `path`.
pub struct RecordingTransport<T: Transport> {
    inner: T,
    path: PathBuf,
    cassette: Mutex<Cassette>,
}

impl<T: Transport> RecordingTransport<T> {
    /// Record into `path` (written after every exchange); `start_time` is when recording began.
    pub fn new(inner: T, path: impl Into<PathBuf>, name: &str, start_time: String) -> Self {
        let cassette = Cassette {
            name: Some(name.to_owned()),
            description: Some(
                "recorded by docusign-host --record; secrets replaced by <redacted>".into(),
            ),
            start_time: Some(start_time),
            interactions: Vec::new(),
            base_dir: PathBuf::new(),
            files: BTreeMap::new(),
        };
        Self {
            inner,
            path: path.into(),
            cassette: Mutex::new(cassette),
        }
    }

    /// Where the cassette is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Interactions recorded so far.
    pub fn recorded(&self) -> usize {
        self.cassette
            .lock()
            .map(|c| c.interactions.len())
            .unwrap_or(0)
    }

    fn write(&self, cassette: &Cassette) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(cassette)? + "\n";
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path)
    }
}

impl<T: Transport> Transport for RecordingTransport<T> {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let outcome = self.inner.send(request);
        let interaction = Interaction {
            request: expected_request(request),
            outcome: match &outcome {
                Ok(response) => Outcome::Response(recorded_response(response)),
                Err(error) => Outcome::Error(error.clone().into()),
            },
            delay_ms: None,
        };
        let mut cassette = self
            .cassette
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cassette.interactions.push(interaction);
        if let Err(e) = self.write(&cassette) {
            eprintln!(
                "warning: recording into {} failed: {e}",
                self.path.display()
            );
        }
        outcome
    }
}

/// A request as a cassette expects it, secrets replaced.
pub fn expected_request(request: &Request) -> ExpectedRequest {
    let headers = request
        .headers
        .iter()
        .filter(|(k, _)| REQUEST_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(k)))
        .map(|(k, v)| (k.to_ascii_lowercase(), redact::redact(k, v)))
        .collect();
    let content_type = header(&request.headers, "content-type");
    ExpectedRequest {
        method: request.method,
        url: request.url.clone(),
        headers,
        body: body(&request.body, content_type, true),
    }
}

fn recorded_response(response: &Response) -> RecordedResponse {
    let mut headers = BTreeMap::new();
    for (k, v) in &response.headers {
        let k = k.to_ascii_lowercase();
        if RESPONSE_HEADERS.contains(&k.as_str()) {
            headers.insert(k.clone(), HeaderValue::One(redact::redact(&k, v)));
        }
    }
    RecordedResponse {
        status: response.status,
        headers,
        body: body(
            &response.body,
            header(&response.headers, "content-type"),
            false,
        ),
    }
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Encode a body for a cassette: JSON and forms structurally (secrets replaced), text as text,
/// anything else as base64. In requests, a JWT assertion becomes the `<jwt>` pattern.
fn body(bytes: &[u8], content_type: Option<&str>, is_request: bool) -> Option<Body> {
    if bytes.is_empty() {
        return None;
    }
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    if (ct.contains("json") || (ct.is_empty() && matches!(bytes.first(), Some(b'{' | b'['))))
        && let Ok(mut value) = serde_json::from_slice::<Value>(bytes)
    {
        redact::redact_json(&mut value);
        return Some(Body::Json(value));
    }
    if ct.contains("x-www-form-urlencoded")
        && let Ok(fields) = form::decode(bytes)
    {
        let fields = fields
            .into_iter()
            .map(|(k, v)| {
                let v = if k == "assertion" && is_request && redact::looks_like_jwt(&v) {
                    "<jwt>".to_owned()
                } else {
                    redact::redact(&k, &v)
                };
                (k, v)
            })
            .collect();
        return Some(Body::Form(fields));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !ct.contains("pdf") && !ct.contains("zip") && !ct.contains("octet") => {
            if redact::looks_secret(text) {
                Some(Body::Text(REDACTED.to_owned()))
            } else {
                Some(Body::Text(text.to_owned()))
            }
        }
        _ => Some(Body::Base64(STANDARD.encode(bytes))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::Method;

    #[test]
    fn secrets_are_replaced() {
        let jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl";
        let req = Request {
            method: Method::Post,
            url: "https://account-d.docusign.com/oauth/token".into(),
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("Authorization".into(), "Bearer secret-token".into()),
                ("X-Other".into(), "x".into()),
            ],
            body: format!("grant_type=urn%3Aietf&assertion={jwt}").into_bytes(),
            timeout_ms: None,
        };
        let e = expected_request(&req);
        assert_eq!(
            e.headers.get("authorization").map(String::as_str),
            Some("Bearer <redacted>")
        );
        assert!(!e.headers.contains_key("x-other"));
        match e.body {
            Some(Body::Form(f)) => {
                assert_eq!(f["assertion"], "<jwt>");
                assert_eq!(f["grant_type"], "urn:ietf");
            }
            other => panic!("{other:?}"),
        }
        let resp = Response {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("set-cookie".into(), "s=1".into()),
            ],
            body: br#"{"access_token":"tok","token_type":"Bearer","expires_in":3600}"#.to_vec(),
        };
        let r = recorded_response(&resp);
        assert!(!r.headers.contains_key("set-cookie"));
        match r.body {
            Some(Body::Json(v)) => assert_eq!(v["access_token"], REDACTED),
            other => panic!("{other:?}"),
        }
        let pdf = Response {
            status: 200,
            headers: vec![("content-type".into(), "application/pdf".into())],
            body: b"%PDF-1.4".to_vec(),
        };
        assert!(matches!(
            recorded_response(&pdf).body,
            Some(Body::Base64(_))
        ));
    }
}

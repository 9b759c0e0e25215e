//! Cassettes: recorded DocuSign HTTP interactions, replayed strictly and in order.
//!
//! The format is documented in the README ("Cassette format"). In short: a JSON object with
//! `interactions`, each a `request` to expect (method, URL, a subset of headers, the body) and the
//! `response` to return (status, headers, body) or an `error` (a transport failure). String
//! patterns may contain `<any>` or `<redacted>` (any text) and may be exactly `<jwt>` (a
//! well-formed JWT). A request that does not match, one more than recorded, or an interaction
//! never used makes [`CassetteTransport::finish`] fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::bindings::{Method, Request, Response, TransportError};
use crate::capabilities::Transport;
use crate::redact::{self, looks_like_jwt};

/// A cassette file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cassette {
    /// Short name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the recording shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Replay clock start (RFC 3339); the connector sees this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// The exchanges, in order.
    pub interactions: Vec<Interaction>,
    /// Directory that `file` bodies are relative to.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// In-memory files consulted before `base_dir` (for cassettes embedded in a binary).
    #[serde(skip)]
    pub files: BTreeMap<String, Vec<u8>>,
}

/// One exchange.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interaction {
    /// What the connector must send.
    pub request: ExpectedRequest,
    /// The reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<RecordedResponse>,
    /// A transport failure instead of a reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RecordedError>,
    /// The reply takes this long: in replay, longer than the request's timeout is a timeout;
    /// `serve` really waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

/// An expected request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Full URL with query (a pattern).
    pub url: String,
    /// Headers that must be present, with value patterns; others are not checked.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Expected body; absent means the request has no body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

/// A recorded reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, HeaderValue>,
    /// Body; absent means empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

/// One header value, or several.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HeaderValue {
    /// One value.
    One(String),
    /// Repeated header.
    Many(Vec<String>),
}

/// A body, by encoding.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    /// JSON; compared structurally, string patterns allowed anywhere.
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` fields; values are patterns.
    Form(BTreeMap<String, String>),
    /// UTF-8 text (a pattern).
    Text(String),
    /// Raw bytes, base64.
    Base64(String),
    /// Raw bytes from a file, relative to the cassette.
    File(String),
}

/// A transport failure to return.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedError {
    /// `denied`, `timeout`, `dns`, `connection`, `tls`, `body-too-large` or `other`.
    pub kind: String,
    /// Detail (for `body-too-large`: the size in bytes).
    #[serde(default)]
    pub message: String,
}

impl Cassette {
    /// Read and validate a cassette file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, String> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading cassette {}: {e}", path.display()))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, base).map_err(|e| format!("cassette {}: {e}", path.display()))
    }

    /// Parse and validate cassette JSON; `file` bodies resolve against `base_dir`.
    pub fn parse(text: &str, base_dir: impl Into<PathBuf>) -> Result<Self, String> {
        Self::parse_with_files(text, base_dir, BTreeMap::new())
    }

    /// Like [`Cassette::parse`], with `file` bodies looked up in `files` (by the path written in
    /// the cassette) before the file system.
    pub fn parse_with_files(
        text: &str,
        base_dir: impl Into<PathBuf>,
        files: BTreeMap<String, Vec<u8>>,
    ) -> Result<Self, String> {
        let mut cassette: Cassette =
            serde_json::from_str(text).map_err(|e| format!("invalid cassette JSON: {e}"))?;
        cassette.base_dir = base_dir.into();
        cassette.files = files;
        cassette.validate()?;
        Ok(cassette)
    }

    fn body_bytes(&self, body: &Body) -> Result<Vec<u8>, String> {
        match body {
            Body::File(f) if self.files.contains_key(f) => Ok(self.files[f].clone()),
            other => body_bytes(other, &self.base_dir),
        }
    }

    fn validate(&self) -> Result<(), String> {
        if let Some(t) = &self.start_time {
            crate::clock::parse_rfc3339_ms(t)
                .ok_or_else(|| format!("start_time {t:?} is not RFC 3339"))?;
        }
        for (i, it) in self.interactions.iter().enumerate() {
            let at = |m: String| format!("interaction #{}: {m}", i + 1);
            parse_method(&it.request.method)
                .ok_or_else(|| at(format!("unknown method {:?}", it.request.method)))?;
            match (&it.response, &it.error) {
                (Some(r), None) if (100..=599).contains(&r.status) => {
                    if let Some(body) = &r.body {
                        self.body_bytes(body).map_err(at)?;
                    }
                }
                (Some(r), None) => {
                    return Err(at(format!("status {} is not an HTTP status", r.status)));
                }
                (None, Some(e)) => {
                    transport_error(e).map_err(at)?;
                }
                _ => return Err(at("needs exactly one of `response` and `error`".to_owned())),
            }
            if let Some(Body::Base64(_) | Body::File(_)) = &it.request.body {
                body_bytes(it.request.body.as_ref().expect("checked"), &self.base_dir)
                    .map_err(at)?;
            }
        }
        Ok(())
    }

    /// Replay clock start in ms since the epoch, if the cassette sets one.
    pub fn start_time_ms(&self) -> Option<u64> {
        self.start_time
            .as_deref()
            .and_then(crate::clock::parse_rfc3339_ms)
    }
}

/// Parse a method name (any case).
pub fn parse_method(name: &str) -> Option<Method> {
    Some(match name.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        _ => return None,
    })
}

/// Upper-case method name.
pub fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
    }
}

fn body_bytes(body: &Body, base: &Path) -> Result<Vec<u8>, String> {
    Ok(match body {
        Body::Json(v) => serde_json::to_vec(v).map_err(|e| e.to_string())?,
        Body::Form(fields) => {
            let pairs: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
                .collect();
            pairs.join("&").into_bytes()
        }
        Body::Text(t) => t.clone().into_bytes(),
        Body::Base64(b) => STANDARD
            .decode(b.trim())
            .map_err(|e| format!("base64 body: {e}"))?,
        Body::File(f) => {
            let path = base.join(f);
            std::fs::read(&path).map_err(|e| format!("body file {}: {e}", path.display()))?
        }
    })
}

fn transport_error(e: &RecordedError) -> Result<TransportError, String> {
    let m = e.message.clone();
    Ok(match e.kind.as_str() {
        "denied" => TransportError::Denied(m),
        "timeout" => TransportError::Timeout(m),
        "dns" => TransportError::Dns(m),
        "connection" => TransportError::Connection(m),
        "tls" => TransportError::Tls(m),
        "body-too-large" => TransportError::BodyTooLarge(
            m.parse()
                .map_err(|_| "body-too-large needs the size as message".to_owned())?,
        ),
        "other" => TransportError::Other(m),
        other => return Err(format!("unknown error kind {other:?}")),
    })
}

fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Decode `application/x-www-form-urlencoded` (`+` is a space).
pub fn form_decode(body: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "form body is not UTF-8".to_owned())?;
    let mut fields = BTreeMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        fields.insert(percent_decode(k)?, percent_decode(v)?);
    }
    Ok(fields)
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .ok_or_else(|| "truncated % escape".to_owned())?;
                let hex = std::str::from_utf8(hex).map_err(|_| "bad % escape".to_owned())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("bad escape %{hex}"))?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "form value is not UTF-8".to_owned())
}

/// Whether `value` matches `pattern`: `<jwt>` alone means a JWT; `<any>` and `<redacted>` stand
/// for any text; everything else is literal.
pub fn pattern_matches(pattern: &str, value: &str) -> bool {
    if pattern == "<jwt>" {
        return looks_like_jwt(value);
    }
    let normalized = pattern.replace("<redacted>", "<any>");
    let parts: Vec<&str> = normalized.split("<any>").collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let (first, rest) = parts.split_first().expect("split yields one part");
    let Some(mut remaining) = value.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = rest.split_last().expect("at least two parts");
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

/// Compare JSON structurally; strings in `expected` are patterns and a string that is exactly
/// `<any>` or `<redacted>` matches any value. Returns the path of the first difference.
pub fn json_matches(
    expected: &serde_json::Value,
    actual: &serde_json::Value,
    path: &str,
) -> Result<(), String> {
    use serde_json::Value;
    match (expected, actual) {
        (Value::String(p), _) if p == "<any>" || p == "<redacted>" => Ok(()),
        (Value::String(p), Value::String(a)) => {
            if pattern_matches(p, a) {
                Ok(())
            } else {
                Err(format!("{path}: expected {p:?}, got {}", shown(path, a)))
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let sub = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => json_matches(ev, av, &sub)?,
                    None => return Err(format!("{sub}: missing")),
                }
            }
            if let Some(extra) = a.keys().find(|k| !e.contains_key(*k)) {
                return Err(format!("{path}.{extra}: not expected"));
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} items, got {}",
                    e.len(),
                    a.len()
                ));
            }
            e.iter()
                .zip(a)
                .enumerate()
                .try_for_each(|(i, (ev, av))| json_matches(ev, av, &format!("{path}[{i}]")))
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!(
            "{path}: expected {e}, got {}",
            shown(path, &a.to_string())
        )),
    }
}

fn shown(name: &str, value: &str) -> String {
    let last = name.rsplit(['.', ' ']).next().unwrap_or(name);
    format!("{:?}", redact::redact(last, value))
}

/// Why `actual` does not match `expected`, if it does not.
pub fn request_mismatch(
    expected: &ExpectedRequest,
    actual: &Request,
    cassette: &Cassette,
) -> Option<String> {
    let method = method_name(actual.method);
    if !expected.method.eq_ignore_ascii_case(method) {
        return Some(format!(
            "method: expected {}, got {method}",
            expected.method
        ));
    }
    if !pattern_matches(&expected.url, &actual.url) {
        return Some(format!(
            "url: expected {}, got {}",
            expected.url, actual.url
        ));
    }
    for (name, pattern) in &expected.headers {
        let value = actual
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        match value {
            None => return Some(format!("header {name}: missing")),
            Some(v) if !pattern_matches(pattern, v) => {
                return Some(format!(
                    "header {name}: expected {pattern:?}, got {:?}",
                    redact::redact(name, v)
                ));
            }
            Some(_) => {}
        }
    }
    let body = &actual.body;
    match &expected.body {
        None if body.is_empty() => None,
        None => Some(format!("body: expected none, got {} bytes", body.len())),
        Some(Body::Json(e)) => match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(a) => json_matches(e, &a, "body").err(),
            Err(err) => Some(format!(
                "body: expected JSON, got {} bytes that are not JSON ({err})",
                body.len()
            )),
        },
        Some(Body::Form(e)) => match form_decode(body) {
            Ok(a) => {
                for (k, p) in e {
                    match a.get(k) {
                        None => return Some(format!("form field {k}: missing")),
                        Some(v) if !pattern_matches(p, v) => {
                            return Some(format!(
                                "form field {k}: expected {p:?}, got {}",
                                shown(k, v)
                            ));
                        }
                        Some(_) => {}
                    }
                }
                a.keys()
                    .find(|k| !e.contains_key(*k))
                    .map(|k| format!("form field {k}: not expected"))
            }
            Err(err) => Some(format!("body: {err}")),
        },
        Some(Body::Text(p)) => match std::str::from_utf8(body) {
            Ok(a) if pattern_matches(p, a) => None,
            _ => Some(format!(
                "body: expected text {p:?}, got {} other bytes",
                body.len()
            )),
        },
        Some(b @ (Body::Base64(_) | Body::File(_))) => match cassette.body_bytes(b) {
            Ok(e) if e == *body => None,
            Ok(e) => Some(format!(
                "body: expected {} recorded bytes, got {} different bytes",
                e.len(),
                body.len()
            )),
            Err(err) => Some(format!("body: {err}")),
        },
    }
}

fn response_of(recorded: &RecordedResponse, cassette: &Cassette) -> Result<Response, String> {
    let mut headers = Vec::new();
    for (name, value) in &recorded.headers {
        match value {
            HeaderValue::One(v) => headers.push((name.to_ascii_lowercase(), v.clone())),
            HeaderValue::Many(vs) => {
                headers.extend(vs.iter().map(|v| (name.to_ascii_lowercase(), v.clone())))
            }
        }
    }
    let body = match &recorded.body {
        Some(b) => {
            if matches!(b, Body::Json(_)) && !headers.iter().any(|(k, _)| k == "content-type") {
                headers.push((
                    "content-type".to_owned(),
                    "application/json; charset=utf-8".to_owned(),
                ));
            }
            cassette.body_bytes(b)?
        }
        None => Vec::new(),
    };
    Ok(Response {
        status: recorded.status,
        headers,
        body,
    })
}

#[derive(Debug, Default)]
struct Replay {
    next: usize,
    failures: Vec<String>,
    received: Vec<Request>,
}

/// Replays a [`Cassette`] as the connector's [`Transport`].
#[derive(Debug)]
pub struct CassetteTransport {
    cassette: Cassette,
    replay: Mutex<Replay>,
}

impl CassetteTransport {
    /// Replay `cassette` from its first interaction.
    pub fn new(cassette: Cassette) -> Self {
        Self {
            cassette,
            replay: Mutex::new(Replay::default()),
        }
    }

    /// Load and replay the cassette at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, String> {
        Ok(Self::new(Cassette::load(path)?))
    }

    /// The cassette.
    pub fn cassette(&self) -> &Cassette {
        &self.cassette
    }

    fn replay(&self) -> std::sync::MutexGuard<'_, Replay> {
        self.replay
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Requests received so far (they may hold secrets: for assertions only, never print them).
    pub fn received(&self) -> Vec<Request> {
        self.replay().received.clone()
    }

    /// Number of interactions used so far.
    pub fn used(&self) -> usize {
        self.replay().next
    }

    /// True once a request failed to match (or came after the last interaction).
    pub fn has_failures(&self) -> bool {
        !self.replay().failures.is_empty()
    }

    /// Delay of the next interaction, if it has one.
    pub fn next_delay_ms(&self) -> Option<u64> {
        let next = self.replay().next;
        self.cassette
            .interactions
            .get(next)
            .and_then(|i| i.delay_ms)
    }

    /// URL the next interaction expects, if any.
    pub fn next_expected_url(&self) -> Option<String> {
        let next = self.replay().next;
        self.cassette
            .interactions
            .get(next)
            .map(|i| i.request.url.clone())
    }

    /// Ok when every interaction was used and every request matched.
    pub fn finish(&self) -> Result<(), String> {
        let replay = self.replay();
        let mut problems = replay.failures.clone();
        for (i, it) in self
            .cassette
            .interactions
            .iter()
            .enumerate()
            .skip(replay.next)
        {
            problems.push(format!(
                "interaction #{} ({} {}) was never requested",
                i + 1,
                it.request.method,
                it.request.url
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            let name = self.cassette.name.as_deref().unwrap_or("cassette");
            Err(format!("{name}: {}", problems.join("; ")))
        }
    }
}

impl Transport for CassetteTransport {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let mut replay = self.replay();
        replay.received.push(request.clone());
        let index = replay.next;
        let Some(interaction) = self.cassette.interactions.get(index) else {
            let msg = format!(
                "unexpected request #{} {} {}: the cassette has only {} interactions",
                index + 1,
                method_name(request.method),
                request.url,
                self.cassette.interactions.len()
            );
            replay.failures.push(msg.clone());
            return Err(TransportError::Other(format!("cassette: {msg}")));
        };
        replay.next += 1;
        if let Some(diff) = request_mismatch(&interaction.request, request, &self.cassette) {
            let msg = format!(
                "request #{} {} {} does not match interaction #{}: {diff}",
                index + 1,
                method_name(request.method),
                request.url,
                index + 1
            );
            replay.failures.push(msg.clone());
            return Err(TransportError::Other(format!("cassette: {msg}")));
        }
        if let (Some(delay), Some(timeout)) = (interaction.delay_ms, request.timeout_ms)
            && delay > u64::from(timeout)
        {
            return Err(TransportError::Timeout(format!(
                "no reply within {timeout} ms"
            )));
        }
        match (&interaction.response, &interaction.error) {
            (Some(r), _) => response_of(r, &self.cassette).map_err(TransportError::Other),
            (None, Some(e)) => Err(transport_error(e).unwrap_or_else(TransportError::Other)),
            (None, None) => Err(TransportError::Other(
                "cassette interaction has no response".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(method: Method, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Request {
        Request {
            method,
            url: url.into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_vec(),
            timeout_ms: None,
        }
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("abc", "abc"));
        assert!(!pattern_matches("abc", "abcd"));
        assert!(pattern_matches("Bearer <redacted>", "Bearer xyz"));
        assert!(!pattern_matches("Bearer <redacted>", "Basic xyz"));
        assert!(pattern_matches(
            "https://x/<any>/y?<any>",
            "https://x/a/b/y?c=d"
        ));
        assert!(!pattern_matches("a<any>a", "a"));
        assert!(pattern_matches("<any>", ""));
        assert!(pattern_matches("<jwt>", "eyJhbGciOiJSUzI1NiJ9.eyJ9.c2ln"));
        assert!(!pattern_matches("<jwt>", "not-a-jwt"));
    }

    #[test]
    fn json_bodies_match_structurally_with_placeholders() {
        let e = json!({"a": 1, "b": ["x", "<any>"], "c": "<any>", "d": "pre-<any>"});
        assert!(
            json_matches(
                &e,
                &json!({"d": "pre-1", "c": {"z": 1}, "b": ["x", "q"], "a": 1}),
                "body"
            )
            .is_ok()
        );
        assert_eq!(
            json_matches(
                &e,
                &json!({"a": 2, "b": ["x", "q"], "c": 1, "d": "pre-"}),
                "body"
            )
            .unwrap_err(),
            "body.a: expected 1, got \"2\""
        );
        assert!(
            json_matches(
                &e,
                &json!({"a": 1, "b": ["x"], "c": 1, "d": "pre-"}),
                "body"
            )
            .unwrap_err()
            .contains("expected 2 items")
        );
        assert!(
            json_matches(
                &e,
                &json!({"a": 1, "b": ["x", 1], "c": 1, "d": "pre-", "e": 0}),
                "body"
            )
            .unwrap_err()
            .contains("body.e: not expected")
        );
    }

    #[test]
    fn replays_in_order_and_reports_problems() {
        let cassette = Cassette::parse(
            &json!({
                "name": "t",
                "interactions": [
                    {"request": {"method": "POST", "url": "https://h/oauth/token",
                                 "headers": {"content-type": "application/x-www-form-urlencoded"},
                                 "body": {"form": {"grant_type": "g", "assertion": "<jwt>"}}},
                     "response": {"status": 200, "body": {"json": {"access_token": "t"}}}},
                    {"request": {"method": "GET", "url": "https://h/x"},
                     "error": {"kind": "timeout", "message": "slow"}},
                    {"request": {"method": "GET", "url": "https://h/never"},
                     "response": {"status": 204}}
                ]
            })
            .to_string(),
            ".",
        )
        .unwrap();
        let t = CassetteTransport::new(cassette);
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln";
        let resp = t
            .send(&request(
                Method::Post,
                "https://h/oauth/token",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                format!("grant_type=g&assertion={jwt}").as_bytes(),
            ))
            .unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body, br#"{"access_token":"t"}"#);
        assert!(
            resp.headers
                .iter()
                .any(|(k, v)| k == "content-type" && v.starts_with("application/json"))
        );
        assert!(
            matches!(t.send(&request(Method::Get, "https://h/x", &[], b"")), Err(TransportError::Timeout(m)) if m == "slow")
        );
        let err = t.finish().unwrap_err();
        assert!(
            err.contains("interaction #3 (GET https://h/never) was never requested"),
            "{err}"
        );
        // A mismatch is reported (and fails the replay), an extra request too.
        let e = t
            .send(&request(Method::Get, "https://h/other", &[], b""))
            .unwrap_err();
        assert!(
            matches!(&e, TransportError::Other(m) if m.contains("url: expected https://h/never")),
            "{e:?}"
        );
        assert!(
            t.send(&request(Method::Get, "https://h/x", &[], b""))
                .is_err()
        );
        let err = t.finish().unwrap_err();
        assert!(
            err.contains("does not match") && err.contains("only 3 interactions"),
            "{err}"
        );
    }

    #[test]
    fn mismatch_messages_hide_secrets() {
        let empty = Cassette::parse(r#"{"interactions": []}"#, ".").unwrap();
        let expected = ExpectedRequest {
            method: "POST".into(),
            url: "https://h/t".into(),
            headers: BTreeMap::from([("authorization".into(), "Bearer fixture-token".into())]),
            body: None,
        };
        let diff = request_mismatch(
            &expected,
            &request(
                Method::Post,
                "https://h/t",
                &[("Authorization", "Bearer real-secret")],
                b"",
            ),
            &empty,
        )
        .unwrap();
        assert!(!diff.contains("real-secret"), "{diff}");
        let expected = ExpectedRequest {
            method: "POST".into(),
            url: "https://h/t".into(),
            headers: BTreeMap::new(),
            body: Some(Body::Form(BTreeMap::from([(
                "assertion".into(),
                "x".into(),
            )]))),
        };
        let diff = request_mismatch(
            &expected,
            &request(
                Method::Post,
                "https://h/t",
                &[],
                b"assertion=the-secret-jwt",
            ),
            &empty,
        )
        .unwrap();
        assert!(!diff.contains("the-secret-jwt"), "{diff}");
    }

    #[test]
    fn validation_rejects_broken_cassettes() {
        let bad = [
            (
                json!({"interactions": [{"request": {"method": "FETCH", "url": "u"}, "response": {"status": 200}}]}),
                "unknown method",
            ),
            (
                json!({"interactions": [{"request": {"method": "GET", "url": "u"}}]}),
                "exactly one",
            ),
            (
                json!({"interactions": [{"request": {"method": "GET", "url": "u"}, "response": {"status": 200, "body": {"base64": "%%"}}}]}),
                "base64",
            ),
            (
                json!({"interactions": [{"request": {"method": "GET", "url": "u"}, "error": {"kind": "boom"}}]}),
                "unknown error kind",
            ),
            (json!({"interactions": [], "extra": 1}), "unknown field"),
        ];
        for (c, want) in bad {
            let err = Cassette::parse(&c.to_string(), ".").unwrap_err();
            assert!(err.contains(want), "{err} should mention {want}");
        }
    }

    #[test]
    fn form_decoding() {
        let f = form_decode(b"a=x%20y&b=1+2&c=%3D").unwrap();
        assert_eq!(f["a"], "x y");
        assert_eq!(f["b"], "1 2");
        assert_eq!(f["c"], "=");
        assert!(form_decode(b"a=%2").is_err());
    }
}

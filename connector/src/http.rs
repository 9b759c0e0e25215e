//! HTTP over the host import: request building, JSON decoding and DocuSign error mapping.

use serde::Deserialize;

use crate::error::{ConnectorError, Result};
use crate::host::{BodyPart, Host, HttpRequest, HttpResponse, Level, Method, Retry};

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

/// [`json`] for a large body: UTF-8 is checked once for the whole body rather than string by
/// string (much faster for big pages of records).
pub fn json_text<'a, T: Deserialize<'a>>(resp: &'a HttpResponse, what: &str) -> Result<T> {
    match std::str::from_utf8(&resp.body) {
        Ok(text) => serde_json::from_str(text).map_err(|e| {
            ConnectorError::bad_response(
                resp.status,
                format!("{what}: {}", describe_json_error(&e, resp)),
            )
        }),
        // Let the byte parser say where the bad byte is.
        Err(_) => json(resp, what),
    }
}

/// Decode a JSON body, reporting where it is malformed (never the body itself).
pub fn json<'a, T: Deserialize<'a>>(resp: &'a HttpResponse, what: &str) -> Result<T> {
    serde_json::from_slice(&resp.body).map_err(|e| {
        ConnectorError::bad_response(
            resp.status,
            format!("{what}: {}", describe_json_error(&e, resp)),
        )
    })
}

fn describe_json_error(e: &serde_json::Error, resp: &HttpResponse) -> String {
    if resp.body.is_empty() {
        return "empty body where JSON was expected".to_owned();
    }
    if !looks_like_json(resp) {
        return format!("expected JSON, got {}", describe_body(resp));
    }
    format!("malformed JSON ({e})")
}

fn looks_like_json(resp: &HttpResponse) -> bool {
    matches!(
        resp.body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Short description of a body for error messages: type, size, and a printable excerpt of text.
pub fn describe_body(resp: &HttpResponse) -> String {
    let content_type = resp.header("content-type").unwrap_or("no content type");
    let mut text = format!("a {} byte body ({content_type})", resp.body.len());
    let is_html = content_type.contains("html")
        || resp.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    if !is_html {
        let head = String::from_utf8_lossy(&resp.body[..resp.body.len().min(200)]);
        let excerpt: String = head.chars().filter(|c| !c.is_control()).collect();
        if !excerpt.trim().is_empty() {
            text.push_str(&format!(": {:?}", excerpt.trim()));
        }
    }
    text
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    error_code: Option<String>,
    message: Option<String>,
    // Monitor / Admin / OAuth shapes.
    #[serde(alias = "Error")]
    error: Option<serde_json::Value>,
    #[serde(rename = "error_description")]
    error_description: Option<String>,
}

/// Map a non-2xx reply of a DocuSign REST API (eSignature, Monitor, Admin) to a typed error.
pub fn api_error(resp: &HttpResponse, now_ms: u64) -> ConnectorError {
    if (300..400).contains(&resp.status) {
        let to = resp
            .header("location")
            .map(|l| format!(" to {:?}", l.chars().take(200).collect::<String>()))
            .unwrap_or_default();
        return ConnectorError::bad_response(
            resp.status,
            format!("DocuSign answered with a redirect{to}; redirects are not followed"),
        );
    }
    let body: Option<ErrorBody> = if looks_like_json(resp) {
        serde_json::from_slice(&resp.body).ok()
    } else {
        None
    };
    let body = body.unwrap_or_default();
    let error_code = body.error_code.or_else(|| match &body.error {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        _ => None,
    });
    let message = body
        .message
        .or(body.error_description)
        .unwrap_or_else(|| format!("HTTP {} with {}", resp.status, describe_body(resp)));
    if let Some(retry_after_secs) = rate_limit_delay(resp, error_code.as_deref(), now_ms) {
        return ConnectorError::RateLimited {
            retry_after_secs,
            error_code,
            message,
        };
    }
    let hint = hint_for(resp.status, error_code.as_deref()).map(str::to_owned);
    ConnectorError::Api {
        status: resp.status,
        error_code,
        message,
        hint,
        trace_token: resp.header("x-docusign-tracetoken").map(str::to_owned),
    }
}

/// Seconds to wait when `resp` is a rate-limit reply, else `None`.
pub fn rate_limit_delay(resp: &HttpResponse, error_code: Option<&str>, now_ms: u64) -> Option<u64> {
    let code = error_code.unwrap_or("").to_ascii_uppercase();
    let limited = resp.status == 429
        || code.ends_with("_LIMIT_EXCEEDED")
        || code == "API_REQUEST_IS_THROTTLED";
    if !limited {
        return None;
    }
    let now_secs = now_ms / 1000;
    let from_retry_after = resp.header("retry-after").and_then(|v| {
        let v = v.trim();
        v.parse::<u64>().ok().or_else(|| {
            time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822)
                .ok()
                .map(|t| (t.unix_timestamp().max(0) as u64).saturating_sub(now_secs))
        })
    });
    let from_reset = || {
        resp.header("x-ratelimit-reset")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|reset| reset.saturating_sub(now_secs))
    };
    let by_code = || {
        if code.starts_with("BURST") {
            30
        } else if code.starts_with("HOURLY") {
            3600 - now_secs % 3600
        } else {
            60
        }
    };
    Some(
        from_retry_after
            .or_else(from_reset)
            .unwrap_or_else(by_code)
            .max(1),
    )
}

/// Human advice for well-known DocuSign error codes.
pub fn hint_for(status: u16, error_code: Option<&str>) -> Option<&'static str> {
    let hint = match error_code.map(str::to_ascii_uppercase).as_deref() {
        Some("USER_AUTHENTICATION_FAILED") => {
            "the token was refused by this data center; reset the access token, and make sure the account's base URI from /oauth/userinfo is used"
        }
        Some("PARTNER_AUTHENTICATION_FAILED") => {
            "the integration key is unknown or disabled in this environment; check integration-key and auth-server"
        }
        Some("AUTHORIZATION_INVALID_TOKEN") => {
            "the access token is invalid or expired; reset the access token"
        }
        Some("ENVELOPE_DOES_NOT_EXIST") => {
            "no envelope with this id in the configured account; check envelope-id and account-id"
        }
        Some("ACCOUNT_LACKS_PERMISSIONS") | Some("USER_LACKS_PERMISSIONS") => {
            "the impersonated user lacks the permission this operation needs in DocuSign"
        }
        Some("USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT") => {
            "user-id is not a member of account-id"
        }
        Some("ENVELOPE_CANNOT_VOID_INVALID_STATE") => {
            "only envelopes in the 'sent' or 'delivered' state can be voided"
        }
        Some("INVALID_EMAIL_ADDRESS_FOR_RECIPIENT") => {
            "a recipient e-mail address was refused by DocuSign"
        }
        Some("ENVELOPE_ALLOWANCE_EXCEEDED") => "the account's envelope allowance is used up",
        Some("UNSUPPORTED_PDF_CONTENT") | Some("UNABLE_TO_LOAD_DOCUMENT") => {
            "DocuSign could not convert a document; check the file and its extension"
        }
        _ => match status {
            401 => "the access token was refused; reset the access token and check consent",
            403 => {
                "the user is not allowed to do this (Monitor: an organization administrator of exactly one organization is required)"
            }
            404 => "the resource does not exist; check the ids",
            500..=599 => "DocuSign had a server error; retry later",
            _ => return None,
        },
    };
    Some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        for _ in 0..200 {
            assert!((250..=500).contains(&backoff_ms(1)));
            assert!((500..=1000).contains(&backoff_ms(2)));
            assert!((4000..=8000).contains(&backoff_ms(10)));
        }
    }

    #[test]
    fn redirects_are_invalid_responses() {
        let e = api_error(
            &reply(302, &[("Location", "https://evil.example.com/")], ""),
            0,
        );
        assert!(
            matches!(&e, ConnectorError::InvalidResponse { status: 302, message } if message.contains("not followed") && message.contains("evil.example.com")),
            "{e:?}"
        );
    }

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
    fn maps_docusign_error_body() {
        let err = api_error(
            &reply(
                400,
                &[("X-DocuSign-TraceToken", "abc")],
                r#"{"errorCode":"ENVELOPE_CANNOT_VOID_INVALID_STATE","message":"Only envelopes in the 'Sent' or 'Delivered' states may be voided."}"#,
            ),
            0,
        );
        match err {
            ConnectorError::Api {
                status,
                error_code,
                message,
                hint,
                trace_token,
            } => {
                assert_eq!(status, 400);
                assert_eq!(
                    error_code.as_deref(),
                    Some("ENVELOPE_CANNOT_VOID_INVALID_STATE")
                );
                assert!(message.starts_with("Only envelopes"));
                assert!(hint.unwrap().contains("sent"));
                assert_eq!(trace_token.as_deref(), Some("abc"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limits_from_429_and_from_codes_on_400() {
        let now = 1_700_000_000_000;
        let e = api_error(&reply(429, &[("Retry-After", "17")], ""), now);
        assert!(
            matches!(
                e,
                ConnectorError::RateLimited {
                    retry_after_secs: 17,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = api_error(
            &reply(
                400,
                &[("X-RateLimit-Reset", "1700000600")],
                r#"{"errorCode":"HOURLY_APIINVOCATION_LIMIT_EXCEEDED","message":"The maximum number of hourly API invocations has been exceeded."}"#,
            ),
            now,
        );
        match e {
            ConnectorError::RateLimited {
                retry_after_secs,
                error_code,
                ..
            } => {
                assert_eq!(retry_after_secs, 600);
                assert_eq!(
                    error_code.as_deref(),
                    Some("HOURLY_APIINVOCATION_LIMIT_EXCEEDED")
                );
            }
            other => panic!("{other:?}"),
        }
        let e = api_error(
            &reply(
                400,
                &[],
                r#"{"errorCode":"BURST_APIINVOCATION_LIMIT_EXCEEDED","message":"x"}"#,
            ),
            now,
        );
        assert!(matches!(
            e,
            ConnectorError::RateLimited {
                retry_after_secs: 30,
                ..
            }
        ));
        let e = api_error(
            &reply(
                400,
                &[],
                r#"{"errorCode":"Hourly_Envelope_Polling_Limit_Exceeded","message":"x"}"#,
            ),
            now,
        );
        assert!(matches!(e, ConnectorError::RateLimited { .. }));
    }

    #[test]
    fn html_error_pages_are_described_not_echoed() {
        let e = api_error(
            &reply(
                502,
                &[("Content-Type", "text/html")],
                "<html><body>Bad gateway secret-ish</body></html>",
            ),
            0,
        );
        match e {
            ConnectorError::Api {
                status: 502,
                error_code: None,
                message,
                hint,
                ..
            } => {
                assert!(message.contains("text/html"), "{message}");
                assert!(!message.contains("secret-ish"));
                assert!(hint.is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_errors_say_what_was_wrong() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: u32,
        }
        let e = json::<T>(&reply(200, &[], r#"{"a": "x"}"#), "thing").unwrap_err();
        assert!(
            matches!(&e, ConnectorError::InvalidResponse { status: 200, message } if message.contains("thing: malformed JSON")),
            "{e:?}"
        );
        let e = json::<T>(&reply(200, &[], "<html>"), "thing").unwrap_err();
        assert!(
            matches!(&e, ConnectorError::InvalidResponse { message, .. } if message.contains("expected JSON")),
            "{e:?}"
        );
        let e = json::<T>(&reply(200, &[], ""), "thing").unwrap_err();
        assert!(
            matches!(&e, ConnectorError::InvalidResponse { message, .. } if message.contains("empty body")),
            "{e:?}"
        );
    }
}

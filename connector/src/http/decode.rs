//! Decoding replies: JSON bodies into typed values, with errors that say what was wrong and
//! never echo the body.

use serde::Deserialize;

use crate::error::{ConnectorError, Result};
use crate::request::HttpResponse;

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

pub(crate) fn looks_like_json(resp: &HttpResponse) -> bool {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
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

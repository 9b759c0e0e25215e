//! Whether a request matches what a cassette expects, and if not, what differed (secrets shown
//! as `<redacted>`). String patterns may contain `<any>` or `<redacted>` (any text) and may be
//! exactly `<jwt>` (a well-formed JWT); everything else is literal.

use super::form;
use super::format::{Body, Cassette, ExpectedRequest};
use crate::bindings::Request;
use crate::redact::{self, looks_like_jwt};

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
    if expected.method != actual.method {
        return Some(format!(
            "method: expected {}, got {}",
            expected.method, actual.method
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
        Some(Body::Form(e)) => match form::decode(body) {
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

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::bindings::Method;
    use serde_json::json;

    /// A request for matcher and replay tests.
    pub(crate) fn request(
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Request {
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
    fn mismatch_messages_hide_secrets() {
        let empty = Cassette::parse(r#"{"interactions": []}"#, ".").unwrap();
        let expected = ExpectedRequest {
            method: Method::Post,
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
            method: Method::Post,
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
}

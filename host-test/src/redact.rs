//! Recognising secrets, so they never reach logs, errors, CLI output or recorded cassettes.

/// Placeholder written instead of a secret.
pub const REDACTED: &str = "<redacted>";

/// Header, form-field and JSON-key names whose values are secrets.
const SECRET_NAMES: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "assertion",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code",
    "password",
    "private_key",
    "private_key_pem",
    "private-key-pem",
];

/// True when a header, form field or JSON key named `name` carries a secret.
pub fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// What a recorded signing URL becomes: still a URL of the same form, so a recorded
/// `create-signing-url` replays, but it signs nobody in.
pub const REDACTED_SIGNING_URL: &str = "https://redacted.invalid/Signing/redacted";

/// True when `value` looks like a secret on its own: a JWT, PEM key material, or an embedded
/// signing URL.
pub fn looks_secret(value: &str) -> bool {
    looks_like_jwt(value) || value.contains("PRIVATE KEY") || looks_like_signing_url(value)
}

/// An embedded signing (recipient view) URL: `https://…/Signing/…`, which signs in as the
/// signer for five minutes.
pub fn looks_like_signing_url(value: &str) -> bool {
    let v = value.trim();
    v.len() > 8
        && v[..8].eq_ignore_ascii_case("https://")
        && v.to_ascii_lowercase().contains("/signing/")
}

/// Three base64url segments, the first decoding to a JSON object with `alg`.
pub fn looks_like_jwt(value: &str) -> bool {
    use base64::Engine as _;
    let value = value.trim();
    let value = value.strip_prefix("Bearer ").unwrap_or(value);
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return false;
    }
    let Ok(header) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[0]) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&header).is_ok_and(|h| h.get("alg").is_some())
}

/// `value`, or the placeholder when `name` or the value itself is secret. `Authorization`
/// keeps its scheme (`Bearer <redacted>`).
pub fn redact(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("authorization") {
        if let Some((scheme, _)) = value.split_once(' ') {
            return format!("{scheme} {REDACTED}");
        }
        return REDACTED.to_owned();
    }
    if looks_like_signing_url(value) {
        REDACTED_SIGNING_URL.to_owned()
    } else if is_secret_name(name) || looks_secret(value) {
        REDACTED.to_owned()
    } else {
        value.to_owned()
    }
}

/// Replace every secret inside a JSON value (by key name or by look).
pub fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_name(k) && !v.is_null() {
                    *v = serde_json::Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        serde_json::Value::String(s) if looks_like_signing_url(s) => {
            *s = REDACTED_SIGNING_URL.to_owned()
        }
        serde_json::Value::String(s) if looks_secret(s) => *s = REDACTED.to_owned(),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_secrets() {
        let jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ4In0.c2ln";
        assert!(looks_like_jwt(jwt));
        assert!(looks_like_jwt(&format!("Bearer {jwt}")));
        assert!(!looks_like_jwt("a.b.c"));
        assert_eq!(redact("Authorization", "Bearer abc"), "Bearer <redacted>");
        assert_eq!(redact("assertion", "x"), REDACTED);
        assert_eq!(redact("cursor", jwt), REDACTED);
        assert_eq!(redact("cursor", "aa_1_2_0"), "aa_1_2_0");
        let signing = "https://demo.docusign.net/Signing/MTRedeem/v1/4b2e?slt=eyJ0eXAi";
        assert_eq!(redact("url", signing), REDACTED_SIGNING_URL);
        assert_eq!(
            redact("url", "https://account-d.docusign.com/oauth/auth?x=1"),
            "https://account-d.docusign.com/oauth/auth?x=1"
        );
        let mut view = serde_json::json!({"url": signing});
        redact_json(&mut view);
        assert_eq!(view["url"], REDACTED_SIGNING_URL);
        let mut v = serde_json::json!({"access_token": "t", "nested": [{"password": "p", "ok": "x"}], "k": jwt});
        redact_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"access_token": REDACTED, "nested": [{"password": REDACTED, "ok": "x"}], "k": REDACTED})
        );
    }
}

//! DocuSign's error replies: the typed error a non-2xx reply of eSignature, Monitor or Admin
//! carries (`errorCode`, `message`, trace token), rate limits and their waits, and the hints for
//! well-known codes.

use crate::error::ConnectorError;
use crate::http::decode::{describe_body, looks_like_json};
use crate::request::HttpResponse;

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
        Some("UNKNOWN_ENVELOPE_RECIPIENT") => {
            "no embedded signer of this envelope has this user name, e-mail and client user id; give them exactly as in the send (signer-client-user-ids)"
        }
        Some("TEMPLATE_ID_INVALID") => {
            "no template with this id in the configured account; copy template-id from DocuSign (Templates > the template > Template ID)"
        }
        Some("ANCHOR_TAB_STRING_NOT_FOUND") => {
            "a field's anchor text is in none of the documents; fix the text, or set ignore-if-not-present"
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
                "the user is not allowed to do this (Monitor: the impersonated user must be an Organization Administrator or a Security Reports Administrator, of one organization only, with Monitor enabled for it)"
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
    use crate::http::decode::tests::reply;

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

    /// DocuSign's Monitor documentation: the impersonated user is an Organization
    /// Administrator or a Security Reports Administrator, and an admin of several organizations
    /// gets 403.
    #[test]
    fn monitor_403_names_both_roles() {
        let hint = hint_for(403, None).unwrap();
        assert!(hint.contains("Organization Administrator"), "{hint}");
        assert!(hint.contains("Security Reports Administrator"), "{hint}");
        assert!(hint.contains("one organization only"), "{hint}");
    }
}

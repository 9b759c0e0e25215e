//! Embedded signing: `POST …/envelopes/{id}/views/recipient` makes the signing URL of a signer
//! who has a client user id, for the sender's own application. The URL signs in as the signer
//! for five minutes: it is returned to the caller and nowhere else (not logged, not in errors,
//! not in `Debug`).

use serde::{Deserialize, Serialize};

use super::fields::{self, check_client_user_id, check_email, check_text};
use super::validate::MAX_NAME_CHARS;
use crate::auth::{Session, scopes};
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::http;
use crate::request::{HttpRequest, Method};
use crate::timestamp::Timestamp;

/// Longest return URL DocuSign accepts.
pub const MAX_RETURN_URL_CHARS: usize = 470;
/// How long a signing URL works.
pub const URL_LIFETIME_MS: u64 = 5 * 60_000;
/// Most origins in `frame-ancestors` or `message-origins`.
pub const MAX_ORIGINS: usize = 10;

/// Inputs of `create-signing-url` (WIT `signing-view-request`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SigningViewRequest {
    /// Where the signer goes afterwards.
    pub return_url: String,
    /// Signer's name.
    pub user_name: String,
    /// Signer's e-mail.
    pub email: String,
    /// Signer's client user id.
    pub client_user_id: String,
    /// Signer's recipient id.
    pub recipient_id: Option<String>,
    /// `authenticationMethod` (`None` when absent).
    pub authentication_method: Option<String>,
    /// `frameAncestors`.
    pub frame_ancestors: Vec<String>,
    /// `messageOrigins`.
    pub message_origins: Vec<String>,
}

/// A signing session (WIT `signing-view`). `Debug` hides the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningView {
    /// The signing URL: a secret.
    pub url: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for SigningView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningView")
            .field("url", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    return_url: &'a str,
    authentication_method: &'a str,
    email: &'a str,
    user_name: &'a str,
    client_user_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_id: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    frame_ancestors: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    message_origins: &'a [String],
}

#[derive(Deserialize)]
struct ViewUrl {
    url: Option<String>,
}

/// `https://…`, or `http://` to this machine (development).
fn web_url(field: &str, url: &str, max: usize) -> Result<()> {
    check_text(field, url, max, true)?;
    let authority = |rest: &str| {
        rest.split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let ok = match url.split_once("://") {
        Some(("https", rest)) => !authority(rest).is_empty(),
        Some(("http", rest)) => {
            let authority = authority(rest);
            let host = authority.split(':').next().unwrap_or_default();
            host == "localhost" || host == "127.0.0.1"
        }
        _ => false,
    };
    if !ok {
        return Err(ConnectorError::invalid(
            field,
            "must be an https:// URL (http:// only for localhost)",
        ));
    }
    if url.chars().any(char::is_whitespace) {
        return Err(ConnectorError::invalid(field, "contains spaces"));
    }
    Ok(())
}

/// Check a request; the first problem is reported.
pub fn validate(req: &SigningViewRequest) -> Result<()> {
    web_url("return-url", &req.return_url, MAX_RETURN_URL_CHARS)?;
    check_text("user-name", &req.user_name, MAX_NAME_CHARS, true)?;
    check_email("email", &req.email)?;
    check_client_user_id("client-user-id", &req.client_user_id)?;
    if let Some(id) = &req.recipient_id
        && (!(1..=9).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ConnectorError::invalid(
            "recipient-id",
            format!("{id:?} is not a recipient id (a number such as 1)"),
        ));
    }
    if let Some(method) = &req.authentication_method
        && (method.is_empty()
            || method.len() > 50
            || !method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return Err(ConnectorError::invalid(
            "authentication-method",
            format!(
                "{method:?} is not one of DocuSign's methods (None, Email, Password, SingleSignOn_SAML, …)"
            ),
        ));
    }
    for (name, list) in [
        ("frame-ancestors", &req.frame_ancestors),
        ("message-origins", &req.message_origins),
    ] {
        if list.len() > MAX_ORIGINS {
            return Err(ConnectorError::invalid(
                name,
                format!("{} origins; at most {MAX_ORIGINS}", list.len()),
            ));
        }
        for (i, origin) in list.iter().enumerate() {
            web_url(&format!("{name}[{i}]"), origin, MAX_RETURN_URL_CHARS)?;
        }
    }
    if !req.frame_ancestors.is_empty() && req.message_origins.is_empty() {
        return Err(ConnectorError::invalid(
            "message-origins",
            "is required with frame-ancestors (DocuSign needs both to show signing in a frame)",
        ));
    }
    Ok(())
}

/// The signing URL of the embedded signer `req` names, in envelope `envelope_id`.
pub fn create_signing_url(
    host: &dyn Host,
    config: &Config,
    envelope_id: &str,
    req: &SigningViewRequest,
) -> Result<SigningView> {
    let envelope_id = fields::envelope_id(envelope_id)?;
    validate(req)?;
    let session = Session::new(host, config, scopes::ESIGNATURE);
    let account = session.account()?;
    let body = Body {
        return_url: &req.return_url,
        authentication_method: req.authentication_method.as_deref().unwrap_or("None"),
        email: req.email.trim(),
        user_name: req.user_name.trim(),
        client_user_id: &req.client_user_id,
        recipient_id: req.recipient_id.as_deref(),
        frame_ancestors: &req.frame_ancestors,
        message_origins: &req.message_origins,
    };
    let body =
        serde_json::to_vec(&body).map_err(|e| ConnectorError::invalid("req", e.to_string()))?;
    let url = format!(
        "{}/envelopes/{envelope_id}/views/recipient",
        account.esign_base()
    );
    let resp = session.send_expecting_success(
        HttpRequest::new(Method::Post, url)
            .accept_json()
            .json_body(body),
    )?;
    let view: ViewUrl = http::json(&resp, "recipient view")?;
    let url = view
        .url
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .ok_or_else(|| {
            ConnectorError::bad_response(resp.status, "recipient view has no http(s) url")
        })?;
    host.log(
        Level::Info,
        &format!("signing URL made for an embedded signer of envelope {envelope_id}"),
    );
    Ok(SigningView {
        url,
        expires_at: Timestamp::from_unix_ms(host.now_ms() + URL_LIFETIME_MS),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> SigningViewRequest {
        SigningViewRequest {
            return_url: "https://app.example.com/ds/return?state=8c1f".into(),
            user_name: "Ann Lee".into(),
            email: "ann@example.com".into(),
            client_user_id: "1000".into(),
            ..SigningViewRequest::default()
        }
    }

    #[test]
    fn requests_are_checked_before_any_call() {
        let field_of = |r: SigningViewRequest| match validate(&r) {
            Err(ConnectorError::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        validate(&request()).unwrap();
        validate(&SigningViewRequest {
            return_url: "http://localhost:3000/done".into(),
            recipient_id: Some("2".into()),
            authentication_method: Some("SingleSignOn_SAML".into()),
            frame_ancestors: vec!["https://app.example.com".into()],
            message_origins: vec!["https://apps-d.docusign.com".into()],
            ..request()
        })
        .unwrap();
        for bad in [
            "http://app.example.com/x",
            "http://localhost.evil.example/x",
            "ftp://x.y",
            "",
            "https://",
            "https://a b.com",
        ] {
            assert_eq!(
                field_of(SigningViewRequest {
                    return_url: bad.into(),
                    ..request()
                }),
                "return-url",
                "{bad}"
            );
        }
        assert_eq!(
            field_of(SigningViewRequest {
                client_user_id: String::new(),
                ..request()
            }),
            "client-user-id"
        );
        assert_eq!(
            field_of(SigningViewRequest {
                recipient_id: Some("one".into()),
                ..request()
            }),
            "recipient-id"
        );
        assert_eq!(
            field_of(SigningViewRequest {
                authentication_method: Some("none; drop".into()),
                ..request()
            }),
            "authentication-method"
        );
        assert_eq!(
            field_of(SigningViewRequest {
                frame_ancestors: vec!["https://app.example.com".into()],
                ..request()
            }),
            "message-origins"
        );
    }

    #[test]
    fn debug_hides_the_url() {
        let view = SigningView {
            url: "https://demo.docusign.net/Signing/StartInSession.aspx?t=secret".into(),
            expires_at: Timestamp::from_unix_ms(0),
        };
        assert!(!format!("{view:?}").contains("secret"));
    }
}

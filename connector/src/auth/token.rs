//! The JWT-bearer token grant and the access-token cache kept in host state.

use serde::{Deserialize, Serialize};

use crate::auth::{consent, jwt};
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::http;
use crate::request::{HttpRequest, HttpResponse, Method, Retry};
use crate::wire::flex_u64;

/// A cached token is used only while it has at least this long to live.
pub const REFRESH_MARGIN_MS: u64 = 5 * 60 * 1000;
/// `expires_in` assumed when DocuSign omits it (its documented token lifetime).
const DEFAULT_EXPIRES_IN_SECS: u64 = 3600;
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An access token and what it allows.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    /// The bearer token. Secret: never logged.
    pub access_token: String,
    /// Expiry, milliseconds since the epoch.
    pub expires_at_ms: u64,
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// True when it came from the cache rather than a grant in this invocation.
    #[serde(skip)]
    pub reused: bool,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &"<redacted>")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("scopes", &self.scopes)
            .field("reused", &self.reused)
            .finish()
    }
}

impl AccessToken {
    /// Usable at `now_ms` (outside the refresh margin).
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        now_ms.saturating_add(REFRESH_MARGIN_MS) < self.expires_at_ms
    }
}

/// The cached tokens of one connection (one per scope set).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct TokenCache {
    /// Tokens, newest last.
    pub tokens: Vec<AccessToken>,
}

impl TokenCache {
    /// A fresh token covering `scopes`.
    pub fn find(&self, scopes: &[String], now_ms: u64) -> Option<AccessToken> {
        self.tokens
            .iter()
            .rev()
            .find(|t| t.is_fresh(now_ms) && super::scopes::covers(&t.scopes, scopes))
            .cloned()
    }

    /// Add `token`, dropping expired ones and any other with the same scopes.
    pub fn insert(&mut self, token: AccessToken, now_ms: u64) {
        self.tokens
            .retain(|t| t.expires_at_ms > now_ms && !same_set(&t.scopes, &token.scopes));
        self.tokens.push(token);
    }

    /// Drop `token` (after DocuSign refused it).
    pub fn remove(&mut self, access_token: &str) {
        self.tokens.retain(|t| t.access_token != access_token);
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && super::scopes::covers(a, b)
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: Option<String>,
    token_type: Option<String>,
    #[serde(default, deserialize_with = "flex_u64")]
    expires_in: Option<u64>,
    scope: Option<String>,
}

#[derive(Deserialize, Default)]
struct OAuthErrorReply {
    error: Option<String>,
    error_description: Option<String>,
}

/// Request a new token for `scopes` with a freshly signed assertion.
pub fn grant(host: &dyn Host, config: &Config, scopes: &[String]) -> Result<AccessToken> {
    let key = config.private_key.to_rsa()?;
    let now_ms = host.now_ms();
    let claims = jwt::Claims::new(
        &config.integration_key,
        &config.user_id,
        &config.auth_host,
        (now_ms / 1000) as i64,
        scopes,
    );
    let assertion = jwt::sign(&key, &claims)?;
    exchange_assertion(host, config, scopes, &assertion, now_ms)
}

/// Exchange a signed `assertion` (made at `now_ms`) for an access token: the token request and
/// the reading of its reply.
pub fn exchange_assertion(
    host: &dyn Host,
    config: &Config,
    scopes: &[String],
    assertion: &str,
    now_ms: u64,
) -> Result<AccessToken> {
    let mut request = HttpRequest::new(
        Method::Post,
        format!("https://{}/oauth/token", config.auth_host),
    )
    .accept_json()
    .header("Cache-Control", "no-store")
    .form_body(&[("grant_type", GRANT_TYPE), ("assertion", assertion)])
    // A repeated grant only issues another token.
    .retry(Retry::Idempotent);
    host.log(
        Level::Info,
        &format!(
            "requesting an access token from {} for scopes [{}]",
            config.auth_host,
            scopes.join(" ")
        ),
    );
    let resp = http::send(host, &mut request)?;
    if !resp.is_success() {
        return Err(oauth_error(host, &resp, config, scopes));
    }
    let reply: TokenReply = http::json(&resp, "token reply")?;
    let access_token = reply
        .access_token
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ConnectorError::bad_response(resp.status, "token reply has no usable access_token")
        })?;
    if let Some(kind) = reply
        .token_type
        .as_deref()
        .filter(|t| !t.eq_ignore_ascii_case("bearer"))
    {
        host.log(
            Level::Warn,
            &format!("token reply has token_type {kind:?}; using it as a bearer token"),
        );
    }
    let expires_in = reply.expires_in.unwrap_or_else(|| {
        host.log(
            Level::Warn,
            "token reply has no expires_in; assuming 3600 s",
        );
        DEFAULT_EXPIRES_IN_SECS
    });
    let granted_scopes = match reply
        .scope
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None => scopes.to_vec(),
    };
    host.log(
        Level::Info,
        &format!("access token granted, valid {expires_in} s"),
    );
    Ok(AccessToken {
        access_token,
        expires_at_ms: now_ms.saturating_add(expires_in.saturating_mul(1000)),
        scopes: granted_scopes,
        reused: false,
    })
}

/// Map a failed token reply to consent-required, auth-failed, rate-limited or an API error.
fn oauth_error(
    host: &dyn Host,
    resp: &HttpResponse,
    config: &Config,
    scopes: &[String],
) -> ConnectorError {
    let body: OAuthErrorReply = serde_json::from_slice(&resp.body).unwrap_or_default();
    let Some(error) = body.error else {
        return crate::api_errors::api_error(resp, host.now_ms());
    };
    let description = body.error_description.filter(|d| !d.is_empty());
    if error == "consent_required" {
        return ConnectorError::ConsentRequired {
            consent_url: consent::individual_url(config, scopes, None),
            scopes: scopes.to_vec(),
            message: format!(
                "User {} has not granted integration key {} consent for the scopes [{}]. Open the consent URL \
                 as that user (or have an administrator grant organization consent); the redirect URI must be \
                 registered on the integration key.",
                config.user_id,
                config.integration_key,
                scopes.join(" ")
            ),
        };
    }
    let hint = oauth_hint(&error, description.as_deref(), config);
    ConnectorError::AuthFailed {
        status: resp.status,
        error,
        error_description: description,
        hint,
    }
}

fn oauth_hint(error: &str, description: Option<&str>, config: &Config) -> String {
    match (error, description) {
        (_, Some("no_valid_keys_or_signatures")) => format!(
            "DocuSign did not accept the JWT signature: private-key-pem is not an RSA key registered on integration \
             key {} (Apps and Keys > Service Integration), or this machine's clock is wrong",
            config.integration_key
        ),
        (_, Some("issuer_not_found")) => format!(
            "integration key {} is unknown at {}: check integration-key, and that auth-server matches the \
             environment (developer keys work only with {} until promoted by Go-Live)",
            config.integration_key,
            config.auth_host,
            crate::environment::DEVELOPER_AUTH_HOST
        ),
        (_, Some("user_not_found")) => format!(
            "user-id {} is not a user at {}: use the user's API Username GUID from the same environment",
            config.user_id, config.auth_host
        ),
        (_, Some(d)) if d.contains("expired") || d.contains("iat") || d.contains("exp") => {
            "DocuSign rejected the assertion's times: check this machine's clock".to_owned()
        }
        ("invalid_client" | "unauthorized_client", _) => {
            "the integration key is disabled or not allowed to use JWT grant".to_owned()
        }
        ("invalid_request", _) => {
            "DocuSign rejected the token request as malformed: check integration-key, user-id and auth-server".to_owned()
        }
        _ => "DocuSign refused the JWT grant: check integration-key, user-id, private-key-pem and auth-server".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(value: &str, expires_at_ms: u64, scopes: &[&str]) -> AccessToken {
        AccessToken {
            access_token: value.into(),
            expires_at_ms,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            reused: false,
        }
    }

    #[test]
    fn cache_finds_fresh_covering_tokens_only() {
        let now = 1_000_000_000;
        let mut cache = TokenCache::default();
        cache.insert(
            token("esign", now + 3_600_000, &["signature", "impersonation"]),
            now,
        );
        cache.insert(
            token(
                "admin",
                now + 3_600_000,
                &["signature", "impersonation", "user_read"],
            ),
            now,
        );
        let esign = vec!["signature".to_owned(), "impersonation".to_owned()];
        let admin = vec!["user_read".to_owned()];
        assert_eq!(cache.find(&admin, now).unwrap().access_token, "admin");
        assert!(cache.find(&esign, now).is_some());
        // Inside the refresh margin: not fresh.
        assert!(
            cache
                .find(&esign, now + 3_600_000 - REFRESH_MARGIN_MS)
                .is_none()
        );
        // Same scope set replaces; expired ones are dropped.
        cache.insert(
            token("esign2", now + 7_200_000, &["impersonation", "signature"]),
            now + 3_700_000,
        );
        assert_eq!(cache.tokens.len(), 1);
        cache.remove("esign2");
        assert!(cache.tokens.is_empty());
    }

    #[test]
    fn debug_hides_the_token() {
        let t = token("secret-value", 1, &[]);
        assert!(!format!("{t:?}").contains("secret-value"));
    }
}

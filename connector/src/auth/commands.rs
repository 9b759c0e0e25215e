//! The authentication commands: consent URL, auth test, token reset.

use super::userinfo::{self, Account};
use super::{Session, consent, scopes};
use crate::config::Config;
use crate::error::Result;
use crate::event_type::EventType;
use crate::host::Host;
use crate::timestamp::Timestamp;

/// Which consent flow a URL starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentKind {
    /// The user consents for themself.
    Individual,
    /// An organization administrator consents for all users.
    Admin,
}

/// Inputs of `generate-consent-url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest {
    /// Flow.
    pub kind: ConsentKind,
    /// Event types whose scopes to include.
    pub event_types: Vec<EventType>,
    /// Opaque state for the redirect.
    pub state: Option<String>,
}

/// A consent URL and its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentUrl {
    /// URL to open.
    pub url: String,
    /// Scopes asked for.
    pub scopes: Vec<String>,
}

/// Result of `auth-test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthTestResult {
    /// User GUID.
    pub user_id: String,
    /// Name.
    pub user_name: String,
    /// E-mail.
    pub email: String,
    /// Account operations will use.
    pub account: Account,
    /// All accounts.
    pub accounts: Vec<Account>,
    /// Token scopes.
    pub scopes: Vec<String>,
    /// Token expiry.
    pub token_expires_at: Timestamp,
    /// Whether the token came from the cache.
    pub token_reused: bool,
}

/// Build a consent URL; no HTTP call.
pub fn generate_consent_url(config: &Config, req: &ConsentRequest) -> ConsentUrl {
    let scopes = scopes::combine(
        scopes::for_event_types(&req.event_types),
        &config.extra_scopes,
    );
    let url = match req.kind {
        ConsentKind::Individual => consent::individual_url(config, &scopes, req.state.as_deref()),
        ConsentKind::Admin => consent::admin_url(config, &scopes, req.state.as_deref()),
    };
    ConsentUrl { url, scopes }
}

/// JWT -> token (cached or new) -> `/oauth/userinfo` -> account.
pub fn auth_test(host: &dyn Host, config: &Config) -> Result<AuthTestResult> {
    let session = Session::new(host, config, scopes::ESIGNATURE);
    let token = session.token()?;
    let info = session.fetch_user_info()?;
    let account = userinfo::select_account(&info, config.account_id.as_deref())?;
    // The token may have been renewed by a 401 retry inside fetch_user_info.
    let token = session.token().unwrap_or(token);
    Ok(AuthTestResult {
        user_id: info.sub,
        user_name: info.name,
        email: info.email,
        account,
        accounts: info.accounts,
        scopes: token.scopes,
        token_expires_at: Timestamp::from_unix_ms(token.expires_at_ms),
        token_reused: token.reused,
    })
}

/// Forget the cached access token (and cached userinfo); true when a token was cached.
pub fn reset_access_token(host: &dyn Host, config: &Config) -> Result<bool> {
    Session::new(host, config, scopes::ESIGNATURE).reset()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::connection;
    use crate::error::ConnectorError;
    use crate::request::Method;
    use crate::testing::FakeHost;

    const TOKEN_URL: &str = "https://account-d.docusign.com/oauth/token";
    const USERINFO_URL: &str = "https://account-d.docusign.com/oauth/userinfo";
    const TOKEN: &str = r#"{"access_token":"tok-1","token_type":"Bearer","expires_in":3600}"#;
    const USERINFO: &str = r#"{"sub":"4799e5e9-1559-4915-9862-cf4713bbcacc","name":"Test User","email":"t@example.com",
        "accounts":[{"account_id":"a4ec37d6-0000-4000-8000-143885c220e1","is_default":true,"account_name":"Corp","base_uri":"https://demo.docusign.net"}]}"#;

    fn config() -> Config {
        Config::from_connection(&connection()).unwrap()
    }

    #[test]
    fn auth_test_grants_then_reuses_the_token() {
        let host = FakeHost::new();
        let cfg = config();
        host.expect(Method::Post, TOKEN_URL, 200, TOKEN)
            .expect(Method::Get, USERINFO_URL, 200, USERINFO)
            .expect(Method::Get, USERINFO_URL, 200, USERINFO);
        let first = auth_test(&host, &cfg).unwrap();
        assert!(!first.token_reused);
        assert_eq!(first.account.account_name, "Corp");
        assert_eq!(first.scopes, ["signature", "impersonation"]);
        assert_eq!(
            first.token_expires_at,
            Timestamp::from_unix_ms(host.now.get() + 3_600_000)
        );
        host.now.set(host.now.get() + 60_000);
        let second = auth_test(&host, &cfg).unwrap();
        assert!(second.token_reused);
        host.assert_done();
        let token_req = host.request(0);
        let form = String::from_utf8(token_req.body).unwrap();
        assert!(
            form.starts_with(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey"
            ),
            "{form}"
        );
        assert!(
            host.request(1)
                .headers
                .contains(&("Authorization".into(), "Bearer tok-1".into()))
        );
        assert!(host.logs.borrow().iter().all(|(_, l)| !l.contains("tok-1")));
    }

    #[test]
    fn expired_token_is_replaced_and_reset_forces_a_grant() {
        let host = FakeHost::new();
        let cfg = config();
        host.expect(Method::Post, TOKEN_URL, 200, TOKEN)
            .expect(Method::Get, USERINFO_URL, 200, USERINFO)
            .expect(
                Method::Post,
                TOKEN_URL,
                200,
                &TOKEN.replace("tok-1", "tok-2"),
            )
            .expect(Method::Get, USERINFO_URL, 200, USERINFO)
            .expect(
                Method::Post,
                TOKEN_URL,
                200,
                &TOKEN.replace("tok-1", "tok-3"),
            )
            .expect(Method::Get, USERINFO_URL, 200, USERINFO);
        auth_test(&host, &cfg).unwrap();
        host.now
            .set(host.now.get() + 3_600_000 - crate::auth::token::REFRESH_MARGIN_MS + 1);
        assert!(!auth_test(&host, &cfg).unwrap().token_reused);
        assert!(reset_access_token(&host, &cfg).unwrap());
        assert!(!reset_access_token(&host, &cfg).unwrap());
        assert!(!auth_test(&host, &cfg).unwrap().token_reused);
        host.assert_done();
    }

    #[test]
    fn userinfo_401_renews_the_token_once() {
        let host = FakeHost::new();
        let cfg = config();
        host.expect(Method::Post, TOKEN_URL, 200, TOKEN)
            .expect(Method::Get, USERINFO_URL, 200, USERINFO)
            .expect(
                Method::Get,
                USERINFO_URL,
                401,
                r#"{"error":"internal_server_error","reference_id":"x"}"#,
            )
            .expect(
                Method::Post,
                TOKEN_URL,
                200,
                &TOKEN.replace("tok-1", "tok-2"),
            )
            .expect(Method::Get, USERINFO_URL, 200, USERINFO);
        auth_test(&host, &cfg).unwrap();
        let result = auth_test(&host, &cfg).unwrap();
        assert!(!result.token_reused, "renewed token is new");
        host.assert_done();
        assert!(
            host.request(4)
                .headers
                .contains(&("Authorization".into(), "Bearer tok-2".into()))
        );
    }

    #[test]
    fn consent_required_carries_the_url() {
        let host = FakeHost::new();
        host.expect(
            Method::Post,
            TOKEN_URL,
            400,
            r#"{"error":"consent_required"}"#,
        );
        match auth_test(&host, &config()) {
            Err(ConnectorError::ConsentRequired {
                consent_url,
                scopes,
                message,
            }) => {
                assert!(consent_url.starts_with("https://account-d.docusign.com/oauth/auth?response_type=code&scope=signature%20impersonation&client_id=1f2e3d4c"));
                assert_eq!(scopes, ["signature", "impersonation"]);
                assert!(message.contains("has not granted"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invalid_grant_has_a_hint() {
        let host = FakeHost::new();
        host.expect(
            Method::Post,
            TOKEN_URL,
            400,
            r#"{"error":"invalid_grant","error_description":"no_valid_keys_or_signatures"}"#,
        );
        match auth_test(&host, &config()) {
            Err(ConnectorError::AuthFailed {
                status,
                error,
                error_description,
                hint,
            }) => {
                assert_eq!(status, 400);
                assert_eq!(error, "invalid_grant");
                assert_eq!(
                    error_description.as_deref(),
                    Some("no_valid_keys_or_signatures")
                );
                assert!(hint.contains("private-key-pem"), "{hint}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn consent_urls_follow_event_types() {
        let cfg = config();
        let url = generate_consent_url(
            &cfg,
            &ConsentRequest {
                kind: ConsentKind::Admin,
                event_types: vec![EventType::AuditUsers],
                state: None,
            },
        );
        // Admin API users need `user_read` only (DocuSign's Admin OpenAPI specification).
        assert_eq!(url.scopes, ["signature", "impersonation", "user_read"]);
        assert!(
            url.url
                .contains("scope=openid&admin_consent_scope=signature%20impersonation%20user_read")
        );
    }
}

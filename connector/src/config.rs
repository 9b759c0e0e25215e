//! Connection settings: validation of the WIT `connection` record into a [`Config`].

use sha2::{Digest, Sha256};

use crate::environment::{DEVELOPER_AUTH_HOST, PRODUCTION_AUTH_HOST};
use crate::environment::{Environment, MonitorEndpoint};
use crate::error::{ConnectorError, Result};
use crate::ids::is_guid;
use crate::pem::PemKey;
use crate::state_keys::StateKeys;

/// Connection settings as the caller gave them (mirror of WIT `connection`).
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// OAuth host, optionally with `https://` and a trailing `/`.
    pub auth_server: String,
    /// Integration key (GUID).
    pub integration_key: String,
    /// User GUID.
    pub user_id: String,
    /// RSA private key PEM.
    pub private_key_pem: String,
    /// Account GUID.
    pub account_id: Option<String>,
    /// Organization GUID.
    pub organization_id: Option<String>,
    /// Registered redirect URI.
    pub redirect_uri: Option<String>,
    /// Extra scopes.
    pub scopes: Vec<String>,
    /// Monitor endpoint; by default the organization stream when `organization_id` is set.
    pub monitor_endpoint: Option<MonitorEndpoint>,
}

/// Validated connection settings.
#[derive(Clone)]
pub struct Config {
    /// Bare OAuth host (no scheme): the JWT `aud`.
    pub auth_host: String,
    /// Environment of `auth_host`.
    pub environment: Environment,
    /// Integration key: the JWT `iss`.
    pub integration_key: String,
    /// User GUID: the JWT `sub`.
    pub user_id: String,
    /// The private key: its PEM structure checked, decoded only to sign a JWT.
    pub private_key: PemKey,
    /// Account to act in.
    pub account_id: Option<String>,
    /// Organization.
    pub organization_id: Option<String>,
    /// Redirect URI for consent.
    pub redirect_uri: Option<String>,
    /// Extra scopes.
    pub extra_scopes: Vec<String>,
    /// Where customer events are read.
    pub monitor_endpoint: MonitorEndpoint,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("auth_host", &self.auth_host)
            .field("integration_key", &self.integration_key)
            .field("user_id", &self.user_id)
            .field("private_key", &"<redacted>")
            .field("account_id", &self.account_id)
            .field("organization_id", &self.organization_id)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Validate `conn`; the first problem found is reported with its field name.
    pub fn from_connection(conn: &Connection) -> Result<Self> {
        let (auth_host, environment) = parse_auth_server(&conn.auth_server)?;
        let integration_key = required_guid(
            "integration-key",
            &conn.integration_key,
            "the Integration Key shown under Apps and Keys",
        )?;
        let user_id = required_guid(
            "user-id",
            &conn.user_id,
            "the user's API Username (a GUID under Apps and Keys), not an e-mail address",
        )?;
        let private_key = PemKey::from_text(&conn.private_key_pem)?;
        let account_id = optional_guid("account-id", conn.account_id.as_deref())?;
        let organization_id = optional_guid("organization-id", conn.organization_id.as_deref())?;
        let redirect_uri = match conn.redirect_uri.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(uri) => Some(validate_redirect_uri(uri)?),
        };
        let mut extra_scopes = Vec::new();
        for scope in &conn.scopes {
            let scope = scope.trim();
            if scope.is_empty()
                || !scope
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
            {
                return Err(ConnectorError::invalid(
                    "scopes",
                    format!("{scope:?} is not an OAuth scope name (letters, digits, '_' and '-')"),
                ));
            }
            if !extra_scopes.iter().any(|s| s == scope) {
                extra_scopes.push(scope.to_owned());
            }
        }
        let monitor_endpoint = match (conn.monitor_endpoint, &organization_id) {
            (Some(MonitorEndpoint::OrganizationStream), None) => {
                return Err(ConnectorError::invalid(
                    "monitor-endpoint",
                    "organization-stream needs organization-id (the Organization ID shown in DocuSign Admin)",
                ));
            }
            (Some(endpoint), _) => endpoint,
            (None, Some(_)) => MonitorEndpoint::OrganizationStream,
            (None, None) => MonitorEndpoint::Lens,
        };
        Ok(Self {
            auth_host,
            environment,
            integration_key,
            user_id,
            private_key,
            account_id,
            organization_id,
            redirect_uri,
            extra_scopes,
            monitor_endpoint,
        })
    }

    /// Short stable id of (auth host, integration key, user) for state keys; not secret.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::new()
            .chain_update(self.auth_host.as_bytes())
            .chain_update(b"\n")
            .chain_update(self.integration_key.to_ascii_lowercase().as_bytes())
            .chain_update(b"\n")
            .chain_update(self.user_id.to_ascii_lowercase().as_bytes())
            .finalize();
        base16ct::lower::encode_string(&digest[..8])
    }

    /// The keys of this connection's state ([`StateKeys`]).
    pub fn state_keys(&self) -> StateKeys {
        StateKeys::new(&self.fingerprint())
    }
}

fn parse_auth_server(raw: &str) -> Result<(String, Environment)> {
    const FIELD: &str = "auth-server";
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ConnectorError::invalid(
            FIELD,
            format!(
                "is empty; use {DEVELOPER_AUTH_HOST} (developer) or {PRODUCTION_AUTH_HOST} (production)"
            ),
        ));
    }
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("http://") {
        return Err(ConnectorError::invalid(
            FIELD,
            "must use https, or give the bare host name",
        ));
    }
    let host = lower.strip_prefix("https://").unwrap_or(&lower);
    let host = host.strip_suffix('/').unwrap_or(host);
    match Environment::from_auth_host(host) {
        Some(environment) => Ok((host.to_owned(), environment)),
        None => Err(ConnectorError::invalid(
            FIELD,
            format!(
                "{trimmed:?} is not a DocuSign OAuth server; use {DEVELOPER_AUTH_HOST} (developer) \
                 or {PRODUCTION_AUTH_HOST} (production)"
            ),
        )),
    }
}

fn required_guid(field: &str, raw: &str, what: &str) -> Result<String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(ConnectorError::invalid(
            field,
            format!("is empty; expected {what}"),
        ));
    }
    if !is_guid(value) {
        return Err(ConnectorError::invalid(
            field,
            format!("is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); expected {what}"),
        ));
    }
    Ok(value.to_owned())
}

fn optional_guid(field: &str, raw: Option<&str>) -> Result<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if is_guid(v) => Ok(Some(v.to_owned())),
        Some(_) => Err(ConnectorError::invalid(
            field,
            "is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
        )),
    }
}

fn validate_redirect_uri(uri: &str) -> Result<String> {
    let lower = uri.to_ascii_lowercase();
    let authority_and_path = lower.strip_prefix("https://").or_else(|| {
        lower
            .strip_prefix("http://")
            .filter(|rest| rest.starts_with("localhost") || rest.starts_with("127.0.0.1"))
    });
    let well_formed = authority_and_path
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        && !uri.chars().any(|c| c.is_whitespace() || c.is_control());
    if !well_formed {
        return Err(ConnectorError::invalid(
            "redirect-uri",
            "must be an absolute https:// URL (or http://localhost) registered on the integration key",
        ));
    }
    Ok(uri.to_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The test-only key bundled under `fixtures/keys/`.
    pub const TEST_KEY_PKCS1: &str = include_str!("../../fixtures/keys/test-only-rsa-pkcs1.pem");

    pub fn connection() -> Connection {
        Connection {
            auth_server: "account-d.docusign.com".into(),
            integration_key: "1f2e3d4c-0000-4000-8000-00000000a11e".into(),
            user_id: "4799e5e9-1559-4915-9862-cf4713bbcacc".into(),
            private_key_pem: TEST_KEY_PKCS1.into(),
            ..Connection::default()
        }
    }

    fn field_of(conn: &Connection) -> String {
        match Config::from_connection(conn) {
            Err(ConnectorError::InvalidInput { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn accepts_host_with_scheme_and_slash() {
        let mut c = connection();
        c.auth_server = " https://Account.DocuSign.com/ ".into();
        let cfg = Config::from_connection(&c).unwrap();
        assert_eq!(cfg.auth_host, "account.docusign.com");
        assert_eq!(cfg.environment, Environment::Production);
    }

    #[test]
    fn rejects_bad_auth_server() {
        for bad in [
            "",
            "http://account-d.docusign.com",
            "evil.example.com",
            "account-d.docusign.com/oauth",
        ] {
            let mut c = connection();
            c.auth_server = bad.into();
            assert_eq!(field_of(&c), "auth-server", "{bad}");
        }
    }

    #[test]
    fn names_the_bad_field() {
        let mut c = connection();
        c.integration_key = "  ".into();
        assert_eq!(field_of(&c), "integration-key");
        let mut c = connection();
        c.user_id = "someone@example.com".into();
        assert_eq!(field_of(&c), "user-id");
        let mut c = connection();
        c.private_key_pem = String::new();
        assert_eq!(field_of(&c), "private-key-pem");
        let mut c = connection();
        c.account_id = Some("12345".into());
        assert_eq!(field_of(&c), "account-id");
        let mut c = connection();
        for bad in [
            "ftp://x",
            "http://example.com/cb",
            "https://",
            "https://a b",
        ] {
            c.redirect_uri = Some(bad.into());
            assert_eq!(field_of(&c), "redirect-uri", "{bad}");
        }
        c.redirect_uri = Some("http://localhost:8080/cb".into());
        assert!(Config::from_connection(&c).is_ok());
        let mut c = connection();
        c.scopes = vec!["signature impersonation".into()];
        assert_eq!(field_of(&c), "scopes");
    }

    #[test]
    fn debug_output_hides_the_key() {
        let cfg = Config::from_connection(&connection()).unwrap();
        let text = format!("{cfg:?}");
        assert!(!text.contains("MII"), "{text}");
        assert!(text.contains("<redacted>"));
    }

    #[test]
    fn fingerprint_is_stable_and_distinguishes_users() {
        let a = Config::from_connection(&connection()).unwrap();
        let mut c = connection();
        c.user_id = "4799e5e9-1559-4915-9862-cf4713bbcacd".into();
        let b = Config::from_connection(&c).unwrap();
        assert_eq!(
            a.fingerprint(),
            Config::from_connection(&connection())
                .unwrap()
                .fingerprint()
        );
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
    }
}

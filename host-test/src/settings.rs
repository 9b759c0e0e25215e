//! Connection settings files (TOML or JSON) for the CLI, embedders and the tests.
//!
//! ```toml
//! auth_server = "account-d.docusign.com"
//! integration_key = "…"
//! user_id = "…"
//! private_key_file = "keys/docusign.pem"   # relative to this file; or:
//! # private_key_env = "DOCUSIGN_PRIVATE_KEY"
//! account_id = "…"        # optional
//! organization_id = "…"   # optional
//! redirect_uri = "…"      # optional
//! scopes = []             # optional extra scopes
//! monitor_endpoint = "lens"   # optional: "organization-stream" or "lens"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::bindings::{Connection, MonitorEndpoint};

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error("reading settings {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Not valid settings JSON.
    #[error("invalid JSON settings: {0}")]
    Json(#[source] serde_json::Error),
    /// Not valid settings TOML.
    #[error("invalid TOML settings: {0}")]
    Toml(#[source] toml::de::Error),
    /// One of the above, in the named file.
    #[error("{path}: {source}")]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: Box<SettingsError>,
    },
    /// Both `private_key_file` and `private_key_env` are set.
    #[error("set only one of private_key_file and private_key_env")]
    TwoKeys,
    /// The key file could not be read.
    #[error("reading private key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The key variable is not set.
    #[error("environment variable {0} (private_key_env) is not set")]
    KeyVariable(String),
}

/// A settings file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    /// OAuth host.
    pub auth_server: String,
    /// Integration key.
    pub integration_key: String,
    /// User GUID.
    pub user_id: String,
    /// Path of the PEM private key (relative to the settings file).
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    /// Environment variable holding the PEM private key.
    #[serde(default)]
    pub private_key_env: Option<String>,
    /// Account GUID.
    #[serde(default)]
    pub account_id: Option<String>,
    /// Organization GUID.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// Redirect URI.
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// Extra scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Monitor endpoint: `organization-stream` or `lens` (default: the organization stream when
    /// `organization_id` is set, else lens).
    #[serde(default)]
    pub monitor_endpoint: Option<MonitorEndpointSetting>,
}

/// `monitor_endpoint` as written in a settings file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MonitorEndpointSetting {
    /// `https://api[-d].docusign.com/v1/organizations/{organization_id}/stream`.
    OrganizationStream,
    /// `https://lens[-d].docusign.net/api/v2.0/datasets/monitor/stream`.
    Lens,
}

impl From<MonitorEndpointSetting> for MonitorEndpoint {
    fn from(s: MonitorEndpointSetting) -> Self {
        match s {
            MonitorEndpointSetting::OrganizationStream => Self::OrganizationStream,
            MonitorEndpointSetting::Lens => Self::Lens,
        }
    }
}

/// The id of the integration `conn` acts as: `auth-server:integration-key:user-id` (the auth
/// server without scheme or trailing slash, lower case). No secret; the same for every process
/// using these settings (the Restate worker's object key, the events table's `integration`).
pub fn integration_id(conn: &Connection) -> String {
    let server = conn
        .auth_server
        .trim()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_ascii_lowercase();
    format!(
        "{server}:{}:{}",
        conn.integration_key.trim(),
        conn.user_id.trim()
    )
}

/// Parse settings text; `.json` by name or a leading `{` means JSON, anything else TOML.
pub fn parse(text: &str, is_json: bool) -> Result<SettingsFile, SettingsError> {
    if is_json || text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(SettingsError::Json)
    } else {
        toml::from_str(text).map_err(SettingsError::Toml)
    }
}

/// Load a settings file and resolve the private key into a [`Connection`].
pub fn load(path: &Path) -> Result<Connection, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let settings = parse(&text, is_json).map_err(|e| SettingsError::InFile {
        path: path.to_owned(),
        source: Box::new(e),
    })?;
    resolve(settings, path.parent().unwrap_or(Path::new(".")), |name| {
        std::env::var(name).ok()
    })
}

/// Turn settings into a connection, reading the key file (relative to `base`) or variable.
pub fn resolve(
    settings: SettingsFile,
    base: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Connection, SettingsError> {
    let private_key_pem = match (&settings.private_key_file, &settings.private_key_env) {
        (Some(_), Some(_)) => return Err(SettingsError::TwoKeys),
        (Some(file), None) => {
            let path = base.join(file);
            std::fs::read_to_string(&path)
                .map_err(|source| SettingsError::KeyFile { path, source })?
        }
        (None, Some(var)) => env(var).ok_or_else(|| SettingsError::KeyVariable(var.clone()))?,
        // An empty key is reported by the connector as an invalid private-key-pem.
        (None, None) => String::new(),
    };
    Ok(Connection {
        auth_server: settings.auth_server,
        integration_key: settings.integration_key,
        user_id: settings.user_id,
        private_key_pem,
        account_id: settings.account_id,
        organization_id: settings.organization_id,
        redirect_uri: settings.redirect_uri,
        scopes: settings.scopes,
        monitor_endpoint: settings.monitor_endpoint.map(Into::into),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_json_with_key_from_env() {
        let toml = "auth_server = \"account-d.docusign.com\"\nintegration_key = \"ik\"\nuser_id = \"u\"\nprivate_key_env = \"K\"\n";
        let c = resolve(parse(toml, false).unwrap(), Path::new("."), |n| {
            (n == "K").then(|| "pem".to_owned())
        })
        .unwrap();
        assert_eq!(c.private_key_pem, "pem");
        let json =
            r#"{"auth_server": "a", "integration_key": "ik", "user_id": "u", "account_id": "acc"}"#;
        let c = resolve(parse(json, true).unwrap(), Path::new("."), |_| None).unwrap();
        assert_eq!(c.account_id.as_deref(), Some("acc"));
        assert_eq!(c.private_key_pem, "");
        let err = resolve(parse(toml, false).unwrap(), Path::new("."), |_| None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("K (private_key_env) is not set"), "{err}");
        assert!(parse("auth_server = 1", false).is_err());
        assert!(
            parse(
                "bogus = 1\nauth_server=\"a\"\nintegration_key=\"b\"\nuser_id=\"c\"",
                false
            )
            .unwrap_err()
            .to_string()
            .contains("unknown field")
        );
    }
}

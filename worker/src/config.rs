//! The worker's configuration file (TOML): where it listens, its integrations (each a
//! `docusign-host` settings file plus how to reach DocuSign), and how steps are retried.
//!
//! ```toml
//! listen = "127.0.0.1:9080"            # where Restate reaches the worker
//! default_integration = "main"          # optional with a single integration
//! archive_dir = "signed"                # optional: SignatureWorkflow saves signed documents here
//! documents_dir = "to-sign"             # optional: send inputs may name documents by `path` here
//! invocation_timeout_secs = 300         # bound of one connector call
//! timeout_in_guest_code = true          # false: checked at host calls only (faster signing)
//! max_concurrent_invocations = 256      # connector calls at once (pooled instance slots)
//! restate_identity_keys = []            # optional: accept only requests signed by these Restate keys
//!
//! [retry]                               # failed DocuSign calls (network, 429, 5xx) inside a step
//! initial_delay_ms = 1000
//! max_delay_ms = 60000
//! max_duration_secs = 900               # then the step fails with the last error
//!
//! [integrations.main]
//! settings = "docusign.toml"            # connection settings, as for `docusign-host --config`
//! ca_cert = []                          # optional extra CA certificates (a loopback server)
//! resolve = { "*" = "127.0.0.1:8443" }  # optional: connect there instead of DNS
//! ```
//!
//! Relative paths are relative to the configuration file.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Default `listen`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9080";

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Not valid configuration TOML.
    #[error("{path}: {source}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: toml::de::Error,
    },
    /// No integration is configured.
    #[error("no [integrations.NAME] table: the worker needs at least one integration")]
    NoIntegrations,
    /// `default_integration` names none of the integrations.
    #[error("default_integration {0:?} is not one of the [integrations] tables")]
    UnknownDefault(String),
    /// An integration's settings, key or CA certificate could not be loaded.
    #[error("integration {name:?}: {message}")]
    Integration {
        /// The integration.
        name: String,
        /// What failed.
        message: String,
    },
    /// A value is out of range.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        message: String,
    },
}

/// The configuration file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    /// Address Restate reaches the worker at.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The integration used when a call names none.
    #[serde(default)]
    pub default_integration: Option<String>,
    /// Where `SignatureWorkflow` saves signed documents (none: only their hashes are kept).
    #[serde(default)]
    pub archive_dir: Option<PathBuf>,
    /// Where send inputs may read documents named by `path` (none: inline base64 only).
    #[serde(default)]
    pub documents_dir: Option<PathBuf>,
    /// Bound of one connector call, seconds.
    #[serde(default = "default_timeout")]
    pub invocation_timeout_secs: u64,
    /// Whether that bound is checked in the connector's own code as well as at its host calls;
    /// `false` makes signing and event parsing faster, but a connector stuck in a loop that
    /// calls no host function would never be stopped.
    #[serde(default = "default_true")]
    pub timeout_in_guest_code: bool,
    /// Connector calls running at once: wasmtime's pooling allocator reserves this many instance
    /// slots (reused with their memory reset in place); a call beyond it is retried by Restate.
    #[serde(default = "default_max_concurrent")]
    pub max_concurrent_invocations: u32,
    /// Restate request-identity public keys (`publickeyv1_…`); empty accepts any caller.
    #[serde(default)]
    pub restate_identity_keys: Vec<String>,
    /// Retries of failed DocuSign calls inside a step.
    #[serde(default)]
    pub retry: RetryConfig,
    /// The integrations, by name.
    #[serde(default)]
    pub integrations: BTreeMap<String, IntegrationConfig>,
}

/// `[retry]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// First delay.
    #[serde(default = "default_initial_delay_ms")]
    pub initial_delay_ms: u64,
    /// Longest delay (delays double up to it).
    #[serde(default = "default_max_delay_ms")]
    pub max_delay_ms: u64,
    /// Give up after this long; the step then fails with the last error.
    #[serde(default = "default_max_duration_secs")]
    pub max_duration_secs: u64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            initial_delay_ms: default_initial_delay_ms(),
            max_delay_ms: default_max_delay_ms(),
            max_duration_secs: default_max_duration_secs(),
        }
    }
}

impl RetryConfig {
    /// First delay.
    pub fn initial_delay(&self) -> Duration {
        Duration::from_millis(self.initial_delay_ms)
    }
    /// Longest delay.
    pub fn max_delay(&self) -> Duration {
        Duration::from_millis(self.max_delay_ms)
    }
    /// Total bound.
    pub fn max_duration(&self) -> Duration {
        Duration::from_secs(self.max_duration_secs)
    }
}

/// `[integrations.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationConfig {
    /// Connection settings file (TOML or JSON, as `docusign-host --config`).
    pub settings: PathBuf,
    /// Extra CA certificates to trust (PEM files), e.g. a loopback replay server's.
    #[serde(default)]
    pub ca_cert: Vec<PathBuf>,
    /// Connect to this address for a host (`"*"` for all), keeping URL, SNI and `Host`.
    #[serde(default)]
    pub resolve: BTreeMap<String, SocketAddr>,
}

fn default_listen() -> SocketAddr {
    DEFAULT_LISTEN
        .parse()
        .expect("DEFAULT_LISTEN is an address")
}
fn default_timeout() -> u64 {
    300
}
/// Most pooled slots: each reserves address space (about 16 GiB of it, not memory).
pub const MAX_CONCURRENT_INVOCATIONS: u32 = 4_096;

fn default_true() -> bool {
    true
}

fn default_max_concurrent() -> u32 {
    256
}
fn default_initial_delay_ms() -> u64 {
    1000
}
fn default_max_delay_ms() -> u64 {
    60_000
}
fn default_max_duration_secs() -> u64 {
    900
}

impl WorkerConfig {
    /// Parse `text`; relative paths are taken relative to `base`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut config: Self = toml::from_str(text).map_err(|source| ConfigError::Toml {
            path: path.to_owned(),
            source,
        })?;
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        config.resolve_paths(absolute.parent().unwrap_or(Path::new(".")));
        config.check()?;
        Ok(config)
    }

    /// Read and parse the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let join = |p: &mut PathBuf| *p = lexically_clean(&base.join(&*p));
        self.archive_dir.iter_mut().for_each(join);
        self.documents_dir.iter_mut().for_each(join);
        for integration in self.integrations.values_mut() {
            join(&mut integration.settings);
            integration.ca_cert.iter_mut().for_each(join);
        }
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.integrations.is_empty() {
            return Err(ConfigError::NoIntegrations);
        }
        if let Some(name) = &self.default_integration
            && !self.integrations.contains_key(name)
        {
            return Err(ConfigError::UnknownDefault(name.clone()));
        }
        if self.invocation_timeout_secs == 0 {
            return Err(ConfigError::Invalid {
                field: "invocation_timeout_secs",
                message: "must be at least 1".into(),
            });
        }
        if !(1..=MAX_CONCURRENT_INVOCATIONS).contains(&self.max_concurrent_invocations) {
            return Err(ConfigError::Invalid {
                field: "max_concurrent_invocations",
                message: format!("must be between 1 and {MAX_CONCURRENT_INVOCATIONS}"),
            });
        }
        if self.retry.initial_delay_ms == 0 || self.retry.max_delay_ms < self.retry.initial_delay_ms
        {
            return Err(ConfigError::Invalid {
                field: "retry",
                message: "initial_delay_ms must be at least 1 and at most max_delay_ms".into(),
            });
        }
        Ok(())
    }

    /// The integration a call without a name uses: `default_integration`, or the only one.
    pub fn default_name(&self) -> Option<&str> {
        match &self.default_integration {
            Some(name) => Some(name),
            None if self.integrations.len() == 1 => self.integrations.keys().next().map(|k| &**k),
            None => None,
        }
    }
}

/// `path` without `.` and `dir/..` pairs (no file system access: the directories may not exist).
fn lexically_clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<WorkerConfig, ConfigError> {
        WorkerConfig::parse(text, Path::new("/etc/worker/worker.toml"))
    }

    #[test]
    fn defaults_and_relative_paths() {
        let c = parse("archive_dir = \"signed\"\n[integrations.main]\nsettings = \"ds.toml\"\nca_cert = [\"/tmp/ca.pem\"]\nresolve = { \"*\" = \"127.0.0.1:8443\" }\n").unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.default_name(), Some("main"));
        assert_eq!(
            c.archive_dir.as_deref(),
            Some(Path::new("/etc/worker/signed"))
        );
        let main = &c.integrations["main"];
        assert_eq!(main.settings, Path::new("/etc/worker/ds.toml"));
        assert_eq!(main.ca_cert, [PathBuf::from("/tmp/ca.pem")]);
        assert_eq!(main.resolve["*"].to_string(), "127.0.0.1:8443");
        assert_eq!(c.retry.max_duration(), Duration::from_secs(900));
        assert_eq!(c.max_concurrent_invocations, 256);
        assert!(c.timeout_in_guest_code);
        let host_calls_only =
            parse("timeout_in_guest_code = false\n[integrations.a]\nsettings = \"a\"\n").unwrap();
        assert!(!host_calls_only.timeout_in_guest_code);
        let up = parse("[integrations.a]\nsettings = \"../../fixtures/./a.toml\"\n").unwrap();
        assert_eq!(up.integrations["a"].settings, Path::new("/fixtures/a.toml"));
    }

    #[test]
    fn mistakes_are_named() {
        let none = parse("listen = \"127.0.0.1:1\"\n").unwrap_err();
        assert!(matches!(none, ConfigError::NoIntegrations), "{none}");
        let two = "[integrations.a]\nsettings = \"a\"\n[integrations.b]\nsettings = \"b\"\n";
        assert_eq!(parse(two).unwrap().default_name(), None);
        let bad_default = format!("default_integration = \"c\"\n{two}");
        assert!(matches!(
            parse(&bad_default).unwrap_err(),
            ConfigError::UnknownDefault(n) if n == "c"
        ));
        let typo = parse("[integrations.a]\nsettings = \"a\"\nsetings = 1\n").unwrap_err();
        assert!(typo.to_string().contains("setings"), "{typo}");
        let retry = parse("[retry]\ninitial_delay_ms = 5000\nmax_delay_ms = 10\n[integrations.a]\nsettings = \"a\"\n").unwrap_err();
        assert!(
            matches!(retry, ConfigError::Invalid { field: "retry", .. }),
            "{retry}"
        );
        for slots in [0, MAX_CONCURRENT_INVOCATIONS + 1] {
            let text = format!(
                "max_concurrent_invocations = {slots}\n[integrations.a]\nsettings = \"a\"\n"
            );
            assert!(matches!(
                parse(&text).unwrap_err(),
                ConfigError::Invalid {
                    field: "max_concurrent_invocations",
                    ..
                }
            ));
        }
    }
}

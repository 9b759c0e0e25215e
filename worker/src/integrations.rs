//! The integrations a worker serves: each a DocuSign connection (settings and private key), the
//! transport that reaches DocuSign for it, its `Integration` object key and its sealer.

use std::collections::BTreeMap;
use std::sync::Arc;

use docusign_host::Transport;
use docusign_host::bindings::Connection;
use docusign_host::json_api::InvokeError;
use docusign_host::settings;
use docusign_host::transport::{LiveOptions, LiveTransport};

use crate::config::{ConfigError, IntegrationConfig, WorkerConfig};
use crate::seal::Sealer;

/// One integration.
pub struct Integration {
    /// Its name in the configuration.
    pub name: String,
    /// Key of its `Integration` object: `auth-server:integration-key:user-id` (no secret).
    pub key: String,
    /// The connection (holds the private key; never journaled).
    pub connection: Connection,
    /// How its requests reach DocuSign.
    pub transport: Arc<dyn Transport>,
    /// Seals its token cache.
    pub sealer: Sealer,
}

impl std::fmt::Debug for Integration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Integration")
            .field("name", &self.name)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Integration {
    /// `connection` reached through `transport`.
    pub fn new(name: &str, connection: Connection, transport: Arc<dyn Transport>) -> Self {
        let key = settings::integration_id(&connection);
        let sealer = Sealer::new(&connection.private_key_pem, &key);
        Self {
            name: name.to_owned(),
            key,
            connection,
            transport,
            sealer,
        }
    }

    fn load(name: &str, config: &IntegrationConfig) -> Result<Self, ConfigError> {
        let fail = |message: String| ConfigError::Integration {
            name: name.to_owned(),
            message,
        };
        let connection = settings::load(&config.settings).map_err(|e| fail(e.to_string()))?;
        let mut options = LiveOptions::for_auth_server(&connection.auth_server);
        for path in &config.ca_cert {
            let pem = std::fs::read(path)
                .map_err(|e| fail(format!("reading ca_cert {}: {e}", path.display())))?;
            options.ca_certificates_pem.push(pem);
        }
        options.resolve = config
            .resolve
            .iter()
            .map(|(host, addr)| (host.trim().to_ascii_lowercase(), *addr))
            .collect();
        let transport = LiveTransport::new(options).map_err(|e| fail(e.to_string()))?;
        Ok(Self::new(name, connection, Arc::new(transport)))
    }
}

/// Every integration of a worker.
#[derive(Debug, Default)]
pub struct Integrations {
    by_name: BTreeMap<String, Arc<Integration>>,
    default: Option<String>,
}

impl Integrations {
    /// The integrations of `config`, with their settings and keys loaded.
    pub fn load(config: &WorkerConfig) -> Result<Self, ConfigError> {
        let mut all = Self {
            default: config.default_name().map(str::to_owned),
            ..Self::default()
        };
        for (name, integration) in &config.integrations {
            all.insert(Integration::load(name, integration)?);
        }
        Ok(all)
    }

    /// Add `integration` (the first one added is the default unless one is set).
    pub fn insert(&mut self, integration: Integration) {
        if self.default.is_none() && self.by_name.is_empty() {
            self.default = Some(integration.name.clone());
        }
        self.by_name
            .insert(integration.name.clone(), Arc::new(integration));
    }

    /// The integration named `name`, or the default one.
    pub fn select(&self, name: Option<&str>) -> Result<Arc<Integration>, InvokeError> {
        let wanted = name.or(self.default.as_deref()).ok_or_else(|| {
            InvokeError::input(
                "integration",
                format!(
                    "this worker serves several integrations; name one of: {}",
                    self.names()
                ),
            )
        })?;
        self.by_name.get(wanted).cloned().ok_or_else(|| {
            InvokeError::input(
                "integration",
                format!(
                    "unknown integration {wanted:?}; this worker serves: {}",
                    self.names()
                ),
            )
        })
    }

    /// The integration whose object key is `key`.
    pub fn by_key(&self, key: &str) -> Result<Arc<Integration>, InvokeError> {
        self.by_name
            .values()
            .find(|i| i.key == key)
            .cloned()
            .ok_or_else(|| {
                InvokeError::input(
                    "integration",
                    format!("no integration of this worker has the key {key:?}"),
                )
            })
    }

    fn names(&self) -> String {
        self.by_name.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

//! One connector call, as a worker step: the component runs on the async path (its fiber
//! suspends while it waits, holding no thread) over a snapshot of the integration's state, and
//! the step reports its result and what it changed.
//! Plain async Rust, no Restate: the handlers journal what this returns.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use docusign_host::ConnectorHost;
use docusign_host::bindings::Level;
use docusign_host::capabilities::{Capabilities, LogSink, StateStore};
use docusign_host::clock::SystemClock;
use docusign_host::json_api::{self, Call, InputFiles, InvokeError, Output};
use docusign_host::state_store::MemoryStateStore;
use restate_sdk::context::RunRetryPolicy;
use serde_json::Value;

use crate::config::RetryConfig;
use crate::integration_state::{self, Changes, StoredState};
use crate::integrations::{Integration, Integrations};

/// What every handler shares: the loaded component, the integrations and the settings of steps.
pub struct Worker {
    host: Arc<ConnectorHost>,
    /// The integrations served.
    pub integrations: Integrations,
    /// Where send inputs may read documents by `path`.
    pub documents_dir: Option<PathBuf>,
    /// Where `SignatureWorkflow` saves signed documents.
    pub archive_dir: Option<PathBuf>,
    retry: RetryConfig,
}

/// What a step produced.
#[derive(Debug)]
pub struct StepResult {
    /// The action's result.
    pub outcome: Result<Output, InvokeError>,
    /// The state it changed (secrets sealed).
    pub changes: Changes,
}

impl Worker {
    /// A worker running `host` for `integrations`.
    pub fn new(
        host: ConnectorHost,
        integrations: Integrations,
        retry: RetryConfig,
        documents_dir: Option<PathBuf>,
        archive_dir: Option<PathBuf>,
    ) -> Self {
        Self {
            host: Arc::new(host),
            integrations,
            documents_dir,
            archive_dir,
            retry,
        }
    }

    /// Read an action's JSON input as `docusign-host invoke` does (documents by `path` only
    /// under `documents_dir`).
    pub fn parse(&self, action: &str, input: Value) -> Result<Call, InvokeError> {
        let files = InputFiles {
            base_dir: self.documents_dir.as_deref(),
            confined: true,
        };
        json_api::parse_call(action, input, files)
    }

    /// How a step that failed transiently is retried.
    pub fn retry_policy(&self) -> RunRetryPolicy {
        RunRetryPolicy::new()
            .initial_delay(self.retry.initial_delay())
            .exponentiation_factor(2.0)
            .max_delay(self.retry.max_delay())
            .max_duration(self.retry.max_duration())
    }

    /// Run `call` for `integration` over `stored` state.
    pub async fn run(
        &self,
        integration: &Arc<Integration>,
        call: Call,
        stored: &StoredState,
    ) -> StepResult {
        let before = integration_state::open(stored, &integration.sealer);
        let state = Arc::new(MemoryStateStore::new());
        for (key, value) in &before {
            // A memory store does not fail.
            let _ = state.set(key, value);
        }
        let caps = Capabilities {
            transport: integration.transport.clone(),
            clock: Arc::new(SystemClock),
            state: state.clone(),
            log: Arc::new(TracingLog {
                integration: integration.name.clone(),
            }),
        };
        // The async path: the invocation suspends while it waits (HTTP, backoff, a lease)
        // instead of holding a thread.
        let outcome =
            json_api::run_call_async(&self.host, &caps, &integration.connection, call).await;
        let after: BTreeMap<String, String> = state.snapshot().into_iter().collect();
        StepResult {
            outcome,
            changes: integration_state::changes(&before, &after, &integration.sealer),
        }
    }
}

/// The connector's log lines as `tracing` events (they never hold secrets).
struct TracingLog {
    integration: String,
}

impl LogSink for TracingLog {
    fn log(&self, level: Level, message: &str) {
        let integration = self.integration.as_str();
        match level {
            Level::Error => tracing::error!(integration, "{message}"),
            Level::Warn => tracing::warn!(integration, "{message}"),
            Level::Info => tracing::info!(integration, "{message}"),
            Level::Debug => tracing::debug!(integration, "{message}"),
            Level::Trace => tracing::trace!(integration, "{message}"),
        }
    }
}

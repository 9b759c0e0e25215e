//! The worker's HTTP endpoint: the three services on one Restate endpoint, served over HTTP/2 on
//! a bound listener until a shutdown signal.

use std::future::Future;
use std::sync::Arc;

use docusign_host::engine::{Allocation, DeadlineChecks};
use docusign_host::{ConnectorHost, HostOptions};
use restate_sdk::endpoint::Endpoint;
use restate_sdk::http_server::HttpServer;
use tokio::net::TcpListener;

use crate::config::{ConfigError, WorkerConfig};
use crate::integrations::Integrations;
use crate::services::docusign::DocuSign;
use crate::services::integration::IntegrationObject;
use crate::services::signature_workflow::SignatureWorkflow;
use crate::step::Worker;

/// Why the worker could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration or an integration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The connector component could not be loaded.
    #[error("loading the connector: {0}")]
    Host(#[from] docusign_host::HostError),
    /// A `restate_identity_keys` entry is not a Restate public key.
    #[error("restate_identity_keys: {0}")]
    IdentityKey(String),
    /// The listen address could not be bound.
    #[error("listening on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Load the connector and the integrations of `config`.
pub fn worker(config: &WorkerConfig) -> Result<Worker, StartError> {
    let integrations = Integrations::load(config)?;
    let host = ConnectorHost::new(HostOptions {
        invocation_timeout: std::time::Duration::from_secs(config.invocation_timeout_secs),
        deadline_checks: DeadlineChecks::in_guest_code(config.timeout_in_guest_code),
        // Slots reused with their memory reset in place: many calls in flight do not contend
        // on the address space (BENCHMARKS.md, "Many invocations in flight").
        allocation: Allocation::Pooling {
            max_concurrent: config.max_concurrent_invocations,
        },
        ..HostOptions::default()
    })?;
    Ok(Worker::new(
        host,
        integrations,
        config.retry,
        config.documents_dir.clone(),
        config.archive_dir.clone(),
    ))
}

/// The Restate endpoint serving `worker`, accepting only callers signed by `identity_keys` (any
/// caller when empty).
pub fn endpoint(worker: Arc<Worker>, identity_keys: &[String]) -> Result<Endpoint, StartError> {
    let mut builder = Endpoint::builder()
        .bind(DocuSign::new(worker.clone()))
        .bind(IntegrationObject::new(worker.clone()))
        .bind(SignatureWorkflow::new(worker));
    for key in identity_keys {
        builder = builder
            .identity_key(key)
            .map_err(|e| StartError::IdentityKey(e.to_string()))?;
    }
    Ok(builder.build())
}

/// Bind `config.listen`.
pub async fn bind(config: &WorkerConfig) -> Result<TcpListener, StartError> {
    TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })
}

/// Serve `endpoint` on `listener` until `shutdown` completes.
pub async fn serve(endpoint: Endpoint, listener: TcpListener, shutdown: impl Future) {
    HttpServer::new(endpoint)
        .serve_with_cancel(listener, shutdown)
        .await;
}

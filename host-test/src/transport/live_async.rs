//! The async half of [`LiveTransport`](super::LiveTransport): hyper over rustls, driven by the
//! transport's own I/O thread (one Tokio worker, started on first use), so an exchange in
//! flight is a socket and a small task, not a waiting thread, whatever runtime (or none) the
//! invocation runs on. Same rules as the blocking client: no redirects, reply bodies capped,
//! one timeout for the whole exchange, errors that never quote headers or bodies.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::http;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use rustls::pki_types::CertificateDer;

use super::live::{
    IDLE_CONNECTIONS, LiveSetupError, check_declared_length, header_pairs, override_for,
    request_head,
};
use crate::bindings::{Request, Response, TransportError};

type HttpsClient = Client<HttpsConnector<HttpConnector<Resolve>>, Full<Bytes>>;

/// A name not found by the resolver (told apart from other connect failures).
#[derive(Debug, thiserror::Error)]
#[error("host not found")]
struct HostNotFound;

/// Static host overrides (`*` for every host) in front of the system resolver; an override's
/// port is kept (like `curl --resolve`), URLs name no port.
#[derive(Clone)]
struct Resolve {
    overrides: Arc<HashMap<String, SocketAddr>>,
}

impl tower_service::Service<Name> for Resolve {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let fixed = override_for(&self.overrides, name.as_str());
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            if let Some(addr) = fixed {
                return Ok(vec![addr].into_iter());
            }
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 443))
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::NotFound, HostNotFound))?
                .collect();
            if found.is_empty() {
                return Err(io::Error::new(io::ErrorKind::NotFound, HostNotFound));
            }
            Ok(found.into_iter())
        })
    }
}

/// The I/O thread; shut down without waiting when the transport goes (which may happen inside
/// an async context, where a runtime may not block).
struct IoThread(Option<tokio::runtime::Runtime>);

impl Drop for IoThread {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// Aborts the exchange when the invocation stops waiting for it (its time bound, a cancelled
/// task), so that the connection is not left busy.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// hyper's client with the transport's TLS roots, resolver and connect timeout.
pub(super) struct AsyncClient {
    client: HttpsClient,
    io: OnceLock<Result<IoThread, String>>,
}

impl std::fmt::Debug for AsyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncClient").finish_non_exhaustive()
    }
}

impl AsyncClient {
    pub(super) fn new(
        ca_certificates: Vec<CertificateDer<'static>>,
        resolve: HashMap<String, SocketAddr>,
        connect_timeout: Duration,
    ) -> Result<Self, LiveSetupError> {
        let mut roots = rustls::RootCertStore::empty();
        if ca_certificates.is_empty() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        for cert in ca_certificates {
            roots
                .add(cert)
                .map_err(|e| LiveSetupError::CaCertificate(e.to_string()))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| LiveSetupError::CaCertificate(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new_with_resolver(Resolve {
            overrides: Arc::new(resolve),
        });
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(IDLE_CONNECTIONS)
            .build(https);
        Ok(Self {
            client,
            io: OnceLock::new(),
        })
    }

    fn io(&self) -> Result<&tokio::runtime::Runtime, TransportError> {
        let io = self.io.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("docusign-http")
                .enable_all()
                .build()
                .map(|rt| IoThread(Some(rt)))
                .map_err(|e| e.to_string())
        });
        match io {
            Ok(IoThread(Some(runtime))) => Ok(runtime),
            Ok(IoThread(None)) => Err(TransportError::Other("the HTTP client is shut down".into())),
            Err(e) => Err(TransportError::Other(format!(
                "could not start the HTTP client's I/O thread: {e}"
            ))),
        }
    }

    /// One exchange (the allow-list already checked), bounded by `timeout` as a whole.
    pub(super) async fn send(
        &self,
        req: Request,
        timeout: Duration,
        limit: u64,
    ) -> Result<Response, TransportError> {
        let request = to_hyper(req)?;
        let host = request.uri().host().unwrap_or("?").to_owned();
        let client = self.client.clone();
        let exchange = self.io()?.spawn(async move {
            match tokio::time::timeout(timeout, exchange(&client, request, limit, &host)).await {
                Ok(result) => result,
                Err(_) => Err(TransportError::Timeout(format!(
                    "{host}: no reply in time ({} ms)",
                    timeout.as_millis()
                ))),
            }
        });
        let mut exchange = AbortOnDrop(exchange);
        (&mut exchange.0).await.unwrap_or_else(|e| {
            Err(TransportError::Other(format!(
                "the exchange did not finish: {e}"
            )))
        })
    }
}

/// The request for hyper, its body moved, not copied.
fn to_hyper(mut req: Request) -> Result<http::Request<Full<Bytes>>, TransportError> {
    let body = Bytes::from(std::mem::take(&mut req.body));
    request_head(&req)
        .body(Full::new(body))
        .map_err(|e| TransportError::Other(format!("bad request: {e}")))
}

async fn exchange(
    client: &HttpsClient,
    request: http::Request<Full<Bytes>>,
    limit: u64,
    host: &str,
) -> Result<Response, TransportError> {
    let response = client
        .request(request)
        .await
        .map_err(|e| client_error(&e, host))?;
    check_declared_length(response.headers(), limit)?;
    let status = response.status().as_u16();
    let headers = header_pairs(response.headers());
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    let collected = Limited::new(response.into_body(), cap)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                TransportError::BodyTooLarge(limit)
            } else {
                TransportError::Connection(format!("{host}: the reply broke off: {e}"))
            }
        })?;
    // Takes over the collected buffer where it is the only owner, instead of copying it again.
    let body = Vec::from(collected.to_bytes());
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Map the client's errors onto the WIT transport errors (the same kinds as the blocking
/// client's; never quoting headers or bodies).
fn client_error(e: &hyper_util::client::legacy::Error, host: &str) -> TransportError {
    let mut causes = Vec::new();
    collect_causes(e, &mut causes);
    for cause in &causes {
        if cause.is::<HostNotFound>() {
            return TransportError::Dns(format!("{host}: host not found"));
        }
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return TransportError::Tls(format!("{host}: {tls}"));
        }
        if let Some(io) = cause.downcast_ref::<io::Error>()
            && matches!(
                io.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            )
        {
            return TransportError::Timeout(format!("{host}: {io}"));
        }
    }
    if e.is_connect() {
        TransportError::Connection(format!("{host}: connection failed"))
    } else {
        TransportError::Connection(format!("{host}: {e}"))
    }
}

/// `e` and everything under it: its sources, and the errors wrapped in I/O errors (whose
/// `source` skips the wrapped error itself).
fn collect_causes<'e>(
    e: &'e (dyn std::error::Error + 'static),
    out: &mut Vec<&'e (dyn std::error::Error + 'static)>,
) {
    let mut next = Some(e);
    while let Some(err) = next {
        if out.len() > 32 {
            return;
        }
        out.push(err);
        if let Some(inner) = err.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            collect_causes(inner, out);
        }
        next = err.source();
    }
}

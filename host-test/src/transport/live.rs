//! Live HTTPS to DocuSign (ureq + rustls): the allow-list is checked before anything leaves
//! the machine; no redirects are followed; reply bodies are capped; timeouts come from the
//! request (already capped by the invocation's time bound).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use ureq::http;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::allow::AllowList;
use super::live_async::AsyncClient;
use crate::bindings::{Request, Response, TransportError};
use crate::capabilities::{Transport, TransportFuture};

/// Largest reply body accepted by default (DocuSign documents stay far below).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 << 20;
/// Idle connections kept for reuse (both clients): at least the invocations a worker keeps in
/// flight to one host, or each one past it pays a new TLS handshake.
pub(super) const IDLE_CONNECTIONS: usize = 8192;
/// Timeout when a request carries none.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a [`LiveTransport`] could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LiveSetupError {
    /// A CA certificate given in [`LiveOptions::ca_certificates_pem`] is not PEM, or a PEM there
    /// holds none.
    #[error("CA certificate: {0}")]
    CaCertificate(String),
}

/// Settings of a [`LiveTransport`].
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Where requests may go.
    pub allow: AllowList,
    /// Largest reply body.
    pub max_response_bytes: u64,
    /// Trust these CA certificates (PEM; every certificate in each) instead of the bundled Mozilla
    /// roots (loopback testing).
    pub ca_certificates_pem: Vec<Vec<u8>>,
    /// Connect to these addresses for these host names (`*` for every host), keeping URL, SNI and
    /// `Host` (like `curl --resolve`; loopback testing).
    pub resolve: HashMap<String, SocketAddr>,
    /// TCP and TLS connect timeout.
    pub connect_timeout: Duration,
}

impl LiveOptions {
    /// Defaults for DocuSign's environment of `auth_server`.
    pub fn for_auth_server(auth_server: &str) -> Self {
        Self {
            allow: AllowList::docusign(auth_server),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            ca_certificates_pem: Vec::new(),
            resolve: HashMap::new(),
            connect_timeout: Duration::from_secs(15),
        }
    }
}

/// Every certificate of every PEM in `pems` (both clients trust the same ones); a PEM without a
/// certificate is an error.
fn ca_certificates(pems: &[Vec<u8>]) -> Result<Vec<CertificateDer<'static>>, LiveSetupError> {
    let mut certificates = Vec::new();
    for pem in pems {
        let before = certificates.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            certificates.push(cert.map_err(|e| LiveSetupError::CaCertificate(e.to_string()))?);
        }
        if certificates.len() == before {
            return Err(LiveSetupError::CaCertificate(
                "no PEM-encoded certificate found".to_owned(),
            ));
        }
    }
    Ok(certificates)
}

/// The address `resolve` names for `host` (or for every host, `*`), if any.
pub(super) fn override_for(
    overrides: &HashMap<String, SocketAddr>,
    host: &str,
) -> Option<SocketAddr> {
    let host = host.to_ascii_lowercase();
    overrides.get(&host).or_else(|| overrides.get("*")).copied()
}

/// Static host overrides in front of DNS.
#[derive(Debug)]
struct OverrideResolver {
    overrides: HashMap<String, SocketAddr>,
    fallback: DefaultResolver,
}

impl Resolver for OverrideResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(addr) = override_for(&self.overrides, uri.host().unwrap_or_default()) {
            let mut addrs = self.fallback.empty();
            addrs.push(addr);
            return Ok(addrs);
        }
        // Resolution failures are DNS failures, whatever the OS called them.
        self.fallback
            .resolve(uri, config, timeout)
            .map_err(|e| match e {
                ureq::Error::Io(_) => ureq::Error::HostNotFound,
                other => other,
            })
    }
}

/// The `user-agent` both clients send.
const USER_AGENT: &str = concat!("docusign-connector-host/", env!("CARGO_PKG_VERSION"));

/// Real HTTPS. The blocking path (`send`) uses ureq on the caller's thread; the async path
/// (`send_async`) uses hyper on the transport's own I/O thread, so an exchange in flight holds
/// no thread. Both check the same allow-list and apply the same limits.
#[derive(Debug, Clone)]
pub struct LiveTransport {
    agent: ureq::Agent,
    async_client: Arc<AsyncClient>,
    allow: AllowList,
    max_response_bytes: u64,
}

impl LiveTransport {
    /// A transport with `options`.
    pub fn new(options: LiveOptions) -> Result<Self, LiveSetupError> {
        let ca_certificates = ca_certificates(&options.ca_certificates_pem)?;
        let mut tls = TlsConfig::builder();
        if !ca_certificates.is_empty() {
            let roots = ca_certificates
                .iter()
                .map(|der| Certificate::from_der(der).to_owned())
                .collect();
            tls = tls.root_certs(RootCerts::Specific(Arc::new(roots)));
        }
        let config = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(options.connect_timeout))
            .proxy(None)
            // A worker with many threads keeps a connection per thread alive, not 3 per host;
            // 64 KiB buffers (ureq's default is 128 KiB each way, per connection) still hold
            // any reply head (capped at 64 KiB).
            .max_idle_connections(IDLE_CONNECTIONS)
            .max_idle_connections_per_host(IDLE_CONNECTIONS)
            .input_buffer_size(64 * 1024)
            .output_buffer_size(64 * 1024)
            .build();
        let async_client = AsyncClient::new(
            ca_certificates,
            options.resolve.clone(),
            options.connect_timeout,
        )?;
        let resolver = OverrideResolver {
            overrides: options.resolve,
            fallback: DefaultResolver::default(),
        };
        let agent = ureq::Agent::with_parts(config, DefaultConnector::default(), resolver);
        Ok(Self {
            agent,
            async_client: Arc::new(async_client),
            allow: options.allow,
            max_response_bytes: options.max_response_bytes,
        })
    }
}

/// Map ureq's errors onto the WIT transport errors (never quoting headers or bodies).
fn transport_error(e: ureq::Error, limit: u64, host: &str) -> TransportError {
    match e {
        ureq::Error::Timeout(what) => {
            TransportError::Timeout(format!("{host}: no reply in time ({what:?})"))
        }
        ureq::Error::HostNotFound => TransportError::Dns(format!("{host}: host not found")),
        ureq::Error::ConnectionFailed => {
            TransportError::Connection(format!("{host}: connection failed"))
        }
        // A failed handshake reaches ureq as an I/O error around rustls' error.
        ureq::Error::Io(io) if io.get_ref().is_some_and(|e| e.is::<rustls::Error>()) => {
            TransportError::Tls(format!("{host}: {io}"))
        }
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                TransportError::Timeout(format!("{host}: {io}"))
            }
            _ => TransportError::Connection(format!("{host}: {io}")),
        },
        ureq::Error::BodyExceedsLimit(_) => TransportError::BodyTooLarge(limit),
        ureq::Error::Tls(m) => TransportError::Tls(format!("{host}: {m}")),
        ureq::Error::Rustls(e) => TransportError::Tls(format!("{host}: {e}")),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
            TransportError::Other("redirect refused".into())
        }
        other => TransportError::Other(other.to_string()),
    }
}

impl Transport for LiveTransport {
    fn send(&self, req: &Request) -> Result<Response, TransportError> {
        self.allow
            .check(&req.url)
            .map_err(|refusal| TransportError::Denied(refusal.to_string()))?;
        let request = request_head(req)
            .body(req.body.as_slice())
            .map_err(|e| TransportError::Other(format!("bad request: {e}")))?;
        let timeout = request_timeout(req);
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(timeout))
            .build();
        let limit = self.max_response_bytes;
        let host = request.uri().host().unwrap_or("?").to_owned();
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| transport_error(e, limit, &host))?;
        check_declared_length(response.headers(), limit)?;
        let status = response.status().as_u16();
        let headers = header_pairs(response.headers());
        let body = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| transport_error(e, limit, &host))?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
    fn send_async(&self, req: Request) -> TransportFuture<'_> {
        Box::pin(async move {
            self.allow
                .check(&req.url)
                .map_err(|refusal| TransportError::Denied(refusal.to_string()))?;
            let timeout = request_timeout(&req);
            self.async_client
                .send(req, timeout, self.max_response_bytes)
                .await
        })
    }
}

/// The request's method, URL and headers for either client: `Host` and `Content-Length` are
/// the client's to write, and this host's `User-Agent` goes in unless the request names one.
pub(super) fn request_head(req: &Request) -> http::request::Builder {
    let mut builder = http::Request::builder()
        .method(http::Method::from(req.method))
        .uri(req.url.as_str());
    let mut has_agent = false;
    for (name, value) in &req.headers {
        if name.eq_ignore_ascii_case("host") || name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        has_agent |= name.eq_ignore_ascii_case("user-agent");
        builder = builder.header(name.as_str(), value.as_str());
    }
    if !has_agent {
        builder = builder.header(http::header::USER_AGENT, USER_AGENT);
    }
    builder
}

/// A reply whose declared `Content-Length` is over `limit` is refused before its body is read.
pub(super) fn check_declared_length(
    headers: &http::HeaderMap,
    limit: u64,
) -> Result<(), TransportError> {
    match headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
    {
        Some(length) if length > limit => Err(TransportError::BodyTooLarge(length)),
        _ => Ok(()),
    }
}

/// The reply's headers as (lower-case name, value) pairs.
pub(super) fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The request's timeout for the whole exchange.
fn request_timeout(req: &Request) -> Duration {
    req.timeout_ms
        .map_or(DEFAULT_TIMEOUT, |ms| Duration::from_millis(u64::from(ms)))
}

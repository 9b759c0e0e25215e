//! The loopback replay server: serves a cassette over HTTP(S) on 127.0.0.1, so the live
//! transport is tested over real sockets and other clients (DocuSign's SDKs) can be pointed at
//! the same data.
//!
//! Requests are matched strictly in order, exactly as [`CassetteTransport`] does. The recorded
//! URL is rebuilt from the `Host` header; when a client connects to the loopback address itself
//! (an SDK configured with `https://127.0.0.1:PORT`), the recorded host is assumed and only the
//! method, path, query, headers and body are compared. A mismatch answers 500 with
//! `errorCode: CASSETTE_MISMATCH`; an `error` interaction closes the connection without a reply.
//! Connections are kept alive (HTTP/1.1) as DocuSign's servers keep them, and closed after
//! [`KEEP_ALIVE_IDLE`] without a request, on `Connection: close`, or after an error reply.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::format::Cassette;
use super::transport::{CassetteTransport, ReplayMismatch};
use crate::bindings::{Method, Request, TransportError};
use crate::capabilities::Transport;
use crate::http1::{Head, header, is_loopback, read_head, respond};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The certificate chain or key is not usable PEM.
    #[error("TLS identity: {0}")]
    Tls(String),
    /// The address could not be bound.
    #[error("listening on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The server thread could not be started.
    #[error("starting the server thread: {0}")]
    Thread(#[source] io::Error),
}

/// Largest request body accepted (DocuSign's own request limit is ~35.6 MB).
const MAX_BODY_BYTES: usize = 48 << 20;
/// How long a kept-alive connection waits for its next request.
pub const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(5);
/// How long one read of a request in progress may wait.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A certificate chain and key, PEM.
#[derive(Clone)]
pub struct TlsIdentity {
    /// Certificate chain, PEM.
    pub cert_chain_pem: Vec<u8>,
    /// Private key, PEM.
    pub key_pem: Vec<u8>,
}

impl TlsIdentity {
    /// A rustls server configuration presenting this identity.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, ServeError> {
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(&self.cert_chain_pem)
                .collect::<Result<_, _>>()
                .map_err(|e| ServeError::Tls(format!("server certificate: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(&self.key_pem)
            .map_err(|e| ServeError::Tls(format!("server key: {e}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ServeError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| ServeError::Tls(format!("server certificate: {e}")))?;
        Ok(Arc::new(config))
    }
}

/// A running replay server.
pub struct ReplayServer {
    addr: SocketAddr,
    tls: bool,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    transport: Arc<CassetteTransport>,
}

impl ReplayServer {
    /// Listen on `addr` (port 0: any free port) and serve `cassette`, over TLS with `tls`.
    pub fn start(
        cassette: Cassette,
        addr: SocketAddr,
        tls: Option<TlsIdentity>,
    ) -> Result<Self, ServeError> {
        let config = tls.as_ref().map(TlsIdentity::server_config).transpose()?;
        let listener =
            TcpListener::bind(addr).map_err(|source| ServeError::Listen { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServeError::Listen { addr, source })?;
        let transport = Arc::new(CassetteTransport::new(cassette));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (transport, stop) = (transport.clone(), stop.clone());
            std::thread::Builder::new()
                .name("docusign-replay-server".into())
                .spawn(move || accept_loop(listener, config, transport, stop))
                .map_err(ServeError::Thread)?
        };
        Ok(Self {
            addr,
            tls: tls.is_some(),
            stop,
            thread: Some(thread),
            transport,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT` (or `http://`).
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }

    /// The cassette being served (inspect `received()`, `used()`).
    pub fn transport(&self) -> &CassetteTransport {
        &self.transport
    }

    /// Stop serving and report whether the cassette was followed.
    pub fn finish(mut self) -> Result<(), ReplayMismatch> {
        self.shutdown();
        self.transport.finish()
    }

    /// Serve until the process ends.
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    transport: Arc<CassetteTransport>,
    stop: Arc<AtomicBool>,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let (tls, transport) = (tls.clone(), transport.clone());
        // Connections run to their end on their own (an idle kept-alive one ends after
        // KEEP_ALIVE_IDLE); a request's interaction is taken before its reply is written, so
        // nothing a client saw is missing when the server stops.
        std::thread::spawn(move || {
            if let Err(e) = handle(stream, tls, &transport)
                && !matches!(
                    e.kind(),
                    io::ErrorKind::UnexpectedEof
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::BrokenPipe
                )
            {
                eprintln!("replay server: connection error: {e}");
            }
        });
    }
}

fn handle(
    stream: TcpStream,
    tls: Option<Arc<ServerConfig>>,
    transport: &CassetteTransport,
) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let socket = stream.try_clone()?;
    match tls {
        Some(config) => {
            let conn = ServerConnection::new(config).map_err(io::Error::other)?;
            let mut tls_stream = StreamOwned::new(conn, stream);
            serve_connection(&mut tls_stream, &socket, "https", transport)?;
            tls_stream.conn.send_close_notify();
            tls_stream.flush()
        }
        None => {
            let mut plain = stream;
            serve_connection(&mut plain, &socket, "http", transport)
        }
    }
}

/// Serve requests on one connection until it is closed or should be.
fn serve_connection(
    io: &mut (impl Read + Write),
    socket: &TcpStream,
    scheme: &str,
    transport: &CassetteTransport,
) -> io::Result<()> {
    let mut pending = Vec::new();
    let mut first = true;
    loop {
        if !first {
            socket.set_read_timeout(Some(KEEP_ALIVE_IDLE))?;
        }
        let head = match read_head(io, std::mem::take(&mut pending)) {
            Ok(Some(head)) => head,
            Ok(None) => return Ok(()),
            // An idle kept-alive connection timing out is the normal end.
            Err(e) if !first && is_timeout(&e) => return Ok(()),
            Err(e) => return Err(e),
        };
        socket.set_read_timeout(Some(READ_TIMEOUT))?;
        first = false;
        match serve_one(io, head, scheme, transport)? {
            Next::KeepAlive(rest) => pending = rest,
            Next::Close => return Ok(()),
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// What happens to the connection after a reply.
enum Next {
    /// Read the next request (starting with these bytes already received).
    KeepAlive(Vec<u8>),
    Close,
}

/// Answer one request; say whether the connection may carry another.
fn serve_one(
    io: &mut (impl Read + Write),
    head: Head,
    scheme: &str,
    transport: &CassetteTransport,
) -> io::Result<Next> {
    // Error replies close the connection: the request body may not have been read.
    let refuse = |io: &mut _, status, message: &[u8]| {
        respond(io, status, &[], message, false).map(|()| Next::Close)
    };
    if header(&head.headers, "transfer-encoding").is_some() {
        return refuse(
            io,
            411,
            b"chunked request bodies are not supported; send Content-Length",
        );
    }
    let length: usize = header(&head.headers, "content-length")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if length > MAX_BODY_BYTES {
        return refuse(io, 413, b"request body too large");
    }
    let mut body = head.rest;
    let mut next_bytes = Vec::new();
    if body.len() > length {
        next_bytes = body.split_off(length);
    } else if body.len() < length {
        let already = body.len();
        body.resize(length, 0);
        io.read_exact(&mut body[already..])?;
    }
    let Some(method) = Method::parse(&head.method) else {
        return refuse(io, 405, b"method not supported");
    };
    let host = header(&head.headers, "host")
        .unwrap_or("localhost")
        .to_owned();
    let mut url = format!("{scheme}://{host}{}", head.path);
    if is_loopback(&host)
        && let Some(expected) = transport.next_expected_url()
        && let Some(authority_end) = expected
            .find("://")
            .and_then(|i| expected[i + 3..].find('/').map(|j| i + 3 + j))
    {
        url = format!("{}{}", &expected[..authority_end], head.path);
    }
    if let Some(delay) = transport.next_delay_ms() {
        std::thread::sleep(Duration::from_millis(delay));
    }
    let request = Request {
        method,
        url,
        headers: head.headers,
        body,
        timeout_ms: None,
    };
    let next = |keep_alive: bool| {
        if keep_alive {
            Next::KeepAlive(next_bytes)
        } else {
            Next::Close
        }
    };
    match transport.send(&request) {
        Ok(resp) => {
            // A recorded content-length is sent as is (to play a server that lies about size);
            // the connection then closes after the reply.
            let honest_length = header(&resp.headers, "content-length")
                .is_none_or(|v| v.trim().parse::<usize>().ok() == Some(resp.body.len()));
            let keep_alive = head.keep_alive && honest_length;
            let headers: Vec<(String, String)> = resp
                .headers
                .into_iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "transfer-encoding" | "connection" | "content-encoding"
                    )
                })
                .collect();
            respond(io, resp.status, &headers, &resp.body, keep_alive)?;
            Ok(next(keep_alive))
        }
        Err(TransportError::Other(message)) if message.starts_with("cassette:") => {
            eprintln!("replay server: {message}");
            let body = serde_json::json!({"errorCode": "CASSETTE_MISMATCH", "message": message})
                .to_string();
            respond(
                io,
                500,
                &[("content-type".into(), "application/json".into())],
                body.as_bytes(),
                head.keep_alive,
            )?;
            Ok(next(head.keep_alive))
        }
        // A recorded transport failure: hang up without a reply.
        Err(_) => Ok(Next::Close),
    }
}

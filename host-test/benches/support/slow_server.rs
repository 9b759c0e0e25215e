//! A loopback HTTPS stand-in for DocuSign that answers every request with the same reply after
//! a fixed latency, keeping connections alive (the test-only certificate for DocuSign's names).
//! Thousands of connections at once: one Tokio task each, on a thread of its own.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use docusign_host::replay::TlsIdentity;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CERT: &[u8] = include_bytes!("../../../fixtures/keys/tls/test-only-server.pem");
const KEY: &[u8] = include_bytes!("../../../fixtures/keys/tls/test-only-server.key");
/// The CA the client must trust.
pub const CA: &[u8] = include_bytes!("../../../fixtures/keys/tls/test-only-ca.pem");

/// Serve on a free loopback port until the process ends; its address.
pub fn start(latency: Duration, body: Vec<u8>) -> SocketAddr {
    let identity = TlsIdentity {
        cert_chain_pem: CERT.to_vec(),
        key_pem: KEY.to_vec(),
    };
    let config = identity
        .server_config()
        .expect("the test-only server identity");
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let mut reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend_from_slice(&body);
    let reply: Arc<[u8]> = reply.into();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let _ = tcp.set_nodelay(true);
                let (acceptor, reply) = (acceptor.clone(), reply.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        let _ = serve(tls, latency, &reply).await;
                    }
                });
            }
        });
    });
    addr
}

/// Answer each request after `latency`; a request body (`Content-Length`) is read and dropped
/// as it arrives, never held.
async fn serve(
    mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    latency: Duration,
    reply: &[u8],
) -> std::io::Result<()> {
    let mut pending = Vec::with_capacity(2048);
    let mut buf = [0u8; 4096];
    // Inside a request's body: the bytes of it still to come.
    let mut body_left: Option<usize> = None;
    loop {
        // Answer every request whose head and body have arrived.
        loop {
            let left = match body_left {
                Some(left) => left,
                None => match pending.windows(4).position(|w| w == b"\r\n\r\n") {
                    Some(end) => {
                        let length = content_length(&pending[..end]);
                        pending.drain(..end + 4);
                        length
                    }
                    None => break,
                },
            };
            let here = left.min(pending.len());
            pending.drain(..here);
            if here < left {
                body_left = Some(left - here);
                break;
            }
            body_left = None;
            tokio::time::sleep(latency).await;
            tls.write_all(reply).await?;
            tls.flush().await?;
        }
        let n = tls.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        // Body bytes are dropped straight from the read buffer.
        let dropped = n.min(body_left.unwrap_or(0));
        if let Some(left) = &mut body_left {
            *left -= dropped;
        }
        pending.extend_from_slice(&buf[dropped..n]);
    }
}

/// The `Content-Length` of a request head, 0 without one.
fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}

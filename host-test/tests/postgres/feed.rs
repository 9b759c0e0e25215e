//! A loopback HTTPS stand-in for DocuSign's token endpoint and the Monitor organization stream,
//! serving pages by cursor (not from a script), so any number of processes may fetch any
//! position concurrently. Every page after the first repeats the event before it, as Monitor's
//! overlapping cursors do. Counts token grants and page reads.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use serde_json::{Value, json};

use crate::common::test_tls;

/// A running feed.
pub struct Feed {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    tokens: AtomicUsize,
    pages: AtomicUsize,
    /// Milliseconds each page read takes (so a test can kill a process mid-paging).
    page_delay_ms: AtomicUsize,
}

/// The access token the feed grants.
pub const TOKEN: &str = "feed-token-3b1c9a";

/// The id of event `i`.
pub fn event_id(i: usize) -> String {
    format!("ev-{i:04}")
}

impl Feed {
    /// A stream of `events` events, at most `page` per page.
    pub fn start(events: usize, page: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let config = test_tls()
            .server_config()
            .expect("the test-only server identity");
        let stop = Arc::new(AtomicBool::new(false));
        let counts = Arc::new(Counts::default());
        {
            let (stop, counts) = (stop.clone(), counts.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (config, counts) = (config.clone(), counts.clone());
                    std::thread::spawn(move || serve(stream, config, &counts, events, page));
                }
            });
        }
        Self { addr, stop, counts }
    }

    /// Token grants served.
    pub fn token_requests(&self) -> usize {
        self.counts.tokens.load(Ordering::SeqCst)
    }

    /// Pages served.
    pub fn page_requests(&self) -> usize {
        self.counts.pages.load(Ordering::SeqCst)
    }

    /// Make each page read take `ms`.
    pub fn set_page_delay_ms(&self, ms: usize) {
        self.counts.page_delay_ms.store(ms, Ordering::SeqCst);
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// One request per connection (`Connection: close`).
fn serve(
    stream: TcpStream,
    config: Arc<ServerConfig>,
    counts: &Counts,
    events: usize,
    page: usize,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(conn) = ServerConnection::new(config) else {
        return;
    };
    let mut tls = StreamOwned::new(conn, stream);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (target, body_start, length) = loop {
        let Ok(n) = tls.read(&mut chunk) else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(at)) = request.parse(&buf) {
            let length = request
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
                .unwrap_or(0usize);
            break (request.path.unwrap_or("/").to_owned(), at, length);
        }
    };
    while buf.len() < body_start + length {
        match tls.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = if target.starts_with("/oauth/token") {
        counts.tokens.fetch_add(1, Ordering::SeqCst);
        json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 36_000})
    } else if target.contains("/stream?") {
        counts.pages.fetch_add(1, Ordering::SeqCst);
        let delay = counts.page_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay as u64));
        }
        page_of(&target, events, page)
    } else {
        json!({"errorCode": "NOT_FOUND", "message": target})
    };
    let body = body.to_string();
    let status = if body.contains("NOT_FOUND") {
        "404 Not Found"
    } else {
        "200 OK"
    };
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = tls.write_all(head.as_bytes());
    let _ = tls.write_all(body.as_bytes());
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

fn page_of(target: &str, events: usize, page: usize) -> Value {
    let query: BTreeMap<String, String> = target
        .split_once('?')
        .map(|(_, q)| docusign_host::replay::form::decode(q.as_bytes()).unwrap_or_default())
        .unwrap_or_default();
    let at: usize = query
        .get("cursor")
        .and_then(|c| c.strip_prefix('c'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(page);
    let end = (at + limit.min(page)).min(events);
    let data: Vec<Value> = if at >= events {
        Vec::new()
    } else {
        (at.saturating_sub(1)..end)
            .map(|i| {
                json!({"eventId": event_id(i), "timestamp": format!("2025-05-02T15:{:02}:{:02}Z", (i / 60) % 60, i % 60),
                       "object": "User", "action": "Login", "property": format!("seq {i}")})
            })
            .collect()
    };
    json!({"endCursor": format!("c{end}"), "data": data})
}

//! A small Connect listener (`docusign-host serve-connect`): HTTP/1.1 on a loopback address; each
//! `POST` is checked by the connector (`verify-connect-message`), a new event is appended to a
//! JSON-lines file and fsynced before DocuSign gets its `200`, and a repeated one (DocuSign
//! retries and republishes: the same `event_id`) is acknowledged and not appended again, also
//! across restarts. For tests and small setups: DocuSign publishes only to HTTPS, so put a
//! TLS-terminating proxy in front of it.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::capabilities::Capabilities;
use crate::engine::ConnectorHost;
use crate::http1::{header, read_head, respond};
use crate::json_api::webhooks::{ConnectEventOutput, ConnectMessage};
use crate::json_api::{self, ErrorOutput};

/// Largest message accepted (Connect messages with documents can exceed 25 MB).
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;
/// How long a client may take to send a request.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the listener could not start or keep its file.
#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    /// Only loopback addresses are served.
    #[error("{0} is not a loopback address: serve-connect listens on 127.0.0.1 or [::1] only")]
    NotLoopback(SocketAddr),
    /// The address could not be bound.
    #[error("listening on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The events file could not be read or written.
    #[error("events file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// What a listener did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Served {
    /// New events written to the file.
    pub appended: u64,
    /// Events already in the file, acknowledged again.
    pub duplicates: u64,
    /// Messages refused (signature, content, or a bad request).
    pub refused: u64,
}

/// One handled request, for the caller's progress lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new event, written.
    Appended(String),
    /// An event already written.
    Duplicate(String),
    /// Refused with this HTTP status and reason.
    Refused(u16, String),
}

/// The events file: one verified event per line, the ids of those already written.
struct EventFile {
    path: PathBuf,
    file: File,
    seen: HashSet<String>,
}

impl EventFile {
    /// Open (or create) `path`; a last line cut short by a crash is removed.
    fn open(path: &Path) -> io::Result<Self> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        let mut text = Vec::new();
        file.read_to_end(&mut text)?;
        let whole = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        if whole < text.len() {
            file.set_len(whole as u64)?;
            file.sync_data()?;
        }
        file.seek(SeekFrom::End(0))?;
        let seen = text[..whole]
            .split(|b| *b == b'\n')
            .filter_map(|line| serde_json::from_slice::<Value>(line).ok())
            .filter_map(|v| v["event_id"].as_str().map(str::to_owned))
            .collect();
        Ok(Self {
            path: path.to_owned(),
            file,
            seen,
        })
    }

    /// Write `event` unless its id is already there; whether it was written.
    fn append(&mut self, event: &ConnectEventOutput) -> io::Result<bool> {
        if self.seen.contains(&event.event_id) {
            return Ok(false);
        }
        let mut line = serde_json::to_vec(event).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()?;
        self.seen.insert(event.event_id.clone());
        Ok(true)
    }
}

/// A bound listener.
pub struct ConnectListener {
    listener: TcpListener,
    host: Arc<ConnectorHost>,
    caps: Capabilities,
    hmac_keys: Vec<String>,
    events: EventFile,
}

impl ConnectListener {
    /// Listen on loopback `addr`, checking messages against `hmac_keys`, writing to `out`.
    pub fn bind(
        addr: SocketAddr,
        host: Arc<ConnectorHost>,
        caps: Capabilities,
        hmac_keys: Vec<String>,
        out: &Path,
    ) -> Result<Self, ListenerError> {
        if !addr.ip().is_loopback() {
            return Err(ListenerError::NotLoopback(addr));
        }
        let events = EventFile::open(out).map_err(|source| ListenerError::File {
            path: out.to_owned(),
            source,
        })?;
        let listener =
            TcpListener::bind(addr).map_err(|source| ListenerError::Bind { addr, source })?;
        Ok(Self {
            listener,
            host,
            caps,
            hmac_keys,
            events,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve requests one connection at a time until `stop_after` events were acknowledged
    /// (appended or duplicates; forever with `None`); `progress` hears of every request.
    pub fn serve(
        mut self,
        stop_after: Option<u64>,
        mut progress: impl FnMut(&Outcome),
    ) -> Result<Served, ListenerError> {
        let mut served = Served::default();
        while stop_after.is_none_or(|n| served.appended + served.duplicates < n) {
            let Ok((stream, _)) = self.listener.accept() else {
                continue;
            };
            // A broken connection ends that connection only; a failed write of the events file
            // stops the listener (the message was not acknowledged: DocuSign will resend it).
            self.connection(stream, &mut served, &mut progress, stop_after)?;
        }
        Ok(served)
    }

    fn connection(
        &mut self,
        mut stream: TcpStream,
        served: &mut Served,
        progress: &mut impl FnMut(&Outcome),
        stop_after: Option<u64>,
    ) -> Result<(), ListenerError> {
        let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
        let mut buf = Vec::new();
        loop {
            let Ok(Some(head)) = read_head(&mut stream, std::mem::take(&mut buf)) else {
                return Ok(());
            };
            let (status, body, outcome) = match self.request(&mut stream, &head, &mut buf) {
                Ok(answer) => answer,
                Err(source) => {
                    return Err(ListenerError::File {
                        path: self.events.path.clone(),
                        source,
                    });
                }
            };
            match &outcome {
                Outcome::Appended(_) => served.appended += 1,
                Outcome::Duplicate(_) => served.duplicates += 1,
                Outcome::Refused(..) => served.refused += 1,
            }
            progress(&outcome);
            let json_type = [("content-type".to_owned(), "application/json".to_owned())];
            let body = serde_json::to_vec(&body).unwrap_or_default();
            let done = stop_after.is_some_and(|n| served.appended + served.duplicates >= n);
            let keep_alive = head.keep_alive && !done;
            if respond(&mut stream, status, &json_type, &body, keep_alive).is_err() || !keep_alive {
                return Ok(());
            }
        }
    }

    /// Answer one request; `Err` only when the events file failed.
    fn request(
        &mut self,
        stream: &mut TcpStream,
        head: &crate::http1::Head,
        rest: &mut Vec<u8>,
    ) -> io::Result<(u16, Value, Outcome)> {
        let refuse = |status: u16, message: String| {
            let body = json!({"error": {"kind": "request", "message": message}});
            Ok((status, body, Outcome::Refused(status, message)))
        };
        if head.method != "POST" {
            return refuse(405, format!("{} is not POST", head.method));
        }
        let Some(length) =
            header(&head.headers, "content-length").and_then(|v| v.trim().parse::<usize>().ok())
        else {
            return refuse(411, "a Content-Length is required".to_owned());
        };
        if length > MAX_MESSAGE_BYTES {
            return refuse(413, format!("{length} bytes is over {MAX_MESSAGE_BYTES}"));
        }
        let mut body = head.rest.clone();
        if body.len() > length {
            *rest = body.split_off(length);
        }
        let missing = length - body.len();
        let start = body.len();
        body.resize(length, 0);
        if missing > 0 && stream.read_exact(&mut body[start..]).is_err() {
            return refuse(400, "the body ended early".to_owned());
        }
        let message = ConnectMessage {
            headers: head.headers.clone(),
            body,
            hmac_keys: self.hmac_keys.clone(),
        };
        let error = match json_api::verify_connect(&self.host, &self.caps, &message) {
            Ok(event) => {
                let id = event.event_id.clone();
                return Ok(if self.events.append(&event)? {
                    (
                        200,
                        json!({"accepted": "appended", "event_id": id}),
                        Outcome::Appended(id),
                    )
                } else {
                    (
                        200,
                        json!({"accepted": "duplicate", "event_id": id}),
                        Outcome::Duplicate(id),
                    )
                });
            }
            Err(e) => e.error,
        };
        let status = match error {
            ErrorOutput::Signature { .. } => 401,
            ErrorOutput::InvalidMessage { .. } => 400,
            // The guest was stopped: DocuSign will retry.
            _ => 500,
        };
        let value = serde_json::to_value(&error).unwrap_or(Value::Null);
        let reason = value["message"].as_str().unwrap_or("").to_owned();
        Ok((
            status,
            json!({ "error": value }),
            Outcome::Refused(status, reason),
        ))
    }
}

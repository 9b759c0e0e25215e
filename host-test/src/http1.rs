//! The HTTP/1.1 the loopback servers speak (the replay server, the Connect listener): request
//! heads parsed with `httparse`, replies written with a `Content-Length`.

use std::io::{self, Read, Write};

/// Largest request head accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The parsed head of a request.
pub(crate) struct Head {
    /// HTTP/1.1 without `Connection: close`.
    pub(crate) keep_alive: bool,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    /// Bytes of the body already read with the head.
    pub(crate) rest: Vec<u8>,
}

/// Read a request head, starting from `buf` (bytes already received); `None` when the client
/// closed the connection before a new request.
pub(crate) fn read_head(io: &mut impl Read, mut buf: Vec<u8>) -> io::Result<Option<Head>> {
    let mut chunk = [0u8; 8192];
    loop {
        if buf.is_empty() || parse_head(&buf)?.is_none() {
            let n = io.read(&mut chunk)?;
            if n == 0 {
                return if buf.is_empty() {
                    Ok(None)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        if let Some(head) = parse_head(&buf)? {
            return Ok(Some(head));
        }
        if buf.len() >= MAX_HEAD_BYTES {
            return Err(io::Error::other("request head too large"));
        }
    }
}

/// The head in `buf` if it is complete.
fn parse_head(buf: &[u8]) -> io::Result<Option<Head>> {
    {
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut fields);
        match parsed.parse(buf) {
            Ok(httparse::Status::Complete(len)) => {
                let headers: Vec<(String, String)> = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                let close = header(&headers, "connection")
                    .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
                Ok(Some(Head {
                    keep_alive: parsed.version == Some(1) && !close,
                    method: parsed.method.unwrap_or("").to_owned(),
                    path: parsed.path.unwrap_or("/").to_owned(),
                    headers,
                    rest: buf[len..].to_vec(),
                }))
            }
            Ok(httparse::Status::Partial) => Ok(None),
            Err(e) => Err(io::Error::other(format!("bad request: {e}"))),
        }
    }
}

pub(crate) fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// Write a reply with `Content-Length` and the connection header `keep_alive` asks for.
pub(crate) fn respond(
    io: &mut impl Write,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    keep_alive: bool,
) -> io::Result<()> {
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str(if keep_alive {
        "connection: keep-alive\r\n\r\n"
    } else {
        "connection: close\r\n\r\n"
    });
    io.write_all(head.as_bytes())?;
    // A client may hang up after the head (a size it refuses): not an error of the server.
    match io.write_all(body).and_then(|()| io.flush()) {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
            ) =>
        {
            Ok(())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("127.0.0.1:8443"));
        assert!(is_loopback("localhost"));
        assert!(is_loopback("[::1]:1"));
        assert!(!is_loopback("account-d.docusign.com"));
        assert!(!is_loopback("127.0.0.1.evil.example"));
    }
}

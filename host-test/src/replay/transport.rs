//! Replays a [`Cassette`] as the connector's [`Transport`]: strictly in order; a request that does
//! not match, one more than recorded, or an interaction never used fails [`CassetteTransport::finish`].

use std::path::Path;
use std::sync::Mutex;

use super::cassette::CassetteError;
use super::format::{Body, Cassette, HeaderValue, Outcome, RecordedResponse};
use super::matcher::request_mismatch;
use crate::bindings::{Request, Response, TransportError};
use crate::capabilities::Transport;

/// The replay did not follow its cassette.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{cassette}: {}", problems.join("; "))]
pub struct ReplayMismatch {
    /// The cassette's name.
    pub cassette: String,
    /// Every request that did not match, and every interaction never requested.
    pub problems: Vec<String>,
}

/// The reply a recorded response stands for.
fn response_of(recorded: &RecordedResponse, cassette: &Cassette) -> Result<Response, String> {
    let mut headers = Vec::new();
    for (name, value) in &recorded.headers {
        match value {
            HeaderValue::One(v) => headers.push((name.to_ascii_lowercase(), v.clone())),
            HeaderValue::Many(vs) => {
                headers.extend(vs.iter().map(|v| (name.to_ascii_lowercase(), v.clone())))
            }
        }
    }
    let body = match &recorded.body {
        Some(b) => {
            if matches!(b, Body::Json(_)) && !headers.iter().any(|(k, _)| k == "content-type") {
                headers.push((
                    "content-type".to_owned(),
                    "application/json; charset=utf-8".to_owned(),
                ));
            }
            cassette.body_bytes(b).map_err(|e| e.to_string())?
        }
        None => Vec::new(),
    };
    Ok(Response {
        status: recorded.status,
        headers,
        body,
    })
}

#[derive(Debug, Default)]
struct Progress {
    next: usize,
    failures: Vec<String>,
    received: Vec<Request>,
}

/// Replays a [`Cassette`] as the connector's [`Transport`].
#[derive(Debug)]
pub struct CassetteTransport {
    cassette: Cassette,
    replay: Mutex<Progress>,
}

impl CassetteTransport {
    /// Replay `cassette` from its first interaction.
    pub fn new(cassette: Cassette) -> Self {
        Self {
            cassette,
            replay: Mutex::new(Progress::default()),
        }
    }

    /// Load and replay the cassette at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CassetteError> {
        Ok(Self::new(Cassette::load(path)?))
    }

    /// The cassette.
    pub fn cassette(&self) -> &Cassette {
        &self.cassette
    }

    fn replay(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.replay
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Requests received so far (they may hold secrets: for assertions only, never print them).
    pub fn received(&self) -> Vec<Request> {
        self.replay().received.clone()
    }

    /// Token grants (`POST …/oauth/token`) received so far.
    pub fn token_requests(&self) -> usize {
        let replay = self.replay();
        replay
            .received
            .iter()
            .filter(|r| r.url.ends_with("/oauth/token"))
            .count()
    }

    /// Number of interactions used so far.
    pub fn used(&self) -> usize {
        self.replay().next
    }

    /// True once a request failed to match (or came after the last interaction).
    pub fn has_failures(&self) -> bool {
        !self.replay().failures.is_empty()
    }

    /// Delay of the next interaction, if it has one.
    pub fn next_delay_ms(&self) -> Option<u64> {
        let next = self.replay().next;
        self.cassette
            .interactions
            .get(next)
            .and_then(|i| i.delay_ms)
    }

    /// URL the next interaction expects, if any.
    pub fn next_expected_url(&self) -> Option<String> {
        let next = self.replay().next;
        self.cassette
            .interactions
            .get(next)
            .map(|i| i.request.url.clone())
    }

    /// Ok when every interaction was used and every request matched.
    pub fn finish(&self) -> Result<(), ReplayMismatch> {
        let replay = self.replay();
        let mut problems = replay.failures.clone();
        for (i, it) in self
            .cassette
            .interactions
            .iter()
            .enumerate()
            .skip(replay.next)
        {
            problems.push(format!(
                "interaction #{} ({} {}) was never requested",
                i + 1,
                it.request.method,
                it.request.url
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ReplayMismatch {
                cassette: self
                    .cassette
                    .name
                    .clone()
                    .unwrap_or_else(|| "cassette".to_owned()),
                problems,
            })
        }
    }
}

impl Transport for CassetteTransport {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let mut replay = self.replay();
        replay.received.push(request.clone());
        let index = replay.next;
        let Some(interaction) = self.cassette.interactions.get(index) else {
            let msg = format!(
                "unexpected request #{} {} {}: the cassette has only {} interactions",
                index + 1,
                request.method,
                request.url,
                self.cassette.interactions.len()
            );
            replay.failures.push(msg.clone());
            return Err(TransportError::Other(format!("cassette: {msg}")));
        };
        replay.next += 1;
        if let Some(diff) = request_mismatch(&interaction.request, request, &self.cassette) {
            let msg = format!(
                "request #{} {} {} does not match interaction #{}: {diff}",
                index + 1,
                request.method,
                request.url,
                index + 1
            );
            replay.failures.push(msg.clone());
            return Err(TransportError::Other(format!("cassette: {msg}")));
        }
        if let (Some(delay), Some(timeout)) = (interaction.delay_ms, request.timeout_ms)
            && delay > u64::from(timeout)
        {
            return Err(TransportError::Timeout(format!(
                "no reply within {timeout} ms"
            )));
        }
        match &interaction.outcome {
            Outcome::Response(r) => response_of(r, &self.cassette).map_err(TransportError::Other),
            Outcome::Error(e) => Err(e.clone().into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::Method;
    use crate::replay::matcher::tests::request;
    use serde_json::json;

    #[test]
    fn replays_in_order_and_reports_problems() {
        let cassette = Cassette::parse(
            &json!({
                "name": "t",
                "interactions": [
                    {"request": {"method": "POST", "url": "https://h/oauth/token",
                                 "headers": {"content-type": "application/x-www-form-urlencoded"},
                                 "body": {"form": {"grant_type": "g", "assertion": "<jwt>"}}},
                     "response": {"status": 200, "body": {"json": {"access_token": "t"}}}},
                    {"request": {"method": "GET", "url": "https://h/x"},
                     "error": {"kind": "timeout", "message": "slow"}},
                    {"request": {"method": "GET", "url": "https://h/never"},
                     "response": {"status": 204}}
                ]
            })
            .to_string(),
            ".",
        )
        .unwrap();
        let t = CassetteTransport::new(cassette);
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln";
        let resp = t
            .send(&request(
                Method::Post,
                "https://h/oauth/token",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                format!("grant_type=g&assertion={jwt}").as_bytes(),
            ))
            .unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body, br#"{"access_token":"t"}"#);
        assert!(
            resp.headers
                .iter()
                .any(|(k, v)| k == "content-type" && v.starts_with("application/json"))
        );
        assert!(
            matches!(t.send(&request(Method::Get, "https://h/x", &[], b"")), Err(TransportError::Timeout(m)) if m == "slow")
        );
        let err = t.finish().unwrap_err().to_string();
        assert!(
            err.contains("interaction #3 (GET https://h/never) was never requested"),
            "{err}"
        );
        // A mismatch is reported (and fails the replay), an extra request too.
        let e = t
            .send(&request(Method::Get, "https://h/other", &[], b""))
            .unwrap_err();
        assert!(
            matches!(&e, TransportError::Other(m) if m.contains("url: expected https://h/never")),
            "{e:?}"
        );
        assert!(
            t.send(&request(Method::Get, "https://h/x", &[], b""))
                .is_err()
        );
        let err = t.finish().unwrap_err().to_string();
        assert!(
            err.contains("does not match") && err.contains("only 3 interactions"),
            "{err}"
        );
    }
}

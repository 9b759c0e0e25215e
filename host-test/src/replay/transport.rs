//! Replays a [`Cassette`] as the connector's [`Transport`]: strictly in order; a request that does
//! not match, one more than recorded, or an interaction never used fails [`CassetteTransport::finish`].
//! Only where a test opts in ([`CassetteTransport::allow_repeated_gets`]) may a GET already
//! answered be asked again (a step re-run at least once after a failover).

use std::path::Path;
use std::sync::Mutex;

use super::cassette::CassetteError;
use super::format::{Body, Cassette, HeaderValue, Outcome, RecordedResponse};
use super::matcher::request_mismatch;
use crate::bindings::{Method, Request, Response, TransportError};
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
    allow_repeated_gets: bool,
    repeats: Vec<String>,
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

    /// From now on, answer a GET that does not match the next interaction with the latest
    /// interaction already used that it matches (a step that ran again); POSTs and every other
    /// method stay strict, and [`Self::finish`] still needs every interaction used.
    pub fn allow_repeated_gets(&self) {
        self.replay().allow_repeated_gets = true;
    }

    /// The repeated GETs answered so far (interaction and its recorded URL, in order).
    pub fn repeats(&self) -> Vec<String> {
        self.replay().repeats.clone()
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

    /// URL the next interaction expects, or once all are used the last one's (a loopback request
    /// takes its origin from it); `None` for an empty cassette.
    pub fn next_expected_url(&self) -> Option<String> {
        let next = self.replay().next;
        let interactions = &self.cassette.interactions;
        interactions
            .get(next)
            .or(interactions.last())
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

impl CassetteTransport {
    /// The latest interaction already used that `request` repeats, where repeats are allowed.
    fn repeated(&self, replay: &Progress, request: &Request) -> Option<usize> {
        if !replay.allow_repeated_gets || request.method != Method::Get {
            return None;
        }
        (0..replay.next).rev().find(|&i| {
            request_mismatch(
                &self.cassette.interactions[i].request,
                request,
                &self.cassette,
            )
            .is_none()
        })
    }

    /// The reply `interaction` `index` stands for (after its request matched).
    fn answer(&self, index: usize, request: &Request) -> Result<Response, TransportError> {
        let interaction = &self.cassette.interactions[index];
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

impl Transport for CassetteTransport {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let mut replay = self.replay();
        replay.received.push(request.clone());
        let index = replay.next;
        let problem = match self.cassette.interactions.get(index) {
            None => format!(
                "unexpected request #{} {} {}: the cassette has only {} interactions",
                index + 1,
                request.method,
                request.url,
                self.cassette.interactions.len()
            ),
            Some(interaction) => {
                match request_mismatch(&interaction.request, request, &self.cassette) {
                    None => {
                        replay.next += 1;
                        drop(replay);
                        return self.answer(index, request);
                    }
                    Some(diff) => format!(
                        "request #{} {} {} does not match interaction #{}: {diff}",
                        index + 1,
                        request.method,
                        request.url,
                        index + 1
                    ),
                }
            }
        };
        // Not the next interaction: a step asking again, where allowed, else a failure (which
        // uses up the interaction it missed).
        if let Some(earlier) = self.repeated(&replay, request) {
            let recorded = &self.cassette.interactions[earlier].request.url;
            let repeat = format!("interaction #{} {recorded}", earlier + 1);
            replay.repeats.push(repeat);
            drop(replay);
            return self.answer(earlier, request);
        }
        replay.next = (index + 1).min(self.cassette.interactions.len());
        replay.failures.push(problem.clone());
        Err(TransportError::Other(format!("cassette: {problem}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    fn two_gets_and_a_post() -> CassetteTransport {
        let get = |url: &str, n: u64| {
            json!({"request": {"method": "GET", "url": url},
                   "response": {"status": 200, "body": {"json": {"n": n}}}})
        };
        let cassette = Cassette::parse(
            &json!({"interactions": [
                get("https://h/status", 1),
                get("https://h/status", 2),
                get("https://h/docs", 3),
                {"request": {"method": "POST", "url": "https://h/create"},
                 "response": {"status": 201}}
            ]})
            .to_string(),
            ".",
        )
        .unwrap();
        CassetteTransport::new(cassette)
    }

    fn body_of(t: &CassetteTransport, method: Method, url: &str) -> Result<String, String> {
        t.send(&request(method, url, &[], b""))
            .map(|r| String::from_utf8(r.body).unwrap())
            .map_err(|e| format!("{e:?}"))
    }

    /// Each GET of [`two_gets_and_a_post`] once, in order.
    fn the_three_gets(t: &CassetteTransport) {
        for url in ["https://h/status", "https://h/status", "https://h/docs"] {
            body_of(t, Method::Get, url).unwrap();
        }
    }

    #[test]
    fn a_repeated_get_fails_unless_allowed() {
        let t = two_gets_and_a_post();
        the_three_gets(&t);
        assert!(body_of(&t, Method::Get, "https://h/docs").is_err());
        assert!(t.repeats().is_empty());
        assert!(
            t.finish()
                .unwrap_err()
                .to_string()
                .contains("does not match")
        );
    }

    #[test]
    fn an_allowed_repeat_answers_the_latest_matching_get_and_stays_strict_otherwise() {
        let t = two_gets_and_a_post();
        t.allow_repeated_gets();
        // The next interaction is served in order while it matches, even when an earlier one
        // does; asked again before the next one, the latest answer it matches, no failure.
        for (url, body) in [
            ("https://h/status", r#"{"n":1}"#),
            ("https://h/status", r#"{"n":2}"#),
            ("https://h/status", r#"{"n":2}"#),
            ("https://h/docs", r#"{"n":3}"#),
            ("https://h/docs", r#"{"n":3}"#),
        ] {
            assert_eq!(body_of(&t, Method::Get, url).unwrap(), body, "{url}");
        }
        assert_eq!(t.used(), 3);
        assert_eq!(
            t.repeats(),
            [
                "interaction #2 https://h/status",
                "interaction #3 https://h/docs"
            ]
        );
        // An interaction never used still fails the replay.
        assert!(
            t.finish()
                .unwrap_err()
                .to_string()
                .contains("#4 (POST https://h/create) was never requested")
        );
        // A GET never recorded, and a repeated POST, are failures as before.
        assert!(body_of(&t, Method::Get, "https://h/other").is_err());
        let t = two_gets_and_a_post();
        t.allow_repeated_gets();
        the_three_gets(&t);
        body_of(&t, Method::Post, "https://h/create").unwrap();
        t.finish().expect("every interaction used, repeats allowed");
        assert!(body_of(&t, Method::Post, "https://h/create").is_err());
        assert!(
            t.finish()
                .unwrap_err()
                .to_string()
                .contains("only 4 interactions")
        );
    }
}

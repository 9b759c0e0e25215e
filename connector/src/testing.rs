//! A scripted in-memory [`Host`] for native unit tests.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};

use crate::auth::token::{AccessToken, TokenCache};
use crate::auth::userinfo::{Account, UserInfo};
use crate::config::Config;
use crate::error::TransportError;
use crate::host::{Host, Level, StateEntry, StateFailure};
use crate::request::{HttpRequest, HttpResponse, Method};

/// The account of [`FakeHost::with_session`].
pub const ACCOUNT_ID: &str = "a4ec37d6-1c2b-4c3d-9e4f-143885c220e1";
/// Its eSignature base URL.
pub const ACCOUNT_BASE: &str =
    "https://demo.docusign.net/restapi/v2.1/accounts/a4ec37d6-1c2b-4c3d-9e4f-143885c220e1";

/// One scripted exchange: the expected method and URL, and the reply.
pub struct Exchange {
    method: Method,
    url: String,
    reply: Result<HttpResponse, TransportError>,
}

/// Records requests, answers from a script, keeps state in memory, and has a manual clock.
pub struct FakeHost {
    script: RefCell<VecDeque<Exchange>>,
    /// Requests received, in order.
    pub requests: RefCell<Vec<HttpRequest>>,
    /// State store contents.
    pub state: RefCell<HashMap<String, String>>,
    /// Versions of the keys written through the `Host` trait (absent: version 0).
    pub versions: RefCell<HashMap<String, u64>>,
    /// Leases taken and not released.
    pub leases: RefCell<Vec<String>>,
    /// Log lines.
    pub logs: RefCell<Vec<(Level, String)>>,
    /// Clock (ms since epoch).
    pub now: Cell<u64>,
    /// Answer every request with this reply instead of following the script (fuzzing).
    pub always: RefCell<Option<HttpResponse>>,
}

impl Default for FakeHost {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeHost {
    /// An empty host at 2025-05-02T15:40:00Z.
    pub fn new() -> Self {
        Self {
            script: RefCell::new(VecDeque::new()),
            requests: RefCell::new(Vec::new()),
            state: RefCell::new(HashMap::new()),
            versions: RefCell::new(HashMap::new()),
            leases: RefCell::new(Vec::new()),
            logs: RefCell::new(Vec::new()),
            now: Cell::new(1_746_200_400_000),
            always: RefCell::new(None),
        }
    }

    /// A host answering every request with `reply`, whatever it asks (fuzzing).
    pub fn answering(reply: HttpResponse) -> Self {
        let host = Self::new();
        *host.always.borrow_mut() = Some(reply);
        host
    }

    /// An empty host whose state already holds a fresh token (every scope the connector asks
    /// for) and userinfo with one account, `ACCOUNT_ID` on `demo.docusign.net`: requests go
    /// straight to the API.
    pub fn with_session(config: &Config) -> Self {
        let host = Self::new();
        host.seed_session(config);
        host
    }

    /// Put a fresh token and userinfo for `config` into the state (see [`Self::with_session`]).
    pub fn seed_session(&self, config: &Config) {
        let keys = config.state_keys();
        let now = self.now.get();
        let cache = TokenCache {
            tokens: vec![AccessToken {
                access_token: "fake-token".into(),
                expires_at_ms: now + 3_600_000,
                scopes: ["signature", "impersonation", "user_read"]
                    .map(String::from)
                    .to_vec(),
                reused: false,
            }],
        };
        let info = UserInfo {
            sub: config.user_id.clone(),
            name: "Fake User".into(),
            email: "fake@example.com".into(),
            accounts: vec![Account {
                account_id: ACCOUNT_ID.into(),
                account_name: "Fake".into(),
                base_uri: "https://demo.docusign.net".into(),
                is_default: true,
                organization_id: None,
            }],
            fetched_at_ms: now,
        };
        let mut state = self.state.borrow_mut();
        state.insert(
            keys.tokens,
            serde_json::to_string(&cache).unwrap_or_default(),
        );
        state.insert(
            keys.userinfo,
            serde_json::to_string(&info).unwrap_or_default(),
        );
    }

    /// Expect `method url` next and answer with `status` and a JSON `body`.
    pub fn expect(&self, method: Method, url: &str, status: u16, body: &str) -> &Self {
        self.expect_reply(
            method,
            url,
            Ok(HttpResponse {
                status,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.as_bytes().to_vec(),
            }),
        )
    }

    /// Expect `method url` next and answer with `reply`.
    pub fn expect_reply(
        &self,
        method: Method,
        url: &str,
        reply: Result<HttpResponse, TransportError>,
    ) -> &Self {
        self.script.borrow_mut().push_back(Exchange {
            method,
            url: url.to_owned(),
            reply,
        });
        self
    }

    /// Panics unless every scripted exchange was used.
    pub fn assert_done(&self) {
        let left: Vec<String> = self
            .script
            .borrow()
            .iter()
            .map(|e| format!("{:?} {}", e.method, e.url))
            .collect();
        assert!(left.is_empty(), "unused exchanges: {left:?}");
    }

    /// Log lines containing `needle`.
    pub fn logs_containing(&self, needle: &str) -> Vec<String> {
        self.logs
            .borrow()
            .iter()
            .filter(|(_, l)| l.contains(needle))
            .map(|(_, l)| l.clone())
            .collect()
    }

    /// The `n`th request received.
    pub fn request(&self, n: usize) -> HttpRequest {
        self.requests.borrow()[n].clone()
    }
}

impl Host for FakeHost {
    fn send(&self, request: &mut HttpRequest) -> Result<HttpResponse, TransportError> {
        if let Some(reply) = self.always.borrow().clone() {
            return Ok(reply);
        }
        // Record what would go on the wire: an assembled body, as the host would send it.
        let mut recorded = request.clone();
        if !recorded.body_parts.is_empty() {
            recorded.body = recorded.assembled_body();
            recorded.body_parts.clear();
        }
        self.requests.borrow_mut().push(recorded);
        let next = self.script.borrow_mut().pop_front();
        let Some(exchange) = next else {
            panic!("unexpected request {:?} {}", request.method, request.url);
        };
        assert_eq!(
            (exchange.method, exchange.url.as_str()),
            (request.method, request.url.as_str())
        );
        exchange.reply
    }

    fn now_ms(&self) -> u64 {
        self.now.get()
    }

    fn sleep_ms(&self, ms: u32) {
        self.now.set(self.now.get() + u64::from(ms));
    }

    fn state_get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(self.state.borrow().get(key).cloned())
    }

    fn state_get_entry(&self, key: &str) -> Result<Option<StateEntry>, StateFailure> {
        let value = self.state.borrow().get(key).cloned();
        Ok(value.map(|value| StateEntry {
            value,
            version: self.versions.borrow().get(key).copied().unwrap_or(0),
        }))
    }

    fn state_set(&self, key: &str, value: &str) -> Result<(), String> {
        self.state
            .borrow_mut()
            .insert(key.to_owned(), value.to_owned());
        *self
            .versions
            .borrow_mut()
            .entry(key.to_owned())
            .or_insert(0) += 1;
        Ok(())
    }

    fn state_set_if(
        &self,
        key: &str,
        value: &str,
        expected: Option<u64>,
    ) -> Result<u64, StateFailure> {
        let current = self
            .state_get_entry(key)
            .map(|e| e.map(|e| e.version))
            .unwrap_or(None);
        if current != expected {
            return Err(StateFailure::Conflict(current));
        }
        let _ = self.state_set(key, value);
        Ok(self.versions.borrow()[key])
    }

    fn state_delete(&self, key: &str) -> Result<bool, String> {
        Ok(self.state.borrow_mut().remove(key).is_some())
    }

    fn lease(&self, key: &str, _ttl_ms: u32, _wait_ms: u32) -> Result<bool, String> {
        self.leases.borrow_mut().push(key.to_owned());
        Ok(true)
    }

    fn renew(&self, key: &str, _ttl_ms: u32) -> Result<bool, String> {
        Ok(self.leases.borrow().iter().any(|k| k == key))
    }

    fn release(&self, key: &str) {
        self.leases.borrow_mut().retain(|k| k != key);
    }

    fn log(&self, level: Level, message: &str) {
        self.logs.borrow_mut().push((level, message.to_owned()));
    }
}

//! Authentication: PEM, JWT, token grant and cache, userinfo and account, consent URLs.
//!
//! [`Session`] is what operations use: it finds or obtains a token for the scopes the operation
//! needs, sends requests with it, renews it once when DocuSign answers 401, and resolves the
//! account (and its data-center base URI) to act in.

pub mod commands;
pub mod consent;
pub mod jwt;
pub mod scopes;
pub mod token;
pub mod userinfo;

use std::cell::RefCell;

use crate::api_errors::api_error;
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::http;
use crate::request::{HttpRequest, HttpResponse, Method};
use crate::state_keys::StateKeys;
use token::{AccessToken, TokenCache};
use userinfo::{Account, UserInfo};

/// How long to wait for another invocation that is already requesting a token.
const GRANT_LOCK_WAIT_MS: u32 = 30_000;
/// Lifetime of the grant and userinfo leases: longer than a token request with its retries
/// takes in practice, short enough that a holder that died delays the others by at most this.
pub const LEASE_TTL_MS: u32 = 60_000;
/// Cached userinfo is refreshed after this long.
const USERINFO_TTL_MS: u64 = 24 * 3600 * 1000;

/// An authenticated context for one operation.
pub struct Session<'a> {
    host: &'a dyn Host,
    config: &'a Config,
    scopes: Vec<String>,
    keys: StateKeys,
    token: RefCell<Option<AccessToken>>,
}

impl<'a> Session<'a> {
    /// A session asking for `required` scopes plus the configured extra ones.
    pub fn new(host: &'a dyn Host, config: &'a Config, required: &[&str]) -> Self {
        Self {
            host,
            config,
            scopes: scopes::combine(required, &config.extra_scopes),
            keys: config.state_keys(),
            token: RefCell::new(None),
        }
    }

    /// The host.
    pub fn host(&self) -> &'a dyn Host {
        self.host
    }

    /// The validated configuration.
    pub fn config(&self) -> &'a Config {
        self.config
    }

    /// The connection's state keys.
    pub fn keys(&self) -> &StateKeys {
        &self.keys
    }

    /// Scopes this session asks for.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// A usable token: this session's, a cached one, or a new grant.
    pub fn token(&self) -> Result<AccessToken> {
        if let Some(t) = self
            .token
            .borrow()
            .as_ref()
            .filter(|t| t.is_fresh(self.host.now_ms()))
        {
            return Ok(t.clone());
        }
        let token = self.cached_or_granted()?;
        *self.token.borrow_mut() = Some(token.clone());
        Ok(token)
    }

    fn cached_or_granted(&self) -> Result<AccessToken> {
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        // Serialize grants across concurrent invocations: one token request, not one per caller.
        let locked = self.take_lock(&self.keys.grant_lock);
        let outcome = (|| {
            if locked && let Some(t) = self.cached() {
                return Ok(t);
            }
            let token = token::grant(self.host, self.config, &self.scopes)?;
            self.update_cache(|cache, now| cache.insert(token.clone(), now));
            Ok(token)
        })();
        if locked {
            self.host.release(&self.keys.grant_lock);
        }
        outcome
    }

    fn cached(&self) -> Option<AccessToken> {
        let cache = self.read_cache()?;
        let mut token = cache.find(&self.scopes, self.host.now_ms())?;
        token.reused = true;
        self.host.log(Level::Debug, "using the cached access token");
        Some(token)
    }

    fn read_cache(&self) -> Option<TokenCache> {
        match self.host.state_get(&self.keys.tokens) {
            Ok(Some(text)) => match serde_json::from_str(&text) {
                Ok(cache) => Some(cache),
                Err(e) => {
                    self.host.log(
                        Level::Warn,
                        &format!("ignoring unreadable token cache: {e}"),
                    );
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                self.host
                    .log(Level::Warn, &format!("token cache unavailable: {e}"));
                None
            }
        }
    }

    fn update_cache(&self, change: impl FnOnce(&mut TokenCache, u64)) {
        let mut cache = self.read_cache().unwrap_or_default();
        change(&mut cache, self.host.now_ms());
        let written = serde_json::to_string(&cache)
            .map_err(|e| e.to_string())
            .and_then(|text| self.host.state_set(&self.keys.tokens, &text));
        if let Err(e) = written {
            self.host.log(
                Level::Warn,
                &format!("could not cache the access token: {e}"),
            );
        }
    }

    /// Forget `stale` (refused by DocuSign) and obtain a new token.
    pub fn renew(&self, stale: &AccessToken) -> Result<AccessToken> {
        self.host.log(
            Level::Info,
            "DocuSign refused the access token; requesting a new one",
        );
        self.update_cache(|cache, _| cache.remove(&stale.access_token));
        *self.token.borrow_mut() = None;
        self.token()
    }

    /// Send `request` with the bearer token; on 401, renew the token once and resend.
    pub fn send(&self, mut request: HttpRequest) -> Result<HttpResponse> {
        let token = self.token()?;
        request.set_bearer(&token.access_token);
        let resp = http::send(self.host, &mut request)?;
        if resp.status != 401 {
            return Ok(resp);
        }
        let token = self.renew(&token)?;
        request.set_bearer(&token.access_token);
        http::send(self.host, &mut request)
    }

    /// [`send`](Self::send), with any reply other than 2xx returned as the DocuSign API error
    /// it carries.
    pub fn send_expecting_success(&self, request: HttpRequest) -> Result<HttpResponse> {
        let resp = self.send(request)?;
        if !resp.is_success() {
            return Err(api_error(&resp, self.host.now_ms()));
        }
        Ok(resp)
    }

    /// Call `/oauth/userinfo` now and cache the result.
    pub fn fetch_user_info(&self) -> Result<UserInfo> {
        let request = HttpRequest::new(
            Method::Get,
            format!("https://{}/oauth/userinfo", self.config.auth_host),
        )
        .accept_json()
        .header("Cache-Control", "no-store");
        let resp = self.send(request)?;
        if resp.status == 401 {
            let body: serde_json::Value = serde_json::from_slice(&resp.body).unwrap_or_default();
            return Err(ConnectorError::AuthFailed {
                status: 401,
                error: body["error"].as_str().unwrap_or("unauthorized").to_owned(),
                error_description: body["error_description"].as_str().map(str::to_owned),
                hint: "userinfo refused a freshly granted token; reset the access token and check consent".to_owned(),
            });
        }
        if !resp.is_success() {
            return Err(api_error(&resp, self.host.now_ms()));
        }
        let info = userinfo::parse(
            self.host,
            &resp.body,
            resp.status,
            self.host.now_ms(),
            self.config.environment,
        )?;
        match serde_json::to_string(&info) {
            Ok(text) => {
                if let Err(e) = self.host.state_set(&self.keys.userinfo, &text) {
                    self.host
                        .log(Level::Warn, &format!("could not cache userinfo: {e}"));
                }
            }
            Err(e) => self
                .host
                .log(Level::Warn, &format!("could not cache userinfo: {e}")),
        }
        Ok(info)
    }

    fn cached_user_info(&self) -> Option<UserInfo> {
        let text = self.host.state_get(&self.keys.userinfo).ok()??;
        let info: UserInfo = serde_json::from_str(&text).ok()?;
        (self.host.now_ms().saturating_sub(info.fetched_at_ms) < USERINFO_TTL_MS).then_some(info)
    }

    /// The account to act in (configured, else the user's default), from cached userinfo when
    /// it has that account, else from a live `/oauth/userinfo` call (one for concurrent callers).
    pub fn account(&self) -> Result<Account> {
        let wanted = self.config.account_id.as_deref();
        let from_cache = || {
            self.cached_user_info()
                .and_then(|info| userinfo::select_account(&info, wanted).ok())
        };
        if let Some(account) = from_cache() {
            return Ok(account);
        }
        let locked = self.take_lock(&self.keys.userinfo_lock);
        let outcome = match from_cache().filter(|_| locked) {
            Some(account) => Ok(account),
            None => self
                .fetch_user_info()
                .and_then(|info| userinfo::select_account(&info, wanted)),
        };
        if locked {
            self.host.release(&self.keys.userinfo_lock);
        }
        outcome
    }

    /// Take the lease `key`, waiting for another invocation (of any process sharing the state)
    /// holding it; false (and a warning) when it could not be taken, in which case the caller
    /// goes on without it.
    fn take_lock(&self, key: &str) -> bool {
        match self.host.lease(key, LEASE_TTL_MS, GRANT_LOCK_WAIT_MS) {
            Ok(true) => true,
            Ok(false) => {
                self.host.log(
                    Level::Warn,
                    "another invocation held the lease for 30 s; going on without it",
                );
                false
            }
            Err(e) => {
                self.host.log(
                    Level::Warn,
                    &format!("state lease unavailable ({e}); going on without it"),
                );
                false
            }
        }
    }

    /// Remove the cached tokens and userinfo; true when a token was cached.
    pub fn reset(&self) -> Result<bool> {
        let removed = self
            .host
            .state_delete(&self.keys.tokens)
            .map_err(ConnectorError::State)?;
        self.host
            .state_delete(&self.keys.userinfo)
            .map_err(ConnectorError::State)?;
        *self.token.borrow_mut() = None;
        Ok(removed)
    }
}

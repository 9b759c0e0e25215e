//! The `state` import: the store of the invocation's capabilities, leases owned by the
//! invocation.

use std::time::{Duration, Instant};

use crate::StateStore;
use crate::bindings::docusign::connector::state::{Entry, Host, StateError as WitStateError};
use crate::host_state::HostState;
use crate::state_store::StateError;

/// Longest a guest may wait for a lease, whatever it asks.
const MAX_LEASE_WAIT_MS: u32 = 60_000;
/// Longest lease a guest may take (a dead holder blocks others at most this long).
const MAX_LEASE_TTL_MS: u32 = 300_000;

impl From<StateError> for WitStateError {
    fn from(e: StateError) -> Self {
        match e {
            StateError::Conflict { current, .. } => Self::Conflict(current),
            other => Self::Unavailable(other.to_string()),
        }
    }
}

impl Host for HostState {
    fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<String>, String>> {
        self.check_deadline()?;
        Ok(self.caps.state.get(&key).map_err(|e| e.to_string()))
    }

    fn get_entry(&mut self, key: String) -> wasmtime::Result<Result<Option<Entry>, WitStateError>> {
        self.check_deadline()?;
        Ok(self
            .caps
            .state
            .get_entry(&key)
            .map(|e| {
                e.map(|e| Entry {
                    value: e.value,
                    version: e.version,
                })
            })
            .map_err(Into::into))
    }

    fn set_if(
        &mut self,
        key: String,
        value: String,
        expected: Option<u64>,
    ) -> wasmtime::Result<Result<u64, WitStateError>> {
        self.check_deadline()?;
        Ok(self
            .caps
            .state
            .set_if(&key, &value, expected)
            .map_err(Into::into))
    }

    fn set(&mut self, key: String, value: String) -> wasmtime::Result<Result<(), String>> {
        self.check_deadline()?;
        Ok(self.caps.state.set(&key, &value).map_err(|e| e.to_string()))
    }

    fn delete(&mut self, key: String) -> wasmtime::Result<Result<bool, String>> {
        self.check_deadline()?;
        Ok(self.caps.state.delete(&key).map_err(|e| e.to_string()))
    }

    async fn lease(
        &mut self,
        key: String,
        ttl_ms: u32,
        wait_ms: u32,
    ) -> wasmtime::Result<Result<bool, String>> {
        self.check_deadline()?;
        let wait = wait_ms.min(MAX_LEASE_WAIT_MS).min(self.remaining_ms());
        let ttl = ttl_ms.min(MAX_LEASE_TTL_MS);
        let taken = if self.nonblocking {
            let store = self.caps.state.clone();
            lease_without_blocking(&*store, &key, self.invocation, ttl, wait).await
        } else {
            self.caps.state.lease(&key, self.invocation, ttl, wait)
        }
        .map_err(|e| e.to_string());
        if matches!(taken, Ok(true)) && !self.held_leases.contains(&key) {
            self.held_leases.push(key);
        }
        self.check_deadline()?;
        Ok(taken)
    }

    fn renew(&mut self, key: String, ttl_ms: u32) -> wasmtime::Result<Result<bool, String>> {
        self.check_deadline()?;
        Ok(self
            .caps
            .state
            .renew(&key, self.invocation, ttl_ms.min(MAX_LEASE_TTL_MS))
            .map_err(|e| e.to_string()))
    }

    fn release(&mut self, key: String) -> wasmtime::Result<()> {
        self.caps.state.release(&key, self.invocation);
        self.held_leases.retain(|k| *k != key);
        Ok(())
    }
}

/// How often the async path asks again for a lease another invocation holds.
const LEASE_POLL: Duration = Duration::from_millis(20);

/// Wait for a lease on the async path: ask without waiting, then suspend between attempts
/// (the store's own wait would hold the executor thread the holder needs to finish).
async fn lease_without_blocking(
    store: &dyn StateStore,
    key: &str,
    owner: u64,
    ttl_ms: u32,
    wait_ms: u32,
) -> Result<bool, StateError> {
    let until = Instant::now() + Duration::from_millis(u64::from(wait_ms));
    loop {
        if store.lease(key, owner, ttl_ms, 0)? {
            return Ok(true);
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        tokio::time::sleep(left.min(LEASE_POLL)).await;
    }
}

//! The `state` import: the store of the invocation's capabilities, locks owned by the invocation.

use crate::bindings::docusign::connector::state::Host;
use crate::host_state::HostState;

/// Longest a guest may wait for a lock, whatever it asks.
const MAX_LOCK_WAIT_MS: u32 = 60_000;

impl Host for HostState {
    fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<String>, String>> {
        self.check_deadline()?;
        Ok(self.caps.state.get(&key).map_err(|e| e.to_string()))
    }

    fn set(&mut self, key: String, value: String) -> wasmtime::Result<Result<(), String>> {
        self.check_deadline()?;
        Ok(self.caps.state.set(&key, &value).map_err(|e| e.to_string()))
    }

    fn delete(&mut self, key: String) -> wasmtime::Result<Result<bool, String>> {
        self.check_deadline()?;
        Ok(self.caps.state.delete(&key).map_err(|e| e.to_string()))
    }

    fn lock(&mut self, key: String, wait_ms: u32) -> wasmtime::Result<Result<bool, String>> {
        self.check_deadline()?;
        let wait = wait_ms.min(MAX_LOCK_WAIT_MS).min(self.remaining_ms());
        let taken = self
            .caps
            .state
            .lock(&key, self.invocation, wait)
            .map_err(|e| e.to_string());
        if matches!(taken, Ok(true)) && !self.held_locks.contains(&key) {
            self.held_locks.push(key);
        }
        self.check_deadline()?;
        Ok(taken)
    }

    fn unlock(&mut self, key: String) -> wasmtime::Result<()> {
        self.caps.state.unlock(&key, self.invocation);
        self.held_locks.retain(|k| *k != key);
        Ok(())
    }
}

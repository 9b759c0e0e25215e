use crate::bindings::docusign::connector::state::Host;
use crate::host_state::HostState;

/// Longest a guest may wait for a lock, whatever it asks.
const MAX_LOCK_WAIT_MS: u32 = 60_000;

impl Host for HostState {
    fn get(&mut self, key: String) -> Result<Option<String>, String> {
        self.caps.state.get(&key)
    }

    fn set(&mut self, key: String, value: String) -> Result<(), String> {
        self.caps.state.set(&key, &value)
    }

    fn delete(&mut self, key: String) -> Result<bool, String> {
        self.caps.state.delete(&key)
    }

    fn lock(&mut self, key: String, wait_ms: u32) -> Result<bool, String> {
        let left = self
            .deadline
            .saturating_duration_since(std::time::Instant::now());
        let wait = wait_ms
            .min(MAX_LOCK_WAIT_MS)
            .min(u32::try_from(left.as_millis()).unwrap_or(u32::MAX));
        let taken = self.caps.state.lock(&key, self.invocation, wait)?;
        if taken && !self.held_locks.contains(&key) {
            self.held_locks.push(key);
        }
        Ok(taken)
    }

    fn unlock(&mut self, key: String) {
        self.caps.state.unlock(&key, self.invocation);
        self.held_locks.retain(|k| *k != key);
    }
}

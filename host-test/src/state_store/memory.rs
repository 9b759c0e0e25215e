//! State kept in process memory.

use std::collections::HashMap;
use std::sync::Mutex;

use super::StateError;
use super::locks::{LockTable, guard};
use crate::capabilities::StateStore;

/// State kept in memory, shared by every invocation that holds the same `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStateStore {
    values: Mutex<HashMap<String, String>>,
    locks: LockTable,
}

impl MemoryStateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every key and value (for tests).
    pub fn snapshot(&self) -> HashMap<String, String> {
        guard(&self.values).clone()
    }
}

impl StateStore for MemoryStateStore {
    fn get(&self, key: &str) -> Result<Option<String>, StateError> {
        Ok(guard(&self.values).get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StateError> {
        guard(&self.values).insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<bool, StateError> {
        Ok(guard(&self.values).remove(key).is_some())
    }

    fn lock(&self, key: &str, owner: u64, wait_ms: u32) -> Result<bool, StateError> {
        Ok(self.locks.lock(key, owner, wait_ms))
    }

    fn unlock(&self, key: &str, owner: u64) {
        self.locks.unlock(key, owner);
    }
}

//! State kept in process memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::leases::{LeaseTable, guard};
use super::{Entry, StateError};
use crate::capabilities::StateStore;

/// State kept in memory, shared by every invocation that holds the same `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStateStore {
    values: Mutex<Values>,
    leases: LeaseTable,
}

#[derive(Debug, Default)]
struct Values {
    entries: HashMap<String, Entry>,
    /// Last version given out: versions never repeat, even after a delete.
    last_version: u64,
}

impl Values {
    fn write(&mut self, key: &str, value: &str) -> u64 {
        self.last_version += 1;
        let entry = Entry {
            value: value.to_owned(),
            version: self.last_version,
        };
        self.entries.insert(key.to_owned(), entry);
        self.last_version
    }
}

impl MemoryStateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every key and value (for tests).
    pub fn snapshot(&self) -> HashMap<String, String> {
        guard(&self.values)
            .entries
            .iter()
            .map(|(k, e)| (k.clone(), e.value.clone()))
            .collect()
    }
}

impl StateStore for MemoryStateStore {
    fn get_entry(&self, key: &str) -> Result<Option<Entry>, StateError> {
        Ok(guard(&self.values).entries.get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StateError> {
        guard(&self.values).write(key, value);
        Ok(())
    }

    fn set_if(&self, key: &str, value: &str, expected: Option<u64>) -> Result<u64, StateError> {
        let mut values = guard(&self.values);
        let current = values.entries.get(key).map(|e| e.version);
        if current != expected {
            return Err(StateError::Conflict {
                key: key.to_owned(),
                current,
            });
        }
        Ok(values.write(key, value))
    }

    fn delete(&self, key: &str) -> Result<bool, StateError> {
        Ok(guard(&self.values).entries.remove(key).is_some())
    }

    fn lease(&self, key: &str, owner: u64, ttl_ms: u32, wait_ms: u32) -> Result<bool, StateError> {
        Ok(self.leases.lease(key, owner, ms(ttl_ms), ms(wait_ms)))
    }

    fn renew(&self, key: &str, owner: u64, ttl_ms: u32) -> Result<bool, StateError> {
        Ok(self.leases.renew(key, owner, ms(ttl_ms)))
    }

    fn release(&self, key: &str, owner: u64) {
        self.leases.release(key, owner);
    }
}

pub(super) fn ms(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

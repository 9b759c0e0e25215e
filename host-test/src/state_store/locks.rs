//! In-process locks with owners, shared by both stores.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

pub(super) fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Named locks, each held by one owner (an invocation) at a time.
#[derive(Debug, Default)]
pub(super) struct LockTable {
    held: Mutex<HashMap<String, u64>>,
    released: Condvar,
}

impl LockTable {
    pub(super) fn lock(&self, key: &str, owner: u64, wait_ms: u32) -> bool {
        let deadline = Instant::now() + Duration::from_millis(u64::from(wait_ms));
        let mut held = guard(&self.held);
        loop {
            match held.get(key) {
                None => {
                    held.insert(key.to_owned(), owner);
                    return true;
                }
                Some(o) if *o == owner => return true,
                Some(_) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    held = self
                        .released
                        .wait_timeout(held, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
            }
        }
    }

    pub(super) fn unlock(&self, key: &str, owner: u64) -> bool {
        let mut held = guard(&self.held);
        if held.get(key) == Some(&owner) {
            held.remove(key);
            self.released.notify_all();
            return true;
        }
        false
    }
}

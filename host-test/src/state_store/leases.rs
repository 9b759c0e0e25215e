//! In-process leases with owners and lifetimes (the memory store's), and the mutex helper.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

pub(super) fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Named leases, each held by one owner (an invocation) until released or lapsed.
#[derive(Debug, Default)]
pub(super) struct LeaseTable {
    held: Mutex<HashMap<String, (u64, Instant)>>,
    released: Condvar,
}

impl LeaseTable {
    /// Take (or extend, for its owner) `key` for `ttl`, waiting up to `wait`.
    pub(super) fn lease(&self, key: &str, owner: u64, ttl: Duration, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let mut held = guard(&self.held);
        loop {
            let now = Instant::now();
            match held.get(key) {
                Some((o, until)) if *o != owner && *until > now => {
                    if now >= deadline {
                        return false;
                    }
                    let next = deadline.min(*until);
                    held = self
                        .released
                        .wait_timeout(held, next - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                _ => {
                    held.insert(key.to_owned(), (owner, now + ttl));
                    return true;
                }
            }
        }
    }

    /// Extend `owner`'s unexpired lease.
    pub(super) fn renew(&self, key: &str, owner: u64, ttl: Duration) -> bool {
        let mut held = guard(&self.held);
        let now = Instant::now();
        match held.get_mut(key) {
            Some((o, until)) if *o == owner && *until > now => {
                *until = now + ttl;
                true
            }
            _ => false,
        }
    }

    /// Release `owner`'s lease.
    pub(super) fn release(&self, key: &str, owner: u64) {
        let mut held = guard(&self.held);
        if held.get(key).is_some_and(|(o, _)| *o == owner) {
            held.remove(key);
            self.released.notify_all();
        }
    }
}

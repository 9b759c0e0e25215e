//! Clocks: the real one, and a manual one for deterministic replays.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::capabilities::Clock;

/// The system clock; `sleep_ms` really sleeps.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }

    fn sleep_ms(&self, ms: u32) {
        std::thread::sleep(Duration::from_millis(u64::from(ms)));
    }

    fn sleep_async(&self, ms: u32) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(Duration::from_millis(u64::from(ms))))
    }
}

/// A clock that only moves when told (or when the connector sleeps).
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: AtomicU64,
    slept_ms: AtomicU64,
}

impl ManualClock {
    /// A clock reading `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        Self {
            now_ms: AtomicU64::new(now_ms),
            slept_ms: AtomicU64::new(0),
        }
    }

    /// Move forward by `ms`.
    pub fn advance_ms(&self, ms: u64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Set the time.
    pub fn set_ms(&self, now_ms: u64) {
        self.now_ms.store(now_ms, Ordering::SeqCst);
    }

    /// Total time the connector asked to sleep.
    pub fn slept_ms(&self) -> u64 {
        self.slept_ms.load(Ordering::SeqCst)
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::SeqCst)
    }

    fn sleep_ms(&self, ms: u32) {
        self.slept_ms.fetch_add(u64::from(ms), Ordering::SeqCst);
        self.advance_ms(u64::from(ms));
    }
}

/// Parse an RFC 3339 time to milliseconds since the epoch.
pub fn parse_rfc3339_ms(text: &str) -> Option<u64> {
    let t =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .ok()?;
    u64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// RFC 3339 (UTC, seconds precision unless fractional) of milliseconds since the epoch.
pub fn format_rfc3339_ms(ms: u64) -> String {
    let t = time::OffsetDateTime::UNIX_EPOCH + Duration::from_millis(ms);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format!("@{ms}ms"))
}

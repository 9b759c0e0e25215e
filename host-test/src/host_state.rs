//! The data of one `Store`: WASI context, the invocation's capabilities, its memory limiter and
//! the leases it holds (released when the invocation ends, even by a trap).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::capabilities::Capabilities;

static NEXT_INVOCATION: AtomicU64 = AtomicU64::new(1);

/// Guest stderr kept per invocation (a panic message), in bytes.
const STDERR_CAPACITY: usize = 64 * 1024;

/// Caps linear memory and remembers whether it refused a growth.
#[derive(Debug)]
pub struct MemoryLimiter {
    /// Maximum bytes of one linear memory.
    pub max_bytes: usize,
    /// Set when a growth beyond `max_bytes` was refused.
    pub refused: Option<usize>,
    /// Largest size a linear memory reached (bytes).
    pub peak_bytes: usize,
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.refused = Some(desired);
            return Err(wasmtime::format_err!(
                "guest memory limit exceeded: wanted {desired} bytes, limit {} bytes",
                self.max_bytes
            ));
        }
        self.peak_bytes = self.peak_bytes.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// Per-invocation store data.
pub struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) caps: Capabilities,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) stderr: MemoryOutputPipe,
    /// Unique id of this invocation in this process; the owner of its leases.
    pub(crate) invocation: u64,
    pub(crate) held_leases: Vec<String>,
    /// When the invocation's time bound ends; HTTP timeouts are capped to it.
    pub(crate) deadline: Instant,
    /// Bytes received over HTTP in this invocation (for progress reporting).
    pub(crate) http_bytes: u64,
    /// Set when a host call found the time bound passed (the invocation was stopped for it).
    pub(crate) deadline_hit: std::cell::Cell<bool>,
    /// Whether HTTP goes through [`Transport::send_async`](crate::Transport::send_async) (the
    /// async invocation path) rather than the blocking `send`.
    pub(crate) nonblocking: bool,
}

impl HostState {
    pub(crate) fn new(caps: Capabilities, max_memory_bytes: usize, deadline: Instant) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        let wasi = WasiCtx::builder().stderr(stderr.clone()).build();
        Self {
            wasi,
            table: ResourceTable::new(),
            caps,
            limiter: MemoryLimiter {
                max_bytes: max_memory_bytes,
                refused: None,
                peak_bytes: 0,
            },
            stderr,
            invocation: NEXT_INVOCATION.fetch_add(1, Ordering::Relaxed),
            held_leases: Vec::new(),
            deadline,
            http_bytes: 0,
            deadline_hit: std::cell::Cell::new(false),
            nonblocking: false,
        }
    }

    /// What the guest wrote to stderr (a panic message, if it panicked).
    pub fn guest_stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents())
            .trim()
            .to_owned()
    }

    fn release_leases(&mut self) {
        for key in self.held_leases.drain(..) {
            self.caps.state.release(&key, self.invocation);
        }
    }
}

/// Largest request body a guest may assemble with `outgoing-body` (DocuSign's own limit is
/// about 34 MB); beyond it `write` fails with `body-too-large`.
pub const MAX_REQUEST_BODY_BYTES: usize = 64 << 20;

/// A request body being written by the guest (WIT `http.outgoing-body`).
#[derive(Debug, Default)]
pub struct OutgoingBody {
    pub(crate) bytes: Vec<u8>,
}

/// The invocation's time bound passed during a host call; the invocation is stopped.
#[derive(Debug)]
pub struct DeadlineExceeded;

impl std::fmt::Display for DeadlineExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the invocation's time bound passed during a host call")
    }
}

impl std::error::Error for DeadlineExceeded {}

impl HostState {
    /// Stop the invocation if its time bound has passed.
    pub(crate) fn check_deadline(&self) -> wasmtime::Result<()> {
        if Instant::now() >= self.deadline {
            self.deadline_hit.set(true);
            return Err(wasmtime::Error::new(DeadlineExceeded));
        }
        Ok(())
    }

    /// Milliseconds left before the time bound (at least 1 while it has not passed).
    pub(crate) fn remaining_ms(&self) -> u32 {
        let left = self.deadline.saturating_duration_since(Instant::now());
        u32::try_from(left.as_millis()).unwrap_or(u32::MAX).max(1)
    }
}

impl Drop for HostState {
    fn drop(&mut self) {
        self.release_leases();
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

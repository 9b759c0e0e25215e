//! Why an invocation produced no result.

use std::time::Duration;

/// Why an invocation produced no result (as opposed to a connector error, which is a result).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The component could not be compiled, loaded or instantiated.
    #[error("loading the connector failed: {0}")]
    Load(String),
    /// The guest exceeded its memory cap and was stopped.
    #[error(
        "the connector was stopped: it needed {requested_bytes} bytes of memory, over the limit of {limit_bytes} bytes"
    )]
    MemoryLimit {
        /// The cap.
        limit_bytes: usize,
        /// What the guest asked for.
        requested_bytes: usize,
    },
    /// The guest ran past the invocation's time bound and was stopped.
    #[error(
        "the connector was stopped: it ran longer than the limit of {} s",
        limit.as_secs_f64()
    )]
    Timeout {
        /// The bound.
        limit: Duration,
    },
    /// Every slot of the pooling allocator is taken by running invocations; retry shortly.
    #[error("the host is busy: all {max_concurrent} invocation slots are in use; retry shortly")]
    Busy {
        /// The pool's size ([`Allocation::Pooling`](super::Allocation::Pooling)'s
        /// `max_concurrent`).
        max_concurrent: u32,
    },
    /// The guest trapped (a bug or a panic); `guest_stderr` holds its panic message.
    #[error("the connector crashed: {message}{}", guest_output(guest_stderr))]
    Trap {
        /// The trap and its wasm backtrace.
        message: String,
        /// What the guest wrote to stderr.
        guest_stderr: String,
    },
}

impl HostError {
    /// The contract name of the failure (`load`, `memory-limit`, `timeout`, `busy`, `trap`).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Load(_) => "load",
            Self::MemoryLimit { .. } => "memory-limit",
            Self::Timeout { .. } => "timeout",
            Self::Busy { .. } => "busy",
            Self::Trap { .. } => "trap",
        }
    }
}

fn guest_output(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("\nguest output: {stderr}")
    }
}

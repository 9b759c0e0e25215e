//! The CLI's exit codes (documented in the README).

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Ok = 0,
    /// The connector reported an error (or delivering its result failed).
    ConnectorError = 1,
    /// Bad usage or setup: settings, files, addresses.
    Usage = 2,
    /// The guest was stopped: a trap, the memory cap, the time bound.
    GuestStopped = 3,
    /// The replay did not follow the cassette.
    ReplayMismatch = 4,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

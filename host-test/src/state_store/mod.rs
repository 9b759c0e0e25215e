//! State stores: in memory (tests, one process), on disk (CLI `--state DIR`, the processes of one
//! machine) and in PostgreSQL (`--state postgres://…`, processes on many machines), with the
//! value type and the typed error every store reports.

mod file;
mod leases;
mod memory;
pub mod postgres;

pub use file::FileStateStore;
pub use memory::MemoryStateStore;
pub use postgres::PostgresStateStore;

/// A stored value and its version (every write of a key gives a higher one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The value.
    pub value: String,
    /// Its version.
    pub version: u64,
}

/// Why a state store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A file of a [`FileStateStore`] could not be read, written or locked.
    #[error("{action} {key}: {source}")]
    Io {
        /// What was being done (`reading state`, `locking`, …).
        action: &'static str,
        /// The key (or directory) concerned.
        key: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The store's backend is unreachable or refused the operation (a database down).
    #[error("state store unavailable: {0}")]
    Unavailable(String),
    /// A conditional write found the key at another version; nothing was written.
    #[error("{key} changed meanwhile (now {})", match .current { Some(v) => format!("at version {v}"), None => "absent".to_owned() })]
    Conflict {
        /// The key.
        key: String,
        /// Its version now (`None`: absent).
        current: Option<u64>,
    },
}

impl StateError {
    fn io(action: &'static str, key: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            action,
            key: key.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests;

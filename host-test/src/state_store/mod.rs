//! State stores: in memory (tests, one process) and on disk (CLI `--state DIR`), with the typed
//! error every store reports.

mod file;
mod locks;
mod memory;

pub use file::FileStateStore;
pub use memory::MemoryStateStore;

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
    /// The store's backend is unreachable or refused the operation (for stores an embedder
    /// plugs in).
    #[error("state store unavailable: {0}")]
    Unavailable(String),
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

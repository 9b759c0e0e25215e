//! Exactly-once delivery of fetched events: `fetch-events`, deliver the batch to a sink, then
//! `commit-fetch`, made safe against a crash (or a failed commit) at any point between them.
//!
//! The sink keeps the batch's checkpoint with the delivered events ([`EventSink::deliver`]); a
//! run that finds a delivered batch whose commit may not have happened commits it first
//! ([`EventSink::pending`]), and a partly written batch is undone before anything else. So the
//! sink never holds an event twice, and never misses one, wherever the process stopped.

mod jsonl;
pub mod postgres;

pub use jsonl::JsonLinesSink;
pub use postgres::{PostgresSink, fetch_into_postgres};

use crate::bindings::Connection;
use crate::bindings::commands::FetchRequest;
use crate::capabilities::Capabilities;
use crate::engine::ConnectorHost;
use crate::json_api::output::{EventOutput, FetchOutput};
use crate::json_api::{self, Call, ErrorOutput, InvokeError, Output};

/// Where a test may make delivery stop as if the process had died there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// Before the first event is written.
    BeforeAppend,
    /// Half of the batch's bytes written.
    MidAppend,
    /// Every event written and flushed, before the sink records the batch as delivered.
    AfterAppend,
    /// The batch is delivered, before `commit-fetch`.
    BeforeCommit,
    /// `commit-fetch` done, before the sink forgets the batch.
    AfterCommit,
    /// A pending batch from an earlier run committed, before the sink forgets it.
    AfterRecoveryCommit,
}

impl FaultPoint {
    /// Every point.
    pub const ALL: [Self; 6] = [
        Self::BeforeAppend,
        Self::MidAppend,
        Self::AfterAppend,
        Self::BeforeCommit,
        Self::AfterCommit,
        Self::AfterRecoveryCommit,
    ];

    /// Kebab-case name (as `DOCUSIGN_HOST_FAULT` gives it to the CLI).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BeforeAppend => "before-append",
            Self::MidAppend => "mid-append",
            Self::AfterAppend => "after-append",
            Self::BeforeCommit => "before-commit",
            Self::AfterCommit => "after-commit",
            Self::AfterRecoveryCommit => "after-recovery-commit",
        }
    }
}

/// Decides whether delivery stops at a [`FaultPoint`] (tests); production passes [`no_faults`].
pub type FaultHook<'a> = &'a dyn Fn(FaultPoint) -> bool;

/// Never stop.
pub fn no_faults(_: FaultPoint) -> bool {
    false
}

/// Why a sink could not do its part.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The sink's storage failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Another process delivers to the same sink.
    #[error("{0} is in use by another fetch; one fetch per output at a time")]
    Busy(String),
    /// What the sink holds does not fit its own journal (it was changed by hand).
    #[error("{0}")]
    Inconsistent(String),
    /// The events database failed; the transaction was rolled back.
    #[error("events database: {0}")]
    Database(String),
    /// A fault hook stopped delivery here.
    #[error("stopped at {}", .0.as_str())]
    Fault(FaultPoint),
}

/// Where fetched events go.
pub trait EventSink {
    /// The checkpoint of a batch delivered by an earlier run that may not have been committed;
    /// a batch only partly delivered is undone first.
    fn pending(&mut self) -> Result<Option<String>, SinkError>;
    /// Deliver `events` durably, remembering `checkpoint` as pending.
    fn deliver(
        &mut self,
        events: &[EventOutput],
        checkpoint: &str,
        fault: FaultHook<'_>,
    ) -> Result<(), SinkError>;
    /// The pending checkpoint is committed: forget it.
    fn committed(&mut self) -> Result<(), SinkError>;
}

/// Why a fetch-and-deliver run failed; the next run picks up from a consistent state.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// `fetch-events` failed; nothing was delivered.
    #[error("fetch-events failed: {0}")]
    Fetch(InvokeError),
    /// The sink failed; whatever it wrote of the batch is undone on the next run.
    #[error("delivering failed: {0}; the next run fetches these events again")]
    Sink(#[from] SinkError),
    /// `commit-fetch` failed after delivery; the next run commits the delivered batch first.
    #[error(
        "{delivered} events were delivered but the commit failed: {error}; the next run commits them before fetching"
    )]
    Commit {
        /// Events of the batch.
        delivered: usize,
        /// The commit's error.
        error: InvokeError,
    },
    /// Another process delivered and committed the same batch first (shared state); nothing
    /// of this run was kept.
    #[error("another process delivered this batch first; nothing was written, fetch again")]
    Superseded,
}

/// `fetch-events`: a batch and its candidate checkpoint, nothing committed.
pub(crate) fn fetch_batch(
    host: &ConnectorHost,
    caps: &Capabilities,
    conn: &Connection,
    request: FetchRequest,
) -> Result<FetchOutput, DeliveryError> {
    match json_api::run_call(host, caps, conn, Call::FetchEvents(request)) {
        Ok(Output::Fetch(batch)) => Ok(batch),
        Ok(_) => unreachable!("fetch-events returns a batch"),
        Err(e) => Err(DeliveryError::Fetch(e)),
    }
}

/// One run: commit what an earlier run delivered, fetch a batch, deliver it, commit it.
pub fn fetch_and_deliver(
    host: &ConnectorHost,
    caps: &Capabilities,
    conn: &Connection,
    request: FetchRequest,
    sink: &mut dyn EventSink,
    fault: FaultHook<'_>,
) -> Result<FetchOutput, DeliveryError> {
    let commit = |checkpoint: String| {
        json_api::run_call(host, caps, conn, Call::CommitFetch(checkpoint)).map(drop)
    };
    if let Some(checkpoint) = sink.pending()? {
        match commit(checkpoint) {
            Ok(()) => {}
            // Committed by the earlier run itself (then the same candidate is accepted) or
            // superseded: either way the events are delivered and nothing is left to do.
            Err(InvokeError {
                error: ErrorOutput::State { message },
            }) if message.contains("stale checkpoint") => {}
            Err(error) => {
                return Err(DeliveryError::Commit {
                    delivered: 0,
                    error,
                });
            }
        }
        stop_at(fault, FaultPoint::AfterRecoveryCommit)?;
        sink.committed()?;
    }
    let batch = fetch_batch(host, caps, conn, request)?;
    sink.deliver(&batch.events, &batch.checkpoint, fault)?;
    stop_at(fault, FaultPoint::BeforeCommit)?;
    commit(batch.checkpoint.clone()).map_err(|error| DeliveryError::Commit {
        delivered: batch.events.len(),
        error,
    })?;
    stop_at(fault, FaultPoint::AfterCommit)?;
    sink.committed()?;
    Ok(batch)
}

fn stop_at(fault: FaultHook<'_>, point: FaultPoint) -> Result<(), SinkError> {
    if fault(point) {
        return Err(SinkError::Fault(point));
    }
    Ok(())
}

//! Replaying recorded DocuSign HTTP ("cassettes") for tests and demos: the [`format`], the
//! [`matcher`] that compares requests with it, the [`CassetteTransport`] that replays it in
//! process, the [`ReplayServer`] that serves it on loopback, [`RecordingTransport`] that writes
//! one from live traffic, and the [`Replay`] harness that wires a cassette to a manual clock.

pub mod cassette;
pub mod form;
pub mod format;
pub mod harness;
pub mod matcher;
pub mod record;
pub mod serve;
pub mod transport;

pub use cassette::{BodyError, CassetteError};
pub use format::{Cassette, Interaction, Outcome};
pub use harness::{DEFAULT_START_MS, Replay};
pub use record::RecordingTransport;
pub use serve::{ReplayServer, ServeError, TlsIdentity};
pub use transport::{CassetteTransport, ReplayMismatch};

//! Host for the DocuSign connector component: wasmtime embedding, host capabilities, cassette
//! replay of DocuSign HTTP, and the `docusign-host` CLI's building blocks.

pub mod bindings;
pub mod capabilities;
pub mod clock;
pub mod engine;
pub mod harness;
pub mod host_state;
mod imports;
pub mod json_api;
pub mod log_sink;
pub mod progress;
pub mod redact;
pub mod render;
pub mod save;
pub mod serve;
pub mod settings;
pub mod state_store;
pub mod transport;

pub use capabilities::{Capabilities, Clock, LogSink, StateStore, Transport};
pub use engine::{ConnectorHost, HostError, HostOptions};

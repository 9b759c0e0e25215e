//! The wasmtime host of the DocuSign connector component, as a library to embed: load the
//! component once ([`ConnectorHost`]), give each invocation its [`Capabilities`] (HTTP, clock,
//! state, log), and call the typed exports or [`json_api::invoke`].
//!
//! - Embedding: [`engine`], [`capabilities`], [`json_api`], [`settings`], [`delivery`]
//!   (exactly-once delivery of fetched events), and the capability implementations
//!   [`transport`] (live HTTPS with an allow-list), [`clock`], [`state_store`], [`log_sink`].
//! - Replay tooling for tests and demos: [`replay`] (cassette format, matcher, replay transport,
//!   loopback server, recording, harness).
//!
//! The `docusign-host` CLI (`src/bin/docusign-host/`) is built on this library.

pub mod bindings;
pub mod capabilities;
pub mod clock;
pub mod connect_listener;
mod convert;
pub mod delivery;
pub mod engine;
pub mod host_state;
mod http1;
mod imports;
pub mod json_api;
pub mod log_sink;
pub mod redact;
pub mod replay;
pub mod settings;
pub mod state_store;
pub mod transport;

pub use capabilities::{Capabilities, Clock, LogSink, StateStore, Transport, TransportFuture};
pub use engine::{ConnectorHost, HostError, HostOptions};

//! DocuSign connector: a WebAssembly component that signs its own RS256 JWTs and does all HTTP
//! through host imports.
//!
//! The WIT glue lives in `component` (compiled only for wasm32); every other module is plain
//! Rust over the [`host::Host`] trait and unit-tests natively.

pub mod api_errors;
pub mod auth;
pub mod config;
pub mod connect;
pub mod environment;
pub mod error;
pub mod esign;
pub mod event_type;
pub mod events;
pub mod host;
pub mod http;
pub mod ids;
pub mod pem;
pub mod request;
pub mod state_keys;
pub mod timestamp;
pub mod wire;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

#[cfg(test)]
mod properties;

#[cfg(target_arch = "wasm32")]
mod component;

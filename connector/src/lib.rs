//! DocuSign connector: a WebAssembly component that signs its own RS256 JWTs and does all HTTP
//! through host imports.
//!
//! The WIT glue lives in `component` (compiled only for wasm32); every other module is plain
//! Rust over the [`host::Host`] trait and unit-tests natively.

pub mod auth;
pub mod commands;
pub mod config;
pub mod error;
pub mod esign;
pub mod events;
pub mod host;
pub mod http;
pub mod ids;
pub mod timestamp;
pub mod wire;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

#[cfg(test)]
mod properties;

#[cfg(target_arch = "wasm32")]
mod component;

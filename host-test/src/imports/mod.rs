//! The connector's imports, implemented over [`crate::capabilities`]: one module per capability.

mod clock;
mod http;
mod log;
mod state;

impl crate::bindings::docusign::connector::types::Host for crate::host_state::HostState {}

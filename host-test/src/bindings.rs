//! Host bindings generated from `wit/` (world `connector`).

wasmtime::component::bindgen!({
    world: "connector",
    path: "../wit",
    additional_derives: [PartialEq],
    // Imports can stop the invocation (time bound) instead of only returning to the guest.
    imports: { default: trappable },
    with: { "docusign:connector/http.outgoing-body": crate::host_state::OutgoingBody },
});

pub use docusign::connector::http::{Method, Request, Response, TransportError};
pub use docusign::connector::log::Level;
pub use docusign::connector::types::{Connection, ConnectorError, MonitorEndpoint, Timestamp};
pub use exports::docusign::connector::commands;
pub use exports::docusign::connector::signing;

//! Host bindings generated from `wit/` (world `connector`).

wasmtime::component::bindgen!({
    world: "connector",
    path: "../wit",
    additional_derives: [PartialEq],
    // Imports can stop the invocation (time bound) instead of only returning to the guest.
    // Waiting is async: an invocation waiting on DocuSign suspends its fiber and holds no thread
    // (`ConnectorHost::*_async`); the synchronous calls drive the same futures to completion.
    imports: {
        "docusign:connector/http.send": async | trappable,
        "docusign:connector/http.send-with-body": async | trappable,
        // Backoff and waiting for a lease suspend the invocation too.
        "docusign:connector/clock.sleep-ms": async | trappable,
        "docusign:connector/state.lease": async | trappable,
        default: trappable,
    },
    exports: { default: async },
    with: { "docusign:connector/http.outgoing-body": crate::host_state::OutgoingBody },
});

pub use docusign::connector::http::{Method, Request, Response, TransportError};
pub use docusign::connector::log::Level;
pub use docusign::connector::types::{Connection, ConnectorError, MonitorEndpoint, Timestamp};
pub use exports::docusign::connector::commands;
pub use exports::docusign::connector::signing;

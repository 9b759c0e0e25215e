//! The DocuSign connector as a [Restate](https://restate.dev) worker: every action a durable,
//! retried, exactly-once step of any workflow, on as many workers and Restate nodes as needed.
//!
//! - [`services::docusign`]: the `DocuSign` service, one handler per action (the JSON of
//!   `docusign-host invoke`);
//! - [`services::integration`]: the `Integration` object, one per integration, holding the
//!   shared token cache and fetch checkpoint;
//! - [`services::signature_workflow`]: `SignatureWorkflow`, send → wait → signed documents;
//! - [`step`] runs the component on the async path (no thread held while it waits);
//!   [`journal`] makes that a Restate step; [`seal`] keeps tokens out of Restate in the clear;
//!   [`config`], [`integrations`].

pub mod config;
pub mod evidence;
pub mod failure;
pub mod integration_state;
pub mod integrations;
pub mod journal;
pub mod payload;
pub mod seal;
pub mod server;
pub mod services;
pub mod step;
pub mod wait;

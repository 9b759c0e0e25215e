//! The Restate services the worker serves.

pub mod docusign;
pub mod integration;
pub mod signature_workflow;

//! Typed calls, one per export of the component.

use super::{ConnectorHost, HostError};
use crate::bindings;
use crate::capabilities::Capabilities;

/// Typed calls, one per export. The outer `Result` is the host's (trap, limits); the inner one
/// is the connector's typed error.
impl ConnectorHost {
    /// `auth-test`.
    pub fn auth_test(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
    ) -> Result<Result<bindings::commands::AuthTestResult, bindings::ConnectorError>, HostError>
    {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands().call_auth_test(s, conn)
        })
    }

    /// `reset-access-token`.
    pub fn reset_access_token(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
    ) -> Result<Result<bindings::commands::ResetResult, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands()
                .call_reset_access_token(s, conn)
        })
    }

    /// `generate-consent-url`.
    pub fn generate_consent_url(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        req: &bindings::commands::ConsentRequest,
    ) -> Result<Result<bindings::commands::ConsentUrl, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands()
                .call_generate_consent_url(s, conn, req)
        })
    }

    /// `get-events`.
    pub fn get_events(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        req: &bindings::commands::GetEventsRequest,
    ) -> Result<Result<Vec<bindings::commands::Event>, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands()
                .call_get_events(s, conn, req)
        })
    }

    /// `fetch-events`.
    pub fn fetch_events(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        req: &bindings::commands::FetchRequest,
    ) -> Result<Result<bindings::commands::FetchBatch, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands()
                .call_fetch_events(s, conn, req)
        })
    }

    /// `commit-fetch`.
    pub fn commit_fetch(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        checkpoint: &str,
    ) -> Result<Result<(), bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_commands()
                .call_commit_fetch(s, conn, checkpoint)
        })
    }

    /// `send-for-signature`.
    pub fn send_for_signature(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        req: &bindings::signing::SendRequest,
    ) -> Result<Result<bindings::signing::SentEnvelope, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_signing()
                .call_send_for_signature(s, conn, req)
        })
    }

    /// `get-envelope-status`.
    pub fn get_envelope_status(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        envelope_id: &str,
    ) -> Result<Result<bindings::signing::EnvelopeInfo, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_signing()
                .call_get_envelope_status(s, conn, envelope_id)
        })
    }

    /// `get-signed-documents`.
    pub fn get_signed_documents(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        envelope_id: &str,
    ) -> Result<Result<bindings::signing::SignedDocuments, bindings::ConnectorError>, HostError>
    {
        self.invoke(caps, |c, s| {
            c.docusign_connector_signing()
                .call_get_signed_documents(s, conn, envelope_id)
        })
    }

    /// `void-envelope`.
    pub fn void_envelope(
        &self,
        caps: &Capabilities,
        conn: &bindings::Connection,
        envelope_id: &str,
        reason: &str,
    ) -> Result<Result<bindings::signing::VoidResult, bindings::ConnectorError>, HostError> {
        self.invoke(caps, |c, s| {
            c.docusign_connector_signing()
                .call_void_envelope(s, conn, envelope_id, reason)
        })
    }
}

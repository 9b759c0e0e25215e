//! Typed calls, one per export of the component, each blocking (`name`) and async
//! (`name_async`, see [`ConnectorHost::invoke_async`]).

use super::{ConnectorHost, HostError, Io};
use crate::bindings::{self, ConnectorError, commands, signing};
use crate::capabilities::Capabilities;

/// Per export: the blocking and async names, the internal one taking [`Io`], the interface
/// accessor, the binding, the arguments and the result type.
macro_rules! typed_calls {
    ($(
        $(#[$doc:meta])*
        $name:ident / $name_async:ident / $name_io:ident =
            $iface:ident . $call:ident ($($arg:ident: $ty:ty),*) -> $out:ty;
    )*) => {
        /// Typed calls. The outer `Result` is the host's (trap, limits); the inner one is the
        /// connector's typed error.
        impl ConnectorHost {
            $(
                $(#[$doc])*
                pub fn $name(
                    &self,
                    caps: &Capabilities,
                    conn: &bindings::Connection,
                    $($arg: $ty),*
                ) -> Result<Result<$out, ConnectorError>, HostError> {
                    futures_executor::block_on(self.$name_io(Io::Blocking, caps, conn, $($arg),*))
                }

                $(#[$doc])*
                /// Async: holds no thread while waiting on HTTP.
                pub async fn $name_async(
                    &self,
                    caps: &Capabilities,
                    conn: &bindings::Connection,
                    $($arg: $ty),*
                ) -> Result<Result<$out, ConnectorError>, HostError> {
                    self.$name_io(Io::Async, caps, conn, $($arg),*).await
                }

                pub(crate) async fn $name_io(
                    &self,
                    io: Io,
                    caps: &Capabilities,
                    conn: &bindings::Connection,
                    $($arg: $ty),*
                ) -> Result<Result<$out, ConnectorError>, HostError> {
                    self.run(caps, io, async |c, s| c.$iface().$call(s, conn, $($arg),*).await)
                        .await
                        .0
                }
            )*
        }
    };
}

typed_calls! {
    /// `auth-test`.
    auth_test / auth_test_async / auth_test_io =
        docusign_connector_commands.call_auth_test() -> commands::AuthTestResult;
    /// `reset-access-token`.
    reset_access_token / reset_access_token_async / reset_access_token_io =
        docusign_connector_commands.call_reset_access_token() -> commands::ResetResult;
    /// `generate-consent-url`.
    generate_consent_url / generate_consent_url_async / generate_consent_url_io =
        docusign_connector_commands.call_generate_consent_url(req: &commands::ConsentRequest)
        -> commands::ConsentUrl;
    /// `get-events`.
    get_events / get_events_async / get_events_io =
        docusign_connector_commands.call_get_events(req: &commands::GetEventsRequest)
        -> Vec<commands::Event>;
    /// `fetch-events`.
    fetch_events / fetch_events_async / fetch_events_io =
        docusign_connector_commands.call_fetch_events(req: &commands::FetchRequest)
        -> commands::FetchBatch;
    /// `commit-fetch`.
    commit_fetch / commit_fetch_async / commit_fetch_io =
        docusign_connector_commands.call_commit_fetch(checkpoint: &str) -> ();
    /// `send-for-signature`.
    send_for_signature / send_for_signature_async / send_for_signature_io =
        docusign_connector_signing.call_send_for_signature(req: &signing::SendRequest)
        -> signing::SentEnvelope;
    /// `get-envelope-status`.
    get_envelope_status / get_envelope_status_async / get_envelope_status_io =
        docusign_connector_signing.call_get_envelope_status(envelope_id: &str)
        -> signing::EnvelopeInfo;
    /// `get-signed-documents`.
    get_signed_documents / get_signed_documents_async / get_signed_documents_io =
        docusign_connector_signing.call_get_signed_documents(envelope_id: &str)
        -> signing::SignedDocuments;
    /// `void-envelope`.
    void_envelope / void_envelope_async / void_envelope_io =
        docusign_connector_signing.call_void_envelope(envelope_id: &str, reason: &str)
        -> signing::VoidResult;
    /// `send-from-template`.
    send_from_template / send_from_template_async / send_from_template_io =
        docusign_connector_signing.call_send_from_template(req: &signing::TemplateSendRequest)
        -> signing::SentEnvelope;
    /// `create-signing-url`: the result holds a secret URL.
    create_signing_url / create_signing_url_async / create_signing_url_io =
        docusign_connector_signing.call_create_signing_url(
            envelope_id: &str,
            req: &signing::SigningViewRequest
        ) -> signing::SigningView;
    /// `get-envelope-recipients`.
    get_envelope_recipients / get_envelope_recipients_async / get_envelope_recipients_io =
        docusign_connector_signing.call_get_envelope_recipients(envelope_id: &str)
        -> signing::EnvelopeRecipients;
}

/// The outcome of `verify-connect-message`: the event, or why the message was refused.
pub type ConnectOutcome = Result<signing::ConnectEvent, signing::ConnectError>;

impl ConnectorHost {
    /// `verify-connect-message` (no connection, no HTTP): `headers` and the exact `body` of a
    /// Connect request, checked against `hmac_keys`.
    pub fn verify_connect_message(
        &self,
        caps: &Capabilities,
        headers: &[(String, String)],
        body: &[u8],
        hmac_keys: &[String],
    ) -> Result<ConnectOutcome, HostError> {
        futures_executor::block_on(self.verify_connect_message_io(
            Io::Blocking,
            caps,
            headers,
            body,
            hmac_keys,
        ))
    }

    pub(crate) async fn verify_connect_message_io(
        &self,
        io: Io,
        caps: &Capabilities,
        headers: &[(String, String)],
        body: &[u8],
        hmac_keys: &[String],
    ) -> Result<ConnectOutcome, HostError> {
        let call = async |c: &bindings::Connector, s: &mut wasmtime::Store<_>| {
            c.docusign_connector_signing()
                .call_verify_connect_message(s, headers, body, hmac_keys)
                .await
        };
        self.run(caps, io, call).await.0
    }
}

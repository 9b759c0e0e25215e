//! Typed calls, one per export of the component, each blocking (`name`) and async
//! (`name_async`, see [`ConnectorHost::invoke_async`]). Each call instantiates the component and
//! looks up and type-checks only the export it calls ([`ConnectorHost::call_export`]).

use wasmtime::Engine;
use wasmtime::component::{Component, ComponentExportIndex};

use super::{ConnectorHost, HostError, Io};
use crate::bindings::{self, ConnectorError, commands, signing};
use crate::capabilities::Capabilities;

/// Per export: the blocking and async names, the internal one taking [`Io`], the interface and
/// the function's name in the WIT, the arguments after the connection and the result type.
macro_rules! typed_calls {
    ($(
        $(#[$doc:meta])*
        $name:ident / $name_async:ident / $name_io:ident =
            $iface:literal . $wit:literal ($($arg:ident: $ty:ty),*) -> $out:ty;
    )*) => {
        /// Where each export is in the component, found once at load.
        pub(crate) struct Exports {
            $($name: ComponentExportIndex,)*
            verify_connect_message: ComponentExportIndex,
        }

        impl Exports {
            /// Find every export the typed calls use; a component without one does not load.
            pub(crate) fn find(engine: &Engine, component: &Component) -> Result<Self, HostError> {
                Ok(Self {
                    $($name: export_index(engine, component, $iface, $wit)?,)*
                    verify_connect_message: export_index(
                        engine,
                        component,
                        "signing",
                        "verify-connect-message",
                    )?,
                })
            }
        }

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
                    let export = &self.exports.$name;
                    let (outcome,): (Result<$out, ConnectorError>,) =
                        self.call_export(caps, io, export, (conn, $($arg),*)).await?;
                    Ok(outcome)
                }
            )*
        }
    };
}

/// The index of function `name` of the exported interface `docusign:connector/{interface}`
/// (whatever its version).
fn export_index(
    engine: &Engine,
    component: &Component,
    interface: &str,
    name: &str,
) -> Result<ComponentExportIndex, HostError> {
    let wanted = format!("docusign:connector/{interface}");
    let ty = component.component_type();
    let instance_name = ty
        .exports(engine)
        .map(|(export, _)| export)
        .find(|export| export.split('@').next() == Some(wanted.as_str()))
        .ok_or_else(|| HostError::Load(format!("the component does not export {wanted}")))?;
    let instance = component.get_export_index(None, instance_name);
    instance
        .and_then(|instance| component.get_export_index(Some(&instance), name))
        .ok_or_else(|| HostError::Load(format!("the component's {wanted} has no {name}")))
}

typed_calls! {
    /// `auth-test`.
    auth_test / auth_test_async / auth_test_io =
        "commands"."auth-test"() -> commands::AuthTestResult;
    /// `reset-access-token`.
    reset_access_token / reset_access_token_async / reset_access_token_io =
        "commands"."reset-access-token"() -> commands::ResetResult;
    /// `generate-consent-url`.
    generate_consent_url / generate_consent_url_async / generate_consent_url_io =
        "commands"."generate-consent-url"(req: &commands::ConsentRequest)
        -> commands::ConsentUrl;
    /// `get-events`.
    get_events / get_events_async / get_events_io =
        "commands"."get-events"(req: &commands::GetEventsRequest)
        -> Vec<commands::Event>;
    /// `fetch-events`.
    fetch_events / fetch_events_async / fetch_events_io =
        "commands"."fetch-events"(req: &commands::FetchRequest)
        -> commands::FetchBatch;
    /// `commit-fetch`.
    commit_fetch / commit_fetch_async / commit_fetch_io =
        "commands"."commit-fetch"(checkpoint: &str) -> ();
    /// `send-for-signature`.
    send_for_signature / send_for_signature_async / send_for_signature_io =
        "signing"."send-for-signature"(req: &signing::SendRequest)
        -> signing::SentEnvelope;
    /// `get-envelope-status`.
    get_envelope_status / get_envelope_status_async / get_envelope_status_io =
        "signing"."get-envelope-status"(envelope_id: &str)
        -> signing::EnvelopeInfo;
    /// `get-signed-documents`.
    get_signed_documents / get_signed_documents_async / get_signed_documents_io =
        "signing"."get-signed-documents"(envelope_id: &str)
        -> signing::SignedDocuments;
    /// `void-envelope`.
    void_envelope / void_envelope_async / void_envelope_io =
        "signing"."void-envelope"(envelope_id: &str, reason: &str)
        -> signing::VoidResult;
    /// `send-from-template`.
    send_from_template / send_from_template_async / send_from_template_io =
        "signing"."send-from-template"(req: &signing::TemplateSendRequest)
        -> signing::SentEnvelope;
    /// `create-signing-url`: the result holds a secret URL.
    create_signing_url / create_signing_url_async / create_signing_url_io =
        "signing"."create-signing-url"(
            envelope_id: &str,
            req: &signing::SigningViewRequest
        ) -> signing::SigningView;
    /// `get-envelope-recipients`.
    get_envelope_recipients / get_envelope_recipients_async / get_envelope_recipients_io =
        "signing"."get-envelope-recipients"(envelope_id: &str)
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
        let export = &self.exports.verify_connect_message;
        let (outcome,): (ConnectOutcome,) = self
            .call_export(caps, io, export, (headers, body, hmac_keys))
            .await?;
        Ok(outcome)
    }
}

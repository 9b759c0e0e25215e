//! The dynamic entry point: `invoke(action, json) -> json`, mapping a workflow's service-task
//! variables (snake_case JSON, [`input`]) onto the typed WIT calls and their results back
//! ([`output`]).
//!
//! Success is the action's result object; failure is `{"kind": …, …fields}` keeping every field
//! of the WIT error variant (or `kind: "host"` when the guest was stopped, [`error`]). Binary
//! content is base64 (`content_base64`); with a base directory, documents may also be given by
//! `path`.

pub mod error;
pub mod input;
pub mod output;
pub mod sending;
pub mod webhooks;

pub use error::{ErrorOutput, InvokeError};
pub use input::{FetchInput, InputFiles};
pub use output::Output;

use serde_json::{Value, json};

use crate::bindings::Connection;
use crate::bindings::commands::{ConsentRequest, FetchRequest, GetEventsRequest};
use crate::bindings::signing::{SendRequest, SigningViewRequest, TemplateSendRequest};
use crate::capabilities::Capabilities;
use crate::engine::{ConnectorHost, HostError, Io};
use input::{
    ChangesInput, CommitInput, ConsentInput, EnvelopeInput, GetEventsInput, SendInput, VoidInput,
    no_fields, parse,
};
use output::CommitOutput;
use sending::{SigningUrlInput, TemplateSendInput};
use webhooks::{ConnectEventOutput, ConnectInput, ConnectMessage};

/// Every action name `invoke` accepts, with a one-line description.
pub const ACTIONS: &[(&str, &str)] = &[
    (
        "send-for-signature",
        "send documents to sign; returns the envelope id",
    ),
    (
        "get-envelope-status",
        "status and status times of an envelope",
    ),
    (
        "get-signed-documents",
        "the envelope's documents and its summary (certificate), with SHA-256",
    ),
    (
        "void-envelope",
        "cancel signing of an envelope, with a reason",
    ),
    (
        "send-from-template",
        "send an envelope made from a template, roles filled and fields prefilled",
    ),
    (
        "create-signing-url",
        "the signing URL of an embedded signer (a secret, valid 5 minutes)",
    ),
    (
        "get-envelope-recipients",
        "each recipient's status, times and decline reason",
    ),
    (
        "verify-connect-message",
        "check a Connect webhook's HMAC signature, then read the event (no HTTP)",
    ),
    (
        "generate-consent-url",
        "the URL that grants the integration consent",
    ),
    ("auth-test", "JWT -> token -> /oauth/userinfo -> account"),
    ("reset-access-token", "forget the cached access token"),
    (
        "get-events",
        "read Monitor customer events, Admin API users or envelope changes (debugging)",
    ),
    (
        "fetch-events",
        "collect new events since the committed checkpoint (commit with commit-fetch)",
    ),
    (
        "fetch-envelope-changes",
        "the changes feed: fetch-events of envelope-changes alone (commit with commit-fetch)",
    ),
    ("commit-fetch", "record that a fetched batch was delivered"),
];

/// One action with its typed input, as parsed from JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// `auth-test`
    AuthTest,
    /// `reset-access-token`
    ResetAccessToken,
    /// `generate-consent-url`
    GenerateConsentUrl(ConsentRequest),
    /// `get-events`
    GetEvents(GetEventsRequest),
    /// `fetch-events`
    FetchEvents(FetchRequest),
    /// `commit-fetch`
    CommitFetch(String),
    /// `send-for-signature`
    SendForSignature(SendRequest),
    /// `get-envelope-status`
    GetEnvelopeStatus(String),
    /// `get-signed-documents`
    GetSignedDocuments(String),
    /// `void-envelope` (envelope id, reason)
    VoidEnvelope(String, String),
    /// `send-from-template`
    SendFromTemplate(TemplateSendRequest),
    /// `create-signing-url` (envelope id, request)
    CreateSigningUrl(String, SigningViewRequest),
    /// `get-envelope-recipients`
    GetEnvelopeRecipients(String),
    /// `verify-connect-message`
    VerifyConnectMessage(ConnectMessage),
}

/// Read `input` for `action` as [`invoke`] does, without running anything (engines may use it to
/// check service-task variables up front). Field checks that need the connector's rules (e-mail
/// syntax, DocuSign's limits) happen in the connector itself.
pub fn parse_call(action: &str, input: Value, files: InputFiles<'_>) -> Result<Call, InvokeError> {
    let input = if input.is_null() { json!({}) } else { input };
    Ok(match action {
        "auth-test" => {
            no_fields(&input)?;
            Call::AuthTest
        }
        "reset-access-token" => {
            no_fields(&input)?;
            Call::ResetAccessToken
        }
        "generate-consent-url" => {
            Call::GenerateConsentUrl(parse::<ConsentInput>(input)?.into_request()?)
        }
        "get-events" => Call::GetEvents(parse::<GetEventsInput>(input)?.into_request()?),
        "fetch-events" => Call::FetchEvents(parse::<FetchInput>(input)?.into_request()?),
        "fetch-envelope-changes" => {
            Call::FetchEvents(parse::<ChangesInput>(input)?.into_request()?)
        }
        "commit-fetch" => Call::CommitFetch(parse::<CommitInput>(input)?.checkpoint),
        "send-for-signature" => {
            Call::SendForSignature(parse::<SendInput>(input)?.into_request(files)?)
        }
        "get-envelope-status" => {
            Call::GetEnvelopeStatus(parse::<EnvelopeInput>(input)?.envelope_id)
        }
        "get-signed-documents" => {
            Call::GetSignedDocuments(parse::<EnvelopeInput>(input)?.envelope_id)
        }
        "void-envelope" => {
            let i: VoidInput = parse(input)?;
            Call::VoidEnvelope(i.envelope_id, i.reason)
        }
        "send-from-template" => {
            Call::SendFromTemplate(parse::<TemplateSendInput>(input)?.into_request(files)?)
        }
        "create-signing-url" => {
            let (envelope_id, req) = parse::<SigningUrlInput>(input)?.into_request();
            Call::CreateSigningUrl(envelope_id, req)
        }
        "get-envelope-recipients" => {
            Call::GetEnvelopeRecipients(parse::<EnvelopeInput>(input)?.envelope_id)
        }
        "verify-connect-message" => {
            Call::VerifyConnectMessage(parse::<ConnectInput>(input)?.into_message()?)
        }
        other => {
            let known: Vec<&str> = ACTIONS.iter().map(|(a, _)| *a).collect();
            return Err(InvokeError::input(
                "action",
                format!("unknown action {other:?}; one of: {}", known.join(", ")),
            ));
        }
    })
}

/// Run `action` with JSON `input`; the result as JSON.
pub fn invoke(
    host: &ConnectorHost,
    caps: &Capabilities,
    conn: &Connection,
    action: &str,
    input: Value,
    files: InputFiles<'_>,
) -> Result<Value, InvokeError> {
    let call = parse_call(action, input, files)?;
    futures_executor::block_on(dispatch(host, Io::Blocking, caps, conn, call)).map(|o| o.to_json())
}

/// [`invoke`] on the async path: holds no thread while waiting on HTTP.
pub async fn invoke_async(
    host: &ConnectorHost,
    caps: &Capabilities,
    conn: &Connection,
    action: &str,
    input: Value,
    files: InputFiles<'_>,
) -> Result<Value, InvokeError> {
    let call = parse_call(action, input, files)?;
    dispatch(host, Io::Async, caps, conn, call)
        .await
        .map(|o| o.to_json())
}

/// `verify-connect-message` (it needs no connection): the event, or why it was refused.
pub fn verify_connect(
    host: &ConnectorHost,
    caps: &Capabilities,
    message: &ConnectMessage,
) -> Result<ConnectEventOutput, InvokeError> {
    futures_executor::block_on(verify_connect_io(host, Io::Blocking, caps, message))
}

async fn verify_connect_io(
    host: &ConnectorHost,
    io: Io,
    caps: &Capabilities,
    m: &ConnectMessage,
) -> Result<ConnectEventOutput, InvokeError> {
    let outcome = host
        .verify_connect_message_io(io, caps, &m.headers, &m.body, &m.hmac_keys)
        .await;
    finish(outcome, std::convert::identity)
}

/// Run a parsed [`Call`]; the typed result.
pub fn run_call(
    host: &ConnectorHost,
    caps: &Capabilities,
    conn: &Connection,
    call: Call,
) -> Result<Output, InvokeError> {
    futures_executor::block_on(dispatch(host, Io::Blocking, caps, conn, call))
}

/// [`run_call`] on the async path: holds no thread while waiting on HTTP.
pub async fn run_call_async(
    host: &ConnectorHost,
    caps: &Capabilities,
    conn: &Connection,
    call: Call,
) -> Result<Output, InvokeError> {
    dispatch(host, Io::Async, caps, conn, call).await
}

async fn dispatch(
    host: &ConnectorHost,
    io: Io,
    caps: &Capabilities,
    conn: &Connection,
    call: Call,
) -> Result<Output, InvokeError> {
    match call {
        Call::AuthTest => finish(host.auth_test_io(io, caps, conn).await, Output::AuthTest),
        Call::ResetAccessToken => finish(
            host.reset_access_token_io(io, caps, conn).await,
            Output::Reset,
        ),
        Call::GenerateConsentUrl(req) => finish(
            host.generate_consent_url_io(io, caps, conn, &req).await,
            Output::ConsentUrl,
        ),
        Call::GetEvents(req) => finish(
            host.get_events_io(io, caps, conn, &req).await,
            Output::Events,
        ),
        Call::FetchEvents(req) => finish(
            host.fetch_events_io(io, caps, conn, &req).await,
            Output::Fetch,
        ),
        Call::CommitFetch(checkpoint) => finish(
            host.commit_fetch_io(io, caps, conn, &checkpoint)
                .await
                .map(|r| r.map(|()| CommitOutput { committed: true })),
            Output::Commit,
        ),
        Call::SendForSignature(req) => finish(
            host.send_for_signature_io(io, caps, conn, &req).await,
            Output::Sent,
        ),
        Call::GetEnvelopeStatus(id) => finish(
            host.get_envelope_status_io(io, caps, conn, &id).await,
            Output::Status,
        ),
        Call::GetSignedDocuments(id) => finish(
            host.get_signed_documents_io(io, caps, conn, &id).await,
            Output::Documents,
        ),
        Call::VoidEnvelope(id, reason) => finish(
            host.void_envelope_io(io, caps, conn, &id, &reason).await,
            Output::Void,
        ),
        Call::SendFromTemplate(req) => finish(
            host.send_from_template_io(io, caps, conn, &req).await,
            Output::Sent,
        ),
        Call::CreateSigningUrl(id, req) => finish(
            host.create_signing_url_io(io, caps, conn, &id, &req).await,
            Output::SigningView,
        ),
        Call::GetEnvelopeRecipients(id) => finish(
            host.get_envelope_recipients_io(io, caps, conn, &id).await,
            Output::Recipients,
        ),
        Call::VerifyConnectMessage(m) => verify_connect_io(host, io, caps, &m)
            .await
            .map(Output::Connect),
    }
}

/// The typed result, or the error (the connector's, or the host's) as the service task sees it.
fn finish<T, E, O, R>(
    outcome: Result<Result<T, E>, HostError>,
    output: impl FnOnce(O) -> R,
) -> Result<R, InvokeError>
where
    O: From<T>,
    for<'e> ErrorOutput: From<&'e E>,
{
    match outcome {
        Ok(Ok(value)) => Ok(output(value.into())),
        Ok(Err(e)) => Err(ErrorOutput::from(&e).into()),
        Err(e) => Err(<ErrorOutput as From<&HostError>>::from(&e).into()),
    }
}

//! `get-envelope-recipients` and `verify-connect-message`: the Connect input (headers, the exact
//! body, HMAC keys) and both results as JSON.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::InvokeError;
use super::output::rfc3339;
use crate::bindings::signing::{ConnectEvent, EnvelopeRecipients, Recipient};

/// A Connect message to check: what `verify-connect-message` takes. The keys are secrets: not
/// shown by `Debug`.
#[derive(Clone, PartialEq)]
pub struct ConnectMessage {
    /// The request's headers.
    pub headers: Vec<(String, String)>,
    /// The exact request body.
    pub body: Vec<u8>,
    /// The account's active Connect HMAC keys.
    pub hmac_keys: Vec<String>,
}

impl std::fmt::Debug for ConnectMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectMessage")
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .field(
                "hmac_keys",
                &format_args!("[{} redacted]", self.hmac_keys.len()),
            )
            .finish()
    }
}

/// Headers as an object (`{"X-DocuSign-Signature-1": "…"}`) or as `[name, value]` pairs.
#[derive(Deserialize)]
#[serde(untagged)]
enum Headers {
    Pairs(Vec<(String, String)>),
    Object(serde_json::Map<String, Value>),
}

/// `verify-connect-message`: `headers`, the body as text (`body`) or base64 (`body_base64`),
/// `hmac_keys`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConnectInput {
    headers: Headers,
    body: Option<String>,
    body_base64: Option<String>,
    hmac_keys: Vec<String>,
}

impl ConnectInput {
    pub(super) fn into_message(self) -> Result<ConnectMessage, InvokeError> {
        let headers = match self.headers {
            Headers::Pairs(pairs) => pairs,
            Headers::Object(map) => map
                .into_iter()
                .map(|(name, value)| match value {
                    Value::String(v) => Ok((name, v)),
                    _ => Err(InvokeError::input(
                        &format!("headers.{name}"),
                        "a header value must be a string",
                    )),
                })
                .collect::<Result<_, _>>()?,
        };
        let body = match (self.body, self.body_base64) {
            (Some(text), None) => text.into_bytes(),
            (None, Some(b64)) => STANDARD
                .decode(b64.trim())
                .map_err(|e| InvokeError::input("body_base64", format!("not base64: {e}")))?,
            _ => {
                return Err(InvokeError::input(
                    "body",
                    "give the exact request body as `body` (text) or `body_base64`, one of them",
                ));
            }
        };
        Ok(ConnectMessage {
            headers,
            body,
            hmac_keys: self.hmac_keys,
        })
    }
}

/// One recipient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecipientOutput {
    /// DocuSign's recipient id.
    pub recipient_id: String,
    /// `signer`, `carbon-copy`, …
    pub kind: String,
    /// Routing order.
    pub routing_order: Option<u32>,
    /// Name.
    pub name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Status code.
    pub status: String,
    /// Sent.
    pub sent_at: Option<String>,
    /// Opened.
    pub delivered_at: Option<String>,
    /// Signed.
    pub signed_at: Option<String>,
    /// Declined.
    pub declined_at: Option<String>,
    /// Why declined.
    pub declined_reason: Option<String>,
    /// Embedded recipient's id in the sender's application.
    pub client_user_id: Option<String>,
}

impl From<Recipient> for RecipientOutput {
    fn from(r: Recipient) -> Self {
        Self {
            recipient_id: r.recipient_id,
            kind: r.kind.as_str().to_owned(),
            routing_order: r.routing_order,
            name: r.name,
            email: r.email,
            status: r.status.as_str().to_owned(),
            sent_at: rfc3339(r.sent_at),
            delivered_at: rfc3339(r.delivered_at),
            signed_at: rfc3339(r.signed_at),
            declined_at: rfc3339(r.declined_at),
            declined_reason: r.declined_reason,
            client_user_id: r.client_user_id,
        }
    }
}

/// `get-envelope-recipients`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecipientsOutput {
    /// Envelope id.
    pub envelope_id: String,
    /// Routing order the envelope is at.
    pub current_routing_order: Option<u32>,
    /// Every recipient.
    pub recipients: Vec<RecipientOutput>,
}

impl From<EnvelopeRecipients> for RecipientsOutput {
    fn from(e: EnvelopeRecipients) -> Self {
        Self {
            envelope_id: e.envelope_id,
            current_routing_order: e.current_routing_order,
            recipients: e.recipients.into_iter().map(Into::into).collect(),
        }
    }
}

/// `verify-connect-message`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectEventOutput {
    /// `envelope-completed`, `recipient-declined`, …
    pub event: String,
    /// `v2.1`.
    pub api_version: Option<String>,
    /// When DocuSign generated it.
    pub generated_at: Option<String>,
    /// Account.
    pub account_id: Option<String>,
    /// User.
    pub user_id: Option<String>,
    /// Envelope.
    pub envelope_id: String,
    /// Recipient, for recipient events.
    pub recipient_id: Option<String>,
    /// Envelope status, with the summary.
    pub envelope_status: Option<String>,
    /// E-mail subject, with the summary.
    pub email_subject: Option<String>,
    /// Recipients, when included.
    pub recipients: Vec<RecipientOutput>,
    /// Deduplication key.
    pub event_id: String,
    /// Which key (1-based) signed it.
    pub key_index: u32,
}

impl From<ConnectEvent> for ConnectEventOutput {
    fn from(e: ConnectEvent) -> Self {
        Self {
            event: e.event,
            api_version: e.api_version,
            generated_at: rfc3339(e.generated_at),
            account_id: e.account_id,
            user_id: e.user_id,
            envelope_id: e.envelope_id,
            recipient_id: e.recipient_id,
            envelope_status: e.envelope_status.map(|s| s.as_str().to_owned()),
            email_subject: e.email_subject,
            recipients: e.recipients.into_iter().map(Into::into).collect(),
            event_id: e.event_id,
            key_index: e.key_index,
        }
    }
}

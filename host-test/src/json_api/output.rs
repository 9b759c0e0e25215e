//! Action results as serde structs: the JSON the service task gets back (snake_case WIT names,
//! times as RFC 3339, binary content as base64), each built from its WIT result by one `From`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::Value;

use super::error::ErrorOutput;
use super::sending::SigningViewOutput;
use super::webhooks::{ConnectEventOutput, RecipientsOutput};
use crate::bindings::Timestamp;
use crate::bindings::commands::{
    Account, AuthTestResult, ConsentUrl, Event, FetchBatch, ResetResult, StreamReport,
};
use crate::bindings::signing::{
    EnvelopeInfo, SentEnvelope, SignedDocument, SignedDocuments, VoidResult,
};

/// A time as RFC 3339 (UTC).
pub(super) fn rfc3339(t: Option<Timestamp>) -> Option<String> {
    t.map(Timestamp::to_rfc3339)
}

/// The result of any action.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Output {
    /// `generate-consent-url`
    ConsentUrl(ConsentUrlOutput),
    /// `auth-test`
    AuthTest(AuthTestOutput),
    /// `reset-access-token`
    Reset(ResetOutput),
    /// `get-events`
    Events(EventsOutput),
    /// `fetch-events`
    Fetch(FetchOutput),
    /// `commit-fetch`
    Commit(CommitOutput),
    /// `send-for-signature`, `send-from-template`
    Sent(SentOutput),
    /// `get-envelope-status`
    Status(StatusOutput),
    /// `get-signed-documents`
    Documents(DocumentsOutput),
    /// `void-envelope`
    Void(VoidOutput),
    /// `create-signing-url` (holds a secret URL: see [`Output::redacted`])
    SigningView(SigningViewOutput),
    /// `get-envelope-recipients`
    Recipients(RecipientsOutput),
    /// `verify-connect-message`
    Connect(ConnectEventOutput),
}

impl Output {
    /// As JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The result with secrets replaced, for printing and logging: the signing URL of
    /// `create-signing-url` (everything else is unchanged).
    pub fn redacted(&self) -> Self {
        match self {
            Self::SigningView(v) => Self::SigningView(v.redacted()),
            other => other.clone(),
        }
    }
}

/// `generate-consent-url`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsentUrlOutput {
    /// Open this URL to grant consent.
    pub url: String,
    /// Scopes it asks for.
    pub scopes: Vec<String>,
}

impl From<ConsentUrl> for ConsentUrlOutput {
    fn from(u: ConsentUrl) -> Self {
        Self {
            url: u.url,
            scopes: u.scopes,
        }
    }
}

/// One account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountOutput {
    /// Account GUID.
    pub account_id: String,
    /// Name.
    pub account_name: String,
    /// Data-center base URI.
    pub base_uri: String,
    /// The user's default account.
    pub is_default: bool,
    /// Organization, if any.
    pub organization_id: Option<String>,
}

impl From<Account> for AccountOutput {
    fn from(a: Account) -> Self {
        Self {
            account_id: a.account_id,
            account_name: a.account_name,
            base_uri: a.base_uri,
            is_default: a.is_default,
            organization_id: a.organization_id,
        }
    }
}

/// `auth-test`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthTestOutput {
    /// User GUID.
    pub user_id: String,
    /// Name.
    pub user_name: String,
    /// E-mail.
    pub email: String,
    /// The account operations use.
    pub account: AccountOutput,
    /// Every account.
    pub accounts: Vec<AccountOutput>,
    /// Token scopes.
    pub scopes: Vec<String>,
    /// Token expiry.
    pub token_expires_at: String,
    /// From the cache.
    pub token_reused: bool,
}

impl From<AuthTestResult> for AuthTestOutput {
    fn from(r: AuthTestResult) -> Self {
        Self {
            user_id: r.user_id,
            user_name: r.user_name,
            email: r.email,
            account: r.account.into(),
            accounts: r.accounts.into_iter().map(Into::into).collect(),
            scopes: r.scopes,
            token_expires_at: r.token_expires_at.to_rfc3339(),
            token_reused: r.token_reused,
        }
    }
}

/// `reset-access-token`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResetOutput {
    /// A cached token was removed.
    pub token_removed: bool,
}

impl From<ResetResult> for ResetOutput {
    fn from(r: ResetResult) -> Self {
        Self {
            token_removed: r.token_removed,
        }
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventOutput {
    /// `customer-events` or `audit-users`.
    pub event_type: String,
    /// Dedup id.
    pub id: String,
    /// Normalized time.
    pub time: Option<String>,
    /// The event as DocuSign sent it (with `_time`, `source_log_type`).
    pub data: Value,
}

impl From<Event> for EventOutput {
    fn from(e: Event) -> Self {
        let data = serde_json::from_str::<Value>(&e.json).unwrap_or(Value::String(e.json));
        Self {
            event_type: e.event_type.as_str().to_owned(),
            id: e.id,
            time: rfc3339(e.time),
            data,
        }
    }
}

/// `get-events`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventsOutput {
    /// The events.
    pub events: Vec<EventOutput>,
}

impl From<Vec<Event>> for EventsOutput {
    fn from(events: Vec<Event>) -> Self {
        Self {
            events: events.into_iter().map(Into::into).collect(),
        }
    }
}

/// One stream of a fetch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamOutput {
    /// The stream.
    pub event_type: String,
    /// Events returned for it.
    pub fetched: u32,
    /// More is waiting.
    pub more_available: bool,
    /// Why it stopped early.
    pub error: Option<ErrorOutput>,
}

impl From<StreamReport> for StreamOutput {
    fn from(s: StreamReport) -> Self {
        Self {
            event_type: s.event_type.as_str().to_owned(),
            fetched: s.fetched,
            more_available: s.more_available,
            error: s.error.as_ref().map(Into::into),
        }
    }
}

/// `fetch-events`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FetchOutput {
    /// New events.
    pub events: Vec<EventOutput>,
    /// Pass to `commit-fetch` once the events are delivered.
    pub checkpoint: String,
    /// One report per stream.
    pub streams: Vec<StreamOutput>,
    /// Wait before the next fetch.
    pub retry_after_secs: Option<u64>,
}

impl From<FetchBatch> for FetchOutput {
    fn from(b: FetchBatch) -> Self {
        Self {
            events: b.events.into_iter().map(Into::into).collect(),
            checkpoint: b.checkpoint,
            streams: b.streams.into_iter().map(Into::into).collect(),
            retry_after_secs: b.retry_after_secs,
        }
    }
}

/// `commit-fetch`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitOutput {
    /// Always true.
    pub committed: bool,
}

/// `send-for-signature`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentOutput {
    /// Envelope id.
    pub envelope_id: String,
    /// Status after sending.
    pub status: String,
    /// When the status was set.
    pub status_changed_at: Option<String>,
    /// An earlier envelope with the idempotency key was returned.
    pub reused: bool,
}

impl From<SentEnvelope> for SentOutput {
    fn from(s: SentEnvelope) -> Self {
        Self {
            envelope_id: s.envelope_id,
            status: s.status.as_str().to_owned(),
            status_changed_at: rfc3339(s.status_changed_at),
            reused: s.reused,
        }
    }
}

/// `get-envelope-status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusOutput {
    /// Envelope id.
    pub envelope_id: String,
    /// Status code.
    pub status: String,
    /// Last change.
    pub status_changed_at: Option<String>,
    /// Sent.
    pub sent_at: Option<String>,
    /// Viewed by all.
    pub delivered_at: Option<String>,
    /// Completed.
    pub completed_at: Option<String>,
    /// Declined.
    pub declined_at: Option<String>,
    /// Voided.
    pub voided_at: Option<String>,
    /// Void reason.
    pub voided_reason: Option<String>,
    /// Expiry.
    pub expires_at: Option<String>,
    /// Subject.
    pub email_subject: Option<String>,
}

impl From<EnvelopeInfo> for StatusOutput {
    fn from(i: EnvelopeInfo) -> Self {
        Self {
            envelope_id: i.envelope_id,
            status: i.status.as_str().to_owned(),
            status_changed_at: rfc3339(i.status_changed_at),
            sent_at: rfc3339(i.sent_at),
            delivered_at: rfc3339(i.delivered_at),
            completed_at: rfc3339(i.completed_at),
            declined_at: rfc3339(i.declined_at),
            voided_at: rfc3339(i.voided_at),
            voided_reason: i.voided_reason,
            expires_at: rfc3339(i.expires_at),
            email_subject: i.email_subject,
        }
    }
}

/// One downloaded document: its content inline, or (once saved) the file it is in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentOutput {
    /// Document id (`certificate` for the summary).
    pub document_id: String,
    /// Name.
    pub name: String,
    /// Bytes.
    pub size: usize,
    /// SHA-256, hex.
    pub sha256: String,
    /// The PDF, base64 (absent once saved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
    /// Where it was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl From<SignedDocument> for DocumentOutput {
    fn from(d: SignedDocument) -> Self {
        Self {
            document_id: d.document_id,
            name: d.name,
            size: d.content.len(),
            sha256: d.sha256,
            content_base64: Some(STANDARD.encode(&d.content)),
            path: None,
        }
    }
}

/// `get-signed-documents`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentsOutput {
    /// Envelope id.
    pub envelope_id: String,
    /// The documents.
    pub documents: Vec<DocumentOutput>,
    /// The certificate of completion.
    pub summary: DocumentOutput,
}

impl From<SignedDocuments> for DocumentsOutput {
    fn from(d: SignedDocuments) -> Self {
        Self {
            envelope_id: d.envelope_id,
            documents: d.documents.into_iter().map(Into::into).collect(),
            summary: d.summary.into(),
        }
    }
}

/// `void-envelope`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoidOutput {
    /// Envelope id.
    pub envelope_id: String,
    /// It was voided before.
    pub already_voided: bool,
}

impl From<VoidResult> for VoidOutput {
    fn from(v: VoidResult) -> Self {
        Self {
            envelope_id: v.envelope_id,
            already_voided: v.already_voided,
        }
    }
}

//! The eSignature actions (REST v2.1): the four of Qflow's DocuSign connector (send for
//! signature, envelope status, signed documents, void, with the same inputs), and sending from a
//! template, signature placement, embedded signing and recipient status.

pub mod custom_fields;
pub mod documents;
pub mod envelope;
pub mod fields;
pub mod idempotency;
pub mod recipients;
pub mod routing;
pub mod send;
pub mod signing_view;
pub mod status;
pub mod tabs;
pub mod template;
pub mod validate;
pub mod void;

use crate::timestamp::Timestamp;

/// A document to send (WIT `document`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// File name with extension.
    pub name: String,
    /// File bytes.
    pub content: Vec<u8>,
}

/// Expiration settings (WIT `expiration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expiration {
    /// Whether the envelope expires.
    pub enabled: bool,
    /// Days it can be signed.
    pub validity_days: Option<u32>,
    /// Days before expiry for the warning.
    pub warning_days: Option<u32>,
}

/// Reminder settings (WIT `reminders`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reminders {
    /// Whether reminders are sent.
    pub enabled: bool,
    /// Days until the first reminder.
    pub first_reminder_days: Option<u32>,
    /// Days between reminders.
    pub interval_days: Option<u32>,
}

/// Inputs of "send documents to sign" (WIT `send-request`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SendRequest {
    /// Signer e-mails.
    pub signer_emails: Vec<String>,
    /// Signer names, same order.
    pub signer_names: Vec<String>,
    /// Documents.
    pub documents: Vec<Document>,
    /// E-mail subject.
    pub email_subject: String,
    /// E-mail body.
    pub email_body: Option<String>,
    /// CC e-mails.
    pub cc_emails: Vec<String>,
    /// CC names, same order.
    pub cc_names: Vec<String>,
    /// Signing order per signer.
    pub signing_order: Vec<Option<u32>>,
    /// Expiration.
    pub expiration: Option<Expiration>,
    /// Reminders.
    pub reminders: Option<Reminders>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
    /// Fields per signer, in signer order.
    pub signer_fields: Vec<Vec<tabs::SigningField>>,
    /// Client user ids (embedded signers), in signer order.
    pub signer_client_user_ids: Vec<Option<String>>,
}

/// Envelope status (WIT `envelope-status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeStatus {
    /// Draft.
    Created,
    /// Sent.
    Sent,
    /// All viewed.
    Delivered,
    /// All signed, completing.
    Signed,
    /// Completed.
    Completed,
    /// Declined.
    Declined,
    /// Voided or expired.
    Voided,
    /// Being corrected.
    Correct,
    /// A template.
    Template,
    /// Legacy.
    Deleted,
    /// Legacy.
    TimedOut,
    /// Unknown, as spelled.
    Other(String),
}

impl EnvelopeStatus {
    /// From DocuSign's lower-case status code (any case accepted).
    pub fn parse(code: &str) -> Self {
        match code.trim().to_ascii_lowercase().as_str() {
            "created" => Self::Created,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "signed" => Self::Signed,
            "completed" => Self::Completed,
            "declined" => Self::Declined,
            "voided" => Self::Voided,
            "correct" => Self::Correct,
            "template" => Self::Template,
            "deleted" => Self::Deleted,
            "timedout" => Self::TimedOut,
            _ => Self::Other(code.to_owned()),
        }
    }

    /// DocuSign's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Created => "created",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Signed => "signed",
            Self::Completed => "completed",
            Self::Declined => "declined",
            Self::Voided => "voided",
            Self::Correct => "correct",
            Self::Template => "template",
            Self::Deleted => "deleted",
            Self::TimedOut => "timedout",
            Self::Other(s) => s,
        }
    }
}

/// Result of a send (WIT `sent-envelope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEnvelope {
    /// Envelope id.
    pub envelope_id: String,
    /// Status.
    pub status: EnvelopeStatus,
    /// Status time.
    pub status_changed_at: Option<Timestamp>,
    /// Found by idempotency key instead of sent.
    pub reused: bool,
}

/// Envelope status and times (WIT `envelope-info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeInfo {
    /// Envelope id.
    pub envelope_id: String,
    /// Status.
    pub status: EnvelopeStatus,
    /// Last status change.
    pub status_changed_at: Option<Timestamp>,
    /// Sent.
    pub sent_at: Option<Timestamp>,
    /// Delivered.
    pub delivered_at: Option<Timestamp>,
    /// Completed.
    pub completed_at: Option<Timestamp>,
    /// Declined.
    pub declined_at: Option<Timestamp>,
    /// Voided.
    pub voided_at: Option<Timestamp>,
    /// Void reason.
    pub voided_reason: Option<String>,
    /// Expiry, when expiration applies.
    pub expires_at: Option<Timestamp>,
    /// Subject.
    pub email_subject: Option<String>,
}

/// A downloaded file (WIT `signed-document`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDocument {
    /// Document id.
    pub document_id: String,
    /// Name.
    pub name: String,
    /// PDF bytes.
    pub content: Vec<u8>,
    /// SHA-256, hex.
    pub sha256: String,
}

/// All documents and the summary (WIT `signed-documents`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDocuments {
    /// Envelope id.
    pub envelope_id: String,
    /// Documents.
    pub documents: Vec<SignedDocument>,
    /// Certificate of completion.
    pub summary: SignedDocument,
}

/// Result of a void (WIT `void-result`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoidResult {
    /// Envelope id.
    pub envelope_id: String,
    /// It was voided already.
    pub already_voided: bool,
}

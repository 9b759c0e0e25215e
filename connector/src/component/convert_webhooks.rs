//! Conversions for recipients and Connect messages: one `From` impl per pair and direction
//! (the rest are in [`super::convert`]).

use super::exports::docusign::connector::signing as wit_signing;
use crate::connect::{ConnectError, ConnectEvent};
use crate::esign::recipients::{EnvelopeRecipients, Recipient, RecipientKind, RecipientStatus};

impl From<RecipientKind> for wit_signing::RecipientKind {
    fn from(k: RecipientKind) -> Self {
        match k {
            RecipientKind::Signer => Self::Signer,
            RecipientKind::CarbonCopy => Self::CarbonCopy,
            RecipientKind::CertifiedDelivery => Self::CertifiedDelivery,
            RecipientKind::Agent => Self::Agent,
            RecipientKind::Editor => Self::Editor,
            RecipientKind::Intermediary => Self::Intermediary,
            RecipientKind::InPersonSigner => Self::InPersonSigner,
            RecipientKind::Witness => Self::Witness,
            RecipientKind::Notary => Self::Notary,
            RecipientKind::Seal => Self::Seal,
        }
    }
}

impl From<RecipientStatus> for wit_signing::RecipientStatus {
    fn from(s: RecipientStatus) -> Self {
        match s {
            RecipientStatus::Created => Self::Created,
            RecipientStatus::Sent => Self::Sent,
            RecipientStatus::Delivered => Self::Delivered,
            RecipientStatus::Signed => Self::Signed,
            RecipientStatus::Completed => Self::Completed,
            RecipientStatus::Declined => Self::Declined,
            RecipientStatus::AutoResponded => Self::AutoResponded,
            RecipientStatus::FaxPending => Self::FaxPending,
            RecipientStatus::Other(o) => Self::Other(o),
        }
    }
}

impl From<Recipient> for wit_signing::Recipient {
    fn from(r: Recipient) -> Self {
        Self {
            recipient_id: r.recipient_id,
            kind: r.kind.into(),
            routing_order: r.routing_order,
            name: r.name,
            email: r.email,
            status: r.status.into(),
            sent_at: r.sent_at.map(Into::into),
            delivered_at: r.delivered_at.map(Into::into),
            signed_at: r.signed_at.map(Into::into),
            declined_at: r.declined_at.map(Into::into),
            declined_reason: r.declined_reason,
            client_user_id: r.client_user_id,
        }
    }
}

impl From<EnvelopeRecipients> for wit_signing::EnvelopeRecipients {
    fn from(e: EnvelopeRecipients) -> Self {
        Self {
            envelope_id: e.envelope_id,
            current_routing_order: e.current_routing_order,
            recipients: e.recipients.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<ConnectEvent> for wit_signing::ConnectEvent {
    fn from(e: ConnectEvent) -> Self {
        Self {
            event: e.event,
            api_version: e.api_version,
            generated_at: e.generated_at.map(Into::into),
            account_id: e.account_id,
            user_id: e.user_id,
            envelope_id: e.envelope_id,
            recipient_id: e.recipient_id,
            envelope_status: e.envelope_status.map(Into::into),
            email_subject: e.email_subject,
            recipients: e.recipients.into_iter().map(Into::into).collect(),
            event_id: e.event_id,
            key_index: e.key_index,
        }
    }
}

impl From<ConnectError> for wit_signing::ConnectError {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::Unsigned => Self::Unsigned,
            ConnectError::NoKeys => Self::NoKeys,
            ConnectError::Mismatch { signatures, keys } => {
                Self::Mismatch(wit_signing::SignatureMismatch { signatures, keys })
            }
            ConnectError::InvalidMessage(m) => Self::InvalidMessage(m),
        }
    }
}

//! Who an envelope went to and where each recipient is: `GET …/envelopes/{id}/recipients`, and
//! the same `recipients` object inside Connect messages ([`crate::connect`]).

use serde::Deserialize;

use super::fields;
use crate::auth::{Session, scopes};
use crate::config::Config;
use crate::error::Result;
use crate::host::Host;
use crate::http;
use crate::request::{HttpRequest, Method};
use crate::timestamp::Timestamp;
use crate::wire::lenient_u64;

/// What part a recipient plays (the array DocuSign lists it in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientKind {
    /// `signers`
    Signer,
    /// `carbonCopies`
    CarbonCopy,
    /// `certifiedDeliveries`
    CertifiedDelivery,
    /// `agents`
    Agent,
    /// `editors`
    Editor,
    /// `intermediaries`
    Intermediary,
    /// `inPersonSigners`
    InPersonSigner,
    /// `witnesses`
    Witness,
    /// `notaries`
    Notary,
    /// `seals`
    Seal,
}

impl RecipientKind {
    /// The `recipients` array DocuSign lists this kind in.
    pub fn list_name(self) -> &'static str {
        match self {
            Self::Signer => "signers",
            Self::CarbonCopy => "carbonCopies",
            Self::CertifiedDelivery => "certifiedDeliveries",
            Self::Agent => "agents",
            Self::Editor => "editors",
            Self::Intermediary => "intermediaries",
            Self::InPersonSigner => "inPersonSigners",
            Self::Witness => "witnesses",
            Self::Notary => "notaries",
            Self::Seal => "seals",
        }
    }
}

/// A recipient's status (DocuSign's recipient status codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientStatus {
    /// Not yet sent (a later routing order).
    Created,
    /// Sent the envelope.
    Sent,
    /// Opened it.
    Delivered,
    /// Signed; becomes `completed` shortly.
    Signed,
    /// Done.
    Completed,
    /// Declined to sign.
    Declined,
    /// The e-mail bounced or an auto-reply came back.
    AutoResponded,
    /// Waiting for a fax.
    FaxPending,
    /// A status this version does not know, as DocuSign spelled it.
    Other(String),
}

impl RecipientStatus {
    /// From DocuSign's status code (any case).
    pub fn parse(code: &str) -> Self {
        match code.trim().to_ascii_lowercase().as_str() {
            "created" => Self::Created,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "signed" => Self::Signed,
            "completed" => Self::Completed,
            "declined" => Self::Declined,
            "autoresponded" => Self::AutoResponded,
            "faxpending" => Self::FaxPending,
            _ => Self::Other(code.to_owned()),
        }
    }
}

/// One recipient (WIT `recipient`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// DocuSign's recipient id within the envelope (`"1"`, `"2"`, …).
    pub recipient_id: String,
    /// Signer, carbon copy, …
    pub kind: RecipientKind,
    /// Routing order (recipients with the same order act in parallel).
    pub routing_order: Option<u32>,
    /// Name.
    pub name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Status.
    pub status: RecipientStatus,
    /// When the envelope was sent to them.
    pub sent_at: Option<Timestamp>,
    /// When they opened it.
    pub delivered_at: Option<Timestamp>,
    /// When they signed.
    pub signed_at: Option<Timestamp>,
    /// When they declined.
    pub declined_at: Option<Timestamp>,
    /// Why they declined.
    pub declined_reason: Option<String>,
    /// Set for an embedded recipient (signs in the sender's own application).
    pub client_user_id: Option<String>,
}

/// An envelope's recipients (WIT `envelope-recipients`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeRecipients {
    /// Envelope id.
    pub envelope_id: String,
    /// Routing order of the recipients the envelope is with now.
    pub current_routing_order: Option<u32>,
    /// Every recipient, by kind in DocuSign's order, then as listed.
    pub recipients: Vec<Recipient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRecipient {
    recipient_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    routing_order: Option<u64>,
    name: Option<String>,
    email: Option<String>,
    status: Option<String>,
    sent_date_time: Option<String>,
    delivered_date_time: Option<String>,
    signed_date_time: Option<String>,
    declined_date_time: Option<String>,
    declined_reason: Option<String>,
    client_user_id: Option<String>,
}

/// DocuSign's `recipients` object (an envelope's, or the one in a Connect message).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct WireRecipients {
    signers: Vec<WireRecipient>,
    carbon_copies: Vec<WireRecipient>,
    certified_deliveries: Vec<WireRecipient>,
    agents: Vec<WireRecipient>,
    editors: Vec<WireRecipient>,
    intermediaries: Vec<WireRecipient>,
    in_person_signers: Vec<WireRecipient>,
    witnesses: Vec<WireRecipient>,
    notaries: Vec<WireRecipient>,
    seals: Vec<WireRecipient>,
    #[serde(deserialize_with = "lenient_u64")]
    current_routing_order: Option<u64>,
}

impl WireRecipients {
    /// Routing order of the recipients the envelope is with now.
    pub(crate) fn current_routing_order(&self) -> Option<u32> {
        self.current_routing_order
            .and_then(|n| u32::try_from(n).ok())
    }

    /// Every recipient, typed. Unreadable times are left out.
    pub(crate) fn into_recipients(self) -> Vec<Recipient> {
        use RecipientKind::*;
        let groups = [
            (Signer, self.signers),
            (CarbonCopy, self.carbon_copies),
            (CertifiedDelivery, self.certified_deliveries),
            (Agent, self.agents),
            (Editor, self.editors),
            (Intermediary, self.intermediaries),
            (InPersonSigner, self.in_person_signers),
            (Witness, self.witnesses),
            (Notary, self.notaries),
            (Seal, self.seals),
        ];
        groups
            .into_iter()
            .flat_map(|(kind, list)| list.into_iter().map(move |r| typed(kind, r)))
            .collect()
    }
}

fn typed(kind: RecipientKind, r: WireRecipient) -> Recipient {
    let time = |t: Option<String>| t.as_deref().and_then(Timestamp::parse);
    Recipient {
        recipient_id: r.recipient_id.unwrap_or_default(),
        kind,
        routing_order: r.routing_order.and_then(|n| u32::try_from(n).ok()),
        name: r.name.filter(|n| !n.is_empty()),
        email: r.email.filter(|e| !e.is_empty()),
        status: RecipientStatus::parse(r.status.as_deref().unwrap_or("")),
        sent_at: time(r.sent_date_time),
        delivered_at: time(r.delivered_date_time),
        signed_at: time(r.signed_date_time),
        declined_at: time(r.declined_date_time),
        declined_reason: r.declined_reason.filter(|d| !d.is_empty()),
        client_user_id: r.client_user_id.filter(|c| !c.is_empty()),
    }
}

/// The recipients of envelope `envelope_id` and their status.
pub fn get_recipients(
    host: &dyn Host,
    config: &Config,
    envelope_id: &str,
) -> Result<EnvelopeRecipients> {
    let envelope_id = fields::envelope_id(envelope_id)?;
    let session = Session::new(host, config, scopes::ESIGNATURE);
    let account = session.account()?;
    let url = format!(
        "{}/envelopes/{envelope_id}/recipients",
        account.esign_base()
    );
    let resp = session.send_expecting_success(HttpRequest::new(Method::Get, url).accept_json())?;
    let reply: WireRecipients = http::json(&resp, "envelope recipients")?;
    Ok(EnvelopeRecipients {
        envelope_id: envelope_id.to_owned(),
        current_routing_order: reply.current_routing_order(),
        recipients: reply.into_recipients(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::connection;
    use crate::testing::{ACCOUNT_BASE, FakeHost};

    const ENVELOPE: &str = "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad";

    /// DocuSign's documented shape (docusign-beyond.md §6): a declined signer and a carbon copy
    /// not yet sent; numbers are strings.
    #[test]
    fn recipients_are_typed_from_docusigns_shape() {
        let config = Config::from_connection(&connection()).unwrap();
        let host = FakeHost::with_session(&config);
        host.expect(
            Method::Get,
            &format!("{ACCOUNT_BASE}/envelopes/{ENVELOPE}/recipients"),
            200,
            r#"{"signers":[{"recipientId":"1","recipientIdGuid":"a1b2","routingOrder":"1",
                "name":"Ann Lee","email":"ann@example.com","status":"declined",
                "sentDateTime":"2025-05-02T15:40:40.3970000Z",
                "deliveredDateTime":"2025-05-02T15:42:01.1000000Z",
                "declinedDateTime":"2025-05-02T15:43:10.0000000Z",
                "declinedReason":"Wrong amount","recipientType":"signer"}],
               "carbonCopies":[{"recipientId":"2","routingOrder":"2","name":"Bo Li",
                "email":"bo@example.com","status":"created"}],
               "recipientCount":"2","currentRoutingOrder":"1"}"#,
        );
        let got = get_recipients(&host, &config, ENVELOPE).unwrap();
        assert_eq!(got.current_routing_order, Some(1));
        assert_eq!(got.recipients.len(), 2);
        let ann = &got.recipients[0];
        assert_eq!(ann.kind, RecipientKind::Signer);
        assert_eq!(ann.status, RecipientStatus::Declined);
        assert_eq!(ann.routing_order, Some(1));
        assert_eq!(ann.declined_reason.as_deref(), Some("Wrong amount"));
        assert_eq!(
            ann.declined_at,
            Timestamp::parse("2025-05-02T15:43:10Z"),
            "declined time"
        );
        assert_eq!(ann.signed_at, None);
        let bo = &got.recipients[1];
        assert_eq!(
            (bo.kind, &bo.status, bo.routing_order),
            (
                RecipientKind::CarbonCopy,
                &RecipientStatus::Created,
                Some(2)
            )
        );
    }

    #[test]
    fn a_bad_envelope_id_sends_nothing() {
        let config = Config::from_connection(&connection()).unwrap();
        let host = FakeHost::with_session(&config);
        let err = get_recipients(&host, &config, "not a guid/..").unwrap_err();
        assert!(err.to_string().contains("envelope"), "{err}");
    }
}

//! The JSON SIM message (`eventData.version = "restv2.1"`): `event`, `apiVersion`,
//! `generatedDateTime`, `data.envelopeId`, and the optional `data.envelopeSummary` with its
//! recipients.

use serde::Deserialize;

use super::ConnectError;
use crate::esign::EnvelopeStatus;
use crate::esign::recipients::{Recipient, WireRecipients};
use crate::timestamp::Timestamp;

/// A verified Connect message, typed (WIT `connect-event`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectEvent {
    /// The event, as DocuSign names it (`envelope-completed`, `recipient-declined`, …).
    pub event: String,
    /// `apiVersion` (`v2.1`).
    pub api_version: Option<String>,
    /// When DocuSign generated the message.
    pub generated_at: Option<Timestamp>,
    /// The account.
    pub account_id: Option<String>,
    /// The user the event is about (the sender, usually).
    pub user_id: Option<String>,
    /// The envelope.
    pub envelope_id: String,
    /// The recipient, for recipient events.
    pub recipient_id: Option<String>,
    /// The envelope's status, when the message has the envelope summary.
    pub envelope_status: Option<EnvelopeStatus>,
    /// The envelope's e-mail subject, when the message has the envelope summary.
    pub email_subject: Option<String>,
    /// The recipients, when the configuration includes them (`includeData: ["recipients"]`).
    pub recipients: Vec<Recipient>,
    /// Identifies this event for deduplication (retries and republishing resend it):
    /// envelope, event, recipient and generation time.
    pub event_id: String,
    /// Which of the given HMAC keys (1-based) signed the message.
    pub key_index: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    event: Option<String>,
    api_version: Option<String>,
    generated_date_time: Option<String>,
    data: Option<WireData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireData {
    account_id: Option<String>,
    user_id: Option<String>,
    envelope_id: Option<String>,
    recipient_id: Option<String>,
    envelope_summary: Option<WireSummary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSummary {
    status: Option<String>,
    email_subject: Option<String>,
    recipients: Option<WireRecipients>,
}

/// Read a Connect message (already verified).
pub fn parse(body: &[u8]) -> Result<ConnectEvent, ConnectError> {
    let invalid = |m: &str| ConnectError::InvalidMessage(m.to_owned());
    if body.trim_ascii_start().starts_with(b"<") {
        return Err(invalid(
            "an XML (legacy) message; set the configuration's eventData to version \
             \"restv2.1\", format \"json\"",
        ));
    }
    let wire: Wire = serde_json::from_slice(body)
        .map_err(|e| ConnectError::InvalidMessage(format!("not JSON of Connect's shape: {e}")))?;
    let event = nonempty(wire.event).ok_or_else(|| invalid("no `event`"))?;
    let data = wire.data.ok_or_else(|| invalid("no `data`"))?;
    let envelope_id = nonempty(data.envelope_id).ok_or_else(|| invalid("no `data.envelopeId`"))?;
    let recipient_id = nonempty(data.recipient_id);
    let generated = nonempty(wire.generated_date_time);
    let event_id = format!(
        "{envelope_id}/{event}/{}/{}",
        recipient_id.as_deref().unwrap_or(""),
        generated.as_deref().unwrap_or("")
    );
    let (envelope_status, email_subject, recipients) = match data.envelope_summary {
        Some(summary) => (
            nonempty(summary.status).map(|s| EnvelopeStatus::parse(&s)),
            nonempty(summary.email_subject),
            summary
                .recipients
                .map(WireRecipients::into_recipients)
                .unwrap_or_default(),
        ),
        None => (None, None, Vec::new()),
    };
    Ok(ConnectEvent {
        event,
        api_version: nonempty(wire.api_version),
        generated_at: generated.as_deref().and_then(Timestamp::parse),
        account_id: nonempty(data.account_id),
        user_id: nonempty(data.user_id),
        envelope_id,
        recipient_id,
        envelope_status,
        email_subject,
        recipients,
        event_id,
        key_index: 0,
    })
}

fn nonempty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esign::recipients::{RecipientKind, RecipientStatus};

    /// The recipient-completed sample of docusign-beyond.md §1.1 (DocuSign's schema), completed.
    pub(crate) const SAMPLE: &str = r#"{"event":"recipient-completed","apiVersion":"v2.1",
        "uri":"/restapi/v2.1/accounts/9f1c0e4a-0000-4000-8000-000000000001/envelopes/4b2e9a10-0000-4000-8000-000000000002",
        "retryCount":0,"configurationId":10430604,"generatedDateTime":"2023-07-06T18:05:48.4147743Z",
        "data":{"accountId":"9f1c0e4a-0000-4000-8000-000000000001","userId":"ad95c6e1-0000-4000-8000-000000000003",
         "recipientId":"1","envelopeId":"4b2e9a10-0000-4000-8000-000000000002",
         "envelopeSummary":{"status":"sent","emailSubject":"Please sign",
          "recipients":{"signers":[{"recipientId":"1","routingOrder":"1","name":"Ann Lee",
            "email":"ann@example.com","status":"completed",
            "signedDateTime":"2023-07-06T18:05:40.0000000Z"}],
           "carbonCopies":[{"recipientId":"2","routingOrder":"2","name":"Bo Li","email":"bo@example.com",
            "status":"created"}]}}}}"#;

    #[test]
    fn a_sim_message_is_typed() {
        let e = parse(SAMPLE.as_bytes()).unwrap();
        assert_eq!(e.event, "recipient-completed");
        assert_eq!(e.envelope_id, "4b2e9a10-0000-4000-8000-000000000002");
        assert_eq!(e.recipient_id.as_deref(), Some("1"));
        assert_eq!(e.envelope_status, Some(EnvelopeStatus::Sent));
        assert_eq!(
            e.generated_at,
            Timestamp::parse("2023-07-06T18:05:48.4147743Z")
        );
        assert_eq!(
            e.event_id,
            "4b2e9a10-0000-4000-8000-000000000002/recipient-completed/1/2023-07-06T18:05:48.4147743Z"
        );
        assert_eq!(e.recipients.len(), 2);
        assert_eq!(e.recipients[0].kind, RecipientKind::Signer);
        assert_eq!(e.recipients[0].status, RecipientStatus::Completed);
        assert!(e.recipients[0].signed_at.is_some());
        assert_eq!(e.recipients[1].kind, RecipientKind::CarbonCopy);
    }

    #[test]
    fn older_schemas_and_minimal_messages_are_read() {
        // `retryCount` and `configurationId` were strings before; no summary at all.
        let e = parse(
            br#"{"event":"envelope-voided","retryCount":"0","configurationId":"xxxxxxx",
                "data":{"envelopeId":"e1"}}"#,
        )
        .unwrap();
        assert_eq!(
            (e.event.as_str(), e.envelope_id.as_str()),
            ("envelope-voided", "e1")
        );
        assert!(e.recipients.is_empty() && e.envelope_status.is_none());
    }

    #[test]
    fn what_is_not_a_connect_message_is_refused_with_the_reason() {
        for (body, reason) in [
            (&b"<DocuSignEnvelopeInformation/>"[..], "XML"),
            (b"", "not JSON"),
            (b"[1,2]", "not JSON"),
            (br#"{"data":{"envelopeId":"e1"}}"#, "`event`"),
            (br#"{"event":"envelope-sent"}"#, "`data`"),
            (
                br#"{"event":"envelope-sent","data":{"envelopeId":" "}}"#,
                "envelopeId",
            ),
        ] {
            match parse(body) {
                Err(ConnectError::InvalidMessage(m)) => assert!(m.contains(reason), "{m}"),
                other => panic!("{other:?} for {:?}", String::from_utf8_lossy(body)),
            }
        }
    }
}

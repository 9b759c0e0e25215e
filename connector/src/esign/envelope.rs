//! The create-envelope request body (`POST …/envelopes`).
//!
//! Documents are base64-encoded straight into the request buffer, one at a time, and each
//! document's bytes are released once encoded: a 25 MB file is not held as bytes, base64
//! string and JSON at once.

use serde::Serialize;

use super::custom_fields::CustomFields;
use super::routing::routing_orders;
use super::tabs::{Tabs, to_tabs};
use super::validate::document_extension;
use super::{Document, Expiration, Reminders, SendRequest};
use crate::error::{ConnectorError, Result};
use crate::request::BodyPart;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeDefinition<'a> {
    email_subject: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_blurb: Option<&'a str>,
    status: &'static str,
    recipients: Recipients<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notification: Option<Notification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_fields: Option<&'a CustomFields>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Recipients<'a> {
    signers: Vec<Recipient<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    carbon_copies: Vec<Recipient<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Recipient<'a> {
    email: &'a str,
    name: &'a str,
    recipient_id: String,
    routing_order: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tabs: Option<Tabs<'a>>,
}

/// The envelope's `notification` (reminders and expiration), shared by every kind of send.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    use_account_defaults: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reminders: Option<ReminderSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expirations: Option<ExpirationSettings>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReminderSettings {
    reminder_enabled: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reminder_delay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reminder_frequency: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExpirationSettings {
    expire_enabled: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_warn: Option<String>,
}

fn flag(on: bool) -> &'static str {
    if on { "true" } else { "false" }
}

fn reminders(r: Reminders) -> ReminderSettings {
    ReminderSettings {
        reminder_enabled: flag(r.enabled),
        reminder_delay: r
            .first_reminder_days
            .filter(|_| r.enabled)
            .map(|d| d.to_string()),
        reminder_frequency: r.interval_days.filter(|_| r.enabled).map(|d| d.to_string()),
    }
}

fn expirations(e: Expiration) -> ExpirationSettings {
    ExpirationSettings {
        expire_enabled: flag(e.enabled),
        expire_after: e.validity_days.filter(|_| e.enabled).map(|d| d.to_string()),
        expire_warn: e
            .warning_days
            .filter(|_| e.enabled && e.validity_days.is_some())
            .map(|d| d.to_string()),
    }
}

/// The `notification` object, when either setting is given.
pub fn notification(
    expiration: Option<Expiration>,
    reminders: Option<Reminders>,
) -> Option<Notification> {
    (reminders.is_some() || expiration.is_some()).then(|| Notification {
        use_account_defaults: "false",
        reminders: reminders.map(self::reminders),
        expirations: expiration.map(expirations),
    })
}

/// The JSON body for a validated `req` with the envelope's `custom_fields` (which, when given,
/// replace the account's: see [`super::custom_fields`]), as parts: the documents' contents are
/// moved into base64 parts (not copied, not encoded here), the rest is JSON text.
pub fn create_body(
    mut req: SendRequest,
    custom_fields: Option<&CustomFields>,
) -> Result<Vec<BodyPart>> {
    let documents = std::mem::take(&mut req.documents);
    let orders = routing_orders(&req.signing_order, req.signer_emails.len());
    let signers = req
        .signer_emails
        .iter()
        .zip(&req.signer_names)
        .zip(&orders)
        .enumerate()
        .map(|(i, ((email, name), order))| Recipient {
            email,
            name,
            recipient_id: (i + 1).to_string(),
            routing_order: order.to_string(),
            client_user_id: req
                .signer_client_user_ids
                .get(i)
                .and_then(|id| id.as_deref()),
            tabs: req.signer_fields.get(i).and_then(|f| to_tabs(f)),
        })
        .collect();
    let first_cc_id = req.signer_emails.len() + 1;
    let carbon_copies = req
        .cc_emails
        .iter()
        .zip(&req.cc_names)
        .enumerate()
        .map(|(i, (email, name))| Recipient {
            email,
            name,
            recipient_id: (first_cc_id + i).to_string(),
            // Copied when the envelope is sent, as Qflow describes CCs.
            routing_order: "1".to_owned(),
            client_user_id: None,
            tabs: None,
        })
        .collect();
    let notification = notification(req.expiration, req.reminders);
    let definition = EnvelopeDefinition {
        email_subject: &req.email_subject,
        email_blurb: req.email_body.as_deref(),
        status: "sent",
        recipients: Recipients {
            signers,
            carbon_copies,
        },
        notification,
        custom_fields,
    };
    let rest = serde_json::to_vec(&definition)
        .map_err(|e| ConnectorError::invalid("send-request", e.to_string()))?;
    documents_then(documents, 1, b"{", &rest)
}

/// `prefix` + `"documents":[…]` + the members of the JSON object `rest` (which must be
/// `{…}`): document `i` gets id `first_id + i`. The documents' contents are moved into base64
/// parts, the rest is JSON text.
pub fn documents_then(
    documents: Vec<Document>,
    first_id: usize,
    prefix: &[u8],
    rest: &[u8],
) -> Result<Vec<BodyPart>> {
    let mut parts = Vec::with_capacity(documents.len() * 2 + 1);
    let mut text = prefix.to_vec();
    text.extend_from_slice(b"\"documents\":[");
    let any = !documents.is_empty();
    for (i, doc) in documents.into_iter().enumerate() {
        if i > 0 {
            text.extend_from_slice(b"\"},");
        }
        write_document_head(&mut text, i, first_id + i, &doc.name)?;
        parts.push(BodyPart::Bytes(std::mem::take(&mut text)));
        parts.push(BodyPart::Base64(doc.content));
    }
    if any {
        text.extend_from_slice(b"\"}");
    }
    text.push(b']');
    // `rest` is a JSON object: splice its members after the documents.
    if rest.len() > 2 {
        text.push(b',');
    }
    text.extend_from_slice(rest.get(1..).unwrap_or_default());
    parts.push(BodyPart::Bytes(text));
    Ok(parts)
}

/// `{"documentId":…,"name":…,"fileExtension":…,"documentBase64":"` for document `index` of
/// the request, with DocuSign id `id`.
fn write_document_head(body: &mut Vec<u8>, index: usize, id: usize, name: &str) -> Result<()> {
    let extension = document_extension(index, name)?;
    let name = serde_json::to_string(name)
        .map_err(|e| ConnectorError::invalid("documents", e.to_string()))?;
    body.extend_from_slice(
        format!(
            "{{\"documentId\":\"{id}\",\"name\":{name},\"fileExtension\":\"{extension}\",\"documentBase64\":\"",
        )
        .as_bytes(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esign::Document;
    use crate::esign::custom_fields::with_idempotency_key;
    use crate::request::{HttpRequest, Method};
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde_json::{Value, json};

    /// The body as the host assembles it, marked with the request's idempotency key (for an
    /// account without custom fields of its own).
    fn create_body(req: SendRequest) -> Result<Vec<u8>> {
        let fields = req
            .idempotency_key
            .as_deref()
            .map(|key| with_idempotency_key(CustomFields::default(), key, |_| {}));
        let mut request = HttpRequest::new(Method::Post, "https://demo.docusign.net/x");
        request.body_parts = super::create_body(req, fields.as_ref())?;
        Ok(request.assembled_body())
    }

    fn request() -> SendRequest {
        SendRequest {
            signer_emails: vec![
                "alice@example.com".into(),
                "bob@example.org".into(),
                "carol@example.net".into(),
            ],
            signer_names: vec!["Alice".into(), "Bob \"B\"".into(), "Carol".into()],
            documents: vec![
                Document {
                    name: "MSA.pdf".into(),
                    content: b"%PDF-1.4 msa".to_vec(),
                },
                Document {
                    name: "Order Form.DOCX".into(),
                    content: vec![0, 1, 2, 250, 251],
                },
            ],
            email_subject: "Please sign".into(),
            email_body: Some("Thanks".into()),
            cc_emails: vec!["dave@example.com".into()],
            cc_names: vec!["Dave".into()],
            signing_order: vec![Some(2), None, Some(1)],
            expiration: Some(Expiration {
                enabled: true,
                validity_days: Some(30),
                warning_days: Some(5),
            }),
            reminders: Some(Reminders {
                enabled: true,
                first_reminder_days: Some(2),
                interval_days: Some(1),
            }),
            idempotency_key: Some("order-42".into()),
            signer_fields: Vec::new(),
            signer_client_user_ids: Vec::new(),
        }
    }

    #[test]
    fn full_body() {
        let body: Value = serde_json::from_slice(&create_body(request()).unwrap()).unwrap();
        assert_eq!(
            body,
            json!({
                "documents": [
                    {"documentId": "1", "name": "MSA.pdf", "fileExtension": "pdf", "documentBase64": STANDARD.encode(b"%PDF-1.4 msa")},
                    {"documentId": "2", "name": "Order Form.DOCX", "fileExtension": "docx", "documentBase64": "AAEC+vs="}
                ],
                "emailSubject": "Please sign",
                "emailBlurb": "Thanks",
                "status": "sent",
                "recipients": {
                    "signers": [
                        {"email": "alice@example.com", "name": "Alice", "recipientId": "1", "routingOrder": "2"},
                        {"email": "bob@example.org", "name": "Bob \"B\"", "recipientId": "2", "routingOrder": "3"},
                        {"email": "carol@example.net", "name": "Carol", "recipientId": "3", "routingOrder": "1"}
                    ],
                    "carbonCopies": [
                        {"email": "dave@example.com", "name": "Dave", "recipientId": "4", "routingOrder": "1"}
                    ]
                },
                "notification": {
                    "useAccountDefaults": "false",
                    "reminders": {"reminderEnabled": "true", "reminderDelay": "2", "reminderFrequency": "1"},
                    "expirations": {"expireEnabled": "true", "expireAfter": "30", "expireWarn": "5"}
                },
                "customFields": {"textCustomFields": [
                    {"name": "connectorIdempotencyKey", "value": "order-42", "show": "false", "required": "false"}
                ]}
            })
        );
    }

    #[test]
    fn minimal_body_omits_optional_blocks_and_disabled_days() {
        let mut r = request();
        r.email_body = None;
        r.cc_emails.clear();
        r.cc_names.clear();
        r.signing_order.clear();
        r.expiration = None;
        r.reminders = None;
        r.idempotency_key = None;
        let body: Value = serde_json::from_slice(&create_body(r.clone()).unwrap()).unwrap();
        let mut keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["documents", "emailSubject", "recipients", "status"]);
        assert!(body["recipients"].get("carbonCopies").is_none());
        assert!(
            body["recipients"]["signers"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["routingOrder"] == "1")
        );
        r.expiration = Some(Expiration {
            enabled: false,
            validity_days: Some(9),
            warning_days: Some(1),
        });
        r.reminders = Some(Reminders {
            enabled: false,
            first_reminder_days: Some(3),
            interval_days: None,
        });
        let body: Value = serde_json::from_slice(&create_body(r).unwrap()).unwrap();
        assert_eq!(
            body["notification"],
            json!({"useAccountDefaults": "false", "reminders": {"reminderEnabled": "false"}, "expirations": {"expireEnabled": "false"}})
        );
    }

    #[test]
    fn large_document_is_encoded_exactly() {
        let content: Vec<u8> = (0..3_000_001u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut r = request();
        let moved = content.clone();
        let content_ptr = moved.as_ptr();
        r.documents = vec![Document {
            name: "big.pdf".into(),
            content: moved,
        }];
        let parts = super::create_body(r, None).unwrap();
        // The content is moved into a base64 part, not copied or encoded in the guest.
        assert!(
            matches!(&parts[1], BodyPart::Base64(c) if c.as_ptr() == content_ptr && c.len() == content.len())
        );
        let mut request = HttpRequest::new(Method::Post, "https://demo.docusign.net/x");
        request.body_parts = parts;
        let body = request.assembled_body();
        assert_eq!(body.len(), request.body_len());
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            STANDARD
                .decode(v["documents"][0]["documentBase64"].as_str().unwrap())
                .unwrap(),
            content
        );
    }

    #[test]
    fn several_documents_assemble_into_valid_json() {
        let mut r = request();
        r.documents = (1..=3)
            .map(|i| Document {
                name: format!("doc{i}.pdf"),
                content: vec![b'x'; 3 * i + 1],
            })
            .collect();
        let v: Value = serde_json::from_slice(&create_body(r).unwrap()).unwrap();
        let docs = v["documents"].as_array().unwrap();
        assert_eq!(docs.len(), 3);
        for (i, d) in docs.iter().enumerate() {
            assert_eq!(d["documentId"], (i + 1).to_string());
            assert_eq!(
                STANDARD
                    .decode(d["documentBase64"].as_str().unwrap())
                    .unwrap(),
                vec![b'x'; 3 * (i + 1) + 1]
            );
        }
        assert_eq!(v["emailSubject"], "Please sign");
    }
}

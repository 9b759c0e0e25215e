//! Validation of action inputs before anything is sent, against DocuSign's documented limits.
//! Errors name the field as the WIT contract spells it (with an index for list items). Checks of
//! single values (e-mail addresses, text, ids) are in [`super::fields`].

use super::fields::{check_client_user_id, check_email, check_text};
use super::tabs::check_fields;
use super::{Document, Expiration, Reminders, SendRequest};
use crate::error::{ConnectorError, Result};

/// Most recipients in one envelope.
pub const MAX_RECIPIENTS: usize = 100;
/// Longest recipient name.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest e-mail subject.
pub const MAX_SUBJECT_CHARS: usize = 100;
/// Longest e-mail body.
pub const MAX_BODY_CHARS: usize = 10_000;
/// Longest document name.
pub const MAX_DOCUMENT_NAME_CHARS: usize = 255;
/// Largest HTTP request DocuSign accepts (base64 documents included).
pub const MAX_REQUEST_BYTES: usize = 35_651_584;
/// Largest day count for expiration and reminders.
pub const MAX_DAYS: u32 = 999;
/// Largest signing-order number.
pub const MAX_SIGNING_ORDER: u32 = 999;
/// Longest idempotency key (an envelope custom field value).
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 100;
/// Space the envelope definition around the documents may take in the request, generously.
const ENVELOPE_OVERHEAD_BYTES: usize = 64 * 1024;

/// File types DocuSign converts to PDF.
pub const SUPPORTED_EXTENSIONS: &[&str] = &[
    "doc", "docm", "docx", "dot", "dotm", "dotx", "htm", "html", "msg", "pdf", "rtf", "txt", "wpd",
    "xps", "bmp", "gif", "jpg", "jpeg", "png", "tif", "tiff", "pot", "potx", "pps", "ppt", "pptm",
    "pptx", "csv", "xls", "xlsm", "xlsx",
];

fn invalid(field: impl AsRef<str>, message: impl Into<String>) -> ConnectorError {
    ConnectorError::invalid(field.as_ref(), message)
}

/// Check a send request; the first problem is reported.
pub fn send_request(req: &SendRequest) -> Result<()> {
    if req.signer_emails.is_empty() {
        return Err(invalid("signer-emails", "at least one signer is required"));
    }
    same_length(
        "signer-emails",
        &req.signer_emails,
        "signer-names",
        &req.signer_names,
    )?;
    same_length("cc-emails", &req.cc_emails, "cc-names", &req.cc_names)?;
    let recipients = req.signer_emails.len() + req.cc_emails.len();
    if recipients > MAX_RECIPIENTS {
        return Err(invalid(
            "signer-emails",
            format!(
                "{recipients} recipients (signers and CCs); DocuSign allows at most {MAX_RECIPIENTS} per envelope"
            ),
        ));
    }
    for (list, emails) in [
        ("signer-emails", &req.signer_emails),
        ("cc-emails", &req.cc_emails),
    ] {
        for (i, email) in emails.iter().enumerate() {
            check_email(&format!("{list}[{i}]"), email)?;
        }
    }
    for (list, names) in [
        ("signer-names", &req.signer_names),
        ("cc-names", &req.cc_names),
    ] {
        for (i, name) in names.iter().enumerate() {
            check_text(&format!("{list}[{i}]"), name, MAX_NAME_CHARS, true)?;
        }
    }
    per_signer(
        "signing-order",
        req.signing_order.len(),
        req.signer_emails.len(),
    )?;
    for (i, order) in req.signing_order.iter().enumerate() {
        if let Some(n) = order.filter(|n| *n > MAX_SIGNING_ORDER) {
            return Err(invalid(
                format!("signing-order[{i}]"),
                format!("{n} is above {MAX_SIGNING_ORDER}"),
            ));
        }
    }
    check_text("email-subject", &req.email_subject, MAX_SUBJECT_CHARS, true)?;
    if let Some(body) = &req.email_body {
        check_text("email-body", body, MAX_BODY_CHARS, false)?;
    }
    documents(&req.documents)?;
    per_signer(
        "signer-fields",
        req.signer_fields.len(),
        req.signer_emails.len(),
    )?;
    for (i, fields) in req.signer_fields.iter().enumerate() {
        check_fields(&format!("signer-fields[{i}]"), fields, req.documents.len())?;
    }
    per_signer(
        "signer-client-user-ids",
        req.signer_client_user_ids.len(),
        req.signer_emails.len(),
    )?;
    for (i, id) in req.signer_client_user_ids.iter().enumerate() {
        if let Some(id) = id {
            check_client_user_id(&format!("signer-client-user-ids[{i}]"), id)?;
        }
    }
    notification(req.expiration, req.reminders)?;
    if let Some(key) = &req.idempotency_key {
        idempotency_key(key)?;
    }
    Ok(())
}

/// A list given per signer, in signer order: at most one entry per signer.
fn per_signer(field: &str, entries: usize, signers: usize) -> Result<()> {
    if entries > signers {
        return Err(invalid(
            field,
            format!(
                "{entries} entries for {signers} signers; give at most one per signer, in signer order"
            ),
        ));
    }
    Ok(())
}

/// Expiration and reminder settings.
pub fn notification(expiration: Option<Expiration>, reminders: Option<Reminders>) -> Result<()> {
    if let Some(e) = expiration.filter(|e| e.enabled) {
        let validity = e.validity_days.ok_or_else(|| {
            invalid(
                "expiration.validity-days",
                "is required when expiration is enabled",
            )
        })?;
        days("expiration.validity-days", validity, 1)?;
        if let Some(warn) = e.warning_days {
            days("expiration.warning-days", warn, 0)?;
            if warn >= validity {
                return Err(invalid(
                    "expiration.warning-days",
                    format!(
                        "{warn} days of notice must be fewer than the {validity} days of validity"
                    ),
                ));
            }
        }
    }
    if let Some(r) = reminders.filter(|r| r.enabled) {
        let first = r.first_reminder_days.ok_or_else(|| {
            invalid(
                "reminders.first-reminder-days",
                "is required when reminders are enabled",
            )
        })?;
        days("reminders.first-reminder-days", first, 1)?;
        if let Some(interval) = r.interval_days {
            days("reminders.interval-days", interval, 1)?;
        }
    }
    Ok(())
}

fn same_length(a_name: &str, a: &[String], b_name: &str, b: &[String]) -> Result<()> {
    if a.len() != b.len() {
        return Err(invalid(
            b_name,
            format!(
                "{b_name} has {} entries but {a_name} has {}; they must match one to one, in the same order",
                b.len(),
                a.len()
            ),
        ));
    }
    Ok(())
}

fn days(field: &str, value: u32, min: u32) -> Result<()> {
    if !(min..=MAX_DAYS).contains(&value) {
        return Err(invalid(
            field,
            format!("{value} is outside {min}..={MAX_DAYS} days"),
        ));
    }
    Ok(())
}

/// The lower-case extension of a document name, if DocuSign supports it.
pub fn document_extension(index: usize, name: &str) -> Result<String> {
    let field = format!("documents[{index}].name");
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| invalid(&field, format!("{name:?} has no file extension; DocuSign needs it to convert the file (e.g. .pdf)")))?;
    if !SUPPORTED_EXTENSIONS.contains(&ext.as_str()) {
        return Err(invalid(
            &field,
            format!(
                ".{ext} is not a type DocuSign converts; supported: {}",
                SUPPORTED_EXTENSIONS.join(", ")
            ),
        ));
    }
    Ok(ext)
}

/// Length of base64 (with padding) for `n` bytes.
pub fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

fn documents(docs: &[Document]) -> Result<()> {
    if docs.is_empty() {
        return Err(invalid("documents", "at least one document is required"));
    }
    documents_within_limits(docs)
}

/// Each document's name, type and content, and the request size they make (any number of them).
pub fn documents_within_limits(docs: &[Document]) -> Result<()> {
    let mut request_bytes = ENVELOPE_OVERHEAD_BYTES;
    for (i, doc) in docs.iter().enumerate() {
        check_text(
            &format!("documents[{i}].name"),
            &doc.name,
            MAX_DOCUMENT_NAME_CHARS,
            true,
        )?;
        document_extension(i, &doc.name)?;
        if doc.content.is_empty() {
            return Err(invalid(
                format!("documents[{i}].content"),
                format!("{:?} is empty", doc.name),
            ));
        }
        request_bytes = request_bytes.saturating_add(base64_len(doc.content.len()));
        if request_bytes > MAX_REQUEST_BYTES {
            let raw: usize = docs.iter().map(|d| d.content.len()).sum();
            return Err(invalid(
                "documents",
                format!(
                    "{raw} bytes of documents make a request over DocuSign's {MAX_REQUEST_BYTES}-byte limit once \
                     base64-encoded (about 26 MB of files per envelope request); send fewer or smaller files"
                ),
            ));
        }
    }
    Ok(())
}

/// An idempotency key (stored as an envelope custom field).
pub fn idempotency_key(key: &str) -> Result<()> {
    check_text("idempotency-key", key, MAX_IDEMPOTENCY_KEY_CHARS, true)?;
    if key.contains(['\n', '\r', '\t', '=']) {
        return Err(invalid(
            "idempotency-key",
            "may not contain '=' or line breaks",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tabs::{Anchor, AnchorUnits, FieldKind, FieldPlacement, SigningField};
    use super::*;

    pub fn request() -> SendRequest {
        SendRequest {
            signer_emails: vec!["alice@example.com".into(), "bob@example.org".into()],
            signer_names: vec!["Alice".into(), "Bob".into()],
            documents: vec![Document {
                name: "Contract.PDF".into(),
                content: b"%PDF-1.4".to_vec(),
            }],
            email_subject: "Please sign".into(),
            ..SendRequest::default()
        }
    }

    fn field_of(req: &SendRequest) -> String {
        match send_request(req) {
            Err(ConnectorError::InvalidInput { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn accepts_a_good_request() {
        send_request(&request()).unwrap();
    }

    #[test]
    fn mismatched_lists_name_both_fields() {
        let mut r = request();
        r.signer_names.pop();
        match send_request(&r) {
            Err(ConnectorError::InvalidInput { field, message }) => {
                assert_eq!(field, "signer-names");
                assert!(
                    message.contains("signer-emails") && message.contains("signer-names"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        let mut r = request();
        r.cc_emails = vec!["c@example.com".into()];
        assert_eq!(field_of(&r), "cc-names");
    }

    #[test]
    fn bad_emails_are_named_by_index() {
        let mut r = request();
        r.signer_emails[1] = "not-an-email".into();
        assert_eq!(field_of(&r), "signer-emails[1]");
    }

    #[test]
    fn names_subject_and_documents() {
        let mut r = request();
        r.signer_names[0] = "  ".into();
        assert_eq!(field_of(&r), "signer-names[0]");
        let mut r = request();
        r.email_subject = String::new();
        assert_eq!(field_of(&r), "email-subject");
        let mut r = request();
        r.email_subject = "x".repeat(101);
        assert_eq!(field_of(&r), "email-subject");
        let mut r = request();
        r.documents.clear();
        assert_eq!(field_of(&r), "documents");
        let mut r = request();
        r.documents[0].content.clear();
        assert_eq!(field_of(&r), "documents[0].content");
        let mut r = request();
        r.documents[0].name = "payload.exe".into();
        assert_eq!(field_of(&r), "documents[0].name");
        let mut r = request();
        r.documents[0].name = "README".into();
        assert_eq!(field_of(&r), "documents[0].name");
        let mut r = request();
        r.documents = vec![Document {
            name: "big.pdf".into(),
            content: vec![0; 27_000_000],
        }];
        assert_eq!(field_of(&r), "documents");
        let mut r = request();
        r.documents = vec![Document {
            name: "ok.pdf".into(),
            content: vec![0; 25 << 20],
        }];
        send_request(&r).unwrap();
    }

    #[test]
    fn numbers_in_range() {
        let mut r = request();
        r.signing_order = vec![Some(1), Some(2), Some(3)];
        assert_eq!(field_of(&r), "signing-order");
        let mut r = request();
        r.signing_order = vec![Some(1000)];
        assert_eq!(field_of(&r), "signing-order[0]");
        let mut r = request();
        r.expiration = Some(Expiration {
            enabled: true,
            validity_days: None,
            warning_days: None,
        });
        assert_eq!(field_of(&r), "expiration.validity-days");
        r.expiration = Some(Expiration {
            enabled: true,
            validity_days: Some(0),
            warning_days: None,
        });
        assert_eq!(field_of(&r), "expiration.validity-days");
        r.expiration = Some(Expiration {
            enabled: true,
            validity_days: Some(u32::MAX),
            warning_days: None,
        });
        assert_eq!(field_of(&r), "expiration.validity-days");
        r.expiration = Some(Expiration {
            enabled: true,
            validity_days: Some(10),
            warning_days: Some(10),
        });
        assert_eq!(field_of(&r), "expiration.warning-days");
        r.expiration = Some(Expiration {
            enabled: false,
            validity_days: Some(0),
            warning_days: Some(99),
        });
        send_request(&r).unwrap();
        r.reminders = Some(Reminders {
            enabled: true,
            first_reminder_days: None,
            interval_days: Some(1),
        });
        assert_eq!(field_of(&r), "reminders.first-reminder-days");
        r.reminders = Some(Reminders {
            enabled: true,
            first_reminder_days: Some(2),
            interval_days: Some(0),
        });
        assert_eq!(field_of(&r), "reminders.interval-days");
        let mut r = request();
        r.signer_emails = (0..101).map(|i| format!("s{i}@example.com")).collect();
        r.signer_names = (0..101).map(|i| format!("S {i}")).collect();
        assert_eq!(field_of(&r), "signer-emails");
    }

    #[test]
    fn per_signer_fields_and_embedded_ids() {
        let sign_at = |text: &str| SigningField {
            kind: FieldKind::SignHere,
            placement: FieldPlacement::Anchor(Anchor {
                text: text.into(),
                x_offset: 0.0,
                y_offset: 0.0,
                units: AnchorUnits::Inches,
                ignore_if_not_present: false,
                case_sensitive: false,
                match_whole_word: false,
            }),
            label: None,
            value: None,
            optional: false,
            locked: false,
        };
        let mut r = request();
        // Fewer entries than signers: the rest sign free-form, by e-mail.
        r.signer_fields = vec![vec![sign_at("/sig1/")]];
        r.signer_client_user_ids = vec![None, Some("1000".into())];
        send_request(&r).unwrap();
        r.signer_fields = vec![vec![], vec![], vec![]];
        assert_eq!(field_of(&r), "signer-fields");
        r.signer_fields = vec![vec![], vec![sign_at("")]];
        assert_eq!(field_of(&r), "signer-fields[1][0].placement.anchor.text");
        r.signer_fields.clear();
        r.signer_client_user_ids = vec![None, None, None];
        assert_eq!(field_of(&r), "signer-client-user-ids");
        r.signer_client_user_ids = vec![Some(" 1000".into())];
        assert_eq!(field_of(&r), "signer-client-user-ids[0]");
        r.signer_client_user_ids = vec![Some("x".repeat(101))];
        assert_eq!(field_of(&r), "signer-client-user-ids[0]");
    }
}

//! Any send request (with any signature fields and embedded signers) and any template send is
//! validated or refused with a typed error; any accepted one builds a body that is JSON. Signing
//! view requests are validated; checkpoints, timestamps and start times are parsed from any text.
#![no_main]

use arbitrary::Unstructured;
use docusign_connector::esign::recipients::RecipientKind;
use docusign_connector::esign::signing_view::{self, SigningViewRequest};
use docusign_connector::esign::tabs::{
    Anchor, AnchorUnits, FieldKind, FieldPlacement, PagePosition, SigningField,
};
use docusign_connector::esign::template::{self, TemplateRole, TemplateSendRequest};
use docusign_connector::esign::{
    Document, Expiration, Reminders, SendRequest, envelope, fields, validate,
};
use docusign_connector::events::checkpoint::Checkpoint;
use docusign_connector::events::since;
use docusign_connector::request::{HttpRequest, Method};
use docusign_connector::timestamp::Timestamp;
use libfuzzer_sys::fuzz_target;

fn field(u: &mut Unstructured<'_>) -> arbitrary::Result<SigningField> {
    let kinds = [
        FieldKind::SignHere,
        FieldKind::InitialHere,
        FieldKind::DateSigned,
        FieldKind::Text,
    ];
    let units = [
        AnchorUnits::Pixels,
        AnchorUnits::Inches,
        AnchorUnits::Millimeters,
        AnchorUnits::Centimeters,
    ];
    let placement = if u.arbitrary()? {
        FieldPlacement::Anchor(Anchor {
            text: u.arbitrary()?,
            x_offset: u.arbitrary()?,
            y_offset: u.arbitrary()?,
            units: *u.choose(&units)?,
            ignore_if_not_present: u.arbitrary()?,
            case_sensitive: u.arbitrary()?,
            match_whole_word: u.arbitrary()?,
        })
    } else {
        FieldPlacement::Position(PagePosition {
            document: u.arbitrary()?,
            page: u.arbitrary()?,
            x: u.arbitrary()?,
            y: u.arbitrary()?,
        })
    };
    Ok(SigningField {
        kind: *u.choose(&kinds)?,
        placement,
        label: u.arbitrary()?,
        value: u.arbitrary()?,
        optional: u.arbitrary()?,
        locked: u.arbitrary()?,
    })
}

fn documents(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<Document>> {
    let docs: Vec<(String, Vec<u8>)> = u.arbitrary()?;
    Ok(docs
        .into_iter()
        .map(|(name, content)| Document { name, content })
        .collect())
}

fn template_request(u: &mut Unstructured<'_>) -> arbitrary::Result<TemplateSendRequest> {
    let kinds = [None, Some(RecipientKind::Signer), Some(RecipientKind::CarbonCopy)];
    let mut roles = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        roles.push(TemplateRole {
            role_name: u.arbitrary()?,
            name: u.arbitrary()?,
            email: u.arbitrary()?,
            routing_order: u.arbitrary()?,
            client_user_id: u.arbitrary()?,
            text_values: u.arbitrary()?,
            checkbox_values: u.arbitrary()?,
            kind: *u.choose(&kinds)?,
        });
    }
    Ok(TemplateSendRequest {
        template_id: u.arbitrary()?,
        roles,
        documents: documents(u)?,
        email_subject: u.arbitrary()?,
        email_body: u.arbitrary()?,
        expiration: None,
        reminders: None,
        idempotency_key: u.arbitrary()?,
    })
}

fn request(u: &mut Unstructured<'_>) -> arbitrary::Result<SendRequest> {
    let docs: Vec<(String, Vec<u8>)> = u.arbitrary()?;
    let mut signer_fields = Vec::new();
    for _ in 0..u.int_in_range(0..=2)? {
        let mut list = Vec::new();
        for _ in 0..u.int_in_range(0..=3)? {
            list.push(field(u)?);
        }
        signer_fields.push(list);
    }
    Ok(SendRequest {
        signer_emails: u.arbitrary()?,
        signer_names: u.arbitrary()?,
        documents: docs
            .into_iter()
            .map(|(name, content)| Document { name, content })
            .collect(),
        email_subject: u.arbitrary()?,
        email_body: u.arbitrary()?,
        cc_emails: u.arbitrary()?,
        cc_names: u.arbitrary()?,
        signing_order: u.arbitrary()?,
        expiration: if u.arbitrary()? {
            Some(Expiration {
                enabled: u.arbitrary()?,
                validity_days: u.arbitrary()?,
                warning_days: u.arbitrary()?,
            })
        } else {
            None
        },
        reminders: if u.arbitrary()? {
            Some(Reminders {
                enabled: u.arbitrary()?,
                first_reminder_days: u.arbitrary()?,
                interval_days: u.arbitrary()?,
            })
        } else {
            None
        },
        idempotency_key: u.arbitrary()?,
        signer_fields,
        signer_client_user_ids: u.arbitrary()?,
    })
}

fn assemble(parts: Vec<docusign_connector::request::BodyPart>) {
    let mut http = HttpRequest::new(Method::Post, "https://demo.docusign.net/envelopes");
    http.body_parts = parts;
    let body = http.assembled_body();
    assert_eq!(body.len(), http.body_len(), "the announced size is the size");
    serde_json::from_slice::<serde_json::Value>(&body).expect("the body is JSON");
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Checkpoint::parse(text);
        let _ = Timestamp::parse(text);
        let _ = since::parse("since", text, 1_746_200_400_000);
        let _ = fields::envelope_id(text);
    }
    let mut u = Unstructured::new(data);
    let Ok(req) = request(&mut u) else { return };
    if validate::send_request(&req).is_ok() {
        assemble(envelope::create_body(req, None).expect("a validated request builds"));
    }
    let Ok(req) = template_request(&mut u) else { return };
    if template::validate(&req).is_ok() {
        assemble(template::create_body(req, None).expect("a validated template send builds"));
    }
    let view = SigningViewRequest {
        return_url: u.arbitrary().unwrap_or_default(),
        user_name: u.arbitrary().unwrap_or_default(),
        email: u.arbitrary().unwrap_or_default(),
        client_user_id: u.arbitrary().unwrap_or_default(),
        recipient_id: u.arbitrary().unwrap_or_default(),
        authentication_method: u.arbitrary().unwrap_or_default(),
        frame_ancestors: u.arbitrary().unwrap_or_default(),
        message_origins: u.arbitrary().unwrap_or_default(),
    };
    let _ = signing_view::validate(&view);
});

//! Any send request is validated or refused with a typed error; any accepted one builds a body
//! that is JSON. Checkpoints, timestamps and start times are parsed from any text.
#![no_main]

use arbitrary::Unstructured;
use docusign_connector::esign::{
    Document, Expiration, Reminders, SendRequest, envelope, fields, validate,
};
use docusign_connector::events::checkpoint::Checkpoint;
use docusign_connector::events::since;
use docusign_connector::request::{HttpRequest, Method};
use docusign_connector::timestamp::Timestamp;
use libfuzzer_sys::fuzz_target;

fn request(u: &mut Unstructured<'_>) -> arbitrary::Result<SendRequest> {
    let docs: Vec<(String, Vec<u8>)> = u.arbitrary()?;
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
    })
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
        let mut http = HttpRequest::new(Method::Post, "https://demo.docusign.net/envelopes");
        http.body_parts = envelope::create_body(req, None).expect("a validated request builds");
        let body = http.assembled_body();
        assert_eq!(body.len(), http.body_len(), "the announced size is the size");
        serde_json::from_slice::<serde_json::Value>(&body).expect("the body is JSON");
    }
});

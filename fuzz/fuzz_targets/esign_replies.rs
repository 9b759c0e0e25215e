//! Any reply to the eSignature calls (status, body) gives a result or a typed error.
#![no_main]

mod common;

use docusign_connector::esign::{Document, SendRequest, documents, send, status, void};
use libfuzzer_sys::fuzz_target;

const ENVELOPE: &str = "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad";

fuzz_target!(|data: &[u8]| {
    let config = common::config();
    let reply = common::reply(data);
    let host = common::host_with_session(&config, reply.clone());
    let _ = status::get_status(&host, &config, ENVELOPE);
    let _ = documents::get_signed_documents(&host, &config, ENVELOPE);
    let _ = void::void(&host, &config, ENVELOPE, "fuzz");
    let req = SendRequest {
        signer_emails: vec!["a@example.com".into()],
        signer_names: vec!["A".into()],
        documents: vec![Document {
            name: "a.pdf".into(),
            content: b"%PDF-1.4".to_vec(),
        }],
        email_subject: "s".into(),
        idempotency_key: Some("k".into()),
        ..SendRequest::default()
    };
    let _ = send::send(&host, &config, req);
});

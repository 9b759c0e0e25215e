//! What each input of `send-for-signature` becomes in DocuSign's create-envelope request.

mod common;

use common::{ACCOUNT_BASE, ENVELOPE, connection, host, send_request, sent_bodies};
use docusign_host::bindings::Method;
use docusign_host::bindings::signing::SendRequest;
use docusign_host::replay::{Cassette, Replay};
use serde_json::{Value, json};

/// A cassette answering any create request with 201, to inspect what each input maps to.
fn accepting_cassette() -> Replay {
    let c = json!({"start_time": "2025-05-02T15:40:00Z", "interactions": [
        {"request": {"method": "POST", "url": "https://account-d.docusign.com/oauth/token", "body": {"form": {"grant_type": "<any>", "assertion": "<jwt>"}}},
         "response": {"status": 200, "body": {"json": {"access_token": "t", "token_type": "Bearer", "expires_in": 3600}}}},
        {"request": {"method": "GET", "url": "https://account-d.docusign.com/oauth/userinfo"},
         "response": {"status": 200, "body": {"json": {"sub": "u", "accounts": [{"account_id": "a4ec37d6-1c2b-4c3d-9e4f-143885c220e1", "is_default": true, "base_uri": "https://demo.docusign.net"}]}}}},
        {"request": {"method": "POST", "url": format!("{ACCOUNT_BASE}/envelopes"), "body": {"json": "<any>"}},
         "response": {"status": 201, "body": {"json": {"envelopeId": ENVELOPE, "status": "sent", "statusDateTime": "2025-05-02T15:40:01.3970000Z"}}}}
    ]});
    Replay::new(Cassette::parse(&c.to_string(), ".").unwrap())
}

fn sent_body(req: SendRequest) -> Value {
    let r = accepting_cassette();
    host()
        .send_for_signature(&r.capabilities(), &connection(), &req)
        .unwrap()
        .unwrap();
    r.finish().unwrap();
    sent_bodies(&r, Method::Post, "/envelopes").remove(0)
}

/// Every Qflow "send documents to sign" input lands in a request field.
#[test]
fn each_qflow_input_maps_to_a_request_field() {
    let body = sent_body(send_request());
    // Signers' e-mails and names, same order.
    let signers = body["recipients"]["signers"].as_array().unwrap();
    assert_eq!(
        signers
            .iter()
            .map(|s| s["email"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["alice.signer@example.com", "bob.signer@example.org"]
    );
    assert_eq!(
        signers
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Alice Signer", "Bob Signer"]
    );
    // Documents, with the extension derived from the file name.
    assert_eq!(body["documents"].as_array().unwrap().len(), 2);
    assert_eq!(
        body["documents"][0]["name"],
        "Master Services Agreement.pdf"
    );
    assert_eq!(body["documents"][0]["fileExtension"], "pdf");
    // E-mail subject (and body).
    assert_eq!(
        body["emailSubject"],
        "Please sign: Master Services Agreement"
    );
    assert_eq!(
        body["emailBlurb"],
        "Hello, please review and sign the attached agreement and order form."
    );
    // CC e-mails and names.
    assert_eq!(
        body["recipients"]["carbonCopies"][0]["email"],
        "carol.cc@example.com"
    );
    assert_eq!(body["recipients"]["carbonCopies"][0]["name"], "Carol Copy");
    // Signature order.
    assert_eq!(
        signers
            .iter()
            .map(|s| s["routingOrder"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["1", "2"]
    );
    // Enable expiration, validity, expiration notice; enable reminder, first reminder, interval.
    assert_eq!(
        body["notification"]["expirations"],
        json!({"expireEnabled": "true", "expireAfter": "30", "expireWarn": "5"})
    );
    assert_eq!(
        body["notification"]["reminders"],
        json!({"reminderEnabled": "true", "reminderDelay": "2", "reminderFrequency": "1"})
    );
    assert_eq!(body["notification"]["useAccountDefaults"], "false");
    assert_eq!(body["status"], "sent");
}

#[test]
fn signature_order_follows_qflow_rules() {
    let cases: [(Vec<Option<u32>>, [&str; 3]); 4] = [
        (vec![], ["1", "1", "1"]), // no order: everyone at once
        (vec![Some(5), None, Some(2)], ["2", "3", "1"]), // numbered run lowest first; none goes after
        (vec![None, Some(1)], ["2", "1", "2"]), // only the second numbered (first left empty)
        (vec![Some(0), Some(7), Some(7)], ["2", "1", "1"]), // 0 means "after"; equal numbers sign together
    ];
    for (order, expected) in cases {
        let mut req = send_request();
        req.signer_emails.push("dan@example.com".into());
        req.signer_names.push("Dan".into());
        req.signing_order = order.clone();
        let body = sent_body(req);
        let got: Vec<String> = body["recipients"]["signers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["routingOrder"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, expected, "signing order {order:?}");
    }
}

//! Connect webhook messages: any body, signed with the test key so the parser is reached, must
//! give an event or `invalid-message`; any headers and keys around any body must give a typed
//! result. Never a panic.
#![no_main]

use docusign_connector::connect::{ConnectError, signature, verify_message};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "fuzz-connect-key";

fuzz_target!(|data: &[u8]| {
    let headers = vec![(
        "X-DocuSign-Signature-1".to_owned(),
        signature::sign(data, KEY),
    )];
    match verify_message(&headers, data, &[KEY.to_owned()]) {
        Ok(event) => assert!(!event.envelope_id.trim().is_empty() && event.key_index == 1),
        Err(ConnectError::InvalidMessage(_)) => {}
        Err(other) => panic!("a correctly signed body was refused: {other:?}"),
    }
    // The first line as a header, the second as a key, the rest as the body.
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let (header, key, body) = (parts.next(), parts.next(), parts.next().unwrap_or_default());
    let text = |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
    let header = text(header);
    let headers = match header.split_once(':') {
        Some((n, v)) => vec![(n.to_owned(), v.to_owned())],
        None => Vec::new(),
    };
    let _ = verify_message(&headers, body, &[text(key)]);
});

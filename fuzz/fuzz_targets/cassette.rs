//! Any cassette text is loaded or refused; a loaded one replays any request without panicking.
#![no_main]

use docusign_host::bindings::{Method, Request};
use docusign_host::capabilities::Transport;
use docusign_host::replay::{Cassette, CassetteTransport};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cassette) = Cassette::parse(text, "/nonexistent") else {
        return;
    };
    let transport = CassetteTransport::new(cassette);
    let requests = [
        Request {
            method: Method::Post,
            url: "https://account-d.docusign.com/oauth/token".into(),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: b"grant_type=x&assertion=eyJhbGciOiJSUzI1NiJ9.e30.c2ln".to_vec(),
            timeout_ms: Some(1000),
        },
        Request {
            method: Method::Get,
            url: "https://demo.docusign.net/restapi".into(),
            headers: vec![],
            body: vec![],
            timeout_ms: None,
        },
        Request {
            method: Method::Put,
            url: "https://x/y".into(),
            headers: vec![],
            body: br#"{"a": [1, "b"]}"#.to_vec(),
            timeout_ms: Some(1),
        },
    ];
    for r in &requests {
        let _ = transport.send(r);
    }
    let _ = transport.finish();
});

//! The live transport's failures on both of its clients (blocking: ureq; async: hyper on its
//! own I/O thread): the same fault gives the same typed transport error.

mod common;

use std::net::{SocketAddr, TcpListener};

use common::{TEST_CA_PEM, live_options_to, live_options_to_addr, test_tls};
use docusign_host::bindings::{Method, Request, Response, TransportError};
use docusign_host::capabilities::Transport;
use docusign_host::replay::{Cassette, ReplayServer};
use docusign_host::transport::{LiveOptions, LiveSetupError, LiveTransport};
use serde_json::json;

const URL: &str = "https://demo.docusign.net/restapi/v2.1/accounts/a/envelopes/e";

fn get(timeout_ms: u32) -> Request {
    Request {
        method: Method::Get,
        url: URL.into(),
        headers: vec![("accept".into(), "application/json".into())],
        body: vec![],
        timeout_ms: Some(timeout_ms),
    }
}

/// The request through the blocking client, then through the async one (awaited on a runtime
/// without I/O of its own).
fn both(options: LiveOptions, req: &Request) -> [Result<Response, TransportError>; 2] {
    let live = LiveTransport::new(options).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    [live.send(req), rt.block_on(live.send_async(req.clone()))]
}

/// A server answering `n` GETs of [`URL`] with `body`.
fn server(n: usize, body: &str) -> ReplayServer {
    let one = json!({"request": {"method": "GET", "url": URL},
                     "response": {"status": 200, "headers": {"content-type": "text/plain"},
                                  "body": {"text": body}}});
    let cassette = json!({"interactions": vec![one; n]}).to_string();
    ReplayServer::start(
        Cassette::parse(&cassette, ".").unwrap(),
        "127.0.0.1:0".parse().unwrap(),
        Some(test_tls()),
    )
    .unwrap()
}

#[test]
fn both_clients_read_the_same_reply() {
    let server = server(2, "hello");
    for reply in both(live_options_to(&server), &get(5_000)) {
        let reply = reply.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, b"hello");
        assert!(
            reply
                .headers
                .iter()
                .any(|(k, v)| k == "content-type" && v == "text/plain"),
            "{:?}",
            reply.headers
        );
    }
    server.finish().unwrap();
}

#[test]
fn a_server_certificate_from_an_unknown_authority_is_a_tls_error() {
    let server = server(0, "");
    let mut options = live_options_to(&server);
    options.ca_certificates_pem.clear(); // Mozilla's roots: the test CA is not among them
    for reply in both(options, &get(5_000)) {
        match reply {
            Err(TransportError::Tls(m)) => assert!(m.contains("demo.docusign.net"), "{m}"),
            other => panic!("expected a TLS error, got {other:?}"),
        }
    }
}

#[test]
fn a_refused_connection_is_a_connection_error() {
    let addr: SocketAddr = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    }; // closed again: nothing listens there
    for reply in both(live_options_to_addr(addr), &get(5_000)) {
        match reply {
            Err(TransportError::Connection(m)) => assert!(m.contains("demo.docusign.net"), "{m}"),
            other => panic!("expected a connection error, got {other:?}"),
        }
    }
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Connections complete in the kernel's backlog; nothing ever reads or writes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    for reply in both(
        live_options_to_addr(listener.local_addr().unwrap()),
        &get(300),
    ) {
        match reply {
            Err(TransportError::Timeout(m)) => assert!(m.contains("demo.docusign.net"), "{m}"),
            other => panic!("expected a timeout, got {other:?}"),
        }
    }
}

#[test]
fn a_reply_over_the_cap_is_refused() {
    let server = server(2, &"x".repeat(100));
    let mut options = live_options_to(&server);
    options.max_response_bytes = 10;
    for reply in both(options, &get(5_000)) {
        match reply {
            Err(TransportError::BodyTooLarge(n)) => assert_eq!(n, 100),
            other => panic!("expected body-too-large, got {other:?}"),
        }
    }
}

#[test]
fn both_clients_trust_every_certificate_of_a_ca_bundle() {
    // The test CA second in one PEM: a client reading only the first certificate cannot verify.
    let server = server(2, "hello");
    let mut options = live_options_to(&server);
    options.ca_certificates_pem = vec![[&test_tls().cert_chain_pem[..], TEST_CA_PEM].concat()];
    for reply in both(options, &get(5_000)) {
        assert_eq!(reply.unwrap().body, b"hello");
    }
    server.finish().unwrap();
}

#[test]
fn a_ca_pem_without_a_certificate_is_refused_at_set_up() {
    let mut options = LiveOptions::for_auth_server("account-d.docusign.com");
    options.ca_certificates_pem = vec![b"not a certificate".to_vec()];
    assert!(matches!(
        LiveTransport::new(options),
        Err(LiveSetupError::CaCertificate(_))
    ));
}

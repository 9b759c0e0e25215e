//! Shared fuzzing setup: a connection, and a host with a valid token and userinfo cached so
//! every request goes straight to the fuzzed reply.
#![allow(dead_code)]

use docusign_connector::config::{Config, Connection};
use docusign_connector::request::HttpResponse;
use docusign_connector::testing::FakeHost;

pub const KEY: &str = include_str!("../../fixtures/keys/test-only-rsa-pkcs1.pem");

pub fn config() -> Config {
    Config::from_connection(&Connection {
        auth_server: "account-d.docusign.com".into(),
        integration_key: "1f2e3d4c-5b6a-4789-8abc-def012345678".into(),
        user_id: "4799e5e9-1559-4915-9862-cf4713bbcacc".into(),
        private_key_pem: KEY.into(),
        organization_id: Some("9c5fb8e1-2d3c-4b5a-8f7e-054ff8a249bf".into()),
        ..Connection::default()
    })
    .expect("fuzz connection")
}

/// A reply from fuzz bytes: the first byte picks the status, the rest is the body.
pub fn reply(data: &[u8]) -> HttpResponse {
    const STATUSES: [u16; 12] = [200, 201, 204, 302, 400, 401, 403, 404, 429, 500, 502, 503];
    let (status, body) = match data.split_first() {
        Some((b, rest)) => (STATUSES[*b as usize % STATUSES.len()], rest.to_vec()),
        None => (200, Vec::new()),
    };
    HttpResponse {
        status,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("retry-after".into(), "1".into()),
        ],
        body,
    }
}

/// A host answering everything with `reply`, a fresh token and userinfo already cached.
pub fn host_with_session(config: &Config, reply: HttpResponse) -> FakeHost {
    let host = FakeHost::answering(reply);
    host.seed_session(config);
    host
}

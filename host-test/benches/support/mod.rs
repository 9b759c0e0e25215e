//! Setup shared by the benchmarks: the host, the demo connection, state primed with a token and
//! userinfo, a transport answering by URL, generated documents and Monitor pages.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use docusign_connector::auth::token::{AccessToken, TokenCache};
use docusign_connector::auth::userinfo::{Account, UserInfo};
use docusign_connector::config::{Config, Connection as NativeConnection};
use docusign_host::bindings::{Connection, Request, Response, TransportError, signing};
use docusign_host::clock::ManualClock;
use docusign_host::engine::{Allocation, Artifact, DeadlineChecks};
use docusign_host::log_sink::NullLog;
use docusign_host::state_store::MemoryStateStore;
use docusign_host::transport::{LiveOptions, LiveTransport};
use docusign_host::{Capabilities, ConnectorHost, HostOptions, StateStore, Transport};

/// The embedded (tuned) component loaded with `allocation`, its compilation cached across
/// benchmark runs (a warm start, as in production).
pub fn load_host(allocation: Allocation) -> ConnectorHost {
    load_artifact(Artifact::Tuned, allocation)
}

/// An embedded build loaded with `allocation`, its compilation cached across runs.
pub fn load_artifact(artifact: Artifact, allocation: Allocation) -> ConnectorHost {
    load_checked(artifact, allocation, DeadlineChecks::GuestCode)
}

/// An embedded build loaded with `allocation` and the time bound checked where `checks` says.
pub fn load_checked(
    artifact: Artifact,
    allocation: Allocation,
    deadline_checks: DeadlineChecks,
) -> ConnectorHost {
    let cache = std::env::temp_dir().join("docusign-bench-cache");
    ConnectorHost::new(HostOptions {
        cache_dir: Some(cache),
        allocation,
        artifact,
        deadline_checks,
        ..HostOptions::default()
    })
    .expect("load the component")
}

/// The live HTTPS transport (developer environment) sending every host to the loopback server
/// at `server`, trusting `ca_pem`.
pub fn live_to(server: SocketAddr, ca_pem: Vec<u8>) -> LiveTransport {
    let mut options = LiveOptions::for_auth_server("account-d.docusign.com");
    options.ca_certificates_pem = vec![ca_pem];
    options.resolve = HashMap::from([("*".to_owned(), server)]);
    LiveTransport::new(options).expect("a live transport")
}

/// 2025-05-02T15:40:00Z, the clock of every benchmark.
pub const NOW_MS: u64 = 1_746_200_400_000;
pub const ACCOUNT_ID: &str = "a4ec37d6-1c2b-4c3d-9e4f-143885c220e1";
pub const ENVELOPE_ID: &str = "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad";

pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(path)
}

/// The demo connection (test-only key).
pub fn connection() -> Connection {
    docusign_host::settings::load(&fixture("config/demo.toml")).expect("demo settings")
}

/// The same connection for the connector compiled natively.
pub fn native_config() -> Config {
    let c = connection();
    Config::from_connection(&NativeConnection {
        auth_server: c.auth_server,
        integration_key: c.integration_key,
        user_id: c.user_id,
        private_key_pem: c.private_key_pem,
        account_id: c.account_id,
        organization_id: c.organization_id,
        redirect_uri: c.redirect_uri,
        scopes: c.scopes,
        // The demo settings leave the Monitor endpoint to its default.
        monitor_endpoint: None,
    })
    .expect("native config")
}

/// The state entries of a session: userinfo always, the access token when `with_token`.
pub fn session_state(with_token: bool) -> Vec<(String, String)> {
    let config = native_config();
    let keys = config.state_keys();
    let info = UserInfo {
        sub: config.user_id.clone(),
        name: "Avery Example".into(),
        email: "avery.example@example.com".into(),
        accounts: vec![Account {
            account_id: ACCOUNT_ID.into(),
            account_name: "Example Co".into(),
            base_uri: "https://demo.docusign.net".into(),
            is_default: true,
            organization_id: None,
        }],
        fetched_at_ms: NOW_MS,
    };
    let mut entries = vec![(keys.userinfo, serde_json::to_string(&info).unwrap())];
    if with_token {
        let cache = TokenCache {
            tokens: vec![AccessToken {
                access_token: "bench-access-token".into(),
                expires_at_ms: NOW_MS + 3_600_000,
                scopes: ["signature", "impersonation", "user_read"]
                    .map(String::from)
                    .to_vec(),
                reused: false,
            }],
        };
        entries.push((keys.tokens, serde_json::to_string(&cache).unwrap()));
    }
    entries
}

/// A fresh in-memory state store holding `entries`.
pub fn state_with(entries: &[(String, String)]) -> Arc<MemoryStateStore> {
    let state = Arc::new(MemoryStateStore::new());
    for (k, v) in entries {
        state.set(k, v).unwrap();
    }
    state
}

/// Capabilities over `transport` and `state`, the clock fixed at [`NOW_MS`], logs dropped.
pub fn caps(transport: Arc<dyn Transport>, state: Arc<MemoryStateStore>) -> Capabilities {
    Capabilities {
        transport,
        clock: Arc::new(ManualClock::new(NOW_MS)),
        state,
        log: Arc::new(NullLog),
    }
}

/// Answers each request with the reply of the first route whose text occurs in its URL.
pub struct RouteTransport {
    routes: Vec<(String, Response)>,
}

impl RouteTransport {
    pub fn new() -> Self {
        Self { routes: Vec::new() }
    }

    pub fn route(mut self, url_part: &str, status: u16, content_type: &str, body: Vec<u8>) -> Self {
        self.routes.push((
            url_part.to_owned(),
            Response {
                status,
                headers: vec![("content-type".into(), content_type.into())],
                body,
            },
        ));
        self
    }

    pub fn json(self, url_part: &str, status: u16, body: &str) -> Self {
        self.route(
            url_part,
            status,
            "application/json",
            body.as_bytes().to_vec(),
        )
    }
}

impl Transport for RouteTransport {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.routes
            .iter()
            .find(|(part, _)| request.url.contains(part.as_str()))
            .map(|(_, r)| r.clone())
            .ok_or_else(|| TransportError::Other(format!("no route for {}", request.url)))
    }
}

pub const TOKEN_REPLY: &str = r#"{"access_token":"bench-access-token","token_type":"Bearer","expires_in":3600,"scope":"signature impersonation"}"#;

pub fn status_reply() -> String {
    format!(
        r#"{{"envelopeId":"{ENVELOPE_ID}","status":"sent","statusChangedDateTime":"2025-05-02T15:40:01.3970000Z","sentDateTime":"2025-05-02T15:40:01.3970000Z","createdDateTime":"2025-05-02T15:40:00.9530000Z","expireDateTime":"2025-08-30T15:40:01.3970000Z","emailSubject":"Please sign"}}"#
    )
}

pub fn created_reply() -> String {
    format!(
        r#"{{"envelopeId":"{ENVELOPE_ID}","status":"sent","statusDateTime":"2025-05-02T15:40:01.3970000Z","uri":"/envelopes/{ENVELOPE_ID}"}}"#
    )
}

pub fn documents_list_reply() -> String {
    format!(
        r#"{{"envelopeId":"{ENVELOPE_ID}","envelopeDocuments":[{{"documentId":"1","name":"Large.pdf","type":"content","order":"1","uri":"/envelopes/{ENVELOPE_ID}/documents/1"}}]}}"#
    )
}

/// A PDF-looking document of `len` bytes (incompressible filler between header and trailer).
pub fn pdf(len: usize) -> Vec<u8> {
    let mut doc = b"%PDF-1.7\n".to_vec();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while doc.len() + 6 < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        doc.extend_from_slice(&x.to_le_bytes()[..(len - 6 - doc.len()).min(8)]);
    }
    doc.extend_from_slice(b"\n%%EOF");
    doc
}

/// A send request with one document and one signer.
pub fn send_request(document: Vec<u8>) -> signing::SendRequest {
    signing::SendRequest {
        signer_emails: vec!["alice.signer@example.com".into()],
        signer_names: vec!["Alice Signer".into()],
        documents: vec![signing::Document {
            name: "Large.pdf".into(),
            content: document,
        }],
        email_subject: "Please sign the agreement".into(),
        email_body: None,
        cc_emails: Vec::new(),
        cc_names: Vec::new(),
        signing_order: Vec::new(),
        expiration: None,
        reminders: None,
        idempotency_key: None,
        signer_fields: Vec::new(),
        signer_client_user_ids: Vec::new(),
    }
}

/// A Monitor stream page of `n` customer events shaped like DocuSign's (nested location, data).
pub fn monitor_page(n: usize) -> Vec<u8> {
    let mut out = String::with_capacity(n * 760 + 64);
    out.push_str(r#"{"endCursor":"bench-cursor-2","data":["#);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let (secs, frac) = (i / 10, i % 10);
        out.push_str(&format!(
            r#"{{"timestamp":"2025-05-02T15:{:02}:{:02}.{frac}234567Z","eventId":"e{i:07}-0000-4000-8000-000000000001","accountId":"{ACCOUNT_ID}","userId":"4799e5e9-1559-4915-9862-cf4713bbcacc","organizationId":"9c5fb8e1-2d3c-4b5a-8f7e-054ff8a249bf","application":"eSignature","environment":"Demo","site":"DEMO","object":"Envelope","action":"Created","property":"Status","result":"Success","integratorKey":"1f2e3d4c-5b6a-4789-8abc-def012345678","customerVisible":true,"version":"2.0","userAgent":"Mozilla/5.0 (X11; Linux x86_64)","ipAddress":"203.0.113.{}","ipAddressLocation":{{"latitude":48.85,"longitude":2.35,"country":"FR","state":"IDF","city":"Paris"}},"data":{{"EnvelopeId":"d{i:07}-0000-4000-8000-000000000001","Subject":"Please sign the Master Services Agreement"}}}}"#,
            secs / 60 % 40,
            secs % 60,
            i % 250
        ));
    }
    out.push_str("]}");
    out.into_bytes()
}

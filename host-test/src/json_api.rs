//! The dynamic entry point: `invoke(action, json) -> json`, mapping a workflow's service-task
//! variables (snake_case JSON) onto the typed WIT calls and back.
//!
//! Success is the action's result object; failure is `{"kind": …, …fields}` keeping every field
//! of the WIT error variant (or `kind: "host"` when the guest was stopped). Binary content is
//! base64 (`content_base64`); with a base directory, documents may also be given by `path`.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::bindings::commands::{
    ConsentKind, ConsentRequest, Event, EventType, FetchBatch, FetchRequest, GetEventsRequest,
    StreamReport,
};
use crate::bindings::signing::{
    Document, EnvelopeStatus, Expiration, Reminders, SendRequest, SignedDocument,
};
use crate::bindings::{Connection, ConnectorError, Timestamp, TransportError};
use crate::capabilities::Capabilities;
use crate::engine::{ConnectorHost, HostError};

/// Every action name `invoke` accepts, with a one-line description.
pub const ACTIONS: &[(&str, &str)] = &[
    (
        "send-for-signature",
        "send documents to sign; returns the envelope id",
    ),
    (
        "get-envelope-status",
        "status and status times of an envelope",
    ),
    (
        "get-signed-documents",
        "the envelope's documents and its summary (certificate), with SHA-256",
    ),
    (
        "void-envelope",
        "cancel signing of an envelope, with a reason",
    ),
    (
        "generate-consent-url",
        "the URL that grants the integration consent",
    ),
    ("auth-test", "JWT -> token -> /oauth/userinfo -> account"),
    ("reset-access-token", "forget the cached access token"),
    (
        "get-events",
        "read Monitor customer events or Admin API users (debugging)",
    ),
    (
        "fetch-events",
        "collect new events since the committed checkpoint (commit with commit-fetch)",
    ),
    ("commit-fetch", "record that a fetched batch was delivered"),
];

/// A failed invocation as JSON, and whether the guest or the host failed.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeError {
    /// `{"kind": …, …}`.
    pub json: Value,
}

impl InvokeError {
    /// The error's `kind`.
    pub fn kind(&self) -> &str {
        self.json["kind"].as_str().unwrap_or("unknown")
    }

    fn input(field: &str, message: impl Into<String>) -> Self {
        Self {
            json: json!({"kind": "invalid-input", "field": field, "message": message.into()}),
        }
    }
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.json)
    }
}

/// Where `path` document inputs may be read from; `None` disallows them.
#[derive(Debug, Clone, Copy, Default)]
pub struct InputFiles<'a> {
    /// Base directory of relative paths.
    pub base_dir: Option<&'a Path>,
}

/// One action with its typed input, as parsed from JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// `auth-test`
    AuthTest,
    /// `reset-access-token`
    ResetAccessToken,
    /// `generate-consent-url`
    GenerateConsentUrl(ConsentRequest),
    /// `get-events`
    GetEvents(GetEventsRequest),
    /// `fetch-events`
    FetchEvents(FetchRequest),
    /// `commit-fetch`
    CommitFetch(String),
    /// `send-for-signature`
    SendForSignature(SendRequest),
    /// `get-envelope-status`
    GetEnvelopeStatus(String),
    /// `get-signed-documents`
    GetSignedDocuments(String),
    /// `void-envelope` (envelope id, reason)
    VoidEnvelope(String, String),
}

/// Read `input` for `action` as [`invoke`] does, without running anything (engines may use it to
/// check service-task variables up front). Field checks that need the connector's rules (e-mail
/// syntax, DocuSign's limits) happen in the connector itself.
pub fn parse_call(action: &str, input: Value, files: InputFiles<'_>) -> Result<Call, InvokeError> {
    let input = if input.is_null() { json!({}) } else { input };
    Ok(match action {
        "auth-test" => {
            no_fields(&input)?;
            Call::AuthTest
        }
        "reset-access-token" => {
            no_fields(&input)?;
            Call::ResetAccessToken
        }
        "generate-consent-url" => {
            let i: ConsentInput = parse(input)?;
            Call::GenerateConsentUrl(ConsentRequest {
                kind: match i.kind.as_deref().unwrap_or("individual") {
                    "individual" => ConsentKind::Individual,
                    "admin" => ConsentKind::Admin,
                    other => {
                        return Err(InvokeError::input(
                            "kind",
                            format!("{other:?} is not individual or admin"),
                        ));
                    }
                },
                event_types: i
                    .event_types
                    .iter()
                    .map(|t| event_type(t, "event_types"))
                    .collect::<Result<_, _>>()?,
                state: i.state,
            })
        }
        "get-events" => {
            let i: GetEventsInput = parse(input)?;
            Call::GetEvents(GetEventsRequest {
                event_type: event_type(&i.event_type, "event_type")?,
                limit: i.limit.unwrap_or(10),
                since: i.since,
            })
        }
        "fetch-events" => {
            let i: FetchInput = parse(input)?;
            Call::FetchEvents(FetchRequest {
                event_types: i
                    .event_types
                    .iter()
                    .map(|t| event_type(t, "event_types"))
                    .collect::<Result<_, _>>()?,
                max_customer_events: i.max_customer_events.unwrap_or(2000),
                max_audit_users: i.max_audit_users.unwrap_or(1250),
                first_fetch: i.first_fetch,
            })
        }
        "commit-fetch" => Call::CommitFetch(parse::<CommitInput>(input)?.checkpoint),
        "send-for-signature" => Call::SendForSignature(send_request(parse(input)?, files)?),
        "get-envelope-status" => {
            Call::GetEnvelopeStatus(parse::<EnvelopeInput>(input)?.envelope_id)
        }
        "get-signed-documents" => {
            Call::GetSignedDocuments(parse::<EnvelopeInput>(input)?.envelope_id)
        }
        "void-envelope" => {
            let i: VoidInput = parse(input)?;
            Call::VoidEnvelope(i.envelope_id, i.reason)
        }
        other => {
            return Err(InvokeError {
                json: json!({
                    "kind": "invalid-input",
                    "field": "action",
                    "message": format!("unknown action {other:?}; one of: {}", ACTIONS.iter().map(|(a, _)| *a).collect::<Vec<_>>().join(", ")),
                }),
            });
        }
    })
}

/// Run `action` with JSON `input`.
pub fn invoke(
    host: &ConnectorHost,
    caps: &Capabilities,
    conn: &Connection,
    action: &str,
    input: Value,
    files: InputFiles<'_>,
) -> Result<Value, InvokeError> {
    run_call(host, caps, conn, parse_call(action, input, files)?)
}

/// Run a parsed [`Call`] and render its result as JSON.
pub fn run_call(
    host: &ConnectorHost,
    caps: &Capabilities,
    conn: &Connection,
    call: Call,
) -> Result<Value, InvokeError> {
    match call {
        Call::AuthTest => finish(host.auth_test(caps, conn), |r| {
            json!({
                "user_id": r.user_id,
                "user_name": r.user_name,
                "email": r.email,
                "account": account(&r.account),
                "accounts": r.accounts.iter().map(account).collect::<Vec<_>>(),
                "scopes": r.scopes,
                "token_expires_at": ts(r.token_expires_at),
                "token_reused": r.token_reused,
            })
        }),
        Call::ResetAccessToken => finish(
            host.reset_access_token(caps, conn),
            |r| json!({"token_removed": r.token_removed}),
        ),
        Call::GenerateConsentUrl(req) => finish(
            host.generate_consent_url(caps, conn, &req),
            |r| json!({"url": r.url, "scopes": r.scopes}),
        ),
        Call::GetEvents(req) => finish(
            host.get_events(caps, conn, &req),
            |events| json!({"events": events.iter().map(event).collect::<Vec<_>>()}),
        ),
        Call::FetchEvents(req) => finish(host.fetch_events(caps, conn, &req), |b| fetch_batch(&b)),
        Call::CommitFetch(checkpoint) => finish(
            host.commit_fetch(caps, conn, &checkpoint),
            |()| json!({"committed": true}),
        ),
        Call::SendForSignature(req) => finish(host.send_for_signature(caps, conn, &req), |r| {
            json!({
                "envelope_id": r.envelope_id,
                "status": status(&r.status),
                "status_changed_at": r.status_changed_at.map(ts),
                "reused": r.reused,
            })
        }),
        Call::GetEnvelopeStatus(id) => finish(host.get_envelope_status(caps, conn, &id), |r| {
            json!({
                "envelope_id": r.envelope_id,
                "status": status(&r.status),
                "status_changed_at": r.status_changed_at.map(ts),
                "sent_at": r.sent_at.map(ts),
                "delivered_at": r.delivered_at.map(ts),
                "completed_at": r.completed_at.map(ts),
                "declined_at": r.declined_at.map(ts),
                "voided_at": r.voided_at.map(ts),
                "voided_reason": r.voided_reason,
                "expires_at": r.expires_at.map(ts),
                "email_subject": r.email_subject,
            })
        }),
        Call::GetSignedDocuments(id) => finish(host.get_signed_documents(caps, conn, &id), |r| {
            json!({
                "envelope_id": r.envelope_id,
                "documents": r.documents.iter().map(signed_document).collect::<Vec<_>>(),
                "summary": signed_document(&r.summary),
            })
        }),
        Call::VoidEnvelope(id, reason) => finish(
            host.void_envelope(caps, conn, &id, &reason),
            |r| json!({"envelope_id": r.envelope_id, "already_voided": r.already_voided}),
        ),
    }
}

fn finish<T>(
    outcome: Result<Result<T, ConnectorError>, HostError>,
    render: impl FnOnce(T) -> Value,
) -> Result<Value, InvokeError> {
    match outcome {
        Ok(Ok(value)) => Ok(render(value)),
        Ok(Err(e)) => Err(InvokeError {
            json: connector_error(&e),
        }),
        Err(e) => Err(InvokeError {
            json: host_error(&e),
        }),
    }
}

/// Deserialize an action's input; errors name the offending field by its path
/// (`expiration.validity_days`, `documents[0].name`) or the unknown/missing field.
fn parse<T: DeserializeOwned>(input: Value) -> Result<T, InvokeError> {
    serde_path_to_error::deserialize(input).map_err(|e| {
        let path = e.path().to_string();
        let text = e.inner().to_string();
        // Unknown or missing fields are named by serde itself, between backticks.
        let named = text.split('`').nth(1).filter(|_| text.contains("field"));
        let field = match (path.as_str(), named) {
            (".", Some(name)) => name.to_owned(),
            (".", None) => "input".to_owned(),
            (path, Some(name)) if text.contains("missing field") => format!("{path}.{name}"),
            (path, _) => path.to_owned(),
        };
        InvokeError::input(&field, text)
    })
}

fn no_fields(input: &Value) -> Result<(), InvokeError> {
    match input.as_object() {
        Some(map) if map.is_empty() => Ok(()),
        Some(map) => Err(InvokeError::input(
            map.keys().next().map(String::as_str).unwrap_or("input"),
            "this action takes no input",
        )),
        None => Err(InvokeError::input("input", "expected a JSON object")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentInput {
    kind: Option<String>,
    #[serde(default)]
    event_types: Vec<String>,
    state: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GetEventsInput {
    event_type: String,
    limit: Option<u32>,
    since: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FetchInput {
    event_types: Vec<String>,
    max_customer_events: Option<u32>,
    max_audit_users: Option<u32>,
    first_fetch: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitInput {
    checkpoint: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeInput {
    envelope_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoidInput {
    envelope_id: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentInput {
    name: Option<String>,
    content_base64: Option<String>,
    path: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpirationInput {
    #[serde(default = "yes")]
    enabled: bool,
    validity_days: Option<u32>,
    warning_days: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemindersInput {
    #[serde(default = "yes")]
    enabled: bool,
    first_reminder_days: Option<u32>,
    interval_days: Option<u32>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendInput {
    signer_emails: Vec<String>,
    signer_names: Vec<String>,
    documents: Vec<DocumentInput>,
    email_subject: String,
    email_body: Option<String>,
    #[serde(default)]
    cc_emails: Vec<String>,
    #[serde(default)]
    cc_names: Vec<String>,
    #[serde(default)]
    signing_order: Vec<Option<u32>>,
    expiration: Option<ExpirationInput>,
    reminders: Option<RemindersInput>,
    idempotency_key: Option<String>,
}

fn send_request(i: SendInput, files: InputFiles<'_>) -> Result<SendRequest, InvokeError> {
    let mut documents = Vec::with_capacity(i.documents.len());
    for (n, d) in i.documents.into_iter().enumerate() {
        let field = format!("documents[{n}]");
        let (content, default_name) = match (d.content_base64, d.path) {
            (Some(b64), None) => (
                STANDARD.decode(b64.trim()).map_err(|e| {
                    InvokeError::input(
                        &format!("{field}.content_base64"),
                        format!("not base64: {e}"),
                    )
                })?,
                None,
            ),
            (None, Some(path)) => {
                let Some(base) = files.base_dir else {
                    return Err(InvokeError::input(
                        &format!("{field}.path"),
                        "file paths are not allowed here; use content_base64",
                    ));
                };
                let full = base.join(&path);
                let bytes = std::fs::read(&full).map_err(|e| {
                    InvokeError::input(
                        &format!("{field}.path"),
                        format!("reading {}: {e}", full.display()),
                    )
                })?;
                (
                    bytes,
                    full.file_name().map(|n| n.to_string_lossy().into_owned()),
                )
            }
            _ => {
                return Err(InvokeError::input(
                    &field,
                    "give exactly one of content_base64 and path",
                ));
            }
        };
        let name = d
            .name
            .or(default_name)
            .ok_or_else(|| InvokeError::input(&format!("{field}.name"), "is required"))?;
        documents.push(Document { name, content });
    }
    Ok(SendRequest {
        signer_emails: i.signer_emails,
        signer_names: i.signer_names,
        documents,
        email_subject: i.email_subject,
        email_body: i.email_body,
        cc_emails: i.cc_emails,
        cc_names: i.cc_names,
        signing_order: i.signing_order,
        expiration: i.expiration.map(|e| Expiration {
            enabled: e.enabled,
            validity_days: e.validity_days,
            warning_days: e.warning_days,
        }),
        reminders: i.reminders.map(|r| Reminders {
            enabled: r.enabled,
            first_reminder_days: r.first_reminder_days,
            interval_days: r.interval_days,
        }),
        idempotency_key: i.idempotency_key,
    })
}

fn event_type(name: &str, field: &str) -> Result<EventType, InvokeError> {
    match name.to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
        "customer-events" => Ok(EventType::CustomerEvents),
        "audit-users" => Ok(EventType::AuditUsers),
        _ => Err(InvokeError::input(
            field,
            format!("unknown event type {name:?}; use customer-events or audit-users"),
        )),
    }
}

fn event_type_name(t: EventType) -> &'static str {
    match t {
        EventType::CustomerEvents => "customer-events",
        EventType::AuditUsers => "audit-users",
    }
}

/// RFC 3339 of a WIT timestamp.
pub fn ts(t: Timestamp) -> String {
    let nanos = i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanoseconds);
    match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(dt) => dt
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| t.seconds.to_string()),
        Err(_) => t.seconds.to_string(),
    }
}

fn account(a: &crate::bindings::commands::Account) -> Value {
    json!({
        "account_id": a.account_id,
        "account_name": a.account_name,
        "base_uri": a.base_uri,
        "is_default": a.is_default,
        "organization_id": a.organization_id,
    })
}

fn status(s: &EnvelopeStatus) -> String {
    match s {
        EnvelopeStatus::Created => "created".into(),
        EnvelopeStatus::Sent => "sent".into(),
        EnvelopeStatus::Delivered => "delivered".into(),
        EnvelopeStatus::Signed => "signed".into(),
        EnvelopeStatus::Completed => "completed".into(),
        EnvelopeStatus::Declined => "declined".into(),
        EnvelopeStatus::Voided => "voided".into(),
        EnvelopeStatus::Correct => "correct".into(),
        EnvelopeStatus::Template => "template".into(),
        EnvelopeStatus::Deleted => "deleted".into(),
        EnvelopeStatus::Timedout => "timedout".into(),
        EnvelopeStatus::Other(o) => o.clone(),
    }
}

fn signed_document(d: &SignedDocument) -> Value {
    json!({
        "document_id": d.document_id,
        "name": d.name,
        "size": d.content.len(),
        "sha256": d.sha256,
        "content_base64": STANDARD.encode(&d.content),
    })
}

fn event(e: &Event) -> Value {
    let data =
        serde_json::from_str::<Value>(&e.json).unwrap_or_else(|_| Value::String(e.json.clone()));
    json!({"event_type": event_type_name(e.event_type), "id": e.id, "time": e.time.map(ts), "data": data})
}

fn stream_report(s: &StreamReport) -> Value {
    json!({
        "event_type": event_type_name(s.event_type),
        "fetched": s.fetched,
        "more_available": s.more_available,
        "error": s.error.as_ref().map(connector_error),
    })
}

fn fetch_batch(b: &FetchBatch) -> Value {
    json!({
        "events": b.events.iter().map(event).collect::<Vec<_>>(),
        "checkpoint": b.checkpoint,
        "streams": b.streams.iter().map(stream_report).collect::<Vec<_>>(),
        "retry_after_secs": b.retry_after_secs,
    })
}

/// A connector error as JSON, every field of its variant kept.
pub fn connector_error(e: &ConnectorError) -> Value {
    match e {
        ConnectorError::InvalidInput(f) => {
            json!({"kind": "invalid-input", "field": f.field, "message": f.message})
        }
        ConnectorError::ConsentRequired(c) => {
            json!({"kind": "consent-required", "consent_url": c.consent_url, "scopes": c.scopes, "message": c.message})
        }
        ConnectorError::AuthFailed(o) => json!({
            "kind": "auth-failed", "status": o.status, "error": o.error,
            "error_description": o.error_description, "hint": o.hint,
        }),
        ConnectorError::Api(a) => json!({
            "kind": "api", "status": a.status, "error_code": a.error_code, "message": a.message,
            "hint": a.hint, "trace_token": a.trace_token,
        }),
        ConnectorError::RateLimited(r) => json!({
            "kind": "rate-limited", "retry_after_secs": r.retry_after_secs, "error_code": r.error_code, "message": r.message,
        }),
        ConnectorError::Transport(t) => {
            let (reason, message) = transport(t);
            json!({"kind": "transport", "reason": reason, "message": message})
        }
        ConnectorError::InvalidResponse(b) => {
            json!({"kind": "invalid-response", "status": b.status, "message": b.message})
        }
        ConnectorError::State(m) => json!({"kind": "state", "message": m}),
        ConnectorError::NotImplemented(m) => json!({"kind": "not-implemented", "message": m}),
    }
}

fn transport(t: &TransportError) -> (&'static str, String) {
    match t {
        TransportError::Denied(m) => ("denied", m.clone()),
        TransportError::Timeout(m) => ("timeout", m.clone()),
        TransportError::Dns(m) => ("dns", m.clone()),
        TransportError::Connection(m) => ("connection", m.clone()),
        TransportError::Tls(m) => ("tls", m.clone()),
        TransportError::BodyTooLarge(n) => (
            "body-too-large",
            format!("reply body over the host's limit ({n} bytes)"),
        ),
        TransportError::Other(m) => ("other", m.clone()),
    }
}

/// A host error as JSON.
pub fn host_error(e: &HostError) -> Value {
    let reason = match e {
        HostError::Load(_) => "load",
        HostError::MemoryLimit { .. } => "memory-limit",
        HostError::Timeout { .. } => "timeout",
        HostError::Busy { .. } => "busy",
        HostError::Trap { .. } => "trap",
    };
    json!({"kind": "host", "reason": reason, "message": e.to_string()})
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::bindings::docusign::connector::types::{
        ApiError, FieldError, OauthError, RateLimit,
    };
    use proptest::prelude::*;

    fn days() -> impl Strategy<Value = Option<u32>> {
        prop::option::of(0u32..2000)
    }

    proptest! {
        /// Service-task JSON for a send maps field by field onto the WIT request.
        #[test]
        fn send_input_maps_onto_the_wit_record(
            emails in prop::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.com", 1..5),
            names in prop::collection::vec("\\PC{0,20}", 1..5),
            docs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 1..4),
            order in prop::collection::vec(prop::option::of(0u32..1000), 0..5),
            subject in "\\PC{0,30}",
            exp in (any::<bool>(), days(), days()),
            rem in (any::<bool>(), days(), days()),
            key in prop::option::of("[a-z0-9-]{1,20}"),
        ) {
            let input = json!({
                "signer_emails": emails, "signer_names": names,
                "documents": docs.iter().enumerate().map(|(i, d)| json!({"name": format!("d{i}.pdf"), "content_base64": STANDARD.encode(d)})).collect::<Vec<_>>(),
                "email_subject": subject, "signing_order": order,
                "expiration": {"enabled": exp.0, "validity_days": exp.1, "warning_days": exp.2},
                "reminders": {"enabled": rem.0, "first_reminder_days": rem.1, "interval_days": rem.2},
                "idempotency_key": key,
            });
            let req = send_request(parse(input).unwrap(), InputFiles::default()).unwrap();
            prop_assert_eq!(&req.signer_emails, &emails);
            prop_assert_eq!(&req.signer_names, &names);
            prop_assert_eq!(req.documents.iter().map(|d| d.content.clone()).collect::<Vec<_>>(), docs);
            prop_assert_eq!(&req.email_subject, &subject);
            prop_assert_eq!(&req.signing_order, &order);
            let e = req.expiration.unwrap();
            prop_assert_eq!((e.enabled, e.validity_days, e.warning_days), exp);
            let r = req.reminders.unwrap();
            prop_assert_eq!((r.enabled, r.first_reminder_days, r.interval_days), rem);
            prop_assert_eq!(req.idempotency_key, key);
        }

        /// WIT timestamps become RFC 3339 text that parses back to the same instant.
        #[test]
        fn timestamps_render_exactly(seconds in 0i64..4_102_444_800, nanoseconds in 0u32..1_000_000_000) {
            let text = ts(Timestamp { seconds, nanoseconds });
            let parsed = time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).unwrap();
            prop_assert_eq!(parsed.unix_timestamp_nanos(), i128::from(seconds) * 1_000_000_000 + i128::from(nanoseconds));
        }

        /// Errors keep every field of their WIT variant in JSON.
        #[test]
        fn errors_keep_their_fields(a in "\\PC{0,30}", b in "\\PC{0,30}", c in prop::option::of("\\PC{0,30}"), status in 100u16..600, secs in any::<u64>()) {
            let cases = [
                (ConnectorError::InvalidInput(FieldError { field: a.clone(), message: b.clone() }), json!({"kind": "invalid-input", "field": a, "message": b})),
                (ConnectorError::AuthFailed(OauthError { status, error: a.clone(), error_description: c.clone(), hint: b.clone() }),
                 json!({"kind": "auth-failed", "status": status, "error": a, "error_description": c, "hint": b})),
                (ConnectorError::Api(ApiError { status, error_code: c.clone(), message: a.clone(), hint: Some(b.clone()), trace_token: c.clone() }),
                 json!({"kind": "api", "status": status, "error_code": c, "message": a, "hint": b, "trace_token": c})),
                (ConnectorError::RateLimited(RateLimit { retry_after_secs: secs, error_code: c.clone(), message: a.clone() }),
                 json!({"kind": "rate-limited", "retry_after_secs": secs, "error_code": c, "message": a})),
            ];
            for (error, expected) in cases {
                prop_assert_eq!(connector_error(&error), expected);
            }
        }
    }
}

//! WIT glue: bindings, the host imports as a [`Host`], and the exports as thin wrappers that
//! convert types and call the plain-Rust modules.

wit_bindgen::generate!({ world: "connector", path: "../wit" });

use docusign::connector::{clock, http as wit_http, log as wit_log, state, types as wit};
use exports::docusign::connector::{commands as wit_commands, signing as wit_signing};

use crate::auth::userinfo::Account;
use crate::commands::{self, ConsentKind, ConsentRequest};
use crate::config::{Config, Connection};
use crate::error::{ConnectorError, TransportError};
use crate::esign::{self, EnvelopeStatus};
use crate::events::{self, EventType};
use crate::host::{BodyPart, Host, HttpRequest, HttpResponse, Level, Method};
use crate::timestamp::Timestamp;

struct Component;
export!(Component);

/// The host imports, seen through the [`Host`] trait.
struct WitHost;

/// Write `parts` into a host-side body piece by piece (documents base64-encoded on the way),
/// then send `request` with it.
fn send_parts(
    request: &wit_http::Request,
    parts: &[BodyPart],
    size: usize,
) -> Result<wit_http::Response, wit_http::TransportError> {
    let body = wit_http::OutgoingBody::new(size as u64);
    let mut buffer = String::new();
    for part in parts {
        part.write_pieces(&mut buffer, |piece| body.write(piece))?;
    }
    wit_http::send_with_body(request, body)
}

fn transport_error(e: wit_http::TransportError) -> TransportError {
    match e {
        wit_http::TransportError::Denied(m) => TransportError::Denied(m),
        wit_http::TransportError::Timeout(m) => TransportError::Timeout(m),
        wit_http::TransportError::Dns(m) => TransportError::Dns(m),
        wit_http::TransportError::Connection(m) => TransportError::Connection(m),
        wit_http::TransportError::Tls(m) => TransportError::Tls(m),
        wit_http::TransportError::BodyTooLarge(n) => TransportError::BodyTooLarge(n),
        wit_http::TransportError::Other(m) => TransportError::Other(m),
    }
}

impl Host for WitHost {
    fn send(&self, request: &mut HttpRequest) -> Result<HttpResponse, TransportError> {
        // Move the URL, headers and body into the WIT record for the call and back afterwards:
        // a large upload is never copied inside the guest.
        let wit_request = wit_http::Request {
            method: match request.method {
                Method::Get => wit_http::Method::Get,
                Method::Head => wit_http::Method::Head,
                Method::Post => wit_http::Method::Post,
                Method::Put => wit_http::Method::Put,
                Method::Patch => wit_http::Method::Patch,
                Method::Delete => wit_http::Method::Delete,
            },
            url: std::mem::take(&mut request.url),
            headers: std::mem::take(&mut request.headers),
            body: std::mem::take(&mut request.body),
            timeout_ms: request.timeout_ms,
        };
        let outcome = if request.body_parts.is_empty() {
            wit_http::send(&wit_request)
        } else {
            send_parts(&wit_request, &request.body_parts, request.body_len())
        };
        request.url = wit_request.url;
        request.headers = wit_request.headers;
        request.body = wit_request.body;
        match outcome {
            Ok(r) => Ok(HttpResponse {
                status: r.status,
                headers: r.headers,
                body: r.body,
            }),
            Err(e) => Err(transport_error(e)),
        }
    }

    fn now_ms(&self) -> u64 {
        clock::now_ms()
    }

    fn sleep_ms(&self, ms: u32) {
        clock::sleep_ms(ms)
    }

    fn state_get(&self, key: &str) -> Result<Option<String>, String> {
        state::get(key)
    }

    fn state_set(&self, key: &str, value: &str) -> Result<(), String> {
        state::set(key, value)
    }

    fn state_delete(&self, key: &str) -> Result<bool, String> {
        state::delete(key)
    }

    fn lock(&self, key: &str, wait_ms: u32) -> Result<bool, String> {
        state::lock(key, wait_ms)
    }

    fn unlock(&self, key: &str) {
        state::unlock(key)
    }

    fn log(&self, level: Level, message: &str) {
        let level = match level {
            Level::Trace => wit_log::Level::Trace,
            Level::Debug => wit_log::Level::Debug,
            Level::Info => wit_log::Level::Info,
            Level::Warn => wit_log::Level::Warn,
            Level::Error => wit_log::Level::Error,
        };
        wit_log::log(level, message)
    }
}

fn config(conn: wit::Connection) -> Result<Config, wit::ConnectorError> {
    Config::from_connection(&Connection {
        auth_server: conn.auth_server,
        integration_key: conn.integration_key,
        user_id: conn.user_id,
        private_key_pem: conn.private_key_pem,
        account_id: conn.account_id,
        organization_id: conn.organization_id,
        redirect_uri: conn.redirect_uri,
        scopes: conn.scopes,
    })
    .map_err(Into::into)
}

impl From<ConnectorError> for wit::ConnectorError {
    fn from(e: ConnectorError) -> Self {
        match e {
            ConnectorError::InvalidInput { field, message } => {
                Self::InvalidInput(wit::FieldError { field, message })
            }
            ConnectorError::ConsentRequired {
                consent_url,
                scopes,
                message,
            } => Self::ConsentRequired(wit::ConsentNeeded {
                consent_url,
                scopes,
                message,
            }),
            ConnectorError::AuthFailed {
                status,
                error,
                error_description,
                hint,
            } => Self::AuthFailed(wit::OauthError {
                status,
                error,
                error_description,
                hint,
            }),
            ConnectorError::Api {
                status,
                error_code,
                message,
                hint,
                trace_token,
            } => Self::Api(wit::ApiError {
                status,
                error_code,
                message,
                hint,
                trace_token,
            }),
            ConnectorError::RateLimited {
                retry_after_secs,
                error_code,
                message,
            } => Self::RateLimited(wit::RateLimit {
                retry_after_secs,
                error_code,
                message,
            }),
            ConnectorError::Transport(t) => Self::Transport(match t {
                TransportError::Denied(m) => wit_http::TransportError::Denied(m),
                TransportError::Timeout(m) => wit_http::TransportError::Timeout(m),
                TransportError::Dns(m) => wit_http::TransportError::Dns(m),
                TransportError::Connection(m) => wit_http::TransportError::Connection(m),
                TransportError::Tls(m) => wit_http::TransportError::Tls(m),
                TransportError::BodyTooLarge(n) => wit_http::TransportError::BodyTooLarge(n),
                TransportError::Other(m) => wit_http::TransportError::Other(m),
            }),
            ConnectorError::InvalidResponse { status, message } => {
                Self::InvalidResponse(wit::BadResponse { status, message })
            }
            ConnectorError::State(m) => Self::State(m),
            ConnectorError::NotImplemented(m) => Self::NotImplemented(m),
        }
    }
}

fn timestamp(t: Timestamp) -> wit::Timestamp {
    wit::Timestamp {
        seconds: t.seconds,
        nanoseconds: t.nanoseconds,
    }
}

fn account(a: Account) -> wit_commands::Account {
    wit_commands::Account {
        account_id: a.account_id,
        account_name: a.account_name,
        base_uri: a.base_uri,
        is_default: a.is_default,
        organization_id: a.organization_id,
    }
}

fn event_type(t: wit_commands::EventType) -> EventType {
    match t {
        wit_commands::EventType::CustomerEvents => EventType::CustomerEvents,
        wit_commands::EventType::AuditUsers => EventType::AuditUsers,
    }
}

impl wit_commands::Guest for Component {
    fn generate_consent_url(
        conn: wit::Connection,
        req: wit_commands::ConsentRequest,
    ) -> Result<wit_commands::ConsentUrl, wit::ConnectorError> {
        let config = config(conn)?;
        let url = commands::generate_consent_url(
            &config,
            &ConsentRequest {
                kind: match req.kind {
                    wit_commands::ConsentKind::Individual => ConsentKind::Individual,
                    wit_commands::ConsentKind::Admin => ConsentKind::Admin,
                },
                event_types: req.event_types.into_iter().map(event_type).collect(),
                state: req.state,
            },
        );
        Ok(wit_commands::ConsentUrl {
            url: url.url,
            scopes: url.scopes,
        })
    }

    fn auth_test(
        conn: wit::Connection,
    ) -> Result<wit_commands::AuthTestResult, wit::ConnectorError> {
        let config = config(conn)?;
        let r = commands::auth_test(&WitHost, &config)?;
        Ok(wit_commands::AuthTestResult {
            user_id: r.user_id,
            user_name: r.user_name,
            email: r.email,
            account: account(r.account),
            accounts: r.accounts.into_iter().map(account).collect(),
            scopes: r.scopes,
            token_expires_at: timestamp(r.token_expires_at),
            token_reused: r.token_reused,
        })
    }

    fn reset_access_token(
        conn: wit::Connection,
    ) -> Result<wit_commands::ResetResult, wit::ConnectorError> {
        let config = config(conn)?;
        let token_removed = commands::reset_access_token(&WitHost, &config)?;
        Ok(wit_commands::ResetResult { token_removed })
    }

    fn get_events(
        conn: wit::Connection,
        req: wit_commands::GetEventsRequest,
    ) -> Result<Vec<wit_commands::Event>, wit::ConnectorError> {
        let config = config(conn)?;
        let req = events::GetEventsRequest {
            event_type: event_type(req.event_type),
            limit: req.limit,
            since: req.since,
        };
        Ok(events::get_events(&WitHost, &config, &req)?
            .into_iter()
            .map(event)
            .collect())
    }

    fn fetch_events(
        conn: wit::Connection,
        req: wit_commands::FetchRequest,
    ) -> Result<wit_commands::FetchBatch, wit::ConnectorError> {
        let config = config(conn)?;
        let req = events::FetchRequest {
            event_types: req.event_types.into_iter().map(event_type).collect(),
            max_customer_events: req.max_customer_events,
            max_audit_users: req.max_audit_users,
            first_fetch: req.first_fetch,
        };
        let batch = events::fetch_events(&WitHost, &config, &req)?;
        Ok(wit_commands::FetchBatch {
            events: batch.events.into_iter().map(event).collect(),
            checkpoint: batch.checkpoint,
            streams: batch
                .streams
                .into_iter()
                .map(|s| wit_commands::StreamReport {
                    event_type: wit_event_type(s.event_type),
                    fetched: s.fetched,
                    more_available: s.more_available,
                    error: s.error.map(Into::into),
                })
                .collect(),
            retry_after_secs: batch.retry_after_secs,
        })
    }

    fn commit_fetch(conn: wit::Connection, checkpoint: String) -> Result<(), wit::ConnectorError> {
        let config = config(conn)?;
        Ok(events::commit_fetch(&WitHost, &config, &checkpoint)?)
    }
}

fn wit_event_type(t: EventType) -> wit_commands::EventType {
    match t {
        EventType::CustomerEvents => wit_commands::EventType::CustomerEvents,
        EventType::AuditUsers => wit_commands::EventType::AuditUsers,
    }
}

fn event(e: events::Event) -> wit_commands::Event {
    wit_commands::Event {
        event_type: wit_event_type(e.event_type),
        id: e.id,
        time: e.time.map(timestamp),
        json: e.json,
    }
}

fn envelope_status(s: EnvelopeStatus) -> wit_signing::EnvelopeStatus {
    use wit_signing::EnvelopeStatus as W;
    match s {
        EnvelopeStatus::Created => W::Created,
        EnvelopeStatus::Sent => W::Sent,
        EnvelopeStatus::Delivered => W::Delivered,
        EnvelopeStatus::Signed => W::Signed,
        EnvelopeStatus::Completed => W::Completed,
        EnvelopeStatus::Declined => W::Declined,
        EnvelopeStatus::Voided => W::Voided,
        EnvelopeStatus::Correct => W::Correct,
        EnvelopeStatus::Template => W::Template,
        EnvelopeStatus::Deleted => W::Deleted,
        EnvelopeStatus::TimedOut => W::Timedout,
        EnvelopeStatus::Other(o) => W::Other(o),
    }
}

fn signed_document(d: esign::SignedDocument) -> wit_signing::SignedDocument {
    wit_signing::SignedDocument {
        document_id: d.document_id,
        name: d.name,
        content: d.content,
        sha256: d.sha256,
    }
}

impl wit_signing::Guest for Component {
    fn send_for_signature(
        conn: wit::Connection,
        req: wit_signing::SendRequest,
    ) -> Result<wit_signing::SentEnvelope, wit::ConnectorError> {
        let config = config(conn)?;
        let req = esign::SendRequest {
            signer_emails: req.signer_emails,
            signer_names: req.signer_names,
            documents: req
                .documents
                .into_iter()
                .map(|d| esign::Document {
                    name: d.name,
                    content: d.content,
                })
                .collect(),
            email_subject: req.email_subject,
            email_body: req.email_body,
            cc_emails: req.cc_emails,
            cc_names: req.cc_names,
            signing_order: req.signing_order,
            expiration: req.expiration.map(|e| esign::Expiration {
                enabled: e.enabled,
                validity_days: e.validity_days,
                warning_days: e.warning_days,
            }),
            reminders: req.reminders.map(|r| esign::Reminders {
                enabled: r.enabled,
                first_reminder_days: r.first_reminder_days,
                interval_days: r.interval_days,
            }),
            idempotency_key: req.idempotency_key,
        };
        let sent = esign::send::send(&WitHost, &config, req)?;
        Ok(wit_signing::SentEnvelope {
            envelope_id: sent.envelope_id,
            status: envelope_status(sent.status),
            status_changed_at: sent.status_changed_at.map(timestamp),
            reused: sent.reused,
        })
    }

    fn get_envelope_status(
        conn: wit::Connection,
        envelope_id: String,
    ) -> Result<wit_signing::EnvelopeInfo, wit::ConnectorError> {
        let config = config(conn)?;
        let i = esign::status::get_status(&WitHost, &config, &envelope_id)?;
        Ok(wit_signing::EnvelopeInfo {
            envelope_id: i.envelope_id,
            status: envelope_status(i.status),
            status_changed_at: i.status_changed_at.map(timestamp),
            sent_at: i.sent_at.map(timestamp),
            delivered_at: i.delivered_at.map(timestamp),
            completed_at: i.completed_at.map(timestamp),
            declined_at: i.declined_at.map(timestamp),
            voided_at: i.voided_at.map(timestamp),
            voided_reason: i.voided_reason,
            expires_at: i.expires_at.map(timestamp),
            email_subject: i.email_subject,
        })
    }

    fn get_signed_documents(
        conn: wit::Connection,
        envelope_id: String,
    ) -> Result<wit_signing::SignedDocuments, wit::ConnectorError> {
        let config = config(conn)?;
        let d = esign::documents::get_signed_documents(&WitHost, &config, &envelope_id)?;
        Ok(wit_signing::SignedDocuments {
            envelope_id: d.envelope_id,
            documents: d.documents.into_iter().map(signed_document).collect(),
            summary: signed_document(d.summary),
        })
    }

    fn void_envelope(
        conn: wit::Connection,
        envelope_id: String,
        reason: String,
    ) -> Result<wit_signing::VoidResult, wit::ConnectorError> {
        let config = config(conn)?;
        let v = esign::void::void(&WitHost, &config, &envelope_id, &reason)?;
        Ok(wit_signing::VoidResult {
            envelope_id: v.envelope_id,
            already_voided: v.already_voided,
        })
    }
}

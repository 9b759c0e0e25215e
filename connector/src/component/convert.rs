//! Every conversion between the generated WIT types and the connector's own types: one `From`
//! impl per pair and direction.

use super::docusign::connector::{
    http as wit_http, log as wit_log, state as wit_state, types as wit,
};
use super::exports::docusign::connector::{commands as wit_commands, signing as wit_signing};
use crate::auth::commands::{AuthTestResult, ConsentKind, ConsentRequest, ConsentUrl};
use crate::auth::userinfo::Account;
use crate::config::Connection;
use crate::environment::MonitorEndpoint;
use crate::error::{ConnectorError, TransportError};
use crate::esign::{
    Document, EnvelopeInfo, EnvelopeStatus, Expiration, Reminders, SendRequest, SentEnvelope,
    SignedDocument, SignedDocuments, VoidResult,
};
use crate::event_type::EventType;
use crate::events::{Event, FetchBatch, FetchRequest, GetEventsRequest, StreamReport};
use crate::host::{Level, StateEntry, StateFailure};
use crate::request::{HttpResponse, Method};
use crate::timestamp::Timestamp;

// Host side: requests out, replies and failures in.

impl From<Method> for wit_http::Method {
    fn from(m: Method) -> Self {
        match m {
            Method::Get => Self::Get,
            Method::Head => Self::Head,
            Method::Post => Self::Post,
            Method::Put => Self::Put,
            Method::Patch => Self::Patch,
            Method::Delete => Self::Delete,
        }
    }
}

impl From<wit_http::Response> for HttpResponse {
    fn from(r: wit_http::Response) -> Self {
        Self {
            status: r.status,
            headers: r.headers,
            body: r.body,
        }
    }
}

impl From<wit_http::TransportError> for TransportError {
    fn from(e: wit_http::TransportError) -> Self {
        use wit_http::TransportError as W;
        match e {
            W::Denied(m) => Self::Denied(m),
            W::Timeout(m) => Self::Timeout(m),
            W::Dns(m) => Self::Dns(m),
            W::Connection(m) => Self::Connection(m),
            W::Tls(m) => Self::Tls(m),
            W::BodyTooLarge(n) => Self::BodyTooLarge(n),
            W::Other(m) => Self::Other(m),
        }
    }
}

impl From<TransportError> for wit_http::TransportError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Denied(m) => Self::Denied(m),
            TransportError::Timeout(m) => Self::Timeout(m),
            TransportError::Dns(m) => Self::Dns(m),
            TransportError::Connection(m) => Self::Connection(m),
            TransportError::Tls(m) => Self::Tls(m),
            TransportError::BodyTooLarge(n) => Self::BodyTooLarge(n),
            TransportError::Other(m) => Self::Other(m),
        }
    }
}

impl From<Level> for wit_log::Level {
    fn from(l: Level) -> Self {
        match l {
            Level::Trace => Self::Trace,
            Level::Debug => Self::Debug,
            Level::Info => Self::Info,
            Level::Warn => Self::Warn,
            Level::Error => Self::Error,
        }
    }
}

// Shared types.

impl From<wit_state::Entry> for StateEntry {
    fn from(e: wit_state::Entry) -> Self {
        Self {
            value: e.value,
            version: e.version,
        }
    }
}

impl From<wit_state::StateError> for StateFailure {
    fn from(e: wit_state::StateError) -> Self {
        match e {
            wit_state::StateError::Conflict(current) => Self::Conflict(current),
            wit_state::StateError::Unavailable(message) => Self::Unavailable(message),
        }
    }
}

impl From<wit::Connection> for Connection {
    fn from(c: wit::Connection) -> Self {
        Self {
            auth_server: c.auth_server,
            integration_key: c.integration_key,
            user_id: c.user_id,
            private_key_pem: c.private_key_pem,
            account_id: c.account_id,
            organization_id: c.organization_id,
            redirect_uri: c.redirect_uri,
            scopes: c.scopes,
            monitor_endpoint: c.monitor_endpoint.map(Into::into),
        }
    }
}

impl From<wit::MonitorEndpoint> for MonitorEndpoint {
    fn from(e: wit::MonitorEndpoint) -> Self {
        match e {
            wit::MonitorEndpoint::OrganizationStream => Self::OrganizationStream,
            wit::MonitorEndpoint::Lens => Self::Lens,
        }
    }
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
            ConnectorError::Transport(t) => Self::Transport(t.into()),
            ConnectorError::InvalidResponse { status, message } => {
                Self::InvalidResponse(wit::BadResponse { status, message })
            }
            ConnectorError::State(m) => Self::State(m),
        }
    }
}

impl From<Timestamp> for wit::Timestamp {
    fn from(t: Timestamp) -> Self {
        Self {
            seconds: t.seconds,
            nanoseconds: t.nanoseconds,
        }
    }
}

// Commands.

impl From<wit_commands::EventType> for EventType {
    fn from(t: wit_commands::EventType) -> Self {
        match t {
            wit_commands::EventType::CustomerEvents => Self::CustomerEvents,
            wit_commands::EventType::AuditUsers => Self::AuditUsers,
            wit_commands::EventType::EnvelopeChanges => Self::EnvelopeChanges,
        }
    }
}

impl From<EventType> for wit_commands::EventType {
    fn from(t: EventType) -> Self {
        match t {
            EventType::CustomerEvents => Self::CustomerEvents,
            EventType::AuditUsers => Self::AuditUsers,
            EventType::EnvelopeChanges => Self::EnvelopeChanges,
        }
    }
}

impl From<wit_commands::ConsentRequest> for ConsentRequest {
    fn from(r: wit_commands::ConsentRequest) -> Self {
        Self {
            kind: match r.kind {
                wit_commands::ConsentKind::Individual => ConsentKind::Individual,
                wit_commands::ConsentKind::Admin => ConsentKind::Admin,
            },
            event_types: r.event_types.into_iter().map(Into::into).collect(),
            state: r.state,
        }
    }
}

impl From<ConsentUrl> for wit_commands::ConsentUrl {
    fn from(u: ConsentUrl) -> Self {
        Self {
            url: u.url,
            scopes: u.scopes,
        }
    }
}

impl From<Account> for wit_commands::Account {
    fn from(a: Account) -> Self {
        Self {
            account_id: a.account_id,
            account_name: a.account_name,
            base_uri: a.base_uri,
            is_default: a.is_default,
            organization_id: a.organization_id,
        }
    }
}

impl From<AuthTestResult> for wit_commands::AuthTestResult {
    fn from(r: AuthTestResult) -> Self {
        Self {
            user_id: r.user_id,
            user_name: r.user_name,
            email: r.email,
            account: r.account.into(),
            accounts: r.accounts.into_iter().map(Into::into).collect(),
            scopes: r.scopes,
            token_expires_at: r.token_expires_at.into(),
            token_reused: r.token_reused,
        }
    }
}

impl From<wit_commands::GetEventsRequest> for GetEventsRequest {
    fn from(r: wit_commands::GetEventsRequest) -> Self {
        Self {
            event_type: r.event_type.into(),
            limit: r.limit,
            since: r.since,
        }
    }
}

impl From<wit_commands::FetchRequest> for FetchRequest {
    fn from(r: wit_commands::FetchRequest) -> Self {
        Self {
            event_types: r.event_types.into_iter().map(Into::into).collect(),
            max_customer_events: r.max_customer_events,
            max_audit_users: r.max_audit_users,
            max_envelope_changes: r.max_envelope_changes,
            first_fetch: r.first_fetch,
        }
    }
}

impl From<Event> for wit_commands::Event {
    fn from(e: Event) -> Self {
        Self {
            event_type: e.event_type.into(),
            id: e.id,
            time: e.time.map(Into::into),
            json: e.json,
        }
    }
}

impl From<StreamReport> for wit_commands::StreamReport {
    fn from(s: StreamReport) -> Self {
        Self {
            event_type: s.event_type.into(),
            fetched: s.fetched,
            more_available: s.more_available,
            error: s.error.map(Into::into),
        }
    }
}

impl From<FetchBatch> for wit_commands::FetchBatch {
    fn from(b: FetchBatch) -> Self {
        Self {
            events: b.events.into_iter().map(Into::into).collect(),
            checkpoint: b.checkpoint,
            streams: b.streams.into_iter().map(Into::into).collect(),
            retry_after_secs: b.retry_after_secs,
        }
    }
}

// Signing.

impl From<wit_signing::Document> for Document {
    fn from(d: wit_signing::Document) -> Self {
        Self {
            name: d.name,
            content: d.content,
        }
    }
}

impl From<wit_signing::Expiration> for Expiration {
    fn from(e: wit_signing::Expiration) -> Self {
        Self {
            enabled: e.enabled,
            validity_days: e.validity_days,
            warning_days: e.warning_days,
        }
    }
}

impl From<wit_signing::Reminders> for Reminders {
    fn from(r: wit_signing::Reminders) -> Self {
        Self {
            enabled: r.enabled,
            first_reminder_days: r.first_reminder_days,
            interval_days: r.interval_days,
        }
    }
}

impl From<wit_signing::SendRequest> for SendRequest {
    fn from(r: wit_signing::SendRequest) -> Self {
        Self {
            signer_emails: r.signer_emails,
            signer_names: r.signer_names,
            documents: r.documents.into_iter().map(Into::into).collect(),
            email_subject: r.email_subject,
            email_body: r.email_body,
            cc_emails: r.cc_emails,
            cc_names: r.cc_names,
            signing_order: r.signing_order,
            expiration: r.expiration.map(Into::into),
            reminders: r.reminders.map(Into::into),
            idempotency_key: r.idempotency_key,
            signer_fields: r
                .signer_fields
                .into_iter()
                .map(|fields| fields.into_iter().map(Into::into).collect())
                .collect(),
            signer_client_user_ids: r.signer_client_user_ids,
        }
    }
}

impl From<EnvelopeStatus> for wit_signing::EnvelopeStatus {
    fn from(s: EnvelopeStatus) -> Self {
        match s {
            EnvelopeStatus::Created => Self::Created,
            EnvelopeStatus::Sent => Self::Sent,
            EnvelopeStatus::Delivered => Self::Delivered,
            EnvelopeStatus::Signed => Self::Signed,
            EnvelopeStatus::Completed => Self::Completed,
            EnvelopeStatus::Declined => Self::Declined,
            EnvelopeStatus::Voided => Self::Voided,
            EnvelopeStatus::Correct => Self::Correct,
            EnvelopeStatus::Template => Self::Template,
            EnvelopeStatus::Deleted => Self::Deleted,
            EnvelopeStatus::TimedOut => Self::Timedout,
            EnvelopeStatus::Other(o) => Self::Other(o),
        }
    }
}

impl From<SentEnvelope> for wit_signing::SentEnvelope {
    fn from(s: SentEnvelope) -> Self {
        Self {
            envelope_id: s.envelope_id,
            status: s.status.into(),
            status_changed_at: s.status_changed_at.map(Into::into),
            reused: s.reused,
        }
    }
}

impl From<EnvelopeInfo> for wit_signing::EnvelopeInfo {
    fn from(i: EnvelopeInfo) -> Self {
        Self {
            envelope_id: i.envelope_id,
            status: i.status.into(),
            status_changed_at: i.status_changed_at.map(Into::into),
            sent_at: i.sent_at.map(Into::into),
            delivered_at: i.delivered_at.map(Into::into),
            completed_at: i.completed_at.map(Into::into),
            declined_at: i.declined_at.map(Into::into),
            voided_at: i.voided_at.map(Into::into),
            voided_reason: i.voided_reason,
            expires_at: i.expires_at.map(Into::into),
            email_subject: i.email_subject,
        }
    }
}

impl From<SignedDocument> for wit_signing::SignedDocument {
    fn from(d: SignedDocument) -> Self {
        Self {
            document_id: d.document_id,
            name: d.name,
            content: d.content,
            sha256: d.sha256,
        }
    }
}

impl From<SignedDocuments> for wit_signing::SignedDocuments {
    fn from(d: SignedDocuments) -> Self {
        Self {
            envelope_id: d.envelope_id,
            documents: d.documents.into_iter().map(Into::into).collect(),
            summary: d.summary.into(),
        }
    }
}

impl From<VoidResult> for wit_signing::VoidResult {
    fn from(v: VoidResult) -> Self {
        Self {
            envelope_id: v.envelope_id,
            already_voided: v.already_voided,
        }
    }
}

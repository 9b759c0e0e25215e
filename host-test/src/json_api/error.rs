//! A failed invocation as JSON: `{"kind": …}` with every field of the WIT error variant, or
//! `kind: "host"` when the guest was stopped.

use serde::Serialize;
use serde_json::Value;

use crate::bindings::ConnectorError;
use crate::bindings::signing::ConnectError;
use crate::engine::HostError;

/// Why an action produced no result, as the service task sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ErrorOutput {
    /// Bad input or settings; nothing was sent.
    InvalidInput {
        /// The field, as the contract or the JSON input names it.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Consent is missing.
    ConsentRequired {
        /// Open this URL to grant it.
        consent_url: String,
        /// Scopes it covers.
        scopes: Vec<String>,
        /// Explanation.
        message: String,
    },
    /// OAuth refused the grant or the token.
    AuthFailed {
        /// HTTP status.
        status: u16,
        /// OAuth `error`.
        error: String,
        /// OAuth `error_description`.
        error_description: Option<String>,
        /// How to fix it.
        hint: String,
    },
    /// DocuSign's API answered with an error.
    Api {
        /// HTTP status.
        status: u16,
        /// DocuSign `errorCode`.
        error_code: Option<String>,
        /// DocuSign `message`.
        message: String,
        /// How to fix it.
        hint: Option<String>,
        /// `X-DocuSign-TraceToken`.
        trace_token: Option<String>,
    },
    /// DocuSign's rate limit was reached.
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
        /// DocuSign `errorCode`.
        error_code: Option<String>,
        /// Explanation.
        message: String,
    },
    /// No reply could be obtained.
    Transport {
        /// The transport-error case (`timeout`, `dns`, …).
        reason: String,
        /// What happened.
        message: String,
    },
    /// The reply could not be understood.
    InvalidResponse {
        /// HTTP status.
        status: u16,
        /// What was wrong.
        message: String,
    },
    /// The state store failed.
    State {
        /// What failed.
        message: String,
    },
    /// A Connect message was refused before anything of it was read: `reason` is `unsigned`,
    /// `no-keys` or `mismatch`.
    Signature {
        /// Why.
        reason: String,
        /// What happened and what to do.
        message: String,
    },
    /// A correctly signed Connect message this connector does not read.
    InvalidMessage {
        /// What is wrong with it.
        message: String,
    },
    /// The guest was stopped or could not run.
    Host {
        /// `load`, `memory-limit`, `timeout`, `busy` or `trap`.
        reason: String,
        /// What happened.
        message: String,
    },
}

impl From<&ConnectorError> for ErrorOutput {
    fn from(e: &ConnectorError) -> Self {
        match e.clone() {
            ConnectorError::InvalidInput(f) => Self::InvalidInput {
                field: f.field,
                message: f.message,
            },
            ConnectorError::ConsentRequired(c) => Self::ConsentRequired {
                consent_url: c.consent_url,
                scopes: c.scopes,
                message: c.message,
            },
            ConnectorError::AuthFailed(o) => Self::AuthFailed {
                status: o.status,
                error: o.error,
                error_description: o.error_description,
                hint: o.hint,
            },
            ConnectorError::Api(a) => Self::Api {
                status: a.status,
                error_code: a.error_code,
                message: a.message,
                hint: a.hint,
                trace_token: a.trace_token,
            },
            ConnectorError::RateLimited(r) => Self::RateLimited {
                retry_after_secs: r.retry_after_secs,
                error_code: r.error_code,
                message: r.message,
            },
            ConnectorError::Transport(t) => Self::Transport {
                reason: t.kind().to_owned(),
                message: t.describe(),
            },
            ConnectorError::InvalidResponse(b) => Self::InvalidResponse {
                status: b.status,
                message: b.message,
            },
            ConnectorError::State(message) => Self::State { message },
        }
    }
}

impl From<&ConnectError> for ErrorOutput {
    fn from(e: &ConnectError) -> Self {
        match e {
            ConnectError::InvalidMessage(_) => Self::InvalidMessage {
                message: e.describe(),
            },
            other => Self::Signature {
                reason: other.reason().to_owned(),
                message: other.describe(),
            },
        }
    }
}

impl From<&HostError> for ErrorOutput {
    fn from(e: &HostError) -> Self {
        Self::Host {
            reason: e.reason().to_owned(),
            message: e.to_string(),
        }
    }
}

/// A failed invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeError {
    /// What failed, typed.
    pub error: ErrorOutput,
}

impl InvokeError {
    /// `invalid-input` on `field`.
    pub fn input(field: &str, message: impl Into<String>) -> Self {
        Self {
            error: ErrorOutput::InvalidInput {
                field: field.to_owned(),
                message: message.into(),
            },
        }
    }

    /// `{"kind": …, …}`.
    pub fn json(&self) -> Value {
        serde_json::to_value(&self.error).unwrap_or(Value::Null)
    }

    /// The error's `kind`.
    pub fn kind(&self) -> &'static str {
        match self.error {
            ErrorOutput::InvalidInput { .. } => "invalid-input",
            ErrorOutput::ConsentRequired { .. } => "consent-required",
            ErrorOutput::AuthFailed { .. } => "auth-failed",
            ErrorOutput::Api { .. } => "api",
            ErrorOutput::RateLimited { .. } => "rate-limited",
            ErrorOutput::Transport { .. } => "transport",
            ErrorOutput::InvalidResponse { .. } => "invalid-response",
            ErrorOutput::State { .. } => "state",
            ErrorOutput::Signature { .. } => "signature",
            ErrorOutput::InvalidMessage { .. } => "invalid-message",
            ErrorOutput::Host { .. } => "host",
        }
    }

    /// The guest was stopped (as opposed to the connector reporting an error).
    pub fn is_host_failure(&self) -> bool {
        matches!(self.error, ErrorOutput::Host { .. })
    }
}

impl From<ErrorOutput> for InvokeError {
    fn from(error: ErrorOutput) -> Self {
        Self { error }
    }
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.json())
    }
}

impl std::error::Error for InvokeError {}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::bindings::docusign::connector::types::{
        ApiError, FieldError, OauthError, RateLimit,
    };
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
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
                prop_assert_eq!(InvokeError::from(ErrorOutput::from(&error)).json(), expected);
            }
        }
    }
}

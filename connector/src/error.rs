//! The connector's typed errors, mirroring the WIT `connector-error` variant.

use std::fmt;

/// Why the host could not obtain an HTTP reply (WIT `transport-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The host's policy refused the destination.
    Denied(String),
    /// No complete reply within the timeout.
    Timeout(String),
    /// The host name could not be resolved.
    Dns(String),
    /// The connection could not be made or was lost.
    Connection(String),
    /// TLS failed.
    Tls(String),
    /// The reply body exceeded the host's size cap (bytes).
    BodyTooLarge(u64),
    /// Anything else.
    Other(String),
}

impl TransportError {
    /// True for failures that may succeed when tried again.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Timeout(_) | Self::Dns(_) | Self::Connection(_))
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Denied(m) => write!(f, "request denied by the host: {m}"),
            Self::Timeout(m) => write!(f, "timed out: {m}"),
            Self::Dns(m) => write!(f, "DNS lookup failed: {m}"),
            Self::Connection(m) => write!(f, "connection failed: {m}"),
            Self::Tls(m) => write!(f, "TLS failed: {m}"),
            Self::BodyTooLarge(n) => {
                write!(f, "reply body larger than the host allows ({n} bytes)")
            }
            Self::Other(m) => write!(f, "{m}"),
        }
    }
}

/// Every way an operation can fail (WIT `connector-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectorError {
    /// Bad input or configuration; nothing was sent.
    InvalidInput {
        /// Field name as the WIT contract spells it.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Consent is missing.
    ConsentRequired {
        /// URL that grants it.
        consent_url: String,
        /// Scopes it covers.
        scopes: Vec<String>,
        /// Explanation.
        message: String,
    },
    /// The OAuth service refused the grant or token.
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
    /// A REST API error reply.
    Api {
        /// HTTP status.
        status: u16,
        /// DocuSign `errorCode`.
        error_code: Option<String>,
        /// DocuSign `message` or a description.
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
    Transport(TransportError),
    /// The reply could not be understood.
    InvalidResponse {
        /// HTTP status.
        status: u16,
        /// What was wrong.
        message: String,
    },
    /// The host state store failed.
    State(String),
    /// Not available in this build.
    NotImplemented(String),
}

impl ConnectorError {
    /// An invalid-input error for `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// An invalid-response error.
    pub fn bad_response(status: u16, message: impl Into<String>) -> Self {
        Self::InvalidResponse {
            status,
            message: message.into(),
        }
    }
}

impl From<TransportError> for ConnectorError {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInput { field, message } => write!(f, "invalid {field}: {message}"),
            Self::ConsentRequired {
                message,
                consent_url,
                ..
            } => {
                write!(f, "{message} Grant consent at: {consent_url}")
            }
            Self::AuthFailed {
                status,
                error,
                error_description,
                hint,
            } => {
                write!(f, "authentication failed (HTTP {status}): {error}")?;
                if let Some(d) = error_description {
                    write!(f, " ({d})")?;
                }
                write!(f, ". {hint}")
            }
            Self::Api {
                status,
                error_code,
                message,
                hint,
                ..
            } => {
                write!(f, "DocuSign API error (HTTP {status})")?;
                if let Some(c) = error_code {
                    write!(f, " {c}")?;
                }
                write!(f, ": {message}")?;
                if let Some(h) = hint {
                    write!(f, ". {h}")?;
                }
                Ok(())
            }
            Self::RateLimited {
                retry_after_secs,
                message,
                ..
            } => {
                write!(
                    f,
                    "rate limited: {message} (retry after {retry_after_secs} s)"
                )
            }
            Self::Transport(e) => write!(f, "transport error: {e}"),
            Self::InvalidResponse { status, message } => {
                write!(f, "unexpected reply (HTTP {status}): {message}")
            }
            Self::State(m) => write!(f, "state store error: {m}"),
            Self::NotImplemented(m) => write!(f, "not implemented: {m}"),
        }
    }
}

impl std::error::Error for ConnectorError {}

/// Result of a connector operation.
pub type Result<T, E = ConnectorError> = std::result::Result<T, E>;

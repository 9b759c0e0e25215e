//! The connector's typed errors, mirroring the WIT `connector-error` variant.

/// Why the host could not obtain an HTTP reply (WIT `transport-error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The host's policy refused the destination.
    #[error("request denied by the host: {0}")]
    Denied(String),
    /// No complete reply within the timeout.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The host name could not be resolved.
    #[error("DNS lookup failed: {0}")]
    Dns(String),
    /// The connection could not be made or was lost.
    #[error("connection failed: {0}")]
    Connection(String),
    /// TLS failed.
    #[error("TLS failed: {0}")]
    Tls(String),
    /// The reply body exceeded the host's size cap (bytes).
    #[error("reply body larger than the host allows ({0} bytes)")]
    BodyTooLarge(u64),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// True for failures that may succeed when tried again.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Timeout(_) | Self::Dns(_) | Self::Connection(_))
    }
}

/// Every way an operation can fail (WIT `connector-error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// Bad input or configuration; nothing was sent.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// Field name as the WIT contract spells it.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Consent is missing.
    #[error("{message} Grant consent at: {consent_url}")]
    ConsentRequired {
        /// URL that grants it.
        consent_url: String,
        /// Scopes it covers.
        scopes: Vec<String>,
        /// Explanation.
        message: String,
    },
    /// The OAuth service refused the grant or token.
    #[error(
        "authentication failed (HTTP {status}): {error}{}. {hint}",
        parenthesized(error_description)
    )]
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
    #[error(
        "DocuSign API error (HTTP {status}){}: {message}{}",
        prefixed(" ", error_code),
        prefixed(". ", hint)
    )]
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
    #[error("rate limited: {message} (retry after {retry_after_secs} s)")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
        /// DocuSign `errorCode`.
        error_code: Option<String>,
        /// Explanation.
        message: String,
    },
    /// No reply could be obtained.
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// The reply could not be understood.
    #[error("unexpected reply (HTTP {status}): {message}")]
    InvalidResponse {
        /// HTTP status.
        status: u16,
        /// What was wrong.
        message: String,
    },
    /// The host state store failed.
    #[error("state store error: {0}")]
    State(String),
}

/// ` (text)` when there is a text.
fn parenthesized(text: &Option<String>) -> String {
    text.as_deref()
        .map(|t| format!(" ({t})"))
        .unwrap_or_default()
}

/// `prefix` and the text when there is a text.
fn prefixed(prefix: &str, text: &Option<String>) -> String {
    text.as_deref()
        .map(|t| format!("{prefix}{t}"))
        .unwrap_or_default()
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

/// Result of a connector operation.
pub type Result<T, E = ConnectorError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_sentences() {
        let e = ConnectorError::AuthFailed {
            status: 400,
            error: "invalid_grant".into(),
            error_description: Some("no_valid_keys_or_signatures".into()),
            hint: "check the key".into(),
        };
        assert_eq!(
            e.to_string(),
            "authentication failed (HTTP 400): invalid_grant (no_valid_keys_or_signatures). check the key"
        );
        let e = ConnectorError::Api {
            status: 404,
            error_code: Some("ENVELOPE_DOES_NOT_EXIST".into()),
            message: "no such envelope".into(),
            hint: None,
            trace_token: None,
        };
        assert_eq!(
            e.to_string(),
            "DocuSign API error (HTTP 404) ENVELOPE_DOES_NOT_EXIST: no such envelope"
        );
        let e = ConnectorError::Api {
            status: 502,
            error_code: None,
            message: "bad gateway".into(),
            hint: Some("retry later".into()),
            trace_token: None,
        };
        assert_eq!(
            e.to_string(),
            "DocuSign API error (HTTP 502): bad gateway. retry later"
        );
        assert_eq!(
            ConnectorError::from(TransportError::BodyTooLarge(7)).to_string(),
            "transport error: reply body larger than the host allows (7 bytes)"
        );
    }
}

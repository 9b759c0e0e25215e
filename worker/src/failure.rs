//! How a connector error leaves a Restate handler: transient ones (network, rate limit, DocuSign
//! 5xx, a busy or timed-out host) are retried by Restate; all others end the invocation with a
//! terminal error whose message is the error JSON `docusign-host invoke` prints.

use docusign_host::json_api::{ErrorOutput, InvokeError};
use restate_sdk::errors::TerminalError;

/// A transient failure: Restate retries the step (with the worker's `[retry]` policy).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Transient(pub String);

/// True when trying again later may succeed.
pub fn is_transient(e: &InvokeError) -> bool {
    match &e.error {
        ErrorOutput::Transport { reason, .. } => {
            matches!(reason.as_str(), "timeout" | "dns" | "connection")
        }
        ErrorOutput::RateLimited { .. } => true,
        ErrorOutput::Api { status, .. } => *status >= 500 || *status == 408,
        ErrorOutput::Host { reason, .. } => matches!(reason.as_str(), "busy" | "timeout"),
        _ => false,
    }
}

/// The HTTP status Restate's ingress answers a failed call with.
pub fn status_code(e: &InvokeError) -> u16 {
    match &e.error {
        ErrorOutput::InvalidInput { .. } => 400,
        ErrorOutput::ConsentRequired { .. } => 403,
        ErrorOutput::AuthFailed { .. } => 401,
        ErrorOutput::Api { status, .. } if (400..500).contains(status) => *status,
        ErrorOutput::RateLimited { .. } => 429,
        ErrorOutput::Transport { .. }
        | ErrorOutput::Api { .. }
        | ErrorOutput::InvalidResponse { .. } => 502,
        ErrorOutput::State { .. } | ErrorOutput::Host { .. } => 500,
        // A refused Connect message (not offered by the worker, but the JSON API has it).
        ErrorOutput::Signature { .. } => 401,
        ErrorOutput::InvalidMessage { .. } => 400,
    }
}

/// The terminal error of `e`: its code, and its JSON as the message.
pub fn terminal(e: &InvokeError) -> TerminalError {
    TerminalError::new_with_code(status_code(e), e.json().to_string())
}

/// The terminal error of a JSON error value as journaled by a step.
pub fn terminal_from_json(error: &serde_json::Value) -> TerminalError {
    let code = match error["kind"].as_str() {
        Some("invalid-input") => 400,
        Some("consent-required") => 403,
        Some("auth-failed") => 401,
        Some("api") => match error["status"].as_u64() {
            Some(s @ 400..500) => s as u16,
            _ => 502,
        },
        Some("rate-limited") => 429,
        Some("transport" | "invalid-response") => 502,
        Some("signature") => 401,
        Some("invalid-message") => 400,
        _ => 500,
    };
    TerminalError::new_with_code(code, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> InvokeError {
        ErrorOutput::Api {
            status,
            error_code: Some("ENVELOPE_DOES_NOT_EXIST".into()),
            message: "m".into(),
            hint: None,
            trace_token: None,
        }
        .into()
    }

    fn transport(reason: &str) -> InvokeError {
        ErrorOutput::Transport {
            reason: reason.into(),
            message: "m".into(),
        }
        .into()
    }

    #[test]
    fn only_what_may_pass_is_retried() {
        assert!(is_transient(&api(503)));
        assert!(is_transient(&transport("connection")));
        assert!(is_transient(&transport("timeout")));
        assert!(!is_transient(&transport("tls")));
        assert!(!is_transient(&transport("denied")));
        assert!(!is_transient(&api(404)));
        assert!(!is_transient(&InvokeError::input("envelope_id", "empty")));
    }

    #[test]
    fn terminal_errors_carry_the_invoke_json_and_one_code_either_way() {
        for e in [
            api(404),
            api(500),
            transport("tls"),
            InvokeError::input("f", "m"),
        ] {
            let t = terminal(&e);
            let json: serde_json::Value = serde_json::from_str(t.message()).unwrap();
            assert_eq!(json, e.json());
            assert_eq!(t.code(), terminal_from_json(&e.json()).code(), "{json}");
        }
        assert_eq!(terminal(&api(404)).code(), 404);
        assert_eq!(terminal(&api(500)).code(), 502);
    }
}

//! DocuSign Connect webhook messages: the signature is checked first (HMAC-SHA256 of the exact
//! body bytes, [`signature`]), and only a message that passes is read ([`message`]).

pub mod message;
pub mod signature;

pub use message::ConnectEvent;

/// Why a Connect message was not accepted (WIT `connect-error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// No `X-DocuSign-Signature-N` header.
    #[error(
        "the message carries no X-DocuSign-Signature-1 header: turn on \"Include HMAC signature\" \
         in the Connect configuration (or includeHMAC in the envelope's eventNotification)"
    )]
    Unsigned,
    /// No HMAC key was given to check against.
    #[error(
        "no HMAC key to check the signature with: give the account's active Connect keys \
         (Settings > Connect > Connect Keys)"
    )]
    NoKeys,
    /// No signature header matched any key.
    #[error(
        "the signature matches none of the {keys} HMAC key(s) ({signatures} signature header(s)): \
         the body was altered on the way, or the message was signed with a key not given here"
    )]
    Mismatch {
        /// Signature headers present.
        signatures: u32,
        /// Keys tried.
        keys: u32,
    },
    /// Correctly signed, but not a Connect JSON message this connector reads.
    #[error("signed, but not a Connect JSON (SIM, REST v2.1) message: {0}")]
    InvalidMessage(String),
}

/// Check `body`'s signature against `hmac_keys` (any active key may have signed it), then read
/// it. Nothing is parsed unless a signature matches.
pub fn verify_message(
    headers: &[(String, String)],
    body: &[u8],
    hmac_keys: &[String],
) -> Result<ConnectEvent, ConnectError> {
    let key_index = signature::verify(headers, body, hmac_keys)?;
    let mut event = message::parse(body)?;
    event.key_index = key_index;
    Ok(event)
}

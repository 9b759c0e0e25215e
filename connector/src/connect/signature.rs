//! Connect's HMAC: `X-DocuSign-Signature-N` is the base64 HMAC-SHA256 of the whole request body
//! under one of the account's Connect keys (the key's text as bytes, not base64-decoded); one
//! header per active key. Compared in constant time.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use super::ConnectError;

type HmacSha256 = hmac::Hmac<Sha256>;

/// Signature headers read at most (DocuSign allows a handful of active keys).
const MAX_SIGNATURES: usize = 100;

/// Which key (1-based, in the order given) signed `body`, per the signature headers.
pub fn verify(
    headers: &[(String, String)],
    body: &[u8],
    keys: &[String],
) -> Result<u32, ConnectError> {
    let signatures: Vec<&str> = headers
        .iter()
        .filter(|(name, _)| is_signature_header(name))
        .map(|(_, value)| value.trim())
        .take(MAX_SIGNATURES)
        .collect();
    if signatures.is_empty() {
        return Err(ConnectError::Unsigned);
    }
    let keys: Vec<&str> = keys
        .iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() {
        return Err(ConnectError::NoKeys);
    }
    // A header that is not base64 of 32 bytes cannot match; it is skipped, not an error.
    let decoded: Vec<Vec<u8>> = signatures
        .iter()
        .filter_map(|s| STANDARD.decode(s).ok())
        .filter(|d| d.len() == 32)
        .collect();
    for (i, key) in keys.iter().enumerate() {
        let mut mac =
            HmacSha256::new_from_slice(key.as_bytes()).map_err(|_| ConnectError::NoKeys)?;
        mac.update(body);
        if decoded
            .iter()
            .any(|sig| mac.clone().verify_slice(sig).is_ok())
        {
            return Ok(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    Err(ConnectError::Mismatch {
        signatures: u32::try_from(signatures.len()).unwrap_or(u32::MAX),
        keys: u32::try_from(keys.len()).unwrap_or(u32::MAX),
    })
}

/// `X-DocuSign-Signature-<digits>`, any case.
fn is_signature_header(name: &str) -> bool {
    const PREFIX: &str = "x-docusign-signature-";
    name.len() > PREFIX.len()
        && name.is_char_boundary(PREFIX.len())
        && name[..PREFIX.len()].eq_ignore_ascii_case(PREFIX)
        && name[PREFIX.len()..].bytes().all(|b| b.is_ascii_digit())
}

/// The header value DocuSign would send for `body` under `key` (tests, fuzzing; not in the
/// component).
#[cfg(any(test, feature = "test-support"))]
pub fn sign(body: &[u8], key: &str) -> String {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "k3H0cR4XlXW0a7Pq1bM2s9Yy8v6ZtFn5Jd0uQeLwGgA=";
    const BODY: &[u8] = br#"{"event":"envelope-completed"}"#;

    fn header(n: u32, value: &str) -> (String, String) {
        (format!("X-DocuSign-Signature-{n}"), value.to_owned())
    }

    /// The value computed the way DocuSign's own Python example does (`hmac.new(key, payload,
    /// hashlib.sha256)` then base64), worked out once with Python's standard library.
    #[test]
    fn matches_docusigns_reference_computation() {
        assert_eq!(
            sign(b"{\"a\":1}\r\n", "secret"),
            "wi4dn4yDPbLbRrNyPgHO/0vpbsFMT3cBMMIbtQAvYeA="
        );
    }

    #[test]
    fn any_active_key_and_any_header_may_match() {
        let other = "another-key";
        let headers = vec![header(1, &sign(BODY, other)), header(2, &sign(BODY, KEY))];
        assert_eq!(verify(&headers, BODY, &[KEY.to_owned()]), Ok(1));
        assert_eq!(
            verify(&headers, BODY, &["unrelated".into(), other.into()]),
            Ok(2)
        );
        // Header names are case-insensitive; surrounding blanks in keys (a pasted line) are not
        // part of the key.
        let lower = vec![("x-docusign-signature-1".to_owned(), sign(BODY, KEY))];
        assert_eq!(verify(&lower, BODY, &[format!(" {KEY}\n")]), Ok(1));
    }

    #[test]
    fn failures_are_typed() {
        let good = vec![header(1, &sign(BODY, KEY))];
        let keys = [KEY.to_owned()];
        assert_eq!(verify(&[], BODY, &keys), Err(ConnectError::Unsigned));
        let not_a_signature = vec![("X-DocuSign-Signature".to_owned(), sign(BODY, KEY))];
        assert_eq!(
            verify(&not_a_signature, BODY, &keys),
            Err(ConnectError::Unsigned)
        );
        assert_eq!(verify(&good, BODY, &[]), Err(ConnectError::NoKeys));
        assert_eq!(
            verify(&good, BODY, &[" ".into()]),
            Err(ConnectError::NoKeys)
        );
        let mismatch = Err(ConnectError::Mismatch {
            signatures: 1,
            keys: 1,
        });
        // A flipped byte, a truncated body, a wrong key, a damaged header.
        let mut flipped = BODY.to_vec();
        flipped[3] ^= 1;
        assert_eq!(verify(&good, &flipped, &keys), mismatch);
        assert_eq!(verify(&good, &BODY[..BODY.len() - 1], &keys), mismatch);
        assert_eq!(verify(&good, BODY, &["wrong".into()]), mismatch);
        assert_eq!(verify(&[header(1, "not base64!")], BODY, &keys), mismatch);
        let short = STANDARD.encode([0u8; 16]);
        assert_eq!(verify(&[header(1, &short)], BODY, &keys), mismatch);
    }
}

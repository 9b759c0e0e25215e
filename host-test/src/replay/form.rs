//! `application/x-www-form-urlencoded` bodies (the token grant), over `percent-encoding`.
//! Decoding is strict: a malformed `%` escape or text that is not UTF-8 is an error, not a guess.

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Bytes written as they are (RFC 3986 unreserved); everything else is `%XX`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a form body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// The body is not UTF-8.
    #[error("form body is not UTF-8")]
    NotUtf8,
    /// A `%` is not followed by two hex digits.
    #[error("bad % escape in {0:?}")]
    BadEscape(String),
    /// A decoded name or value is not UTF-8.
    #[error("form value is not UTF-8")]
    ValueNotUtf8,
}

/// `k1=v1&k2=v2`, names and values percent-encoded (spaces as `%20`).
pub fn encode(fields: &BTreeMap<String, String>) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, UNRESERVED),
                utf8_percent_encode(v, UNRESERVED)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Decode a form body (`+` is a space).
pub fn decode(body: &[u8]) -> Result<BTreeMap<String, String>, FormError> {
    let text = std::str::from_utf8(body).map_err(|_| FormError::NotUtf8)?;
    let mut fields = BTreeMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        fields.insert(decode_part(k)?, decode_part(v)?);
    }
    Ok(fields)
}

fn decode_part(text: &str) -> Result<String, FormError> {
    // `percent-encoding` passes a malformed escape through unchanged; refuse it instead.
    let well_formed = text.split('%').skip(1).all(|after| {
        after
            .as_bytes()
            .get(..2)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return Err(FormError::BadEscape(text.to_owned()));
    }
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8()
        .map(|v| v.into_owned())
        .map_err(|_| FormError::ValueNotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let f = decode(b"a=x%20y&b=1+2&c=%3D").unwrap();
        assert_eq!(f["a"], "x y");
        assert_eq!(f["b"], "1 2");
        assert_eq!(f["c"], "=");
        assert!(decode(b"a=%2").is_err());
        assert!(decode(b"a=%zz").is_err());
        assert!(decode(b"a=%ff").is_err(), "not UTF-8 once decoded");
    }

    #[test]
    fn encoding_round_trips() {
        let fields = BTreeMap::from([
            ("grant_type".to_owned(), "urn:ietf:params".to_owned()),
            ("x y".to_owned(), "a+b&c=d é".to_owned()),
        ]);
        let text = encode(&fields);
        assert_eq!(
            text,
            "grant_type=urn%3Aietf%3Aparams&x%20y=a%2Bb%26c%3Dd%20%C3%A9"
        );
        assert_eq!(decode(text.as_bytes()).unwrap(), fields);
    }
}

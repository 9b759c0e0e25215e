//! Lenient reading of the RSA private key PEM that people paste into configuration.
//!
//! Accepts PKCS#1 (`RSA PRIVATE KEY`) and PKCS#8 (`PRIVATE KEY`), with real or escaped (`\n`)
//! line breaks, CRLF, or the whole key on one line with spaces. Anything else gets an error that
//! says what was found and what to paste instead. Error messages never quote the key.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::PrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;

use crate::error::{ConnectorError, Result};

const FIELD: &str = "private-key-pem";
/// DER of the `rsaEncryption` algorithm OID (1.2.840.113549.1.1.1).
const RSA_ENCRYPTION_OID_DER: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
/// DocuSign generates 2048-bit keys; smaller ones are refused.
const MIN_KEY_BITS: usize = 2048;

/// Encoding of the private key inside the PEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// `-----BEGIN RSA PRIVATE KEY-----`
    Pkcs1,
    /// `-----BEGIN PRIVATE KEY-----`
    Pkcs8,
}

/// A private key's PEM, its structure checked; decoded to DER and parsed as RSA only in
/// [`PemKey::to_rsa`], when a JWT must be signed (a cached token needs neither).
#[derive(Clone)]
pub struct PemKey {
    format: KeyFormat,
    /// The text between the BEGIN and END lines, as given.
    body: String,
}

impl std::fmt::Debug for PemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PemKey({:?}, <redacted>)", self.format)
    }
}

fn invalid(message: impl Into<String>) -> ConnectorError {
    ConnectorError::invalid(FIELD, message)
}

impl KeyFormat {
    /// The END line closing this format's PEM.
    fn end_marker(self) -> &'static str {
        match self {
            Self::Pkcs1 => "-----END RSA PRIVATE KEY-----",
            Self::Pkcs8 => "-----END PRIVATE KEY-----",
        }
    }
}

impl PemKey {
    /// Check the PEM's structure (its type, BEGIN and END lines); cheap, no decoding: this runs
    /// on every invocation.
    pub fn from_text(text: &str) -> Result<Self> {
        let text = unquoted(text);
        if text.is_empty() {
            return Err(invalid(
                "is empty; paste the Private Key generated under Apps and Keys > Service Integration",
            ));
        }
        let Some(begin) = text.find("-----BEGIN ") else {
            return Err(invalid(
                "has no '-----BEGIN RSA PRIVATE KEY-----' line; paste the whole key including its BEGIN and END lines",
            ));
        };
        let after_begin = &text[begin + "-----BEGIN ".len()..];
        let Some(label_end) = after_begin.find("-----") else {
            return Err(invalid("the BEGIN line is not closed by '-----'"));
        };
        let format = match after_begin[..label_end].trim() {
            "RSA PRIVATE KEY" => KeyFormat::Pkcs1,
            "PRIVATE KEY" => KeyFormat::Pkcs8,
            "ENCRYPTED PRIVATE KEY" => {
                return Err(invalid(
                    "is password-protected (ENCRYPTED PRIVATE KEY); provide the unencrypted key \
                     (openssl pkcs8 -in key.pem -out plain.pem)",
                ));
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return Err(invalid(
                    "is a public key; paste the Private Key of the RSA key pair instead",
                ));
            }
            "EC PRIVATE KEY" => {
                return Err(invalid("is an EC key; DocuSign JWT grant needs an RSA key"));
            }
            "OPENSSH PRIVATE KEY" => {
                return Err(invalid(
                    "is in OpenSSH format; convert it to PEM (ssh-keygen -p -m PEM -f key) or use the key DocuSign generated",
                ));
            }
            "CERTIFICATE" => return Err(invalid("is a certificate, not a private key")),
            other => {
                return Err(invalid(format!(
                    "has an unsupported PEM type {other:?}; expected RSA PRIVATE KEY or PRIVATE KEY"
                )));
            }
        };
        let body_and_rest = &after_begin[label_end + "-----".len()..];
        let end_marker = format.end_marker();
        // The END line is usually last; search for it only when it is not.
        let end = match body_and_rest.strip_suffix(end_marker) {
            Some(body) => body.len(),
            None => body_and_rest.find(end_marker).ok_or_else(|| {
                invalid(format!(
                    "has no '{end_marker}' line; the key looks truncated"
                ))
            })?,
        };
        Ok(Self {
            format,
            body: body_and_rest[..end].to_owned(),
        })
    }

    /// The key's DER: line breaks however escaped, whitespace and legacy headers handled.
    fn der(&self) -> Result<Vec<u8>> {
        let body = normalize(&self.body);
        // Base64 has no ':'; only a legacy encrypted PEM's headers do.
        if body.contains(':') && (body.contains("Proc-Type:") || body.contains("DEK-Info:")) {
            return Err(invalid(
                "is password-protected (Proc-Type: 4,ENCRYPTED); provide the unencrypted key",
            ));
        }
        let compact = without_whitespace(&body);
        if compact.is_empty() {
            return Err(invalid("has nothing between its BEGIN and END lines"));
        }
        let der = STANDARD.decode(&compact).map_err(|_| {
            invalid("the text between BEGIN and END is not valid base64; the key is damaged")
        })?;
        if der.len() < 64 {
            return Err(invalid(
                "is too short to be an RSA private key; the key is damaged",
            ));
        }
        Ok(der)
    }

    /// Which encoding the PEM used.
    pub fn format(&self) -> KeyFormat {
        self.format
    }

    /// Decode the key and parse it as an RSA private key (the expensive step).
    pub fn to_rsa(&self) -> Result<PrivateKey> {
        let der = self.der()?;
        let key = match self.format {
            KeyFormat::Pkcs1 => PrivateKey::from_pkcs1_der(&der)
                .map_err(|_| invalid("is not a valid PKCS#1 RSA private key; the key is damaged"))?,
            KeyFormat::Pkcs8 => PrivateKey::from_pkcs8_der(&der).map_err(|_| {
                if contains(&der, RSA_ENCRYPTION_OID_DER) {
                    invalid("is not a valid PKCS#8 RSA private key; the key is damaged")
                } else {
                    invalid("is a PKCS#8 key of another algorithm (EC or Ed25519?); DocuSign needs an RSA key")
                }
            })?,
        };
        let bits = key.size() * 8;
        if bits < MIN_KEY_BITS {
            return Err(invalid(format!(
                "is a {bits}-bit RSA key; DocuSign requires at least {MIN_KEY_BITS} bits"
            )));
        }
        Ok(key)
    }
}

/// The key text without surrounding whitespace and quotes.
fn unquoted(text: &str) -> &str {
    let trimmed = text.trim();
    trimmed
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(trimmed)
}

/// Undo the usual damage from configuration stores inside the key: escaped line breaks, CRLF.
/// A clean body is borrowed as it is.
fn normalize(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| matches!(b, b'\\' | b'\r')) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.replace("\\r\\n", "\n")
            .replace("\\n", "\n")
            .replace("\\r", "\n")
            .replace('\r', ""),
    )
}

/// The bytes of `text` without whitespace (as `char::is_whitespace` means it); byte by byte
/// when `text` is ASCII.
fn without_whitespace(text: &str) -> Vec<u8> {
    if text.is_ascii() {
        // The ASCII characters `char::is_whitespace` accepts.
        return text
            .bytes()
            .filter(|b| !matches!(b, b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' | b' '))
            .collect();
    }
    let kept: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    kept.into_bytes()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PKCS1: &str = include_str!("../../fixtures/keys/test-only-rsa-pkcs1.pem");
    const PKCS8: &str = include_str!("../../fixtures/keys/test-only-rsa-pkcs8.pem");
    const PUBLIC: &str = include_str!("../../fixtures/keys/test-only-rsa-public.pem");
    const EC: &str = include_str!("../../fixtures/keys/test-only-ec.pem");
    const ENCRYPTED: &str = include_str!("../../fixtures/keys/test-only-rsa-encrypted.pem");

    fn message_of(text: &str) -> String {
        let err = PemKey::from_text(text)
            .and_then(|k| k.to_rsa().map(|_| ()))
            .unwrap_err();
        match err {
            ConnectorError::InvalidInput { field, message } => {
                assert_eq!(field, FIELD);
                message
            }
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn pkcs1_and_pkcs8_give_the_same_key() {
        let a = PemKey::from_text(PKCS1).unwrap();
        let b = PemKey::from_text(PKCS8).unwrap();
        assert_eq!(a.format(), KeyFormat::Pkcs1);
        assert_eq!(b.format(), KeyFormat::Pkcs8);
        assert_eq!(a.to_rsa().unwrap(), b.to_rsa().unwrap());
    }

    #[test]
    fn tolerates_escaped_newlines_crlf_quotes_and_one_line() {
        let reference = PemKey::from_text(PKCS1).unwrap().to_rsa().unwrap();
        let variants = [
            PKCS1.replace('\n', "\\n"),
            PKCS1.replace('\n', "\r\n"),
            format!("\"{}\"", PKCS1.trim().replace('\n', "\\n")),
            PKCS1.trim().replace('\n', " "),
            PKCS1.trim().replace('\n', ""),
            format!("\n\n   {PKCS1}   \n"),
        ];
        for v in &variants {
            let key = PemKey::from_text(v).unwrap_or_else(|e| panic!("{e} for {v:.60}"));
            assert_eq!(key.to_rsa().unwrap(), reference);
        }
    }

    #[test]
    fn explains_wrong_key_types() {
        assert!(message_of(PUBLIC).contains("public key"));
        assert!(message_of(EC).contains("EC key"));
        assert!(message_of(ENCRYPTED).contains("password-protected"));
        assert!(message_of("").contains("is empty"));
        let body_only: String = PKCS1.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(message_of(&body_only).contains("BEGIN"));
        let truncated = &PKCS1[..PKCS1.len() / 2];
        assert!(message_of(truncated).contains("truncated"));
        let garbage = "-----BEGIN RSA PRIVATE KEY-----\nnot*base64!\n-----END RSA PRIVATE KEY-----";
        assert!(message_of(garbage).contains("base64"));
        let wrong_der = "-----BEGIN RSA PRIVATE KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END RSA PRIVATE KEY-----";
        assert!(message_of(wrong_der).contains("damaged"));
    }

    #[test]
    fn contents_are_decoded_only_to_sign() {
        // The structure is checked up front; the contents when a JWT is signed.
        let damaged = "-----BEGIN RSA PRIVATE KEY-----\nnot*base64!\n-----END RSA PRIVATE KEY-----";
        let key = PemKey::from_text(damaged).expect("BEGIN and END lines are fine");
        assert!(key.to_rsa().unwrap_err().to_string().contains("base64"));
        let truncated = &PKCS8[..PKCS8.len() - 10];
        assert!(PemKey::from_text(truncated).is_err(), "no END line");
    }

    #[test]
    fn pkcs8_of_another_algorithm_is_named() {
        let ec_pkcs8 = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevZzL1gdAFr88hb2\nOF/2NxApJCzGCEDdfSp6VQO30hyhRANCAAQRWz+jn65BtOMvdyHKcvjBeBSDZH2r\n1RTwjmYSi9R/zpBnuQ4EiMnCqfMPWiZqB4QdbAd0E7oH50VpuZ1P087G\n-----END PRIVATE KEY-----";
        assert!(message_of(ec_pkcs8).contains("another algorithm"));
    }

    #[test]
    fn errors_never_echo_key_material() {
        let damaged = PKCS1.replace("MII", "MII*");
        let msg = message_of(&damaged);
        let body_line = PKCS1.lines().nth(1).unwrap();
        assert!(!msg.contains(&body_line[..20]), "{msg}");
        assert!(!format!("{:?}", PemKey::from_text(PKCS1).unwrap()).contains(&body_line[..20]));
    }

    #[test]
    fn ascii_fast_paths_agree_with_the_general_ones() {
        let ascii: String = (0u8..128).map(char::from).collect();
        let general: String = ascii.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(without_whitespace(&ascii), general.into_bytes());
        assert_eq!(without_whitespace("a\u{a0}b\u{2003}c d"), b"abcd");
        assert!(matches!(normalize(PKCS1), Cow::Borrowed(_)));
        assert_eq!(normalize("a\\nb\r\nc"), "a\nb\nc");
        assert_eq!(unquoted(" \"a\\nb\" \n"), "a\\nb");
    }
}

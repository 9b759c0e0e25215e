//! Sealing of the token cache: the access tokens the connector caches are encrypted before they
//! enter Restate (its state and its journal), with a key only the workers can derive.
//!
//! The key is HKDF-SHA256 of the integration's private key (which every worker of the integration
//! holds and Restate never sees), per integration. Each value is sealed with XChaCha20-Poly1305
//! under a random nonce, bound to its state key; a value sealed under another private key (after
//! a key rotation) or moved to another key does not open, and is treated as absent.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, Generate, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;

/// Prefix of a sealed value (format version 1).
pub const SEALED_PREFIX: &str = "sealed:v1:";
const SALT: &[u8] = b"docusign-worker/token-cache-seal/v1";
const NONCE_BYTES: usize = 24;

/// Why a sealed value could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// Not `sealed:v1:` followed by base64.
    #[error("not a sealed value")]
    Format,
    /// Sealed under another key, for another state key, or altered.
    #[error("the sealed value does not open with this integration's key")]
    Open,
}

/// Seals and opens the secret values of one integration.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<key>)")
    }
}

impl Sealer {
    /// The sealer of the integration `integration` whose private key is `private_key_pem`.
    pub fn new(private_key_pem: &str, integration: &str) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(SALT), private_key_pem.trim().as_bytes());
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's 8160-byte output limit.
        hkdf.expand(integration.as_bytes(), &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// `plaintext`, sealed for state key `key`.
    pub fn seal(&self, key: &str, plaintext: &str) -> String {
        let nonce = XNonce::generate();
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: key.as_bytes(),
        };
        // Encryption fails only for messages beyond 256 GiB.
        let ciphertext = self
            .cipher
            .encrypt(&nonce, payload)
            .expect("a token cache is far below the cipher's message limit");
        let mut bytes = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&ciphertext);
        format!("{SEALED_PREFIX}{}", STANDARD_NO_PAD.encode(bytes))
    }

    /// The plaintext of `sealed`, stored under state key `key`.
    pub fn open(&self, key: &str, sealed: &str) -> Result<String, SealError> {
        let encoded = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(SealError::Format)?;
        let bytes = STANDARD_NO_PAD
            .decode(encoded)
            .map_err(|_| SealError::Format)?;
        if bytes.len() < NONCE_BYTES {
            return Err(SealError::Format);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).map_err(|_| SealError::Format)?;
        let payload = Payload {
            msg: ciphertext,
            aad: key.as_bytes(),
        };
        let plaintext = self
            .cipher
            .decrypt(&nonce, payload)
            .map_err(|_| SealError::Open)?;
        String::from_utf8(plaintext).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
    const KEY_B: &str = "-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----";

    #[test]
    fn a_sealed_value_opens_only_with_the_same_key_integration_and_state_key() {
        let sealer = Sealer::new(KEY_A, "integration-1");
        let sealed = sealer.seal("docusign/v1/ab/tokens", r#"{"access_token":"eyJ-secret"}"#);
        assert!(sealed.starts_with(SEALED_PREFIX));
        assert!(!sealed.contains("eyJ-secret"));
        assert_eq!(
            sealer.open("docusign/v1/ab/tokens", &sealed).unwrap(),
            r#"{"access_token":"eyJ-secret"}"#
        );
        // Another worker of the same integration derives the same key.
        let twin = Sealer::new(&format!("{KEY_A}\n"), "integration-1");
        assert!(twin.open("docusign/v1/ab/tokens", &sealed).is_ok());
        // Another private key, another integration, another state key: nothing opens.
        for (other, key) in [
            (Sealer::new(KEY_B, "integration-1"), "docusign/v1/ab/tokens"),
            (Sealer::new(KEY_A, "integration-2"), "docusign/v1/ab/tokens"),
            (Sealer::new(KEY_A, "integration-1"), "docusign/v1/cd/tokens"),
        ] {
            assert_eq!(other.open(key, &sealed), Err(SealError::Open));
        }
    }

    #[test]
    fn nonces_differ_and_damage_is_detected() {
        let sealer = Sealer::new(KEY_A, "i");
        let one = sealer.seal("k", "same");
        let two = sealer.seal("k", "same");
        assert_ne!(one, two, "each seal draws a fresh nonce");
        let mut damaged = one.clone().into_bytes();
        let last = damaged.len() - 2;
        damaged[last] = if damaged[last] == b'A' { b'B' } else { b'A' };
        let damaged = String::from_utf8(damaged).unwrap();
        assert_eq!(sealer.open("k", &damaged), Err(SealError::Open));
        assert_eq!(sealer.open("k", "plain text"), Err(SealError::Format));
        assert_eq!(sealer.open("k", "sealed:v1:!!"), Err(SealError::Format));
        assert_eq!(sealer.open("k", "sealed:v1:AAAA"), Err(SealError::Format));
    }
}

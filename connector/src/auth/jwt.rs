//! The JWT-bearer assertion: RS256 over `{"alg":"RS256","typ":"JWT"}` and DocuSign's claims.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::PrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::sha2::Sha256;
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use serde::Serialize;

use crate::error::{ConnectorError, Result};

/// Seconds `iat` is set back to absorb clock skew between this host and DocuSign.
pub const CLOCK_SKEW_SECS: i64 = 30;
/// Assertion lifetime (`exp - iat`); DocuSign allows at most one hour.
pub const ASSERTION_LIFETIME_SECS: i64 = 3600;

/// Claims of the assertion, serialized in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claims {
    /// Integration key.
    pub iss: String,
    /// User GUID.
    pub sub: String,
    /// OAuth host without scheme.
    pub aud: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Space-separated scopes.
    pub scope: String,
}

impl Claims {
    /// Claims for a grant requested at `now_secs`.
    pub fn new(iss: &str, sub: &str, aud: &str, now_secs: i64, scopes: &[String]) -> Self {
        let iat = now_secs - CLOCK_SKEW_SECS;
        Self {
            iss: iss.to_owned(),
            sub: sub.to_owned(),
            aud: aud.to_owned(),
            iat,
            exp: iat + ASSERTION_LIFETIME_SECS,
            scope: scopes.join(" "),
        }
    }
}

#[derive(Serialize)]
struct Header {
    alg: &'static str,
    typ: &'static str,
}

/// Sign `claims` with `key` (RSASSA-PKCS1-v1_5 with SHA-256, blinded with the OS RNG).
pub fn sign(key: &PrivateKey, claims: &Claims) -> Result<String> {
    let header = serde_json::to_vec(&Header {
        alg: "RS256",
        typ: "JWT",
    })
    .map_err(|e| internal(format!("header: {e}")))?;
    let payload = serde_json::to_vec(claims).map_err(|e| internal(format!("claims: {e}")))?;
    let mut token = String::with_capacity(700);
    token.push_str(&URL_SAFE_NO_PAD.encode(header));
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signing_key = SigningKey::<Sha256>::new(key.clone());
    // Blinding: an explicit CSPRNG makes every signing operation use fresh blinding factors
    // (RUSTSEC-2023-0071 mitigation); the signature itself stays deterministic.
    let signature = signing_key
        .try_sign_with_rng(&mut getrandom::SysRng, token.as_bytes())
        .map_err(|e| internal(format!("RSA signing failed: {e}")))?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
    Ok(token)
}

fn internal(message: String) -> ConnectorError {
    ConnectorError::invalid("private-key-pem", message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pem::PemKey;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;

    const PKCS1: &str = include_str!("../../../fixtures/keys/test-only-rsa-pkcs1.pem");

    fn part(token: &str, i: usize) -> Vec<u8> {
        URL_SAFE_NO_PAD
            .decode(token.split('.').nth(i).unwrap())
            .unwrap()
    }

    #[test]
    fn header_claims_and_signature() {
        let key = PemKey::from_text(PKCS1).unwrap().to_rsa().unwrap();
        let claims = Claims::new(
            "ik",
            "user",
            "account-d.docusign.com",
            1_700_000_000,
            &["signature".into(), "impersonation".into()],
        );
        let token = sign(&key, &claims).unwrap();
        assert_eq!(token.split('.').count(), 3);
        assert_eq!(part(&token, 0), br#"{"alg":"RS256","typ":"JWT"}"#);
        let payload: serde_json::Value = serde_json::from_slice(&part(&token, 1)).unwrap();
        assert_eq!(payload["iss"], "ik");
        assert_eq!(payload["sub"], "user");
        assert_eq!(payload["aud"], "account-d.docusign.com");
        assert_eq!(payload["iat"], 1_700_000_000 - CLOCK_SKEW_SECS);
        assert_eq!(payload["exp"], 1_700_000_000 - CLOCK_SKEW_SECS + 3600);
        assert_eq!(payload["scope"], "signature impersonation");
        // Same-crate verification here; the independent check lives in host-test.
        let signing_input = token.rsplit_once('.').unwrap().0;
        let sig = Signature::try_from(part(&token, 2).as_slice()).unwrap();
        VerifyingKey::<Sha256>::new(key.to_public_key())
            .verify(signing_input.as_bytes(), &sig)
            .unwrap();
        // PKCS#1 v1.5 is deterministic: blinding must not change the output.
        assert_eq!(sign(&key, &claims).unwrap(), token);
    }
}

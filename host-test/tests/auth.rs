//! Authentication end to end: the real component in wasmtime, replaying cassettes.

mod common;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{broken_connections, connection, fixture, host, replay};
use docusign_host::HostError;
use docusign_host::bindings::{ConnectorError, Method, commands};
use docusign_host::replay::Cassette;
use docusign_host::replay::Replay;
use docusign_host::replay::form::decode as form_decode;
use docusign_host::state_store::MemoryStateStore;

const START_SECS: i64 = 1_746_200_400; // 2025-05-02T15:40:00Z, the cassettes' start_time

fn auth_test(r: &Replay) -> Result<commands::AuthTestResult, ConnectorError> {
    host()
        .auth_test(&r.capabilities(), &connection())
        .expect("no trap")
}

/// The JWT assertion the connector sent in its token request.
fn sent_assertion(r: &Replay) -> String {
    let token_request = r
        .transport
        .received()
        .into_iter()
        .find(|q| q.url.ends_with("/oauth/token"))
        .unwrap();
    assert_eq!(token_request.method, Method::Post);
    form_decode(&token_request.body).unwrap()["assertion"].clone()
}

#[test]
fn token_and_userinfo_success() {
    let r = replay("auth/token-userinfo");
    let result = auth_test(&r).unwrap();
    r.finish().unwrap();
    assert_eq!(result.user_id, "4799e5e9-1559-4915-9862-cf4713bbcacc");
    assert_eq!(result.user_name, "Avery Example");
    assert_eq!(result.email, "avery.example@example.com");
    assert_eq!(
        result.account.account_id,
        "a4ec37d6-1c2b-4c3d-9e4f-143885c220e1"
    );
    assert_eq!(result.account.base_uri, "https://demo.docusign.net");
    assert!(result.account.is_default);
    assert_eq!(
        result.account.organization_id.as_deref(),
        Some("9c5fb8e1-2d3c-4b5a-8f7e-054ff8a249bf")
    );
    assert_eq!(result.accounts.len(), 2);
    assert_eq!(result.scopes, ["signature", "impersonation"]);
    assert!(!result.token_reused);
    assert_eq!(result.token_expires_at.seconds, START_SECS + 3600);
}

/// The assertion verifies with the public key under `ring` (not the `rsa` crate that signed
/// it), and every header field and claim is what DocuSign requires.
#[test]
fn jwt_verifies_independently_and_claims_are_exact() {
    let r = replay("auth/token-userinfo");
    auth_test(&r).unwrap();
    let jwt = sent_assertion(&r);
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);

    let pem = std::fs::read_to_string(fixture("keys/test-only-rsa-public-pkcs1.pem")).unwrap();
    let der_b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let public_der = STANDARD.decode(der_b64).unwrap();
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        &public_der,
    );
    key.verify(signing_input.as_bytes(), &signature)
        .expect("ring verifies the connector's RS256 signature");
    // A changed payload must not verify (the check can fail).
    let tampered = format!(
        "{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(b"{\"iss\":\"x\"}")
    );
    assert!(key.verify(tampered.as_bytes(), &signature).is_err());
    // Nor with another key.
    let other = std::process::Command::new("openssl")
        .args(["rsa", "-in"])
        .arg(fixture("keys/test-only-other-rsa-pkcs1.pem"))
        .args(["-RSAPublicKey_out", "-outform", "DER"])
        .output();
    if let Some(out) = other.ok().filter(|o| o.status.success()) {
        let other_key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            &out.stdout,
        );
        assert!(
            other_key
                .verify(signing_input.as_bytes(), &signature)
                .is_err()
        );
    }

    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header, serde_json::json!({"alg": "RS256", "typ": "JWT"}));
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let conn = connection();
    assert_eq!(claims["iss"], conn.integration_key.as_str());
    assert_eq!(claims["sub"], conn.user_id.as_str());
    assert_eq!(
        claims["aud"], "account-d.docusign.com",
        "aud is the bare host, no scheme"
    );
    assert_eq!(claims["scope"], "signature impersonation");
    let iat = claims["iat"].as_i64().unwrap();
    let exp = claims["exp"].as_i64().unwrap();
    assert!(
        (START_SECS - 60..=START_SECS).contains(&iat),
        "iat {iat} is now, set back a little for skew"
    );
    assert!(
        exp > START_SECS && exp - iat <= 3600,
        "exp {exp} is at most one hour after iat"
    );
    let names: Vec<&String> = claims.as_object().unwrap().keys().collect();
    assert_eq!(
        names.len(),
        6,
        "exactly iss sub aud iat exp scope: {names:?}"
    );
}

#[test]
fn consent_required_carries_the_consent_url() {
    let r = replay("auth/consent-required");
    match auth_test(&r) {
        Err(ConnectorError::ConsentRequired(c)) => {
            assert_eq!(
                c.consent_url,
                "https://account-d.docusign.com/oauth/auth?response_type=code&scope=signature%20impersonation\
                 &client_id=1f2e3d4c-5b6a-4789-8abc-def012345678&redirect_uri=https%3A%2F%2Flocalhost%2Fdocusign%2Fconsent"
            );
            assert_eq!(c.scopes, ["signature", "impersonation"]);
            assert!(c.message.contains("has not granted"), "{}", c.message);
        }
        other => panic!("expected consent-required, got {other:?}"),
    }
    r.finish().unwrap();
}

#[test]
fn invalid_grant_keeps_error_and_description_with_a_hint() {
    let r = replay("auth/invalid-grant");
    match auth_test(&r) {
        Err(ConnectorError::AuthFailed(e)) => {
            assert_eq!(e.status, 400);
            assert_eq!(e.error, "invalid_grant");
            assert_eq!(
                e.error_description.as_deref(),
                Some("no_valid_keys_or_signatures")
            );
            assert!(e.hint.contains("private-key-pem"), "{}", e.hint);
        }
        other => panic!("expected auth-failed, got {other:?}"),
    }
    r.finish().unwrap();
}

#[test]
fn user_without_the_configured_account() {
    let r = replay("auth/account-missing");
    let mut conn = connection();
    conn.account_id = Some("00000000-0000-4000-8000-000000000000".into());
    match host().auth_test(&r.capabilities(), &conn).unwrap() {
        Err(ConnectorError::InvalidInput(e)) => {
            assert_eq!(e.field, "account-id");
            assert!(
                e.message
                    .contains("Example Corporation (demo) (a4ec37d6-1c2b-4c3d-9e4f-143885c220e1)"),
                "{}",
                e.message
            );
        }
        other => panic!("expected invalid account-id, got {other:?}"),
    }
    r.finish().unwrap();
}

#[test]
fn token_is_reused_across_invocations() {
    let r = replay("auth/token-reuse");
    let first = auth_test(&r).unwrap();
    r.clock.advance_ms(10 * 60 * 1000);
    let second = auth_test(&r).unwrap();
    r.clock.advance_ms(30 * 60 * 1000);
    let third = auth_test(&r).unwrap();
    r.finish().unwrap();
    assert!(!first.token_reused);
    assert!(second.token_reused && third.token_reused);
    assert_eq!(third.token_expires_at, first.token_expires_at);
    assert_eq!(r.transport.token_requests(), 1);
}

#[test]
fn reset_forces_a_new_token() {
    let r = replay("auth/reset-token");
    let conn = connection();
    assert!(!auth_test(&r).unwrap().token_reused);
    let reset = host()
        .reset_access_token(&r.capabilities(), &conn)
        .unwrap()
        .unwrap();
    assert!(reset.token_removed);
    let again = host()
        .reset_access_token(&r.capabilities(), &conn)
        .unwrap()
        .unwrap();
    assert!(!again.token_removed, "nothing left to remove");
    assert!(!auth_test(&r).unwrap().token_reused);
    r.finish().unwrap();
}

#[test]
fn expired_token_is_not_reused() {
    let r = replay("auth/reset-token");
    auth_test(&r).unwrap();
    r.clock.advance_ms(56 * 60 * 1000); // inside the 5-minute safety margin of a 60-minute token
    assert!(!auth_test(&r).unwrap().token_reused);
    r.finish().unwrap();
}

/// Bad configuration: a typed error naming the field, no trap, nothing sent.
#[test]
fn bad_configuration_is_a_typed_error_and_sends_nothing() {
    for (field, break_it) in broken_connections() {
        let r = Replay::new(Cassette::parse(r#"{"interactions": []}"#, ".").unwrap());
        let mut conn = connection();
        break_it(&mut conn);
        match host().auth_test(&r.capabilities(), &conn).expect("no trap") {
            Err(ConnectorError::InvalidInput(e)) => {
                assert_eq!(e.field, field, "{}", e.message);
                assert!(
                    !e.message.contains("MII"),
                    "no key material in {}",
                    e.message
                );
            }
            other => panic!("{field}: expected invalid-input, got {other:?}"),
        }
        assert!(
            r.transport.received().is_empty(),
            "{field}: nothing may be sent"
        );
        r.finish().unwrap();
    }
}

/// A cassette written by hand by someone else, in the documented format but another style
/// (upper/lower case, text and base64 bodies, repeated headers, patterns), replays.
#[test]
fn handwritten_cassette_replays() {
    let r = Replay::load(fixture("cassettes/auth/handwritten.json")).unwrap();
    let result = auth_test(&r).unwrap();
    r.finish().unwrap();
    assert_eq!(result.user_name, "Hand Written");
    assert_eq!(result.account.account_name, "Handwritten Inc");
    assert_eq!(result.account.base_uri, "https://demo.docusign.net");
}

/// Secrets never show in results, errors or logs.
#[test]
fn no_secret_in_results_errors_or_logs() {
    let r = replay("auth/token-userinfo");
    let ok = format!("{:?}", auth_test(&r));
    let err = {
        let r2 = replay("auth/consent-required");
        let e = format!("{:?}", auth_test(&r2));
        format!("{e}{}", r2.log.text())
    };
    let assertion = sent_assertion(&r);
    let token = {
        let c = Cassette::load(fixture("cassettes/auth/token-userinfo.json")).unwrap();
        let body = c.interactions[0].response().unwrap().body.clone().unwrap();
        match body {
            docusign_host::replay::format::Body::Json(v) => {
                v["access_token"].as_str().unwrap().to_owned()
            }
            _ => unreachable!(),
        }
    };
    let everything = format!("{ok}{err}{}", r.log.text());
    assert!(!everything.contains(&assertion));
    assert!(!everything.contains(&token));
    assert!(!everything.contains(&token[token.len() - 20..]));
    for line in common::private_key_body_lines() {
        assert!(!everything.contains(&line));
    }
    assert!(
        r.log
            .text()
            .contains("POST https://account-d.docusign.com/oauth/token -> 200"),
        "{}",
        r.log.text()
    );
}

/// A guest stopped by the memory cap leaves the host working for the next invocation.
#[test]
fn host_survives_a_guest_over_its_memory_cap() {
    let small = docusign_host::ConnectorHost::new(docusign_host::HostOptions {
        max_memory_bytes: 8 << 20,
        ..common::options()
    })
    .unwrap();
    let huge = "x".repeat(16 << 20);
    let cassette = serde_json::json!({"interactions": [
        {"request": {"method": "POST", "url": "https://account-d.docusign.com/oauth/token",
                     "headers": {}, "body": {"form": {"grant_type": "<any>", "assertion": "<jwt>"}}},
         "response": {"status": 200, "body": {"text": huge}}}
    ]});
    let r = Replay::new(Cassette::parse(&cassette.to_string(), ".").unwrap());
    match small.auth_test(&r.capabilities(), &connection()) {
        Err(HostError::MemoryLimit {
            limit_bytes,
            requested_bytes,
        }) => {
            assert_eq!(limit_bytes, 8 << 20);
            assert!(requested_bytes > limit_bytes);
        }
        other => panic!("expected the memory cap to stop the guest, got {other:?}"),
    }
    // The same host (and the shared one) still serve invocations.
    let r = replay("auth/token-userinfo");
    assert!(
        small
            .auth_test(&r.capabilities(), &connection())
            .unwrap()
            .is_ok()
    );
    r.finish().unwrap();
    let shared_state = Arc::new(MemoryStateStore::new());
    let r = Replay::with_state(
        Cassette::load(fixture("cassettes/auth/token-userinfo.json")).unwrap(),
        shared_state,
    );
    assert!(auth_test(&r).is_ok());
}

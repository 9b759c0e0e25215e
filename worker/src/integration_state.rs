//! The connector's state as the `Integration` object keeps it in Restate: the connector's own
//! keys and values (token cache, userinfo, account custom fields, fetch checkpoint), with the
//! token cache sealed ([`crate::seal`]). Steps get it as a snapshot and give back their changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::seal::Sealer;

/// Key → value, as stored (token caches sealed).
pub type StoredState = BTreeMap<String, String>;

/// What a step changed: key → new stored value, or `None` when it was deleted.
pub type Changes = BTreeMap<String, Option<String>>;

/// A session is handed out only while its token lives at least this long (the connector itself
/// renews 5 minutes before expiry, so a step that starts with it does not renew).
pub const SESSION_MARGIN_MS: u64 = 15 * 60 * 1000;
/// Userinfo older than this is refreshed with the token (the connector keeps it 24 h).
pub const USERINFO_MAX_AGE_MS: u64 = 12 * 3600 * 1000;
/// Scopes every session token covers (the eSignature actions').
const SESSION_SCOPES: [&str; 2] = ["signature", "impersonation"];

/// The connector's access-token cache: secret, sealed.
pub fn is_secret(key: &str) -> bool {
    key.ends_with("/tokens")
}

/// The committed fetch checkpoint: written only by the `Integration` object's own steps.
pub fn is_checkpoint(key: &str) -> bool {
    key.ends_with("/fetch-checkpoint")
}

/// `stored` as the connector reads it: sealed values opened; those that do not open (another
/// private key, damage) are left out, so the connector grants a new token.
pub fn open(stored: &StoredState, sealer: &Sealer) -> BTreeMap<String, String> {
    stored
        .iter()
        .filter_map(|(key, value)| {
            if !is_secret(key) {
                return Some((key.clone(), value.clone()));
            }
            match sealer.open(key, value) {
                Ok(plain) => Some((key.clone(), plain)),
                Err(e) => {
                    tracing::warn!(key = %key, "ignoring a cached token: {e}");
                    None
                }
            }
        })
        .collect()
}

/// The changes from `before` to `after` (plain values), with secrets sealed.
pub fn changes(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    sealer: &Sealer,
) -> Changes {
    let mut changes = Changes::new();
    for (key, value) in after {
        if before.get(key) != Some(value) {
            let stored = if is_secret(key) {
                sealer.seal(key, value)
            } else {
                value.clone()
            };
            changes.insert(key.clone(), Some(stored));
        }
    }
    for key in before.keys() {
        if !after.contains_key(key) {
            changes.insert(key.clone(), None);
        }
    }
    changes
}

#[derive(Deserialize)]
struct TokenCacheView {
    tokens: Vec<TokenView>,
}

#[derive(Deserialize)]
struct TokenView {
    expires_at_ms: u64,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Deserialize)]
struct UserInfoView {
    fetched_at_ms: u64,
}

/// True when `stored` holds a token for the eSignature scopes that lives past
/// [`SESSION_MARGIN_MS`] and userinfo younger than [`USERINFO_MAX_AGE_MS`] at `now_ms`: steps
/// given this snapshot call DocuSign without a grant or a userinfo lookup.
pub fn has_fresh_session(stored: &StoredState, sealer: &Sealer, now_ms: u64) -> bool {
    let token_ok = stored.iter().any(|(key, value)| {
        is_secret(key)
            && sealer
                .open(key, value)
                .ok()
                .and_then(|text| serde_json::from_str::<TokenCacheView>(&text).ok())
                .is_some_and(|cache| {
                    cache.tokens.iter().any(|t| {
                        t.expires_at_ms > now_ms.saturating_add(SESSION_MARGIN_MS)
                            && SESSION_SCOPES
                                .iter()
                                .all(|s| t.scopes.iter().any(|g| g == s))
                    })
                })
    });
    let userinfo_ok = stored.iter().any(|(key, value)| {
        key.ends_with("/userinfo")
            && serde_json::from_str::<UserInfoView>(value)
                .is_ok_and(|u| now_ms.saturating_sub(u.fetched_at_ms) < USERINFO_MAX_AGE_MS)
    });
    token_ok && userinfo_ok
}

/// Changes a step outside the `Integration` object may make: caches, never the checkpoint.
pub fn cache_changes(changes: Changes) -> Changes {
    changes
        .into_iter()
        .filter(|(key, _)| !is_checkpoint(key))
        .collect()
}

/// What the `Integration` object shows of its state: secrets as `<sealed>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateView {
    /// Key → value, token caches replaced by `<sealed>`.
    pub entries: BTreeMap<String, String>,
    /// Whether steps would run without a token grant now.
    pub session_fresh: bool,
}

impl StateView {
    /// The view of `stored` at `now_ms`.
    pub fn of(stored: &StoredState, sealer: &Sealer, now_ms: u64) -> Self {
        Self {
            entries: stored
                .iter()
                .map(|(k, v)| {
                    let shown = if is_secret(k) {
                        "<sealed>".into()
                    } else {
                        v.clone()
                    };
                    (k.clone(), shown)
                })
                .collect(),
            session_fresh: has_fresh_session(stored, sealer, now_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000_000;
    const TOKENS: &str = "docusign/v1/fp/tokens";
    const USERINFO: &str = "docusign/v1/fp/userinfo";

    fn sealer() -> Sealer {
        Sealer::new("pem", "i")
    }

    fn stored(expires_at_ms: u64, fetched_at_ms: u64, scopes: &str) -> StoredState {
        let tokens = format!(
            r#"{{"tokens":[{{"access_token":"eyJ-secret","expires_at_ms":{expires_at_ms},"scopes":{scopes}}}]}}"#
        );
        BTreeMap::from([
            (TOKENS.to_owned(), sealer().seal(TOKENS, &tokens)),
            (
                USERINFO.to_owned(),
                format!(r#"{{"fetched_at_ms":{fetched_at_ms}}}"#),
            ),
        ])
    }

    #[test]
    fn a_session_is_fresh_only_with_a_long_lived_esignature_token_and_recent_userinfo() {
        let scopes = r#"["signature","impersonation"]"#;
        let hour = 3600 * 1000;
        assert!(has_fresh_session(
            &stored(NOW + hour, NOW, scopes),
            &sealer(),
            NOW
        ));
        // Inside the margin, expired, too old userinfo, wrong scopes, another key: stale.
        let near = NOW + SESSION_MARGIN_MS - 1;
        assert!(!has_fresh_session(
            &stored(near, NOW, scopes),
            &sealer(),
            NOW
        ));
        assert!(!has_fresh_session(
            &stored(NOW - 1, NOW, scopes),
            &sealer(),
            NOW
        ));
        let old = NOW - USERINFO_MAX_AGE_MS;
        assert!(!has_fresh_session(
            &stored(NOW + hour, old, scopes),
            &sealer(),
            NOW
        ));
        let narrow = r#"["signature"]"#;
        assert!(!has_fresh_session(
            &stored(NOW + hour, NOW, narrow),
            &sealer(),
            NOW
        ));
        let other = Sealer::new("another pem", "i");
        assert!(!has_fresh_session(
            &stored(NOW + hour, NOW, scopes),
            &other,
            NOW
        ));
        assert!(!has_fresh_session(&StoredState::new(), &sealer(), NOW));
    }

    #[test]
    fn open_then_changes_round_trip_and_seal_only_secrets() {
        let s = sealer();
        let before_stored = stored(NOW, NOW, "[]");
        let before = open(&before_stored, &s);
        assert!(before[TOKENS].contains("eyJ-secret"));
        let mut after = before.clone();
        after.insert(TOKENS.into(), r#"{"tokens":[]}"#.into());
        after.remove(USERINFO);
        after.insert("docusign/v1/fp/fetch-checkpoint".into(), "cp".into());
        let c = changes(&before, &after, &s);
        assert_eq!(c.len(), 3);
        let sealed = c[TOKENS].as_deref().unwrap();
        assert_eq!(s.open(TOKENS, sealed).unwrap(), r#"{"tokens":[]}"#);
        assert_eq!(c[USERINFO], None);
        assert_eq!(c["docusign/v1/fp/fetch-checkpoint"].as_deref(), Some("cp"));
        let caches = cache_changes(c);
        assert!(!caches.contains_key("docusign/v1/fp/fetch-checkpoint"));
        assert_eq!(caches.len(), 2);
        // Unchanged values produce no change; unopenable secrets are dropped on open.
        assert!(changes(&before, &before, &s).is_empty());
        assert!(!open(&before_stored, &Sealer::new("x", "i")).contains_key(TOKENS));
    }

    #[test]
    fn the_view_never_shows_a_secret() {
        let view = StateView::of(
            &stored(NOW + 3_600_000, NOW, r#"["signature","impersonation"]"#),
            &sealer(),
            NOW,
        );
        assert_eq!(view.entries[TOKENS], "<sealed>");
        assert!(view.session_fresh);
        assert!(!serde_json::to_string(&view).unwrap().contains("eyJ"));
    }
}

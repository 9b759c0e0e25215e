//! Every key the connector uses in the host's state store, in one place. Keys are scoped by the
//! connection's fingerprint (auth host, integration key, user), so connections never share state.

/// Version prefix of every key; bumped if a stored format changes incompatibly.
pub const PREFIX: &str = "docusign/v1";

/// The state keys of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateKeys {
    /// Cached access tokens.
    pub tokens: String,
    /// Cached `/oauth/userinfo`.
    pub userinfo: String,
    /// Lock serializing token grants.
    pub grant_lock: String,
    /// Lock serializing userinfo lookups.
    pub userinfo_lock: String,
    /// The committed fetch checkpoint.
    pub fetch_checkpoint: String,
    /// The account's envelope custom field definitions, cached.
    pub account_custom_fields: String,
    /// Time of the last Monitor call (outside the checkpoint: calls count whether or not their
    /// batch is committed).
    pub monitor_last_call: String,
}

impl StateKeys {
    /// Keys of the connection with `fingerprint` (`Config::fingerprint`).
    pub fn new(fingerprint: &str) -> Self {
        // Built on every invocation: plain concatenation, not the formatting machinery.
        let base = [PREFIX, "/", fingerprint, "/"].concat();
        let key = |name: &str| [base.as_str(), name].concat();
        Self {
            tokens: key("tokens"),
            userinfo: key("userinfo"),
            grant_lock: key("grant"),
            userinfo_lock: key("userinfo-lock"),
            fetch_checkpoint: key("fetch-checkpoint"),
            account_custom_fields: key("account-custom-fields"),
            monitor_last_call: key("monitor-last-call"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_stored_names() {
        // Stored state from earlier versions must stay readable: these names are a format.
        let k = StateKeys::new("0123abcd");
        assert_eq!(k.tokens, "docusign/v1/0123abcd/tokens");
        assert_eq!(k.userinfo, "docusign/v1/0123abcd/userinfo");
        assert_eq!(k.grant_lock, "docusign/v1/0123abcd/grant");
        assert_eq!(k.userinfo_lock, "docusign/v1/0123abcd/userinfo-lock");
        assert_eq!(k.fetch_checkpoint, "docusign/v1/0123abcd/fetch-checkpoint");
        assert_eq!(
            k.monitor_last_call,
            "docusign/v1/0123abcd/monitor-last-call"
        );
    }
}

//! `/oauth/userinfo`: the user's accounts and the choice of the account to act in.

use serde::{Deserialize, Serialize};

use crate::environment::Environment;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::wire::flex_bool;

/// One account of the user (mirror of WIT `account`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Account GUID.
    pub account_id: String,
    /// Account name.
    pub account_name: String,
    /// Data-center base URI, without a trailing `/` and without `/restapi`.
    pub base_uri: String,
    /// The user's default account.
    pub is_default: bool,
    /// Organization GUID, if the account is in one.
    pub organization_id: Option<String>,
}

impl Account {
    /// eSignature REST base: `{base_uri}/restapi/v2.1/accounts/{account_id}`.
    pub fn esign_base(&self) -> String {
        format!(
            "{}/restapi/v2.1/accounts/{}",
            self.base_uri, self.account_id
        )
    }
}

/// The parts of userinfo the connector uses (also what it caches).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// User GUID.
    pub sub: String,
    /// Display name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Accounts with a valid base URI.
    pub accounts: Vec<Account>,
    /// When it was fetched (ms since epoch).
    pub fetched_at_ms: u64,
}

#[derive(Deserialize)]
struct Reply {
    sub: Option<String>,
    name: Option<String>,
    email: Option<String>,
    #[serde(default)]
    accounts: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct AccountReply {
    account_id: String,
    #[serde(default, deserialize_with = "flex_bool")]
    is_default: bool,
    account_name: Option<String>,
    base_uri: String,
    organization: Option<OrganizationReply>,
}

#[derive(Deserialize)]
struct OrganizationReply {
    organization_id: Option<String>,
}

/// Parse a userinfo body; accounts that cannot be used are skipped with a warning.
pub fn parse(
    host: &dyn Host,
    body: &[u8],
    status: u16,
    now_ms: u64,
    environment: Environment,
) -> Result<UserInfo> {
    let reply: Reply = serde_json::from_slice(body).map_err(|e| {
        ConnectorError::bad_response(status, format!("userinfo: malformed JSON ({e})"))
    })?;
    let mut accounts = Vec::with_capacity(reply.accounts.len());
    for (i, raw) in reply.accounts.into_iter().enumerate() {
        let parsed = serde_json::from_value::<AccountReply>(raw)
            .map_err(|e| e.to_string())
            .and_then(|a| {
                let base_uri = validate_base_uri(&a.base_uri, environment)?;
                Ok(Account {
                    account_name: a.account_name.unwrap_or_default(),
                    base_uri,
                    is_default: a.is_default,
                    organization_id: a.organization.and_then(|o| o.organization_id),
                    account_id: a.account_id,
                })
            });
        match parsed {
            Ok(account) => accounts.push(account),
            Err(why) => host.log(
                Level::Warn,
                &format!("userinfo: skipping account #{i}: {why}"),
            ),
        }
    }
    Ok(UserInfo {
        sub: reply.sub.unwrap_or_default(),
        name: reply.name.unwrap_or_default(),
        email: reply.email.unwrap_or_default(),
        accounts,
        fetched_at_ms: now_ms,
    })
}

/// A base URI must be `https://<host>` on a DocuSign domain of `environment`: the bearer token
/// is sent there. Developer accounts live on `demo.docusign.net`; production accounts on the
/// other `*.docusign.net` data centers.
fn validate_base_uri(raw: &str, environment: Environment) -> std::result::Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let host = trimmed
        .strip_prefix("https://")
        .ok_or_else(|| format!("base_uri {raw:?} is not https"))?
        .to_ascii_lowercase();
    let well_formed = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && Environment::ALL.iter().any(|e| e.is_data_center(&host));
    if !well_formed {
        return Err(format!("base_uri {raw:?} is not a DocuSign data center"));
    }
    if !environment.is_data_center(&host) {
        return Err(format!(
            "base_uri {raw:?} belongs to the other DocuSign environment"
        ));
    }
    Ok(format!("https://{host}"))
}

/// The configured account, or the user's default one.
pub fn select_account(info: &UserInfo, configured: Option<&str>) -> Result<Account> {
    if info.accounts.is_empty() {
        return Err(ConnectorError::invalid(
            "user-id",
            format!(
                "user {} has no usable DocuSign account in this environment",
                info.sub
            ),
        ));
    }
    let chosen = match configured {
        Some(id) => info
            .accounts
            .iter()
            .find(|a| a.account_id.eq_ignore_ascii_case(id))
            .ok_or_else(|| {
                let available: Vec<String> = info
                    .accounts
                    .iter()
                    .map(|a| format!("{} ({})", a.account_name, a.account_id))
                    .collect();
                ConnectorError::invalid(
                    "account-id",
                    format!(
                        "user {} has no access to account {id}; the user's accounts are: {}",
                        info.sub,
                        available.join(", ")
                    ),
                )
            })?,
        None => info
            .accounts
            .iter()
            .find(|a| a.is_default)
            .unwrap_or(&info.accounts[0]),
    };
    Ok(chosen.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FakeHost;

    const BODY: &str = r#"{
      "sub": "4799e5e9-1559-4915-9862-cf4713bbcacc", "name": "First Last", "email": "first.last@example.com",
      "accounts": [
        {"account_id": "a4ec37d6-0000-4000-8000-143885c333aa", "is_default": false, "account_name": "Europe", "base_uri": "https://eu.docusign.net"},
        {"account_id": "a4ec37d6-0000-4000-8000-143885c220e1", "is_default": "true", "account_name": "Corp", "base_uri": "https://na3.docusign.net/",
         "organization": {"organization_id": "9c5fb8e1-0000-4000-8000-054ff8a249bf", "links": []}},
        {"account_id": "a4ec37d6-0000-4000-8000-000000000bad", "is_default": false, "account_name": "Evil", "base_uri": "https://evil.example.com"},
        {"is_default": true}
      ]}"#;

    #[test]
    fn parses_and_picks_default_or_configured() {
        let host = FakeHost::new();
        let info = parse(&host, BODY.as_bytes(), 200, 5, Environment::Production).unwrap();
        assert_eq!(
            info.accounts.len(),
            2,
            "bad base_uri and missing fields are skipped"
        );
        assert_eq!(host.logs_containing("skipping account").len(), 2);
        let default = select_account(&info, None).unwrap();
        assert_eq!(default.account_name, "Corp");
        assert_eq!(default.base_uri, "https://na3.docusign.net");
        assert_eq!(
            default.organization_id.as_deref(),
            Some("9c5fb8e1-0000-4000-8000-054ff8a249bf")
        );
        assert_eq!(
            default.esign_base(),
            "https://na3.docusign.net/restapi/v2.1/accounts/a4ec37d6-0000-4000-8000-143885c220e1"
        );
        let eu = select_account(&info, Some("A4EC37D6-0000-4000-8000-143885C333AA")).unwrap();
        assert_eq!(eu.account_name, "Europe");
    }

    #[test]
    fn accounts_of_the_other_environment_are_skipped() {
        let host = FakeHost::new();
        let dev = parse(&host, BODY.as_bytes(), 200, 5, Environment::Developer).unwrap();
        assert!(
            dev.accounts.is_empty(),
            "production data centers are not used by a developer connection"
        );
        assert_eq!(
            host.logs_containing("belongs to the other DocuSign environment")
                .len(),
            2
        );
        let demo = br#"{"sub":"x","accounts":[{"account_id":"a","is_default":true,"base_uri":"https://demo.docusign.net"}]}"#;
        assert_eq!(
            parse(&host, demo, 200, 0, Environment::Developer)
                .unwrap()
                .accounts
                .len(),
            1
        );
        assert!(
            parse(&host, demo, 200, 0, Environment::Production)
                .unwrap()
                .accounts
                .is_empty()
        );
    }

    #[test]
    fn unknown_account_lists_the_available_ones() {
        let host = FakeHost::new();
        let info = parse(&host, BODY.as_bytes(), 200, 5, Environment::Production).unwrap();
        match select_account(&info, Some("00000000-0000-4000-8000-000000000000")) {
            Err(ConnectorError::InvalidInput { field, message }) => {
                assert_eq!(field, "account-id");
                assert!(
                    message.contains("Europe (a4ec37d6-0000-4000-8000-143885c333aa)"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        let empty = parse(
            &host,
            br#"{"sub":"x","accounts":[]}"#,
            200,
            0,
            Environment::Production,
        )
        .unwrap();
        assert!(
            matches!(select_account(&empty, None), Err(ConnectorError::InvalidInput { field, .. }) if field == "user-id")
        );
    }
}

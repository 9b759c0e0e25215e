//! Which hosts the connector may reach: deny by default, DocuSign's hosts of one environment.
//! The connector keeps its own list of these names (`connector/src/environment.rs`); the test
//! `tests/allow_list.rs` proves the two agree.

use ureq::http::Uri;

/// Why a URL may not be requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not a URL.
    #[error("{0:?} is not a valid URL")]
    NotAUrl(String),
    /// Not `https`.
    #[error("{0}: only https is allowed")]
    NotHttps(String),
    /// No host.
    #[error("{0}: no host")]
    NoHost(String),
    /// User name or password in the URL.
    #[error("{0}: credentials in URLs are not allowed")]
    Credentials(String),
    /// A port other than 443.
    #[error("{0}: only the default https port is allowed")]
    Port(String),
    /// The host is not on the list.
    #[error("{host} is not an allowed host (allowed: {allowed})")]
    Host {
        /// The refused host.
        host: String,
        /// The list, described.
        allowed: String,
    },
}

/// Allowed destinations: exact host names and `*.domain` patterns (subdomains only), minus
/// exceptions; `https` on the default port only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    allow: Vec<String>,
    deny: Vec<String>,
}

/// Developer-environment hosts: OAuth, the data center, Monitor (dataset and organization
/// stream), Admin.
const DEVELOPER_HOSTS: &[&str] = &[
    "account-d.docusign.com",
    "demo.docusign.net",
    "lens-d.docusign.net",
    "api-d.docusign.com",
    "api-d.docusign.net",
];

/// Production hosts outside `*.docusign.net`: OAuth and the organization APIs (Monitor).
const PRODUCTION_COM_HOSTS: &[&str] = &["account.docusign.com", "api.docusign.com"];

impl AllowList {
    /// Allow `patterns` (`host` or `*.domain`).
    pub fn new(patterns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            allow: patterns
                .into_iter()
                .map(|p| p.into().to_ascii_lowercase())
                .collect(),
            deny: Vec::new(),
        }
    }

    /// DocuSign's hosts for the environment of `auth_server` (`account-d.docusign.com` or
    /// `account.docusign.com`, with or without `https://`): OAuth, eSignature data centers,
    /// Monitor (both endpoints) and Admin. Developer and production hosts never mix.
    pub fn docusign(auth_server: &str) -> Self {
        let host = auth_server
            .trim()
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_ascii_lowercase();
        if host == "account-d.docusign.com" {
            Self::new(DEVELOPER_HOSTS.iter().copied())
        } else {
            let mut allow: Vec<String> =
                PRODUCTION_COM_HOSTS.iter().map(|h| h.to_string()).collect();
            allow.push("*.docusign.net".into());
            Self {
                allow,
                deny: DEVELOPER_HOSTS.iter().map(|h| h.to_string()).collect(),
            }
        }
    }

    /// The patterns, for messages.
    pub fn describe(&self) -> String {
        let mut text = self.allow.join(", ");
        if !self.deny.is_empty() {
            text.push_str(&format!(" (except {})", self.deny.join(", ")));
        }
        text
    }

    /// Ok when `url` may be requested; else why not.
    pub fn check(&self, url: &str) -> Result<(), Refusal> {
        let uri: Uri = url.parse().map_err(|_| Refusal::NotAUrl(url.to_owned()))?;
        if uri.scheme_str() != Some("https") {
            return Err(Refusal::NotHttps(url.to_owned()));
        }
        let authority = uri
            .authority()
            .ok_or_else(|| Refusal::NoHost(url.to_owned()))?;
        if authority.as_str().contains('@') {
            return Err(Refusal::Credentials(url.to_owned()));
        }
        if authority.port_u16().is_some_and(|p| p != 443) {
            return Err(Refusal::Port(url.to_owned()));
        }
        let host = authority.host().to_ascii_lowercase();
        let allowed = !self.deny.contains(&host)
            && self.allow.iter().any(|p| match p.strip_prefix("*.") {
                Some(domain) => host.ends_with(&format!(".{domain}")),
                None => *p == host,
            });
        if allowed {
            Ok(())
        } else {
            Err(Refusal::Host {
                host,
                allowed: self.describe(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn developer_and_production_do_not_mix() {
        let dev = AllowList::docusign("account-d.docusign.com");
        for ok in [
            "https://account-d.docusign.com/oauth/token",
            "https://demo.docusign.net/restapi/v2.1/accounts/x/envelopes",
            "https://lens-d.docusign.net/api/v2.0/datasets/monitor/stream?cursor=a",
            "https://api-d.docusign.net/management/v2/organizations/o/users",
            "https://api-d.docusign.com/v1/organizations/o/stream",
        ] {
            dev.check(ok).unwrap_or_else(|e| panic!("{e}"));
        }
        for bad in [
            "https://account.docusign.com/oauth/token",
            "https://na3.docusign.net/restapi",
            "http://demo.docusign.net/restapi",
            "https://demo.docusign.net:8443/restapi",
            "https://user:pw@demo.docusign.net/",
            "https://evil.example.com/",
            "https://demo.docusign.net.evil.example.com/",
            "not a url",
        ] {
            assert!(dev.check(bad).is_err(), "{bad} allowed");
        }
        let prod = AllowList::docusign("https://account.docusign.com/");
        for ok in [
            "https://account.docusign.com/oauth/token",
            "https://na3.docusign.net/restapi",
            "https://eu.docusign.net/",
            "https://lens.docusign.net/api",
            "https://api.docusign.net/management",
            "https://api.docusign.com/v1/organizations/o/stream",
        ] {
            prod.check(ok).unwrap_or_else(|e| panic!("{e}"));
        }
        for bad in [
            "https://demo.docusign.net/",
            "https://account-d.docusign.com/",
            "https://api-d.docusign.com/",
            "https://www.docusign.com/",
            "https://docusign.net/",
            "https://xdocusign.net/",
        ] {
            assert!(prod.check(bad).is_err(), "{bad} allowed");
        }
        assert!(
            dev.check("https://evil.example.com/x")
                .unwrap_err()
                .to_string()
                .contains("allowed: account-d.docusign.com")
        );
    }
}

//! DocuSign's two environments and the host names of each: OAuth, eSignature data centers,
//! Monitor (two endpoints) and Admin. The host's allow-list (`docusign-host`'s `transport/allow.rs`) keeps its
//! own copy of these names; a test of the host proves the two agree.

/// Developer (demo) OAuth host.
pub const DEVELOPER_AUTH_HOST: &str = "account-d.docusign.com";
/// Production OAuth host.
pub const PRODUCTION_AUTH_HOST: &str = "account.docusign.com";
/// The one eSignature data center of the developer environment.
pub const DEVELOPER_DATA_CENTER: &str = "demo.docusign.net";
/// The domain of every production data center (`na3.docusign.net`, `eu.docusign.net`, …).
pub const PRODUCTION_DATA_CENTER_DOMAIN: &str = "docusign.net";

/// The Monitor API endpoint customer events come from (WIT `monitor-endpoint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorEndpoint {
    /// `https://api[-d].docusign.com/v1/organizations/{organizationId}/stream` (DocuSign's current
    /// Monitor documentation).
    OrganizationStream,
    /// `https://lens[-d].docusign.net/api/v2.0/datasets/monitor/stream` (DocuSign's Monitor
    /// OpenAPI specification).
    Lens,
}

/// DocuSign environment, derived from the OAuth host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// `account-d.docusign.com`, `demo.docusign.net`, `lens-d`, `api-d`.
    Developer,
    /// `account.docusign.com` and the production data centers.
    Production,
}

impl Environment {
    /// Both environments.
    pub const ALL: [Self; 2] = [Self::Developer, Self::Production];

    /// The environment whose OAuth host is `host` (bare, lower case).
    pub fn from_auth_host(host: &str) -> Option<Self> {
        match host {
            DEVELOPER_AUTH_HOST => Some(Self::Developer),
            PRODUCTION_AUTH_HOST => Some(Self::Production),
            _ => None,
        }
    }

    /// Host of the OAuth service (the JWT `aud`).
    pub fn auth_host(self) -> &'static str {
        match self {
            Self::Developer => DEVELOPER_AUTH_HOST,
            Self::Production => PRODUCTION_AUTH_HOST,
        }
    }

    /// Host of the Monitor dataset stream ([`MonitorEndpoint::Lens`]).
    pub fn lens_host(self) -> &'static str {
        match self {
            Self::Developer => "lens-d.docusign.net",
            Self::Production => "lens.docusign.net",
        }
    }

    /// Host of the organization APIs, among them the Monitor organization stream
    /// ([`MonitorEndpoint::OrganizationStream`]).
    pub fn organization_api_host(self) -> &'static str {
        match self {
            Self::Developer => "api-d.docusign.com",
            Self::Production => "api.docusign.com",
        }
    }

    /// Host of the Admin API.
    pub fn admin_host(self) -> &'static str {
        match self {
            Self::Developer => "api-d.docusign.net",
            Self::Production => "api.docusign.net",
        }
    }

    /// Whether `host` (lower case) can be an eSignature data center of this environment: the
    /// developer one, or any other host under the production domain.
    pub fn is_data_center(self, host: &str) -> bool {
        let under_domain = host
            .strip_suffix(PRODUCTION_DATA_CENTER_DOMAIN)
            .and_then(|h| h.strip_suffix('.'))
            .is_some_and(|h| !h.is_empty());
        match self {
            Self::Developer => host == DEVELOPER_DATA_CENTER,
            Self::Production => under_domain && host != DEVELOPER_DATA_CENTER,
        }
    }

    /// The fixed hosts the connector calls in this environment (OAuth, Monitor, Admin, and the
    /// developer data center); production data centers come from `/oauth/userinfo`.
    pub fn fixed_hosts(self) -> Vec<&'static str> {
        let mut hosts = vec![
            self.auth_host(),
            self.lens_host(),
            self.organization_api_host(),
            self.admin_host(),
        ];
        if self == Self::Developer {
            hosts.push(DEVELOPER_DATA_CENTER);
        }
        hosts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_centers_belong_to_one_environment() {
        assert!(Environment::Developer.is_data_center("demo.docusign.net"));
        assert!(!Environment::Production.is_data_center("demo.docusign.net"));
        assert!(Environment::Production.is_data_center("na3.docusign.net"));
        assert!(!Environment::Developer.is_data_center("na3.docusign.net"));
        assert!(!Environment::Production.is_data_center("docusign.net"));
        assert!(!Environment::Production.is_data_center("xdocusign.net"));
        for env in Environment::ALL {
            assert_eq!(Environment::from_auth_host(env.auth_host()), Some(env));
        }
    }
}

//! Consent URLs (individual and organization-admin).

use crate::config::Config;
use crate::request::encode;

/// DocuSign's own consent landing page, the redirect URI the Qflow guide registers.
pub const DEFAULT_REDIRECT_URI: &str = "https://developers.docusign.com/platform/auth/consent";

/// Individual consent: the configured user grants `scopes` to the integration key.
pub fn individual_url(config: &Config, scopes: &[String], state: Option<&str>) -> String {
    let mut url = format!(
        "https://{}/oauth/auth?response_type=code&scope={}&client_id={}&redirect_uri={}",
        config.auth_host,
        encode(&scopes.join(" ")),
        encode(&config.integration_key),
        encode(redirect_uri(config)),
    );
    push_state(&mut url, state);
    url
}

/// Organization-admin consent: an administrator grants `scopes` for every user of the organization.
pub fn admin_url(config: &Config, scopes: &[String], state: Option<&str>) -> String {
    let mut url = format!(
        "https://{}/oauth/auth?response_type=code&scope=openid&admin_consent_scope={}&client_id={}&redirect_uri={}",
        config.auth_host,
        encode(&scopes.join(" ")),
        encode(&config.integration_key),
        encode(redirect_uri(config)),
    );
    push_state(&mut url, state);
    url
}

fn redirect_uri(config: &Config) -> &str {
    config
        .redirect_uri
        .as_deref()
        .unwrap_or(DEFAULT_REDIRECT_URI)
}

fn push_state(url: &mut String, state: Option<&str>) {
    if let Some(state) = state.filter(|s| !s.is_empty()) {
        url.push_str("&state=");
        url.push_str(&encode(state));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::connection;

    #[test]
    fn individual_and_admin_urls() {
        let mut c = connection();
        c.redirect_uri = Some("https://localhost/cb?x=1".into());
        let cfg = Config::from_connection(&c).unwrap();
        let scopes = vec!["signature".to_owned(), "impersonation".to_owned()];
        assert_eq!(
            individual_url(&cfg, &scopes, None),
            "https://account-d.docusign.com/oauth/auth?response_type=code&scope=signature%20impersonation\
             &client_id=1f2e3d4c-0000-4000-8000-00000000a11e&redirect_uri=https%3A%2F%2Flocalhost%2Fcb%3Fx%3D1"
        );
        assert_eq!(
            admin_url(&cfg, &scopes, Some("a b")),
            "https://account-d.docusign.com/oauth/auth?response_type=code&scope=openid\
             &admin_consent_scope=signature%20impersonation&client_id=1f2e3d4c-0000-4000-8000-00000000a11e\
             &redirect_uri=https%3A%2F%2Flocalhost%2Fcb%3Fx%3D1&state=a%20b"
        );
    }

    #[test]
    fn default_redirect_is_docusigns_consent_page() {
        let cfg = Config::from_connection(&connection()).unwrap();
        assert!(individual_url(&cfg, &[], None).ends_with(
            "redirect_uri=https%3A%2F%2Fdevelopers.docusign.com%2Fplatform%2Fauth%2Fconsent"
        ));
    }
}

//! The host's allow-list and the connector's own list of DocuSign hosts agree: every host the
//! connector calls in an environment is allowed there, and none of the other environment's is.

use docusign_connector::environment::Environment;
use docusign_host::transport::AllowList;

fn url(host: &str) -> String {
    format!("https://{host}/")
}

#[test]
fn every_host_the_connector_calls_is_allowed_in_its_environment_only() {
    for env in Environment::ALL {
        let allow = AllowList::docusign(env.auth_host());
        for host in env.fixed_hosts() {
            allow
                .check(&url(host))
                .unwrap_or_else(|e| panic!("{env:?}: the connector calls {host}: {e}"));
        }
        let other = Environment::ALL.into_iter().find(|e| *e != env).unwrap();
        for host in other.fixed_hosts() {
            assert!(
                allow.check(&url(host)).is_err(),
                "{env:?} allows {host} of {other:?}"
            );
        }
    }
}

#[test]
fn data_centers_the_connector_accepts_are_the_ones_the_host_allows() {
    let hosts = [
        "demo.docusign.net",
        "na3.docusign.net",
        "eu.docusign.net",
        "au.docusign.net",
        "docusign.net",
        "xdocusign.net",
        "na3.docusign.net.evil.example.com",
    ];
    for env in Environment::ALL {
        let allow = AllowList::docusign(env.auth_host());
        for host in hosts {
            assert_eq!(
                env.is_data_center(host),
                allow.check(&url(host)).is_ok(),
                "{env:?} disagrees on {host}"
            );
        }
    }
}

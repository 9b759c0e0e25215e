//! A small HTTP/1.1 client for Restate's admin API and ingress.

use std::sync::OnceLock;
use std::time::Duration;

use ureq::Agent;

fn agent() -> &'static Agent {
    static AGENT: OnceLock<Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into()
    })
}

/// `GET url`: status and body.
pub fn get(url: &str) -> Result<(u16, String), ureq::Error> {
    reply(agent().get(url).call()?)
}

/// `GET url` waiting at most `limit` for the whole exchange: status and body.
pub fn get_within(url: &str, limit: Duration) -> Result<(u16, String), ureq::Error> {
    reply(
        agent()
            .get(url)
            .config()
            .timeout_global(Some(limit))
            .build()
            .call()?,
    )
}

/// `POST url` with a JSON `body` (empty: no body, no content type, as Restate wants for
/// handlers without input) and extra `headers`: status and body.
pub fn post(url: &str, body: &str, headers: &[(&str, &str)]) -> Result<(u16, String), ureq::Error> {
    let mut request = agent().post(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    reply(if body.is_empty() {
        request.send_empty()?
    } else {
        request
            .header("content-type", "application/json")
            .send(body)?
    })
}

/// A response's status and body.
fn reply(mut response: ureq::http::Response<ureq::Body>) -> Result<(u16, String), ureq::Error> {
    let status = response.status().as_u16();
    Ok((status, response.body_mut().read_to_string()?))
}

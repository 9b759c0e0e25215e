//! "Get status of documents sent for signature": `GET …/envelopes/{id}`, typed.

use serde::Deserialize;

use super::fields;
use super::{EnvelopeInfo, EnvelopeStatus};
use crate::auth::userinfo::Account;
use crate::auth::{Session, scopes};
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::http;
use crate::request::{HttpRequest, Method};
use crate::timestamp::Timestamp;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeReply {
    envelope_id: Option<String>,
    status: Option<String>,
    status_changed_date_time: Option<String>,
    sent_date_time: Option<String>,
    delivered_date_time: Option<String>,
    completed_date_time: Option<String>,
    declined_date_time: Option<String>,
    voided_date_time: Option<String>,
    voided_reason: Option<String>,
    /// When the envelope expires: from the send date plus the envelope's or the account's
    /// expiration setting. `expireEnabled` is not consulted: DocuSign's specification marks it
    /// "not used" on envelopes.
    expire_date_time: Option<String>,
    email_subject: Option<String>,
}

/// Status of envelope `envelope_id`.
pub fn get_status(host: &dyn Host, config: &Config, envelope_id: &str) -> Result<EnvelopeInfo> {
    let envelope_id = fields::envelope_id(envelope_id)?;
    let session = Session::new(host, config, scopes::ESIGNATURE);
    let account = session.account()?;
    fetch(&session, &account, envelope_id)
}

/// `GET` the envelope with an established session.
pub fn fetch(session: &Session<'_>, account: &Account, envelope_id: &str) -> Result<EnvelopeInfo> {
    let host = session.host();
    let url = format!("{}/envelopes/{envelope_id}", account.esign_base());
    let resp = session.send_expecting_success(HttpRequest::new(Method::Get, url).accept_json())?;
    let reply: EnvelopeReply = http::json(&resp, "envelope")?;
    let status = reply
        .status
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(EnvelopeStatus::parse)
        .ok_or_else(|| ConnectorError::bad_response(resp.status, "envelope has no status"))?;
    let time = |name: &str, value: Option<&str>| -> Option<Timestamp> {
        let value = value?;
        let parsed = Timestamp::parse(value);
        if parsed.is_none() {
            host.log(
                Level::Warn,
                &format!("envelope {envelope_id}: ignoring unreadable {name} {value:?}"),
            );
        }
        parsed
    };
    Ok(EnvelopeInfo {
        envelope_id: reply.envelope_id.unwrap_or_else(|| envelope_id.to_owned()),
        status,
        status_changed_at: time(
            "statusChangedDateTime",
            reply.status_changed_date_time.as_deref(),
        ),
        sent_at: time("sentDateTime", reply.sent_date_time.as_deref()),
        delivered_at: time("deliveredDateTime", reply.delivered_date_time.as_deref()),
        completed_at: time("completedDateTime", reply.completed_date_time.as_deref()),
        declined_at: time("declinedDateTime", reply.declined_date_time.as_deref()),
        voided_at: time("voidedDateTime", reply.voided_date_time.as_deref()),
        voided_reason: reply.voided_reason,
        expires_at: time("expireDateTime", reply.expire_date_time.as_deref()),
        email_subject: reply.email_subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::connection;
    use crate::testing::{ACCOUNT_BASE, FakeHost};

    const ENVELOPE: &str = "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad";

    /// The envelope's expiry comes from the account's default, not from the envelope's own
    /// (unused) `expireEnabled`: it is reported whenever DocuSign gives it.
    #[test]
    fn expiry_is_reported_whenever_docusign_gives_it() {
        let config = Config::from_connection(&connection()).unwrap();
        for enabled in [r#""expireEnabled": "false","#, ""] {
            let host = FakeHost::with_session(&config);
            host.expect(
                Method::Get,
                &format!("{ACCOUNT_BASE}/envelopes/{ENVELOPE}"),
                200,
                &format!(
                    r#"{{"envelopeId": "{ENVELOPE}", "status": "sent", {enabled}
                        "sentDateTime": "2025-05-02T15:40:01.3970000Z",
                        "expireDateTime": "2025-09-01T15:40:01.3970000Z"}}"#
                ),
            );
            let info = get_status(&host, &config, ENVELOPE).unwrap();
            assert_eq!(
                info.expires_at,
                Timestamp::parse("2025-09-01T15:40:01.397Z"),
                "{enabled}"
            );
        }
    }
}

//! "Send documents to sign": validate, find an earlier send with the same idempotency key,
//! else create and send the envelope in one request.

use serde::Deserialize;

use super::envelope::{self, IDEMPOTENCY_FIELD};
use super::validate::{self, MAX_REQUEST_BYTES};
use super::{EnvelopeStatus, SendRequest, SentEnvelope};
use crate::auth::userinfo::Account;
use crate::auth::{Session, scopes};
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::http;
use crate::request::{HttpRequest, Method};
use crate::timestamp::Timestamp;

/// How far back an idempotency key is looked for.
pub const IDEMPOTENCY_WINDOW_DAYS: u64 = 30;
/// Timeout of the create request (it may carry ~35 MB).
const CREATE_TIMEOUT_MS: u32 = 300_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeSummary {
    envelope_id: Option<String>,
    status: Option<String>,
    status_date_time: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeList {
    #[serde(default)]
    envelopes: Vec<ListedEnvelope>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedEnvelope {
    envelope_id: String,
    status: Option<String>,
    status_changed_date_time: Option<String>,
}

/// Trim what people paste with stray spaces.
fn normalize(req: &mut SendRequest) {
    for list in [
        &mut req.signer_emails,
        &mut req.signer_names,
        &mut req.cc_emails,
        &mut req.cc_names,
    ] {
        for item in list.iter_mut() {
            let trimmed = item.trim();
            if trimmed.len() != item.len() {
                *item = trimmed.to_owned();
            }
        }
    }
    req.email_subject = req.email_subject.trim().to_owned();
    req.idempotency_key = req.idempotency_key.take().map(|k| k.trim().to_owned());
}

/// Send `req`; see the module docs.
pub fn send(host: &dyn Host, config: &Config, mut req: SendRequest) -> Result<SentEnvelope> {
    normalize(&mut req);
    validate::send_request(&req)?;
    let session = Session::new(host, config, scopes::ESIGNATURE);
    let account = session.account()?;
    let earlier = match &req.idempotency_key {
        Some(key) => find_by_key(&session, &account, key)?,
        None => None,
    };
    if let Some(found) = earlier {
        host.log(
            Level::Info,
            &format!(
                "envelope {} was already sent for this idempotency key",
                found.envelope_id
            ),
        );
        return Ok(found);
    }
    let documents = req.documents.len();
    let request = HttpRequest::new(Method::Post, format!("{}/envelopes", account.esign_base()))
        .accept_json()
        .json_parts(envelope::create_body(req)?)
        .timeout_ms(CREATE_TIMEOUT_MS);
    let size = request.body_len();
    if size > MAX_REQUEST_BYTES {
        return Err(ConnectorError::invalid(
            "documents",
            format!("the request is {size} bytes, over DocuSign's {MAX_REQUEST_BYTES}-byte limit"),
        ));
    }
    host.log(
        Level::Info,
        &format!("sending an envelope with {documents} document(s), {size} bytes"),
    );
    // Never retried blindly: a 401 means the envelope was not created, anything else is returned.
    let resp = session.send_expecting_success(request)?;
    let summary: EnvelopeSummary = http::json(&resp, "envelope summary")?;
    let envelope_id = summary
        .envelope_id
        .filter(|id| crate::ids::is_guid(id))
        .ok_or_else(|| {
            ConnectorError::bad_response(resp.status, "envelope summary has no envelopeId")
        })?;
    Ok(SentEnvelope {
        envelope_id,
        status: EnvelopeStatus::parse(summary.status.as_deref().unwrap_or("sent")),
        status_changed_at: summary
            .status_date_time
            .as_deref()
            .and_then(Timestamp::parse),
        reused: false,
    })
}

/// The newest envelope of the last [`IDEMPOTENCY_WINDOW_DAYS`] carrying `key`.
fn find_by_key(
    session: &Session<'_>,
    account: &Account,
    key: &str,
) -> Result<Option<SentEnvelope>> {
    let host = session.host();
    let since = Timestamp::from_unix_ms(
        host.now_ms()
            .saturating_sub(IDEMPOTENCY_WINDOW_DAYS * 86_400_000),
    );
    let url = format!(
        "{}/envelopes?{}",
        account.esign_base(),
        crate::request::query(&[
            ("from_date", &since.to_rfc3339()),
            ("custom_field", &format!("{IDEMPOTENCY_FIELD}={key}"))
        ])
    );
    let resp = session.send_expecting_success(HttpRequest::new(Method::Get, url).accept_json())?;
    let list: EnvelopeList = http::json(&resp, "envelope list")?;
    let newest = list
        .envelopes
        .into_iter()
        .filter(|e| crate::ids::is_guid(&e.envelope_id))
        .max_by_key(|e| {
            e.status_changed_date_time
                .as_deref()
                .and_then(Timestamp::parse)
        });
    Ok(newest.map(|e| SentEnvelope {
        envelope_id: e.envelope_id,
        status: EnvelopeStatus::parse(e.status.as_deref().unwrap_or("sent")),
        status_changed_at: e
            .status_changed_date_time
            .as_deref()
            .and_then(Timestamp::parse),
        reused: true,
    }))
}

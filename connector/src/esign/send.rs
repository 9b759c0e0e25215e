//! "Send documents to sign": validate, find an earlier send with the same idempotency key
//! ([`super::idempotency`]), else create and send the envelope in one request. The find-or-create
//! step ([`submit`]) serves sends from templates too.

use serde::Deserialize;

use super::custom_fields::CustomFields;
use super::validate::{self, MAX_REQUEST_BYTES};
use super::{EnvelopeStatus, SendRequest, SentEnvelope};
use super::{custom_fields, envelope, idempotency};
use crate::auth::{Session, scopes};
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::http;
use crate::request::{BodyPart, HttpRequest, Method};
use crate::timestamp::Timestamp;

/// Timeout of the create request (it may carry ~35 MB).
const CREATE_TIMEOUT_MS: u32 = 300_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeSummary {
    envelope_id: Option<String>,
    status: Option<String>,
    status_date_time: Option<String>,
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
    let key = req.idempotency_key.clone();
    let documents = req.documents.len();
    submit(host, config, key.as_deref(), documents, |fields| {
        envelope::create_body(req, fields)
    })
}

/// Return the envelope sent earlier for the idempotency `key`, else create and send the one
/// `body` makes (given the custom fields to send, which carry the key), with `documents`
/// documents of the request. Shared by every kind of send.
pub(super) fn submit(
    host: &dyn Host,
    config: &Config,
    key: Option<&str>,
    documents: usize,
    body: impl FnOnce(Option<&CustomFields>) -> Result<Vec<BodyPart>>,
) -> Result<SentEnvelope> {
    let session = Session::new(host, config, scopes::ESIGNATURE);
    let account = session.account()?;
    let earlier = match key {
        Some(key) => idempotency::find(&session, &account, key)?,
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
    // Custom fields on create replace the account's: send the account's along with the key.
    let fields = match key {
        Some(key) => Some(custom_fields::with_idempotency_key(
            custom_fields::account_fields(&session, &account)?,
            key,
            |warning| host.log(Level::Warn, warning),
        )),
        None => None,
    };
    let request = HttpRequest::new(Method::Post, format!("{}/envelopes", account.esign_base()))
        .accept_json()
        .json_parts(body(fields.as_ref())?)
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

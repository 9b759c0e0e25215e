//! "Cancel signing of documents": void with a reason. An envelope already voided is success
//! (the workflow's intent holds); one in another final state is a clear error.

use serde_json::json;

use super::fields;
use super::status;
use super::{EnvelopeStatus, VoidResult};
use crate::auth::{Session, scopes};
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::request::{HttpRequest, Method};

const CANNOT_VOID: &str = "ENVELOPE_CANNOT_VOID_INVALID_STATE";

/// Void `envelope_id` with `reason`.
pub fn void(
    host: &dyn Host,
    config: &Config,
    envelope_id: &str,
    reason: &str,
) -> Result<VoidResult> {
    let envelope_id = fields::envelope_id(envelope_id)?;
    let reason = reason.trim();
    fields::void_reason(reason)?;
    let session = Session::new(host, config, scopes::ESIGNATURE);
    let account = session.account()?;
    let body = serde_json::to_vec(&json!({"status": "voided", "voidedReason": reason}))
        .map_err(|e| ConnectorError::invalid("reason", e.to_string()))?;
    let url = format!("{}/envelopes/{envelope_id}", account.esign_base());
    let resp = session.send(
        HttpRequest::new(Method::Put, url)
            .accept_json()
            .json_body(body),
    )?;
    if resp.is_success() {
        host.log(Level::Info, &format!("envelope {envelope_id} voided"));
        return Ok(VoidResult {
            envelope_id: envelope_id.to_owned(),
            already_voided: false,
        });
    }
    let error = crate::api_errors::api_error(&resp, host.now_ms());
    let ConnectorError::Api {
        error_code: Some(code),
        status: http_status,
        trace_token,
        ..
    } = &error
    else {
        return Err(error);
    };
    if !code.eq_ignore_ascii_case(CANNOT_VOID) {
        return Err(error);
    }
    let current = status::fetch(&session, &account, envelope_id)?;
    if current.status == EnvelopeStatus::Voided {
        host.log(
            Level::Info,
            &format!("envelope {envelope_id} was already voided"),
        );
        return Ok(VoidResult {
            envelope_id: envelope_id.to_owned(),
            already_voided: true,
        });
    }
    Err(ConnectorError::Api {
        status: *http_status,
        error_code: Some(code.clone()),
        message: format!(
            "envelope {envelope_id} is {} and cannot be voided",
            current.status.as_str()
        ),
        hint: Some(
            "only envelopes that are sent or delivered (in progress) can be voided".to_owned(),
        ),
        trace_token: trace_token.clone(),
    })
}

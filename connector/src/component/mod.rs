//! WIT glue: bindings, the host imports as a [`Host`](crate::host::Host) ([`imports`]), the
//! type conversions ([`convert`]), and the exports as thin wrappers over the plain-Rust modules.

wit_bindgen::generate!({ world: "connector", path: "../wit" });

mod convert;
mod convert_sending;
mod convert_webhooks;
mod imports;

use docusign::connector::types as wit;
use exports::docusign::connector::{commands as wit_commands, signing as wit_signing};

use crate::auth::commands;
use crate::config::{Config, Connection};
use crate::{esign, events};
use imports::WitHost;

struct Component;
export!(Component);

fn config(conn: wit::Connection) -> Result<Config, wit::ConnectorError> {
    Ok(Config::from_connection(&Connection::from(conn))?)
}

impl wit_commands::Guest for Component {
    fn generate_consent_url(
        conn: wit::Connection,
        req: wit_commands::ConsentRequest,
    ) -> Result<wit_commands::ConsentUrl, wit::ConnectorError> {
        let config = config(conn)?;
        Ok(commands::generate_consent_url(&config, &req.into()).into())
    }

    fn auth_test(
        conn: wit::Connection,
    ) -> Result<wit_commands::AuthTestResult, wit::ConnectorError> {
        let config = config(conn)?;
        Ok(commands::auth_test(&WitHost, &config)?.into())
    }

    fn reset_access_token(
        conn: wit::Connection,
    ) -> Result<wit_commands::ResetResult, wit::ConnectorError> {
        let config = config(conn)?;
        let token_removed = commands::reset_access_token(&WitHost, &config)?;
        Ok(wit_commands::ResetResult { token_removed })
    }

    fn get_events(
        conn: wit::Connection,
        req: wit_commands::GetEventsRequest,
    ) -> Result<Vec<wit_commands::Event>, wit::ConnectorError> {
        let config = config(conn)?;
        let events = events::get_events(&WitHost, &config, &req.into())?;
        Ok(events.into_iter().map(Into::into).collect())
    }

    fn fetch_events(
        conn: wit::Connection,
        req: wit_commands::FetchRequest,
    ) -> Result<wit_commands::FetchBatch, wit::ConnectorError> {
        let config = config(conn)?;
        Ok(events::fetch_events(&WitHost, &config, &req.into())?.into())
    }

    fn commit_fetch(conn: wit::Connection, checkpoint: String) -> Result<(), wit::ConnectorError> {
        let config = config(conn)?;
        Ok(events::commit_fetch(&WitHost, &config, &checkpoint)?)
    }
}

impl wit_signing::Guest for Component {
    fn send_for_signature(
        conn: wit::Connection,
        req: wit_signing::SendRequest,
    ) -> Result<wit_signing::SentEnvelope, wit::ConnectorError> {
        let config = config(conn)?;
        Ok(esign::send::send(&WitHost, &config, req.into())?.into())
    }

    fn get_envelope_status(
        conn: wit::Connection,
        envelope_id: String,
    ) -> Result<wit_signing::EnvelopeInfo, wit::ConnectorError> {
        let config = config(conn)?;
        Ok(esign::status::get_status(&WitHost, &config, &envelope_id)?.into())
    }

    fn get_signed_documents(
        conn: wit::Connection,
        envelope_id: String,
    ) -> Result<wit_signing::SignedDocuments, wit::ConnectorError> {
        let config = config(conn)?;
        Ok(esign::documents::get_signed_documents(&WitHost, &config, &envelope_id)?.into())
    }

    fn void_envelope(
        conn: wit::Connection,
        envelope_id: String,
        reason: String,
    ) -> Result<wit_signing::VoidResult, wit::ConnectorError> {
        let config = config(conn)?;
        Ok(esign::void::void(&WitHost, &config, &envelope_id, &reason)?.into())
    }

    fn send_from_template(
        conn: wit::Connection,
        req: wit_signing::TemplateSendRequest,
    ) -> Result<wit_signing::SentEnvelope, wit::ConnectorError> {
        let config = config(conn)?;
        Ok(esign::template::send_from_template(&WitHost, &config, req.into())?.into())
    }

    fn create_signing_url(
        conn: wit::Connection,
        envelope_id: String,
        req: wit_signing::SigningViewRequest,
    ) -> Result<wit_signing::SigningView, wit::ConnectorError> {
        let config = config(conn)?;
        let req = req.into();
        Ok(esign::signing_view::create_signing_url(&WitHost, &config, &envelope_id, &req)?.into())
    }

    fn get_envelope_recipients(
        conn: wit::Connection,
        envelope_id: String,
    ) -> Result<wit_signing::EnvelopeRecipients, wit::ConnectorError> {
        let config = config(conn)?;
        Ok(esign::recipients::get_recipients(&WitHost, &config, &envelope_id)?.into())
    }

    fn verify_connect_message(
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        hmac_keys: Vec<String>,
    ) -> Result<wit_signing::ConnectEvent, wit_signing::ConnectError> {
        Ok(crate::connect::verify_message(&headers, &body, &hmac_keys)?.into())
    }
}

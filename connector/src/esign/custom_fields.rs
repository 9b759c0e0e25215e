//! Envelope custom fields. An idempotent send marks its envelope with a text field carrying the
//! key; but fields given on create *replace* the envelope custom fields the account defines in
//! Admin (DocuSign's specification of `envelopeDefinition.customFields`). So the account's fields
//! (`GET /accounts/{accountId}/custom_fields`, cached in state for [`ACCOUNT_FIELDS_TTL_MS`]) go
//! into the create request too, with their default values and flags, beside the key.

use serde::{Deserialize, Serialize};

use crate::auth::Session;
use crate::auth::userinfo::Account;
use crate::error::Result;
use crate::host::Level;
use crate::http;
use crate::request::{HttpRequest, Method};
use crate::wire::{bool_text, flex_bool};

/// Envelope custom field carrying the idempotency key.
pub const IDEMPOTENCY_FIELD: &str = "connectorIdempotencyKey";
/// How long the account's custom field definitions are reused from the state store.
pub const ACCOUNT_FIELDS_TTL_MS: u64 = 15 * 60 * 1000;

/// Text and list custom fields (DocuSign's `customFields`, `AccountCustomFields`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFields {
    /// Text fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub text_custom_fields: Vec<TextField>,
    /// List fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub list_custom_fields: Vec<ListField>,
}

/// A text custom field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextField {
    /// Name, unique within an envelope.
    pub name: String,
    /// Value (for an account definition: the default).
    #[serde(default)]
    pub value: String,
    /// Shown to senders.
    #[serde(default, deserialize_with = "flex_bool", serialize_with = "bool_text")]
    pub show: bool,
    /// Senders must fill it.
    #[serde(default, deserialize_with = "flex_bool", serialize_with = "bool_text")]
    pub required: bool,
}

/// A list custom field: a text field (its value the selected item) with the choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListField {
    /// Name, selected item, flags.
    #[serde(flatten)]
    pub field: TextField,
    /// The choices.
    #[serde(default)]
    pub list_items: Vec<String>,
}

impl CustomFields {
    /// Whether a text field `name` carries exactly `value`.
    pub fn has_text(&self, name: &str, value: &str) -> bool {
        self.text_custom_fields
            .iter()
            .any(|f| f.name == name && f.value == value)
    }
}

/// The account's definitions as cached in state.
#[derive(Serialize, Deserialize)]
struct Cached {
    account_id: String,
    fetched_at_ms: u64,
    fields: CustomFields,
}

/// The custom fields the account defines, from the state cache while fresh, else from DocuSign.
pub fn account_fields(session: &Session<'_>, account: &Account) -> Result<CustomFields> {
    let host = session.host();
    let key = &session.keys().account_custom_fields;
    let now = host.now_ms();
    let cached = host
        .state_get(key)
        .ok()
        .flatten()
        .and_then(|text| serde_json::from_str::<Cached>(&text).ok())
        .filter(|c| {
            c.account_id == account.account_id
                && now.saturating_sub(c.fetched_at_ms) < ACCOUNT_FIELDS_TTL_MS
        });
    if let Some(c) = cached {
        return Ok(c.fields);
    }
    let url = format!("{}/custom_fields", account.esign_base());
    let resp = session.send_expecting_success(HttpRequest::new(Method::Get, url).accept_json())?;
    let fields: CustomFields = http::json(&resp, "account custom fields")?;
    let cached = Cached {
        account_id: account.account_id.clone(),
        fetched_at_ms: now,
        fields,
    };
    let stored = serde_json::to_string(&cached)
        .map_err(|e| e.to_string())
        .and_then(|text| host.state_set(key, &text));
    if let Err(e) = stored {
        host.log(
            Level::Warn,
            &format!("could not cache the account's custom fields: {e}"),
        );
    }
    Ok(cached.fields)
}

/// What a create request carries for idempotency key `key`: the account's fields with their
/// defaults (any field already named like ours left out), then the key as a hidden text field.
pub fn with_idempotency_key(account: CustomFields, key: &str, warn: impl Fn(&str)) -> CustomFields {
    let mut fields = account;
    fields
        .text_custom_fields
        .retain(|f| f.name != IDEMPOTENCY_FIELD);
    fields
        .list_custom_fields
        .retain(|f| f.field.name != IDEMPOTENCY_FIELD);
    let unfilled = fields
        .text_custom_fields
        .iter()
        .chain(fields.list_custom_fields.iter().map(|f| &f.field))
        .filter(|f| f.required && f.value.is_empty())
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>();
    if !unfilled.is_empty() {
        warn(&format!(
            "the account requires the envelope custom field(s) {} and defines no default value; \
             DocuSign may refuse the envelope",
            unfilled.join(", ")
        ));
    }
    fields.text_custom_fields.push(TextField {
        name: IDEMPOTENCY_FIELD.to_owned(),
        value: key.to_owned(),
        show: false,
        required: false,
    });
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn account_fields_are_kept_beside_the_key() {
        let account: CustomFields = serde_json::from_value(json!({
            "textCustomFields": [
                {"fieldId": "1042", "name": "Tracking ID", "show": "true", "required": "false", "value": "T-1"},
                {"fieldId": "1044", "name": "connectorIdempotencyKey", "show": "true", "required": "true", "value": "x"}
            ],
            "listCustomFields": [
                {"fieldId": "1043", "name": "Region", "show": "true", "required": "true", "value": "",
                 "listItems": ["East", "West"]}
            ]
        }))
        .unwrap();
        let warnings = std::cell::RefCell::new(Vec::new());
        let fields = with_idempotency_key(account, "order-1", |w| {
            warnings.borrow_mut().push(w.to_owned())
        });
        assert_eq!(
            serde_json::to_value(&fields).unwrap(),
            json!({
                "textCustomFields": [
                    {"name": "Tracking ID", "value": "T-1", "show": "true", "required": "false"},
                    {"name": "connectorIdempotencyKey", "value": "order-1", "show": "false", "required": "false"}
                ],
                "listCustomFields": [
                    {"name": "Region", "value": "", "show": "true", "required": "true", "listItems": ["East", "West"]}
                ]
            })
        );
        assert!(fields.has_text(IDEMPOTENCY_FIELD, "order-1"));
        assert!(!fields.has_text(IDEMPOTENCY_FIELD, "order-2"));
        assert_eq!(warnings.borrow().len(), 1);
        assert!(
            warnings.borrow()[0].contains("Region"),
            "{:?}",
            warnings.borrow()
        );
    }
}

//! Service-task JSON of the sending additions (contract 0.5.0): signature placement fields of a
//! send, `send-from-template` and `create-signing-url`, each turned into its WIT record, and the
//! signing view back. Errors name the offending field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::InvokeError;
use super::input::{DocumentInput, ExpirationInput, InputFiles, RemindersInput, documents};
use super::output::rfc3339;
use crate::bindings::signing::{
    Anchor, AnchorUnits, FieldKind, FieldPlacement, PagePosition, RecipientKind, SigningField,
    SigningView, SigningViewRequest, TemplateRole, TemplateSendRequest,
};

/// An anchor: `{"text": "/sig1/", "x_offset": 20, "y_offset": 10, "units": "pixels", …}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnchorInput {
    text: String,
    #[serde(default)]
    x_offset: f64,
    #[serde(default)]
    y_offset: f64,
    units: Option<String>,
    #[serde(default)]
    ignore_if_not_present: bool,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default)]
    match_whole_word: bool,
}

/// A fixed point: `{"document": 1, "page": 1, "x": 90, "y": 720}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PositionInput {
    document: u32,
    page: u32,
    x: u32,
    y: u32,
}

/// One field of a signer: a kind and exactly one of `anchor` and `position`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FieldInput {
    kind: String,
    anchor: Option<AnchorInput>,
    position: Option<PositionInput>,
    label: Option<String>,
    value: Option<String>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    locked: bool,
}

impl FieldInput {
    fn into_field(self, field: &str) -> Result<SigningField, InvokeError> {
        let kind = FieldKind::parse(&self.kind).ok_or_else(|| {
            InvokeError::input(
                &format!("{field}.kind"),
                format!(
                    "unknown field kind {:?}; use sign-here, initial-here, date-signed or text",
                    self.kind
                ),
            )
        })?;
        let placement = match (self.anchor, self.position) {
            (Some(a), None) => {
                let units = match a.units.as_deref() {
                    None => AnchorUnits::Pixels,
                    Some(u) => AnchorUnits::parse(u).ok_or_else(|| {
                        InvokeError::input(
                            &format!("{field}.anchor.units"),
                            format!("unknown units {u:?}; use pixels, inches, millimeters or centimeters"),
                        )
                    })?,
                };
                FieldPlacement::Anchor(Anchor {
                    text: a.text,
                    x_offset: a.x_offset,
                    y_offset: a.y_offset,
                    units,
                    ignore_if_not_present: a.ignore_if_not_present,
                    case_sensitive: a.case_sensitive,
                    match_whole_word: a.match_whole_word,
                })
            }
            (None, Some(p)) => FieldPlacement::Position(PagePosition {
                document: p.document,
                page: p.page,
                x: p.x,
                y: p.y,
            }),
            _ => {
                return Err(InvokeError::input(
                    field,
                    "give exactly one of anchor and position",
                ));
            }
        };
        Ok(SigningField {
            kind,
            placement,
            label: self.label,
            value: self.value,
            optional: self.optional,
            locked: self.locked,
        })
    }
}

/// `signer_fields`: one list of fields per signer, in signer order.
pub(super) fn signer_fields(
    lists: Vec<Vec<FieldInput>>,
) -> Result<Vec<Vec<SigningField>>, InvokeError> {
    lists
        .into_iter()
        .enumerate()
        .map(|(i, fields)| {
            fields
                .into_iter()
                .enumerate()
                .map(|(j, f)| f.into_field(&format!("signer_fields[{i}][{j}]")))
                .collect()
        })
        .collect()
}

/// One role of `send-from-template`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleInput {
    role_name: String,
    name: String,
    email: String,
    routing_order: Option<u32>,
    client_user_id: Option<String>,
    /// Label → value.
    #[serde(default)]
    text_values: BTreeMap<String, String>,
    /// Label → checked.
    #[serde(default)]
    checkbox_values: BTreeMap<String, bool>,
    kind: Option<String>,
}

/// `send-from-template`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TemplateSendInput {
    template_id: String,
    roles: Vec<RoleInput>,
    #[serde(default)]
    documents: Vec<DocumentInput>,
    email_subject: Option<String>,
    email_body: Option<String>,
    expiration: Option<ExpirationInput>,
    reminders: Option<RemindersInput>,
    idempotency_key: Option<String>,
}

impl TemplateSendInput {
    pub(super) fn into_request(
        self,
        files: InputFiles<'_>,
    ) -> Result<TemplateSendRequest, InvokeError> {
        let roles = self
            .roles
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let kind = r
                    .kind
                    .map(|k| {
                        RecipientKind::parse(&k).ok_or_else(|| {
                            InvokeError::input(
                                &format!("roles[{i}].kind"),
                                format!("unknown recipient kind {k:?}; use signer, carbon-copy, …"),
                            )
                        })
                    })
                    .transpose()?;
                Ok(TemplateRole {
                    role_name: r.role_name,
                    name: r.name,
                    email: r.email,
                    routing_order: r.routing_order,
                    client_user_id: r.client_user_id,
                    text_values: r.text_values.into_iter().collect(),
                    checkbox_values: r.checkbox_values.into_iter().collect(),
                    kind,
                })
            })
            .collect::<Result<_, InvokeError>>()?;
        let documents = documents(self.documents, files)?;
        Ok(TemplateSendRequest {
            template_id: self.template_id,
            roles,
            documents,
            email_subject: self.email_subject,
            email_body: self.email_body,
            expiration: self.expiration.map(Into::into),
            reminders: self.reminders.map(Into::into),
            idempotency_key: self.idempotency_key,
        })
    }
}

/// `create-signing-url`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SigningUrlInput {
    pub(super) envelope_id: String,
    return_url: String,
    user_name: String,
    email: String,
    client_user_id: String,
    recipient_id: Option<String>,
    authentication_method: Option<String>,
    #[serde(default)]
    frame_ancestors: Vec<String>,
    #[serde(default)]
    message_origins: Vec<String>,
}

impl SigningUrlInput {
    pub(super) fn into_request(self) -> (String, SigningViewRequest) {
        (
            self.envelope_id,
            SigningViewRequest {
                return_url: self.return_url,
                user_name: self.user_name,
                email: self.email,
                client_user_id: self.client_user_id,
                recipient_id: self.recipient_id,
                authentication_method: self.authentication_method,
                frame_ancestors: self.frame_ancestors,
                message_origins: self.message_origins,
            },
        )
    }
}

/// `create-signing-url`'s result. The URL signs in as the signer: `Debug` hides it, and the
/// CLI prints it only when asked to ([`SigningViewOutput::redacted`]).
#[derive(Clone, PartialEq, Serialize)]
pub struct SigningViewOutput {
    /// The signing URL (a secret, valid once for five minutes).
    pub url: String,
    /// When it stops working.
    pub expires_at: Option<String>,
}

/// What stands in for the signing URL where it must not appear.
pub const REDACTED_URL: &str = "<signing URL hidden; it signs in as the signer>";

impl SigningViewOutput {
    /// The same result with the URL replaced by [`REDACTED_URL`].
    pub fn redacted(&self) -> Self {
        Self {
            url: REDACTED_URL.to_owned(),
            expires_at: self.expires_at.clone(),
        }
    }
}

impl std::fmt::Debug for SigningViewOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningViewOutput")
            .field("url", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl From<SigningView> for SigningViewOutput {
    fn from(v: SigningView) -> Self {
        Self {
            url: v.url,
            expires_at: rfc3339(Some(v.expires_at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::input::parse;
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_read_anchors_and_positions_and_name_mistakes() {
        let lists: Vec<Vec<FieldInput>> = parse(json!([
            [{"kind": "sign-here", "anchor": {"text": "/sig1/", "x_offset": 20, "units": "mms"}}],
            [{"kind": "date_signed", "position": {"document": 1, "page": 2, "x": 90, "y": 720}},
             {"kind": "text", "anchor": {"text": "/po/"}, "label": "po", "value": "PO-42", "locked": true}]
        ]))
        .unwrap();
        let fields = signer_fields(lists).unwrap();
        assert_eq!(fields.len(), 2);
        match &fields[0][0].placement {
            FieldPlacement::Anchor(a) => {
                assert_eq!(
                    (a.text.as_str(), a.x_offset, a.y_offset),
                    ("/sig1/", 20.0, 0.0)
                );
                assert_eq!(a.units, AnchorUnits::Millimeters);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(fields[1][0].kind, FieldKind::DateSigned);
        assert!(matches!(
            fields[1][0].placement,
            FieldPlacement::Position(PagePosition {
                document: 1,
                page: 2,
                x: 90,
                y: 720
            })
        ));
        assert!(fields[1][1].locked);
        let error = |v: serde_json::Value| {
            let lists: Vec<Vec<FieldInput>> = parse(v).unwrap();
            signer_fields(lists).unwrap_err().to_string()
        };
        assert!(
            error(json!([[{"kind": "stamp", "anchor": {"text": "x"}}]]))
                .contains("signer_fields[0][0].kind")
        );
        assert!(error(json!([[], [{"kind": "text"}]])).contains("signer_fields[1][0]"));
        assert!(
            error(json!([[{"kind": "text", "anchor": {"text": "x", "units": "feet"}}]]))
                .contains("anchor.units")
        );
    }

    #[test]
    fn template_roles_map_onto_the_wit_record() {
        let input: TemplateSendInput = parse(json!({
            "template_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "roles": [{"role_name": "signer", "name": "Ann", "email": "ann@example.com",
                       "text_values": {"b": "2", "a": "1"}, "checkbox_values": {"ok": true},
                       "kind": "in_person_signer"}],
        }))
        .unwrap();
        let req = input.into_request(InputFiles::default()).unwrap();
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(req.roles[0].text_values, pairs(&[("a", "1"), ("b", "2")]));
        assert_eq!(req.roles[0].checkbox_values, [("ok".to_owned(), true)]);
        assert_eq!(req.roles[0].kind, Some(RecipientKind::InPersonSigner));
        assert!(req.documents.is_empty());
    }

    #[test]
    fn the_signing_url_stays_out_of_debug_and_redacted_output() {
        let out = SigningViewOutput {
            url: "https://demo.docusign.net/Signing/StartInSession.aspx?t=tok".into(),
            expires_at: None,
        };
        assert!(!format!("{out:?}").contains("t=tok"));
        assert!(
            !serde_json::to_string(&out.redacted())
                .unwrap()
                .contains("t=tok")
        );
        assert!(serde_json::to_string(&out).unwrap().contains("t=tok"));
    }
}

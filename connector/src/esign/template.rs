//! "Send from a template": `POST …/envelopes` with `templateId` and `templateRoles` (each role
//! filled with a person, its text fields and checkboxes prefilled by label), or, when extra
//! documents come along, composite templates: the server template, then an inline template
//! holding the documents, each restating the roles.

use std::collections::HashSet;

use serde::Serialize;

use super::custom_fields::CustomFields;
use super::envelope::{Notification, documents_then, notification};
use super::fields::{check_client_user_id, check_email, check_text};
use super::recipients::RecipientKind;
use super::send::submit;
use super::tabs::{MAX_LABEL_CHARS, MAX_VALUE_CHARS};
use super::validate::{
    self, MAX_BODY_CHARS, MAX_NAME_CHARS, MAX_RECIPIENTS, MAX_SIGNING_ORDER, MAX_SUBJECT_CHARS,
};
use super::{Document, Expiration, Reminders, SentEnvelope};
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::Host;
use crate::ids::is_guid;
use crate::request::BodyPart;

/// Id of the first extra document: far above a template's own document ids, which it must not
/// repeat.
pub const FIRST_EXTRA_DOCUMENT_ID: usize = 1001;

/// A person given one of a template's roles (WIT `template-role`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateRole {
    /// Role name in the template.
    pub role_name: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Routing order; the template's when none.
    pub routing_order: Option<u32>,
    /// Embedded signer's client user id.
    pub client_user_id: Option<String>,
    /// Text fields to prefill: (label, value).
    pub text_values: Vec<(String, String)>,
    /// Checkboxes to set: (label, checked).
    pub checkbox_values: Vec<(String, bool)>,
    /// What the template makes this role (signer when none); read with extra documents.
    pub kind: Option<RecipientKind>,
}

/// Inputs of "send from a template" (WIT `template-send-request`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateSendRequest {
    /// Template GUID.
    pub template_id: String,
    /// The roles to fill.
    pub roles: Vec<TemplateRole>,
    /// Documents added after the template's.
    pub documents: Vec<Document>,
    /// E-mail subject (the template's when none).
    pub email_subject: Option<String>,
    /// E-mail body (the template's when none).
    pub email_body: Option<String>,
    /// Expiration (the template's when none).
    pub expiration: Option<Expiration>,
    /// Reminders (the template's when none).
    pub reminders: Option<Reminders>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TextTab<'a> {
    tab_label: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckboxTab<'a> {
    tab_label: &'a str,
    /// Checkboxes take `selected`, not `value`.
    selected: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrefillTabs<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    text_tabs: Vec<TextTab<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checkbox_tabs: Vec<CheckboxTab<'a>>,
}

/// A role as `templateRoles` (no `recipientId`) or inside a composite's recipients (with one).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Role<'a> {
    role_name: &'a str,
    name: &'a str,
    email: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    routing_order: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tabs: Option<PrefillTabs<'a>>,
}

/// The envelope-wide members, beside the template part.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    template_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_roles: Option<Vec<Role<'a>>>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_blurb: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notification: Option<Notification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_fields: Option<&'a CustomFields>,
}

fn role<'a>(r: &'a TemplateRole, recipient_id: Option<usize>) -> Role<'a> {
    let tabs = (!r.text_values.is_empty() || !r.checkbox_values.is_empty()).then(|| PrefillTabs {
        text_tabs: r
            .text_values
            .iter()
            .map(|(tab_label, value)| TextTab { tab_label, value })
            .collect(),
        checkbox_tabs: r
            .checkbox_values
            .iter()
            .map(|(tab_label, on)| CheckboxTab {
                tab_label,
                selected: if *on { "true" } else { "false" },
            })
            .collect(),
    });
    Role {
        role_name: &r.role_name,
        name: &r.name,
        email: &r.email,
        recipient_id: recipient_id.map(|n| n.to_string()),
        routing_order: r.routing_order.map(|n| n.to_string()),
        client_user_id: r.client_user_id.as_deref(),
        tabs,
    }
}

/// The roles as a `recipients` object: each in the array of its kind.
fn recipients(roles: &[TemplateRole]) -> serde_json::Map<String, serde_json::Value> {
    let mut lists = serde_json::Map::new();
    for (i, r) in roles.iter().enumerate() {
        let kind = r.kind.unwrap_or(RecipientKind::Signer);
        let entry = serde_json::to_value(role(r, Some(i + 1))).unwrap_or_default();
        if let serde_json::Value::Array(list) = lists
            .entry(kind.list_name())
            .or_insert_with(|| serde_json::Value::Array(Vec::new()))
        {
            list.push(entry);
        }
    }
    lists
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| ConnectorError::invalid("template-send-request", e.to_string()))
}

/// The JSON body for a validated `req` with the envelope's `custom_fields`.
pub fn create_body(
    mut req: TemplateSendRequest,
    custom_fields: Option<&CustomFields>,
) -> Result<Vec<BodyPart>> {
    let documents = std::mem::take(&mut req.documents);
    let mut envelope = Envelope {
        template_id: None,
        template_roles: None,
        status: "sent",
        email_subject: req.email_subject.as_deref(),
        email_blurb: req.email_body.as_deref(),
        notification: notification(req.expiration, req.reminders),
        custom_fields,
    };
    if documents.is_empty() {
        envelope.template_id = Some(&req.template_id);
        envelope.template_roles = Some(req.roles.iter().map(|r| role(r, None)).collect());
        return Ok(vec![BodyPart::Bytes(to_json(&envelope)?)]);
    }
    let recipients = recipients(&req.roles);
    let server = serde_json::json!({
        "compositeTemplateId": "1",
        "serverTemplates": [{"sequence": "1", "templateId": req.template_id}],
        "inlineTemplates": [{"sequence": "2", "recipients": recipients}],
    });
    let inline = serde_json::json!({"sequence": "1", "recipients": recipients});
    // {"compositeTemplates":[<server>,{"compositeTemplateId":"2","inlineTemplates":[{"documents":[…],<inline>}]}],<envelope>
    let mut prefix = b"{\"compositeTemplates\":[".to_vec();
    prefix.extend_from_slice(&to_json(&server)?);
    prefix.extend_from_slice(b",{\"compositeTemplateId\":\"2\",\"inlineTemplates\":[{");
    let mut parts = documents_then(
        documents,
        FIRST_EXTRA_DOCUMENT_ID,
        &prefix,
        &to_json(&inline)?,
    )?;
    if let Some(BodyPart::Bytes(tail)) = parts.last_mut() {
        tail.extend_from_slice(b"]}],");
        tail.extend_from_slice(&to_json(&envelope)?[1..]);
    }
    Ok(parts)
}

/// Trim what people paste with stray spaces.
fn normalize(req: &mut TemplateSendRequest) {
    let trim = |s: &mut String| {
        if s.trim().len() != s.len() {
            *s = s.trim().to_owned();
        }
    };
    trim(&mut req.template_id);
    for r in &mut req.roles {
        trim(&mut r.role_name);
        trim(&mut r.name);
        trim(&mut r.email);
    }
    if let Some(s) = &mut req.email_subject {
        trim(s);
    }
    if let Some(k) = &mut req.idempotency_key {
        trim(k);
    }
}

/// Check a template send; the first problem is reported, named as the contract spells it.
pub fn validate(req: &TemplateSendRequest) -> Result<()> {
    if !is_guid(&req.template_id) {
        return Err(ConnectorError::invalid(
            "template-id",
            format!(
                "{:?} is not a template id (a GUID, shown in DocuSign under Templates > the template > Template ID)",
                req.template_id
            ),
        ));
    }
    if req.roles.is_empty() {
        return Err(ConnectorError::invalid(
            "roles",
            "fill at least one of the template's roles",
        ));
    }
    if req.roles.len() > MAX_RECIPIENTS {
        return Err(ConnectorError::invalid(
            "roles",
            format!(
                "{} roles; DocuSign allows at most {MAX_RECIPIENTS} recipients",
                req.roles.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    for (i, r) in req.roles.iter().enumerate() {
        let f = |name: &str| format!("roles[{i}].{name}");
        check_text(&f("role-name"), &r.role_name, MAX_NAME_CHARS, true)?;
        if !seen.insert(r.role_name.as_str()) {
            return Err(ConnectorError::invalid(
                &f("role-name"),
                format!("role {:?} is filled twice", r.role_name),
            ));
        }
        check_text(&f("name"), &r.name, MAX_NAME_CHARS, true)?;
        check_email(&f("email"), &r.email)?;
        if let Some(n) = r
            .routing_order
            .filter(|n| !(1..=MAX_SIGNING_ORDER).contains(n))
        {
            return Err(ConnectorError::invalid(
                &f("routing-order"),
                format!("{n} is outside 1..={MAX_SIGNING_ORDER}"),
            ));
        }
        if let Some(id) = &r.client_user_id {
            check_client_user_id(&f("client-user-id"), id)?;
        }
        for (j, (label, value)) in r.text_values.iter().enumerate() {
            check_text(
                &f(&format!("text-values[{j}].label")),
                label,
                MAX_LABEL_CHARS,
                true,
            )?;
            check_text(
                &f(&format!("text-values[{j}].value")),
                value,
                MAX_VALUE_CHARS,
                false,
            )?;
        }
        for (j, (label, _)) in r.checkbox_values.iter().enumerate() {
            check_text(
                &f(&format!("checkbox-values[{j}].label")),
                label,
                MAX_LABEL_CHARS,
                true,
            )?;
        }
    }
    validate::documents_within_limits(&req.documents)?;
    if let Some(subject) = &req.email_subject {
        check_text("email-subject", subject, MAX_SUBJECT_CHARS, true)?;
    }
    if let Some(body) = &req.email_body {
        check_text("email-body", body, MAX_BODY_CHARS, false)?;
    }
    validate::notification(req.expiration, req.reminders)?;
    if let Some(key) = &req.idempotency_key {
        validate::idempotency_key(key)?;
    }
    Ok(())
}

/// Send `req`; see the module docs.
pub fn send_from_template(
    host: &dyn Host,
    config: &Config,
    mut req: TemplateSendRequest,
) -> Result<SentEnvelope> {
    normalize(&mut req);
    validate(&req)?;
    let key = req.idempotency_key.clone();
    let documents = req.documents.len();
    submit(host, config, key.as_deref(), documents, |fields| {
        create_body(req, fields)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{HttpRequest, Method};
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde_json::{Value, json};

    const TEMPLATE: &str = "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    fn body(req: TemplateSendRequest) -> Value {
        let mut request = HttpRequest::new(Method::Post, "https://demo.docusign.net/x");
        request.body_parts = create_body(req, None).unwrap();
        serde_json::from_slice(&request.assembled_body()).unwrap()
    }

    fn request() -> TemplateSendRequest {
        TemplateSendRequest {
            template_id: TEMPLATE.into(),
            roles: vec![
                TemplateRole {
                    role_name: "signer".into(),
                    name: "Ann Lee".into(),
                    email: "ann@example.com".into(),
                    routing_order: Some(1),
                    client_user_id: Some("1000".into()),
                    text_values: vec![("text".into(), "Jabberwocky!".into())],
                    checkbox_values: vec![("ckAuthorization".into(), true)],
                    kind: None,
                },
                TemplateRole {
                    role_name: "cc".into(),
                    name: "Bo Li".into(),
                    email: "bo@example.com".into(),
                    kind: Some(RecipientKind::CarbonCopy),
                    ..TemplateRole::default()
                },
            ],
            email_subject: Some("Please sign".into()),
            ..TemplateSendRequest::default()
        }
    }

    #[test]
    fn roles_fill_the_template() {
        assert_eq!(
            body(request()),
            json!({
                "templateId": TEMPLATE,
                "templateRoles": [
                    {"roleName": "signer", "name": "Ann Lee", "email": "ann@example.com",
                     "routingOrder": "1", "clientUserId": "1000",
                     "tabs": {"textTabs": [{"tabLabel": "text", "value": "Jabberwocky!"}],
                              "checkboxTabs": [{"tabLabel": "ckAuthorization", "selected": "true"}]}},
                    {"roleName": "cc", "name": "Bo Li", "email": "bo@example.com"}
                ],
                "status": "sent",
                "emailSubject": "Please sign"
            })
        );
    }

    #[test]
    fn extra_documents_make_composite_templates() {
        let mut req = request();
        req.roles[0].text_values.clear();
        req.roles[0].checkbox_values.clear();
        req.documents = vec![Document {
            name: "Appendix.pdf".into(),
            content: b"%PDF appendix".to_vec(),
        }];
        req.reminders = Some(Reminders {
            enabled: true,
            first_reminder_days: Some(2),
            interval_days: None,
        });
        let recipients = json!({
            "signers": [{"roleName": "signer", "name": "Ann Lee", "email": "ann@example.com",
                         "recipientId": "1", "routingOrder": "1", "clientUserId": "1000"}],
            "carbonCopies": [{"roleName": "cc", "name": "Bo Li", "email": "bo@example.com",
                              "recipientId": "2"}]
        });
        assert_eq!(
            body(req),
            json!({
                "compositeTemplates": [
                    {"compositeTemplateId": "1",
                     "serverTemplates": [{"sequence": "1", "templateId": TEMPLATE}],
                     "inlineTemplates": [{"sequence": "2", "recipients": recipients}]},
                    {"compositeTemplateId": "2",
                     "inlineTemplates": [{"sequence": "1", "recipients": recipients,
                        "documents": [{"documentId": "1001", "name": "Appendix.pdf", "fileExtension": "pdf",
                                       "documentBase64": STANDARD.encode(b"%PDF appendix")}]}]}
                ],
                "status": "sent",
                "emailSubject": "Please sign",
                "notification": {"useAccountDefaults": "false",
                                 "reminders": {"reminderEnabled": "true", "reminderDelay": "2"}}
            })
        );
    }

    #[test]
    fn bad_inputs_are_named() {
        let field_of = |req: TemplateSendRequest| match validate(&req) {
            Err(ConnectorError::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        validate(&request()).unwrap();
        let mut r = request();
        r.template_id = "my template".into();
        assert_eq!(field_of(r), "template-id");
        let mut r = request();
        r.roles.clear();
        assert_eq!(field_of(r), "roles");
        let mut r = request();
        r.roles[1].role_name = "signer".into();
        assert_eq!(field_of(r), "roles[1].role-name");
        let mut r = request();
        r.roles[1].email = "bo@".into();
        assert_eq!(field_of(r), "roles[1].email");
        let mut r = request();
        r.roles[0].routing_order = Some(0);
        assert_eq!(field_of(r), "roles[0].routing-order");
        let mut r = request();
        r.roles[0].text_values.push((" ".into(), "x".into()));
        assert_eq!(field_of(r), "roles[0].text-values[1].label");
        let mut r = request();
        r.documents = vec![Document {
            name: "notes".into(),
            content: b"x".to_vec(),
        }];
        assert_eq!(field_of(r), "documents[0].name");
        let mut r = request();
        r.email_subject = Some(String::new());
        assert_eq!(field_of(r), "email-subject");
        let mut r = request();
        r.idempotency_key = Some("a=b".into());
        assert_eq!(field_of(r), "idempotency-key");
    }
}

//! Service-task inputs: one serde struct per action (snake_case JSON, unknown fields refused),
//! each turned into the WIT request it stands for. Errors name the offending field.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::InvokeError;
use super::sending::{FieldInput, signer_fields};
use crate::bindings::commands::{
    ConsentKind, ConsentRequest, EventType, FetchRequest, GetEventsRequest,
};
use crate::bindings::signing::{Document, Expiration, Reminders, SendRequest};

/// Default `limit` of `get-events`.
pub const DEFAULT_GET_LIMIT: u32 = 10;
/// Default `max_customer_events` of `fetch-events`.
pub const DEFAULT_MAX_CUSTOMER_EVENTS: u32 = 2000;
/// Default `max_audit_users` of `fetch-events` (Cortex's bound).
pub const DEFAULT_MAX_AUDIT_USERS: u32 = 1250;
/// Default `max_envelope_changes` of `fetch-events`.
pub const DEFAULT_MAX_ENVELOPE_CHANGES: u32 = 1000;

/// Where `path` document inputs may be read from; `None` disallows them.
#[derive(Debug, Clone, Copy, Default)]
pub struct InputFiles<'a> {
    /// Base directory of relative paths.
    pub base_dir: Option<&'a Path>,
    /// Only files inside `base_dir` (relative paths without `..`, symbolic links resolved):
    /// for inputs from callers who may not read the host's other files (a worker's).
    pub confined: bool,
}

/// Deserialize an action's input; errors name the offending field by its path
/// (`expiration.validity_days`, `documents[0].name`) or the unknown/missing field.
pub(super) fn parse<T: DeserializeOwned>(input: Value) -> Result<T, InvokeError> {
    serde_path_to_error::deserialize(input).map_err(|e| {
        let path = e.path().to_string();
        let text = e.inner().to_string();
        // Unknown or missing fields are named by serde itself, between backticks.
        let named = text.split('`').nth(1).filter(|_| text.contains("field"));
        let field = match (path.as_str(), named) {
            (".", Some(name)) => name.to_owned(),
            (".", None) => "input".to_owned(),
            (path, Some(name)) if text.contains("missing field") => format!("{path}.{name}"),
            (path, _) => path.to_owned(),
        };
        InvokeError::input(&field, text)
    })
}

/// The input of an action that takes none: `{}` (or `null`).
pub(super) fn no_fields(input: &Value) -> Result<(), InvokeError> {
    match input.as_object() {
        Some(map) if map.is_empty() => Ok(()),
        Some(map) => Err(InvokeError::input(
            map.keys().next().map(String::as_str).unwrap_or("input"),
            "this action takes no input",
        )),
        None => Err(InvokeError::input("input", "expected a JSON object")),
    }
}

fn event_type(name: &str, field: &str) -> Result<EventType, InvokeError> {
    EventType::parse(name).ok_or_else(|| {
        InvokeError::input(
            field,
            format!(
                "unknown event type {name:?}; use customer-events, audit-users or envelope-changes"
            ),
        )
    })
}

fn event_types(names: &[String], field: &str) -> Result<Vec<EventType>, InvokeError> {
    names.iter().map(|n| event_type(n, field)).collect()
}

/// `generate-consent-url`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConsentInput {
    kind: Option<String>,
    #[serde(default)]
    event_types: Vec<String>,
    state: Option<String>,
}

impl ConsentInput {
    pub(super) fn into_request(self) -> Result<ConsentRequest, InvokeError> {
        let kind = self.kind.as_deref().unwrap_or("individual");
        Ok(ConsentRequest {
            kind: ConsentKind::parse(kind).ok_or_else(|| {
                InvokeError::input("kind", format!("{kind:?} is not individual or admin"))
            })?,
            event_types: event_types(&self.event_types, "event_types")?,
            state: self.state,
        })
    }
}

/// `get-events`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GetEventsInput {
    event_type: String,
    limit: Option<u32>,
    since: Option<String>,
}

impl GetEventsInput {
    pub(super) fn into_request(self) -> Result<GetEventsRequest, InvokeError> {
        Ok(GetEventsRequest {
            event_type: event_type(&self.event_type, "event_type")?,
            limit: self.limit.unwrap_or(DEFAULT_GET_LIMIT),
            since: self.since,
        })
    }
}

/// `fetch-events`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchInput {
    /// Streams to read (`customer-events`, `audit-users`, `envelope-changes`).
    pub event_types: Vec<String>,
    /// Customer events per fetch.
    pub max_customer_events: Option<u32>,
    /// Audit users per fetch.
    pub max_audit_users: Option<u32>,
    /// Envelope changes per fetch.
    pub max_envelope_changes: Option<u32>,
    /// Start of the first fetch.
    pub first_fetch: Option<String>,
}

impl FetchInput {
    /// The WIT request.
    pub fn into_request(self) -> Result<FetchRequest, InvokeError> {
        Ok(FetchRequest {
            event_types: event_types(&self.event_types, "event_types")?,
            max_customer_events: self
                .max_customer_events
                .unwrap_or(DEFAULT_MAX_CUSTOMER_EVENTS),
            max_audit_users: self.max_audit_users.unwrap_or(DEFAULT_MAX_AUDIT_USERS),
            max_envelope_changes: self
                .max_envelope_changes
                .unwrap_or(DEFAULT_MAX_ENVELOPE_CHANGES),
            first_fetch: self.first_fetch,
        })
    }
}

/// `fetch-envelope-changes`: `fetch-events` of the `envelope-changes` stream alone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChangesInput {
    max_envelope_changes: Option<u32>,
    first_fetch: Option<String>,
}

impl ChangesInput {
    pub(super) fn into_request(self) -> Result<FetchRequest, InvokeError> {
        FetchInput {
            event_types: vec![EventType::EnvelopeChanges.as_str().to_owned()],
            max_customer_events: None,
            max_audit_users: None,
            max_envelope_changes: self.max_envelope_changes,
            first_fetch: self.first_fetch,
        }
        .into_request()
    }
}

/// `commit-fetch`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CommitInput {
    pub(super) checkpoint: String,
}

/// `get-envelope-status`, `get-signed-documents`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EnvelopeInput {
    pub(super) envelope_id: String,
}

/// `void-envelope`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VoidInput {
    pub(super) envelope_id: String,
    pub(super) reason: String,
}

/// A document: `content_base64` or `path`, and a name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DocumentInput {
    name: Option<String>,
    content_base64: Option<String>,
    path: Option<String>,
}

/// `expiration`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExpirationInput {
    #[serde(default = "yes")]
    enabled: bool,
    validity_days: Option<u32>,
    warning_days: Option<u32>,
}

impl From<ExpirationInput> for Expiration {
    fn from(e: ExpirationInput) -> Self {
        Self {
            enabled: e.enabled,
            validity_days: e.validity_days,
            warning_days: e.warning_days,
        }
    }
}

/// `reminders`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RemindersInput {
    #[serde(default = "yes")]
    enabled: bool,
    first_reminder_days: Option<u32>,
    interval_days: Option<u32>,
}

impl From<RemindersInput> for Reminders {
    fn from(r: RemindersInput) -> Self {
        Self {
            enabled: r.enabled,
            first_reminder_days: r.first_reminder_days,
            interval_days: r.interval_days,
        }
    }
}

fn yes() -> bool {
    true
}

/// `send-for-signature`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SendInput {
    signer_emails: Vec<String>,
    signer_names: Vec<String>,
    documents: Vec<DocumentInput>,
    email_subject: String,
    email_body: Option<String>,
    #[serde(default)]
    cc_emails: Vec<String>,
    #[serde(default)]
    cc_names: Vec<String>,
    #[serde(default)]
    signing_order: Vec<Option<u32>>,
    expiration: Option<ExpirationInput>,
    reminders: Option<RemindersInput>,
    idempotency_key: Option<String>,
    #[serde(default)]
    signer_fields: Vec<Vec<FieldInput>>,
    #[serde(default)]
    signer_client_user_ids: Vec<Option<String>>,
}

impl SendInput {
    pub(super) fn into_request(self, files: InputFiles<'_>) -> Result<SendRequest, InvokeError> {
        let documents = documents(self.documents, files)?;
        Ok(SendRequest {
            signer_emails: self.signer_emails,
            signer_names: self.signer_names,
            documents,
            email_subject: self.email_subject,
            email_body: self.email_body,
            cc_emails: self.cc_emails,
            cc_names: self.cc_names,
            signing_order: self.signing_order,
            expiration: self.expiration.map(Into::into),
            reminders: self.reminders.map(Into::into),
            idempotency_key: self.idempotency_key,
            signer_fields: signer_fields(self.signer_fields)?,
            signer_client_user_ids: self.signer_client_user_ids,
        })
    }
}

/// `documents`, each read as [`DocumentInput::into_document`] does.
pub(super) fn documents(
    inputs: Vec<DocumentInput>,
    files: InputFiles<'_>,
) -> Result<Vec<Document>, InvokeError> {
    inputs
        .into_iter()
        .enumerate()
        .map(|(n, d)| d.into_document(&format!("documents[{n}]"), files))
        .collect()
}

impl DocumentInput {
    /// The document, its content decoded or read from `path` (relative to the input file).
    fn into_document(self, field: &str, files: InputFiles<'_>) -> Result<Document, InvokeError> {
        let (content, default_name) = match (self.content_base64, self.path) {
            (Some(b64), None) => (
                STANDARD.decode(b64.trim()).map_err(|e| {
                    InvokeError::input(
                        &format!("{field}.content_base64"),
                        format!("not base64: {e}"),
                    )
                })?,
                None,
            ),
            (None, Some(path)) => {
                let Some(base) = files.base_dir else {
                    return Err(InvokeError::input(
                        &format!("{field}.path"),
                        "file paths are not allowed here; use content_base64",
                    ));
                };
                let full = base.join(&path);
                if files.confined {
                    confine(base, &path, &full)
                        .map_err(|m| InvokeError::input(&format!("{field}.path"), m))?;
                }
                let bytes = std::fs::read(&full).map_err(|e| {
                    InvokeError::input(
                        &format!("{field}.path"),
                        format!("reading {}: {e}", full.display()),
                    )
                })?;
                (
                    bytes,
                    full.file_name().map(|n| n.to_string_lossy().into_owned()),
                )
            }
            _ => {
                return Err(InvokeError::input(
                    field,
                    "give exactly one of content_base64 and path",
                ));
            }
        };
        let name = self
            .name
            .or(default_name)
            .ok_or_else(|| InvokeError::input(&format!("{field}.name"), "is required"))?;
        Ok(Document { name, content })
    }
}

/// `full` (`base` joined with `path`) when it is a file inside `base`.
fn confine(base: &Path, path: &str, full: &Path) -> Result<(), String> {
    use std::path::Component;
    let plain = Path::new(path)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !plain {
        return Err(format!(
            "{path:?} must be relative to the documents directory, without `..`"
        ));
    }
    let inside = match (base.canonicalize(), full.canonicalize()) {
        (Ok(base), Ok(full)) => full.starts_with(base),
        (_, Err(e)) => return Err(format!("reading {path:?}: {e}")),
        (Err(e), _) => return Err(format!("the documents directory: {e}")),
    };
    if inside {
        Ok(())
    } else {
        Err(format!("{path:?} leads outside the documents directory"))
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn days() -> impl Strategy<Value = Option<u32>> {
        prop::option::of(0u32..2000)
    }

    proptest! {
        /// Service-task JSON for a send maps field by field onto the WIT request.
        #[test]
        fn send_input_maps_onto_the_wit_record(
            emails in prop::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.com", 1..5),
            names in prop::collection::vec("\\PC{0,20}", 1..5),
            docs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 1..4),
            order in prop::collection::vec(prop::option::of(0u32..1000), 0..5),
            subject in "\\PC{0,30}",
            exp in (any::<bool>(), days(), days()),
            rem in (any::<bool>(), days(), days()),
            key in prop::option::of("[a-z0-9-]{1,20}"),
        ) {
            let input = json!({
                "signer_emails": emails, "signer_names": names,
                "documents": docs.iter().enumerate().map(|(i, d)| json!({"name": format!("d{i}.pdf"), "content_base64": STANDARD.encode(d)})).collect::<Vec<_>>(),
                "email_subject": subject, "signing_order": order,
                "expiration": {"enabled": exp.0, "validity_days": exp.1, "warning_days": exp.2},
                "reminders": {"enabled": rem.0, "first_reminder_days": rem.1, "interval_days": rem.2},
                "idempotency_key": key,
            });
            let req = parse::<SendInput>(input).unwrap().into_request(InputFiles::default()).unwrap();
            prop_assert_eq!(&req.signer_emails, &emails);
            prop_assert_eq!(&req.signer_names, &names);
            prop_assert_eq!(req.documents.iter().map(|d| d.content.clone()).collect::<Vec<_>>(), docs);
            prop_assert_eq!(&req.email_subject, &subject);
            prop_assert_eq!(&req.signing_order, &order);
            let e = req.expiration.unwrap();
            prop_assert_eq!((e.enabled, e.validity_days, e.warning_days), exp);
            let r = req.reminders.unwrap();
            prop_assert_eq!((r.enabled, r.first_reminder_days, r.interval_days), rem);
            prop_assert_eq!(req.idempotency_key, key);
        }
    }
}

#[cfg(test)]
mod confinement {
    use super::*;

    fn read(base: &Path, path: &str, confined: bool) -> Result<Document, InvokeError> {
        let doc = DocumentInput {
            name: None,
            content_base64: None,
            path: Some(path.to_owned()),
        };
        doc.into_document(
            "documents[0]",
            InputFiles {
                base_dir: Some(base),
                confined,
            },
        )
    }

    #[test]
    fn confined_inputs_read_only_files_inside_the_directory() {
        let root = std::env::temp_dir().join(format!("docusign-confine-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let docs = root.join("docs");
        std::fs::create_dir_all(docs.join("sub")).unwrap();
        std::fs::write(docs.join("sub/a.pdf"), b"inside").unwrap();
        std::fs::write(root.join("secret.pem"), b"outside").unwrap();
        std::os::unix::fs::symlink(root.join("secret.pem"), docs.join("link.pdf")).unwrap();

        assert_eq!(read(&docs, "sub/a.pdf", true).unwrap().content, b"inside");
        assert_eq!(read(&docs, "./sub/a.pdf", true).unwrap().content, b"inside");
        let secret = root.join("secret.pem").display().to_string();
        for escape in [
            "../secret.pem",
            secret.as_str(),
            "link.pdf",
            "sub/../../secret.pem",
        ] {
            let e = read(&docs, escape, true).unwrap_err();
            assert_eq!(e.kind(), "invalid-input", "{escape}");
            assert!(e.to_string().contains("documents[0].path"), "{e}");
        }
        // The CLI (unconfined) reads where its user points.
        assert_eq!(
            read(&docs, "../secret.pem", false).unwrap().content,
            b"outside"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}

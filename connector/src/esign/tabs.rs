//! Signature placement: the fields ("tabs") a signer fills in, anchored to text in the documents
//! or at a point of a page, checked and written as DocuSign's `tabs` object of a signer.

use serde::Serialize;

use super::fields::check_text;
use crate::error::{ConnectorError, Result};

/// Longest anchor text.
pub const MAX_ANCHOR_CHARS: usize = 100;
/// Longest field label (`tabLabel`).
pub const MAX_LABEL_CHARS: usize = 500;
/// Longest prefilled value of a text field.
pub const MAX_VALUE_CHARS: usize = 4_000;
/// Largest anchor offset, in any unit.
pub const MAX_OFFSET: f64 = 10_000.0;
/// Largest page coordinate, in points (a page of 138 inches).
pub const MAX_COORDINATE: u32 = 10_000;
/// Most fields for one signer.
pub const MAX_FIELDS_PER_SIGNER: usize = 100;

/// Units of anchor offsets (WIT `anchor-units`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorUnits {
    /// `pixels`
    Pixels,
    /// `inches`
    Inches,
    /// `mms`
    Millimeters,
    /// `cms`
    Centimeters,
}

impl AnchorUnits {
    /// DocuSign's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pixels => "pixels",
            Self::Inches => "inches",
            Self::Millimeters => "mms",
            Self::Centimeters => "cms",
        }
    }
}

/// A field at every occurrence of a text (WIT `anchor`).
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    /// Text to find.
    pub text: String,
    /// Horizontal offset.
    pub x_offset: f64,
    /// Vertical offset.
    pub y_offset: f64,
    /// Offset units.
    pub units: AnchorUnits,
    /// Skip when absent.
    pub ignore_if_not_present: bool,
    /// Match case.
    pub case_sensitive: bool,
    /// Whole words only.
    pub match_whole_word: bool,
}

/// A fixed point of a page (WIT `page-position`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagePosition {
    /// Document, 1-based.
    pub document: u32,
    /// Page, 1-based.
    pub page: u32,
    /// Points from the left.
    pub x: u32,
    /// Points from the top.
    pub y: u32,
}

/// Where a field goes (WIT `field-placement`).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldPlacement {
    /// At every occurrence of a text.
    Anchor(Anchor),
    /// At a fixed point.
    Position(PagePosition),
}

/// What the signer does at a field (WIT `field-kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Sign.
    SignHere,
    /// Initial.
    InitialHere,
    /// Date stamped on signing.
    DateSigned,
    /// Type text.
    Text,
}

/// A field a signer fills in (WIT `signing-field`).
#[derive(Debug, Clone, PartialEq)]
pub struct SigningField {
    /// Kind.
    pub kind: FieldKind,
    /// Placement.
    pub placement: FieldPlacement,
    /// Label.
    pub label: Option<String>,
    /// Text fields: prefilled value.
    pub value: Option<String>,
    /// May be left empty.
    pub optional: bool,
    /// Text fields: value cannot be changed.
    pub locked: bool,
}

/// One tab as DocuSign reads it (numbers and flags are strings in its API).
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Tab<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor_string: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor_units: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor_x_offset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor_y_offset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor_ignore_if_not_present: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor_case_sensitive: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor_match_whole_word: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    document_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x_position: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    y_position: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tab_label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    optional: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    required: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locked: Option<&'static str>,
}

/// A signer's `tabs` object.
#[derive(Serialize, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Tabs<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sign_here_tabs: Vec<Tab<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    initial_here_tabs: Vec<Tab<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    date_signed_tabs: Vec<Tab<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    text_tabs: Vec<Tab<'a>>,
}

fn flag(on: bool) -> &'static str {
    if on { "true" } else { "false" }
}

fn tab(field: &SigningField) -> Tab<'_> {
    let mut tab = Tab {
        anchor_string: None,
        anchor_units: None,
        anchor_x_offset: None,
        anchor_y_offset: None,
        anchor_ignore_if_not_present: None,
        anchor_case_sensitive: None,
        anchor_match_whole_word: None,
        document_id: None,
        page_number: None,
        x_position: None,
        y_position: None,
        tab_label: field.label.as_deref(),
        value: field.value.as_deref(),
        optional: None,
        required: None,
        locked: None,
    };
    match &field.placement {
        FieldPlacement::Anchor(a) => {
            tab.anchor_string = Some(&a.text);
            tab.anchor_units = Some(a.units.as_str());
            tab.anchor_x_offset = Some(a.x_offset.to_string());
            tab.anchor_y_offset = Some(a.y_offset.to_string());
            tab.anchor_ignore_if_not_present = Some(flag(a.ignore_if_not_present));
            tab.anchor_case_sensitive = Some(flag(a.case_sensitive));
            tab.anchor_match_whole_word = Some(flag(a.match_whole_word));
        }
        FieldPlacement::Position(p) => {
            tab.document_id = Some(p.document.to_string());
            tab.page_number = Some(p.page.to_string());
            tab.x_position = Some(p.x.to_string());
            tab.y_position = Some(p.y.to_string());
        }
    }
    match field.kind {
        // Signatures and initials are optional through `optional`, text through `required`.
        FieldKind::SignHere | FieldKind::InitialHere if field.optional => {
            tab.optional = Some("true")
        }
        FieldKind::Text => {
            tab.required = Some(flag(!field.optional));
            tab.locked = field.locked.then_some("true");
        }
        _ => {}
    }
    tab
}

/// The `tabs` object for `fields` (`None` for a free-form signer).
pub fn to_tabs(fields: &[SigningField]) -> Option<Tabs<'_>> {
    if fields.is_empty() {
        return None;
    }
    let mut tabs = Tabs::default();
    for f in fields {
        let list = match f.kind {
            FieldKind::SignHere => &mut tabs.sign_here_tabs,
            FieldKind::InitialHere => &mut tabs.initial_here_tabs,
            FieldKind::DateSigned => &mut tabs.date_signed_tabs,
            FieldKind::Text => &mut tabs.text_tabs,
        };
        list.push(tab(f));
    }
    Some(tabs)
}

/// Check the fields of one signer (`field` names them, e.g. `signer-fields[0]`) against a
/// request with `documents` documents.
pub fn check_fields(field: &str, fields: &[SigningField], documents: usize) -> Result<()> {
    if fields.len() > MAX_FIELDS_PER_SIGNER {
        return Err(ConnectorError::invalid(
            field,
            format!(
                "{} fields; at most {MAX_FIELDS_PER_SIGNER} per signer",
                fields.len()
            ),
        ));
    }
    for (i, f) in fields.iter().enumerate() {
        check_field(&format!("{field}[{i}]"), f, documents)?;
    }
    Ok(())
}

fn check_field(field: &str, f: &SigningField, documents: usize) -> Result<()> {
    let invalid = |sub: &str, message: String| {
        Err(ConnectorError::invalid(&format!("{field}.{sub}"), message))
    };
    match &f.placement {
        FieldPlacement::Anchor(a) => {
            check_text(
                &format!("{field}.placement.anchor.text"),
                &a.text,
                MAX_ANCHOR_CHARS,
                true,
            )?;
            for (name, v) in [("x-offset", a.x_offset), ("y-offset", a.y_offset)] {
                if !v.is_finite() || v.abs() > MAX_OFFSET {
                    return invalid(
                        &format!("placement.anchor.{name}"),
                        format!("{v} is not a number within ±{MAX_OFFSET}"),
                    );
                }
            }
        }
        FieldPlacement::Position(p) => {
            if p.document == 0 || p.document as usize > documents {
                return invalid(
                    "placement.position.document",
                    format!(
                        "document {} does not exist; the request has {documents} (counted from 1)",
                        p.document
                    ),
                );
            }
            if p.page == 0 {
                return invalid(
                    "placement.position.page",
                    "pages are counted from 1".to_owned(),
                );
            }
            for (name, v) in [("x", p.x), ("y", p.y)] {
                if v > MAX_COORDINATE {
                    return invalid(
                        &format!("placement.position.{name}"),
                        format!("{v} points is off the page (at most {MAX_COORDINATE})"),
                    );
                }
            }
        }
    }
    if let Some(label) = &f.label {
        check_text(&format!("{field}.label"), label, MAX_LABEL_CHARS, true)?;
    }
    let is_text = f.kind == FieldKind::Text;
    match &f.value {
        Some(_) if !is_text => {
            return invalid("value", "only text fields take a value".to_owned());
        }
        Some(v) => check_text(&format!("{field}.value"), v, MAX_VALUE_CHARS, false)?,
        None => {}
    }
    if f.locked && !is_text {
        return invalid("locked", "only text fields can be locked".to_owned());
    }
    if f.locked && f.value.is_none() {
        return invalid(
            "locked",
            "a locked text field needs a value (the signer could not fill it)".to_owned(),
        );
    }
    if f.optional && f.kind == FieldKind::DateSigned {
        return invalid(
            "optional",
            "the signing date is stamped, not filled in".to_owned(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    pub fn anchored(kind: FieldKind, text: &str) -> SigningField {
        SigningField {
            kind,
            placement: FieldPlacement::Anchor(Anchor {
                text: text.into(),
                x_offset: 20.0,
                y_offset: -0.5,
                units: AnchorUnits::Pixels,
                ignore_if_not_present: false,
                case_sensitive: false,
                match_whole_word: true,
            }),
            label: None,
            value: None,
            optional: false,
            locked: false,
        }
    }

    #[test]
    fn fields_are_written_as_documented_tabs() {
        let fields = vec![
            anchored(FieldKind::SignHere, "/sn1/"),
            SigningField {
                placement: FieldPlacement::Position(PagePosition {
                    document: 1,
                    page: 2,
                    x: 90,
                    y: 720,
                }),
                ..anchored(FieldKind::DateSigned, "")
            },
            SigningField {
                label: Some("po_number".into()),
                value: Some("PO-42".into()),
                locked: true,
                ..anchored(FieldKind::Text, "/po/")
            },
            SigningField {
                optional: true,
                ..anchored(FieldKind::InitialHere, "/in1/")
            },
        ];
        let v: Value = serde_json::to_value(to_tabs(&fields).unwrap()).unwrap();
        let anchor = |text: &str| {
            json!({"anchorString": text, "anchorUnits": "pixels", "anchorXOffset": "20",
                "anchorYOffset": "-0.5", "anchorIgnoreIfNotPresent": "false",
                "anchorCaseSensitive": "false", "anchorMatchWholeWord": "true"})
        };
        let mut text = anchor("/po/");
        text.as_object_mut().unwrap().extend(
            json!({"tabLabel": "po_number", "value": "PO-42", "required": "true", "locked": "true"})
                .as_object()
                .unwrap()
                .clone(),
        );
        let mut initial = anchor("/in1/");
        initial["optional"] = json!("true");
        assert_eq!(
            v,
            json!({
                "signHereTabs": [anchor("/sn1/")],
                "initialHereTabs": [initial],
                "dateSignedTabs": [{"documentId": "1", "pageNumber": "2", "xPosition": "90", "yPosition": "720"}],
                "textTabs": [text]
            })
        );
        assert!(to_tabs(&[]).is_none());
    }

    #[test]
    fn bad_fields_are_named() {
        let field_of = |f: SigningField| match check_fields("signer-fields[1]", &[f], 2) {
            Err(ConnectorError::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        check_fields("f", &[anchored(FieldKind::SignHere, "/s/")], 1).unwrap();
        assert_eq!(
            field_of(anchored(FieldKind::SignHere, " ")),
            "signer-fields[1][0].placement.anchor.text"
        );
        let mut nan = anchored(FieldKind::SignHere, "/s/");
        if let FieldPlacement::Anchor(a) = &mut nan.placement {
            a.y_offset = f64::NAN;
        }
        assert_eq!(
            field_of(nan),
            "signer-fields[1][0].placement.anchor.y-offset"
        );
        let at = |document, page| SigningField {
            placement: FieldPlacement::Position(PagePosition {
                document,
                page,
                x: 0,
                y: 0,
            }),
            ..anchored(FieldKind::SignHere, "")
        };
        check_fields("f", &[at(2, 1)], 2).unwrap();
        assert_eq!(
            field_of(at(3, 1)),
            "signer-fields[1][0].placement.position.document"
        );
        assert_eq!(
            field_of(at(0, 1)),
            "signer-fields[1][0].placement.position.document"
        );
        assert_eq!(
            field_of(at(1, 0)),
            "signer-fields[1][0].placement.position.page"
        );
        assert_eq!(
            field_of(SigningField {
                value: Some("x".into()),
                ..anchored(FieldKind::SignHere, "/s/")
            }),
            "signer-fields[1][0].value"
        );
        assert_eq!(
            field_of(SigningField {
                locked: true,
                ..anchored(FieldKind::Text, "/s/")
            }),
            "signer-fields[1][0].locked"
        );
        assert_eq!(
            field_of(SigningField {
                optional: true,
                ..anchored(FieldKind::DateSigned, "/s/")
            }),
            "signer-fields[1][0].optional"
        );
        assert_eq!(
            field_of(SigningField {
                label: Some("x".repeat(501)),
                ..anchored(FieldKind::Text, "/s/")
            }),
            "signer-fields[1][0].label"
        );
    }
}

//! Conversions of the sending additions of contract 0.5.0: signature placement fields,
//! template sends and embedded signing views (one `From` per pair and direction).

use super::exports::docusign::connector::signing as wit_signing;
use crate::esign::recipients::RecipientKind;
use crate::esign::signing_view::{SigningView, SigningViewRequest};
use crate::esign::tabs::{
    Anchor, AnchorUnits, FieldKind, FieldPlacement, PagePosition, SigningField,
};
use crate::esign::template::{TemplateRole, TemplateSendRequest};

impl From<wit_signing::AnchorUnits> for AnchorUnits {
    fn from(u: wit_signing::AnchorUnits) -> Self {
        use wit_signing::AnchorUnits as W;
        match u {
            W::Pixels => Self::Pixels,
            W::Inches => Self::Inches,
            W::Millimeters => Self::Millimeters,
            W::Centimeters => Self::Centimeters,
        }
    }
}

impl From<wit_signing::FieldKind> for FieldKind {
    fn from(k: wit_signing::FieldKind) -> Self {
        use wit_signing::FieldKind as W;
        match k {
            W::SignHere => Self::SignHere,
            W::InitialHere => Self::InitialHere,
            W::DateSigned => Self::DateSigned,
            W::Text => Self::Text,
        }
    }
}

impl From<wit_signing::FieldPlacement> for FieldPlacement {
    fn from(p: wit_signing::FieldPlacement) -> Self {
        match p {
            wit_signing::FieldPlacement::Anchor(a) => Self::Anchor(Anchor {
                text: a.text,
                x_offset: a.x_offset,
                y_offset: a.y_offset,
                units: a.units.into(),
                ignore_if_not_present: a.ignore_if_not_present,
                case_sensitive: a.case_sensitive,
                match_whole_word: a.match_whole_word,
            }),
            wit_signing::FieldPlacement::Position(p) => Self::Position(PagePosition {
                document: p.document,
                page: p.page,
                x: p.x,
                y: p.y,
            }),
        }
    }
}

impl From<wit_signing::SigningField> for SigningField {
    fn from(f: wit_signing::SigningField) -> Self {
        Self {
            kind: f.kind.into(),
            placement: f.placement.into(),
            label: f.label,
            value: f.value,
            optional: f.optional,
            locked: f.locked,
        }
    }
}

impl From<wit_signing::RecipientKind> for RecipientKind {
    fn from(k: wit_signing::RecipientKind) -> Self {
        use wit_signing::RecipientKind as W;
        match k {
            W::Signer => Self::Signer,
            W::CarbonCopy => Self::CarbonCopy,
            W::CertifiedDelivery => Self::CertifiedDelivery,
            W::Agent => Self::Agent,
            W::Editor => Self::Editor,
            W::Intermediary => Self::Intermediary,
            W::InPersonSigner => Self::InPersonSigner,
            W::Witness => Self::Witness,
            W::Notary => Self::Notary,
            W::Seal => Self::Seal,
        }
    }
}

impl From<wit_signing::TemplateRole> for TemplateRole {
    fn from(r: wit_signing::TemplateRole) -> Self {
        Self {
            role_name: r.role_name,
            name: r.name,
            email: r.email,
            routing_order: r.routing_order,
            client_user_id: r.client_user_id,
            text_values: r.text_values,
            checkbox_values: r.checkbox_values,
            kind: r.kind.map(Into::into),
        }
    }
}

impl From<wit_signing::TemplateSendRequest> for TemplateSendRequest {
    fn from(r: wit_signing::TemplateSendRequest) -> Self {
        Self {
            template_id: r.template_id,
            roles: r.roles.into_iter().map(Into::into).collect(),
            documents: r.documents.into_iter().map(Into::into).collect(),
            email_subject: r.email_subject,
            email_body: r.email_body,
            expiration: r.expiration.map(Into::into),
            reminders: r.reminders.map(Into::into),
            idempotency_key: r.idempotency_key,
        }
    }
}

impl From<wit_signing::SigningViewRequest> for SigningViewRequest {
    fn from(r: wit_signing::SigningViewRequest) -> Self {
        Self {
            return_url: r.return_url,
            user_name: r.user_name,
            email: r.email,
            client_user_id: r.client_user_id,
            recipient_id: r.recipient_id,
            authentication_method: r.authentication_method,
            frame_ancestors: r.frame_ancestors,
            message_origins: r.message_origins,
        }
    }
}

impl From<SigningView> for wit_signing::SigningView {
    fn from(v: SigningView) -> Self {
        Self {
            url: v.url,
            expires_at: v.expires_at.into(),
        }
    }
}

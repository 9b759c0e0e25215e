//! Every conversion of the generated WIT types the host needs, one per pair of types: the names of
//! methods, log levels, event types, consent kinds, envelope and recipient statuses, recipient
//! kinds; transport and Connect errors as kind and message; timestamps as RFC 3339.

use crate::bindings::commands::{ConsentKind, EventType};
use crate::bindings::signing::{
    AnchorUnits, ConnectError, EnvelopeStatus, FieldKind, RecipientKind, RecipientStatus,
};
use ureq::http;

use crate::bindings::{Level, Method, Timestamp, TransportError};

impl Method {
    /// Every method.
    pub const ALL: [Self; 6] = [
        Self::Get,
        Self::Head,
        Self::Post,
        Self::Put,
        Self::Patch,
        Self::Delete,
    ];

    /// The method named `name`, in any case.
    pub fn parse(name: &str) -> Option<Self> {
        let method = http::Method::from_bytes(name.to_ascii_uppercase().as_bytes()).ok()?;
        Self::try_from(&method).ok()
    }
}

/// The upper-case name, as the `http` crate spells it.
impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        http::Method::from(*self).fmt(f)
    }
}

impl From<Method> for http::Method {
    fn from(m: Method) -> Self {
        match m {
            Method::Get => Self::GET,
            Method::Head => Self::HEAD,
            Method::Post => Self::POST,
            Method::Put => Self::PUT,
            Method::Patch => Self::PATCH,
            Method::Delete => Self::DELETE,
        }
    }
}

impl TryFrom<&http::Method> for Method {
    type Error = ();

    fn try_from(m: &http::Method) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|ours| http::Method::from(*ours) == *m)
            .ok_or(())
    }
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Self; 5] = [
        Self::Trace,
        Self::Debug,
        Self::Info,
        Self::Warn,
        Self::Error,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }

    /// Severity order, lowest first.
    pub fn rank(self) -> u8 {
        self as u8
    }

    /// The level named `name`, in any case.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(name))
    }
}

impl TransportError {
    /// The contract's name of the case (`denied`, `timeout`, … `body-too-large`, `other`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Denied(_) => "denied",
            Self::Timeout(_) => "timeout",
            Self::Dns(_) => "dns",
            Self::Connection(_) => "connection",
            Self::Tls(_) => "tls",
            Self::BodyTooLarge(_) => "body-too-large",
            Self::Other(_) => "other",
        }
    }

    /// What happened, for people (the WIT `Display` only prints the case's debug form).
    pub fn describe(&self) -> String {
        match self {
            Self::Denied(m)
            | Self::Timeout(m)
            | Self::Dns(m)
            | Self::Connection(m)
            | Self::Tls(m)
            | Self::Other(m) => m.clone(),
            Self::BodyTooLarge(n) => format!("reply body larger than the host allows ({n} bytes)"),
        }
    }
}

impl EventType {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerEvents => "customer-events",
            Self::AuditUsers => "audit-users",
            Self::EnvelopeChanges => "envelope-changes",
        }
    }

    /// The event type named `name`, in any case, with `-`, `_` or a space between the words.
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase().replace(['_', ' '], "-");
        [
            Self::CustomerEvents,
            Self::AuditUsers,
            Self::EnvelopeChanges,
        ]
        .into_iter()
        .find(|t| t.as_str() == name)
    }
}

impl ConsentKind {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Admin => "admin",
        }
    }

    /// The consent kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Individual, Self::Admin]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

impl EnvelopeStatus {
    /// DocuSign's status code (the contract's case name, or the unknown code as spelled).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Created => "created",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Signed => "signed",
            Self::Completed => "completed",
            Self::Declined => "declined",
            Self::Voided => "voided",
            Self::Correct => "correct",
            Self::Template => "template",
            Self::Deleted => "deleted",
            Self::Timedout => "timedout",
            Self::Other(o) => o,
        }
    }
}

impl RecipientKind {
    /// The contract's case name (`signer`, `carbon-copy`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signer => "signer",
            Self::CarbonCopy => "carbon-copy",
            Self::CertifiedDelivery => "certified-delivery",
            Self::Agent => "agent",
            Self::Editor => "editor",
            Self::Intermediary => "intermediary",
            Self::InPersonSigner => "in-person-signer",
            Self::Witness => "witness",
            Self::Notary => "notary",
            Self::Seal => "seal",
        }
    }

    /// The kind named `name` (as [`as_str`](Self::as_str) spells it; `_` or a space for `-`).
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase().replace(['_', ' '], "-");
        [
            Self::Signer,
            Self::CarbonCopy,
            Self::CertifiedDelivery,
            Self::Agent,
            Self::Editor,
            Self::Intermediary,
            Self::InPersonSigner,
            Self::Witness,
            Self::Notary,
            Self::Seal,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

impl FieldKind {
    /// The contract's case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignHere => "sign-here",
            Self::InitialHere => "initial-here",
            Self::DateSigned => "date-signed",
            Self::Text => "text",
        }
    }

    /// The kind named `name` (`_` or a space for `-`).
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase().replace(['_', ' '], "-");
        [
            Self::SignHere,
            Self::InitialHere,
            Self::DateSigned,
            Self::Text,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

impl AnchorUnits {
    /// The contract's case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pixels => "pixels",
            Self::Inches => "inches",
            Self::Millimeters => "millimeters",
            Self::Centimeters => "centimeters",
        }
    }

    /// The units named `name`; DocuSign's short names (`mms`, `cms`) are accepted too.
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "mms" | "mm" => Some(Self::Millimeters),
            "cms" | "cm" => Some(Self::Centimeters),
            "px" => Some(Self::Pixels),
            "in" => Some(Self::Inches),
            other => [
                Self::Pixels,
                Self::Inches,
                Self::Millimeters,
                Self::Centimeters,
            ]
            .into_iter()
            .find(|u| u.as_str() == other),
        }
    }
}

impl RecipientStatus {
    /// DocuSign's status code (the unknown code as spelled).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Created => "created",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Signed => "signed",
            Self::Completed => "completed",
            Self::Declined => "declined",
            Self::AutoResponded => "autoresponded",
            Self::FaxPending => "faxpending",
            Self::Other(o) => o,
        }
    }
}

impl ConnectError {
    /// `unsigned`, `no-keys`, `mismatch` or `invalid-message`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Unsigned => "unsigned",
            Self::NoKeys => "no-keys",
            Self::Mismatch(_) => "mismatch",
            Self::InvalidMessage(_) => "invalid-message",
        }
    }

    /// What happened and what to do.
    pub fn describe(&self) -> String {
        match self {
            Self::Unsigned => "the message carries no X-DocuSign-Signature-1 header: turn on \
                \"Include HMAC signature\" in the Connect configuration (includeHMAC)"
                .to_owned(),
            Self::NoKeys => "no HMAC key to check the signature with: give the account's \
                active Connect keys"
                .to_owned(),
            Self::Mismatch(m) => format!(
                "the signature matches none of the {} HMAC key(s) ({} signature header(s)): the \
                 body was altered on the way, or it was signed with a key not given here",
                m.keys, m.signatures
            ),
            Self::InvalidMessage(m) => format!("signed, but not a Connect JSON message: {m}"),
        }
    }
}

impl Timestamp {
    /// RFC 3339 in UTC (the seconds as a number if out of range).
    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.seconds) * 1_000_000_000 + i128::from(self.nanoseconds);
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| self.seconds.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::parse(&m.to_string().to_ascii_lowercase()), Some(m));
        }
        assert_eq!(Method::parse("FETCH"), None);
        assert_eq!(Method::Delete.to_string(), "DELETE");
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
        }
        assert!(Level::Trace.rank() < Level::Error.rank());
        assert_eq!(
            EventType::parse("Customer_Events"),
            Some(EventType::CustomerEvents)
        );
        assert_eq!(EventType::parse("audit users"), Some(EventType::AuditUsers));
        assert_eq!(EventType::parse("logins"), None);
        assert_eq!(ConsentKind::parse("admin"), Some(ConsentKind::Admin));
        assert_eq!(EnvelopeStatus::Other("new".into()).as_str(), "new");
        assert_eq!(
            TransportError::BodyTooLarge(9).describe(),
            "reply body larger than the host allows (9 bytes)"
        );
    }

    proptest::proptest! {
        /// WIT timestamps become RFC 3339 text that parses back to the same instant.
        #[test]
        fn timestamps_render_exactly(seconds in 0i64..4_102_444_800, nanoseconds in 0u32..1_000_000_000) {
            let text = Timestamp { seconds, nanoseconds }.to_rfc3339();
            let parsed = time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).unwrap();
            proptest::prop_assert_eq!(parsed.unix_timestamp_nanos(), i128::from(seconds) * 1_000_000_000 + i128::from(nanoseconds));
        }
    }
}

//! The cassette format (documented in the README, "Cassette format"), as typed serde values:
//! a JSON object with `interactions`, each a `request` to expect and the `response` to return or
//! the transport `error` to fail with. Loading and checking a cassette is in [`super::cassette`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::bindings::{Method, TransportError};

/// A cassette file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cassette {
    /// Short name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the recording shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Replay clock start (RFC 3339); the connector sees this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// The exchanges, in order.
    pub interactions: Vec<Interaction>,
    /// Directory that `file` bodies are relative to.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// In-memory files consulted before `base_dir` (for cassettes embedded in a binary).
    #[serde(skip)]
    pub files: BTreeMap<String, Vec<u8>>,
}

/// One exchange: what the connector must send and what it gets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "InteractionFields", into = "InteractionFields")]
pub struct Interaction {
    /// What the connector must send.
    pub request: ExpectedRequest,
    /// The reply, or a transport failure.
    pub outcome: Outcome,
    /// The reply takes this long: in replay, longer than the request's timeout is a timeout;
    /// `serve` really waits.
    pub delay_ms: Option<u64>,
}

/// What an interaction answers: exactly one of `response` and `error` in the file.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A reply, whatever its status.
    Response(RecordedResponse),
    /// No reply: the transport failed.
    Error(RecordedError),
}

impl Interaction {
    /// The recorded reply, when the interaction has one.
    pub fn response(&self) -> Option<&RecordedResponse> {
        match &self.outcome {
            Outcome::Response(r) => Some(r),
            Outcome::Error(_) => None,
        }
    }
}

/// An interaction as written in the file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InteractionFields {
    request: ExpectedRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response: Option<RecordedResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<RecordedError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delay_ms: Option<u64>,
}

impl TryFrom<InteractionFields> for Interaction {
    type Error = &'static str;

    fn try_from(i: InteractionFields) -> Result<Self, Self::Error> {
        let outcome = match (i.response, i.error) {
            (Some(r), None) => Outcome::Response(r),
            (None, Some(e)) => Outcome::Error(e),
            _ => return Err("an interaction needs exactly one of `response` and `error`"),
        };
        Ok(Self {
            request: i.request,
            outcome,
            delay_ms: i.delay_ms,
        })
    }
}

impl From<Interaction> for InteractionFields {
    fn from(i: Interaction) -> Self {
        let (response, error) = match i.outcome {
            Outcome::Response(r) => (Some(r), None),
            Outcome::Error(e) => (None, Some(e)),
        };
        Self {
            request: i.request,
            response,
            error,
            delay_ms: i.delay_ms,
        }
    }
}

/// An expected request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRequest {
    /// `GET`, `POST`, … (any case in the file).
    #[serde(with = "method_name")]
    pub method: Method,
    /// Full URL with query (a pattern).
    pub url: String,
    /// Headers that must be present, with value patterns; others are not checked.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Expected body; absent means the request has no body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

/// A recorded reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, HeaderValue>,
    /// Body; absent means empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

/// One header value, or several.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HeaderValue {
    /// One value.
    One(String),
    /// Repeated header.
    Many(Vec<String>),
}

/// A body, by encoding.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    /// JSON; compared structurally, string patterns allowed anywhere.
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` fields; values are patterns.
    Form(BTreeMap<String, String>),
    /// UTF-8 text (a pattern).
    Text(String),
    /// Raw bytes, base64.
    Base64(String),
    /// Raw bytes from a file, relative to the cassette.
    File(String),
}

/// A transport failure to return (the WIT `transport-error` cases).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RecordedError {
    /// The host refused the destination.
    Denied {
        /// Detail.
        #[serde(default)]
        message: String,
    },
    /// No reply in time.
    Timeout {
        /// Detail.
        #[serde(default)]
        message: String,
    },
    /// The name did not resolve.
    Dns {
        /// Detail.
        #[serde(default)]
        message: String,
    },
    /// No connection, or it was lost.
    Connection {
        /// Detail.
        #[serde(default)]
        message: String,
    },
    /// TLS failed.
    Tls {
        /// Detail.
        #[serde(default)]
        message: String,
    },
    /// The reply was larger than the host allows.
    BodyTooLarge {
        /// The size in bytes, written as text.
        #[serde(with = "size_text")]
        message: u64,
    },
    /// Anything else.
    Other {
        /// Detail.
        #[serde(default)]
        message: String,
    },
}

impl From<RecordedError> for TransportError {
    fn from(e: RecordedError) -> Self {
        match e {
            RecordedError::Denied { message } => Self::Denied(message),
            RecordedError::Timeout { message } => Self::Timeout(message),
            RecordedError::Dns { message } => Self::Dns(message),
            RecordedError::Connection { message } => Self::Connection(message),
            RecordedError::Tls { message } => Self::Tls(message),
            RecordedError::BodyTooLarge { message } => Self::BodyTooLarge(message),
            RecordedError::Other { message } => Self::Other(message),
        }
    }
}

impl From<TransportError> for RecordedError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Denied(message) => Self::Denied { message },
            TransportError::Timeout(message) => Self::Timeout { message },
            TransportError::Dns(message) => Self::Dns { message },
            TransportError::Connection(message) => Self::Connection { message },
            TransportError::Tls(message) => Self::Tls { message },
            TransportError::BodyTooLarge(message) => Self::BodyTooLarge { message },
            TransportError::Other(message) => Self::Other { message },
        }
    }
}

/// `method` as its name, read in any case.
mod method_name {
    use super::*;

    pub fn serialize<S: Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(m)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Method, D::Error> {
        let name = String::deserialize(d)?;
        Method::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown method {name:?}")))
    }
}

/// A size in bytes written as decimal text (the `message` of `body-too-large`).
mod size_text {
    use super::*;

    pub fn serialize<S: Serializer>(n: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&n.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let text = String::deserialize(d)?;
        text.trim().parse().map_err(|_| {
            serde::de::Error::custom(format!(
                "body-too-large needs the size in bytes as message, not {text:?}"
            ))
        })
    }
}

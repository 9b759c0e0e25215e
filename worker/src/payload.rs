//! The JSON input of the worker's handlers: an action's input exactly as `docusign-host invoke`
//! takes it; an empty body is `{}` (so actions without input can be called with no body).

use bytes::Bytes;
use restate_sdk::serde::{Deserialize, InputMetadata, PayloadMetadata, Serialize};
use serde_json::Value;

/// An action's JSON input.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionInput(pub Value);

impl Deserialize for ActionInput {
    type Error = serde_json::Error;

    fn deserialize(bytes: &mut Bytes) -> Result<Self, Self::Error> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Value::Object(Default::default())));
        }
        serde_json::from_slice(bytes).map(Self)
    }
}

impl Serialize for ActionInput {
    type Error = serde_json::Error;

    fn serialize(&self) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(&self.0).map(Into::into)
    }
}

impl PayloadMetadata for ActionInput {
    fn input_metadata() -> InputMetadata {
        InputMetadata {
            accept_content_type: "application/json",
            is_required: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_bodies_are_empty_objects_and_json_is_kept() {
        let parse = |text: &str| ActionInput::deserialize(&mut text.as_bytes().to_vec().into());
        assert_eq!(parse("").unwrap().0, serde_json::json!({}));
        assert_eq!(parse(" \n").unwrap().0, serde_json::json!({}));
        assert_eq!(
            parse(r#"{"envelope_id":"e"}"#).unwrap().0,
            serde_json::json!({"envelope_id": "e"})
        );
        assert!(parse("{").is_err());
    }
}

//! Lenient decoding of DocuSign's JSON, where booleans and numbers are often strings.

use serde::{Deserialize, Deserializer, Serializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolLike {
    Bool(bool),
    Text(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberLike {
    Number(u64),
    Text(String),
}

/// `true`, `false`, `"true"`, `"false"` (any case); absent or null is `false`.
pub fn flex_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Option::<BoolLike>::deserialize(d)? {
        None => Ok(false),
        Some(BoolLike::Bool(b)) => Ok(b),
        Some(BoolLike::Text(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "expected a boolean, got {other:?}"
            ))),
        },
    }
}

/// A paging position or count: a non-negative integer as a number or a string; anything else
/// (DocuSign writes `"-1"` as the end of an empty result) is `None`.
pub fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// `"true"` or `"false"`, as DocuSign writes booleans.
pub fn bool_text<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *value { "true" } else { "false" })
}

/// A non-negative integer given as a number or a string; absent or null is `None`.
pub fn flex_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<NumberLike>::deserialize(d)? {
        None => Ok(None),
        Some(NumberLike::Number(n)) => Ok(Some(n)),
        Some(NumberLike::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(NumberLike::Text(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("expected a number, got {s:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct T {
        #[serde(default, deserialize_with = "flex_bool")]
        b: bool,
        #[serde(default, deserialize_with = "flex_u64")]
        n: Option<u64>,
    }

    fn t(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn paging_numbers_are_lenient() {
        #[derive(Deserialize)]
        struct P {
            #[serde(default, deserialize_with = "lenient_u64")]
            end: Option<u64>,
        }
        let p = |json: &str| serde_json::from_str::<P>(json).unwrap().end;
        assert_eq!(p(r#"{"end": "-1"}"#), None);
        assert_eq!(p(r#"{"end": -1}"#), None);
        assert_eq!(p(r#"{"end": "7"}"#), Some(7));
        assert_eq!(p(r#"{"end": 7}"#), Some(7));
        assert_eq!(p(r#"{}"#), None);
    }

    #[test]
    fn accepts_both_spellings() {
        assert!(t(r#"{"b": true}"#).unwrap().b);
        assert!(t(r#"{"b": "True"}"#).unwrap().b);
        assert!(!t(r#"{"b": "false"}"#).unwrap().b);
        assert!(!t(r#"{}"#).unwrap().b);
        assert_eq!(t(r#"{"n": 3600}"#).unwrap().n, Some(3600));
        assert_eq!(t(r#"{"n": "120"}"#).unwrap().n, Some(120));
        assert_eq!(t(r#"{"n": null}"#).unwrap().n, None);
        assert!(t(r#"{"b": "maybe"}"#).is_err());
        assert!(t(r#"{"n": "-1"}"#).is_err());
        assert!(t(r#"{"n": 1.5}"#).is_err());
    }
}

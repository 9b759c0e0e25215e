//! Loading a cassette: parsing the [format](super::format) and checking everything a replay will
//! need (times, body encodings, referenced files), so a broken cassette fails before the first
//! request, with the path of the problem.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::form;
use super::format::{Body, Cassette};
use crate::clock::parse_rfc3339_ms;

/// Why a cassette could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CassetteError {
    /// The file could not be read.
    #[error("reading cassette {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not a cassette: bad JSON, an unknown field or value, a missing one.
    #[error("invalid cassette JSON: {0}")]
    Json(String),
    /// `start_time` is not an RFC 3339 time.
    #[error("start_time {0:?} is not RFC 3339")]
    StartTime(String),
    /// One interaction cannot be replayed.
    #[error("interaction #{number}: {message}")]
    Interaction {
        /// 1-based position.
        number: usize,
        /// What is wrong.
        message: String,
    },
    /// One of the above, in the named file.
    #[error("cassette {path}: {source}")]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: Box<CassetteError>,
    },
}

/// Why a body's bytes could not be had.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// A `base64` body is not base64.
    #[error("base64 body: {0}")]
    Base64(#[source] base64::DecodeError),
    /// A `file` body could not be read.
    #[error("body file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A `json` body could not be written.
    #[error("json body: {0}")]
    Json(#[source] serde_json::Error),
}

impl Cassette {
    /// Read and validate a cassette file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CassetteError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| CassetteError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, base).map_err(|e| CassetteError::InFile {
            path: path.to_owned(),
            source: Box::new(e),
        })
    }

    /// Parse and validate cassette JSON; `file` bodies resolve against `base_dir`.
    pub fn parse(text: &str, base_dir: impl Into<PathBuf>) -> Result<Self, CassetteError> {
        Self::parse_with_files(text, base_dir, BTreeMap::new())
    }

    /// Like [`Cassette::parse`], with `file` bodies looked up in `files` (by the path written in
    /// the cassette) before the file system.
    pub fn parse_with_files(
        text: &str,
        base_dir: impl Into<PathBuf>,
        files: BTreeMap<String, Vec<u8>>,
    ) -> Result<Self, CassetteError> {
        let mut json = serde_json::Deserializer::from_str(text);
        let mut cassette: Cassette = serde_path_to_error::deserialize(&mut json).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            CassetteError::Json(if path == "." {
                inner.to_string()
            } else {
                format!("{path}: {inner}")
            })
        })?;
        cassette.base_dir = base_dir.into();
        cassette.files = files;
        cassette.validate()?;
        Ok(cassette)
    }

    /// The bytes of `body` as sent or returned.
    pub fn body_bytes(&self, body: &Body) -> Result<Vec<u8>, BodyError> {
        Ok(match body {
            Body::Json(v) => serde_json::to_vec(v).map_err(BodyError::Json)?,
            Body::Form(fields) => form::encode(fields).into_bytes(),
            Body::Text(t) => t.clone().into_bytes(),
            Body::Base64(b) => STANDARD.decode(b.trim()).map_err(BodyError::Base64)?,
            Body::File(f) => match self.files.get(f) {
                Some(bytes) => bytes.clone(),
                None => {
                    let path = self.base_dir.join(f);
                    std::fs::read(&path).map_err(|source| BodyError::File { path, source })?
                }
            },
        })
    }

    fn validate(&self) -> Result<(), CassetteError> {
        if let Some(t) = &self.start_time {
            parse_rfc3339_ms(t).ok_or_else(|| CassetteError::StartTime(t.clone()))?;
        }
        for (i, it) in self.interactions.iter().enumerate() {
            let at = |message: String| CassetteError::Interaction {
                number: i + 1,
                message,
            };
            if let Some(r) = it.response() {
                if !(100..=599).contains(&r.status) {
                    return Err(at(format!("status {} is not an HTTP status", r.status)));
                }
                if let Some(body) = &r.body {
                    self.body_bytes(body).map_err(|e| at(e.to_string()))?;
                }
            }
            if let Some(body @ (Body::Base64(_) | Body::File(_))) = &it.request.body {
                self.body_bytes(body).map_err(|e| at(e.to_string()))?;
            }
        }
        Ok(())
    }

    /// Replay clock start in ms since the epoch, if the cassette sets one.
    pub fn start_time_ms(&self) -> Option<u64> {
        self.start_time.as_deref().and_then(parse_rfc3339_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::Method;
    use crate::replay::format::{Outcome, RecordedError};
    use serde_json::json;

    #[test]
    fn validation_rejects_broken_cassettes() {
        let bad = [
            (
                json!({"interactions": [{"request": {"method": "FETCH", "url": "u"}, "response": {"status": 200}}]}),
                "unknown method",
            ),
            (
                json!({"interactions": [{"request": {"method": "GET", "url": "u"}}]}),
                "exactly one",
            ),
            (
                json!({"interactions": [{"request": {"method": "GET", "url": "u"}, "response": {"status": 200, "body": {"base64": "%%"}}}]}),
                "base64",
            ),
            (
                json!({"interactions": [{"request": {"method": "GET", "url": "u"}, "error": {"kind": "boom"}}]}),
                "unknown variant `boom`",
            ),
            (json!({"interactions": [], "extra": 1}), "unknown field"),
        ];
        for (c, want) in bad {
            let err = Cassette::parse(&c.to_string(), ".")
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{err} should mention {want}");
        }
    }

    #[test]
    fn the_documented_format_round_trips() {
        let text = json!({
            "name": "n",
            "start_time": "2025-05-02T15:40:00Z",
            "interactions": [
                {"request": {"method": "post", "url": "https://h/t",
                             "headers": {"content-type": "application/x-www-form-urlencoded"},
                             "body": {"form": {"a": "<any>"}}},
                 "response": {"status": 200, "headers": {"set-cookie": ["a", "b"]},
                              "body": {"json": {"ok": true}}},
                 "delay_ms": 5},
                {"request": {"method": "GET", "url": "https://h/x"},
                 "error": {"kind": "body-too-large", "message": "123"}},
                {"request": {"method": "GET", "url": "https://h/y"},
                 "error": {"kind": "timeout"}}
            ]
        });
        let c = Cassette::parse(&text.to_string(), ".").unwrap();
        assert_eq!(c.interactions[0].request.method, Method::Post);
        assert!(matches!(
            c.interactions[1].outcome,
            Outcome::Error(RecordedError::BodyTooLarge { message: 123 })
        ));
        let written = serde_json::to_value(&c).unwrap();
        assert_eq!(written["interactions"][0]["request"]["method"], "POST");
        assert_eq!(
            written["interactions"][1]["error"],
            json!({"kind": "body-too-large", "message": "123"})
        );
        assert_eq!(
            written["interactions"][2]["error"],
            json!({"kind": "timeout", "message": ""})
        );
        assert_eq!(written["interactions"][0]["delay_ms"], 5);
        assert!(written["interactions"][0].get("error").is_none());
        let both = json!({"interactions": [{"request": {"method": "GET", "url": "u"},
            "response": {"status": 200}, "error": {"kind": "dns"}}]});
        assert!(
            Cassette::parse(&both.to_string(), ".")
                .unwrap_err()
                .to_string()
                .contains("exactly one")
        );
        let no_size = json!({"interactions": [{"request": {"method": "GET", "url": "u"},
            "error": {"kind": "body-too-large", "message": "big"}}]});
        assert!(
            Cassette::parse(&no_size.to_string(), ".")
                .unwrap_err()
                .to_string()
                .contains("size in bytes")
        );
    }
}

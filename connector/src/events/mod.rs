//! Event streams: Monitor customer events, Admin API users and eSignature envelope changes, read
//! for debugging
//! (`get-events`) or collected on a schedule with exactly-once checkpoints (`fetch-events` then
//! `commit-fetch`).
//!
//! A fetch reads each selected stream from the committed checkpoint, drops events already
//! delivered (by id), and returns the events with a candidate checkpoint; nothing is stored
//! until the host, having delivered the batch, passes that checkpoint to `commit-fetch`. A stream
//! that fails keeps the events it read before the failure (with a checkpoint covering exactly
//! those) and reports the error; the other streams go on.

pub mod checkpoint;
pub mod envelope_changes;
mod fetch;
mod get;
pub mod monitor;
mod page_reader;
pub mod since;
pub mod users;
pub mod window;

pub use crate::event_type::EventType;
pub use fetch::fetch_events;
pub use get::get_events;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::auth::Session;
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::Host;
use crate::timestamp::Timestamp;
use checkpoint::Checkpoint;

/// One event (WIT `event`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Kind.
    pub event_type: EventType,
    /// Dedup id.
    pub id: String,
    /// Normalized time.
    pub time: Option<Timestamp>,
    /// The event JSON with `_time` and `source_log_type`.
    pub json: String,
}

/// Inputs of `get-events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetEventsRequest {
    /// Kind.
    pub event_type: EventType,
    /// Maximum events.
    pub limit: u32,
    /// Start (default: one minute ago).
    pub since: Option<String>,
}

/// Inputs of `fetch-events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    /// Streams to read.
    pub event_types: Vec<EventType>,
    /// Customer events per fetch.
    pub max_customer_events: u32,
    /// Audit users per fetch.
    pub max_audit_users: u32,
    /// Envelope changes per fetch.
    pub max_envelope_changes: u32,
    /// First-fetch start (default: one minute ago).
    pub first_fetch: Option<String>,
}

/// Outcome of one stream (WIT `stream-report`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamReport {
    /// Stream.
    pub event_type: EventType,
    /// Events returned for it.
    pub fetched: u32,
    /// More is waiting.
    pub more_available: bool,
    /// Why it stopped early.
    pub error: Option<ConnectorError>,
}

/// Result of `fetch-events` (WIT `fetch-batch`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchBatch {
    /// New events.
    pub events: Vec<Event>,
    /// Candidate checkpoint to commit after delivery.
    pub checkpoint: String,
    /// Per-stream outcome.
    pub streams: Vec<StreamReport>,
    /// Wait before the next fetch.
    pub retry_after_secs: Option<u64>,
}

/// Largest `get-events` limit.
pub const MAX_GET_LIMIT: u32 = 2000;
/// Largest per-fetch maximum of customer events.
pub const MAX_FETCH_CUSTOMER_EVENTS: u32 = 20_000;
/// Largest per-fetch maximum of audit users.
pub const MAX_FETCH_AUDIT_USERS: u32 = 10_000;
/// Largest per-fetch maximum of envelope changes.
pub const MAX_FETCH_ENVELOPE_CHANGES: u32 = 10_000;
/// Default start when nothing says otherwise.
pub const DEFAULT_START: &str = "1 minute ago";
/// Overlap between consecutive user windows (clock skew, indexing delay).
pub const USER_WINDOW_OVERLAP_MS: u64 = 60_000;
/// Overlap between consecutive envelope-change windows (a change indexed after the listing).
pub const CHANGES_WINDOW_OVERLAP_MS: u64 = 60_000;

/// SHA-256 (hex) of a JSON value written with sorted keys: equal content, equal hash.
pub fn content_hash(value: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push(':');
                    write(&map[k], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut text = String::new();
    write(value, &mut text);
    base16ct::lower::encode_string(&Sha256::digest(text.as_bytes()))
}

pub(crate) fn organization(config: &Config) -> Result<&str> {
    config.organization_id.as_deref().ok_or_else(|| {
        ConnectorError::invalid(
            "organization-id",
            "is required for audit-users (the Organization ID shown in DocuSign Admin under Organizations)",
        )
    })
}

/// The account the Admin API lists users of: the configured one, else the user's default.
pub(crate) fn admin_account(session: &Session<'_>) -> Result<String> {
    match &session.config().account_id {
        Some(id) => Ok(id.clone()),
        None => Ok(session.account()?.account_id),
    }
}

pub(crate) fn check_limit(field: &str, value: u32, max: u32) -> Result<()> {
    if !(1..=max).contains(&value) {
        return Err(ConnectorError::invalid(
            field,
            format!("{value} is outside 1..={max}"),
        ));
    }
    Ok(())
}

/// Store a delivered batch's checkpoint.
pub fn commit_fetch(host: &dyn Host, config: &Config, checkpoint_text: &str) -> Result<()> {
    checkpoint::commit(host, &config.state_keys().fetch_checkpoint, checkpoint_text)
}

/// The committed checkpoint (for inspection).
pub fn committed(host: &dyn Host, config: &Config) -> Result<Checkpoint> {
    checkpoint::load(host, &config.state_keys().fetch_checkpoint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_hash_ignores_key_order_only() {
        assert_eq!(
            content_hash(&json!({"a": 1, "b": [1, {"c": 2, "d": 3}]})),
            content_hash(&json!({"b": [1, {"d": 3, "c": 2}], "a": 1}))
        );
        assert_ne!(
            content_hash(&json!({"a": 1})),
            content_hash(&json!({"a": 2}))
        );
        assert_ne!(content_hash(&json!([1, 2])), content_hash(&json!([2, 1])));
    }
}

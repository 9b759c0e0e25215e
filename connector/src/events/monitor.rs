//! Monitor API customer events: `GET https://lens[-d].docusign.net/api/v2.0/datasets/monitor/stream`.

use serde::Deserialize;
use serde_json::Value;

use super::{Event, EventType, content_hash};
use crate::auth::Session;
use crate::error::{ConnectorError, Result};
use crate::host::{HttpRequest, Level, Method};
use crate::http;
use crate::timestamp::Timestamp;

/// Most records one call may ask for.
pub const MAX_LIMIT: u32 = 2000;
/// DocuSign asks for at most one Monitor call per minute.
pub const MIN_CALL_INTERVAL_MS: u64 = 60_000;

/// One page of the stream.
pub struct Page {
    /// The cursor to continue from.
    pub end_cursor: String,
    /// Items in `data`, malformed ones included.
    pub returned: usize,
    /// The usable events.
    pub events: Vec<Event>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reply {
    end_cursor: Option<String>,
    #[serde(default)]
    data: Vec<Value>,
}

/// State key holding the time of the last Monitor call (outside the checkpoint: calls count
/// whether or not their batch is committed).
pub fn last_call_key(fingerprint: &str) -> String {
    format!("docusign/v1/{fingerprint}/monitor-last-call")
}

/// Read one page from `cursor` (an `endCursor` or an RFC 3339 time; none = the stream's default).
pub fn fetch_page(session: &Session<'_>, cursor: Option<&str>, limit: u32) -> Result<Page> {
    let host = session.host();
    let config = session.config();
    let limit = limit.clamp(1, MAX_LIMIT).to_string();
    let mut params: Vec<(&str, &str)> = Vec::with_capacity(2);
    if let Some(c) = cursor {
        params.push(("cursor", c));
    }
    params.push(("limit", &limit));
    let url = format!(
        "https://{}/api/v2.0/datasets/monitor/stream?{}",
        config.environment.monitor_host(),
        http::query(&params)
    );
    let fingerprint = config.fingerprint();
    if let Err(e) = host.state_set(&last_call_key(&fingerprint), &host.now_ms().to_string()) {
        host.log(
            Level::Warn,
            &format!("could not record the Monitor call time: {e}"),
        );
    }
    let resp = session.send(
        HttpRequest::new(Method::Get, url)
            .accept_json()
            .timeout_ms(60_000),
    )?;
    if !resp.is_success() {
        return Err(http::api_error(&resp, host.now_ms()));
    }
    let reply: Reply = http::json(&resp, "Monitor stream")?;
    let end_cursor = reply.end_cursor.filter(|c| !c.is_empty()).ok_or_else(|| {
        ConnectorError::bad_response(resp.status, "Monitor stream reply has no endCursor")
    })?;
    let returned = reply.data.len();
    let mut events = Vec::with_capacity(returned);
    for (i, raw) in reply.data.into_iter().enumerate() {
        match to_event(raw) {
            Some(event) => events.push(event),
            None => host.log(
                Level::Warn,
                &format!("Monitor stream: skipping item #{i}: not a JSON object"),
            ),
        }
    }
    Ok(Page {
        end_cursor,
        returned,
        events,
    })
}

/// Normalize one Monitor record: id from `eventId` (or a content hash), `_time` from
/// `timestamp`, and `source_log_type: customerevent`.
pub fn to_event(raw: Value) -> Option<Event> {
    let Value::Object(mut map) = raw else {
        return None;
    };
    let id = match map
        .get("eventId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        Some(id) => id.to_owned(),
        None => format!("sha256:{}", content_hash(&Value::Object(map.clone()))),
    };
    let time = map
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(Timestamp::parse);
    if let Some(t) = time {
        map.insert("_time".into(), Value::String(t.to_rfc3339()));
    }
    map.insert(
        "source_log_type".into(),
        Value::String("customerevent".into()),
    );
    let json = serde_json::to_string(&map).ok()?;
    Some(Event {
        event_type: EventType::CustomerEvents,
        id,
        time,
        json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalizes_events() {
        let e = to_event(json!({"eventId": "11111111-1111-1111-1111-111111111111", "timestamp": "2024-06-30T07:08:06.3038365Z", "accountId": "a"})).unwrap();
        assert_eq!(e.id, "11111111-1111-1111-1111-111111111111");
        assert_eq!(e.time.unwrap().nanoseconds, 303_836_500);
        let v: Value = serde_json::from_str(&e.json).unwrap();
        assert_eq!(v["_time"], "2024-06-30T07:08:06.3038365Z");
        assert_eq!(v["source_log_type"], "customerevent");
        assert_eq!(v["accountId"], "a");
        // Without fractional seconds, without a timestamp, without an id.
        assert_eq!(
            to_event(json!({"eventId": "x", "timestamp": "2024-06-30T07:08:06Z"}))
                .unwrap()
                .time
                .unwrap()
                .seconds,
            1_719_731_286
        );
        let no_time = to_event(json!({"eventId": "y"})).unwrap();
        assert!(no_time.time.is_none() && !no_time.json.contains("_time"));
        let a = to_event(json!({"action": "Login"})).unwrap();
        assert!(a.id.starts_with("sha256:"));
        assert_eq!(
            a.id,
            to_event(json!({"action": "Login"})).unwrap().id,
            "content ids are stable"
        );
        assert!(to_event(json!("not an object")).is_none());
    }
}

//! Monitor API customer events, from the organization stream
//! (`GET https://api[-d].docusign.com/v1/organizations/{organizationId}/stream`) or the dataset
//! stream (`GET https://lens[-d].docusign.net/api/v2.0/datasets/monitor/stream`): the same
//! `cursor` and `limit`, the same `endCursor` in the reply, the records in `data` (also read as
//! `resultData`).

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Event, EventType, content_hash};
use crate::auth::Session;
use crate::environment::MonitorEndpoint;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::http;
use crate::request::{HttpRequest, Method};
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

/// The page, its records left as raw JSON text borrowed from the body (no tree is built).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reply<'a> {
    end_cursor: Option<String>,
    #[serde(default, borrow, alias = "resultData")]
    data: Vec<&'a RawValue>,
}

/// The fields normalization reads from a record; everything else is only scanned.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(rename = "eventId", borrow)]
    event_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "_time")]
    time: Option<IgnoredAny>,
    source_log_type: Option<IgnoredAny>,
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
    let query = crate::request::query(&params);
    let url = match (config.monitor_endpoint, config.organization_id.as_deref()) {
        (MonitorEndpoint::OrganizationStream, Some(organization_id)) => format!(
            "https://{}/v1/organizations/{organization_id}/stream?{query}",
            config.environment.organization_api_host(),
        ),
        // Configuration guarantees an organization id for the organization stream.
        _ => format!(
            "https://{}/api/v2.0/datasets/monitor/stream?{query}",
            config.environment.lens_host(),
        ),
    };
    if let Err(e) = host.state_set(
        &session.keys().monitor_last_call,
        &host.now_ms().to_string(),
    ) {
        host.log(
            Level::Warn,
            &format!("could not record the Monitor call time: {e}"),
        );
    }
    let resp = session.send_expecting_success(
        HttpRequest::new(Method::Get, url)
            .accept_json()
            .timeout_ms(60_000),
    )?;
    let reply: Reply = http::json_text(&resp, "Monitor stream")?;
    let returned = reply.data.len();
    let events = collect(host, reply.data.iter().map(|raw| normalize(raw.get())));
    let end_cursor = reply.end_cursor.filter(|c| !c.is_empty()).ok_or_else(|| {
        ConnectorError::bad_response(resp.status, "Monitor stream reply has no endCursor")
    })?;
    Ok(Page {
        end_cursor,
        returned,
        events,
    })
}

/// The usable events of a page, logging the items skipped.
fn collect(host: &dyn Host, items: impl ExactSizeIterator<Item = Option<Event>>) -> Vec<Event> {
    let mut events = Vec::with_capacity(items.len());
    for (i, item) in items.enumerate() {
        match item {
            Some(event) => events.push(event),
            None => host.log(
                Level::Warn,
                &format!("Monitor stream: skipping item #{i}: not a JSON object"),
            ),
        }
    }
    events
}

/// Normalize one Monitor record given as JSON text (see [`to_event`]). The usual record, with
/// an `eventId` and neither `_time` nor `source_log_type`, keeps its text as DocuSign sent it
/// with the two members appended; anything else goes through [`to_event`].
pub fn normalize(text: &str) -> Option<Event> {
    let fast = serde_json::from_str::<Probe>(text).ok().and_then(|p| {
        let id = p.event_id.filter(|id| !id.is_empty())?;
        if p.time.is_some() || p.source_log_type.is_some() {
            return None;
        }
        Some(splice(text, &id, p.timestamp.as_deref()))
    });
    fast.or_else(|| to_event(serde_json::from_str(text).ok()?))
}

/// The usual record's event: `text` (a JSON object with a member `eventId` = `id`, and neither
/// `_time` nor `source_log_type`) with those two members appended.
fn splice(text: &str, id: &str, timestamp: Option<&str>) -> Event {
    // A JSON object's text ends in `}`.
    let open = text.trim_end().strip_suffix('}').unwrap_or(text);
    let time = timestamp.and_then(Timestamp::parse);
    let mut json = String::with_capacity(text.len() + 80);
    json.push_str(open);
    if let Some(t) = time {
        json.push_str(",\"_time\":\"");
        t.write_rfc3339(&mut json);
        json.push('"');
    }
    json.push_str(",\"source_log_type\":\"customerevent\"}");
    Event {
        event_type: EventType::CustomerEvents,
        id: id.to_owned(),
        time,
        json,
    }
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

    /// The text path and the tree path agree on id, time and content, whatever the record.
    #[test]
    fn normalize_agrees_with_the_tree_path() {
        let records = [
            r#"{"eventId":"e1","timestamp":"2024-06-30T07:08:06.3038365Z","accountId":"a","ipAddressLocation":{"latitude":48.85,"city":"Paris"},"tags":[1,"x",null]}"#,
            "{ \"eventId\" : \"e2\" ,\n \"timestamp\": \"not a time\" }  ",
            r#"{"eventId":"e\u0033","data":{"note":"a \"quoted\" }"}}"#,
            r#"{"eventId":"e4","_time":"2020-01-01T00:00:00Z","timestamp":"2024-06-30T07:08:06Z"}"#,
            r#"{"eventId":"e5","source_log_type":"other"}"#,
            r#"{"eventId":"","timestamp":"2024-06-30T07:08:06Z","action":"Login"}"#,
            r#"{"eventId":42,"action":"Login"}"#,
            r#"{"eventId":"e8","eventId":"e9"}"#,
            r#"{"ev\u0065ntId":"e10","k\"q":1,"t\u00e9":"caf\u00e9"}"#,
            r#"{"action":"Login"}"#,
            r#"{}"#,
        ];
        for text in records {
            let fast = normalize(text).unwrap_or_else(|| panic!("{text}"));
            let tree = to_event(serde_json::from_str(text).unwrap()).unwrap();
            assert_eq!(
                (&fast.id, fast.time, fast.event_type),
                (&tree.id, tree.time, tree.event_type),
                "{text}"
            );
            let a: Value = serde_json::from_str(&fast.json).unwrap();
            let b: Value = serde_json::from_str(&tree.json).unwrap();
            assert_eq!(a, b, "{text}");
        }
        for not_an_object in ["[1,2]", "\"text\"", "7", "null"] {
            assert!(normalize(not_an_object).is_none());
        }
        // The usual record keeps DocuSign's text and member order.
        let e = normalize(records[0]).unwrap();
        assert!(
            e.json.starts_with(&records[0][..records[0].len() - 1]),
            "{}",
            e.json
        );
    }

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

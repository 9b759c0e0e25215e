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

use super::page_reader::{self, Members};
use super::{Event, EventType, content_hash};
use crate::auth::Session;
use crate::environment::MonitorEndpoint;
use crate::error::{ConnectorError, Result};
use crate::host::Level;
use crate::http;
use crate::request::{HttpRequest, HttpResponse, Method};
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

/// The page, its records left as raw JSON text borrowed from the body (no tree is built): the
/// general path, for a page [`page_reader`] does not read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reply<'a> {
    end_cursor: Option<String>,
    #[serde(default, borrow, alias = "resultData")]
    data: Vec<&'a RawValue>,
}

/// The page's members, as [`Reply`] names them.
const MEMBERS: Members<'static> = Members {
    cursor: "endCursor",
    records: &["data", "resultData"],
};

/// The fields normalization reads from a record; everything else is only scanned.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(rename = "eventId", borrow)]
    event_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    /// Whether `_time` is present, even as `null`.
    #[serde(rename = "_time", default, deserialize_with = "present")]
    time: bool,
    /// Whether `source_log_type` is present, even as `null`.
    #[serde(default, deserialize_with = "present")]
    source_log_type: bool,
}

/// A member that is present, whatever its value.
fn present<'de, D: serde::Deserializer<'de>>(value: D) -> std::result::Result<bool, D::Error> {
    IgnoredAny::deserialize(value).map(|_| true)
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
    let items = read_items(&resp)?;
    for i in &items.skipped {
        host.log(
            Level::Warn,
            &format!("Monitor stream: skipping item #{i}: not a JSON object"),
        );
    }
    let end_cursor = items.cursor.filter(|c| !c.is_empty()).ok_or_else(|| {
        ConnectorError::bad_response(resp.status, "Monitor stream reply has no endCursor")
    })?;
    Ok(Page {
        end_cursor,
        returned: items.returned,
        events: items.events,
    })
}

/// A page's cursor and its items, normalized.
#[derive(Debug, PartialEq)]
struct Items {
    cursor: Option<String>,
    /// Items in the array.
    returned: usize,
    /// The items that are records, normalized.
    events: Vec<Event>,
    /// The positions of the items that are not.
    skipped: Vec<usize>,
}

impl Items {
    /// `items` normalized (`None`: an item that is not a record).
    fn new(cursor: Option<String>, items: impl ExactSizeIterator<Item = Option<Event>>) -> Self {
        let returned = items.len();
        let mut events = Vec::with_capacity(returned);
        let mut skipped = Vec::new();
        for (i, item) in items.enumerate() {
            match item {
                Some(event) => events.push(event),
                None => skipped.push(i),
            }
        }
        Self {
            cursor,
            returned,
            events,
            skipped,
        }
    }
}

/// The page in `resp`: the usual spelling in one pass, anything else (and its errors) through
/// the general path.
fn read_items(resp: &HttpResponse) -> Result<Items> {
    let usual = std::str::from_utf8(&resp.body).ok().and_then(read_usual);
    match usual {
        Some(items) => Ok(items),
        None => read_general(resp),
    }
}

/// The usual page, each record probed as it is found ([`page_reader`]); `None` for any other.
fn read_usual(text: &str) -> Option<Items> {
    let page = page_reader::read::<Probe>(text, &MEMBERS)?;
    let records = page.records.into_iter();
    Some(Items::new(
        page.cursor,
        records.map(|r| normalize_probed(r.text, r.probe)),
    ))
}

/// Any page: split into raw records, then each one probed ([`normalize`]).
fn read_general(resp: &HttpResponse) -> Result<Items> {
    let reply: Reply = http::json_text(resp, "Monitor stream")?;
    let records = reply.data.iter();
    Ok(Items::new(
        reply.end_cursor,
        records.map(|raw| normalize(raw.get())),
    ))
}

/// Normalize one Monitor record given as JSON text (see [`to_event`]). The usual record, with
/// an `eventId` and neither `_time` nor `source_log_type`, keeps its text as DocuSign sent it
/// with the two members appended; anything else goes through [`to_event`].
pub fn normalize(text: &str) -> Option<Event> {
    // Only an object is probed: a derived struct would also read an array, by position.
    let probe = text
        .starts_with('{')
        .then(|| serde_json::from_str::<Probe>(text).ok())
        .flatten();
    normalize_probed(text, probe)
}

/// [`normalize`] of a record already probed (`None`: not an object, or not read as a probe).
fn normalize_probed(text: &str, probe: Option<Probe<'_>>) -> Option<Event> {
    let fast = probe.and_then(|p| {
        let id = p.event_id.filter(|id| !id.is_empty())?;
        if p.time || p.source_log_type {
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
    let time = timestamp.and_then(|t| Some((t, Timestamp::parse_as_written(t)?)));
    let mut json = String::with_capacity(text.len() + 80);
    json.push_str(open);
    if let Some((text, (t, as_written))) = time {
        json.push_str(",\"_time\":\"");
        // DocuSign's usual spelling is already RFC 3339 as written here.
        if as_written {
            json.push_str(text);
        } else {
            t.write_rfc3339(&mut json);
        }
        json.push('"');
    }
    json.push_str(",\"source_log_type\":\"customerevent\"}");
    Event {
        event_type: EventType::CustomerEvents,
        id: id.to_owned(),
        time: time.map(|(_, (t, _))| t),
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
    use proptest::prelude::*;
    use serde_json::json;

    /// Records of every kind normalization meets: usual, unusual, not objects.
    const RECORDS: &[&str] = &[
        r#"{"timestamp":"2025-05-02T15:00:01.1234567Z","eventId":"e1","data":{"EnvelopeId":"d1","n":[1,2.5e3,true,null]}}"#,
        r#"{ "eventId" : "e2" , "timestamp" : "2025-05-02T15:00:01Z" }"#,
        r#"{"eventId":"e3","timestamp":"2025-05-02T17:00:01.10+02:00"}"#,
        r#"{"eventId":"e\u0034","note":"a \"quoted\" ] }"}"#,
        r#"{"eventId":"e5","_time":null}"#,
        r#"{"eventId":"e6","source_log_type":"x"}"#,
        r#"{"eventId":7}"#,
        r#"{"action":"Login"}"#,
        r#"{"eventId":"e8","eventId":"e9"}"#,
        r#"{}"#,
        r#"["e10","2025-05-02T15:00:01Z",false,false]"#,
        "7",
        "null",
        r#""text""#,
    ];

    /// A page's members: the cursor (string, null or a number), the records under either name,
    /// and others, in any order, maybe repeated, with any JSON whitespace.
    fn page() -> impl Strategy<Value = String> {
        let ws = prop::sample::select(vec!["", " ", "\n", "\t ", "\r\n"]);
        let record = prop::sample::select(RECORDS.to_vec());
        let member = prop_oneof![
            prop::sample::select(vec![r#""c1""#, "null", r#""""#, "3", r#""c\u0032""#])
                .prop_map(|v| format!(r#""endCursor":{v}"#)),
            (
                prop::sample::select(vec!["data", "resultData"]),
                prop::collection::vec((record, ws.clone()), 0..6)
            )
                .prop_map(|(name, records)| {
                    let items: Vec<String> =
                        records.iter().map(|(r, w)| format!("{w}{r}{w}")).collect();
                    format!(r#""{name}":[{}]"#, items.join(","))
                }),
            prop::sample::select(vec![
                r#""other":{"data":[1]}"#,
                r#""n":-1.5"#,
                r#""end\u0043ursor":"c""#
            ])
            .prop_map(str::to_owned),
        ];
        (prop::collection::vec((member, ws.clone()), 0..5), ws).prop_map(|(members, w)| {
            let items: Vec<String> = members.iter().map(|(m, w)| format!("{w}{m}{w}")).collect();
            format!("{w}{{{}}}{w}", items.join(","))
        })
    }

    fn reply(body: &str) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// Items that are not records are counted and their positions kept (they are logged), on
    /// both paths.
    #[test]
    fn pages_keep_the_positions_of_items_that_are_not_records() {
        let records = r#"[{"eventId":"a"},7,{"eventId":"b"},"x"]"#;
        for text in [
            format!(r#"{{"endCursor":"c","data":{records}}}"#),
            // An escaped key: the general path.
            format!(r#"{{"endCursor":"c","n\u0061me":1,"resultData":{records}}}"#),
        ] {
            let items = read_items(&reply(&text)).unwrap();
            assert_eq!(items.cursor.as_deref(), Some("c"), "{text}");
            assert_eq!((items.returned, items.skipped), (4, vec![1, 3]), "{text}");
            let ids: Vec<&str> = items.events.iter().map(|e| e.id.as_str()).collect();
            assert_eq!(ids, ["a", "b"], "{text}");
        }
        assert!(read_usual(r#"{"n\u0061me":1}"#).is_none());
    }

    proptest! {
        /// Whatever the one-pass reader reads, the general path reads the same; a page spelled
        /// the usual way (each member once, a string cursor) is read in one pass; a byte changed
        /// or cut changes nothing about that agreement.
        #[test]
        fn one_pass_reads_pages_as_the_general_path(text in page(), cut in any::<prop::sample::Index>(), flip in any::<Option<(prop::sample::Index, u8)>>()) {
            let general = read_general(&reply(&text));
            match read_usual(&text) {
                Some(items) => prop_assert_eq!(Ok(items), general.map_err(|e| e.to_string())),
                None => {
                    let repeated = ["endCursor", "Data\"", "data\""].iter().any(|m| text.matches(m).count() > 1)
                        || (text.contains("\"data\"") && text.contains("resultData"));
                    prop_assert!(repeated || text.contains("u0043") || text.contains(":3"), "{}", text);
                }
            }
            let mut bytes = text.into_bytes();
            bytes.truncate(cut.index(bytes.len() + 1));
            if let Some((at, byte)) = flip.filter(|_| !bytes.is_empty()) {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if let Ok(text) = std::str::from_utf8(&bytes)
                && let Some(items) = read_usual(text)
            {
                prop_assert_eq!(Ok(items), read_general(&reply(text)).map_err(|e| e.to_string()));
            }
        }
    }

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
            r#"{"eventId":"e11","_time":null,"timestamp":"2024-06-30T07:08:06Z"}"#,
            r#"{"eventId":"e12","source_log_type":null}"#,
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
            // Each added member once (a parsed `Value` would hide a repeated one).
            for name in ["\"_time\"", "\"source_log_type\""] {
                assert!(fast.json.matches(name).count() <= 1, "{}", fast.json);
            }
        }
        // An array that a derived struct would read by position is not a record either.
        for not_an_object in [
            "[1,2]",
            "\"text\"",
            "7",
            "null",
            r#"["e1","2024-06-30T07:08:06Z",false,false]"#,
        ] {
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

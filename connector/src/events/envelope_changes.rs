//! The envelope changes feed: `GET /v2.1/accounts/{id}/envelopes?from_date=…&to_date=…`
//! (Envelopes: listStatusChanges), the fallback when Connect cannot reach the workflow host.
//!
//! Changes are read in time windows (`from_date` to a `to_date` fixed when the window opens),
//! oldest change first, and paged by time rather than by offset: after each page the window's
//! start moves up to the page's latest `statusChangedDateTime` (whole seconds) and listing starts
//! over there, so an envelope that changes again while the window is read (and moves to the end
//! of the listing) cannot shift an unread one past an offset. The changes of that latest second
//! are listed again and dropped as duplicates; a page whose changes all fall in the window's
//! starting second is paged by offset within it.
//!
//! An event is an envelope in the status it reached at `statusChangedDateTime`: its id is the
//! envelope id plus that time, so the same state listed again (a page boundary, the overlap of
//! consecutive windows) is a duplicate, and a later change of the same envelope is a new event.
//! DocuSign lists each envelope once, in its latest status: an envelope that changed several
//! times between fetches appears once.

use serde::Deserialize;
use serde_json::Value;

use super::checkpoint::{Dedup, Window, WindowPosition};
use super::window::{self, Headway, Page, WindowRead};
use super::{Event, EventType, since};
use crate::auth::Session;
use crate::error::Result;
use crate::host::Level;
use crate::http;
use crate::request::{HttpRequest, Method};
use crate::timestamp::Timestamp;
use crate::wire::lenient_u64;

/// Page size; DocuSign returns at most 1,000 envelopes per call.
pub const PAGE_SIZE: u32 = 100;
/// Where a first fetch starts when told `stream-default`: 30 days back (the listing needs a
/// `from_date`).
pub const STREAM_DEFAULT_BACK_MS: u64 = 30 * 86_400_000;

/// `envelopesInformation`: paging fields are strings in DocuSign's replies.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reply {
    #[serde(default)]
    envelopes: Option<Vec<Value>>,
    #[serde(default, deserialize_with = "lenient_u64")]
    total_set_size: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    result_set_size: Option<u64>,
    next_uri: Option<String>,
}

impl Reply {
    /// Whether envelopes follow this page, read from `start`.
    fn more_after(&self, start: u64, returned: usize) -> bool {
        if returned == 0 {
            return false;
        }
        if self
            .next_uri
            .as_deref()
            .is_some_and(|n| !n.trim().is_empty())
        {
            return true;
        }
        match self.total_set_size {
            Some(total) => start + (returned as u64) < total,
            None => false,
        }
    }
}

/// What to list.
pub struct Query<'q> {
    /// `from_date` (RFC 3339).
    pub from: &'q str,
    /// `to_date` (RFC 3339), fixed for the window so that pages do not shift.
    pub to: &'q str,
}

/// A page and the latest change time on it.
pub struct ChangesPage {
    /// The page.
    pub page: Page,
    /// The latest `statusChangedDateTime` listed.
    pub latest: Option<Timestamp>,
}

/// Read up to `count` changes from index `start` of the window.
pub fn fetch_page(
    session: &Session<'_>,
    q: &Query<'_>,
    start: u64,
    count: u32,
) -> Result<ChangesPage> {
    let host = session.host();
    let account = session.account()?;
    let start_text = start.to_string();
    let count_text = count.clamp(1, PAGE_SIZE).to_string();
    let params: [(&str, &str); 6] = [
        ("from_date", q.from),
        ("to_date", q.to),
        ("order_by", "status_changed"),
        ("order", "asc"),
        ("start_position", &start_text),
        ("count", &count_text),
    ];
    let url = format!(
        "{}/envelopes?{}",
        account.esign_base(),
        crate::request::query(&params)
    );
    let resp = session.send_expecting_success(
        HttpRequest::new(Method::Get, url)
            .accept_json()
            .timeout_ms(60_000),
    )?;
    let reply: Reply = http::json(&resp, "envelope changes")?;
    let envelopes = reply.envelopes.as_deref().unwrap_or_default();
    let returned = envelopes.len();
    let more = reply.more_after(start, returned);
    if returned == 0 && reply.result_set_size.is_some_and(|n| n > 0) {
        host.log(
            Level::Warn,
            "envelope changes: resultSetSize is not 0 but the reply lists no envelopes",
        );
    }
    let events = window::normalize(
        host,
        "envelope changes",
        start,
        reply.envelopes.into_iter().flatten(),
        to_event,
    );
    let latest = events.iter().filter_map(|e| e.time).max();
    Ok(ChangesPage {
        page: Page {
            returned,
            events,
            more,
        },
        latest,
    })
}

/// Read `window` (see the module docs) until its end or `max` events.
pub fn read(
    session: &Session<'_>,
    committed: &WindowPosition,
    mut window: Window,
    default_from: &str,
    max: u32,
    overlap_ms: u64,
) -> WindowRead {
    let mut dedup = Dedup::new(&committed.recent);
    let mut events = Vec::new();
    let mut failure = None;
    let end = Timestamp::parse(&window.to);
    let mut headway = Headway::default();
    let complete = loop {
        let room = max as usize - events.len().min(max as usize);
        if room == 0 {
            break false;
        }
        let from = window
            .from
            .clone()
            .unwrap_or_else(|| default_from.to_owned());
        let q = Query {
            from: &from,
            to: &window.to,
        };
        let take = room.min(PAGE_SIZE as usize) as u32;
        match fetch_page(session, &q, window.next, take) {
            Err(e) => {
                failure = Some(e);
                break false;
            }
            Ok(ChangesPage { page, latest }) => {
                let admitted = window::admit(&mut events, &mut dedup, page.events);
                if !page.more {
                    break true;
                }
                // Start over at the latest second listed, unless that is where this started.
                let latest = latest.min(end).map(since::to_query);
                match latest {
                    Some(t) if Timestamp::parse(&t) > Timestamp::parse(&from) => {
                        window.from = Some(t);
                        window.next = 0;
                    }
                    _ => {
                        window.from = Some(from);
                        window.next += page.returned as u64;
                    }
                }
                if !headway.read_on(page.returned, admitted) {
                    break false;
                }
            }
        }
    };
    window::conclude(
        committed, window, complete, dedup, events, failure, overlap_ms,
    )
}

/// Normalize one envelope: id `<envelopeId>@<statusChangedDateTime>`, `_time` = the change time,
/// `source_log_type: envelopechanges`.
pub fn to_event(raw: Value) -> std::result::Result<Event, String> {
    let Value::Object(mut map) = raw else {
        return Err("not a JSON object".to_owned());
    };
    let envelope_id = match map.get("envelopeId") {
        Some(Value::String(id)) if crate::ids::is_guid(id) => id.clone(),
        Some(_) => return Err("its envelopeId is not a GUID".to_owned()),
        None => return Err("it has no envelopeId".to_owned()),
    };
    let changed = match map.get("statusChangedDateTime") {
        Some(Value::String(t)) if !t.trim().is_empty() => t.trim().to_owned(),
        _ => return Err("it has no statusChangedDateTime".to_owned()),
    };
    let time = Timestamp::parse(&changed);
    if let Some(t) = time {
        map.insert("_time".into(), Value::String(t.to_rfc3339()));
    }
    map.insert(
        "source_log_type".into(),
        Value::String("envelopechanges".into()),
    );
    let json = serde_json::to_string(&map).map_err(|e| e.to_string())?;
    Ok(Event {
        event_type: EventType::EnvelopeChanges,
        id: format!("{envelope_id}@{changed}"),
        time,
        json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "4b2e0c5a-1f3d-4e8b-9c6a-2d7f8e9a0b1c";

    #[test]
    fn a_change_is_an_envelope_at_a_status_time() {
        let e = to_event(json!({"envelopeId": ID, "status": "completed",
            "statusChangedDateTime": "2025-05-02T15:40:40.3970000Z"}))
        .unwrap();
        assert_eq!(e.id, format!("{ID}@2025-05-02T15:40:40.3970000Z"));
        assert_eq!(e.event_type, EventType::EnvelopeChanges);
        let v: Value = serde_json::from_str(&e.json).unwrap();
        assert_eq!(v["_time"], "2025-05-02T15:40:40.397Z");
        assert_eq!(v["source_log_type"], "envelopechanges");
        assert_eq!(v["status"], "completed");
        let later = to_event(json!({"envelopeId": ID, "status": "voided",
            "statusChangedDateTime": "2025-05-03T09:00:00Z"}))
        .unwrap();
        assert_ne!(e.id, later.id);
        assert!(
            to_event(json!({"envelopeId": "nope", "statusChangedDateTime": "x"}))
                .unwrap_err()
                .contains("GUID")
        );
        assert!(
            to_event(json!({"envelopeId": ID}))
                .unwrap_err()
                .contains("statusChangedDateTime")
        );
        assert!(to_event(json!("x")).is_err());
    }

    #[test]
    fn paging_fields_decide_the_end() {
        let reply = |v: Value| serde_json::from_value::<Reply>(v).unwrap();
        assert!(reply(json!({"totalSetSize": "250", "nextUri": ""})).more_after(0, 100));
        assert!(!reply(json!({"totalSetSize": "250", "nextUri": ""})).more_after(200, 50));
        assert!(reply(json!({"nextUri": "/envelopes?start_position=100"})).more_after(0, 100));
        assert!(!reply(json!({"nextUri": null})).more_after(0, 100));
        assert!(!reply(json!({"totalSetSize": 9, "nextUri": "/x"})).more_after(0, 0));
    }
}

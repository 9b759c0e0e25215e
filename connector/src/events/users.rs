//! Admin API users ("audit users"): `GET https://api[-d].docusign.net/management/v2/organizations/{org}/users`.
//!
//! The user list carries no modification time, so users are read in time windows
//! (`last_modified_since`); each user is a snapshot observed at the window's end, and its event
//! id is the user id plus a hash of the snapshot: an unchanged user listed again is a duplicate,
//! a changed one is a new event.

use serde::Deserialize;
use serde_json::Value;

use super::window::{self, Page};
use super::{Event, EventType, content_hash};
use crate::auth::Session;
use crate::error::Result;
use crate::http;
use crate::request::{HttpRequest, Method};
use crate::timestamp::Timestamp;
use crate::wire::lenient_u64;

/// Page size: the Admin API serves up to 250 users per call.
pub const PAGE_SIZE: u32 = 250;

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    users: Vec<Value>,
    paging: Option<Paging>,
}

/// The reply's `paging` (Admin API `PagingResponseProperties`).
#[derive(Deserialize)]
struct Paging {
    #[serde(default, deserialize_with = "lenient_u64")]
    total_set_size: Option<u64>,
    next: Option<String>,
}

/// Whether users follow a page of `returned` users read from `start`. The reply's `paging` says
/// so (`next`, else `total_set_size`); a page that is short of `take` is the end only when the
/// reply has no paging at all, since a server may cap `take` below what was asked.
fn more_after(paging: Option<&Paging>, start: u64, returned: usize, take: u32) -> bool {
    if returned == 0 {
        return false;
    }
    match paging {
        Some(p) if p.next.as_deref().is_some_and(|n| !n.trim().is_empty()) => true,
        Some(Paging {
            total_set_size: Some(total),
            ..
        }) => start + (returned as u64) < *total,
        Some(_) => false,
        None => returned >= take as usize,
    }
}

/// What to list.
pub struct Query<'q> {
    /// Organization GUID.
    pub organization_id: &'q str,
    /// Account GUID (the API needs an account, a domain or an e-mail).
    pub account_id: &'q str,
    /// `last_modified_since`, or every user.
    pub since: Option<&'q str>,
    /// Observation time of the window (the users' `_time`).
    pub observed: Timestamp,
}

/// Read `take` users from index `start`.
pub fn fetch_page(session: &Session<'_>, q: &Query<'_>, start: u64, take: u32) -> Result<Page> {
    let host = session.host();
    let start_text = start.to_string();
    let take = take.clamp(1, PAGE_SIZE);
    let take_text = take.to_string();
    let mut params: Vec<(&str, &str)> = vec![("start", &start_text), ("take", &take_text)];
    if let Some(since) = q.since {
        params.push(("last_modified_since", since));
    }
    params.push(("account_id", q.account_id));
    let url = format!(
        "https://{}/management/v2/organizations/{}/users?{}",
        session.config().environment.admin_host(),
        q.organization_id,
        crate::request::query(&params)
    );
    let resp = session.send_expecting_success(
        HttpRequest::new(Method::Get, url)
            .accept_json()
            .timeout_ms(60_000),
    )?;
    let reply: Reply = http::json(&resp, "Admin API users")?;
    let returned = reply.users.len();
    let more = more_after(reply.paging.as_ref(), start, returned, take);
    let events = window::normalize(host, "Admin API users", start, reply.users, |raw| {
        to_event(raw, q.observed)
    });
    Ok(Page {
        returned,
        events,
        more,
    })
}

/// Normalize one user: id `<user id>@<snapshot hash>`, `_time` = `observed`,
/// `source_log_type: auditusers`.
pub fn to_event(raw: Value, observed: Timestamp) -> std::result::Result<Event, String> {
    let hash = content_hash(&raw);
    let Value::Object(mut map) = raw else {
        return Err("not a JSON object".to_owned());
    };
    let user_id = match map.get("id") {
        Some(Value::String(id)) if !id.trim().is_empty() => id.clone(),
        Some(_) => return Err("its id is not a string".to_owned()),
        None => return Err("it has no id".to_owned()),
    };
    map.insert("_time".into(), Value::String(observed.to_rfc3339()));
    map.insert("source_log_type".into(), Value::String("auditusers".into()));
    let json = serde_json::to_string(&map).map_err(|e| e.to_string())?;
    Ok(Event {
        event_type: EventType::AuditUsers,
        id: format!("{user_id}@{}", &hash[..16]),
        time: Some(observed),
        json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paging_decides_the_end_not_a_short_page() {
        let paging = |next: Option<&str>, total: Option<u64>| Paging {
            total_set_size: total,
            next: next.map(str::to_owned),
        };
        // The server capped take at 100 for 250 asked: a full page of 100 is not the end.
        assert!(more_after(
            Some(&paging(Some("https://n"), Some(250))),
            0,
            100,
            250
        ));
        assert!(more_after(Some(&paging(None, Some(250))), 100, 100, 250));
        assert!(!more_after(Some(&paging(None, Some(250))), 200, 50, 250));
        assert!(!more_after(Some(&paging(Some(""), None)), 0, 100, 250));
        // No paging at all: only then does a short page end the list.
        assert!(!more_after(None, 0, 100, 250));
        assert!(more_after(None, 0, 250, 250));
        assert!(!more_after(
            Some(&paging(Some("https://n"), Some(9))),
            0,
            0,
            250
        ));
    }

    #[test]
    fn snapshot_ids_change_with_content() {
        let t = Timestamp::from_unix_ms(1_746_200_400_000);
        let a = to_event(json!({"id": "u1", "user_status": "active"}), t).unwrap();
        let same = to_event(json!({"user_status": "active", "id": "u1"}), t).unwrap();
        let changed = to_event(json!({"id": "u1", "user_status": "closed"}), t).unwrap();
        assert!(a.id.starts_with("u1@"));
        assert_eq!(a.id, same.id, "key order does not matter");
        assert_ne!(a.id, changed.id);
        let v: Value = serde_json::from_str(&a.json).unwrap();
        assert_eq!(v["_time"], "2025-05-02T15:40:00Z");
        assert_eq!(v["source_log_type"], "auditusers");
        assert!(
            to_event(json!({"user_name": "no id"}), t)
                .unwrap_err()
                .contains("no id")
        );
        assert!(
            to_event(json!({"id": 7}), t)
                .unwrap_err()
                .contains("not a string")
        );
        assert!(to_event(json!([1, 2]), t).is_err());
    }
}

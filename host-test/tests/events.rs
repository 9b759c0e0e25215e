//! Events end to end: Monitor customer events and Admin API users, get-events and the
//! exactly-once fetch, through the real component replaying cassettes.

mod common;

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{connection, host, replay};
use docusign_host::bindings::ConnectorError;
use docusign_host::bindings::commands::{EventType, FetchBatch, FetchRequest, GetEventsRequest};
use docusign_host::json_api::{self, InputFiles};
use docusign_host::replay::Replay;
use docusign_host::replay::form::decode as form_decode;
use serde_json::{Value, json};

fn fetch(r: &Replay, req: &FetchRequest) -> Result<FetchBatch, ConnectorError> {
    host()
        .fetch_events(&r.capabilities(), &connection(), req)
        .expect("no trap")
}

fn commit(r: &Replay, checkpoint: &str) -> Result<(), ConnectorError> {
    host()
        .commit_fetch(&r.capabilities(), &connection(), checkpoint)
        .expect("no trap")
}

fn monitor_id(n: u64) -> String {
    format!("e0000000-0000-4000-8000-{n:012x}")
}

fn customer_events(max: u32) -> FetchRequest {
    FetchRequest {
        event_types: vec![EventType::CustomerEvents],
        max_customer_events: max,
        max_audit_users: 1250,
        max_envelope_changes: 1000,
        first_fetch: None,
    }
}

/// Over eight scheduled fetches with a 429 and a 500 mid-fetch, a 503 on a first page, pages
/// repeating events at their boundaries, and a batch the host failed to deliver (so did not
/// commit), the events delivered are exactly E1..E14: none lost, none twice.
#[test]
fn exactly_once_across_failures() {
    let r = replay("events/monitor-fetch-scenario");
    let req = customer_events(4);
    let mut delivered: Vec<String> = Vec::new();
    let mut deliver =
        |batch: &FetchBatch| delivered.extend(batch.events.iter().map(|e| e.id.clone()));

    // 1: first fetch, one minute back; the bound stops it.
    let b = fetch(&r, &req).unwrap();
    assert_eq!(b.events.len(), 4);
    assert!(b.streams[0].more_available && b.streams[0].error.is_none());
    deliver(&b);
    commit(&r, &b.checkpoint).unwrap();

    // 2: a page repeating E4, then 429 on the second page: E5..E7 kept, retry time given.
    r.clock.advance_ms(60_000);
    let b = fetch(&r, &req).unwrap();
    assert_eq!(
        b.events.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        [monitor_id(5), monitor_id(6), monitor_id(7)]
    );
    assert!(
        matches!(&b.streams[0].error, Some(ConnectorError::RateLimited(e)) if e.retry_after_secs == 90)
    );
    assert_eq!(b.retry_after_secs, Some(90));
    deliver(&b);
    commit(&r, &b.checkpoint).unwrap();
    let old_checkpoint = b.checkpoint.clone();

    // 3: the first page fails (HTML 503): an error, nothing to deliver or commit.
    r.clock.advance_ms(90_000);
    match fetch(&r, &req) {
        Err(ConnectorError::Api(e)) => {
            assert_eq!(e.status, 503);
            assert!(e.message.contains("text/html"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }

    // 4: read, but delivery fails: not committed.
    r.clock.advance_ms(60_000);
    let lost = fetch(&r, &req).unwrap();
    assert_eq!(lost.events.len(), 4);

    // 5: the same events again (the same read gives the same checkpoint), delivered and
    // committed; an older checkpoint can no longer be committed over it.
    r.clock.advance_ms(60_000);
    let b = fetch(&r, &req).unwrap();
    assert_eq!(b.events, lost.events);
    assert_eq!(b.checkpoint, lost.checkpoint);
    deliver(&b);
    commit(&r, &b.checkpoint).unwrap();
    commit(&r, &b.checkpoint).unwrap(); // a repeated commit is harmless
    assert!(
        matches!(commit(&r, &old_checkpoint), Err(ConnectorError::State(m)) if m.contains("stale"))
    );

    // 6: E11 again, then a 500 on the second page: E12, E13 kept.
    r.clock.advance_ms(60_000);
    let b = fetch(&r, &req).unwrap();
    assert_eq!(b.events.len(), 2);
    assert!(
        matches!(&b.streams[0].error, Some(ConnectorError::Api(e)) if e.status == 500 && e.error_code.as_deref() == Some("UNSPECIFIED_ERROR"))
    );
    assert!(b.retry_after_secs.is_none());
    deliver(&b);
    commit(&r, &b.checkpoint).unwrap();

    // 7: the retried fetch delivers exactly the missing E14 and reaches the end.
    r.clock.advance_ms(60_000);
    let b = fetch(&r, &req).unwrap();
    assert_eq!(
        b.events.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        [monitor_id(14)]
    );
    assert!(!b.streams[0].more_available);
    deliver(&b);
    commit(&r, &b.checkpoint).unwrap();

    // 8: cursor unchanged: the end, nothing new.
    r.clock.advance_ms(60_000);
    let b = fetch(&r, &req).unwrap();
    assert!(b.events.is_empty() && !b.streams[0].more_available);
    commit(&r, &b.checkpoint).unwrap();
    r.finish().unwrap();

    let expected: Vec<String> = (1..=14).map(monitor_id).collect();
    let unique: BTreeSet<&String> = delivered.iter().collect();
    assert_eq!(
        unique.len(),
        delivered.len(),
        "nothing delivered twice: {delivered:?}"
    );
    assert_eq!(delivered, expected, "everything delivered, in order");
}

#[test]
fn monitor_events_are_normalized() {
    let r = replay("events/monitor-fetch-scenario");
    let b = fetch(&r, &customer_events(4)).unwrap();
    let data: Vec<Value> = b
        .events
        .iter()
        .map(|e| serde_json::from_str(&e.json).unwrap())
        .collect();
    assert!(data.iter().all(|d| d["source_log_type"] == "customerevent"));
    // E1..E4: fractional seconds of any length; E5 (in the next fetch) has none.
    assert_eq!(data[0]["timestamp"], "2025-05-02T15:38:01.1234567Z");
    assert_eq!(data[0]["_time"], "2025-05-02T15:38:01.1234567Z");
    let t = b.events[0].time.unwrap();
    assert_eq!((t.seconds, t.nanoseconds), (1_746_200_281, 123_456_700));
    commit(&r, &b.checkpoint).unwrap();
    r.clock.advance_ms(60_000);
    let b = fetch(&r, &customer_events(4)).unwrap();
    let e5: Value = serde_json::from_str(&b.events[0].json).unwrap();
    assert_eq!(e5["timestamp"], "2025-05-02T15:38:05Z");
    assert_eq!(e5["_time"], "2025-05-02T15:38:05Z");
}

#[test]
fn monitor_calls_are_paced_to_one_a_minute() {
    let r = replay("events/monitor-fetch-scenario");
    let b = fetch(&r, &customer_events(4)).unwrap();
    commit(&r, &b.checkpoint).unwrap();
    r.clock.advance_ms(20_000);
    let deferred = fetch(&r, &customer_events(4)).unwrap();
    assert!(deferred.events.is_empty());
    assert_eq!(deferred.retry_after_secs, Some(40));
    assert!(deferred.streams[0].more_available && deferred.streams[0].error.is_none());
    assert_eq!(r.transport.used(), 2, "no Monitor call while deferred");
    // Nothing moved: the batch carries the committed checkpoint, and committing it writes
    // nothing (an idle poll never invalidates another worker's batch in flight).
    assert_eq!(deferred.checkpoint, b.checkpoint);
    let key = r
        .state_snapshot()
        .into_keys()
        .find(|k| k.contains("checkpoint"))
        .unwrap();
    let before = r.state.get_entry(&key).unwrap().unwrap().version;
    commit(&r, &deferred.checkpoint).unwrap();
    assert_eq!(r.state.get_entry(&key).unwrap().unwrap().version, before);
}

fn users_request(max: u32) -> FetchRequest {
    FetchRequest {
        event_types: vec![EventType::AuditUsers],
        max_customer_events: 2000,
        max_audit_users: max,
        max_envelope_changes: 1000,
        first_fetch: Some("2025-05-01T00:00:00Z".into()),
    }
}

fn user_id(n: u64) -> String {
    format!("a0000000-0000-4000-8000-{n:012x}")
}

/// Users read across the per-fetch bound, a malformed item skipped with a log, the next window
/// overlapping the last: unchanged users dropped, changed ones delivered.
#[test]
fn audit_users_windows_paging_and_malformed_items() {
    let r = replay("events/users-fetch-scenario");
    let mut delivered = Vec::new();

    let b = fetch(&r, &users_request(3)).unwrap();
    assert_eq!(
        b.events
            .iter()
            .map(|e| e.id.split('@').next().unwrap().to_owned())
            .collect::<Vec<_>>(),
        [user_id(1), user_id(2), user_id(3)]
    );
    assert!(b.streams[0].more_available);
    assert!(
        r.log
            .text()
            .contains("Admin API users: skipping item #3 of the page at 0: it has no id"),
        "{}",
        r.log.text()
    );
    let u1: Value = serde_json::from_str(&b.events[0].json).unwrap();
    assert_eq!(
        u1["_time"], "2025-05-02T15:40:00Z",
        "observed at the window's end"
    );
    assert_eq!(u1["source_log_type"], "auditusers");
    assert_eq!(u1["email"], "user1@example.com");
    delivered.extend(b.events.iter().map(|e| e.id.clone()));
    commit(&r, &b.checkpoint).unwrap();

    r.clock.advance_ms(60_000);
    let b = fetch(&r, &users_request(3)).unwrap();
    assert_eq!(b.events.len(), 2);
    assert!(!b.streams[0].more_available);
    delivered.extend(b.events.iter().map(|e| e.id.clone()));
    commit(&r, &b.checkpoint).unwrap();

    r.clock.advance_ms(60_000);
    let b = fetch(&r, &users_request(3)).unwrap();
    assert_eq!(
        b.events.len(),
        1,
        "user 5 unchanged is a duplicate; user 2 changed is new"
    );
    assert!(b.events[0].id.starts_with(&user_id(2)));
    let renamed: Value = serde_json::from_str(&b.events[0].json).unwrap();
    assert_eq!(renamed["user_name"], "User Two Renamed");
    assert_eq!(renamed["_time"], "2025-05-02T15:42:00Z");
    delivered.extend(b.events.iter().map(|e| e.id.clone()));
    commit(&r, &b.checkpoint).unwrap();
    r.finish().unwrap();

    assert_eq!(delivered.len(), 6);
    assert_eq!(
        delivered.iter().collect::<BTreeSet<_>>().len(),
        6,
        "no snapshot twice"
    );

    // The JWT asked for the Admin scopes.
    let token_request = r
        .transport
        .received()
        .into_iter()
        .find(|q| q.url.ends_with("/oauth/token"))
        .unwrap();
    let assertion = form_decode(&token_request.body).unwrap()["assertion"].clone();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(assertion.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    // Admin API users need `user_read`, not `organization_read`.
    assert_eq!(claims["scope"], "signature impersonation user_read");
}

#[test]
fn get_events_reads_without_touching_the_checkpoint() {
    let r = replay("events/monitor-get-events");
    let conn = connection();
    let req = GetEventsRequest {
        event_type: EventType::CustomerEvents,
        limit: 3,
        since: None,
    };
    let events = host()
        .get_events(&r.capabilities(), &conn, &req)
        .unwrap()
        .unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].id, monitor_id(21));
    // Empty stream.
    let empty = host()
        .get_events(
            &r.capabilities(),
            &conn,
            &GetEventsRequest {
                limit: 10,
                ..req.clone()
            },
        )
        .unwrap()
        .unwrap();
    assert!(empty.is_empty());
    // A multi-organization admin gets 403.
    match host()
        .get_events(
            &r.capabilities(),
            &conn,
            &GetEventsRequest { limit: 10, ..req },
        )
        .unwrap()
    {
        Err(ConnectorError::Api(e)) => {
            assert_eq!(e.status, 403);
            assert_eq!(e.error_code.as_deref(), Some("forbidden"));
            assert!(e.message.contains("more than one organization"));
            assert!(e.hint.unwrap().contains("Monitor"));
        }
        other => panic!("{other:?}"),
    }
    r.finish().unwrap();
    // No checkpoint was written: a fetch now starts from its first-fetch time.
    let committed = fetch_checkpoint_keys(&r);
    assert!(committed.is_empty(), "{committed:?}");
    assert!(
        r.state_snapshot().keys().any(|k| k.ends_with("/tokens")),
        "the snapshot does see state"
    );
}

/// Keys of committed fetch checkpoints in a replay's state store.
fn fetch_checkpoint_keys(r: &Replay) -> Vec<String> {
    r.state_snapshot()
        .into_keys()
        .filter(|k| k.ends_with("/fetch-checkpoint"))
        .collect()
}

#[test]
fn get_events_for_users_through_json() {
    let r = replay("events/users-get-events");
    let out = json_api::invoke(
        &host(),
        &r.capabilities(),
        &connection(),
        "get-events",
        json!({"event_type": "audit-users", "limit": 2, "since": "1 hour ago"}),
        InputFiles::default(),
    )
    .unwrap();
    let events = out["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["event_type"], "audit-users");
    assert_eq!(events[0]["data"]["id"], user_id(7));
    assert_eq!(events[0]["time"], "2025-05-02T15:40:00Z");
    r.finish().unwrap();
}

/// A server that caps `take` at 100 for the 250 asked: a full page of 100 is not the end; the
/// reply's `paging` says more follow, and every one of the 250 users is read.
#[test]
fn audit_users_follow_paging_when_the_server_caps_take() {
    let r = replay("events/users-capped-take");
    let b = fetch(&r, &users_request(1250)).unwrap();
    r.finish().unwrap();
    let ids: BTreeSet<String> = b
        .events
        .iter()
        .map(|e| e.id.split('@').next().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = (100..200)
        .chain(200..300)
        .chain(300..350)
        .map(user_id)
        .collect();
    assert_eq!(ids, expected, "no user skipped");
    assert!(!b.streams[0].more_available);
}

/// `monitor_endpoint = "lens"` reads the dataset stream on lens-d; without it (and with an
/// organization id) every other Monitor cassette reads the organization stream.
#[test]
fn the_lens_dataset_stream_is_used_when_configured() {
    let three = GetEventsRequest {
        event_type: EventType::CustomerEvents,
        limit: 3,
        since: None,
    };
    let r = replay("events/monitor-lens");
    let mut conn = connection();
    conn.monitor_endpoint = Some(docusign_host::bindings::MonitorEndpoint::Lens);
    let got = host()
        .get_events(&r.capabilities(), &conn, &three)
        .unwrap()
        .unwrap();
    assert_eq!(got.len(), 3);
    r.clock.advance_ms(60_000);
    let b = host()
        .fetch_events(&r.capabilities(), &conn, &customer_events(2000))
        .unwrap()
        .unwrap();
    assert_eq!(b.events.len(), 3);
    assert!(!b.streams[0].more_available);
    r.finish().unwrap();
    assert!(
        r.transport
            .received()
            .iter()
            .filter(|q| !q.url.contains("/oauth/"))
            .all(|q| q
                .url
                .starts_with("https://lens-d.docusign.net/api/v2.0/datasets/monitor/stream?"))
    );
    // The default, with the demo's organization id: the organization stream.
    let r = replay("events/monitor-get-events");
    host()
        .get_events(&r.capabilities(), &connection(), &three)
        .unwrap()
        .unwrap();
    assert!(r.transport.received()[1].url.starts_with(
        "https://api-d.docusign.com/v1/organizations/9c5fb8e1-2d3c-4b5a-8f7e-054ff8a249bf/stream?"
    ));
}

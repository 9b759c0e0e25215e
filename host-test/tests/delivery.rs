//! Exactly-once delivery to a JSON-lines file across crashes: 20 runs stopped at randomized
//! points (before, during and after the append, before and after the commit, after a recovery
//! commit) or with a failing commit, each followed by more runs, against stateful fakes: a Monitor
//! stream that repeats an event at every page boundary, and an envelope changes listing whose
//! changes appear as time passes, several in the same second. The file ends with every event
//! once.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use common::{connection, host};
use docusign_host::bindings::commands::{EventType, FetchRequest};
use docusign_host::bindings::{Request, Response, Timestamp, TransportError};
use docusign_host::capabilities::{Capabilities, StateStore, Transport};
use docusign_host::clock::ManualClock;
use docusign_host::delivery::{
    DeliveryError, FaultPoint, JsonLinesSink, SinkError, fetch_and_deliver,
};
use docusign_host::log_sink::MemoryLog;
use docusign_host::replay::DEFAULT_START_MS;
use docusign_host::state_store::{Entry, MemoryStateStore, StateError};
use serde_json::{Value, json};

const EVENTS: usize = 60;
const PAGE: usize = 7;

/// A Monitor stream of [`EVENTS`] events served by cursor (not by script), so any run may ask
/// for any position; every page after the first repeats the event before it.
struct FakeMonitor;

impl FakeMonitor {
    fn page(&self, url: &str) -> Value {
        let query: BTreeMap<String, String> = url
            .split_once('?')
            .map(|(_, q)| docusign_host::replay::form::decode(q.as_bytes()).unwrap())
            .unwrap_or_default();
        let at: usize = query
            .get("cursor")
            .and_then(|c| c.strip_prefix('c'))
            .map_or(0, |n| n.parse().unwrap());
        let limit: usize = query["limit"].parse().unwrap();
        let end = (at + limit.min(PAGE)).min(EVENTS);
        let from = at.saturating_sub(1);
        let data: Vec<Value> = (from..end)
            .map(|i| json!({"eventId": format!("ev-{i:03}"), "timestamp": format!("2025-05-02T15:00:{:02}Z", i % 60), "object": "User", "action": "Login"}))
            .collect();
        let data = if at >= EVENTS { Vec::new() } else { data };
        json!({"endCursor": format!("c{end}"), "data": data})
    }
}

fn json_response(body: Value) -> Response {
    Response {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

fn not_found() -> Response {
    Response {
        status: 404,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

fn token() -> Value {
    json!({"access_token": "fake-token", "token_type": "Bearer", "expires_in": 3600})
}

fn query(url: &str) -> BTreeMap<String, String> {
    url.split_once('?')
        .map(|(_, q)| docusign_host::replay::form::decode(q.as_bytes()).unwrap())
        .unwrap_or_default()
}

impl Transport for FakeMonitor {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        Ok(if request.url.ends_with("/oauth/token") {
            json_response(token())
        } else if request.url.contains("/stream?") {
            json_response(self.page(&request.url))
        } else {
            not_found()
        })
    }
}

/// Envelope changes: [`EVENTS`] changes from the start time on, two in each second 23 s apart,
/// of 25 envelopes (each changes more than once), listed by `GET /envelopes` as DocuSign does:
/// between `from_date` and `to_date`, oldest first, at most [`PAGE`] per call.
struct FakeChanges;

impl FakeChanges {
    fn change_ms(k: usize) -> u64 {
        DEFAULT_START_MS + (k as u64 / 2) * 23_000 + (k as u64 % 2) * 400
    }

    fn envelope(k: usize) -> String {
        format!("00000000-0000-4000-8000-{:012}", k % 25)
    }

    fn time(ms: u64) -> String {
        Timestamp {
            seconds: (ms / 1000) as i64,
            nanoseconds: ((ms % 1000) * 1_000_000) as u32,
        }
        .to_rfc3339()
    }

    fn page(&self, url: &str) -> Value {
        let q = query(url);
        let ms = |name: &str| docusign_host::clock::parse_rfc3339_ms(&q[name]).unwrap();
        let (from, to) = (ms("from_date"), ms("to_date"));
        let start: usize = q["start_position"].parse().unwrap();
        let count: usize = q["count"].parse().unwrap();
        assert_eq!(
            (q["order_by"].as_str(), q["order"].as_str()),
            ("status_changed", "asc")
        );
        let listed: Vec<usize> = (0..EVENTS)
            .filter(|k| (from..=to).contains(&Self::change_ms(*k)))
            .collect();
        let end = (start + count.min(PAGE)).min(listed.len());
        let envelopes: Vec<Value> = listed[start.min(end)..end]
            .iter()
            .map(|k| {
                json!({"envelopeId": Self::envelope(*k), "status": "sent",
                "statusChangedDateTime": Self::time(Self::change_ms(*k))})
            })
            .collect();
        json!({"resultSetSize": envelopes.len().to_string(), "totalSetSize": listed.len().to_string(),
            "startPosition": start.to_string(),
            "nextUri": if end < listed.len() { "/envelopes?more" } else { "" },
            "envelopes": envelopes})
    }

    fn expected_ids() -> Vec<String> {
        (0..EVENTS)
            .map(|k| format!("{}@{}", Self::envelope(k), Self::time(Self::change_ms(k))))
            .collect()
    }
}

impl Transport for FakeChanges {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        Ok(if request.url.ends_with("/oauth/token") {
            json_response(token())
        } else if request.url.ends_with("/oauth/userinfo") {
            json_response(
                json!({"sub": "u", "name": "n", "email": "e@example.com", "accounts": [
                {"account_id": "a4ec37d6-1c2b-4c3d-9e4f-143885c220e1", "is_default": true,
                 "account_name": "Demo", "base_uri": "https://demo.docusign.net"}]}),
            )
        } else if request.url.contains("/envelopes?") {
            json_response(self.page(&request.url))
        } else {
            not_found()
        })
    }
}

/// The state store, whose next write of the fetch checkpoint can be made to fail.
#[derive(Default)]
struct FlakyState {
    inner: MemoryStateStore,
    fail_checkpoint: AtomicBool,
}

impl StateStore for FlakyState {
    fn get_entry(&self, key: &str) -> Result<Option<Entry>, StateError> {
        self.inner.get_entry(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StateError> {
        self.inner.set(key, value)
    }
    fn set_if(&self, key: &str, value: &str, expected: Option<u64>) -> Result<u64, StateError> {
        if key.ends_with("/fetch-checkpoint") && self.fail_checkpoint.swap(false, Ordering::SeqCst)
        {
            return Err(StateError::Unavailable("injected: the disk is full".into()));
        }
        self.inner.set_if(key, value, expected)
    }
    fn delete(&self, key: &str) -> Result<bool, StateError> {
        self.inner.delete(key)
    }
    fn lease(&self, key: &str, owner: u64, ttl_ms: u32, wait_ms: u32) -> Result<bool, StateError> {
        self.inner.lease(key, owner, ttl_ms, wait_ms)
    }
    fn renew(&self, key: &str, owner: u64, ttl_ms: u32) -> Result<bool, StateError> {
        self.inner.renew(key, owner, ttl_ms)
    }
    fn release(&self, key: &str, owner: u64) {
        self.inner.release(key, owner)
    }
}

/// xorshift64: reproducible crash points without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// How a run is disturbed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Disturbance {
    Stop(FaultPoint),
    FailCommit,
}

#[test]
fn every_event_once_across_20_randomized_crash_points() {
    let request = FetchRequest {
        event_types: vec![EventType::CustomerEvents],
        max_customer_events: 10,
        max_audit_users: 1250,
        max_envelope_changes: 1000,
        first_fetch: Some("stream-default".into()),
    };
    let expected: Vec<String> = (0..EVENTS).map(|i| format!("ev-{i:03}")).collect();
    survive_20_crashes("monitor", Arc::new(FakeMonitor), request, expected);
}

#[test]
fn every_envelope_change_once_across_20_randomized_crash_points() {
    let request = FetchRequest {
        event_types: vec![EventType::EnvelopeChanges],
        max_customer_events: 2000,
        max_audit_users: 1250,
        max_envelope_changes: 10,
        first_fetch: Some("10 minutes ago".into()),
    };
    let mut expected = FakeChanges::expected_ids();
    expected.sort();
    survive_20_crashes("changes", Arc::new(FakeChanges), request, expected);
}

/// Runs a minute apart until the stream is drained, 20 of them disturbed at random; the file
/// must hold exactly `expected` (sorted ids).
fn survive_20_crashes(
    name: &str,
    transport: Arc<dyn Transport>,
    request: FetchRequest,
    expected: Vec<String>,
) {
    let dir = common::fresh_dir(&format!("delivery-{name}"));
    let out = dir.join("events.jsonl");
    let state = Arc::new(FlakyState::default());
    let clock = Arc::new(ManualClock::new(DEFAULT_START_MS));
    let caps = Capabilities {
        transport,
        clock: clock.clone(),
        state: state.clone(),
        log: Arc::new(MemoryLog::default()),
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let fired = Mutex::new(Vec::new());
    let mut disturbed = 0;
    let mut drained = false;
    for run in 0..200 {
        // Runs a minute apart (Monitor allows one call a minute); each run is a new process.
        clock.advance_ms(61_000);
        let disturbance = (disturbed < 20 && rng.below(4) != 0).then(|| {
            match rng.below(FaultPoint::ALL.len() + 1) {
                i if i < FaultPoint::ALL.len() => Disturbance::Stop(FaultPoint::ALL[i]),
                _ => Disturbance::FailCommit,
            }
        });
        if disturbance == Some(Disturbance::FailCommit) {
            state.fail_checkpoint.store(true, Ordering::SeqCst);
        }
        let mut sink = JsonLinesSink::open(&out).unwrap();
        let hook = |point: FaultPoint| {
            let stop = disturbance == Some(Disturbance::Stop(point));
            if stop {
                fired.lock().unwrap().push(point);
            }
            stop
        };
        let outcome = fetch_and_deliver(
            &host(),
            &caps,
            &connection(),
            request.clone(),
            &mut sink,
            &hook,
        );
        state.fail_checkpoint.store(false, Ordering::SeqCst);
        match (outcome, disturbance) {
            (Err(DeliveryError::Sink(SinkError::Fault(_))), Some(Disturbance::Stop(_))) => {
                disturbed += 1
            }
            (Err(DeliveryError::Commit { .. }), Some(Disturbance::FailCommit)) => disturbed += 1,
            // The point was not reached in this run (no pending batch to recover).
            (Ok(_), Some(_)) => {}
            (Ok(batch), None) => {
                drained =
                    disturbed >= 20 && batch.events.is_empty() && !batch.streams[0].more_available;
            }
            (other, d) => panic!("run {run} ({d:?}): {other:?}"),
        }
        if drained {
            break;
        }
    }
    assert!(drained, "the stream was not read to the end");
    assert_eq!(disturbed, 20);
    let points = fired.lock().unwrap().clone();
    assert!(
        points.contains(&FaultPoint::MidAppend) && points.contains(&FaultPoint::BeforeCommit),
        "the randomized points cover torn writes and lost commits: {points:?}"
    );
    let ids = common::jsonl_ids(&out);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "every event exactly once");
    std::fs::remove_dir_all(&dir).unwrap();
}

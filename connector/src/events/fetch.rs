//! `fetch-events`: each selected stream read from the committed checkpoint, duplicates dropped,
//! a candidate checkpoint returned with the batch (see the module docs of [`super`]).

use std::collections::HashSet;

use super::checkpoint::{self, Dedup, MonitorPosition, WindowPosition};
use super::since::{self, Start};
use super::window::WindowRead;
use super::{
    CHANGES_WINDOW_OVERLAP_MS, DEFAULT_START, Event, EventType, FetchBatch, FetchRequest,
    MAX_FETCH_AUDIT_USERS, MAX_FETCH_CUSTOMER_EVENTS, MAX_FETCH_ENVELOPE_CHANGES, StreamReport,
    USER_WINDOW_OVERLAP_MS, admin_account, check_limit, envelope_changes, monitor, organization,
    users, window,
};
use crate::auth::{Session, scopes};
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::timestamp::Timestamp;

fn validate_fetch(req: &FetchRequest) -> Result<()> {
    if req.event_types.is_empty() {
        return Err(ConnectorError::invalid(
            "event-types",
            "select at least one of customer-events, audit-users, envelope-changes",
        ));
    }
    let mut seen = HashSet::new();
    if !req.event_types.iter().all(|t| seen.insert(*t)) {
        return Err(ConnectorError::invalid(
            "event-types",
            "lists an event type twice",
        ));
    }
    if req.event_types.contains(&EventType::CustomerEvents) {
        check_limit(
            "max-customer-events",
            req.max_customer_events,
            MAX_FETCH_CUSTOMER_EVENTS,
        )?;
    }
    if req.event_types.contains(&EventType::AuditUsers) {
        check_limit(
            "max-audit-users",
            req.max_audit_users,
            MAX_FETCH_AUDIT_USERS,
        )?;
    }
    if req.event_types.contains(&EventType::EnvelopeChanges) {
        check_limit(
            "max-envelope-changes",
            req.max_envelope_changes,
            MAX_FETCH_ENVELOPE_CHANGES,
        )?;
    }
    Ok(())
}

/// What reading one stream produced.
struct StreamOutcome {
    events: Vec<Event>,
    report: StreamReport,
    retry_after_secs: Option<u64>,
}

impl StreamOutcome {
    /// The stream was read as far as it goes or the bound allows: `failure` or success.
    fn ended(
        event_type: EventType,
        events: Vec<Event>,
        more_available: bool,
        failure: Option<ConnectorError>,
    ) -> Self {
        match failure {
            Some(e) => Self::failed(event_type, e, events),
            None => Self {
                report: StreamReport {
                    event_type,
                    fetched: events.len() as u32,
                    more_available,
                    error: None,
                },
                events,
                retry_after_secs: None,
            },
        }
    }

    fn failed(event_type: EventType, error: ConnectorError, events: Vec<Event>) -> Self {
        let retry_after_secs = match &error {
            ConnectorError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        Self {
            report: StreamReport {
                event_type,
                fetched: events.len() as u32,
                more_available: true,
                error: Some(error),
            },
            events,
            retry_after_secs,
        }
    }
}

/// Collect new events since the committed checkpoint; see the module docs.
pub fn fetch_events(host: &dyn Host, config: &Config, req: &FetchRequest) -> Result<FetchBatch> {
    validate_fetch(req)?;
    let start = since::parse(
        "first-fetch",
        req.first_fetch.as_deref().unwrap_or(DEFAULT_START),
        host.now_ms(),
    )?;
    if req.event_types.contains(&EventType::AuditUsers) {
        organization(config)?;
    }
    let session = Session::new(host, config, scopes::for_event_types(&req.event_types));
    let committed = checkpoint::load(host, &session.keys().fetch_checkpoint)?;
    // Configuration and consent problems concern every stream: report them as the error.
    session.token()?;
    let mut candidate = committed.successor();
    let mut batch = FetchBatch {
        events: Vec::new(),
        checkpoint: String::new(),
        streams: Vec::new(),
        retry_after_secs: None,
    };
    for event_type in &req.event_types {
        let outcome = match event_type {
            EventType::CustomerEvents => customer_events(
                &session,
                &committed.customer_events,
                &mut candidate.customer_events,
                start,
                req.max_customer_events,
            ),
            EventType::AuditUsers => audit_users(
                &session,
                &committed.audit_users,
                &mut candidate.audit_users,
                start,
                req.max_audit_users,
            ),
            EventType::EnvelopeChanges => envelope_changes(
                &session,
                &committed.envelope_changes,
                &mut candidate.envelope_changes,
                start,
                req.max_envelope_changes,
            ),
        };
        host.log(
            Level::Info,
            &format!(
                "{}: {} new event(s){}{}",
                event_type.as_str(),
                outcome.report.fetched,
                if outcome.report.more_available {
                    ", more available"
                } else {
                    ""
                },
                outcome
                    .report
                    .error
                    .as_ref()
                    .map(|e| format!(", stopped: {e}"))
                    .unwrap_or_default()
            ),
        );
        batch.retry_after_secs = batch.retry_after_secs.max(outcome.retry_after_secs);
        batch.events.extend(outcome.events);
        batch.streams.push(outcome.report);
    }
    // Nothing read and every stream failed: the fetch as a whole failed.
    if batch.events.is_empty()
        && batch.streams.iter().all(|s| s.error.is_some())
        && let Some(error) = batch.streams.iter().find_map(|s| s.error.clone())
    {
        return Err(error);
    }
    // No stream moved (deferred, nothing new): the committed checkpoint itself, whose commit
    // writes nothing, so an idle poll never invalidates another worker's batch in flight.
    if candidate.customer_events == committed.customer_events
        && candidate.audit_users == committed.audit_users
        && candidate.envelope_changes == committed.envelope_changes
    {
        candidate = committed;
    }
    batch.checkpoint = candidate.to_text();
    Ok(batch)
}

fn customer_events(
    session: &Session<'_>,
    committed: &MonitorPosition,
    candidate: &mut MonitorPosition,
    start: Start,
    max: u32,
) -> StreamOutcome {
    const TYPE: EventType = EventType::CustomerEvents;
    let host = session.host();
    let now = host.now_ms();
    let last_call = host
        .state_get(&session.keys().monitor_last_call)
        .ok()
        .flatten()
        .and_then(|t| t.parse::<u64>().ok());
    // A call time in the future (the clock moved back, a replay) is ignored, not waited for.
    if let Some(wait_ms) = last_call
        .filter(|t| *t <= now)
        .map(|t| (t + monitor::MIN_CALL_INTERVAL_MS).saturating_sub(now))
        .filter(|w| *w > 0)
    {
        host.log(
            Level::Info,
            "customer-events: the previous Monitor call was less than a minute ago; deferring",
        );
        return StreamOutcome {
            events: Vec::new(),
            report: StreamReport {
                event_type: TYPE,
                fetched: 0,
                more_available: true,
                error: None,
            },
            retry_after_secs: Some(wait_ms.div_ceil(1000)),
        };
    }
    let mut cursor = committed.cursor.clone().or(start.query());
    let mut dedup = Dedup::new(&committed.recent);
    let mut events = Vec::new();
    let max_pages = max.div_ceil(monitor::MAX_LIMIT) as usize + 1;
    let mut more_available = false;
    let mut failure = None;
    for _ in 0..max_pages {
        let limit = (max as usize - events.len().min(max as usize))
            .clamp(1, monitor::MAX_LIMIT as usize) as u32;
        match monitor::fetch_page(session, cursor.as_deref(), limit) {
            Err(e) => {
                failure = Some(e);
                break;
            }
            Ok(page) => {
                // A page is taken whole (its cursor covers all of it), even if DocuSign sent more
                // than `limit`.
                events.extend(page.events.into_iter().filter(|e| dedup.admit(&e.id)));
                let at_end =
                    cursor.as_deref() == Some(page.end_cursor.as_str()) || page.returned == 0;
                cursor = Some(page.end_cursor);
                if at_end {
                    more_available = false;
                    break;
                }
                more_available = true;
                if events.len() >= max as usize {
                    break;
                }
            }
        }
    }
    if dedup.dropped > 0 {
        host.log(
            Level::Info,
            &format!("customer-events: dropped {} duplicate(s)", dedup.dropped),
        );
    }
    *candidate = MonitorPosition {
        cursor,
        recent: dedup.into_recent(),
    };
    StreamOutcome::ended(TYPE, events, more_available, failure)
}

fn audit_users(
    session: &Session<'_>,
    committed: &WindowPosition,
    candidate: &mut WindowPosition,
    start: Start,
    max: u32,
) -> StreamOutcome {
    const TYPE: EventType = EventType::AuditUsers;
    let host = session.host();
    let window = window::open(committed, start.query(), host.now_ms());
    let (organization_id, account_id) =
        match organization(session.config()).and_then(|o| Ok((o, admin_account(session)?))) {
            Ok(ids) => ids,
            Err(e) => return StreamOutcome::failed(TYPE, e, Vec::new()),
        };
    let from = window.from.clone();
    let q = users::Query {
        organization_id,
        account_id: &account_id,
        since: from.as_deref(),
        observed: Timestamp::parse(&window.to)
            .unwrap_or_else(|| Timestamp::from_unix_ms(host.now_ms())),
    };
    let read = window::read(
        committed,
        window,
        max,
        users::PAGE_SIZE,
        USER_WINDOW_OVERLAP_MS,
        |next, take| users::fetch_page(session, &q, next, take),
    );
    window_ended(host, TYPE, "unchanged user(s)", read, candidate)
}

fn envelope_changes(
    session: &Session<'_>,
    committed: &WindowPosition,
    candidate: &mut WindowPosition,
    start: Start,
    max: u32,
) -> StreamOutcome {
    const TYPE: EventType = EventType::EnvelopeChanges;
    let host = session.host();
    let first_from = start.query().unwrap_or_else(|| {
        since::to_query(Timestamp::from_unix_ms(
            host.now_ms()
                .saturating_sub(envelope_changes::STREAM_DEFAULT_BACK_MS),
        ))
    });
    let window = window::open(committed, Some(first_from.clone()), host.now_ms());
    let read = envelope_changes::read(
        session,
        committed,
        window,
        &first_from,
        max,
        CHANGES_WINDOW_OVERLAP_MS,
    );
    window_ended(host, TYPE, "change(s)", read, candidate)
}

/// A windowed stream's outcome: log the duplicates dropped (`what` names them), keep the
/// candidate position.
fn window_ended(
    host: &dyn Host,
    event_type: EventType,
    what: &str,
    read: WindowRead,
    candidate: &mut WindowPosition,
) -> StreamOutcome {
    if read.dropped > 0 {
        host.log(
            Level::Info,
            &format!(
                "{}: dropped {} {what} already delivered",
                event_type.as_str(),
                read.dropped
            ),
        );
    }
    *candidate = read.position;
    StreamOutcome::ended(event_type, read.events, !read.complete, read.failure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Connection};
    use crate::request::HttpResponse;
    use crate::testing::FakeHost;

    /// A server that answers every page with the same one, saying more follow (found by the
    /// `event_replies` fuzz target: the read looped until the invocation's time bound): each
    /// windowed stream stops after a bounded number of calls, unfinished, its place kept.
    #[test]
    fn a_server_repeating_a_page_does_not_hold_the_fetch() {
        let config = Config::from_connection(&Connection {
            auth_server: "account-d.docusign.com".into(),
            integration_key: "1f2e3d4c-5b6a-4789-8abc-def012345678".into(),
            user_id: "4799e5e9-1559-4915-9862-cf4713bbcacc".into(),
            private_key_pem: include_str!("../../../fixtures/keys/test-only-rsa-pkcs1.pem").into(),
            organization_id: Some("9c5fb8e1-2d3c-4b5a-8f7e-054ff8a249bf".into()),
            ..Connection::default()
        })
        .unwrap();
        let pages = [
            (
                EventType::AuditUsers,
                r#"{"users":[{"id":"a0000000-0000-4000-8000-000000000003","user_name":"User 3","membership_created_on":"2024-03-04T12:00:00Z"}],"paging":{"total_set_size":6,"next":"https://api-d.docusign.net/management/v2/organizations/o/users?start=4&take=1"}}"#,
            ),
            (
                EventType::EnvelopeChanges,
                r#"{"envelopes":[{"envelopeId":"d0000000-0000-4000-8000-000000000001","status":"sent","statusChangedDateTime":"2025-05-02T15:00:00Z"}],"totalSetSize":"50","resultSetSize":"1","nextUri":"/envelopes?start_position=1"}"#,
            ),
        ];
        for (event_type, body) in pages {
            let host = FakeHost::answering(HttpResponse {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.as_bytes().to_vec(),
            });
            host.seed_session(&config);
            let req = FetchRequest {
                event_types: vec![event_type],
                max_customer_events: 2000,
                max_audit_users: 300,
                max_envelope_changes: 300,
                first_fetch: None,
            };
            let batch = fetch_events(&host, &config, &req).unwrap();
            assert_eq!(batch.events.len(), 1, "{event_type:?}");
            let report = &batch.streams[0];
            assert!(
                report.more_available && report.error.is_none(),
                "{report:?}"
            );
            let calls = host.requests.borrow().len();
            assert!(
                calls <= 2 * (window::STALE_PAGES + 1),
                "{event_type:?}: {calls} calls"
            );
        }
    }

    #[test]
    fn fetch_requests_are_validated() {
        let ok = FetchRequest {
            event_types: vec![EventType::CustomerEvents],
            max_customer_events: 2000,
            max_audit_users: 0,
            max_envelope_changes: 0,
            first_fetch: None,
        };
        validate_fetch(&ok).unwrap();
        let field = |r: FetchRequest| match validate_fetch(&r) {
            Err(ConnectorError::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(FetchRequest {
                event_types: vec![],
                ..ok.clone()
            }),
            "event-types"
        );
        assert_eq!(
            field(FetchRequest {
                event_types: vec![EventType::AuditUsers; 2],
                ..ok.clone()
            }),
            "event-types"
        );
        // A type listed twice anywhere in the list, not only as the only two entries.
        assert_eq!(
            field(FetchRequest {
                event_types: vec![
                    EventType::CustomerEvents,
                    EventType::AuditUsers,
                    EventType::CustomerEvents,
                ],
                max_audit_users: 1250,
                ..ok.clone()
            }),
            "event-types"
        );
        validate_fetch(&FetchRequest {
            event_types: vec![EventType::AuditUsers, EventType::CustomerEvents],
            max_audit_users: 1250,
            ..ok.clone()
        })
        .unwrap();
        assert_eq!(
            field(FetchRequest {
                max_customer_events: 0,
                ..ok.clone()
            }),
            "max-customer-events"
        );
        assert_eq!(
            field(FetchRequest {
                event_types: vec![EventType::AuditUsers],
                max_audit_users: 10_001,
                ..ok
            }),
            "max-audit-users"
        );
    }
}

//! Security events: Monitor customer events and Admin API users, read for debugging
//! (`get-events`) or collected on a schedule with exactly-once checkpoints (`fetch-events` then
//! `commit-fetch`).
//!
//! A fetch reads each selected stream from the committed checkpoint, drops events already
//! delivered (by id), and returns the events with a candidate checkpoint; nothing is stored
//! until the host, having delivered the batch, passes that checkpoint to `commit-fetch`. A stream
//! that fails keeps the events it read before the failure (with a checkpoint covering exactly
//! those) and reports the error; the other streams go on.

pub mod checkpoint;
pub mod monitor;
pub mod since;
pub mod users;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::auth::Session;
use crate::commands::scopes_for;
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::timestamp::Timestamp;
use checkpoint::{Checkpoint, Dedup, MonitorPosition, UserWindow, UsersPosition};
use since::Start;

/// Kinds of events (WIT `event-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Monitor API customer events.
    CustomerEvents,
    /// Admin API organization users.
    AuditUsers,
}

impl EventType {
    /// Contract spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerEvents => "customer-events",
            Self::AuditUsers => "audit-users",
        }
    }
}

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
/// Default start when nothing says otherwise.
pub const DEFAULT_START: &str = "1 minute ago";
/// Overlap between consecutive user windows (clock skew, indexing delay).
pub const USER_WINDOW_OVERLAP_MS: u64 = 60_000;

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
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn organization(config: &Config) -> Result<&str> {
    config.organization_id.as_deref().ok_or_else(|| {
        ConnectorError::invalid(
            "organization-id",
            "is required for audit-users (the Organization ID shown in DocuSign Admin under Organizations)",
        )
    })
}

/// The account the Admin API lists users of: the configured one, else the user's default.
fn admin_account(session: &Session<'_>) -> Result<String> {
    match &session.config().account_id {
        Some(id) => Ok(id.clone()),
        None => Ok(session.account()?.account_id),
    }
}

fn check_limit(field: &str, value: u32, max: u32) -> Result<()> {
    if !(1..=max).contains(&value) {
        return Err(ConnectorError::invalid(
            field,
            format!("{value} is outside 1..={max}"),
        ));
    }
    Ok(())
}

/// Read events without touching the checkpoint (debugging).
pub fn get_events(host: &dyn Host, config: &Config, req: &GetEventsRequest) -> Result<Vec<Event>> {
    check_limit("limit", req.limit, MAX_GET_LIMIT)?;
    let start = since::parse(
        "since",
        req.since.as_deref().unwrap_or(DEFAULT_START),
        host.now_ms(),
    )?;
    let from = match start {
        Start::At(ts) => Some(since::to_query(ts)),
        Start::StreamDefault => None,
    };
    let org = if req.event_type == EventType::AuditUsers {
        Some(organization(config)?)
    } else {
        None
    };
    let session = Session::new(host, config, scopes_for(&[req.event_type]));
    let mut dedup = Dedup::new(&Default::default());
    let mut events = Vec::new();
    match (req.event_type, org) {
        (EventType::AuditUsers, Some(organization_id)) => {
            let account_id = admin_account(&session)?;
            let q = users::Query {
                organization_id,
                account_id: &account_id,
                since: from.as_deref(),
                observed: Timestamp::from_unix_ms(host.now_ms()),
            };
            let mut start = 0u64;
            while events.len() < req.limit as usize {
                let take =
                    (req.limit as usize - events.len()).min(users::PAGE_SIZE as usize) as u32;
                let page = users::fetch_page(&session, &q, start, take)?;
                start += page.returned as u64;
                events.extend(page.events.into_iter().filter(|e| dedup.admit(&e.id)));
                if page.returned < take as usize {
                    break;
                }
            }
        }
        _ => {
            let page = monitor::fetch_page(&session, from.as_deref(), req.limit)?;
            events.extend(page.events.into_iter().filter(|e| dedup.admit(&e.id)));
        }
    }
    events.truncate(req.limit as usize);
    Ok(events)
}

fn validate_fetch(req: &FetchRequest) -> Result<()> {
    if req.event_types.is_empty() {
        return Err(ConnectorError::invalid(
            "event-types",
            "select at least one of customer-events, audit-users",
        ));
    }
    if req.event_types.len() == 2 && req.event_types[0] == req.event_types[1] {
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
    Ok(())
}

/// What reading one stream produced.
struct StreamOutcome {
    events: Vec<Event>,
    report: StreamReport,
    retry_after_secs: Option<u64>,
}

impl StreamOutcome {
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
    let fingerprint = config.fingerprint();
    let committed = checkpoint::load(host, &fingerprint)?;
    let session = Session::new(host, config, scopes_for(&req.event_types));
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
        .state_get(&monitor::last_call_key(&session.config().fingerprint()))
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
    let mut cursor = committed.cursor.clone().or(match start {
        Start::At(ts) => Some(since::to_query(ts)),
        Start::StreamDefault => None,
    });
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
    match failure {
        Some(e) => StreamOutcome::failed(TYPE, e, events),
        None => StreamOutcome {
            report: StreamReport {
                event_type: TYPE,
                fetched: events.len() as u32,
                more_available,
                error: None,
            },
            events,
            retry_after_secs: None,
        },
    }
}

fn audit_users(
    session: &Session<'_>,
    committed: &UsersPosition,
    candidate: &mut UsersPosition,
    start: Start,
    max: u32,
) -> StreamOutcome {
    const TYPE: EventType = EventType::AuditUsers;
    let host = session.host();
    let window = committed.window.clone().unwrap_or_else(|| UserWindow {
        from: committed.since.clone().or(match start {
            Start::At(ts) => Some(since::to_query(ts)),
            Start::StreamDefault => None,
        }),
        to: since::to_query(Timestamp::from_unix_ms(host.now_ms())),
        next: 0,
    });
    let (organization_id, account_id) =
        match organization(session.config()).and_then(|o| Ok((o, admin_account(session)?))) {
            Ok(ids) => ids,
            Err(e) => return StreamOutcome::failed(TYPE, e, Vec::new()),
        };
    let observed =
        Timestamp::parse(&window.to).unwrap_or_else(|| Timestamp::from_unix_ms(host.now_ms()));
    let q = users::Query {
        organization_id,
        account_id: &account_id,
        since: window.from.as_deref(),
        observed,
    };
    let mut dedup = Dedup::new(&committed.recent);
    let mut events = Vec::new();
    let mut next = window.next;
    let mut failure = None;
    let complete = loop {
        let room = max as usize - events.len().min(max as usize);
        if room == 0 {
            break false;
        }
        let take = room.min(users::PAGE_SIZE as usize) as u32;
        match users::fetch_page(session, &q, next, take) {
            Err(e) => {
                failure = Some(e);
                break false;
            }
            Ok(page) => {
                next += page.returned as u64;
                events.extend(page.events.into_iter().filter(|e| dedup.admit(&e.id)));
                if page.returned < take as usize {
                    break true;
                }
            }
        }
    };
    if dedup.dropped > 0 {
        host.log(
            Level::Info,
            &format!(
                "audit-users: dropped {} unchanged user(s) already delivered",
                dedup.dropped
            ),
        );
    }
    *candidate = if complete {
        let next_since =
            Timestamp::from_unix_ms(observed.unix_ms().saturating_sub(USER_WINDOW_OVERLAP_MS));
        UsersPosition {
            since: Some(since::to_query(next_since)),
            window: None,
            recent: dedup.into_recent(),
        }
    } else {
        UsersPosition {
            since: committed.since.clone(),
            window: Some(UserWindow { next, ..window }),
            recent: dedup.into_recent(),
        }
    };
    match failure {
        Some(e) => StreamOutcome::failed(TYPE, e, events),
        None => StreamOutcome {
            report: StreamReport {
                event_type: TYPE,
                fetched: events.len() as u32,
                more_available: !complete,
                error: None,
            },
            events,
            retry_after_secs: None,
        },
    }
}

/// Store a delivered batch's checkpoint.
pub fn commit_fetch(host: &dyn Host, config: &Config, checkpoint_text: &str) -> Result<()> {
    checkpoint::commit(host, &config.fingerprint(), checkpoint_text)
}

/// The committed checkpoint (for inspection).
pub fn committed(host: &dyn Host, config: &Config) -> Result<Checkpoint> {
    checkpoint::load(host, &config.fingerprint())
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

    #[test]
    fn fetch_requests_are_validated() {
        let ok = FetchRequest {
            event_types: vec![EventType::CustomerEvents],
            max_customer_events: 2000,
            max_audit_users: 0,
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

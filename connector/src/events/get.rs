//! `get-events`: one read of a stream for debugging; never touches the checkpoint.

use super::checkpoint::Dedup;
use super::since;
use super::{
    DEFAULT_START, Event, EventType, GetEventsRequest, MAX_GET_LIMIT, admin_account, check_limit,
    envelope_changes, monitor, organization, users, window,
};
use crate::auth::{Session, scopes};
use crate::config::Config;
use crate::error::Result;
use crate::host::Host;
use crate::timestamp::Timestamp;

/// Read events without touching the checkpoint (debugging).
pub fn get_events(host: &dyn Host, config: &Config, req: &GetEventsRequest) -> Result<Vec<Event>> {
    check_limit("limit", req.limit, MAX_GET_LIMIT)?;
    let start = since::parse(
        "since",
        req.since.as_deref().unwrap_or(DEFAULT_START),
        host.now_ms(),
    )?;
    let from = start.query();
    let org = if req.event_type == EventType::AuditUsers {
        Some(organization(config)?)
    } else {
        None
    };
    let session = Session::new(host, config, scopes::for_event_types(&[req.event_type]));
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
            events = window::read_up_to(
                req.limit as usize,
                users::PAGE_SIZE,
                &mut dedup,
                |start, take| users::fetch_page(&session, &q, start, take),
            )?;
        }
        (EventType::EnvelopeChanges, _) => {
            let from = from.unwrap_or_else(|| {
                since::to_query(Timestamp::from_unix_ms(
                    host.now_ms()
                        .saturating_sub(envelope_changes::STREAM_DEFAULT_BACK_MS),
                ))
            });
            let to = since::to_query(Timestamp::from_unix_ms(host.now_ms()));
            let q = envelope_changes::Query {
                from: &from,
                to: &to,
            };
            events = window::read_up_to(
                req.limit as usize,
                envelope_changes::PAGE_SIZE,
                &mut dedup,
                |start, take| Ok(envelope_changes::fetch_page(&session, &q, start, take)?.page),
            )?;
        }
        _ => {
            let page = monitor::fetch_page(&session, from.as_deref(), req.limit)?;
            events.extend(page.events.into_iter().filter(|e| dedup.admit(&e.id)));
        }
    }
    events.truncate(req.limit as usize);
    Ok(events)
}

//! Any Monitor, Admin API or envelope listing reply gives events or a typed error; a produced
//! checkpoint commits.
#![no_main]

mod common;

use docusign_connector::events::{self, EventType, FetchRequest, GetEventsRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = common::config();
    let host = common::host_with_session(&config, common::reply(data));
    let req = FetchRequest {
        event_types: vec![
            EventType::CustomerEvents,
            EventType::AuditUsers,
            EventType::EnvelopeChanges,
        ],
        max_customer_events: 3000,
        max_audit_users: 300,
        max_envelope_changes: 300,
        first_fetch: None,
    };
    if let Ok(batch) = events::fetch_events(&host, &config, &req) {
        events::commit_fetch(&host, &config, &batch.checkpoint).expect("a fresh candidate commits");
    }
    for event_type in [
        EventType::CustomerEvents,
        EventType::AuditUsers,
        EventType::EnvelopeChanges,
    ] {
        let _ = events::get_events(
            &host,
            &config,
            &GetEventsRequest {
                event_type,
                limit: 5,
                since: None,
            },
        );
    }
});

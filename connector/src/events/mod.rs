//! Security events: Monitor customer events and Admin API users.

/// Kinds of events (WIT `event-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Monitor API customer events.
    CustomerEvents,
    /// Admin API organization users.
    AuditUsers,
}

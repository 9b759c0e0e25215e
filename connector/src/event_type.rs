//! The kinds of events the connector collects (WIT `event-type`), shared by the event streams,
//! consent URLs and the scopes they need.

/// Kinds of events (WIT `event-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Monitor API customer events.
    CustomerEvents,
    /// Admin API organization users.
    AuditUsers,
    /// eSignature envelope status changes (the changes feed).
    EnvelopeChanges,
}

impl EventType {
    /// Contract spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerEvents => "customer-events",
            Self::AuditUsers => "audit-users",
            Self::EnvelopeChanges => "envelope-changes",
        }
    }
}

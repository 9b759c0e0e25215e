//! OAuth scopes each operation needs.

use crate::event_type::EventType;

/// eSignature actions and Monitor customer events: `signature impersonation`.
pub const ESIGNATURE: &[&str] = &["signature", "impersonation"];
/// Admin API organization users (`GET /v2/organizations/{id}/users` needs `user_read` only, per
/// DocuSign's Admin OpenAPI specification); the JWT grant still needs `signature impersonation`.
pub const ADMIN_USERS: &[&str] = &["signature", "impersonation", "user_read"];

/// Scopes for the eSignature actions plus those of `event_types`.
pub fn for_event_types(event_types: &[EventType]) -> &'static [&'static str] {
    if event_types.contains(&EventType::AuditUsers) {
        ADMIN_USERS
    } else {
        ESIGNATURE
    }
}

/// `required` followed by `extra`, without duplicates, in a stable order.
pub fn combine(required: &[&str], extra: &[String]) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::with_capacity(required.len() + extra.len());
    for s in required
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
    {
        if !scopes.iter().any(|have| have == s) {
            scopes.push(s.to_owned());
        }
    }
    scopes
}

/// True when `granted` includes every scope in `wanted`.
pub fn covers(granted: &[String], wanted: &[String]) -> bool {
    wanted.iter().all(|w| granted.iter().any(|g| g == w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combines_without_duplicates_and_checks_coverage() {
        let s = combine(ESIGNATURE, &["user_read".into(), "signature".into()]);
        assert_eq!(s, ["signature", "impersonation", "user_read"]);
        assert!(covers(&s, &combine(ESIGNATURE, &[])));
        assert!(!covers(&combine(ESIGNATURE, &[]), &s));
        assert!(covers(
            &combine(ADMIN_USERS, &[]),
            &combine(ESIGNATURE, &[])
        ));
    }
}

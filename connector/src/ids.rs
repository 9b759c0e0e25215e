//! Identifier checks shared by configuration and action inputs.

/// True for a GUID written `8-4-4-4-12` hex digits (DocuSign's ids: users, accounts, envelopes).
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_canonical_guids() {
        assert!(is_guid("4799e5e9-1559-4915-9862-cf4713bbcacc"));
        assert!(is_guid("4799E5E9-1559-4915-9862-CF4713BBCACC"));
        assert!(!is_guid("4799e5e9155949159862cf4713bbcacc"));
        assert!(!is_guid("4799e5e9-1559-4915-9862-cf4713bbcac"));
        assert!(!is_guid("4799e5e9-1559-4915-9862-cf4713bbcacg"));
        assert!(!is_guid("user@example.com"));
        assert!(!is_guid(""));
    }
}

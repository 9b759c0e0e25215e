//! Checks of single values before anything is sent: e-mail addresses, text, envelope ids and
//! void reasons. Errors name the field as the WIT contract spells it.

use crate::error::{ConnectorError, Result};
use crate::ids::is_guid;

/// Longest e-mail address DocuSign accepts for a recipient.
pub const MAX_EMAIL_CHARS: usize = 100;
/// Longest void reason.
pub const MAX_VOID_REASON_CHARS: usize = 200;

fn invalid(field: &str, message: impl Into<String>) -> ConnectorError {
    ConnectorError::invalid(field, message)
}

/// A plausible e-mail address: `local@domain.tld`, ASCII, within DocuSign's length limit.
pub fn check_email(field: &str, email: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(invalid(
            field,
            format!("{email:?} is not an e-mail address: {why}"),
        ))
    };
    if email.chars().count() > MAX_EMAIL_CHARS {
        return bad(&format!("longer than {MAX_EMAIL_CHARS} characters"));
    }
    if !email.is_ascii() {
        return bad("use only ASCII (the punycode form for international domains)");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return bad("no '@'");
    };
    const LOCAL_SPECIALS: &[u8] = b"!#$%&'*+/=?^_`{|}~.-";
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(&c));
    if !local_ok {
        return bad("the part before '@' is not valid");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        });
    let tld = labels.last().copied().unwrap_or("");
    if !labels_ok || tld.len() < 2 || tld.bytes().all(|c| c.is_ascii_digit()) {
        return bad("the domain is not valid");
    }
    Ok(())
}

/// Non-control text within `max` characters; `required` also refuses blank text.
pub fn check_text(field: &str, text: &str, max: usize, required: bool) -> Result<()> {
    if required && text.trim().is_empty() {
        return Err(invalid(field, "is empty"));
    }
    let count = text.chars().count();
    if count > max {
        return Err(invalid(
            field,
            format!("is {count} characters; DocuSign allows at most {max}"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(invalid(field, "contains control characters"));
    }
    Ok(())
}

/// An envelope id: a GUID.
pub fn envelope_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if !is_guid(id) {
        return Err(invalid(
            "envelope-id",
            format!(
                "{id:?} is not an envelope id (a GUID like 0d077e5c-ecaa-42c4-a60b-7b437d26c0ad)"
            ),
        ));
    }
    Ok(id)
}

/// Longest client user id (embedded signer).
pub const MAX_CLIENT_USER_ID_CHARS: usize = 100;

/// A client user id: the sender application's own id of an embedded signer.
pub fn check_client_user_id(field: &str, id: &str) -> Result<()> {
    check_text(field, id, MAX_CLIENT_USER_ID_CHARS, true)?;
    if id.trim().len() != id.len() {
        return Err(invalid(
            field,
            "has spaces around it; DocuSign compares it exactly",
        ));
    }
    Ok(())
}

/// A void reason.
pub fn void_reason(reason: &str) -> Result<()> {
    check_text("reason", reason, MAX_VOID_REASON_CHARS, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.com",
            "x_y@xn--bcher-kva.example",
        ] {
            check_email("e", good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        for bad in [
            "",
            "a",
            "a@b",
            "a@b.c",
            "@b.com",
            "a@.com",
            "a..b@c.com",
            "a b@c.com",
            "a@b..com",
            "a@-b.com",
            "josé@b.com",
            "a@b.123",
        ] {
            assert!(check_email("e", bad).is_err(), "{bad} accepted");
        }
        let long = format!("{}@example.com", "a".repeat(90));
        assert!(check_email("e", &long).is_err());
    }

    #[test]
    fn ids_and_reasons() {
        assert!(envelope_id("0d077e5c-ecaa-42c4-a60b-7b437d26c0ad").is_ok());
        for bad in [
            "",
            "../../accounts",
            "0d077e5c",
            "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad/documents",
        ] {
            assert!(
                matches!(envelope_id(bad), Err(ConnectorError::InvalidInput { field, .. }) if field == "envelope-id"),
                "{bad}"
            );
        }
        assert!(void_reason("Sent to the wrong person").is_ok());
        assert!(void_reason(" ").is_err());
        assert!(void_reason(&"x".repeat(201)).is_err());
    }
}

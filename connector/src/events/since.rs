//! Start points people write: `1 minute ago`, `3 days ago`, `now`, RFC 3339 times, or
//! `stream-default` (the API's own default start).

use crate::error::{ConnectorError, Result};
use crate::timestamp::Timestamp;

/// Where reading starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// From this time.
    At(Timestamp),
    /// Let the API choose (Monitor: seven days back; Admin users: everyone).
    StreamDefault,
}

impl Start {
    /// The start as the APIs' query value (RFC 3339, seconds); `None` lets the API choose.
    pub fn query(self) -> Option<String> {
        match self {
            Self::At(ts) => Some(to_query(ts)),
            Self::StreamDefault => None,
        }
    }
}

/// Parse `text` relative to `now_ms`; `field` names the input in errors.
pub fn parse(field: &str, text: &str, now_ms: u64) -> Result<Start> {
    let t = text.trim().to_ascii_lowercase();
    if t == "stream-default" {
        return Ok(Start::StreamDefault);
    }
    if t == "now" {
        return Ok(Start::At(Timestamp::from_unix_ms(now_ms)));
    }
    if let Some(rest) = t.strip_suffix(" ago") {
        let mut parts = rest.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad(field, text));
        };
        let n: u64 = n.parse().map_err(|_| bad(field, text))?;
        let unit_ms: u64 = match unit.trim_end_matches('s') {
            "second" | "sec" => 1_000,
            "minute" | "min" => 60_000,
            "hour" => 3_600_000,
            "day" => 86_400_000,
            "week" => 7 * 86_400_000,
            _ => return Err(bad(field, text)),
        };
        let back = n
            .checked_mul(unit_ms)
            .filter(|ms| *ms <= now_ms)
            .ok_or_else(|| bad(field, text))?;
        return Ok(Start::At(Timestamp::from_unix_ms(now_ms - back)));
    }
    match Timestamp::parse(text) {
        Some(ts) if ts.unix_ms() <= now_ms => Ok(Start::At(ts)),
        Some(_) => Err(ConnectorError::invalid(
            field,
            format!("{text:?} is in the future"),
        )),
        None => Err(bad(field, text)),
    }
}

fn bad(field: &str, text: &str) -> ConnectorError {
    ConnectorError::invalid(
        field,
        format!(
            "{text:?} is not a start time: use an RFC 3339 time, \"<n> minutes|hours|days ago\", \"now\" or \"stream-default\""
        ),
    )
}

/// RFC 3339 at second precision (what the APIs' filters take).
pub fn to_query(ts: Timestamp) -> String {
    Timestamp {
        seconds: ts.seconds,
        nanoseconds: 0,
    }
    .to_rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_746_200_400_000; // 2025-05-02T15:40:00Z

    #[test]
    fn relative_absolute_and_default() {
        assert_eq!(
            parse("f", "1 minute ago", NOW).unwrap(),
            Start::At(Timestamp::from_unix_ms(NOW - 60_000))
        );
        assert_eq!(
            parse("f", " 2 Hours Ago ", NOW).unwrap(),
            Start::At(Timestamp::from_unix_ms(NOW - 7_200_000))
        );
        assert_eq!(
            parse("f", "7 days ago", NOW).unwrap(),
            Start::At(Timestamp::from_unix_ms(NOW - 7 * 86_400_000))
        );
        assert_eq!(
            parse("f", "now", NOW).unwrap(),
            Start::At(Timestamp::from_unix_ms(NOW))
        );
        assert_eq!(
            parse("f", "stream-default", NOW).unwrap(),
            Start::StreamDefault
        );
        assert_eq!(
            parse("f", "2025-05-01T00:00:00.5Z", NOW).unwrap(),
            Start::At(Timestamp::parse("2025-05-01T00:00:00.5Z").unwrap())
        );
        for bad in [
            "",
            "yesterday",
            "1 fortnight ago",
            "-1 minutes ago",
            "2030-01-01T00:00:00Z",
            "99999999999 weeks ago",
        ] {
            assert!(
                matches!(parse("f", bad, NOW), Err(ConnectorError::InvalidInput { field, .. }) if field == "f"),
                "{bad}"
            );
        }
        assert_eq!(
            to_query(Timestamp::parse("2025-05-01T00:00:00.5Z").unwrap()),
            "2025-05-01T00:00:00Z"
        );
    }
}

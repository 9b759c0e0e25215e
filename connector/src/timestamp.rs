//! UTC timestamps: parsing DocuSign's many spellings, formatting RFC 3339.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// A point in time, UTC (WIT `timestamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// Nanoseconds past `seconds`.
    pub nanoseconds: u32,
}

impl Timestamp {
    /// From milliseconds since the epoch.
    pub fn from_unix_ms(ms: u64) -> Self {
        Self {
            seconds: (ms / 1000) as i64,
            nanoseconds: ((ms % 1000) * 1_000_000) as u32,
        }
    }

    /// Milliseconds since the epoch (negative times clamp to 0).
    pub fn unix_ms(self) -> u64 {
        if self.seconds < 0 {
            return 0;
        }
        self.seconds as u64 * 1000 + u64::from(self.nanoseconds / 1_000_000)
    }

    /// Parse an RFC 3339 / ISO 8601 time as DocuSign writes it: any number of fractional digits
    /// (or none), `Z` or an offset, or no zone at all (taken as UTC).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || !text.is_ascii() {
            return None;
        }
        let text = trim_fraction(text);
        let dt = OffsetDateTime::parse(&text, &Rfc3339).ok().or_else(|| {
            let naive = format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
            );
            PrimitiveDateTime::parse(&text, naive)
                .ok()
                .map(|p| p.assume_offset(UtcOffset::UTC))
        })?;
        Some(Self::from_offset(dt))
    }

    fn from_offset(dt: OffsetDateTime) -> Self {
        Self {
            seconds: dt.unix_timestamp(),
            nanoseconds: dt.nanosecond(),
        }
    }

    /// RFC 3339 in UTC, with fractional seconds only when non-zero (for example `2025-05-02T15:40:40.397Z`).
    pub fn to_rfc3339(self) -> String {
        match OffsetDateTime::from_unix_timestamp(self.seconds) {
            Ok(dt) => {
                let base = format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                    dt.year(),
                    u8::from(dt.month()),
                    dt.day(),
                    dt.hour(),
                    dt.minute(),
                    dt.second()
                );
                if self.nanoseconds == 0 {
                    format!("{base}Z")
                } else {
                    let frac = format!("{:09}", self.nanoseconds);
                    format!("{base}.{}Z", frac.trim_end_matches('0'))
                }
            }
            Err(_) => format!("@{}", self.seconds),
        }
    }
}

/// Cut fractional seconds longer than 9 digits (nanosecond precision) so the parsers accept them.
fn trim_fraction(text: &str) -> String {
    let Some(dot) = text.find('.') else {
        return text.to_owned();
    };
    let digits = text[dot + 1..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits <= 9 {
        return text.to_owned();
    }
    format!("{}{}", &text[..dot + 10], &text[dot + 1 + digits..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docusign_spellings() {
        let t = Timestamp::parse("2025-05-02T15:40:40.3970000Z").unwrap();
        assert_eq!(t.seconds, 1_746_200_440);
        assert_eq!(t.nanoseconds, 397_000_000);
        assert_eq!(
            Timestamp::parse("2025-05-02T15:40:40Z").unwrap().seconds,
            1_746_200_440
        );
        assert_eq!(
            Timestamp::parse("2025-05-02T15:40:40").unwrap().seconds,
            1_746_200_440
        );
        assert_eq!(
            Timestamp::parse("2025-05-02T17:40:40+02:00")
                .unwrap()
                .seconds,
            1_746_200_440
        );
        assert_eq!(
            Timestamp::parse("2015-08-13T22:03:03.45")
                .unwrap()
                .nanoseconds,
            450_000_000
        );
        let long = Timestamp::parse("2024-06-30T07:08:06.303836512345Z").unwrap();
        assert_eq!(long.nanoseconds, 303_836_512);
        for bad in [
            "",
            "yesterday",
            "2025-13-02T15:40:40Z",
            "2025-05-02",
            "２０２５",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_rfc3339() {
        assert_eq!(
            Timestamp::parse("2025-05-02T15:40:40.3970000Z")
                .unwrap()
                .to_rfc3339(),
            "2025-05-02T15:40:40.397Z"
        );
        assert_eq!(
            Timestamp::from_unix_ms(1_746_200_440_000).to_rfc3339(),
            "2025-05-02T15:40:40Z"
        );
        assert_eq!(
            Timestamp::from_unix_ms(1_746_200_440_123).unix_ms(),
            1_746_200_440_123
        );
    }
}

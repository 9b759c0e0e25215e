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
        Self::parse_utc_z(text.as_bytes())
            .map(|(t, _)| t)
            .or_else(|| Self::parse_any(text))
    }

    /// [`parse`](Self::parse), and whether `text` is spelled exactly as
    /// [`write_rfc3339`](Self::write_rfc3339) writes the time (then it can be copied as it is).
    pub fn parse_as_written(text: &str) -> Option<(Self, bool)> {
        Self::parse_utc_z(text.as_bytes()).or_else(|| Self::parse(text).map(|t| (t, false)))
    }

    /// The spelling DocuSign uses most, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, read without
    /// allocating; `None` for anything else (left to [`parse_any`](Self::parse_any)). With it,
    /// whether the fraction is as [`write_rfc3339`](Self::write_rfc3339) writes it: absent, or
    /// at most 9 digits without a trailing zero.
    fn parse_utc_z(b: &[u8]) -> Option<(Self, bool)> {
        let number = |from: usize, to: usize| {
            b.get(from..to)?.iter().try_fold(0u32, |n, c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let shape = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
        if b.len() < 20 || shape.iter().any(|&(i, c)| b[i] != c) {
            return None;
        }
        let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
        let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
        let mut at = 19;
        let mut nanoseconds = 0;
        let mut as_written = true;
        if b[at] == b'.' {
            let digits = b[at + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if digits == 0 {
                return None;
            }
            // Nanosecond precision: further digits are cut, as in `parse_any`.
            let kept = digits.min(9);
            nanoseconds = number(at + 1, at + 1 + kept)? * 10u32.pow((9 - kept) as u32);
            as_written = digits <= 9 && b[at + digits] != b'0';
            at += 1 + digits;
        }
        // A leap second (60) is left to the full parser.
        if &b[at..] != b"Z" || second > 59 {
            return None;
        }
        let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
        let date = time::Date::from_calendar_date(year as i32, month, day as u8).ok()?;
        let clock =
            time::Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanoseconds).ok()?;
        let time = Self::from_offset(PrimitiveDateTime::new(date, clock).assume_utc());
        Some((time, as_written))
    }

    /// Every other accepted spelling, through `time`'s parsers.
    pub(crate) fn parse_any(text: &str) -> Option<Self> {
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
        let mut out = String::with_capacity(30);
        self.write_rfc3339(&mut out);
        out
    }

    /// Append [`to_rfc3339`](Self::to_rfc3339)'s text to `out` (no intermediate allocation).
    pub fn write_rfc3339(self, out: &mut String) {
        let Ok(dt) = OffsetDateTime::from_unix_timestamp(self.seconds) else {
            out.push('@');
            push_digits(out, self.seconds.unsigned_abs(), 1, self.seconds < 0);
            return;
        };
        let year = dt.year();
        push_digits(out, u64::from(year.unsigned_abs()), 4, year < 0);
        for (separator, value) in [
            ('-', u8::from(dt.month())),
            ('-', dt.day()),
            ('T', dt.hour()),
            (':', dt.minute()),
            (':', dt.second()),
        ] {
            out.push(separator);
            push_digits(out, u64::from(value), 2, false);
        }
        if self.nanoseconds != 0 {
            let (mut digits, mut width) = (self.nanoseconds, 9);
            while digits % 10 == 0 {
                digits /= 10;
                width -= 1;
            }
            out.push('.');
            push_digits(out, u64::from(digits), width, false);
        }
        out.push('Z');
    }
}

/// Append `value` in decimal, zero-padded to `width` digits, after a `-` when `negative`
/// (what `{:0width$}` prints, without the formatting machinery).
fn push_digits(out: &mut String, mut value: u64, width: usize, negative: bool) {
    let mut buf = [b'0'; 20];
    let mut start = buf.len();
    while value > 0 || start == buf.len() {
        start -= 1;
        buf[start] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    if negative {
        out.push('-');
    }
    for _ in buf.len() - start..width {
        out.push('0');
    }
    // Only ASCII digits were written.
    out.extend(buf[start..].iter().map(|&d| char::from(d)));
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
    fn knows_a_time_spelled_as_written() {
        for (text, as_written) in [
            ("2024-06-30T07:08:06.3038365Z", true),
            ("2024-06-30T07:08:06.303836512Z", true),
            ("2024-06-30T07:08:06Z", true),
            ("0001-01-01T00:00:00.5Z", true),
            ("2024-06-30T07:08:06.3038360Z", false),
            ("2024-06-30T07:08:06.0Z", false),
            ("2024-06-30T07:08:06.3038365121Z", false),
            (" 2024-06-30T07:08:06Z", false),
            ("2024-06-30T07:08:06", false),
            ("2024-06-30T09:08:06+02:00", false),
            ("2024-06-30t07:08:06z", false),
        ] {
            let (time, written) = Timestamp::parse_as_written(text).unwrap();
            assert_eq!(Some(time), Timestamp::parse(text), "{text}");
            assert_eq!(written, as_written, "{text}");
            assert_eq!(time.to_rfc3339() == text, as_written, "{text}");
        }
        assert!(Timestamp::parse_as_written("2024-06-31T07:08:06Z").is_none());
    }

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

    /// The allocation-free reading agrees with `time`'s parsers wherever it answers.
    #[test]
    fn fast_reading_agrees_with_the_full_parsers() {
        let cases = [
            "2025-05-02T15:40:40Z",
            "2025-05-02T15:40:40.3970000Z",
            "2024-06-30T07:08:06.303836512345Z",
            "2024-02-29T23:59:59.9Z",
            "2023-02-29T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-05-02T24:00:00Z",
            "2025-05-02T15:60:00Z",
            "2016-12-31T23:59:60Z",
            "2025-05-02T15:40:40.Z",
            "2025-05-02T15:40:40z",
            "2025-05-02t15:40:40Z",
            "2025-05-02T15:40:40+00:00",
            "2025-05-02T15:40:40ZZ",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "+025-05-02T15:40:40Z",
            "2025-5-02T15:40:40Z",
        ];
        let mut answered = 0;
        for text in cases {
            if let Some((fast, _)) = Timestamp::parse_utc_z(text.as_bytes()) {
                answered += 1;
                assert_eq!(Some(fast), Timestamp::parse_any(text), "{text}");
            }
            assert_eq!(Timestamp::parse(text), Timestamp::parse_any(text), "{text}");
        }
        assert_eq!(answered, 6, "the usual spellings take the fast reading");
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

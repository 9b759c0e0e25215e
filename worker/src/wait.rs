//! The waiting part of `SignatureWorkflow` as plain Rust: poll settings and back-off, the
//! deadline, which statuses end the wait, and the progress the workflow shows.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use docusign_host::json_api::InvokeError;
use docusign_host::json_api::output::StatusOutput;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Default first check, seconds after sending.
pub const DEFAULT_FIRST_CHECK_SECS: u64 = 60;
/// Default longest interval between checks, seconds.
pub const DEFAULT_MAX_INTERVAL_SECS: u64 = 3600;
/// Default bound of the whole wait, seconds (a year; the envelope's expiry usually ends it first).
pub const DEFAULT_GIVE_UP_AFTER_SECS: u64 = 365 * 24 * 3600;
/// How long after the envelope's expiry the workflow still waits for DocuSign to void it.
pub const EXPIRY_GRACE_MS: u64 = 24 * 3600 * 1000;

/// `poll` of the workflow input.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollSettings {
    /// First check, seconds after sending (default 60).
    pub first_check_secs: Option<u64>,
    /// Longest interval between checks; intervals double up to it (default 3600).
    pub max_interval_secs: Option<u64>,
    /// Stop waiting after this long (default a year, or a day past the envelope's expiry).
    pub give_up_after_secs: Option<u64>,
}

/// Checked poll settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    first: Duration,
    max: Duration,
    give_up_after_ms: u64,
}

impl PollSettings {
    /// The settings with defaults, or an `invalid-input` error naming the field.
    pub fn checked(self) -> Result<Poll, InvokeError> {
        let first = self.first_check_secs.unwrap_or(DEFAULT_FIRST_CHECK_SECS);
        let max = self
            .max_interval_secs
            .unwrap_or(DEFAULT_MAX_INTERVAL_SECS.max(first));
        let give_up = self
            .give_up_after_secs
            .unwrap_or(DEFAULT_GIVE_UP_AFTER_SECS);
        if first == 0 {
            return Err(InvokeError::input(
                "poll.first_check_secs",
                "must be at least 1",
            ));
        }
        if max < first {
            return Err(InvokeError::input(
                "poll.max_interval_secs",
                format!("must be at least first_check_secs ({first})"),
            ));
        }
        if give_up == 0 {
            return Err(InvokeError::input(
                "poll.give_up_after_secs",
                "must be at least 1",
            ));
        }
        Ok(Poll {
            first: Duration::from_secs(first),
            max: Duration::from_secs(max),
            give_up_after_ms: give_up.saturating_mul(1000),
        })
    }
}

impl Poll {
    /// Wait before the first check.
    pub fn first_check(&self) -> Duration {
        self.first
    }

    /// The wait after `delay`: doubled, at most the longest interval.
    pub fn next_delay(&self, delay: Duration) -> Duration {
        delay.saturating_mul(2).min(self.max)
    }

    /// When to stop waiting: `give_up_after` past `started_ms`, or a day past the envelope's
    /// expiry if that is sooner.
    pub fn deadline(&self, started_ms: u64, expires_at_ms: Option<u64>) -> u64 {
        let bound = started_ms.saturating_add(self.give_up_after_ms);
        match expires_at_ms {
            Some(expiry) => bound.min(expiry.saturating_add(EXPIRY_GRACE_MS)),
            None => bound,
        }
    }
}

/// How the wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every recipient signed.
    Completed,
    /// A recipient declined.
    Declined,
    /// Voided by the sender or expired (also DocuSign's legacy `deleted`, `timedout`).
    Voided,
    /// The workflow's deadline passed first.
    TimedOut,
}

/// The outcome a status ends the wait with, if it does.
pub fn final_outcome(status: &str) -> Option<Outcome> {
    match status {
        "completed" => Some(Outcome::Completed),
        "declined" => Some(Outcome::Declined),
        "voided" | "deleted" | "timedout" => Some(Outcome::Voided),
        _ => None,
    }
}

/// A status check, as journaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checked {
    /// Status code.
    pub status: String,
    /// Envelope expiry.
    pub expires_at_ms: Option<u64>,
    /// The whole `get-envelope-status` result.
    pub detail: Value,
}

impl Checked {
    /// From a status result.
    pub fn from_status(s: &StatusOutput) -> Self {
        Self {
            status: s.status.clone(),
            expires_at_ms: s.expires_at.as_deref().and_then(parse_ms),
            detail: serde_json::to_value(s).unwrap_or(Value::Null),
        }
    }
}

fn parse_ms(text: &str) -> Option<u64> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    u64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Where a workflow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Sending the envelope.
    Sending,
    /// Waiting for signatures.
    Waiting,
    /// Checking the status.
    Checking,
    /// Downloading the signed documents.
    Collecting,
    /// Finished.
    Done,
}

/// What the workflow's `progress` handler shows (no secrets: ids and statuses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The phase.
    pub phase: Phase,
    /// The run's invocation (wake signals go to it).
    pub invocation_id: String,
    /// The envelope, once sent.
    pub envelope_id: Option<String>,
    /// Last status code seen.
    pub status: Option<String>,
    /// Last status result.
    pub last_status: Value,
    /// Envelope expiry, ms.
    pub expires_at_ms: Option<u64>,
    /// Status checks made.
    pub checks: u32,
    /// Times woken early.
    pub wakes: u32,
    /// Next scheduled check, ms.
    pub next_check_at_ms: Option<u64>,
    /// How it ended.
    pub outcome: Option<Outcome>,
}

impl Progress {
    /// A run that has started.
    pub fn started(invocation_id: &str) -> Self {
        Self {
            phase: Phase::Sending,
            invocation_id: invocation_id.to_owned(),
            envelope_id: None,
            status: None,
            last_status: Value::Null,
            expires_at_ms: None,
            checks: 0,
            wakes: 0,
            next_check_at_ms: None,
            outcome: None,
        }
    }

    /// The envelope was sent.
    pub fn sent(&mut self, envelope_id: &str) {
        self.envelope_id = Some(envelope_id.to_owned());
        self.status = Some("sent".into());
    }

    /// Waiting until `next_check_at_ms`.
    pub fn waiting(&mut self, next_check_at_ms: u64) {
        self.phase = Phase::Waiting;
        self.next_check_at_ms = Some(next_check_at_ms);
    }

    /// A check returned `checked`.
    pub fn checked(&mut self, checked: &Checked) {
        self.phase = Phase::Checking;
        self.checks += 1;
        self.status = Some(checked.status.clone());
        self.last_status = checked.detail.clone();
        self.expires_at_ms = checked.expires_at_ms.or(self.expires_at_ms);
        self.next_check_at_ms = None;
    }

    /// Downloading.
    pub fn collecting(&mut self) {
        self.phase = Phase::Collecting;
    }

    /// Finished with `outcome`.
    pub fn done(&mut self, outcome: Outcome) {
        self.phase = Phase::Done;
        self.outcome = Some(outcome);
        self.next_check_at_ms = None;
    }
}

/// Name of the signal that wakes the `n`th wait early.
pub fn wake_signal(n: u32) -> String {
    format!("wake-{n}")
}

/// The wall clock, ms since the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_to_the_cap_and_the_deadline_follows_the_expiry() {
        let poll = PollSettings {
            first_check_secs: Some(30),
            max_interval_secs: Some(100),
            give_up_after_secs: Some(10_000),
        }
        .checked()
        .unwrap();
        let mut d = poll.first_check();
        let mut seen = vec![];
        for _ in 0..4 {
            seen.push(d.as_secs());
            d = poll.next_delay(d);
        }
        assert_eq!(seen, [30, 60, 100, 100]);
        assert_eq!(poll.deadline(1_000, None), 1_000 + 10_000_000);
        // The sooner of the two bounds.
        assert_eq!(poll.deadline(1_000, Some(2_000)), 1_000 + 10_000_000);
        let defaults = PollSettings::default().checked().unwrap();
        assert_eq!(
            defaults.deadline(1_000, Some(2_000)),
            2_000 + EXPIRY_GRACE_MS
        );
        assert_eq!(defaults.first_check(), Duration::from_secs(60));
        assert_eq!(
            defaults.next_delay(Duration::from_secs(3000)),
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn bad_settings_name_their_field() {
        let field = |s: PollSettings| match s.checked().unwrap_err().error {
            docusign_host::json_api::ErrorOutput::InvalidInput { field, .. } => field,
            other => panic!("{other:?}"),
        };
        let zero = PollSettings {
            first_check_secs: Some(0),
            ..Default::default()
        };
        assert_eq!(field(zero), "poll.first_check_secs");
        let inverted = PollSettings {
            first_check_secs: Some(10),
            max_interval_secs: Some(5),
            ..Default::default()
        };
        assert_eq!(field(inverted), "poll.max_interval_secs");
        // A first check beyond the default cap raises the cap with it.
        let long = PollSettings {
            first_check_secs: Some(7200),
            ..Default::default()
        };
        assert!(long.checked().is_ok());
    }

    #[test]
    fn only_final_statuses_end_the_wait() {
        assert_eq!(final_outcome("completed"), Some(Outcome::Completed));
        assert_eq!(final_outcome("declined"), Some(Outcome::Declined));
        assert_eq!(final_outcome("voided"), Some(Outcome::Voided));
        for s in ["sent", "delivered", "signed", "correct", "created"] {
            assert_eq!(final_outcome(s), None, "{s}");
        }
    }

    #[test]
    fn progress_records_checks_and_expiry() {
        let mut p = Progress::started("inv_1");
        p.sent("env-1");
        p.waiting(5);
        assert_eq!(p.phase, Phase::Waiting);
        let checked = Checked {
            status: "delivered".into(),
            expires_at_ms: parse_ms("2027-01-01T00:00:00Z"),
            detail: serde_json::json!({"status": "delivered"}),
        };
        p.checked(&checked);
        assert_eq!((p.checks, p.status.as_deref()), (1, Some("delivered")));
        assert_eq!(p.expires_at_ms, Some(1_798_761_600_000));
        p.done(Outcome::Completed);
        assert_eq!(serde_json::to_value(&p).unwrap()["outcome"], "completed");
    }
}

//! Fetch checkpoints: where each stream resumes, and the ids recently delivered (to drop
//! duplicates at page and window boundaries). A fetch returns a *candidate* checkpoint; only
//! `commit` stores it, and only as the direct successor of the committed one.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::{ConnectorError, Result};
use crate::host::{Host, StateFailure};

/// Ids remembered per stream for duplicate detection.
pub const RECENT_IDS: usize = 5_000;

/// Progress of the Monitor customer-events stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorPosition {
    /// The last `endCursor` consumed; `None` before the first fetch.
    pub cursor: Option<String>,
    /// Recently delivered event ids, oldest first.
    #[serde(default)]
    pub recent: VecDeque<String>,
}

/// A time window of a windowed stream (Admin API users, envelope changes) being read across
/// fetches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Start of the window (`None`: the API's own start, every user for Admin users).
    pub from: Option<String>,
    /// When the window was opened (its end; the observation time of Admin users), RFC 3339.
    pub to: String,
    /// Index of the next user to read in the window's listing.
    pub next: u64,
}

/// Progress of a windowed stream (Admin API users, envelope changes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowPosition {
    /// Start of the next window (RFC 3339); `None` before the first fetch.
    pub since: Option<String>,
    /// A window left unfinished by the per-fetch bound.
    pub window: Option<Window>,
    /// Recently delivered event ids (user snapshots, envelope changes), oldest first.
    #[serde(default)]
    pub recent: VecDeque<String>,
}

/// The committed (or candidate) state of all streams.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Format version.
    pub version: u32,
    /// Commit number: 0 before the first commit.
    pub revision: u64,
    /// The revision this candidate follows (equal to `revision - 1` for candidates).
    pub base: u64,
    /// Monitor progress.
    #[serde(default)]
    pub customer_events: MonitorPosition,
    /// Admin users progress.
    #[serde(default)]
    pub audit_users: WindowPosition,
    /// Envelope changes progress (absent from checkpoints that never read the stream).
    #[serde(default, skip_serializing_if = "WindowPosition::is_unread")]
    pub envelope_changes: WindowPosition,
}

impl WindowPosition {
    /// Never read: nothing to store.
    fn is_unread(&self) -> bool {
        *self == Self::default()
    }
}

const VERSION: u32 = 1;

impl Checkpoint {
    /// Parse checkpoint text (from the state store or from a caller).
    pub fn parse(text: &str) -> Result<Self> {
        let cp: Self = serde_json::from_str(text).map_err(|e| {
            ConnectorError::invalid(
                "checkpoint",
                format!("not a checkpoint of this connector: {e}"),
            )
        })?;
        if cp.version != VERSION {
            return Err(ConnectorError::invalid(
                "checkpoint",
                format!("checkpoint version {} is not supported", cp.version),
            ));
        }
        Ok(cp)
    }

    /// Serialize.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A candidate following `self`.
    pub fn successor(&self) -> Self {
        Self {
            version: VERSION,
            revision: self.revision + 1,
            base: self.revision,
            ..self.clone()
        }
    }
}

/// The checkpoint committed under state key `key`, or a fresh one.
pub fn load(host: &dyn Host, key: &str) -> Result<Checkpoint> {
    load_versioned(host, key).map(|(checkpoint, _)| checkpoint)
}

/// [`load`] with the stored version (`None`: nothing committed yet).
fn load_versioned(host: &dyn Host, key: &str) -> Result<(Checkpoint, Option<u64>)> {
    match host
        .state_get_entry(key)
        .map_err(|e| ConnectorError::State(e.to_string()))?
    {
        Some(entry) => Checkpoint::parse(&entry.value)
            .map(|cp| (cp, Some(entry.version)))
            .map_err(|e| {
                ConnectorError::State(format!(
                    "the stored fetch checkpoint is unreadable ({e}); refusing to guess where to resume"
                ))
            }),
        None => Ok((
            Checkpoint {
                version: VERSION,
                ..Checkpoint::default()
            },
            None,
        )),
    }
}

/// Store `candidate` under `key` if it directly follows the committed checkpoint; committing the same
/// candidate twice is accepted. The write is conditional on the version read, so of two fetches
/// committing over the same checkpoint (in any process sharing the state) only one succeeds.
pub fn commit(host: &dyn Host, key: &str, candidate_text: &str) -> Result<()> {
    let candidate = Checkpoint::parse(candidate_text)?;
    let (committed, version) = load_versioned(host, key)?;
    if candidate.revision == committed.revision && candidate == committed {
        return Ok(());
    }
    if candidate.base != committed.revision || candidate.revision != committed.revision + 1 {
        return Err(ConnectorError::State(format!(
            "stale checkpoint: it follows revision {} but revision {} is committed; fetch again",
            candidate.base, committed.revision
        )));
    }
    match host.state_set_if(key, &candidate.to_text(), version) {
        Ok(_) => Ok(()),
        Err(StateFailure::Conflict(_)) => Err(ConnectorError::State(format!(
            "stale checkpoint: another fetch committed after revision {} was read; fetch again",
            committed.revision
        ))),
        Err(StateFailure::Unavailable(message)) => Err(ConnectorError::State(message)),
    }
}

/// Duplicate filter over the committed recent ids plus everything seen in this fetch.
pub struct Dedup {
    seen: HashSet<String>,
    recent: VecDeque<String>,
    /// Duplicates dropped.
    pub dropped: usize,
}

impl Dedup {
    /// Start from a stream's committed `recent` ids.
    pub fn new(recent: &VecDeque<String>) -> Self {
        Self {
            seen: recent.iter().cloned().collect(),
            recent: recent.clone(),
            dropped: 0,
        }
    }

    /// True (and remembered) when `id` was not delivered before.
    pub fn admit(&mut self, id: &str) -> bool {
        // One hash per id; a duplicate's copy is dropped (they are rare).
        if !self.seen.insert(id.to_owned()) {
            self.dropped += 1;
            return false;
        }
        self.recent.push_back(id.to_owned());
        true
    }

    /// The recent ids to store in the candidate checkpoint (bounded).
    pub fn into_recent(mut self) -> VecDeque<String> {
        while self.recent.len() > RECENT_IDS {
            self.recent.pop_front();
        }
        self.recent
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::error::TransportError;
    use crate::host::{Level, StateEntry};
    use crate::request::{HttpRequest, HttpResponse};
    use crate::testing::FakeHost;

    /// A host where another process commits `theirs` right after this one reads the key.
    struct Racing {
        host: FakeHost,
        theirs: RefCell<Option<String>>,
    }

    impl Host for Racing {
        fn send(&self, r: &mut HttpRequest) -> std::result::Result<HttpResponse, TransportError> {
            self.host.send(r)
        }
        fn now_ms(&self) -> u64 {
            self.host.now_ms()
        }
        fn sleep_ms(&self, ms: u32) {
            self.host.sleep_ms(ms)
        }
        fn state_get(&self, key: &str) -> std::result::Result<Option<String>, String> {
            self.host.state_get(key)
        }
        fn state_get_entry(
            &self,
            key: &str,
        ) -> std::result::Result<Option<StateEntry>, StateFailure> {
            let read = self.host.state_get_entry(key);
            if let Some(theirs) = self.theirs.borrow_mut().take() {
                self.host.state_set(key, &theirs).unwrap();
            }
            read
        }
        fn state_set(&self, key: &str, value: &str) -> std::result::Result<(), String> {
            self.host.state_set(key, value)
        }
        fn state_set_if(
            &self,
            key: &str,
            value: &str,
            expected: Option<u64>,
        ) -> std::result::Result<u64, StateFailure> {
            self.host.state_set_if(key, value, expected)
        }
        fn state_delete(&self, key: &str) -> std::result::Result<bool, String> {
            self.host.state_delete(key)
        }
        fn lease(&self, key: &str, ttl_ms: u32, wait_ms: u32) -> std::result::Result<bool, String> {
            self.host.lease(key, ttl_ms, wait_ms)
        }
        fn renew(&self, key: &str, ttl_ms: u32) -> std::result::Result<bool, String> {
            self.host.renew(key, ttl_ms)
        }
        fn release(&self, key: &str) {
            self.host.release(key)
        }
        fn log(&self, level: Level, message: &str) {
            self.host.log(level, message)
        }
    }

    #[test]
    fn of_two_commits_over_the_same_checkpoint_only_one_lands() {
        // Two fetches (two processes) read revision 0; the other one commits between this one's
        // read and its write. Without the conditional write, both would succeed.
        let base = load(&FakeHost::new(), "cp").unwrap();
        let mut mine = base.successor();
        mine.customer_events.cursor = Some("mine".into());
        let mut theirs = base.successor();
        theirs.customer_events.cursor = Some("theirs".into());
        let racing = Racing {
            host: FakeHost::new(),
            theirs: RefCell::new(Some(theirs.to_text())),
        };
        let e = commit(&racing, "cp", &mine.to_text()).unwrap_err();
        assert!(
            matches!(&e, ConnectorError::State(m) if m.contains("another fetch committed")),
            "{e:?}"
        );
        assert_eq!(
            load(&racing.host, "cp").unwrap(),
            theirs,
            "theirs stays committed"
        );
    }

    #[test]
    fn commit_only_successors() {
        let host = FakeHost::new();
        let fp = "fp";
        let c0 = load(&host, fp).unwrap();
        assert_eq!(c0.revision, 0);
        let mut c1 = c0.successor();
        c1.customer_events.cursor = Some("a".into());
        commit(&host, fp, &c1.to_text()).unwrap();
        assert_eq!(load(&host, fp).unwrap(), c1);
        commit(&host, fp, &c1.to_text()).unwrap(); // idempotent
        // A candidate built from revision 0 after 1 was committed is stale.
        let mut stale = c0.successor();
        stale.customer_events.cursor = Some("b".into());
        assert!(
            matches!(commit(&host, fp, &stale.to_text()), Err(ConnectorError::State(m)) if m.contains("stale"))
        );
        assert!(matches!(
            commit(&host, fp, "{}"),
            Err(ConnectorError::InvalidInput { .. })
        ));
        assert!(
            matches!(commit(&host, fp, "garbage"), Err(ConnectorError::InvalidInput { field, .. }) if field == "checkpoint")
        );
        let c2 = c1.successor();
        commit(&host, fp, &c2.to_text()).unwrap();
        assert_eq!(load(&host, fp).unwrap().revision, 2);
    }

    #[test]
    fn unreadable_stored_checkpoint_is_an_error_not_a_restart() {
        let host = FakeHost::new();
        host.state
            .borrow_mut()
            .insert("fp".into(), "{broken".into());
        assert!(matches!(load(&host, "fp"), Err(ConnectorError::State(_))));
    }

    #[test]
    fn dedup_is_bounded_and_remembers() {
        let recent: VecDeque<String> = (0..RECENT_IDS).map(|i| i.to_string()).collect();
        let mut d = Dedup::new(&recent);
        assert!(!d.admit("7"));
        assert!(d.admit("new"));
        assert!(!d.admit("new"));
        assert_eq!(d.dropped, 2);
        let kept = d.into_recent();
        assert_eq!(kept.len(), RECENT_IDS);
        assert_eq!(kept.back().map(String::as_str), Some("new"));
        assert_eq!(kept.front().map(String::as_str), Some("1"));
    }
}

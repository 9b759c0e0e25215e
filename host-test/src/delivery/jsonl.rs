//! A JSON-lines file as an [`EventSink`]: one event per line, appended and fsynced, with a
//! journal beside it (`<file>.pending`, replaced atomically) that says how far the file held
//! committed events when a batch began (`offset`) and whether the batch is fully written
//! (`delivered`, with its checkpoint). A lock file (`<file>.lock`) keeps a second fetch out.
//!
//! On start: no journal, nothing to do; a journal `appending` (the process died while writing):
//! the file is cut back to `offset`; a journal `delivered` (it died before or after the commit):
//! its checkpoint is committed again (the connector accepts the same checkpoint twice).

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{EventSink, FaultHook, FaultPoint, SinkError};
use crate::json_api::output::EventOutput;

/// What the journal says.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "kebab-case")]
enum Journal {
    /// A batch is being appended after `offset` bytes.
    Appending {
        /// File length before the batch.
        offset: u64,
    },
    /// The batch is in the file, up to `length` bytes; `checkpoint` may not be committed yet.
    Delivered {
        /// File length before the batch.
        offset: u64,
        /// File length after it.
        length: u64,
        /// The batch's checkpoint.
        checkpoint: String,
    },
}

/// Events appended to a JSON-lines file, exactly once across crashes.
#[derive(Debug)]
pub struct JsonLinesSink {
    path: PathBuf,
    journal: PathBuf,
    /// Held (OS lock) while the sink lives.
    _lock: File,
}

impl JsonLinesSink {
    /// Use `path` (created when missing), locking it against other fetches.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, SinkError> {
        let path = path.into();
        let lock_path = sibling(&path, "lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io("opening", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(SinkError::Busy(path.display().to_string()));
            }
            Err(fs::TryLockError::Error(e)) => return Err(io("locking", &lock_path, e)),
        }
        Ok(Self {
            journal: sibling(&path, "pending"),
            path,
            _lock: lock,
        })
    }

    /// The events file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_journal(&self) -> Result<Option<Journal>, SinkError> {
        match fs::read_to_string(&self.journal) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                SinkError::Inconsistent(format!(
                    "{} is not a delivery journal ({e}); move it away to start over",
                    self.journal.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("reading", &self.journal, e)),
        }
    }

    /// Replace the journal atomically and durably.
    fn write_journal(&self, journal: &Journal) -> Result<(), SinkError> {
        let tmp = sibling(&self.path, "pending.tmp");
        let text = serde_json::to_string(journal).unwrap_or_default();
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, &self.journal)?;
            sync_dir(&self.journal)
        };
        write().map_err(|e| io("writing", &self.journal, e))
    }

    fn length(&self) -> Result<u64, SinkError> {
        match fs::metadata(&self.path) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(io("reading", &self.path, e)),
        }
    }

    /// Cut the file back to `offset` bytes (a batch written only in part).
    fn truncate(&self, offset: u64) -> Result<(), SinkError> {
        let length = self.length()?;
        if length < offset {
            return Err(SinkError::Inconsistent(format!(
                "{} is shorter ({length} bytes) than its journal says ({offset}); it was changed by hand",
                self.path.display()
            )));
        }
        if length > offset {
            let f = OpenOptions::new()
                .write(true)
                .open(&self.path)
                .map_err(|e| io("opening", &self.path, e))?;
            f.set_len(offset)
                .and_then(|()| f.sync_all())
                .map_err(|e| io("truncating", &self.path, e))?;
        }
        Ok(())
    }
}

impl EventSink for JsonLinesSink {
    fn pending(&mut self) -> Result<Option<String>, SinkError> {
        match self.read_journal()? {
            None => Ok(None),
            Some(Journal::Appending { offset }) => {
                self.truncate(offset)?;
                fs::remove_file(&self.journal).map_err(|e| io("removing", &self.journal, e))?;
                Ok(None)
            }
            Some(Journal::Delivered { checkpoint, .. }) => Ok(Some(checkpoint)),
        }
    }

    fn deliver(
        &mut self,
        events: &[EventOutput],
        checkpoint: &str,
        fault: FaultHook<'_>,
    ) -> Result<(), SinkError> {
        let offset = self.length()?;
        self.write_journal(&Journal::Appending { offset })?;
        if fault(FaultPoint::BeforeAppend) {
            return Err(SinkError::Fault(FaultPoint::BeforeAppend));
        }
        let mut text = String::new();
        for e in events {
            text.push_str(&serde_json::to_string(e).unwrap_or_default());
            text.push('\n');
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| io("opening", &self.path, e))?;
        let bytes = text.as_bytes();
        if fault(FaultPoint::MidAppend) {
            // A torn write: half of the batch reaches the disk, then the process is gone.
            let _ = file.write_all(&bytes[..bytes.len() / 2]);
            let _ = file.sync_all();
            return Err(SinkError::Fault(FaultPoint::MidAppend));
        }
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| io("appending to", &self.path, e))?;
        if fault(FaultPoint::AfterAppend) {
            return Err(SinkError::Fault(FaultPoint::AfterAppend));
        }
        self.write_journal(&Journal::Delivered {
            offset,
            length: offset + bytes.len() as u64,
            checkpoint: checkpoint.to_owned(),
        })
    }

    fn committed(&mut self) -> Result<(), SinkError> {
        match fs::remove_file(&self.journal) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("removing", &self.journal, e)),
        }
    }
}

/// `<path>.<suffix>`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

/// Make a rename in `file`'s directory durable.
fn sync_dir(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

fn io(action: &'static str, path: &Path, source: std::io::Error) -> SinkError {
    SinkError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(id: &str) -> EventOutput {
        EventOutput {
            event_type: "customer-events".into(),
            id: id.into(),
            time: None,
            data: json!({"eventId": id}),
        }
    }

    fn lines(path: &Path) -> Vec<String> {
        fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn a_torn_batch_is_cut_back_and_a_delivered_one_is_pending() {
        let dir = std::env::temp_dir().join(format!("jsonl-sink-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.jsonl");
        let mut sink = JsonLinesSink::open(&path).unwrap();
        assert!(matches!(
            JsonLinesSink::open(&path),
            Err(SinkError::Busy(_))
        ));
        sink.deliver(&[event("a"), event("b")], "cp1", &no_faults_hook)
            .unwrap();
        assert_eq!(sink.pending().unwrap().as_deref(), Some("cp1"));
        sink.committed().unwrap();
        let torn = sink.deliver(&[event("c"), event("d")], "cp2", &|p| {
            p == FaultPoint::MidAppend
        });
        assert!(matches!(torn, Err(SinkError::Fault(FaultPoint::MidAppend))));
        drop(sink);
        let mut sink = JsonLinesSink::open(&path).unwrap();
        assert_eq!(
            sink.pending().unwrap(),
            None,
            "a torn batch is undone, not committed"
        );
        assert_eq!(lines(&path), ["a", "b"]);
        sink.deliver(&[event("c"), event("d")], "cp2", &no_faults_hook)
            .unwrap();
        drop(sink);
        let mut sink = JsonLinesSink::open(&path).unwrap();
        assert_eq!(sink.pending().unwrap().as_deref(), Some("cp2"));
        assert_eq!(lines(&path), ["a", "b", "c", "d"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    fn no_faults_hook(p: FaultPoint) -> bool {
        super::super::no_faults(p)
    }
}

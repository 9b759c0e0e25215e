//! State in a directory, shared by the processes that open it.
//!
//! A value file is `#docusign-state version=N` on its first line, then the value (files written
//! by earlier versions, without that line, read as version 0). Writes of a key are serialized
//! across processes by an OS file lock on `locks/<key>.write`; a lease is `locks/<key>.lease`
//! holding its owner and expiry, read and changed under an OS lock of that file.

use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::{Entry, StateError};
use crate::capabilities::StateStore;

/// First line of a value file, before the version number.
const HEADER: &str = "#docusign-state version=";
/// How often a waiting lease request looks again.
const LEASE_POLL: Duration = Duration::from_millis(20);

/// State in a directory: one file per key, written atomically, readable only by the owner
/// (the token cache is a credential). Versions, conditional writes and leases hold across the
/// processes sharing the directory.
#[derive(Debug)]
pub struct FileStateStore {
    dir: PathBuf,
    /// Tells this store's lease owners from other processes' (pid and start time).
    instance: String,
}

impl FileStateStore {
    /// Use (and create) `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StateError> {
        let dir = dir.into();
        fs::create_dir_all(dir.join("locks")).map_err(|e| {
            StateError::io("creating state directory", dir.display().to_string(), e)
        })?;
        restrict_dir(&dir);
        Ok(Self {
            dir,
            instance: format!("{}-{}", std::process::id(), now_micros()),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{}.json", file_name(key)))
    }

    fn lock_path(&self, key: &str, kind: &str) -> PathBuf {
        self.dir
            .join("locks")
            .join(format!("{}.{kind}", file_name(key)))
    }

    /// Run `f` holding the OS lock of `path` (created if needed).
    fn locked<T>(
        &self,
        key: &str,
        path: &Path,
        f: impl FnOnce(&mut File) -> Result<T, StateError>,
    ) -> Result<T, StateError> {
        let mut file = lock_file(path).map_err(|e| StateError::io("opening lock", key, e))?;
        file.lock().map_err(|e| StateError::io("locking", key, e))?;
        let outcome = f(&mut file);
        let _ = file.unlock();
        outcome
    }

    fn write(&self, key: &str, value: &str, version: u64) -> Result<(), StateError> {
        let path = self.path(key);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = owner_only_file(&tmp)?;
            writeln!(f, "{HEADER}{version}")?;
            f.write_all(value.as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            StateError::io("writing state", key, e)
        })
    }

    /// A version above `current` and above any given out before (time-based, so a key deleted
    /// and written again does not reuse one).
    fn next_version(current: Option<u64>) -> u64 {
        now_micros().max(current.unwrap_or(0) + 1)
    }

    fn owner(&self, owner: u64) -> String {
        format!("{}:{owner}", self.instance)
    }

    /// One attempt at the lease: taken (or extended) when free, lapsed or already `owner`'s.
    fn try_lease(
        &self,
        key: &str,
        owner: &str,
        ttl_ms: u32,
        renew_only: bool,
    ) -> Result<bool, StateError> {
        let path = self.lock_path(key, "lease");
        self.locked(key, &path, |file| {
            let mut text = String::new();
            file.read_to_string(&mut text)
                .map_err(|e| StateError::io("reading lease", key, e))?;
            let now = now_ms();
            let (holder, until) = parse_lease(&text);
            let mine = holder == owner && until > now;
            let free = holder.is_empty() || until <= now;
            if !(mine || (free && !renew_only)) {
                return Ok(false);
            }
            let record = format!("{owner} {}", now + u64::from(ttl_ms));
            rewrite(file, &record).map_err(|e| StateError::io("writing lease", key, e))?;
            Ok(true)
        })
    }
}

fn parse_lease(text: &str) -> (&str, u64) {
    match text.trim().split_once(' ') {
        Some((owner, until)) => (owner, until.parse().unwrap_or(0)),
        None => ("", 0),
    }
}

fn rewrite(file: &mut File, text: &str) -> std::io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

fn lock_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn now_ms() -> u64 {
    now_micros() / 1000
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

fn parse_entry(text: String) -> Entry {
    if let Some(rest) = text.strip_prefix(HEADER)
        && let Some((version, value)) = rest.split_once('\n')
        && let Ok(version) = version.parse()
    {
        return Entry {
            value: value.to_owned(),
            version,
        };
    }
    Entry {
        value: text,
        version: 0,
    }
}

/// Key bytes kept as they are in file names; every other byte is `%XX`, and `/` is then `~`
/// (itself always escaped in keys), so the spelling is reversible.
const FILE_NAME_SAFE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// A file-name-safe, reversible spelling of a key.
fn file_name(key: &str) -> String {
    utf8_percent_encode(key, FILE_NAME_SAFE)
        .to_string()
        .replace("%2F", "~")
}

#[cfg(unix)]
fn restrict_dir(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_dir(_dir: &Path) {}

fn owner_only_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

impl StateStore for FileStateStore {
    fn get_entry(&self, key: &str) -> Result<Option<Entry>, StateError> {
        match fs::read_to_string(self.path(key)) {
            Ok(text) => Ok(Some(parse_entry(text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("reading state", key, e)),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StateError> {
        self.locked(key, &self.lock_path(key, "write"), |_| {
            let current = self.get_entry(key)?.map(|e| e.version);
            self.write(key, value, Self::next_version(current))
        })
    }

    fn set_if(&self, key: &str, value: &str, expected: Option<u64>) -> Result<u64, StateError> {
        self.locked(key, &self.lock_path(key, "write"), |_| {
            let current = self.get_entry(key)?.map(|e| e.version);
            if current != expected {
                return Err(StateError::Conflict {
                    key: key.to_owned(),
                    current,
                });
            }
            let version = Self::next_version(current);
            self.write(key, value, version)?;
            Ok(version)
        })
    }

    fn delete(&self, key: &str) -> Result<bool, StateError> {
        self.locked(
            key,
            &self.lock_path(key, "write"),
            |_| match fs::remove_file(self.path(key)) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(StateError::io("deleting state", key, e)),
            },
        )
    }

    fn lease(&self, key: &str, owner: u64, ttl_ms: u32, wait_ms: u32) -> Result<bool, StateError> {
        let deadline = Instant::now() + Duration::from_millis(u64::from(wait_ms));
        let owner = self.owner(owner);
        loop {
            if self.try_lease(key, &owner, ttl_ms, false)? {
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            std::thread::sleep(LEASE_POLL.min(deadline - Instant::now()));
        }
    }

    fn renew(&self, key: &str, owner: u64, ttl_ms: u32) -> Result<bool, StateError> {
        self.try_lease(key, &self.owner(owner), ttl_ms, true)
    }

    fn release(&self, key: &str, owner: u64) {
        let owner = self.owner(owner);
        let path = self.lock_path(key, "lease");
        let _ = self.locked(key, &path, |file| {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            if parse_lease(&text).0 == owner {
                let _ = rewrite(file, "");
            }
            Ok(())
        });
    }
}

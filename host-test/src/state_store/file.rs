//! State in a directory, shared by the processes that open it.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::StateError;
use super::locks::{LockTable, guard};
use crate::capabilities::StateStore;

/// State in a directory: one file per key, written atomically, readable only by the owner
/// (the token cache is a credential). Locks also take an OS file lock, so several processes
/// sharing the directory serialize too.
#[derive(Debug)]
pub struct FileStateStore {
    dir: PathBuf,
    locks: LockTable,
    lock_files: Mutex<HashMap<(String, u64), File>>,
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
            locks: LockTable::default(),
            lock_files: Mutex::new(HashMap::new()),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{}.json", file_name(key)))
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
    fn get(&self, key: &str) -> Result<Option<String>, StateError> {
        match fs::read_to_string(self.path(key)) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("reading state", key, e)),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StateError> {
        let path = self.path(key);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = owner_only_file(&tmp)?;
            f.write_all(value.as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            StateError::io("writing state", key, e)
        })
    }

    fn delete(&self, key: &str) -> Result<bool, StateError> {
        match fs::remove_file(self.path(key)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StateError::io("deleting state", key, e)),
        }
    }

    fn lock(&self, key: &str, owner: u64, wait_ms: u32) -> Result<bool, StateError> {
        let deadline = Instant::now() + Duration::from_millis(u64::from(wait_ms));
        if guard(&self.lock_files).contains_key(&(key.to_owned(), owner)) {
            return Ok(true);
        }
        if !self.locks.lock(key, owner, wait_ms) {
            return Ok(false);
        }
        let path = self
            .dir
            .join("locks")
            .join(format!("{}.lock", file_name(key)));
        let file = owner_only_file(&path).map_err(|e| StateError::io("opening lock", key, e))?;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    self.locks.unlock(key, owner);
                    return Ok(false);
                }
                Err(fs::TryLockError::Error(e)) => {
                    self.locks.unlock(key, owner);
                    return Err(StateError::io("locking", key, e));
                }
            }
        }
        guard(&self.lock_files).insert((key.to_owned(), owner), file);
        Ok(true)
    }

    fn unlock(&self, key: &str, owner: u64) {
        // Dropping the file releases the OS lock.
        guard(&self.lock_files).remove(&(key.to_owned(), owner));
        self.locks.unlock(key, owner);
    }
}

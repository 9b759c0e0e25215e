//! State stores: in memory (tests, one process) and on disk (CLI `--state DIR`).

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::capabilities::StateStore;

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// In-process locks with owners, shared by both stores.
#[derive(Debug, Default)]
struct LockTable {
    held: Mutex<HashMap<String, u64>>,
    released: Condvar,
}

impl LockTable {
    fn lock(&self, key: &str, owner: u64, wait_ms: u32) -> bool {
        let deadline = Instant::now() + Duration::from_millis(u64::from(wait_ms));
        let mut held = guard(&self.held);
        loop {
            match held.get(key) {
                None => {
                    held.insert(key.to_owned(), owner);
                    return true;
                }
                Some(o) if *o == owner => return true,
                Some(_) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    held = self
                        .released
                        .wait_timeout(held, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
            }
        }
    }

    fn unlock(&self, key: &str, owner: u64) -> bool {
        let mut held = guard(&self.held);
        if held.get(key) == Some(&owner) {
            held.remove(key);
            self.released.notify_all();
            return true;
        }
        false
    }
}

/// State kept in memory, shared by every invocation that holds the same `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStateStore {
    values: Mutex<HashMap<String, String>>,
    locks: LockTable,
}

impl MemoryStateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every key and value (for tests).
    pub fn snapshot(&self) -> HashMap<String, String> {
        guard(&self.values).clone()
    }
}

impl StateStore for MemoryStateStore {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(guard(&self.values).get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        guard(&self.values).insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<bool, String> {
        Ok(guard(&self.values).remove(key).is_some())
    }

    fn lock(&self, key: &str, owner: u64, wait_ms: u32) -> Result<bool, String> {
        Ok(self.locks.lock(key, owner, wait_ms))
    }

    fn unlock(&self, key: &str, owner: u64) {
        self.locks.unlock(key, owner);
    }
}

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
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, String> {
        let dir = dir.into();
        fs::create_dir_all(dir.join("locks"))
            .map_err(|e| format!("creating state directory {}: {e}", dir.display()))?;
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

/// A file-name-safe, reversible spelling of a key.
fn file_name(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b'/' => out.push('~'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
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
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        match fs::read_to_string(self.path(key)) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("reading state {key}: {e}")),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), String> {
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
            format!("writing state {key}: {e}")
        })
    }

    fn delete(&self, key: &str) -> Result<bool, String> {
        match fs::remove_file(self.path(key)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(format!("deleting state {key}: {e}")),
        }
    }

    fn lock(&self, key: &str, owner: u64, wait_ms: u32) -> Result<bool, String> {
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
        let file = owner_only_file(&path).map_err(|e| format!("opening lock {key}: {e}"))?;
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
                    return Err(format!("locking {key}: {e}"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn exercise(store: &dyn StateStore) {
        assert_eq!(store.get("docusign/v1/x/tokens").unwrap(), None);
        store.set("docusign/v1/x/tokens", "{\"a\":1}").unwrap();
        assert_eq!(
            store.get("docusign/v1/x/tokens").unwrap().as_deref(),
            Some("{\"a\":1}")
        );
        store.set("docusign/v1/x/tokens", "2").unwrap();
        assert_eq!(
            store.get("docusign/v1/x/tokens").unwrap().as_deref(),
            Some("2")
        );
        assert!(store.delete("docusign/v1/x/tokens").unwrap());
        assert!(!store.delete("docusign/v1/x/tokens").unwrap());
        assert!(store.lock("l", 1, 0).unwrap());
        assert!(
            store.lock("l", 1, 0).unwrap(),
            "re-entrant for the same owner"
        );
        assert!(!store.lock("l", 2, 10).unwrap(), "held by owner 1");
        store.unlock("l", 2);
        assert!(
            !store.lock("l", 2, 0).unwrap(),
            "unlock by a non-owner does nothing"
        );
        store.unlock("l", 1);
        assert!(store.lock("l", 2, 0).unwrap());
        store.unlock("l", 2);
    }

    #[test]
    fn memory_store() {
        exercise(&MemoryStateStore::new());
    }

    #[test]
    fn file_store_persists_and_is_private() {
        let dir = std::env::temp_dir().join(format!("docusign-state-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let store = FileStateStore::open(&dir).unwrap();
        exercise(&store);
        store.set("a/b c", "v").unwrap();
        let reopened = FileStateStore::open(&dir).unwrap();
        assert_eq!(reopened.get("a/b c").unwrap().as_deref(), Some("v"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.join("a~b%20c.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn waiting_lock_is_granted_on_release() {
        let store = Arc::new(MemoryStateStore::new());
        assert!(store.lock("k", 1, 0).unwrap());
        let s2 = store.clone();
        let waiter = std::thread::spawn(move || s2.lock("k", 2, 5_000).unwrap());
        std::thread::sleep(Duration::from_millis(50));
        store.unlock("k", 1);
        assert!(waiter.join().unwrap());
    }
}

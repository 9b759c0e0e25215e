//! Both stores against the same expectations.

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use super::{FileStateStore, MemoryStateStore};
use crate::capabilities::StateStore;

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

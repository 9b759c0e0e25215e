//! Every store against the same expectations.

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use super::{FileStateStore, MemoryStateStore, StateError};
use crate::capabilities::StateStore;

/// Values, versions, conditional writes and leases, as the contract states them.
pub(crate) fn exercise(store: &dyn StateStore) {
    let key = "docusign/v1/x/tokens";
    assert_eq!(store.get(key).unwrap(), None);
    store.set(key, "{\"a\":1}").unwrap();
    assert_eq!(store.get(key).unwrap().as_deref(), Some("{\"a\":1}"));
    let first = store.get_entry(key).unwrap().unwrap();
    store.set(key, "2").unwrap();
    let second = store.get_entry(key).unwrap().unwrap();
    assert_eq!(second.value, "2");
    assert!(
        second.version > first.version,
        "every write gives a higher version"
    );

    // Conditional writes: only over the version read, or over absence.
    let conflict = store.set_if(key, "3", Some(first.version)).unwrap_err();
    assert!(
        matches!(&conflict, StateError::Conflict { current, .. } if *current == Some(second.version)),
        "{conflict}"
    );
    assert_eq!(
        store.get(key).unwrap().as_deref(),
        Some("2"),
        "nothing written"
    );
    let third = store.set_if(key, "3", Some(second.version)).unwrap();
    assert!(third > second.version);
    assert!(matches!(
        store.set_if(key, "4", None),
        Err(StateError::Conflict { current: Some(v), .. }) if v == third
    ));
    assert!(store.delete(key).unwrap());
    assert!(!store.delete(key).unwrap());
    assert!(matches!(
        store.set_if(key, "5", Some(third)),
        Err(StateError::Conflict { current: None, .. })
    ));
    let fresh = store.set_if(key, "5", None).unwrap();
    assert!(
        fresh > third,
        "a key written again after a delete does not reuse a version"
    );
    assert!(store.delete(key).unwrap());

    // Leases: one owner at a time, re-entrant, released only by the owner, lapsing.
    assert!(store.lease("l", 1, 60_000, 0).unwrap());
    assert!(
        store.lease("l", 1, 60_000, 0).unwrap(),
        "re-entrant for the same owner"
    );
    assert!(!store.lease("l", 2, 60_000, 10).unwrap(), "held by owner 1");
    assert!(
        !store.renew("l", 2, 60_000).unwrap(),
        "only the holder renews"
    );
    store.release("l", 2);
    assert!(
        !store.lease("l", 2, 60_000, 0).unwrap(),
        "release by a non-owner does nothing"
    );
    assert!(store.renew("l", 1, 60_000).unwrap());
    store.release("l", 1);
    assert!(store.lease("l", 2, 200, 0).unwrap());
    assert!(!store.lease("l", 3, 60_000, 0).unwrap());
    assert!(
        store.lease("l", 3, 60_000, 2_000).unwrap(),
        "owner 2's lease lapsed after 200 ms"
    );
    assert!(
        !store.renew("l", 2, 60_000).unwrap(),
        "a lapsed lease is not renewed"
    );
    store.release("l", 3);
}

#[test]
fn memory_store() {
    exercise(&MemoryStateStore::new());
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("docusign-state-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[test]
fn file_store_persists_and_is_private() {
    let dir = temp_dir("file");
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
fn file_store_reads_files_of_earlier_versions_and_shares_leases_between_instances() {
    let dir = temp_dir("file-compat");
    let store = FileStateStore::open(&dir).unwrap();
    // A value written by an earlier host: the bare value, no version line.
    fs::write(dir.join("k.json"), "{\"tokens\":[]}").unwrap();
    let old = store.get_entry("k").unwrap().unwrap();
    assert_eq!((old.value.as_str(), old.version), ("{\"tokens\":[]}", 0));
    assert!(store.set_if("k", "new", Some(0)).unwrap() > 0);
    // Two opens of the directory behave as two processes: owner 1 of each is a different owner.
    let other = FileStateStore::open(&dir).unwrap();
    assert!(store.lease("grant", 1, 60_000, 0).unwrap());
    assert!(!other.lease("grant", 1, 60_000, 0).unwrap());
    store.release("grant", 1);
    assert!(other.lease("grant", 1, 60_000, 0).unwrap());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_waiting_lease_is_granted_on_release() {
    let store = Arc::new(MemoryStateStore::new());
    assert!(store.lease("k", 1, 60_000, 0).unwrap());
    let s2 = store.clone();
    let waiter = std::thread::spawn(move || s2.lease("k", 2, 60_000, 5_000).unwrap());
    std::thread::sleep(Duration::from_millis(50));
    store.release("k", 1);
    assert!(waiter.join().unwrap());
}

/// The PostgreSQL store on a fresh database of `DOCUSIGN_TEST_POSTGRES`
/// (`cargo test -p docusign-host --features postgres-tests --lib`).
#[cfg(feature = "postgres-tests")]
#[test]
fn postgres_store_and_two_instances_sharing_it() {
    use super::PostgresStateStore;
    let url = super::postgres::fresh_test_database("store");
    exercise(&PostgresStateStore::open(&url).unwrap());

    // Two instances (as two processes): one version sequence, one lease table.
    let (a, b) = (
        PostgresStateStore::open(&url).unwrap(),
        PostgresStateStore::open(&url).unwrap(),
    );
    a.set("k", "1").unwrap();
    let read = b.get_entry("k").unwrap().unwrap();
    a.set("k", "2").unwrap();
    assert!(matches!(
        b.set_if("k", "3", Some(read.version)),
        Err(StateError::Conflict { .. })
    ));
    assert!(a.lease("l", 1, 60_000, 0).unwrap());
    assert!(
        !b.lease("l", 1, 60_000, 0).unwrap(),
        "owner 1 of another instance is another owner"
    );
    b.release("l", 1);
    assert!(!b.renew("l", 1, 60_000).unwrap());
    a.release("l", 1);
    assert!(b.lease("l", 1, 60_000, 0).unwrap());
}

//! `docusign-host fetch` as a scheduler runs it: events delivered to a JSON-lines file once
//! each, resumed from the committed checkpoint, and a run killed before its commit.

mod common;

use std::path::Path;

use common::cli::{assert_no_secrets, cli, cli_with_env, text, write_cassette};
use common::fixture;
use serde_json::Value;

/// A token grant answered with `token`.
fn token_interaction(token: &str) -> Value {
    serde_json::json!({"request": {"method": "POST", "url": "https://account-d.docusign.com/oauth/token", "body": {"form": {"grant_type": "<any>", "assertion": "<jwt>"}}},
        "response": {"status": 200, "body": {"json": {"access_token": token, "token_type": "Bearer", "expires_in": 3600}}}})
}

/// A page of the demo organization's Monitor stream.
fn monitor_page(cursor: &str, limit: u32, events: Vec<Value>, end: &str) -> Value {
    serde_json::json!({
    "request": {"method": "GET", "url": format!("https://api-d.docusign.com/v1/organizations/9c5fb8e1-2d3c-4b5a-8f7e-054ff8a249bf/stream?cursor={cursor}&limit={limit}")},
    "response": {"status": 200, "body": {"json": {"endCursor": end, "data": events}}}})
}

/// `fetch --state STATE --out OUT` with the demo settings, replaying `cassette`.
fn fetch_args(cassette: &Path, state: &Path, out: &Path) -> Vec<String> {
    let config = fixture("config/demo.toml");
    [
        "fetch",
        "--config",
        config.to_str().unwrap(),
        "--replay",
        cassette.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn monitor_event(n: u32) -> Value {
    serde_json::json!({"eventId": format!("e{n}"), "timestamp": format!("2025-05-02T15:38:{n:02}.5Z"), "object": "User", "action": "Login", "result": "Success"})
}

/// `fetch` twice, a minute apart, with the state kept on disk: the second run resumes from the
/// committed cursor and the JSON-lines file holds every event once.
#[test]
fn fetch_delivers_to_jsonl_and_resumes_from_the_committed_checkpoint() {
    let dir = common::fresh_dir("fetch-cli");
    let (token, page) = (token_interaction("fetch-token"), monitor_page);
    let first = write_cassette(
        "fetch-1.json",
        &serde_json::json!({"start_time": "2025-05-02T15:40:00Z", "interactions": [
        token, page("2025-05-02T15%3A39%3A00Z", 2000, vec![monitor_event(1), monitor_event(2), monitor_event(3)], "c1"), page("c1", 1997, vec![], "c1")]}),
    );
    // One minute later, the cached token is reused (state on disk) and the cursor continues.
    let second = write_cassette(
        "fetch-2.json",
        &serde_json::json!({"start_time": "2025-05-02T15:41:00Z", "interactions": [
        page("c1", 2000, vec![monitor_event(3), monitor_event(4), monitor_event(5)], "c2"), page("c2", 1998, vec![], "c2")]}),
    );
    let (state, out) = (dir.join("state"), dir.join("events.jsonl"));
    for cassette in [&first, &second] {
        let mut args = fetch_args(cassette, &state, &out);
        args.push("--json".into());
        let o = cli(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert_no_secrets(&text(&o));
    }
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["e1", "e2", "e3", "e4", "e5"],
        "every event once, e3 (repeated by the API) dropped"
    );
    assert_eq!(lines[0]["data"]["_time"], "2025-05-02T15:38:01.5Z");
    let state_files: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        state_files
            .iter()
            .any(|f| f.ends_with("fetch-checkpoint.json")),
        "{state_files:?}"
    );
    let token_file = state_files
        .iter()
        .find(|f| f.ends_with("tokens.json"))
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(state.join(token_file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the token cache is readable only by its owner"
        );
    }
}

/// A `fetch` killed (SIGABRT, no clean-up) after its batch reached the file but before the
/// commit: the next run commits that batch first, then continues from it; the file holds every
/// event once. Without the journal the next run would fetch the batch again (and the cassette,
/// which expects the cursor after it, would refuse the request).
#[test]
fn a_fetch_killed_before_its_commit_is_committed_by_the_next_run() {
    let dir = common::fresh_dir("fetch-kill");
    let (token, page) = (token_interaction("kill-token"), monitor_page);
    let first = write_cassette(
        "kill-1.json",
        &serde_json::json!({"start_time": "2025-05-02T15:40:00Z", "interactions": [
        token, page("2025-05-02T15%3A39%3A00Z", 2000, vec![monitor_event(1), monitor_event(2)], "k1"), page("k1", 1998, vec![], "k1")]}),
    );
    let second = write_cassette(
        "kill-2.json",
        &serde_json::json!({"start_time": "2025-05-02T15:41:00Z", "interactions": [
        page("k1", 2000, vec![monitor_event(2), monitor_event(3)], "k2"), page("k2", 1999, vec![], "k2")]}),
    );
    let (state, out) = (dir.join("state"), dir.join("events.jsonl"));
    let args = |cassette: &Path| fetch_args(cassette, &state, &out);
    let killed = cli_with_env(
        &args(&first).iter().map(String::as_str).collect::<Vec<_>>(),
        &[("DOCUSIGN_HOST_FAULT", "before-commit")],
    );
    assert_eq!(
        killed.status.code(),
        None,
        "killed by a signal: {}",
        text(&killed)
    );
    assert!(
        dir.join("events.jsonl.pending").exists(),
        "the batch is journaled"
    );
    let o = cli(&args(&second).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        common::jsonl_ids(&out),
        ["e1", "e2", "e3"],
        "every event once"
    );
    assert!(!dir.join("events.jsonl.pending").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

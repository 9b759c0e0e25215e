//! The shared scenarios (`fixtures/scenarios/*.json`) through the Rust host's JSON API: each is
//! a sequence of actions over cassettes with the outputs every host must give. The Node host's
//! tests (`hosts/node/test/`) replay the same files against the same outputs.
//! Each runs on the blocking path and on the async one (`invoke_async` on a Tokio runtime), and
//! on a host that checks the time bound at host calls only (guest code uninstrumented).
//! `DOCUSIGN_BLESS=1 cargo test --test scenarios` rewrites `outputs` after a deliberate change.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{fixture, host};
use docusign_host::engine::DeadlineChecks;
use docusign_host::json_api::{self, InputFiles};
use docusign_host::replay::{Cassette, Replay};
use docusign_host::settings;
use docusign_host::state_store::MemoryStateStore;
use docusign_host::{ConnectorHost, HostOptions};
use serde_json::{Value, json};

/// Which entry point runs the steps.
#[derive(Clone, Copy, Debug)]
enum Via {
    Blocking,
    Async,
}

/// Every step's `{"ok": …}` or `{"error": …}`, on `host`.
fn run(host: &Arc<ConnectorHost>, scenario: &Value, via: Via) -> Vec<Value> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let parsed = settings::parse(&scenario["connection"].to_string(), true).unwrap();
    let conn = settings::resolve(parsed, &fixture(""), |_| None).unwrap();
    let state = Arc::new(MemoryStateStore::new());
    let mut outputs = Vec::new();
    let mut last = Value::Null;
    for part in scenario["parts"].as_array().unwrap() {
        let cassette = Cassette::load(fixture(part["cassette"].as_str().unwrap())).unwrap();
        let replay = Replay::with_state(cassette, state.clone());
        for step in part["steps"].as_array().unwrap() {
            replay
                .clock
                .advance_ms(step["advance_ms"].as_u64().unwrap_or(0));
            let input = match step["input_from"].as_str() {
                Some("checkpoint") => json!({"checkpoint": last["checkpoint"]}),
                Some(other) => panic!("unknown input_from {other}"),
                None => step["input"].clone(),
            };
            let action = step["action"].as_str().unwrap();
            let (caps, files) = (replay.capabilities(), InputFiles::default());
            let outcome = match via {
                Via::Blocking => json_api::invoke(host, &caps, &conn, action, input, files),
                Via::Async => runtime.block_on(json_api::invoke_async(
                    host, &caps, &conn, action, input, files,
                )),
            };
            let output = match outcome {
                Ok(v) => json!({ "ok": v }),
                Err(e) => json!({ "error": e.json() }),
            };
            last = output["ok"].clone();
            outputs.push(output);
        }
        replay.finish().unwrap();
    }
    outputs
}

#[test]
fn every_scenario_gives_its_outputs() {
    let dir = fixture("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    let bless = std::env::var_os("DOCUSIGN_BLESS").is_some();
    let host = host();
    let unchecked = Arc::new(
        ConnectorHost::new(HostOptions {
            deadline_checks: DeadlineChecks::HostCallsOnly,
            ..common::options()
        })
        .unwrap(),
    );
    for file in files {
        let mut scenario: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let outputs = run(&host, &scenario, Via::Blocking);
        assert_eq!(
            outputs,
            run(&host, &scenario, Via::Async),
            "{}: the async path differs",
            file.display()
        );
        assert_eq!(
            outputs,
            run(&unchecked, &scenario, Via::Blocking),
            "{}: the host without checks in guest code differs",
            file.display()
        );
        if bless {
            scenario["outputs"] = Value::Array(outputs);
            write(&file, &scenario);
            continue;
        }
        let expected = scenario["outputs"].as_array().unwrap();
        assert_eq!(expected.len(), outputs.len(), "{}", file.display());
        for (i, (want, got)) in expected.iter().zip(&outputs).enumerate() {
            assert_eq!(want, got, "{} step {}", file.display(), i + 1);
        }
    }
}

fn write(path: &Path, scenario: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(scenario).unwrap() + "\n").unwrap();
}

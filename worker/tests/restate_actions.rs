//! The `DocuSign` service on a real Restate server (npm `@restatedev/restate-server`, see
//! worker/restate/) against loopback replays of DocuSign: the same JSON as `invoke` for every
//! action, one token for many concurrent calls on two workers, no secret in Restate.
//!
//! `cargo test -p docusign-worker --features restate-server-tests`

mod support;

use std::sync::{Arc, OnceLock};

use docusign_host::json_api::{self, InputFiles};
use docusign_host::replay::{Cassette, Replay, ReplayServer};
use docusign_host::{ConnectorHost, HostOptions, settings};
use serde_json::{Value, json};

use support::checks::{ENV, assert_no_secret_in_restate, call, one_integration, workflow_input};
use support::restate::Cluster;
use support::worker::{IntegrationSpec, WorkerProcess, settings_with_key, write_config};
use support::{cassette, cassette_with, fixture, http, replay, scratch, serial};

/// `docusign-host invoke` of `action` with `settings` on `cassette`, in process: the result or error JSON.
fn invoke(
    settings: &std::path::Path,
    cassette: Cassette,
    action: &str,
    input: &Value,
) -> Result<Value, Value> {
    static HOST: OnceLock<ConnectorHost> = OnceLock::new();
    let host = HOST.get_or_init(|| ConnectorHost::new(HostOptions::default()).unwrap());
    let conn = settings::load(settings).unwrap();
    let replay = Replay::new(cassette);
    let files = InputFiles {
        base_dir: Some(&fixture("documents")),
        confined: false,
    };
    let out = json_api::invoke(
        host,
        &replay.capabilities(),
        &conn,
        action,
        input.clone(),
        files,
    )
    .map_err(|e| e.json());
    replay.finish().expect("invoke followed its cassette");
    out
}

fn send_input() -> Value {
    workflow_input(json!({}))["send"].clone()
}

#[test]
fn every_action_through_the_ingress_answers_as_invoke() {
    let _serial = serial();
    let dir = scratch("actions");
    let status_only = || cassette_with("esign/happy-path.json", &[0, 1, 3]);
    let documents = || cassette_with("esign/happy-path.json", &[0, 1, 5, 6, 7, 8]);
    let mut send = send_input();
    send["idempotency_key"] = json!("order-2025-0042");
    // (integration, action, input, worker cassette, invoke cassette)
    let cases: Vec<(&str, &str, Value, Cassette, Cassette)> = vec![
        (
            "auth",
            "auth-test",
            json!({}),
            cassette("auth/token-userinfo.json"),
            cassette("auth/token-userinfo.json"),
        ),
        (
            "send",
            "send-for-signature",
            send,
            cassette("worker/send-with-key.json"),
            cassette("worker/send-with-key.json"),
        ),
        (
            "status",
            "get-envelope-status",
            json!({"envelope_id": ENV}),
            status_only(),
            status_only(),
        ),
        (
            "documents",
            "get-signed-documents",
            json!({"envelope_id": ENV}),
            documents(),
            documents(),
        ),
        (
            "void",
            "void-envelope",
            json!({"envelope_id": ENV, "reason": "Sent to the wrong customer"}),
            cassette_with("esign/void.json", &[0, 1, 2]),
            cassette_with("esign/void.json", &[0, 1, 2]),
        ),
        (
            "consent",
            "generate-consent-url",
            json!({"kind": "admin", "event_types": ["customer-events"]}),
            cassette("no-requests.json"),
            cassette("no-requests.json"),
        ),
        (
            "missing",
            "get-envelope-status",
            json!({"envelope_id": ENV}),
            cassette_with("esign/status-errors.json", &[0, 1, 2]),
            cassette_with("esign/status-errors.json", &[0, 1, 2]),
        ),
        (
            "bad-input",
            "get-envelope-status",
            json!({"envelope": ENV}),
            cassette("no-requests.json"),
            cassette("no-requests.json"),
        ),
    ];
    let servers: Vec<ReplayServer> = cases.iter().map(|c| replay(c.3.clone())).collect();
    let specs: Vec<IntegrationSpec> = cases
        .iter()
        .zip(&servers)
        .enumerate()
        .map(|(i, (case, server))| IntegrationSpec {
            name: case.0.to_owned(),
            settings: settings_with_key(&dir, &format!("00000000-0000-4000-8000-0000000000{i:02}")),
            replay: server.addr(),
        })
        .collect();
    let config = write_config(&dir, &specs);
    let cluster = Cluster::single("actions");
    let worker = WorkerProcess::start(&config, "127.0.0.1:0");
    cluster.register(&worker.url());

    for ((name, action, input, _, invoke_cassette), spec) in cases.iter().zip(&specs) {
        let handler = action.replace('-', "_");
        let (status, mut got) = call(
            cluster.first(),
            &format!("DocuSign/{handler}"),
            input,
            Some(name),
        );
        let expected = invoke(&spec.settings, invoke_cassette.clone(), action, input);
        match expected {
            Ok(mut expected) => {
                assert_eq!(status, 200, "{name}: {got}");
                if *action == "auth-test" {
                    // The token's expiry is the grant time plus its lifetime: the clocks differ.
                    for v in [&mut got, &mut expected] {
                        assert!(v["token_expires_at"].as_str().unwrap().ends_with('Z'));
                        v["token_expires_at"] = Value::Null;
                    }
                }
                assert_eq!(got, expected, "{name}");
            }
            Err(expected) => {
                let message = got["message"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name}: {got}"));
                let error: Value = serde_json::from_str(message).unwrap();
                assert_eq!(error, expected, "{name}");
                let code = match expected["kind"].as_str() {
                    Some("invalid-input") => 400,
                    _ => expected["status"].as_u64().unwrap() as u16,
                };
                assert_eq!(status, code, "{name}: {got}");
            }
        }
    }
    for (server, case) in servers.into_iter().zip(&cases) {
        server
            .finish()
            .unwrap_or_else(|e| panic!("{}: {e}", case.0));
    }
    assert_no_secret_in_restate(&cluster);
    drop(worker);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fifty_concurrent_calls_on_two_workers_make_one_token_request() {
    let _serial = serial();
    let dir = scratch("fifty");
    let mut picks = vec![0, 1];
    picks.extend(std::iter::repeat_n(3, 50));
    let server = replay(cassette_with("esign/happy-path.json", &picks));
    let config = one_integration(&dir, &server);
    let cluster = Cluster::single("fifty");
    let workers = [
        WorkerProcess::start(&config, "127.0.0.1:0"),
        WorkerProcess::start(&config, "127.0.0.1:0"),
    ];
    let balancer = support::balancer::Balancer::start(workers.iter().map(|w| w.addr).collect());
    cluster.register(&balancer.url());
    let before = balancer.counts();

    let ingress = Arc::new(cluster.first().ingress_url());
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let ingress = ingress.clone();
            std::thread::spawn(move || {
                http::post(
                    &format!("{ingress}/DocuSign/get_envelope_status"),
                    &json!({"envelope_id": ENV}).to_string(),
                    &[],
                )
                .unwrap()
            })
        })
        .collect();
    for call in calls {
        let (status, body) = call.join().unwrap();
        assert_eq!(status, 200, "{body}");
        let out: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (out["envelope_id"].as_str(), out["status"].as_str()),
            (Some(ENV), Some("sent"))
        );
    }
    assert_eq!(
        server.transport().token_requests(),
        1,
        "one token for every call of both workers"
    );
    let counts: Vec<usize> = balancer
        .counts()
        .iter()
        .zip(&before)
        .map(|(a, b)| a - b)
        .collect();
    assert!(
        counts.iter().all(|&c| c > 0),
        "both workers served steps: {counts:?}"
    );
    server
        .finish()
        .expect("the cassette was followed: 1 token, 1 userinfo, 50 status reads");
    drop(workers);
    let _ = std::fs::remove_dir_all(&dir);
}

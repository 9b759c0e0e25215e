//! The `docusign-host` binary as a user runs it: the demo and `invoke`, their outputs and exit
//! codes, and that no secret reaches stdout or stderr.

mod common;

use std::process::{Command, Output};

use common::fixture;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docusign-host"))
        .args(args)
        .env(
            "DOCUSIGN_HOST_CACHE_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cwasm"),
        )
        .output()
        .expect("running docusign-host")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every secret the fixtures hold: private key lines, access tokens of the cassettes.
fn secrets() -> Vec<String> {
    let mut s = common::private_key_body_lines();
    for dir in ["cassettes/auth", "cassettes/esign", "cassettes/demo"] {
        for entry in std::fs::read_dir(fixture(dir)).unwrap() {
            let body = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for token in body.split("\"access_token\": \"").skip(1) {
                s.push(token.split('"').next().unwrap().to_owned());
            }
        }
    }
    assert!(s.len() > 20, "the scan must have something to look for");
    s
}

fn assert_no_secrets(output: &str) {
    for secret in secrets() {
        assert!(
            !output.contains(&secret),
            "secret found in output: {}…",
            &secret[..12.min(secret.len())]
        );
    }
    assert!(!output.contains("PRIVATE KEY"));
}

#[test]
fn demo_runs_the_signing_flow_offline_and_saves_documents() {
    let out_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-test-out");
    let _ = std::fs::remove_dir_all(&out_dir);
    let o = cli(&["demo", "--json", "--out", out_dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8(o.stdout.clone()).unwrap();
    let steps: Vec<Value> = serde_json::Deserializer::from_str(&stdout)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect();
    assert_eq!(steps.len(), 10, "one result per step");
    assert!(steps.iter().all(|s| s.get("ok").is_some()), "{stdout}");
    assert_eq!(
        steps[2]["ok"]["envelope_id"],
        "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad"
    );
    assert_eq!(steps[3]["ok"]["status"], "sent");
    assert_eq!(steps[5]["ok"]["already_voided"], false);
    assert_eq!(steps[6]["ok"]["status"], "voided");
    assert_eq!(
        steps[7]["ok"]["events"].as_array().unwrap().len(),
        3,
        "get-events"
    );
    let batch = &steps[8]["ok"];
    assert_eq!(
        batch["events"].as_array().unwrap().len(),
        7,
        "fetch-events: 5 customer events, 2 users"
    );
    assert!(
        batch["checkpoint"]
            .as_str()
            .unwrap()
            .contains("\"revision\":1")
    );
    assert_eq!(steps[9]["ok"]["committed"], true);
    let docs = &steps[4]["ok"];
    for doc in docs["documents"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&docs["summary"]])
    {
        let bytes = std::fs::read(doc["path"].as_str().unwrap()).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(doc["sha256"], sha);
    }
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 3);
    assert_no_secrets(&text(&o));
}

#[test]
fn demo_tables_are_human_readable() {
    let o = cli(&["demo"]);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("### DocuSign send-for-signature\n| field | value |"),
        "{stdout}"
    );
    assert!(stdout.contains("| status | voided |"));
    assert!(!stdout.contains("content_base64"));
    assert_no_secrets(&text(&o));
}

#[test]
fn invoke_exit_codes() {
    let config = fixture("config/demo.toml");
    let config = config.to_str().unwrap();
    // 0: success.
    let ok = fixture("cassettes/auth/token-userinfo.json");
    let o = cli(&[
        "invoke",
        "auth-test",
        "--config",
        config,
        "--replay",
        ok.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_no_secrets(&text(&o));
    // 1: the connector reports an error (JSON keeps the variant's fields).
    let consent = fixture("cassettes/auth/consent-required.json");
    let o = cli(&[
        "invoke",
        "auth-test",
        "--config",
        config,
        "--replay",
        consent.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "consent-required");
    assert!(
        v["error"]["consent_url"]
            .as_str()
            .unwrap()
            .starts_with("https://account-d.docusign.com/oauth/auth?")
    );
    // 2: bad setup.
    let o = cli(&[
        "invoke",
        "auth-test",
        "--config",
        "/nonexistent.toml",
        "--replay",
        ok.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("reading settings /nonexistent.toml"));
    // 4: the replay left interactions unused.
    let reuse = fixture("cassettes/auth/token-reuse.json");
    let o = cli(&[
        "invoke",
        "auth-test",
        "--config",
        config,
        "--replay",
        reuse.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(text(&o).contains("was never requested"));
}

#[test]
fn invoke_send_reads_document_paths_and_saves_downloads() {
    let config = fixture("config/demo.toml");
    let cassette = fixture("cassettes/esign/happy-path.json");
    let input = fixture("inputs/send.json");
    let o = cli(&[
        "invoke",
        "send-for-signature",
        "--config",
        config.to_str().unwrap(),
        "--replay",
        cassette.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--json",
    ]);
    // The cassette goes on past the send, so the replay is incomplete: exit code 4, result printed.
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["ok"]["envelope_id"],
        "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad"
    );
}

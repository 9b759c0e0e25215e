//! The `docusign-host` binary as a user runs it: the demo, `invoke` and `serve`, their outputs
//! and exit codes, and that no secret reaches stdout or stderr.

mod common;

use std::process::Command;

use common::cli::{assert_no_secrets, cli, text, write_cassette};
use common::fixture;
use serde_json::Value;
use sha2::{Digest, Sha256};

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
    assert_eq!(steps.len(), 17, "one result per step");
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
    let recipients = &steps[10]["ok"]["recipients"];
    assert_eq!(recipients[0]["status"], "declined");
    assert!(recipients[0]["declined_reason"].is_string());
    assert_eq!(steps[11]["ok"]["event"], "envelope-completed");
    assert_eq!(steps[11]["ok"]["key_index"], 1);
    // Beyond the seeds: placed fields, the embedded signer's URL (never printed), a template
    // send, and the changes feed read across two pages, then committed.
    assert_eq!(
        steps[12]["ok"]["envelope_id"],
        "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
    );
    assert_eq!(
        steps[13]["ok"]["url"],
        docusign_host::json_api::sending::REDACTED_URL
    );
    assert_eq!(steps[13]["ok"]["expires_at"], "2025-05-02T16:35:00Z");
    assert_eq!(
        steps[14]["ok"]["envelope_id"],
        "6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c"
    );
    let changes = steps[15]["ok"]["events"].as_array().unwrap();
    assert_eq!(
        changes.len(),
        3,
        "two pages, the change at their boundary once"
    );
    assert!(
        changes
            .iter()
            .all(|e| e["event_type"] == "envelope-changes")
    );
    assert_eq!(
        changes[2]["id"],
        "8b9c0d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e@2025-05-02T16:05:12.3010000Z"
    );
    assert_eq!(steps[16]["ok"]["committed"], true);
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

#[test]
fn invoke_never_prints_a_signing_url_and_writes_it_to_a_private_file() {
    // The token, userinfo and recipient view interactions of the `sending-and-changes` cassette.
    let beyond: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("cassettes/esign/beyond.json")).unwrap(),
    )
    .unwrap();
    let i = &beyond["interactions"];
    let cassette = write_cassette(
        "signing-url.json",
        &serde_json::json!({"name": "signing-url", "interactions": [i[0], i[1], i[3]]}),
    );
    let url = i[3]["response"]["body"]["json"]["url"].as_str().unwrap();
    let dir = common::fresh_dir("signing-url");
    let input = dir.join("view.json");
    std::fs::write(
        &input,
        serde_json::json!({"envelope_id": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
            "return_url": "https://erp.example.com/ds/return?order=77", "user_name": "Sam Seller",
            "email": "seller@example.org", "client_user_id": "seller-77", "recipient_id": "2",
            "authentication_method": "Password",
            "frame_ancestors": ["https://erp.example.com", "https://apps-d.docusign.com"],
            "message_origins": ["https://apps-d.docusign.com"]})
        .to_string(),
    )
    .unwrap();
    let config = fixture("config/demo.toml");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "invoke",
            "create-signing-url",
            "--config",
            config.to_str().unwrap(),
            "--replay",
            cassette.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--log-level",
            "trace",
        ];
        args.extend_from_slice(extra);
        cli(&args)
    };
    let out = dir.join("url.txt");
    for extra in [
        vec!["--json"],
        vec![],
        vec!["--json", "--signing-url-out", out.to_str().unwrap()],
    ] {
        let o = run(&extra);
        assert!(o.status.success(), "{}", text(&o));
        assert!(!text(&o).contains(url), "the URL was printed: {}", text(&o));
        assert!(!text(&o).contains("fixture-only"));
        assert!(
            String::from_utf8_lossy(&o.stdout)
                .contains(docusign_host::json_api::sending::REDACTED_URL)
        );
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap(), format!("{url}\n"));
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// `serve` and a live `invoke --record` as separate processes over real sockets and TLS.
#[test]
fn serve_and_live_invoke_with_record() {
    use std::io::BufRead as _;
    let dir = common::fresh_dir("serve-cli");
    let ca = dir.join("ca.pem");
    let mut server = Command::new(env!("CARGO_BIN_EXE_docusign-host"))
        .args([
            "serve",
            fixture("cassettes/auth/token-userinfo.json")
                .to_str()
                .unwrap(),
            "--addr",
            "127.0.0.1:0",
            "--exit-when-done",
            "--ca-out",
            ca.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let addr = first_line
        .rsplit("https://")
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let recording = dir.join("recorded.json");
    let o = cli(&[
        "invoke",
        "auth-test",
        "--config",
        fixture("config/demo.toml").to_str().unwrap(),
        "--ca-cert",
        ca.to_str().unwrap(),
        "--resolve",
        &format!("*={addr}"),
        "--record",
        recording.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        server.wait().unwrap().success(),
        "the server saw the whole cassette"
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"]["user_name"], "Avery Example");
    let recorded = std::fs::read_to_string(&recording).unwrap();
    assert_no_secrets(&recorded);
    assert!(
        !recorded.contains("eyJ"),
        "no JWT or token in the recording"
    );
    // The recording replays.
    let o = cli(&[
        "invoke",
        "auth-test",
        "--config",
        fixture("config/demo.toml").to_str().unwrap(),
        "--replay",
        recording.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

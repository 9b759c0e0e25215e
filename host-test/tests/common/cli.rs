//! Running the `docusign-host` binary in tests, and the secrets its output must never hold.

use std::process::{Command, Output};

use serde_json::Value;

use super::fixture;

/// Runs the binary with `args`; the compiled component is cached under the target directory.
pub fn cli(args: &[&str]) -> Output {
    cli_with_env(args, &[])
}

/// `cli` with extra environment variables.
pub fn cli_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docusign-host"))
        .args(args)
        .envs(env.iter().copied())
        .env(
            "DOCUSIGN_HOST_CACHE_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cwasm"),
        )
        .output()
        .expect("running docusign-host")
}

/// Stdout then stderr, as text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every secret the fixtures hold: private key lines, access tokens of the cassettes.
pub fn secrets() -> Vec<String> {
    let mut s = super::private_key_body_lines();
    for dir in ["cassettes/auth", "cassettes/esign", "cassettes/demo"] {
        for entry in std::fs::read_dir(fixture(dir)).unwrap() {
            let body = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for token in body.split("\"access_token\": \"").skip(1) {
                s.push(token.split('"').next().unwrap().to_owned());
            }
        }
    }
    s.push(std::fs::read_to_string(fixture("connect/test-only-hmac-key.txt")).unwrap());
    // The signing URL of the demo's embedded signer (a fixture, handled as the secret it models).
    s.push("fixture-not-a-real-session".to_owned());
    assert!(s.len() > 20, "the scan must have something to look for");
    s
}

pub fn assert_no_secrets(output: &str) {
    for secret in secrets() {
        assert!(
            !output.contains(&secret),
            "secret found in output: {}…",
            &secret[..12.min(secret.len())]
        );
    }
    assert!(!output.contains("PRIVATE KEY"));
}

/// Writes `value` as a cassette file under the target directory.
pub fn write_cassette(name: &str, value: &Value) -> std::path::PathBuf {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

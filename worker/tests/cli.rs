//! `docusign-worker` as a user starts it, without Restate: configuration checks and their errors.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(path)
}

fn check(config: &str) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("docusign-worker-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!(
        "{:x}.toml",
        config.len() * 31 + config.bytes().map(usize::from).sum::<usize>()
    ));
    std::fs::write(&file, config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_docusign-worker"))
        .arg("--check")
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn integration(settings: &Path) -> String {
    format!(
        "[integrations.main]\nsettings = \"{}\"\n",
        settings.display()
    )
}

#[test]
fn a_good_configuration_loads_its_integrations_and_the_connector() {
    let (code, out) = check(&integration(&fixture("config/demo.toml")));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("configuration ok; integrations: main"),
        "{out}"
    );
}

#[test]
fn mistakes_are_reported_with_what_to_fix_and_exit_2() {
    let demo = integration(&fixture("config/demo.toml"));
    let cases = [
        (
            "listen = \"127.0.0.1:9080\"\n".to_owned(),
            "no [integrations.NAME] table",
        ),
        (
            integration(Path::new("/nonexistent/settings.toml")),
            "integration \"main\": reading settings /nonexistent/settings.toml",
        ),
        (
            format!("default_integration = \"other\"\n{demo}"),
            "default_integration \"other\"",
        ),
        (
            format!("restate_identity_keys = [\"not-a-key\"]\n{demo}"),
            "restate_identity_keys",
        ),
        (
            format!("{demo}ca_cert = [\"/nonexistent/ca.pem\"]\n"),
            "reading ca_cert /nonexistent/ca.pem",
        ),
    ];
    for (config, expected) in cases {
        let (code, out) = check(&config);
        assert_eq!(code, 2, "{config}: {out}");
        assert!(
            out.contains(expected),
            "{config}: expected {expected:?} in {out}"
        );
        assert!(!out.contains("PRIVATE KEY"), "{out}");
    }
}

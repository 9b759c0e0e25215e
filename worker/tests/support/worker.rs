//! `docusign-worker` processes: written configuration, started on a free port, killed on drop.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{fixture, wait_for};

/// One integration of a worker configuration.
pub struct IntegrationSpec {
    /// Its name.
    pub name: String,
    /// Its settings file.
    pub settings: PathBuf,
    /// The replay server its requests go to.
    pub replay: SocketAddr,
}

/// Settings like `fixtures/config/demo.toml` but with integration key `integration_key` (so each
/// has its own `Integration` object), written into `dir`.
pub fn settings_with_key(dir: &Path, integration_key: &str) -> PathBuf {
    let demo = std::fs::read_to_string(fixture("config/demo.toml")).unwrap();
    let key = fixture("keys/test-only-rsa-pkcs1.pem");
    let text = demo
        .replace("1f2e3d4c-5b6a-4789-8abc-def012345678", integration_key)
        .replace(
            "../keys/test-only-rsa-pkcs1.pem",
            &key.display().to_string(),
        );
    let path = dir.join(format!("settings-{integration_key}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Write a worker configuration into `dir`: `integrations`, documents from
/// `fixtures/documents`, signed documents archived under `dir/archive`, quick retries.
pub fn write_config(dir: &Path, integrations: &[IntegrationSpec]) -> PathBuf {
    let mut text = format!(
        "documents_dir = \"{}\"\narchive_dir = \"{}\"\n[retry]\ninitial_delay_ms = 100\nmax_delay_ms = 500\nmax_duration_secs = 5\n",
        fixture("documents").display(),
        dir.join("archive").display()
    );
    for i in integrations {
        text.push_str(&format!(
            "[integrations.{}]\nsettings = \"{}\"\nca_cert = [\"{}\"]\nresolve = {}\n",
            i.name,
            i.settings.display(),
            fixture("keys/tls/test-only-ca.pem").display(),
            super::resolve_all(i.replay),
        ));
    }
    let path = dir.join("worker.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A running `docusign-worker`.
pub struct WorkerProcess {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl WorkerProcess {
    /// Start the worker with `config`, listening on `listen` (port 0: any).
    pub fn start(config: &Path, listen: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_docusign-worker"))
            .arg("--config")
            .arg(config)
            .args(["--listen", listen])
            .env("DOCUSIGN_WORKER_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("docusign-worker starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(rest) = line.split("listening on http://").nth(1) {
                        let addr = rest
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_owned();
                        let _ = tx.send(addr);
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        let addr = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(addr) => addr.parse().expect("the worker prints its address"),
            Err(_) => panic!(
                "docusign-worker did not start:\n{}",
                log.lock().unwrap().join("\n")
            ),
        };
        Self { addr, child, log }
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kill it (SIGKILL: mid-step, nothing flushed).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Everything it logged.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Wait until it logged a line containing `text`.
    pub fn wait_for_log(&self, text: &str) {
        wait_for(
            Duration::from_secs(60),
            &format!("worker log {text:?}"),
            || {
                self.log
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|l| l.contains(text))
                    .then_some(())
            },
        );
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

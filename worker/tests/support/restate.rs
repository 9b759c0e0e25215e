//! Restate servers for tests: the npm-installed native binary, configured on free loopback
//! ports, one node or a cluster; killed (and their data removed) on drop.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{scratch, wait_for};

/// The server binary: `$DOCUSIGN_RESTATE_SERVER`, else worker/restate/node_modules' one.
pub fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("DOCUSIGN_RESTATE_SERVER") {
        return path.into();
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("restate/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server");
    assert!(
        path.exists(),
        "no Restate server at {}: run `npm ci --ignore-scripts` in worker/restate first",
        path.display()
    );
    path
}

/// One node.
pub struct Node {
    /// `node-name`.
    pub name: String,
    /// Admin API port.
    pub admin: u16,
    /// Ingress port.
    pub ingress: u16,
    child: Option<Child>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Node {
    /// `http://127.0.0.1:ADMIN`.
    pub fn admin_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.admin)
    }

    /// `http://127.0.0.1:INGRESS`.
    pub fn ingress_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.ingress)
    }

    /// Kill the node (SIGKILL: no orderly shutdown).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Wait until both the admin API and the ingress answer their health checks, at most
    /// `limit`; fail at once if the process exits.
    fn wait_healthy(&mut self, limit: Duration) -> Result<(), StartFailure> {
        let start = Instant::now();
        loop {
            let admin =
                super::http::get_within(&format!("{}/health", self.admin_url()), HEALTH_PROBE);
            let ingress = super::http::get_within(
                &format!("{}/restate/health", self.ingress_url()),
                HEALTH_PROBE,
            );
            if matches!((&admin, &ingress), (Ok((200, _)), Ok((200, _)))) {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || start.elapsed() >= limit {
                let why = match exited {
                    Some(status) => format!("exited ({status})"),
                    None => format!(
                        "not healthy after {limit:?} (admin: {}, ingress: {})",
                        probe_outcome(&admin),
                        probe_outcome(&ingress)
                    ),
                };
                // The log readers may still be draining the pipes of an exited process.
                std::thread::sleep(Duration::from_millis(200));
                return Err(StartFailure {
                    node: self.name.clone(),
                    why,
                    log: self.log_tail(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last lines the node logged.
    pub fn log_tail(&self) -> String {
        let lines = self.log.lock().unwrap();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A Restate cluster of one or more nodes.
pub struct Cluster {
    /// The nodes; the first provisions the cluster.
    pub nodes: Vec<Node>,
    dir: PathBuf,
}

impl Cluster {
    /// A single node.
    pub fn single(test: &str) -> Self {
        Self::start(test, 1)
    }

    /// `n` nodes on loopback (replication 2 from three nodes up), healthy. A node that exits
    /// because a port it was given got taken in the meantime (free ports are picked before
    /// the nodes bind them) makes the cluster start again on fresh ports, up to three times;
    /// any other failure panics with the node's last log lines.
    pub fn start(test: &str, n: usize) -> Self {
        const ATTEMPTS: usize = 3;
        for attempt in 1..=ATTEMPTS {
            match Self::try_start(test, n) {
                Ok(cluster) => return cluster,
                Err(failure) if failure.port_taken() && attempt < ATTEMPTS => {
                    eprintln!("{failure}; starting the cluster again on fresh ports");
                }
                Err(failure) => panic!("{failure}"),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    fn try_start(test: &str, n: usize) -> Result<Self, StartFailure> {
        let dir = scratch(&format!("restate-{test}"));
        let fabric: Vec<u16> = (0..n).map(|_| super::free_port()).collect();
        let addresses: Vec<String> = fabric
            .iter()
            .map(|p| format!("\"http://127.0.0.1:{p}/\""))
            .collect();
        let mut nodes = Vec::new();
        for (i, port) in fabric.iter().enumerate() {
            let name = format!("n{}", i + 1);
            let (admin, ingress) = (super::free_port(), super::free_port());
            let base = dir.join(&name);
            let mut config = format!(
                "cluster-name = \"docusign-worker-test\"\nnode-name = \"{name}\"\n\
                 base-dir = \"{}\"\ndisable-telemetry = true\nlog-disable-ansi-codes = true\nauto-provision = {}\n\
                 default-replication = {}\ndefault-num-partitions = 4\n\
                 rocksdb-total-memory-size = \"256MB\"\nlisten-mode = \"tcp\"\n\
                 bind-address = \"127.0.0.1:{port}\"\n\
                 advertised-address = \"http://127.0.0.1:{port}/\"\n",
                base.display(),
                i == 0,
                if n >= 3 { 2 } else { 1 },
            );
            if n > 1 {
                config.push_str(
                    "roles = [\"metadata-server\", \"admin\", \"worker\", \"log-server\", \"http-ingress\"]\n",
                );
                config.push_str(&format!(
                    "[metadata-client]\naddresses = [{}]\n",
                    addresses.join(", ")
                ));
            }
            config.push_str(&format!(
                "[admin]\nbind-address = \"127.0.0.1:{admin}\"\n[ingress]\nbind-address = \"127.0.0.1:{ingress}\"\n"
            ));
            let file = dir.join(format!("{name}.toml"));
            std::fs::write(&file, config).unwrap();
            let mut child = Command::new(server_binary())
                .args(["--no-logo", "--config-file"])
                .arg(&file)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the Restate server starts");
            let log = Arc::new(Mutex::new(Vec::new()));
            for pipe in [
                child
                    .stdout
                    .take()
                    .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
                child
                    .stderr
                    .take()
                    .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
            ]
            .into_iter()
            .flatten()
            {
                let log = log.clone();
                std::thread::spawn(move || {
                    for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                        log.lock().unwrap().push(line);
                    }
                });
            }
            nodes.push(Node {
                name,
                admin,
                ingress,
                child: Some(child),
                log,
            });
        }
        let mut cluster = Self { nodes, dir };
        for node in &mut cluster.nodes {
            node.wait_healthy(HEALTHY_WITHIN)?;
        }
        Ok(cluster)
    }

    /// The first node.
    pub fn first(&self) -> &Node {
        &self.nodes[0]
    }

    /// Register the worker at `uri` (retried while the cluster settles).
    pub fn register(&self, uri: &str) {
        let url = format!("{}/deployments", self.first().admin_url());
        let body = json!({ "uri": uri, "force": true }).to_string();
        wait_for(
            Duration::from_secs(60),
            "the deployment registered",
            || match super::http::post(&url, &body, &[]) {
                Ok((status, _)) if status == 200 || status == 201 => Some(()),
                _ => None,
            },
        );
    }

    /// Rows of an SQL query over Restate's introspection tables.
    pub fn sql(&self, query: &str) -> Vec<Value> {
        let url = format!("{}/query", self.first().admin_url());
        let (status, body) = super::http::post(
            &url,
            &json!({ "query": query }).to_string(),
            &[("accept", "application/json")],
        )
        .expect("the admin API answers");
        assert_eq!(status, 200, "{query}: {body}");
        let value: Value = serde_json::from_str(&body).unwrap();
        value["rows"].as_array().cloned().unwrap_or_default()
    }
}

/// How long a node may take to answer its health checks (~0.4 s on an idle machine).
const HEALTHY_WITHIN: Duration = Duration::from_secs(90);
/// How long one health check may take.
const HEALTH_PROBE: Duration = Duration::from_secs(2);

/// A node that did not come up: which, why, and what it logged last.
#[derive(Debug)]
struct StartFailure {
    node: String,
    why: String,
    log: String,
}

impl StartFailure {
    /// Whether the node could not bind a port it was given.
    fn port_taken(&self) -> bool {
        ["Address in use", "Address already in use", "os error 98"]
            .iter()
            .any(|sign| self.log.contains(sign))
    }
}

impl std::fmt::Display for StartFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Restate node {} {}; its last log lines:\n{}",
            self.node, self.why, self.log
        )
    }
}

fn probe_outcome(probe: &Result<(u16, String), ureq::Error>) -> String {
    match probe {
        Ok((status, _)) => format!("HTTP {status}"),
        Err(e) => e.to_string(),
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! `SignatureWorkflow` on a real Restate server against a loopback replay of DocuSign: to
//! completion with durable sleeps, through a killed worker, through the loss of a cluster node;
//! each with one envelope created and the signed documents' hashes. (Only after the node's loss
//! may a GET be repeated: Restate runs a step at least once.)
//!
//! `cargo test -p docusign-worker --features restate-server-tests`

mod support;

use docusign_host::bindings::Method;
use docusign_host::replay::ReplayServer;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use support::checks::{
    ENV, LONG, assert_no_secret_in_restate, call, one_integration, workflow_input,
};
use support::restate::{Cluster, Node};
use support::worker::WorkerProcess;
use support::{cassette, cassette_slow_at, fixture, http, replay, scratch, serial, wait_for};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Start `SignatureWorkflow` `id` with `poll` on `node`.
fn start_workflow(node: &Node, id: &str, poll: Value) {
    let (status, body) = call(
        node,
        &format!("SignatureWorkflow/{id}/run/send"),
        &workflow_input(poll),
        None,
    );
    assert_eq!(status, 202, "{body}");
}

/// Fail at once if the replay went off its cassette while waiting for `what`.
fn assert_on_cassette(server: &ReplayServer, what: &str) {
    assert!(
        !server.transport().has_failures(),
        "the worker left the cassette while waiting for {what}: {:?}",
        server.transport().finish().err()
    );
}

/// The workflow's progress, if the ingress answers.
fn progress(node: &Node, id: &str) -> Option<Value> {
    let url = format!("{}/SignatureWorkflow/{id}/progress", node.ingress_url());
    let (status, p) = http::post(&url, "", &[]).ok()?;
    (status == 200).then(|| serde_json::from_str(&p).ok())?
}

/// The workflow's progress once `accept` takes it.
fn progress_when(
    node: &Node,
    id: &str,
    server: &ReplayServer,
    what: &str,
    accept: impl Fn(&Value) -> bool,
) -> Value {
    wait_for(LONG, what, || {
        assert_on_cassette(server, what);
        progress(node, id).filter(|p| accept(p))
    })
}

/// Wake the workflow until it takes the wake (the ingress may be failing over).
fn wake(node: &Node, id: &str) {
    wait_for(LONG, "the wake delivered", || {
        let (status, body) = http::post(
            &format!("{}/SignatureWorkflow/{id}/wake", node.ingress_url()),
            "",
            &[],
        )
        .ok()?;
        (status == 200 && body.trim() == "true").then_some(())
    });
}

/// Wake the workflow for each of the cassette's three checks (sent, delivered, completed),
/// each time once it waits again.
fn wake_through_the_checks(node: &Node, id: &str, server: &ReplayServer) {
    for checks in 1..=3u64 {
        wake(node, id);
        if checks < 3 {
            progress_when(node, id, server, "the next check", |p| {
                p["checks"] == checks && p["phase"] == "waiting"
            });
        }
    }
}

/// The workflow's result once it has one (`/output` answers 470 while it runs).
fn finished(node: &Node, id: &str) -> Option<Value> {
    let url = format!(
        "{}/restate/workflow/SignatureWorkflow/{id}/output",
        node.ingress_url()
    );
    let (status, body) = http::get(&url).ok()?;
    (status == 200).then(|| serde_json::from_str(&body).unwrap())
}

/// The workflow's result (waits for it).
fn output(node: &Node, id: &str, server: &ReplayServer) -> Value {
    wait_for(LONG, "the workflow's output", || {
        assert_on_cassette(server, "the workflow's output");
        finished(node, id)
    })
}

/// Wake the workflow whenever it waits on a check it was not woken for, until its result is
/// there: after a failover a step may run again (at least once), so the checks are not counted.
fn wake_until_finished(node: &Node, id: &str, server: &ReplayServer) -> Value {
    let mut woken_for = None;
    wait_for(LONG, "the workflow's output", || {
        assert_on_cassette(server, "the workflow's output");
        if let Some(out) = finished(node, id) {
            return Some(out);
        }
        let p = progress(node, id)?;
        if p["phase"] == "waiting" && woken_for.as_ref() != Some(&p["checks"]) {
            wake(node, id);
            woken_for = Some(p["checks"].clone());
        }
        None
    })
}

/// The URL of the cassette's envelope (the documents' parent).
fn envelope_url(server: &ReplayServer) -> String {
    let send = &server.transport().cassette().interactions[5].request.url;
    assert!(send.ends_with(ENV), "{send}");
    send.clone()
}

fn creates(server: &ReplayServer) -> usize {
    server
        .transport()
        .received()
        .iter()
        .filter(|r| r.method == Method::Post && r.url.ends_with("/envelopes"))
        .count()
}

fn assert_completed_with_evidence(out: &Value, archive: &std::path::Path) {
    assert_eq!(out["outcome"], "completed", "{out}");
    assert_eq!(out["envelope_id"], ENV);
    assert_eq!(out["status"]["status"], "completed");
    let evidence = &out["evidence"];
    let signed = [
        (
            "1",
            "Master Services Agreement.pdf",
            "Master Services Agreement.pdf",
        ),
        ("2", "Order Form.txt", "Order Form.pdf"),
    ];
    for (i, (id, name, file)) in signed.iter().enumerate() {
        let doc = &evidence["documents"][i];
        let bytes = std::fs::read(fixture(&format!("documents/signed/{file}"))).unwrap();
        assert_eq!(
            (doc["document_id"].as_str(), doc["name"].as_str()),
            (Some(*id), Some(*name))
        );
        assert_eq!(doc["sha256"], sha256_hex(&bytes), "{name}");
        let path = doc["path"].as_str().unwrap();
        assert!(path.starts_with(archive.to_str().unwrap()), "{path}");
        assert_eq!(
            std::fs::read(path).unwrap(),
            bytes,
            "the archived copy of {name}"
        );
    }
    let summary = std::fs::read(fixture("documents/signed/Summary.pdf")).unwrap();
    assert_eq!(evidence["summary"]["sha256"], sha256_hex(&summary));
    assert!(
        !out.to_string().contains("content_base64"),
        "no document content in the result"
    );
}

#[test]
fn the_signature_workflow_sleeps_durably_to_completion() {
    let _serial = serial();
    let dir = scratch("workflow");
    let server = replay(cassette("worker/signature-workflow.json"));
    let config = one_integration(&dir, &server);
    let cluster = Cluster::single("workflow");
    let worker = WorkerProcess::start(&config, "127.0.0.1:0");
    cluster.register(&worker.url());

    start_workflow(
        cluster.first(),
        "order-1001",
        json!({"first_check_secs": 1, "max_interval_secs": 1}),
    );
    let out = output(cluster.first(), "order-1001", &server);
    assert_completed_with_evidence(&out, &dir.join("archive"));
    assert_eq!(out["checks"], 3, "sent, delivered, completed");
    assert_eq!(creates(&server), 1);
    server.finish().expect("the cassette was followed");
    assert_no_secret_in_restate(&cluster);
    drop(worker);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_worker_killed_mid_workflow_is_replaced_without_sending_twice() {
    let _serial = serial();
    let dir = scratch("killed");
    let server = replay(cassette("worker/signature-workflow.json"));
    let config = one_integration(&dir, &server);
    let cluster = Cluster::single("killed");
    let mut worker = WorkerProcess::start(&config, "127.0.0.1:0");
    let addr = worker.addr.to_string();
    cluster.register(&worker.url());
    let node = cluster.first();

    // Checks an hour apart: only `wake` moves the workflow on, so the kill lands while it waits.
    start_workflow(node, "order-2002", json!({"first_check_secs": 3600}));
    let p = progress_when(node, "order-2002", &server, "the send journaled", |p| {
        p["phase"] == "waiting"
    });
    assert_eq!(
        (p["envelope_id"].as_str(), p["checks"].as_u64()),
        (Some(ENV), Some(0))
    );
    worker.kill();
    let worker = WorkerProcess::start(&config, &addr);

    wake_through_the_checks(node, "order-2002", &server);
    let out = output(node, "order-2002", &server);
    assert_completed_with_evidence(&out, &dir.join("archive"));
    assert_eq!(creates(&server), 1, "one envelope created across the crash");
    server
        .finish()
        .expect("the cassette was followed: no request repeated");
    drop(worker);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_worker_killed_mid_download_asks_again_only_for_what_it_reads() {
    let _serial = serial();
    let dir = scratch("killed-download");
    // The certificate (the step's last download) answers slowly, so the kill lands inside the step.
    let server = replay(cassette_slow_at(
        "worker/signature-workflow.json",
        11,
        5_000,
    ));
    server.transport().allow_repeated_gets();
    let config = one_integration(&dir, &server);
    let cluster = Cluster::single("killed-download");
    let mut worker = WorkerProcess::start(&config, "127.0.0.1:0");
    let addr = worker.addr.to_string();
    cluster.register(&worker.url());
    let node = cluster.first();

    start_workflow(node, "order-4004", json!({"first_check_secs": 3600}));
    progress_when(node, "order-4004", &server, "the send journaled", |p| {
        p["phase"] == "waiting"
    });
    wake_through_the_checks(node, "order-4004", &server);
    wait_for(LONG, "the certificate asked for", || {
        (server.transport().used() >= 11).then_some(())
    });
    worker.kill();
    let worker = WorkerProcess::start(&config, &addr);

    let out = output(node, "order-4004", &server);
    assert_completed_with_evidence(&out, &dir.join("archive"));
    assert_eq!(creates(&server), 1, "one envelope created across the crash");
    let repeats = server.transport().repeats();
    let envelope = envelope_url(&server);
    for (n, path) in [
        (9, "/documents"),
        (10, "/documents/1"),
        (11, "/documents/2"),
    ] {
        assert!(
            repeats.contains(&format!("interaction #{n} {envelope}{path}")),
            "the re-run step asked again for {path}: {repeats:?}"
        );
    }
    server
        .finish()
        .expect("the cassette was followed: only the step's GETs repeated");
    drop(worker);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_three_node_cluster_loses_a_node_mid_workflow() {
    let _serial = serial();
    let dir = scratch("cluster");
    let server = replay(cassette("worker/signature-workflow.json"));
    // A step whose result the lost node had not yet replicated runs again (at least once): its
    // GETs may be asked again; the one POST that creates the envelope may not.
    server.transport().allow_repeated_gets();
    let config = one_integration(&dir, &server);
    let mut cluster = Cluster::start("cluster", 3);
    let worker = WorkerProcess::start(&config, "127.0.0.1:0");
    cluster.register(&worker.url());

    start_workflow(
        cluster.first(),
        "order-3003",
        json!({"first_check_secs": 3600}),
    );
    progress_when(
        cluster.first(),
        "order-3003",
        &server,
        "the send journaled",
        |p| p["phase"] == "waiting",
    );
    cluster.nodes[1].kill();
    // A failover that does not settle is reported with what the nodes last logged.
    let finished = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wake_until_finished(cluster.first(), "order-3003", &server)
    }));
    let out = finished.unwrap_or_else(|panic| {
        for n in &cluster.nodes {
            eprintln!(
                "--- Restate node {} (last lines) ---\n{}",
                n.name,
                n.log_tail()
            );
        }
        std::panic::resume_unwind(panic)
    });
    let repeats = server.transport().repeats();
    if !repeats.is_empty() {
        eprintln!("steps ran again after the failover, asking again for: {repeats:?}");
    }
    assert_completed_with_evidence(&out, &dir.join("archive"));
    assert_eq!(creates(&server), 1);
    server.finish().expect("the cassette was followed");
    drop(worker);
    let _ = std::fs::remove_dir_all(&dir);
}

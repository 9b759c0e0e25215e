//! `docusign-host fetch`: scheduled collection. `fetch-events`, append the events to a JSON-lines
//! file and make it durable, then `commit-fetch`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use docusign_host::json_api::output::{EventOutput, StreamOutput};
use docusign_host::json_api::{self, Call, FetchInput, Output};
use docusign_host::log_sink::StderrLog;
use serde::Serialize;

use crate::connect::{ConnectArgs, open};
use crate::exit::Exit;
use crate::{print_ok, print_outcome, render};

#[derive(clap::Args)]
pub struct FetchArgs {
    /// Event types, comma-separated: customer-events, audit-users.
    #[arg(long, value_delimiter = ',', default_value = "customer-events")]
    types: Vec<String>,
    /// Append delivered events here (JSON lines), made durable before the commit.
    #[arg(long)]
    out: PathBuf,
    /// Maximum customer events per fetch.
    #[arg(long, default_value_t = 2000)]
    max_customer_events: u32,
    /// Maximum audit users per fetch.
    #[arg(long, default_value_t = 1250)]
    max_audit_users: u32,
    /// First-fetch start ("1 minute ago", an RFC 3339 time, "stream-default").
    #[arg(long)]
    first_fetch: Option<String>,
    #[command(flatten)]
    connect: ConnectArgs,
}

/// What `fetch` reports once the batch is delivered and committed.
#[derive(Serialize)]
struct FetchSummary<'a> {
    delivered: usize,
    out: String,
    streams: &'a [StreamOutput],
    retry_after_secs: Option<u64>,
}

/// Fetch, deliver, commit; see [`Exit`] for what the code means.
pub fn run(args: FetchArgs, log: Arc<StderrLog>, verbose: bool) -> Exit {
    let (session, host) = match open(&args.connect, log, verbose) {
        Ok(opened) => opened,
        Err(exit) => return exit,
    };
    let input = FetchInput {
        event_types: args.types,
        max_customer_events: Some(args.max_customer_events),
        max_audit_users: Some(args.max_audit_users),
        first_fetch: args.first_fetch,
    };
    let started = Instant::now();
    let fetched = input.into_request().and_then(|request| {
        json_api::run_call(
            &host,
            &session.caps,
            &session.conn,
            Call::FetchEvents(request),
        )
    });
    let batch = match fetched {
        Ok(Output::Fetch(batch)) => batch,
        Ok(_) => unreachable!("fetch-events returns a batch"),
        Err(e) => {
            let exit = print_outcome("fetch-events", &Err(e), args.connect.json);
            return session.check(false).unwrap_or(exit);
        }
    };
    if let Err(e) = append_events(&args.out, &batch.events) {
        eprintln!(
            "error: delivering to {}: {e}; nothing committed, the next fetch returns these events again",
            args.out.display()
        );
        return Exit::ConnectorError;
    }
    let commit = json_api::run_call(
        &host,
        &session.caps,
        &session.conn,
        Call::CommitFetch(batch.checkpoint.clone()),
    );
    if let Err(e) = &commit {
        eprintln!(
            "error: {} events were delivered but the commit failed: {e}",
            batch.events.len()
        );
        return Exit::ConnectorError;
    }
    eprintln!(
        "fetched and delivered {} events in {:.1} s",
        batch.events.len(),
        started.elapsed().as_secs_f64()
    );
    let summary = FetchSummary {
        delivered: batch.events.len(),
        out: args.out.display().to_string(),
        streams: &batch.streams,
        retry_after_secs: batch.retry_after_secs,
    };
    let value = serde_json::to_value(&summary).unwrap_or_default();
    print_ok(&value, args.connect.json, || {
        render::markdown("DocuSign fetch", &value)
    });
    session.check(true).unwrap_or(Exit::Ok)
}

/// Append one JSON document per line and make it durable.
fn append_events(path: &Path, events: &[EventOutput]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut text = String::new();
    for e in events {
        text.push_str(&serde_json::to_string(e)?);
        text.push('\n');
    }
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

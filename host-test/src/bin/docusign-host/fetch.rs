//! `docusign-host fetch`: scheduled collection. `fetch-events`, append the events to a JSON-lines
//! file and make it durable, then `commit-fetch`; a batch a crash left delivered but not
//! committed is committed first, a batch left half written is cut off first.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use docusign_host::delivery::{
    DeliveryError, FaultPoint, JsonLinesSink, PostgresSink, fetch_and_deliver, fetch_into_postgres,
};
use docusign_host::json_api::FetchInput;
use docusign_host::json_api::output::StreamOutput;
use docusign_host::log_sink::StderrLog;
use docusign_host::settings;
use serde::Serialize;

use crate::connect::{ConnectArgs, is_postgres_url, open};
use crate::exit::Exit;
use crate::{print_ok, print_outcome, render};

#[derive(clap::Args)]
pub struct FetchArgs {
    /// Event types, comma-separated: customer-events, audit-users, envelope-changes.
    #[arg(long, value_delimiter = ',', default_value = "customer-events")]
    types: Vec<String>,
    /// Where delivered events go: a JSON-lines file (appended, made durable before the commit),
    /// or `postgres://…` (the `docusign_events` table, in one transaction with the commit; the
    /// checkpoint then lives in that database too).
    #[arg(long)]
    out: String,
    /// Maximum customer events per fetch.
    #[arg(long, default_value_t = 2000)]
    max_customer_events: u32,
    /// Maximum audit users per fetch.
    #[arg(long, default_value_t = 1250)]
    max_audit_users: u32,
    /// Maximum envelope changes per fetch.
    #[arg(long, default_value_t = 1000)]
    max_envelope_changes: u32,
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

/// Where the events go.
enum Out {
    File(JsonLinesSink),
    Postgres(String),
}

/// Fetch, deliver, commit (crash-safe: see `docusign_host::delivery`); see [`Exit`] for what
/// the code means.
pub fn run(mut args: FetchArgs, log: Arc<StderrLog>, verbose: bool) -> Exit {
    let mut out = if is_postgres_url(&args.out) {
        // The checkpoint commits in the events' transaction: it must live in that database.
        match &args.connect.state {
            None => args.connect.state = Some(args.out.clone()),
            Some(state) if *state == args.out => {}
            Some(_) => {
                eprintln!(
                    "error: with --out postgres://…, --state must be the same database (or left out)"
                );
                return Exit::Usage;
            }
        }
        Out::Postgres(args.out.clone())
    } else {
        match JsonLinesSink::open(PathBuf::from(&args.out)) {
            Ok(sink) => Out::File(sink),
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        }
    };
    let (session, host) = match open(&args.connect, log, verbose) {
        Ok(opened) => opened,
        Err(exit) => return exit,
    };
    let input = FetchInput {
        event_types: args.types,
        max_customer_events: Some(args.max_customer_events),
        max_audit_users: Some(args.max_audit_users),
        max_envelope_changes: Some(args.max_envelope_changes),
        first_fetch: args.first_fetch,
    };
    let request = match input.into_request() {
        Ok(request) => request,
        Err(e) => {
            let exit = print_outcome("fetch-events", &Err(e), args.connect.json);
            return session.check(false).unwrap_or(exit);
        }
    };
    let started = Instant::now();
    let fault = injected_fault();
    let hook = |point: FaultPoint| {
        if fault == Some(point) {
            // A test's stand-in for `kill -9` at this point.
            eprintln!("DOCUSIGN_HOST_FAULT: stopping at {}", point.as_str());
            std::process::abort();
        }
        false
    };
    let outcome = match &mut out {
        Out::File(sink) => {
            fetch_and_deliver(&host, &session.caps, &session.conn, request, sink, &hook)
        }
        Out::Postgres(url) => {
            let integration = settings::integration_id(&session.conn);
            match PostgresSink::open(url, &integration) {
                Ok(sink) => {
                    fetch_into_postgres(&host, &session.caps, &session.conn, request, &sink, &hook)
                }
                Err(e) => Err(DeliveryError::Sink(e)),
            }
        }
    };
    let batch = match outcome {
        Ok(batch) => batch,
        Err(DeliveryError::Fetch(e)) => {
            let exit = print_outcome("fetch-events", &Err(e), args.connect.json);
            return session.check(false).unwrap_or(exit);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::ConnectorError;
        }
    };
    eprintln!(
        "fetched and delivered {} events in {:.1} s",
        batch.events.len(),
        started.elapsed().as_secs_f64()
    );
    let summary = FetchSummary {
        delivered: batch.events.len(),
        out: redact_url(&args.out),
        streams: &batch.streams,
        retry_after_secs: batch.retry_after_secs,
    };
    let value = serde_json::to_value(&summary).unwrap_or_default();
    print_ok(&value, args.connect.json, || {
        render::markdown("DocuSign fetch", &value)
    });
    session.check(true).unwrap_or(Exit::Ok)
}

/// `out` without a password (`postgres://user:secret@…` → `postgres://user:<redacted>@…`).
fn redact_url(out: &str) -> String {
    match (out.find("://"), out.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &out[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:<redacted>{}", &out[..scheme + 3], &out[at..]),
                None => out.to_owned(),
            }
        }
        _ => out.to_owned(),
    }
}

/// `DOCUSIGN_HOST_FAULT=<point>` (tests only): abort the process at that point of delivery.
fn injected_fault() -> Option<FaultPoint> {
    let name = std::env::var("DOCUSIGN_HOST_FAULT").ok()?;
    FaultPoint::ALL.into_iter().find(|p| p.as_str() == name)
}

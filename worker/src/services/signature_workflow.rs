//! `SignatureWorkflow`, the service task to copy: send an envelope, wait for it to be signed
//! (durable sleeps between status checks, backing off, bounded by the envelope's expiry; `wake`
//! checks at once, e.g. from a Connect webhook), then fetch the signed documents and return their
//! SHA-256 evidence. Keyed by a workflow id the caller chooses (one run per id).

use std::sync::Arc;
use std::time::Duration;

use docusign_host::json_api::{Call, InvokeError, Output};
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::evidence::{self, EnvelopeEvidence};
use crate::failure;
use crate::integration_state;
use crate::journal;
use crate::payload::ActionInput;
use crate::services::docusign::invocation_idempotency_key;
use crate::services::integration::IntegrationObjectClient;
use crate::step::Worker;
use crate::wait::{self, Outcome, PollSettings, Progress};

/// The workflow's input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowInput {
    /// Integration name (default: the worker's default).
    #[serde(default)]
    pub integration: Option<String>,
    /// The `send-for-signature` input (without `idempotency_key`, the workflow's own is used).
    pub send: Value,
    /// How often to check.
    #[serde(default)]
    pub poll: PollSettings,
}

/// The workflow's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkflowOutput {
    /// The envelope.
    pub envelope_id: String,
    /// An envelope sent earlier with the same idempotency key was used.
    pub reused: bool,
    /// `completed`, `declined`, `voided` or `timed-out`.
    pub outcome: Outcome,
    /// The last `get-envelope-status` result.
    pub status: Value,
    /// Status checks made.
    pub checks: u32,
    /// Documents and certificate (when completed).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evidence: Option<EnvelopeEvidence>,
}

/// The `SignatureWorkflow` workflow.
pub struct SignatureWorkflow {
    worker: Arc<Worker>,
}

impl SignatureWorkflow {
    /// The workflow, served by `worker`.
    pub fn new(worker: Arc<Worker>) -> Self {
        Self { worker }
    }
}

/// Workflow state: what `progress` shows.
const PROGRESS: &str = "progress";

#[restate_sdk::workflow(name = "SignatureWorkflow", inactivity_timeout = "10m")]
impl SignatureWorkflow {
    /// Send, wait, collect.
    #[handler]
    async fn run(
        &self,
        ctx: WorkflowContext<'_>,
        Json(input): Json<WorkflowInput>,
    ) -> HandlerResult<Json<WorkflowOutput>> {
        let worker = &self.worker;
        let integration = worker
            .integrations
            .select(input.integration.as_deref())
            .map_err(|e| failure::terminal(&e))?;
        let poll = input.poll.checked().map_err(|e| failure::terminal(&e))?;
        let mut call = worker
            .parse("send-for-signature", input.send)
            .map_err(|e| failure::terminal(&e))?;
        if let Call::SendForSignature(req) = &mut call
            && req.idempotency_key.is_none()
        {
            req.idempotency_key = Some(invocation_idempotency_key(ctx.invocation_id()));
        }
        let object = || ctx.object_client::<IntegrationObjectClient>(integration.key.clone());
        // A journaled step whose cache changes go to the integration's object; its result.
        macro_rules! step {
            ($call:expr, $stored:expr, $name:expr, $shape:expr) => {{
                let step =
                    journal::run_step!(ctx, worker, &integration, $call, $stored, $name, $shape);
                journal::offer(object(), step.changes);
                step.result.into_result()?
            }};
        }
        let mut progress = Progress::started(ctx.invocation_id());
        ctx.set(PROGRESS, Json(progress.clone()));

        // 1. Send (journaled: a restarted workflow never sends again).
        let mut stored = journal::session(object()).await?;
        let (envelope_id, reused) = step!(call, stored.clone(), "send", sent);
        progress.sent(&envelope_id);
        ctx.set(PROGRESS, Json(progress.clone()));

        // 2. Wait: check, sleep (or be woken), back off, until a final status or the deadline.
        let started_ms = now(&ctx).await?;
        let mut delay = poll.first_check();
        let (outcome, status) = loop {
            let now_ms = now(&ctx).await?;
            let deadline = poll.deadline(started_ms, progress.expires_at_ms);
            if now_ms >= deadline {
                break (Outcome::TimedOut, progress.last_status.clone());
            }
            let pause = delay.min(Duration::from_millis(deadline - now_ms));
            progress.waiting(now_ms + pause.as_millis() as u64);
            ctx.set(PROGRESS, Json(progress.clone()));
            let wake = wait::wake_signal(progress.wakes + 1);
            let woken = restate_sdk::select! {
                _ = ctx.sleep(pause) => false,
                _ = ctx.signal::<String>(&wake) => true,
            };
            if woken {
                progress.wakes += 1;
            }
            delay = poll.next_delay(delay);

            if !integration_state::has_fresh_session(&stored, &integration.sealer, now_ms) {
                stored = journal::session(object()).await?;
            }
            let call = Call::GetEnvelopeStatus(envelope_id.clone());
            let status = step!(call, stored.clone(), "check-status", checked);
            progress.checked(&status);
            ctx.set(PROGRESS, Json(progress.clone()));
            if let Some(outcome) = wait::final_outcome(&status.status) {
                break (outcome, status.detail);
            }
        };

        // 3. Collect the evidence (contents archived or dropped inside the step, never journaled).
        let evidence = if outcome == Outcome::Completed {
            progress.collecting();
            ctx.set(PROGRESS, Json(progress.clone()));
            let stored = journal::session(object()).await?;
            let archive = worker.archive_dir.clone();
            let call = Call::GetSignedDocuments(envelope_id.clone());
            Some(step!(
                call,
                stored,
                "collect-documents",
                move |output| match output {
                    Output::Documents(docs) => evidence::collect(docs, archive.as_deref()),
                    other => Err(unexpected(&other)),
                }
            ))
        } else {
            None
        };
        progress.done(outcome);
        ctx.set(PROGRESS, Json(progress.clone()));
        Ok(Json(WorkflowOutput {
            envelope_id,
            reused,
            outcome,
            status,
            checks: progress.checks,
            evidence,
        }))
    }

    /// Check the envelope now instead of at the next scheduled check (e.g. on a Connect event).
    /// Returns whether the workflow was waiting.
    #[handler]
    async fn wake(
        &self,
        ctx: SharedWorkflowContext<'_>,
        _reason: ActionInput,
    ) -> HandlerResult<bool> {
        let Some(Json(progress)) = ctx.get::<Json<Progress>>(PROGRESS).await? else {
            return Ok(false);
        };
        if progress.phase != wait::Phase::Waiting {
            return Ok(false);
        }
        ctx.invocation_handle(progress.invocation_id.clone())
            .signal(wait::wake_signal(progress.wakes + 1))
            .resolve("wake".to_owned());
        Ok(true)
    }

    /// Where the workflow is: phase, envelope, last status, checks, next check.
    #[handler]
    async fn progress(
        &self,
        ctx: SharedWorkflowContext<'_>,
    ) -> HandlerResult<Json<Option<Progress>>> {
        Ok(Json(
            ctx.get::<Json<Progress>>(PROGRESS)
                .await?
                .map(Json::into_inner),
        ))
    }
}

/// The wall clock, journaled (the workflow's decisions replay identically).
async fn now(ctx: &WorkflowContext<'_>) -> Result<u64, TerminalError> {
    ctx.run(|| async { Ok(wait::now_ms()) }).name("clock").await
}

fn sent(output: Output) -> Result<(String, bool), InvokeError> {
    match output {
        Output::Sent(s) => Ok((s.envelope_id, s.reused)),
        other => Err(unexpected(&other)),
    }
}

fn checked(output: Output) -> Result<wait::Checked, InvokeError> {
    match output {
        Output::Status(s) => Ok(wait::Checked::from_status(&s)),
        other => Err(unexpected(&other)),
    }
}

fn unexpected(output: &Output) -> InvokeError {
    docusign_host::json_api::ErrorOutput::Host {
        reason: "trap".into(),
        message: format!(
            "the connector returned an unexpected result: {}",
            output.to_json()
        ),
    }
    .into()
}

//! Steps as Restate journal entries: a step runs inside `ctx.run`, so a retried invocation
//! replays its journaled result instead of calling DocuSign again. The journal holds the result
//! (or the error JSON) and the state changes with the token cache sealed: never a secret.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use docusign_host::json_api::{Call, InvokeError, Output};
use restate_sdk::errors::{HandlerResult, TerminalError};
use restate_sdk::serde::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::failure::{self, Transient};
use crate::integration_state::{Changes, StoredState};
use crate::integrations::Integration;
use crate::services::integration::IntegrationObjectClient;
use crate::step::Worker;

/// A step's journaled outcome.
#[derive(Debug, Serialize, Deserialize)]
pub struct Journaled<T> {
    /// Its result.
    pub result: Recorded<T>,
    /// State it changed (token cache sealed).
    #[serde(default)]
    pub changes: Changes,
}

/// A step's result: the value, or the error as `docusign-host invoke` prints it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recorded<T> {
    /// It succeeded.
    Done(T),
    /// It failed for good.
    Failed(Value),
}

impl<T> Recorded<T> {
    /// The value, or the terminal error the handler ends with.
    pub fn into_result(self) -> Result<T, TerminalError> {
        match self {
            Self::Done(value) => Ok(value),
            Self::Failed(error) => Err(failure::terminal_from_json(&error)),
        }
    }
}

/// What a step's body returns to `ctx.run`.
pub type StepFuture<T> = Pin<Box<dyn Future<Output = HandlerResult<Json<Journaled<T>>>> + Send>>;

/// The body of the journaled step running `call` for `integration` over `stored`, for
/// `ctx.run(…)`; `shape` turns the action's output into what is journaled (it runs inside the
/// step, so it may write files). Transient failures return a retryable error, so Restate retries
/// the step with [`Worker::retry_policy`], then ends it with the last error.
///
/// (A closure rather than a function taking the context: `ctx.run`'s future is `Send` only
/// where the context type is concrete.)
pub fn step<T, F>(
    worker: &Arc<Worker>,
    integration: &Arc<Integration>,
    call: Call,
    stored: StoredState,
    name: &'static str,
    shape: F,
) -> impl FnOnce() -> StepFuture<T> + Send
where
    F: FnOnce(Output) -> Result<T, InvokeError> + Send + 'static,
    T: Serialize + DeserializeOwned + Send + 'static,
{
    let worker = worker.clone();
    let integration = integration.clone();
    move || {
        Box::pin(async move {
            let step = worker.run(&integration, call, &stored).await;
            let result = match step.outcome.and_then(shape) {
                Ok(value) => Recorded::Done(value),
                Err(e) if failure::is_transient(&e) => {
                    tracing::warn!(step = name, "transient failure, to be retried: {e}");
                    return Err(Transient(e.json().to_string()).into());
                }
                Err(e) => Recorded::Failed(e.json()),
            };
            Ok(Json(Journaled {
                result,
                changes: step.changes,
            }))
        })
    }
}

/// Run a journaled step in a handler: `run_step!(ctx, worker, integration, call, stored, name,
/// shape)` is `ctx.run(step(…)).name(name).retry_policy(…).await?` unwrapped to its
/// [`Journaled`]. (A macro: `ctx.run`'s future is `Send` only where the context type is concrete.)
macro_rules! run_step {
    ($ctx:expr, $worker:expr, $integration:expr, $call:expr, $stored:expr, $name:expr, $shape:expr $(,)?) => {
        $ctx.run($crate::journal::step(
            $worker,
            $integration,
            $call,
            $stored,
            $name,
            $shape,
        ))
        .name($name)
        .retry_policy($worker.retry_policy())
        .await?
        .into_inner()
    };
}
pub(crate) use run_step;

/// A snapshot of the integration's state with a session (token and userinfo) fresh enough for a
/// step: read shared and concurrently; only when stale, refreshed by the `Integration` object,
/// one refresh at a time, so concurrent steps share one token grant.
pub async fn session(object: IntegrationObjectClient<'_>) -> Result<StoredState, TerminalError> {
    if let Some(stored) = object.session().call().await?.into_inner() {
        return Ok(stored);
    }
    Ok(object.refresh().call().await?.into_inner())
}

/// Offer a step's cache changes (a renewed token, fresh userinfo) to the integration's object.
pub fn offer(object: IntegrationObjectClient<'_>, changes: Changes) {
    let changes = crate::integration_state::cache_changes(changes);
    if !changes.is_empty() {
        object.merge(Json(changes)).send();
    }
}

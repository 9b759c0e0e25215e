//! The `Integration` virtual object, keyed `auth-server:integration-key:user-id`: the single
//! writer of one integration's connector state in Restate. Its token cache and userinfo are
//! shared by every step of every worker (one token grant per expiry), and `fetch-events` /
//! `commit-fetch` run here, one at a time, over its one checkpoint.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use docusign_host::json_api::Call;
use restate_sdk::prelude::*;
use serde_json::Value;

use crate::failure;
use crate::integration_state::{self, Changes, StateView, StoredState};
use crate::journal;
use crate::payload::ActionInput;
use crate::step::Worker;

/// The Restate state entry holding the connector's state (one JSON map, written whole).
pub const STATE_KEY: &str = "connector-state";

/// The connector's state as the object keeps it. (A macro: the `get` future is `Send` only
/// where the context type is concrete.)
macro_rules! read_all {
    ($ctx:expr) => {
        $ctx.get::<Json<StoredState>>(STATE_KEY)
            .await?
            .map(Json::into_inner)
            .unwrap_or_default()
    };
}

/// The `Integration` object.
pub struct IntegrationObject {
    worker: Arc<Worker>,
}

impl IntegrationObject {
    /// The object, served by `worker`.
    pub fn new(worker: Arc<Worker>) -> Self {
        Self { worker }
    }
}

#[restate_sdk::object(name = "Integration", inactivity_timeout = "10m")]
impl IntegrationObject {
    /// The state with a fresh session, or nothing when it needs a `refresh` (shared: concurrent).
    #[handler]
    async fn session(
        &self,
        ctx: SharedObjectContext<'_>,
    ) -> HandlerResult<Json<Option<StoredState>>> {
        let integration = self.integration(ctx.key())?;
        let stored = read_all!(ctx);
        let fresh = integration_state::has_fresh_session(&stored, &integration.sealer, now_ms());
        Ok(Json(fresh.then_some(stored)))
    }

    /// The state with a fresh session, granting a token (`auth-test`) when it has none.
    #[handler]
    async fn refresh(&self, ctx: ObjectContext<'_>) -> HandlerResult<Json<StoredState>> {
        let integration = self.integration(ctx.key())?;
        let mut stored = read_all!(ctx);
        // Staleness only grows with time and nothing else writes this state meanwhile, so a
        // replay takes the same branch.
        if integration_state::has_fresh_session(&stored, &integration.sealer, now_ms()) {
            return Ok(Json(stored));
        }
        let step = journal::run_step!(
            ctx,
            &self.worker,
            &integration,
            Call::AuthTest,
            stored.clone(),
            "refresh-session",
            |_| Ok(()),
        );
        apply(&ctx, &mut stored, step.changes);
        step.result.into_result()?;
        Ok(Json(stored))
    }

    /// Take cache changes (renewed token, userinfo) a step elsewhere made; never the checkpoint.
    #[handler]
    async fn merge(
        &self,
        ctx: ObjectContext<'_>,
        Json(changes): Json<Changes>,
    ) -> HandlerResult<()> {
        let mut stored = read_all!(ctx);
        apply(&ctx, &mut stored, integration_state::cache_changes(changes));
        Ok(())
    }

    /// `auth-test`, over the shared state.
    #[handler]
    async fn auth_test(&self, ctx: ObjectContext<'_>) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "auth-test", Value::Object(Default::default()))
            .await
    }

    /// `reset-access-token`: forget the shared token and userinfo.
    #[handler]
    async fn reset_access_token(&self, ctx: ObjectContext<'_>) -> HandlerResult<Json<Value>> {
        self.act(
            &ctx,
            "reset-access-token",
            Value::Object(Default::default()),
        )
        .await
    }

    /// `fetch-events` from the integration's one checkpoint.
    #[handler]
    async fn fetch_events(
        &self,
        ctx: ObjectContext<'_>,
        ActionInput(input): ActionInput,
    ) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "fetch-events", input).await
    }

    /// `commit-fetch`: move the checkpoint past a delivered batch.
    #[handler]
    async fn commit_fetch(
        &self,
        ctx: ObjectContext<'_>,
        ActionInput(input): ActionInput,
    ) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "commit-fetch", input).await
    }

    /// The state, token cache shown as `<sealed>`, for operators (shared).
    #[handler]
    async fn state(&self, ctx: SharedObjectContext<'_>) -> HandlerResult<Json<StateView>> {
        let integration = self.integration(ctx.key())?;
        let stored = read_all!(ctx);
        Ok(Json(StateView::of(&stored, &integration.sealer, now_ms())))
    }
}

impl IntegrationObject {
    fn integration(
        &self,
        key: &str,
    ) -> Result<Arc<crate::integrations::Integration>, TerminalError> {
        self.worker
            .integrations
            .by_key(key)
            .map_err(|e| failure::terminal(&e))
    }

    /// Run `action` over the whole state and keep every change.
    async fn act(
        &self,
        ctx: &ObjectContext<'_>,
        action: &'static str,
        input: Value,
    ) -> HandlerResult<Json<Value>> {
        let integration = self.integration(ctx.key())?;
        let call = self
            .worker
            .parse(action, input)
            .map_err(|e| failure::terminal(&e))?;
        let mut stored = read_all!(ctx);
        let step = journal::run_step!(
            ctx,
            &self.worker,
            &integration,
            call,
            stored.clone(),
            action,
            |output| Ok(output.to_json()),
        );
        apply(ctx, &mut stored, step.changes);
        Ok(Json(step.result.into_result()?))
    }
}

/// Apply `changes` to `stored` and write it back.
fn apply<'ctx, C>(ctx: &C, stored: &mut StoredState, changes: Changes)
where
    C: ContextWriteState<'ctx>,
{
    if changes.is_empty() {
        return;
    }
    for (key, value) in changes {
        match value {
            Some(value) => stored.insert(key, value),
            None => stored.remove(&key),
        };
    }
    ctx.set(STATE_KEY, Json(stored.clone()));
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

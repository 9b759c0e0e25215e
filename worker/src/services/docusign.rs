//! The `DocuSign` service: one handler per connector action, taking and returning the JSON of
//! `docusign-host invoke`. Each call is a journaled step, so a retried invocation never repeats
//! a request (and a send without an `idempotency_key` gets one from the invocation id, so even a
//! send interrupted mid-request is not sent twice). The integration is the worker's default or
//! the one named by the `x-docusign-integration` header. `create-signing-url` has no handler:
//! its result (a URL that signs in as the signer) would be kept in the journal.

use std::sync::Arc;

use docusign_host::json_api::Call;
use restate_sdk::prelude::*;
use serde_json::Value;

use crate::failure;
use crate::integration_state::StoredState;
use crate::integrations::Integration;
use crate::journal;
use crate::payload::ActionInput;
use crate::services::integration::IntegrationObjectClient;
use crate::step::Worker;

/// Header naming the integration of a call.
pub const INTEGRATION_HEADER: &str = "x-docusign-integration";

/// The `DocuSign` service.
pub struct DocuSign {
    worker: Arc<Worker>,
}

impl DocuSign {
    /// The service, served by `worker`.
    pub fn new(worker: Arc<Worker>) -> Self {
        Self { worker }
    }
}

#[restate_sdk::service(name = "DocuSign", inactivity_timeout = "10m")]
impl DocuSign {
    /// `send-for-signature`.
    #[handler]
    async fn send_for_signature(
        &self,
        ctx: Context<'_>,
        ActionInput(input): ActionInput,
    ) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "send-for-signature", input).await
    }

    /// `send-from-template` (an invocation without `idempotency_key` gets one, as sends do).
    #[handler]
    async fn send_from_template(
        &self,
        ctx: Context<'_>,
        ActionInput(input): ActionInput,
    ) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "send-from-template", input).await
    }

    /// `get-envelope-status`.
    #[handler]
    async fn get_envelope_status(
        &self,
        ctx: Context<'_>,
        ActionInput(input): ActionInput,
    ) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "get-envelope-status", input).await
    }

    /// `get-signed-documents` (contents inline, base64: mind Restate's 32 MiB message limit).
    #[handler]
    async fn get_signed_documents(
        &self,
        ctx: Context<'_>,
        ActionInput(input): ActionInput,
    ) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "get-signed-documents", input).await
    }

    /// `get-envelope-recipients`.
    #[handler]
    async fn get_envelope_recipients(
        &self,
        ctx: Context<'_>,
        ActionInput(input): ActionInput,
    ) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "get-envelope-recipients", input).await
    }

    /// `void-envelope`.
    #[handler]
    async fn void_envelope(
        &self,
        ctx: Context<'_>,
        ActionInput(input): ActionInput,
    ) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "void-envelope", input).await
    }

    /// `generate-consent-url`.
    #[handler]
    async fn generate_consent_url(
        &self,
        ctx: Context<'_>,
        ActionInput(input): ActionInput,
    ) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "generate-consent-url", input).await
    }

    /// `get-events` (a debugging read; `fetch-events` is the exactly-once one).
    #[handler]
    async fn get_events(
        &self,
        ctx: Context<'_>,
        ActionInput(input): ActionInput,
    ) -> HandlerResult<Json<Value>> {
        self.act(&ctx, "get-events", input).await
    }

    /// `auth-test`, on the integration's object.
    #[handler]
    async fn auth_test(&self, ctx: Context<'_>, _input: ActionInput) -> HandlerResult<Json<Value>> {
        let object = self.object(&ctx)?;
        Ok(object.auth_test().call().await?)
    }

    /// `reset-access-token`, on the integration's object.
    #[handler]
    async fn reset_access_token(
        &self,
        ctx: Context<'_>,
        _input: ActionInput,
    ) -> HandlerResult<Json<Value>> {
        let object = self.object(&ctx)?;
        Ok(object.reset_access_token().call().await?)
    }

    /// `fetch-events`, on the integration's object (its one checkpoint).
    #[handler]
    async fn fetch_events(
        &self,
        ctx: Context<'_>,
        input: ActionInput,
    ) -> HandlerResult<Json<Value>> {
        let object = self.object(&ctx)?;
        Ok(object.fetch_events(input).call().await?)
    }

    /// `commit-fetch`, on the integration's object.
    #[handler]
    async fn commit_fetch(
        &self,
        ctx: Context<'_>,
        input: ActionInput,
    ) -> HandlerResult<Json<Value>> {
        let object = self.object(&ctx)?;
        Ok(object.commit_fetch(input).call().await?)
    }
}

impl DocuSign {
    fn integration(&self, ctx: &Context<'_>) -> Result<Arc<Integration>, TerminalError> {
        let named = ctx.headers().get(INTEGRATION_HEADER).map(String::as_str);
        self.worker
            .integrations
            .select(named)
            .map_err(|e| failure::terminal(&e))
    }

    fn object<'ctx>(
        &self,
        ctx: &'ctx Context<'ctx>,
    ) -> Result<IntegrationObjectClient<'ctx>, TerminalError> {
        let integration = self.integration(ctx)?;
        Ok(ctx.object_client::<IntegrationObjectClient>(integration.key.clone()))
    }

    /// Run `action` as a step with the integration's shared session.
    async fn act(
        &self,
        ctx: &Context<'_>,
        action: &'static str,
        input: Value,
    ) -> HandlerResult<Json<Value>> {
        let integration = self.integration(ctx)?;
        let mut call = self
            .worker
            .parse(action, input)
            .map_err(|e| failure::terminal(&e))?;
        let key = match &mut call {
            Call::SendForSignature(req) => Some(&mut req.idempotency_key),
            Call::SendFromTemplate(req) => Some(&mut req.idempotency_key),
            _ => None,
        };
        if let Some(key @ None) = key {
            *key = Some(invocation_idempotency_key(ctx.invocation_id()));
        }
        let object = || ctx.object_client::<IntegrationObjectClient>(integration.key.clone());
        let stored = match call {
            Call::GenerateConsentUrl(_) => StoredState::new(),
            _ => journal::session(object()).await?,
        };
        let step = journal::run_step!(
            ctx,
            &self.worker,
            &integration,
            call,
            stored,
            action,
            |output| { Ok(output.to_json()) }
        );
        journal::offer(object(), step.changes);
        Ok(Json(step.result.into_result()?))
    }
}

/// The idempotency key of a send made by invocation `id`: the same on every retry of it.
pub fn invocation_idempotency_key(id: &str) -> String {
    format!("restate:{id}")
}

use crate::bindings::docusign::connector::http::{Host, Request, Response, TransportError};
use crate::host_state::HostState;

impl Host for HostState {
    fn send(&mut self, mut req: Request) -> wasmtime::Result<Result<Response, TransportError>> {
        self.check_deadline()?;
        // The guest may shorten timeouts, never outlive the invocation's time bound.
        let left_ms = self.remaining_ms();
        req.timeout_ms = Some(req.timeout_ms.map_or(left_ms, |t| t.min(left_ms)));
        let outcome = self.caps.transport.send(&req);
        // A transport that overran the bound stops the invocation.
        self.check_deadline()?;
        if let Ok(resp) = &outcome {
            self.http_bytes += resp.body.len() as u64;
        }
        Ok(outcome)
    }
}

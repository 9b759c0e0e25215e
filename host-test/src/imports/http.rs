use std::time::Instant;

use crate::bindings::docusign::connector::http::{Host, Request, Response, TransportError};
use crate::host_state::HostState;

impl Host for HostState {
    fn send(&mut self, mut req: Request) -> Result<Response, TransportError> {
        // The guest may shorten timeouts, never outlive the invocation's time bound.
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(TransportError::Timeout(
                "the invocation's time bound is used up".into(),
            ));
        }
        let left_ms = u32::try_from(left.as_millis()).unwrap_or(u32::MAX);
        req.timeout_ms = Some(req.timeout_ms.map_or(left_ms, |t| t.min(left_ms)));
        let outcome = self.caps.transport.send(&req);
        if let Ok(resp) = &outcome {
            self.http_bytes += resp.body.len() as u64;
        }
        outcome
    }
}

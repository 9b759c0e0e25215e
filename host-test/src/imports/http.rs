//! The `http` import: requests and assembled bodies sent through the invocation's transport, capped to its time bound.

use wasmtime::component::Resource;

use crate::bindings::docusign::connector::http::{
    Host, HostOutgoingBody, Request, Response, TransportError,
};
use crate::host_state::{HostState, MAX_REQUEST_BODY_BYTES, OutgoingBody};

impl Host for HostState {
    async fn send(
        &mut self,
        mut req: Request,
    ) -> wasmtime::Result<Result<Response, TransportError>> {
        self.check_deadline()?;
        // The guest may shorten timeouts, never outlive the invocation's time bound.
        let left_ms = self.remaining_ms();
        req.timeout_ms = Some(req.timeout_ms.map_or(left_ms, |t| t.min(left_ms)));
        let outcome = if self.nonblocking {
            // A waiting future is not wasm code the epoch can interrupt: bound it here.
            let bound = self
                .deadline
                .saturating_duration_since(std::time::Instant::now());
            match tokio::time::timeout(bound, self.caps.transport.send_async(req)).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    self.deadline_hit.set(true);
                    return Err(wasmtime::Error::new(crate::host_state::DeadlineExceeded));
                }
            }
        } else {
            self.caps.transport.send(&req)
        };
        // A transport that overran the bound stops the invocation.
        self.check_deadline()?;
        if let Ok(resp) = &outcome {
            self.http_bytes += resp.body.len() as u64;
        }
        Ok(outcome)
    }

    async fn send_with_body(
        &mut self,
        mut req: Request,
        body: Resource<OutgoingBody>,
    ) -> wasmtime::Result<Result<Response, TransportError>> {
        let body = self.table.delete(body)?;
        if !req.body.is_empty() {
            return Ok(Err(TransportError::Other(
                "send-with-body: the request already has a body".to_owned(),
            )));
        }
        req.body = body.bytes;
        self.send(req).await
    }
}

impl HostOutgoingBody for HostState {
    fn new(&mut self, expected_size: u64) -> wasmtime::Result<Resource<OutgoingBody>> {
        self.check_deadline()?;
        // Reserve what the guest announced (bounded), so the body is never copied to grow.
        let reserve = usize::try_from(expected_size)
            .unwrap_or(usize::MAX)
            .min(MAX_REQUEST_BODY_BYTES);
        let body = OutgoingBody {
            bytes: Vec::with_capacity(reserve),
        };
        Ok(self.table.push(body)?)
    }

    fn write(
        &mut self,
        body: Resource<OutgoingBody>,
        chunk: Vec<u8>,
    ) -> wasmtime::Result<Result<(), TransportError>> {
        self.check_deadline()?;
        let body = self.table.get_mut(&body)?;
        let size = body.bytes.len().saturating_add(chunk.len());
        if size > MAX_REQUEST_BODY_BYTES {
            return Ok(Err(TransportError::BodyTooLarge(size as u64)));
        }
        body.bytes.extend_from_slice(&chunk);
        Ok(Ok(()))
    }

    fn drop(&mut self, body: Resource<OutgoingBody>) -> wasmtime::Result<()> {
        self.table.delete(body)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::bindings::Method;
    use crate::capabilities::{Capabilities, Transport};
    use crate::clock::ManualClock;
    use crate::log_sink::NullLog;
    use crate::state_store::MemoryStateStore;

    /// Keeps the bodies it is sent; answers 201.
    #[derive(Default)]
    struct Keep(Mutex<Vec<Vec<u8>>>);

    impl Transport for Keep {
        fn send(&self, request: &Request) -> Result<Response, TransportError> {
            self.0.lock().unwrap().push(request.body.clone());
            Ok(Response {
                status: 201,
                headers: Vec::new(),
                body: Vec::new(),
            })
        }
    }

    fn state(transport: Arc<Keep>) -> HostState {
        let caps = Capabilities {
            transport,
            clock: Arc::new(ManualClock::new(0)),
            state: Arc::new(MemoryStateStore::new()),
            log: Arc::new(NullLog),
        };
        HostState::new(caps, 1 << 20, Instant::now() + Duration::from_secs(60))
    }

    fn request(body: &[u8]) -> Request {
        Request {
            method: Method::Post,
            url: "https://demo.docusign.net/restapi".into(),
            headers: Vec::new(),
            body: body.to_vec(),
            timeout_ms: None,
        }
    }

    #[test]
    fn written_pieces_are_sent_as_one_body() {
        let keep = Arc::new(Keep::default());
        let mut s = state(keep.clone());
        let body = HostOutgoingBody::new(&mut s, 10).unwrap();
        let handle = Resource::<OutgoingBody>::new_borrow(body.rep());
        for piece in [&b"{\"a\":"[..], b"\"xyz\"", b"}"] {
            assert_eq!(
                s.write(Resource::new_borrow(handle.rep()), piece.to_vec())
                    .unwrap(),
                Ok(())
            );
        }
        let reply = futures_executor::block_on(s.send_with_body(request(b""), body))
            .unwrap()
            .unwrap();
        assert_eq!(reply.status, 201);
        assert_eq!(
            keep.0.lock().unwrap().as_slice(),
            [b"{\"a\":\"xyz\"}".to_vec()]
        );
        // The body was consumed: the table no longer holds it.
        assert!(s.table.get(&handle).is_err());
    }

    #[test]
    fn bodies_over_the_cap_and_double_bodies_are_refused() {
        let keep = Arc::new(Keep::default());
        let mut s = state(keep.clone());
        // An absurd size hint reserves no more than the cap.
        let body = HostOutgoingBody::new(&mut s, u64::MAX).unwrap();
        assert!(s.table.get(&body).unwrap().bytes.capacity() <= MAX_REQUEST_BODY_BYTES);
        let big = vec![b'x'; MAX_REQUEST_BODY_BYTES / 2 + 1];
        let borrow = || Resource::<OutgoingBody>::new_borrow(body.rep());
        assert_eq!(s.write(borrow(), big.clone()).unwrap(), Ok(()));
        assert_eq!(
            s.write(borrow(), big).unwrap(),
            Err(TransportError::BodyTooLarge(
                MAX_REQUEST_BODY_BYTES as u64 + 2
            ))
        );
        let outcome =
            futures_executor::block_on(s.send_with_body(request(b"already"), body)).unwrap();
        assert!(
            matches!(outcome, Err(TransportError::Other(m)) if m.contains("already has a body"))
        );
        assert!(keep.0.lock().unwrap().is_empty(), "nothing may be sent");
    }
}

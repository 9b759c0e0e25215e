//! The `clock` import: the invocation's clock, never sleeping past its time bound.

use crate::bindings::docusign::connector::clock::Host;
use crate::host_state::HostState;

impl Host for HostState {
    fn now_ms(&mut self) -> wasmtime::Result<u64> {
        self.check_deadline()?;
        Ok(self.caps.clock.now_ms())
    }

    async fn sleep_ms(&mut self, ms: u32) -> wasmtime::Result<()> {
        self.check_deadline()?;
        // Never sleep past the invocation's time bound.
        let ms = ms.min(self.remaining_ms());
        if self.nonblocking {
            self.caps.clock.sleep_async(ms).await;
        } else {
            self.caps.clock.sleep_ms(ms);
        }
        self.check_deadline()
    }
}

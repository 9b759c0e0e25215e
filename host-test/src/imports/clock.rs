use crate::bindings::docusign::connector::clock::Host;
use crate::host_state::HostState;

impl Host for HostState {
    fn now_ms(&mut self) -> u64 {
        self.caps.clock.now_ms()
    }

    fn sleep_ms(&mut self, ms: u32) {
        // Never sleep past the invocation's time bound.
        let left = self
            .deadline
            .saturating_duration_since(std::time::Instant::now());
        let ms = ms.min(u32::try_from(left.as_millis()).unwrap_or(u32::MAX));
        self.caps.clock.sleep_ms(ms)
    }
}

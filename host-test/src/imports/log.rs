//! The `log` import: lines to the invocation's log sink, cut to a bounded length.

use crate::bindings::docusign::connector::log::{Host, Level};
use crate::host_state::HostState;

/// Longest log line accepted from the guest.
const MAX_LINE: usize = 4096;

impl Host for HostState {
    fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let message = if message.len() > MAX_LINE {
            let mut cut = MAX_LINE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}… ({} bytes)", &message[..cut], message.len())
        } else {
            message
        };
        self.caps.log.log(level, &message);
        Ok(())
    }
}

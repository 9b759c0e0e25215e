//! Any JSON a workflow engine passes as service-task input is read or refused with a field-named
//! error, for every action.
#![no_main]

use docusign_host::json_api::{self, ACTIONS, InputFiles};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for (action, _) in ACTIONS {
        if let Err(e) = json_api::parse_call(action, input.clone(), InputFiles::default()) {
            assert_eq!(e.json()["kind"], "invalid-input");
            assert!(e.json()["field"].is_string());
        }
    }
});

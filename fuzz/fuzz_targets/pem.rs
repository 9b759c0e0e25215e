//! The private key as pasted: any text must give a key or an invalid-input error, never a panic.
#![no_main]

use docusign_connector::pem::PemKey;
use docusign_connector::error::ConnectorError;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match PemKey::from_text(text).and_then(|k| k.to_rsa().map(|_| ())) {
        Ok(()) | Err(ConnectorError::InvalidInput { .. }) => {}
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
});

//! The TEST-ONLY TLS identity `serve` uses by default: a CA and a server certificate for
//! `localhost`, `127.0.0.1` and DocuSign's host names, bundled from `fixtures/keys/tls/`. It is
//! part of the CLI, never of the library.

use docusign_host::replay::TlsIdentity;

/// The TEST-ONLY CA that signed the server certificate (give it to clients of the server).
pub const TEST_CA_PEM: &[u8] = include_bytes!("../../../../fixtures/keys/tls/test-only-ca.pem");

/// The TEST-ONLY server identity.
pub fn identity() -> TlsIdentity {
    TlsIdentity {
        cert_chain_pem: include_bytes!("../../../../fixtures/keys/tls/test-only-server.pem")
            .to_vec(),
        key_pem: include_bytes!("../../../../fixtures/keys/tls/test-only-server.key").to_vec(),
    }
}

//! The two embedded builds: the portable one validates with the standard wasm feature set only
//! (what `wasm-tools validate` checks, and what Node's V8 accepts), the tuned one needs wide
//! arithmetic; both carry their metadata; the host loads either and picks the tuned one when
//! its engine enables the feature.

mod common;

use common::{connection, host, replay};
use docusign_host::engine::{Artifact, EMBEDDED_COMPONENT, EMBEDDED_PORTABLE_COMPONENT};
use docusign_host::{ConnectorHost, HostError, HostOptions};
use wasmparser::{Validator, WasmFeatures};

/// Wasm 2.0 and the component model: no proposals a browser or Node lacks.
fn standard() -> WasmFeatures {
    WasmFeatures::WASM2 | WasmFeatures::COMPONENT_MODEL
}

#[test]
fn the_portable_build_uses_standard_wasm_features_only() {
    Validator::new_with_features(standard())
        .validate_all(EMBEDDED_PORTABLE_COMPONENT)
        .expect("portable artifact");
    let Err(tuned) = Validator::new_with_features(standard()).validate_all(EMBEDDED_COMPONENT)
    else {
        panic!("the tuned artifact validated without wide arithmetic");
    };
    assert!(tuned.to_string().contains("wide arithmetic"), "{tuned}");
    Validator::new_with_features(standard() | WasmFeatures::WIDE_ARITHMETIC)
        .validate_all(EMBEDDED_COMPONENT)
        .expect("tuned artifact with wide arithmetic");
}

#[test]
fn both_builds_say_what_they_are() {
    for (bytes, build) in [
        (EMBEDDED_PORTABLE_COMPONENT, "portable build"),
        (EMBEDDED_COMPONENT, "wasmtime-tuned build"),
    ] {
        let payload = wasm_metadata::Payload::from_binary(bytes).unwrap();
        let meta = payload.metadata();
        assert_eq!(meta.name.as_deref(), Some("docusign-connector"));
        assert_eq!(
            meta.version.as_ref().map(ToString::to_string).as_deref(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(
            meta.licenses.as_ref().map(ToString::to_string).as_deref(),
            Some("Apache-2.0")
        );
        let description = meta.description.as_ref().unwrap().to_string();
        assert!(
            description.contains("DocuSign connector") && description.contains(build),
            "{description}"
        );
    }
}

#[test]
fn the_host_picks_the_tuned_build_and_runs_either() {
    assert_eq!(host().artifact(), Some(Artifact::Tuned), "the default");
    let portable = ConnectorHost::new(HostOptions {
        wide_arithmetic: false,
        ..common::options()
    })
    .unwrap();
    assert_eq!(portable.artifact(), Some(Artifact::Portable));
    let r = replay("auth/token-userinfo");
    let result = portable
        .auth_test(&r.capabilities(), &connection())
        .unwrap()
        .unwrap();
    assert_eq!(result.user_name, "Avery Example");
    r.finish().unwrap();
    match ConnectorHost::new(HostOptions {
        wide_arithmetic: false,
        artifact: Artifact::Tuned,
        ..common::options()
    }) {
        Err(HostError::Load(m)) => assert!(m.contains("wide-arithmetic"), "{m}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("the tuned build loaded without wide arithmetic"),
    }
}

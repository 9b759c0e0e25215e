//! The two embedded builds: the portable one validates with the standard wasm feature set only
//! (what `wasm-tools validate` checks, and what Node's V8 accepts), the tuned one needs wide
//! arithmetic; both carry their metadata; the host loads either and picks the tuned one when
//! its engine enables the feature; both fit a pool sized to one invocation exactly.

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

/// A component of two core modules with one linear memory each (no imports or exports).
fn two_memories_component() -> Vec<u8> {
    let module = [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // core module header
        0x05, 0x03, 0x01, 0x00, 0x01, // one memory, at least one page
    ];
    let mut component = vec![0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
    for _ in 0..2 {
        component.extend([0x01, module.len() as u8]);
        component.extend(module);
    }
    // Two core instances: instantiate module 0, then module 1, without arguments.
    component.extend([0x02, 0x07, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00]);
    component
}

/// The pool is sized to one invocation of the connector exactly (one linear memory, two
/// tables): both builds load into it, and a component that needs more is refused at load,
/// by the pool, instead of failing as busy once the host is under load.
#[test]
fn the_pool_fits_the_connector_and_refuses_bigger_components() {
    use docusign_host::engine::Allocation;
    let pooled = |wide_arithmetic| HostOptions {
        allocation: Allocation::Pooling { max_concurrent: 2 },
        wide_arithmetic,
        ..common::options()
    };
    for wide_arithmetic in [true, false] {
        let host = ConnectorHost::new(pooled(wide_arithmetic)).unwrap();
        let r = replay("auth/token-userinfo");
        assert!(host.auth_test(&r.capabilities(), &connection()).is_ok());
        r.finish().unwrap();
    }
    let bytes = two_memories_component();
    match ConnectorHost::from_bytes(&bytes, pooled(true)) {
        Err(HostError::Load(m)) => assert!(
            m.contains("2 Wasm linear memories") && m.contains("maximum of 1"),
            "{m}"
        ),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a component with two memories loaded into the pool"),
    }
    // Without the pool, the same bytes get as far as the missing exports.
    match ConnectorHost::from_bytes(&bytes, common::options()) {
        Err(HostError::Load(m)) => assert!(!m.contains("linear memories"), "{m}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a component without the connector's exports loaded"),
    }
}

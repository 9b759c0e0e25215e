//! Builds the connector component (`wasm32-wasip2`) so that `cargo test` / `cargo run` alone build
//! everything: two artifacts from one source, each by a nested cargo with the `component` profile.
//!
//! - portable (`<target>/component-portable`): standard wasm features only; loads in any
//!   component host (wasmtime, jco in Node);
//! - tuned (`<target>/component`): `+wide-arithmetic`, faster RSA, for engines that enable the
//!   feature (the host's does).
//!
//! Both get component metadata: name, version, description, licence, and the source URL when
//! the workspace's `repository` is set. `DOCUSIGN_CONNECTOR_WASM=<path>` (and optionally
//! `DOCUSIGN_CONNECTOR_PORTABLE_WASM=<path>`) skips the builds and embeds prebuilt components.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use wasm_metadata::{AddMetadata, AddMetadataField, Description, Licenses, Source, Version};

const GUEST_PACKAGE: &str = "docusign-connector";
const GUEST_ARTIFACT: &str = "docusign_connector.wasm";
const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "component";

/// One build of the guest.
struct Variant {
    /// Under the cargo target directory.
    target_dir: &'static str,
    rustflags: &'static str,
    /// File name in `OUT_DIR`.
    embedded: &'static str,
    /// `rustc-env` name of its path.
    env: &'static str,
    /// How it differs, for the metadata description.
    about: &'static str,
}

const TUNED: Variant = Variant {
    target_dir: "component",
    rustflags: "-Ctarget-feature=+wide-arithmetic",
    embedded: "docusign_connector.tuned.wasm",
    env: "DOCUSIGN_CONNECTOR_WASM_PATH",
    about: "wasmtime-tuned build (needs the wide-arithmetic wasm feature)",
};

const PORTABLE: Variant = Variant {
    target_dir: "component-portable",
    rustflags: "",
    embedded: "docusign_connector.portable.wasm",
    env: "DOCUSIGN_CONNECTOR_PORTABLE_WASM_PATH",
    about: "portable build (standard wasm features only)",
};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().expect("workspace root").to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-env-changed=DOCUSIGN_CONNECTOR_WASM");
    println!("cargo:rerun-if-env-changed=DOCUSIGN_CONNECTOR_PORTABLE_WASM");
    println!("cargo:rerun-if-env-changed=CARGO_HOME");
    println!("cargo:rerun-if-changed=build.rs");

    let prebuilt = env::var_os("DOCUSIGN_CONNECTOR_WASM").map(PathBuf::from);
    let prebuilt_portable = env::var_os("DOCUSIGN_CONNECTOR_PORTABLE_WASM")
        .map(PathBuf::from)
        .or_else(|| prebuilt.clone());
    // Both builds run at once: their serial tails (thin LTO, one codegen unit) overlap.
    let builds: Vec<(Variant, Result<PathBuf, Build>)> =
        [(TUNED, prebuilt), (PORTABLE, prebuilt_portable)]
            .into_iter()
            .map(|(variant, prebuilt)| {
                let build = match prebuilt {
                    Some(path) => {
                        // A prebuilt file rebuilt in place is embedded again.
                        println!("cargo:rerun-if-changed={}", path.display());
                        Ok(path)
                    }
                    None => Err(start_guest_build(&root, &out_dir, &variant)),
                };
                (variant, build)
            })
            .collect();
    for (variant, build) in builds {
        let wasm = build.unwrap_or_else(Build::finish);
        let bytes =
            std::fs::read(&wasm).unwrap_or_else(|e| panic!("reading {}: {e}", wasm.display()));
        let embedded = out_dir.join(variant.embedded);
        std::fs::write(&embedded, with_metadata(&bytes, &variant))
            .unwrap_or_else(|e| panic!("writing {}: {e}", embedded.display()));
        println!("cargo:rustc-env={}={}", variant.env, embedded.display());
    }
}

/// `bytes` with the component's name, version, description, source and licence.
fn with_metadata(bytes: &[u8], variant: &Variant) -> Vec<u8> {
    let version = env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let mut meta = AddMetadata::default();
    meta.name = AddMetadataField::Set("docusign-connector".to_owned());
    meta.version = AddMetadataField::Set(Version::new(version));
    meta.description = AddMetadataField::Set(Description::new(format!(
        "DocuSign connector for workflow engines (WIT docusign:connector): JWT auth, eSignature actions, Monitor and Admin events; {}",
        variant.about
    )));
    let repository = env::var("CARGO_PKG_REPOSITORY").unwrap_or_default();
    if !repository.is_empty() {
        meta.source = AddMetadataField::Set(Source::new(&repository).expect("repository is a URL"));
    }
    meta.licenses = AddMetadataField::Set(
        Licenses::new(&env::var("CARGO_PKG_LICENSE").unwrap_or_default()).expect("an SPDX licence"),
    );
    meta.to_wasm(bytes)
        .unwrap_or_else(|e| panic!("adding metadata to the component: {e:?}"))
}

/// A nested cargo building one variant, and where its artifact will be.
struct Build {
    child: std::process::Child,
    artifact: PathBuf,
}

impl Build {
    /// Wait for the build; its artifact, or a panic with cargo's errors.
    fn finish(self) -> PathBuf {
        let output = self
            .child
            .wait_with_output()
            .expect("running cargo for the component build");
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let hint = if stderr.contains("target may not be installed")
                || stderr.contains("can't find crate for `core`")
            {
                "\nThe wasm32-wasip2 target is missing: run `rustup target add wasm32-wasip2` (rust-toolchain.toml lists it)."
            } else {
                ""
            };
            panic!("building the connector component failed:\n{stderr}{hint}");
        }
        self.artifact
    }
}

fn start_guest_build(root: &Path, out_dir: &Path, variant: &Variant) -> Build {
    for path in [
        "connector/src",
        "connector/Cargo.toml",
        "connector/build.rs",
        "wit",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    ensure_wasm_target(root);
    let target_dir = cargo_target_dir(out_dir).join(variant.target_dir);
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "--package",
            GUEST_PACKAGE,
            "--target",
            TARGET,
            "--profile",
            PROFILE,
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    // The outer build's flags and wrappers (clippy, coverage) are not meant for the guest.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CLIPPY_ARGS",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    let mut rustflags = remap_registry_paths();
    rustflags.extend(variant.rustflags.split_whitespace().map(str::to_owned));
    cmd.env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    Build {
        child: cmd.spawn().expect("running cargo for the component build"),
        artifact: target_dir.join(TARGET).join(PROFILE).join(GUEST_ARTIFACT),
    }
}

/// `--remap-path-prefix` flags that name crates.io sources in the guest's panic locations by
/// package (`base64-0.23.1/src/…`) instead of by this machine's cargo home: the component does not
/// carry the builder's paths, and its data image (mapped into every pooled instance) is a page
/// smaller.
fn remap_registry_paths() -> Vec<String> {
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let Some(Ok(registries)) = cargo_home.map(|h| std::fs::read_dir(h.join("registry/src"))) else {
        return Vec::new();
    };
    registries
        .flatten()
        .map(|registry| format!("--remap-path-prefix={}/=", registry.path().display()))
        .collect()
}

/// Install the wasm target with rustup when the toolchain lacks it (a fresh machine), so that
/// `cargo test` alone is enough; rust-toolchain.toml names the target for `rustup` itself.
fn ensure_wasm_target(root: &Path) {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let Some(sysroot) = sysroot else { return };
    if sysroot.join("lib/rustlib").join(TARGET).is_dir() {
        return;
    }
    println!(
        "cargo:warning=installing the {TARGET} target with rustup (first build on this machine)"
    );
    let status = Command::new("rustup")
        .current_dir(root)
        .args(["target", "add", TARGET])
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        println!("cargo:warning=`rustup target add {TARGET}` failed; install the target by hand");
    }
}

/// The target directory holding `OUT_DIR` (the ancestor with cargo's `CACHEDIR.TAG`).
fn cargo_target_dir(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| out_dir.to_path_buf())
}

//! Builds the connector component (`wasm32-wasip2`) so that `cargo test` / `cargo run` alone build
//! everything. The guest is compiled by a nested cargo into `<target>/component` with the
//! `component` profile and `+wide-arithmetic` (the engine enables the matching wasm feature).
//!
//! `DOCUSIGN_CONNECTOR_WASM=<path>` skips the build and embeds a prebuilt component instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const GUEST_PACKAGE: &str = "docusign-connector";
const GUEST_ARTIFACT: &str = "docusign_connector.wasm";
const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "component";
const GUEST_RUSTFLAGS: &str = "-Ctarget-feature=+wide-arithmetic";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().expect("workspace root").to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-env-changed=DOCUSIGN_CONNECTOR_WASM");
    println!("cargo:rerun-if-changed=build.rs");

    let wasm = match env::var_os("DOCUSIGN_CONNECTOR_WASM") {
        Some(path) => PathBuf::from(path),
        None => build_guest(&root, &out_dir),
    };
    let embedded = out_dir.join(GUEST_ARTIFACT);
    std::fs::copy(&wasm, &embedded)
        .unwrap_or_else(|e| panic!("copying {} to {}: {e}", wasm.display(), embedded.display()));
    println!(
        "cargo:rustc-env=DOCUSIGN_CONNECTOR_WASM_PATH={}",
        embedded.display()
    );
}

fn build_guest(root: &Path, out_dir: &Path) -> PathBuf {
    for path in [
        "connector/src",
        "connector/Cargo.toml",
        "wit",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    ensure_wasm_target(root);
    let target_dir = cargo_target_dir(out_dir).join("component");
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
    cmd.env("CARGO_ENCODED_RUSTFLAGS", GUEST_RUSTFLAGS);
    let output = cmd.output().expect("running cargo for the component build");
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
    target_dir.join(TARGET).join(PROFILE).join(GUEST_ARTIFACT)
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

//! The component's initial linear memory: 2 MiB instead of the linker's 1 MiB stack plus data
//! (17 pages). A typical invocation then never grows its memory, and a host reusing memory slots
//! (wasmtime's pooling allocator) never has to change page protections between invocations —
//! under load those `mprotect` calls serialize on the address-space lock and flush every core's
//! TLB (see BENCHMARKS.md, "Many invocations in flight"). Untouched pages cost no memory.

/// Bytes of linear memory at instantiation (a multiple of the 64 KiB wasm page).
const INITIAL_MEMORY_BYTES: u32 = 2 << 20;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-cdylib-link-arg=--initial-memory={INITIAL_MEMORY_BYTES}");
    }
}

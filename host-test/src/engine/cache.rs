//! The compiled component, cached on disk: keyed by the component's SHA-256, the wasmtime version
//! and the engine's compatibility hash, so a warm start never runs Cranelift.

use std::hash::{Hash as _, Hasher as _};
use std::path::Path;

use wasmtime::Engine;
use wasmtime::component::Component;

use super::{HostError, load_error};

/// How the component was obtained when the host was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileSource {
    /// Compiled with Cranelift now.
    Compiled,
    /// Deserialized from the on-disk cache (no Cranelift).
    Cache,
}

/// Compile `bytes`, or deserialize the cached compilation keyed by the component hash, the
/// wasmtime version and the engine's compatibility hash.
pub(super) fn load_component(
    engine: &Engine,
    bytes: &[u8],
    sha256: &str,
    cache_dir: Option<&Path>,
) -> Result<(Component, CompileSource), HostError> {
    let Some(dir) = cache_dir else {
        return Ok((
            Component::new(engine, bytes).map_err(load_error)?,
            CompileSource::Compiled,
        ));
    };
    let mut compat = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut compat);
    let file = dir.join(format!(
        "connector-{}-wasmtime{}-{:016x}.cwasm",
        &sha256[..16],
        wasmtime_environ::VERSION,
        compat.finish()
    ));
    // Read into memory rather than mmap the file: a file changed under a mapping (another
    // process, a careless cleanup) would crash the host with SIGBUS.
    if let Ok(cached) = std::fs::read(&file) {
        // SAFETY: the file is one this host wrote (named by the component's hash and the engine's
        // compatibility hash) in a directory only the user can write; wasmtime also rejects
        // artifacts from a different version or configuration.
        if let Ok(component) = unsafe { Component::deserialize(engine, &cached) } {
            return Ok((component, CompileSource::Cache));
        }
    }
    let component = Component::new(engine, bytes).map_err(load_error)?;
    if let Err(e) = write_cache(dir, &file, &component) {
        eprintln!(
            "warning: could not cache the compiled connector in {}: {e}",
            dir.display()
        );
    }
    Ok((component, CompileSource::Compiled))
}

fn write_cache(dir: &Path, file: &Path, component: &Component) -> wasmtime::Result<()> {
    let bytes = component.serialize()?;
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, file)?;
    Ok(())
}

//! The invocation's time bound in guest code: wasmtime's epoch interruption, an epoch ticker
//! per engine and a deadline armed on each store. (Host calls check the bound themselves,
//! `HostState::check_deadline`.)

use std::time::Duration;

use wasmtime::{Engine, Store};

use super::{DeadlineChecks, HostOptions};

/// How often the epoch advances; the granularity of the time bound.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Have guest code in `store` trap once the invocation's time bound has passed, where guest code
/// is checked (the engine was built with epoch interruption).
pub(super) fn arm_epoch_deadline<T>(store: &mut Store<T>, options: &HostOptions) {
    if options.deadline_checks == DeadlineChecks::GuestCode {
        let ticks = options.invocation_timeout.as_millis() / EPOCH_TICK.as_millis() + 1;
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        store.epoch_deadline_trap();
    }
}

/// Advance the engine's epoch every tick until the engine is dropped, where guest code is
/// checked.
pub(super) fn start_epoch_ticker(engine: &Engine, options: &HostOptions) {
    if options.deadline_checks != DeadlineChecks::GuestCode {
        return;
    }
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("docusign-host-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .ok();
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Instant;

    use wasmtime::{Instance, Module, Trap};

    use super::*;
    use crate::engine::build_engine;

    /// `(module (func (export "seven") (result i32) (i32.const 7)))`
    const SEVEN: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: [] -> [i32]
        0x03, 0x02, 0x01, 0x00, // one function of that type
        0x07, 0x09, 0x01, 0x05, b's', b'e', b'v', b'e', b'n', 0x00, 0x00, // export "seven"
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x07, 0x0b, // body: i32.const 7
    ];
    /// `(module (func (export "spin") (loop (br 0))))`
    const SPIN: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: [] -> []
        0x03, 0x02, 0x01, 0x00, // one function of that type
        0x07, 0x08, 0x01, 0x04, b's', b'p', b'i', b'n', 0x00, 0x00, // export "spin"
        0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // body: loop br 0
    ];

    fn options(deadline_checks: DeadlineChecks, timeout: Duration) -> HostOptions {
        HostOptions {
            invocation_timeout: timeout,
            deadline_checks,
            cache_dir: None,
            ..HostOptions::default()
        }
    }

    /// An instance of `wasm` on an engine and store set up as the host sets them up.
    fn instance(options: &HostOptions, wasm: &[u8]) -> (Engine, Store<()>, Instance) {
        let engine = build_engine(options).unwrap();
        let module = Module::new(&engine, wasm).unwrap();
        let mut store = Store::new(&engine, ());
        arm_epoch_deadline(&mut store, options);
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        (engine, store, instance)
    }

    /// `seven()`, with the store's deadline moved to "now" first when `expired`.
    fn seven(options: &HostOptions, expired: bool) -> wasmtime::Result<i32> {
        let (_engine, mut store, instance) = instance(options, SEVEN);
        if expired {
            store.set_epoch_deadline(0);
        }
        let f = instance.get_typed_func::<(), i32>(&mut store, "seven")?;
        f.call(&mut store, ())
    }

    /// `spin()`, with the epoch ticking as in the host.
    fn spin(options: &HostOptions) -> wasmtime::Result<()> {
        let (engine, mut store, instance) = instance(options, SPIN);
        start_epoch_ticker(&engine, options);
        let f = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
        f.call(&mut store, ())
    }

    fn is_interrupt(e: &wasmtime::Error) -> bool {
        matches!(e.downcast_ref::<Trap>(), Some(Trap::Interrupt))
    }

    #[test]
    fn guest_code_is_checked_only_when_asked() {
        let checked = options(DeadlineChecks::GuestCode, Duration::from_secs(60));
        let unchecked = options(DeadlineChecks::HostCallsOnly, Duration::from_secs(60));
        // Within the bound, both run the function.
        assert_eq!(seven(&checked, false).unwrap(), 7);
        assert_eq!(seven(&unchecked, false).unwrap(), 7);
        // Past it, a checked function entry traps; unchecked code has no check to trap on.
        let e = seven(&checked, true).unwrap_err();
        assert!(is_interrupt(&e), "{e:?}");
        assert_eq!(seven(&unchecked, true).unwrap(), 7);
    }

    #[test]
    fn a_spinning_guest_is_stopped_at_the_bound() {
        let bound = Duration::from_millis(50);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let started = Instant::now();
            let outcome = spin(&options(DeadlineChecks::GuestCode, bound));
            tx.send((outcome, started.elapsed())).ok();
        });
        // A broken check would spin for ever: fail instead of hanging the test run.
        let (outcome, elapsed) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("still spinning");
        let e = outcome.unwrap_err();
        assert!(is_interrupt(&e), "{e:?}");
        assert!(elapsed >= bound, "stopped after {elapsed:?}");
    }
}

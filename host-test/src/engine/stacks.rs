//! Fiber stacks for the on-demand allocator, kept for reuse. Every invocation runs the guest on
//! a fiber stack; wasmtime's on-demand allocator maps a fresh one per invocation and unmaps it
//! after, and with thousands of invocations in flight those unmaps (TLB shootdowns on every
//! core) serialize on the process's address-space lock (BENCHMARKS.md, "Many invocations in
//! flight"). The pooling allocator keeps its own stacks.

use std::ffi::c_void;
use std::ops::Range;
use std::ptr;
use std::sync::{Arc, Mutex};

use rustix::mm::{MapFlags, MprotectFlags, ProtFlags, mmap_anonymous, mprotect, munmap};
use wasmtime::{StackCreator, StackMemory};

/// Stacks kept for reuse at most; beyond that a finished invocation's stack is unmapped.
const MAX_KEPT: usize = 4096;

/// A [`StackCreator`] handing out kept stacks before mapping new ones.
#[derive(Default)]
pub(crate) struct ReusedStacks {
    kept: Arc<Mutex<Vec<Mapping>>>,
}

// SAFETY: every stack is a private anonymous mapping, page aligned, its lowest page a guard
// (no access), alive until its `StackMemory` is dropped. A reused stack holds the bytes its last
// fiber left (as wasmtime's pooled stacks do unless zeroing is asked for, which gets a fresh,
// zero-filled mapping here); wasm cannot read the native stack.
unsafe impl StackCreator for ReusedStacks {
    fn new_stack(&self, size: usize, zeroed: bool) -> wasmtime::Result<Box<dyn StackMemory>> {
        let size = size.next_multiple_of(page_size());
        let reused = if zeroed {
            None
        } else {
            self.kept
                .lock()
                .map_err(|_| wasmtime::format_err!("the stack list was poisoned"))?
                .pop()
        };
        let mapping = match reused {
            Some(mapping) if mapping.size == size => mapping,
            _ => Mapping::new(size)?,
        };
        Ok(Box::new(Stack {
            mapping: Some(mapping),
            kept: self.kept.clone(),
        }))
    }
}

fn page_size() -> usize {
    rustix::param::page_size()
}

/// A guard page followed by `size` bytes of stack.
struct Mapping {
    base: *mut c_void,
    size: usize,
}

// SAFETY: the mapping is owned by one `Mapping` at a time; the pointer is only an address.
unsafe impl Send for Mapping {}
// SAFETY: as above; `Mapping` has no interior mutability.
unsafe impl Sync for Mapping {}

impl Mapping {
    fn new(size: usize) -> wasmtime::Result<Self> {
        let guard = page_size();
        // SAFETY: a new private anonymous mapping at an address the kernel picks.
        let base = unsafe {
            mmap_anonymous(
                ptr::null_mut(),
                guard + size,
                ProtFlags::empty(),
                MapFlags::PRIVATE,
            )
        }
        .map_err(|e| wasmtime::format_err!("mapping a fiber stack: {e}"))?;
        let mapping = Self { base, size };
        // SAFETY: the range lies within the mapping just made.
        unsafe {
            mprotect(
                base.cast::<u8>().add(guard).cast(),
                size,
                MprotectFlags::READ | MprotectFlags::WRITE,
            )
        }
        .map_err(|e| wasmtime::format_err!("mapping a fiber stack: {e}"))?;
        Ok(mapping)
    }

    fn len(&self) -> usize {
        page_size() + self.size
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the whole mapping this value owns; nothing uses it any more.
        let _ = unsafe { munmap(self.base, self.len()) };
    }
}

/// One stack in use; returned to the kept list when wasmtime drops it.
struct Stack {
    mapping: Option<Mapping>,
    kept: Arc<Mutex<Vec<Mapping>>>,
}

impl Stack {
    fn mapping(&self) -> &Mapping {
        self.mapping
            .as_ref()
            .expect("a stack in use has its mapping")
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let Some(mapping) = self.mapping.take() else {
            return;
        };
        if let Ok(mut kept) = self.kept.lock()
            && kept.len() < MAX_KEPT
        {
            kept.push(mapping);
        }
    }
}

// SAFETY: the addresses describe the live mapping: guard page at the base, stack above it.
unsafe impl StackMemory for Stack {
    fn top(&self) -> *mut u8 {
        let m = self.mapping();
        m.base.cast::<u8>().wrapping_add(m.len())
    }

    fn range(&self) -> Range<usize> {
        let m = self.mapping();
        let base = m.base as usize;
        base + page_size()..base + m.len()
    }

    fn guard_range(&self) -> Range<*mut u8> {
        let m = self.mapping();
        let base = m.base.cast::<u8>();
        base..base.wrapping_add(page_size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_stack_is_handed_out_again_and_others_are_fresh() {
        let stacks = ReusedStacks::default();
        let first = stacks.new_stack(64 << 10, false).unwrap();
        let second = stacks.new_stack(64 << 10, false).unwrap();
        let (a, b) = (first.range(), second.range());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64 << 10);
        assert_eq!(first.top() as usize, a.end);
        assert_eq!(first.guard_range().end as usize, a.start);
        // The stack is writable from its lowest to its highest byte.
        // SAFETY: within the stack's read-write range, which nothing else uses.
        unsafe {
            (a.start as *mut u8).write(7);
            ((a.end - 1) as *mut u8).write(7);
        }
        drop(first);
        assert_eq!(stacks.new_stack(64 << 10, false).unwrap().range(), a);
        // A zeroed stack, or one of another size, is a fresh mapping.
        drop(second);
        assert_ne!(stacks.new_stack(64 << 10, true).unwrap().range(), b);
        assert_eq!(
            stacks.new_stack(128 << 10, false).unwrap().range().len(),
            128 << 10
        );
    }
}

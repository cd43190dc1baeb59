//! What one script run may spend: operations (Rhai's own, plus the work of
//! host and string functions, charged by the bytes and rows they touch),
//! wall-clock time, and memory for the whole run.
//!
//! Rhai counts one operation per step whatever a step does, so
//! `loop { org.count("leads", #{…}) }` over a million rows, or `contains` on
//! a 4 MiB string, would run for hours within its operation limit. Those
//! functions therefore charge extra operations to a per-thread meter that
//! the engine's progress hook reads; the hook also checks the clock and the
//! bytes the thread has allocated since the run began (counted by
//! [`CountingAlloc`], the process's allocator). A script runs on one thread
//! from start to end (host functions do not use rayon), so a thread-local
//! meter belongs to exactly one run.

use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, ImmutableString, NativeCallContext, Position};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Operations a run may use, its own and those charged for work.
pub const MAX_OPERATIONS: u64 = 5_000_000;
/// Work charged as one operation: this many bytes of text scanned or
/// copied, or this many rows of a dataset visited.
pub const BYTES_PER_OPERATION: u64 = 64;
pub const ROWS_PER_OPERATION: u64 = 4;
/// Wall-clock time one rule's script may run, whatever it spends it on:
/// hostile input must end within 5 s, and the pack's one script takes
/// milliseconds on a million-row bundle. Debug builds (the tests) run the
/// same work several times slower, so the operation budget, not the clock,
/// must be what stops a charged loop there too.
pub const MAX_RUN_TIME: Duration = Duration::from_secs(if cfg!(debug_assertions) { 20 } else { 4 });
/// Memory a run may hold at once, beyond what it started with.
pub const MAX_RUN_MEMORY: i64 = 256 * 1024 * 1024;

/// Why a run was stopped; the token of Rhai's `ErrorTerminated`.
pub const OVER_OPERATIONS: &str = "operations";
pub const OVER_TIME: &str = "time";
pub const OVER_MEMORY: &str = "memory";

#[derive(Clone, Copy)]
struct Meter {
    started: Option<Instant>,
    charged: u64,
    memory_at_start: i64,
}

thread_local! {
    static METER: Cell<Meter> = const { Cell::new(Meter { started: None, charged: 0, memory_at_start: 0 }) };
    /// Bytes allocated minus bytes freed by this thread, since it started.
    static LIVE_BYTES: Cell<i64> = const { Cell::new(0) };
}

/// Starts metering a run on this thread; the run ends when the guard drops.
pub(crate) fn start() -> RunGuard {
    METER.with(|m| {
        m.set(Meter {
            started: Some(Instant::now()),
            charged: 0,
            memory_at_start: live_bytes(),
        });
    });
    RunGuard
}

pub(crate) struct RunGuard;

impl Drop for RunGuard {
    fn drop(&mut self) {
        METER.with(|m| {
            m.set(Meter {
                started: None,
                charged: 0,
                memory_at_start: 0,
            });
        });
    }
}

/// Charges `bytes` of text work to the running script.
pub(crate) fn charge_bytes(bytes: usize) {
    charge(bytes as u64 / BYTES_PER_OPERATION);
}

/// Charges a visit of `rows` dataset rows to the running script.
pub(crate) fn charge_rows(rows: usize) {
    charge(rows as u64 / ROWS_PER_OPERATION);
}

fn charge(ops: u64) {
    METER.with(|m| {
        let mut meter = m.get();
        meter.charged = meter.charged.saturating_add(ops);
        m.set(meter);
    });
}

fn live_bytes() -> i64 {
    LIVE_BYTES.try_with(Cell::get).unwrap_or(0)
}

/// The engine's progress hook: `Some(token)` stops the script.
fn check(ops: u64) -> Option<Dynamic> {
    let meter = METER.with(Cell::get);
    let started = meter.started?;
    if ops.saturating_add(meter.charged) > MAX_OPERATIONS {
        return Some(OVER_OPERATIONS.into());
    }
    if live_bytes() - meter.memory_at_start > MAX_RUN_MEMORY {
        return Some(OVER_MEMORY.into());
    }
    // Reading the clock costs more than the rest; a few hundred steps
    // between reads is microseconds.
    if ops.is_multiple_of(256) && started.elapsed() > MAX_RUN_TIME {
        return Some(OVER_TIME.into());
    }
    None
}

/// The message for a script stopped by the meter (`token` from [`check`]).
pub(crate) fn message(token: &str) -> String {
    match token {
        OVER_TIME => format!(
            "the script ran longer than {} s and was stopped",
            MAX_RUN_TIME.as_secs()
        ),
        OVER_MEMORY => format!("the script held more than {} MiB and was stopped", MAX_RUN_MEMORY >> 20),
        _ => format!(
            "the script exceeded {MAX_OPERATIONS} operations (an endless or too large loop, or too much work on big text or many rows?) and was stopped"
        ),
    }
}

/// The process's allocator: the system's, counting per thread the bytes
/// held, so a script run can be held to [`MAX_RUN_MEMORY`].
pub struct CountingAlloc;

fn track(delta: i64) {
    // `try_with`: the counter may be gone while a thread shuts down.
    let _ = LIVE_BYTES.try_with(|c| c.set(c.get().wrapping_add(delta)));
}

// SAFETY: every call is passed to `System` unchanged; the counter is a
// const-initialised thread-local `Cell` of a plain integer, which neither
// allocates nor registers a destructor, so counting cannot re-enter the allocator.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller's contract for `GlobalAlloc::alloc`.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            track(layout.size() as i64);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller's contract for `GlobalAlloc::alloc_zeroed`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            track(layout.size() as i64);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as the caller's contract for `GlobalAlloc::dealloc`.
        unsafe { System.dealloc(ptr, layout) };
        track(-(layout.size() as i64));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as the caller's contract for `GlobalAlloc::realloc`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            track(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

type R<T> = Result<T, Box<EvalAltResult>>;

/// Installs the meter, and replaces the string functions whose work grows
/// with the text (and `sort`, see [`sort`]) by ones that charge for it.
/// Operators are looked up among these first (`set_fast_operators(false)`),
/// so `+` and `+=` on strings are charged too. Functions not replaced here
/// are bounded by the value-size limits and the clock.
pub(crate) fn install(engine: &mut Engine) {
    engine.on_progress(check);
    engine.set_fast_operators(false);
    engine.register_fn("+", |a: &str, b: &str| -> ImmutableString {
        charge_bytes(a.len() + b.len());
        // Sized exactly: `format!` may reserve twice what it needs.
        let mut joined = String::with_capacity(a.len() + b.len());
        joined.push_str(a);
        joined.push_str(b);
        joined.into()
    });
    engine.register_fn("+=", |a: &mut ImmutableString, b: ImmutableString| {
        charge_bytes(a.len() + b.len());
        *a += b;
    });
    engine.register_fn("contains", |s: &str, find: &str| {
        charge_bytes(s.len());
        s.contains(find)
    });
    engine.register_fn("contains", |s: &str, c: char| {
        charge_bytes(s.len());
        s.contains(c)
    });
    engine.register_fn("index_of", |s: &str, find: &str| -> i64 {
        charge_bytes(s.len());
        s.find(find).map_or(-1, |at| s[..at].chars().count() as i64)
    });
    engine.register_fn("index_of", |s: &str, c: char| -> i64 {
        charge_bytes(s.len());
        s.find(c).map_or(-1, |at| s[..at].chars().count() as i64)
    });
    engine.register_fn("replace", |s: &mut ImmutableString, find: &str, with: &str| {
        charge_bytes(s.len());
        if !find.is_empty() {
            *s = s.replace(find, with).into();
        }
        charge_bytes(s.len());
    });
    engine.register_fn("to_upper", |s: &str| -> ImmutableString {
        charge_bytes(s.len());
        s.to_uppercase().into()
    });
    engine.register_fn("to_lower", |s: &str| -> ImmutableString {
        charge_bytes(s.len());
        s.to_lowercase().into()
    });
    engine.register_fn("len", |s: &str| -> i64 {
        charge_bytes(s.len());
        s.chars().count() as i64
    });
    engine.register_fn("split", |s: &mut ImmutableString, on: &str| -> Array {
        charge_bytes(s.len());
        s.split(on).map(|part| Dynamic::from(part.to_string())).collect()
    });
    engine.register_fn("sort", sort);
}

/// `array.sort(|a, b| …)`: Rhai's own sort takes an error in the comparer
/// (a `throw`, an unknown function, a limit reached) for "equal" and the
/// script goes on, so a broken rule could pass. This one stops at the first
/// error and returns it. A merge sort never calls the comparer on an
/// element twice in a way that could panic on an inconsistent order.
fn sort(ctx: NativeCallContext, array: &mut Array, comparer: FnPtr) -> R<()> {
    let mut items: Vec<Dynamic> = std::mem::take(array);
    let mut buffer: Vec<Dynamic> = Vec::with_capacity(items.len());
    let mut width = 1;
    while width < items.len() {
        let mut from = 0;
        while from < items.len() {
            let mid = (from + width).min(items.len());
            let end = (from + 2 * width).min(items.len());
            let (mut i, mut j) = (from, mid);
            while i < mid && j < end {
                let after = comes_after(&ctx, &comparer, &items[i], &items[j]).inspect_err(|_| {
                    buffer.clear();
                })?;
                if after {
                    buffer.push(items[j].clone());
                    j += 1;
                } else {
                    buffer.push(items[i].clone());
                    i += 1;
                }
            }
            buffer.extend(items[i..mid].iter().cloned());
            buffer.extend(items[j..end].iter().cloned());
            from = end;
        }
        std::mem::swap(&mut items, &mut buffer);
        buffer.clear();
        width *= 2;
    }
    *array = items;
    Ok(())
}

/// Whether the comparer puts `a` after `b` (a positive number, or false).
fn comes_after(ctx: &NativeCallContext, comparer: &FnPtr, a: &Dynamic, b: &Dynamic) -> R<bool> {
    let v = comparer.call_raw(ctx, None, [a.clone(), b.clone()])?;
    if let Ok(n) = v.as_int() {
        return Ok(n > 0);
    }
    if let Ok(less) = v.as_bool() {
        return Ok(!less);
    }
    Err(Box::new(EvalAltResult::ErrorRuntime(
        format!(
            "a sort comparer must return a number or a boolean, not {}",
            v.type_name()
        )
        .into(),
        Position::NONE,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meter_stops_on_charged_work_time_and_memory() {
        let guard = start();
        assert!(check(256).is_none());
        charge_rows(4 * (MAX_OPERATIONS as usize - 1000));
        assert!(check(999).is_none(), "just under the limit");
        assert_eq!(check(1001).unwrap().to_string(), OVER_OPERATIONS);
        drop(guard);
        assert!(check(u64::MAX).is_none(), "nothing is metered between runs");

        let _guard = start();
        METER.with(|m| {
            let mut meter = m.get();
            meter.started = Instant::now().checked_sub(MAX_RUN_TIME + Duration::from_secs(1));
            m.set(meter);
        });
        assert_eq!(check(512).unwrap().to_string(), OVER_TIME);
        assert!(check(513).is_none(), "the clock is read every 256 operations");

        let _guard = start();
        let held = vec![1u8; (MAX_RUN_MEMORY + 1024) as usize];
        assert_eq!(check(1).unwrap().to_string(), OVER_MEMORY);
        drop(held);
        assert!(check(1).is_none(), "freed memory no longer counts");
    }
}

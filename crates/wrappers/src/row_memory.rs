//! Memory that stays flat in the number of rows a scan returns.
//!
//! The framework (supabase-wrappers 0.2.4) makes each row's datums (every
//! text, jsonb, numeric value) in its scan context and frees that context
//! only when the scan ends, so a scan of 100k users with `attrs` held
//! gigabytes by its last row. A scan's tuple only has to live until the
//! next `IterateForeignScan` (the executor copies what it keeps, as it
//! does for file_fdw, whose rows live in per-tuple memory). So [`install`]
//! wraps:
//!
//! - `BeginForeignScan`: after the framework's, its scan context is the
//!   newest child of the framework's root context (`WrappersRootMemCtx`,
//!   named `Wrappers_scan_<oid>`); it is kept for the node when resetting
//!   it is safe: a base relation scan (an aggregate scan's row is a heap
//!   tuple the slot frees itself) whose quals hold no executor parameter
//!   (the framework keeps those nodes in the same context);
//! - `IterateForeignScan`: the context is reset before the framework makes
//!   the next row, freeing the previous row's datums.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_int, c_void, CStr};
use std::sync::OnceLock;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::AllocatedByRust;
use supabase_wrappers::FdwRoutine;

type BeginFn = unsafe extern "C-unwind" fn(*mut pg_sys::ForeignScanState, c_int);
type IterateFn = unsafe extern "C-unwind" fn(*mut pg_sys::ForeignScanState) -> *mut pg_sys::TupleTableSlot;

struct Next {
    begin: BeginFn,
    iterate: IterateFn,
}

static NEXT: OnceLock<Next> = OnceLock::new();

const ROOT_NAME: &[u8] = b"WrappersRootMemCtx";
const SCAN_PREFIX: &[u8] = b"Wrappers_scan_";

thread_local! {
    /// Scan node address -> its framework scan context, while the query runs.
    static CONTEXTS: RefCell<HashMap<usize, usize>> = RefCell::new(HashMap::new());
}

/// Called from `ForeignDataWrapper::fdw_routine_hook`, last: our callbacks
/// run around all the others.
pub(crate) fn install(routine: &mut FdwRoutine<AllocatedByRust>) {
    let (Some(begin), Some(iterate)) = (routine.BeginForeignScan, routine.IterateForeignScan) else {
        return;
    };
    let _ = NEXT.set(Next { begin, iterate });
    routine.BeginForeignScan = Some(begin_foreign_scan);
    routine.IterateForeignScan = Some(iterate_foreign_scan);
}

fn next() -> &'static Next {
    match NEXT.get() {
        Some(next) => next,
        None => error!("wasm foreign scan: the row memory callbacks are not installed"),
    }
}

/// The named child of `parent`, if any.
unsafe fn child_named(parent: pg_sys::MemoryContext, name: &[u8]) -> Option<pg_sys::MemoryContext> {
    // SAFETY: walks a valid context's child list (the caller's promise).
    unsafe {
        let mut ctx = (*parent).firstchild;
        while !ctx.is_null() {
            if !(*ctx).name.is_null() && CStr::from_ptr((*ctx).name).to_bytes() == name {
                return Some(ctx);
            }
            ctx = (*ctx).nextchild;
        }
        None
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn begin_foreign_scan(node: *mut pg_sys::ForeignScanState, eflags: c_int) {
    let next = next();
    // SAFETY: the next BeginForeignScan, called as Postgres would call it.
    unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| (next.begin)(node, eflags)) };
    // SAFETY: the node of a running executor; its plan and EState are valid.
    unsafe {
        if eflags & pg_sys::EXEC_FLAG_EXPLAIN_ONLY as c_int != 0 || (*node).fdw_state.is_null() {
            return;
        }
        let plan = (*node).ss.ps.plan as *mut pg_sys::ForeignScan;
        let rel = (*node).ss.ss_currentRelation;
        if plan.is_null() || rel.is_null() || (*plan).scan.scanrelid == 0 {
            return;
        }
        let qual = (*plan).scan.plan.qual as *mut pg_sys::Expr;
        if !qual.is_null() && !pg_sys::pull_paramids(qual).is_null() {
            return;
        }
        let Some(root) = child_named(pg_sys::CacheMemoryContext, ROOT_NAME) else { return };
        // the framework's context of this scan is the one it just made
        let newest = (*root).firstchild;
        let expected = format!("{}{}", String::from_utf8_lossy(SCAN_PREFIX), (*rel).rd_id.to_u32());
        if newest.is_null() || (*newest).name.is_null() || CStr::from_ptr((*newest).name).to_bytes() != expected.as_bytes() {
            return;
        }
        remember(node, newest);
    }
}

/// Keeps `ctx` for `node` until the query's memory goes away.
unsafe fn remember(node: *mut pg_sys::ForeignScanState, ctx: pg_sys::MemoryContext) {
    // SAFETY: the node belongs to a running executor, whose query context
    // outlives it.
    unsafe {
        let estate = (*node).ss.ps.state;
        if estate.is_null() || (*estate).es_query_cxt.is_null() {
            return;
        }
        CONTEXTS.with(|c| c.borrow_mut().insert(node as usize, ctx as usize));
        let cb = pg_sys::MemoryContextAllocZero((*estate).es_query_cxt, std::mem::size_of::<pg_sys::MemoryContextCallback>())
            as *mut pg_sys::MemoryContextCallback;
        (*cb).func = Some(forget);
        (*cb).arg = node as *mut c_void;
        pg_sys::MemoryContextRegisterResetCallback((*estate).es_query_cxt, cb);
    }
}

/// Memory context reset callback: must not raise.
unsafe extern "C-unwind" fn forget(arg: *mut c_void) {
    let key = arg as usize;
    let _ = CONTEXTS.try_with(|c| c.try_borrow_mut().map(|mut c| c.remove(&key)));
}

#[pg_guard]
unsafe extern "C-unwind" fn iterate_foreign_scan(node: *mut pg_sys::ForeignScanState) -> *mut pg_sys::TupleTableSlot {
    let next = next();
    // SAFETY: the scan state of a running executor; a context is kept only
    // while its scan runs (the framework deletes it at the scan's end, after
    // which Postgres iterates no more, and the entry goes with the query).
    unsafe {
        if !(*node).fdw_state.is_null() {
            if let Some(ctx) = CONTEXTS.with(|c| c.borrow().get(&(node as usize)).copied()) {
                // the previous row is consumed: its datums can go
                pg_sys::MemoryContextReset(ctx as pg_sys::MemoryContext);
            }
        }
        pg_sys::ffi::pg_guard_ffi_boundary(|| (next.iterate)(node))
    }
}

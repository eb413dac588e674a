//! EXPLAIN of a wasm foreign scan: the guest's own description of its
//! requests (the optional `clerk:wrappers-ext/explain` export, see
//! `wit/ext/README.md`) instead of the framework's debug dump, plus, with
//! ANALYZE, the HTTP requests the scan made.
//!
//! The framework (supabase-wrappers) owns the scan state and registers its
//! own `BeginForeignScan` and `ExplainForeignScan`; [`install`] keeps those
//! and puts ours in front:
//!
//! - our `BeginForeignScan` runs the framework's. When the scan is being
//!   explained (plain EXPLAIN: `EXEC_FLAG_EXPLAIN_ONLY`; EXPLAIN ANALYZE:
//!   the query is instrumented, `es_instrument`) it first leaves a [`Request`] for
//!   `WasmFdw::begin_scan` and, for plain EXPLAIN, clears the flag, so that
//!   the framework hands the quals, columns, sorts and limit it rebuilt from
//!   the plan to `begin_scan` (it would not call it otherwise).
//!   `begin_scan` then sets up the guest's context, asks the guest for its
//!   lines if it has the export, and for plain EXPLAIN stops there: the
//!   guest's `begin-scan` is not called and no request is made;
//! - the lines (and, for ANALYZE, the request log) are kept per scan node,
//!   in a backend-local map whose entry is removed when the query's memory
//!   is (a reset callback on the executor's query context);
//! - our `ExplainForeignScan` prints them, or runs the framework's when the
//!   node has none (a guest without the export: today's output).

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_int, c_void, CString};
use std::rc::Rc;
use std::sync::OnceLock;

use pgrx::pg_sys;
use pgrx::prelude::*;
use supabase_wrappers::FdwRoutine;
use wasm_host::explain::{split_label, RequestLog};

type BeginFn = unsafe extern "C-unwind" fn(*mut pg_sys::ForeignScanState, c_int);
type ExplainFn = unsafe extern "C-unwind" fn(*mut pg_sys::ForeignScanState, *mut pg_sys::ExplainState);

/// The framework's callbacks ours wrap (the same functions for every
/// routine: they are monomorphized for `WasmFdw`).
struct Framework {
    begin: BeginFn,
    explain: Option<ExplainFn>,
}

static FRAMEWORK: OnceLock<Framework> = OnceLock::new();

/// Requests shown one by one under VERBOSE ANALYZE.
const SHOWN_REQUESTS: usize = 10;

/// What our `BeginForeignScan` asks of `WasmFdw::begin_scan`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request {
    /// Plain EXPLAIN: describe only, do not begin the guest's scan.
    pub explain_only: bool,
}

/// What `WasmFdw::begin_scan` found for a scan being explained.
struct Described {
    lines: Vec<String>,
    /// Set for ANALYZE: the requests the scan makes.
    log: Option<Rc<RefCell<RequestLog>>>,
}

thread_local! {
    static REQUEST: RefCell<Option<Request>> = const { RefCell::new(None) };
    static DESCRIBED: RefCell<Option<Described>> = const { RefCell::new(None) };
    /// Scan node address -> its description, for the node's lifetime.
    static SCANS: RefCell<HashMap<usize, Described>> = RefCell::new(HashMap::new());
}

/// Called from `ForeignDataWrapper::fdw_routine_hook`: keeps the
/// framework's callbacks and puts ours in front of them.
pub(crate) fn install(routine: &mut FdwRoutine<AllocatedByRust>) {
    let Some(begin) = routine.BeginForeignScan else {
        return;
    };
    let _ = FRAMEWORK.set(Framework { begin, explain: routine.ExplainForeignScan });
    routine.BeginForeignScan = Some(begin_foreign_scan);
    routine.ExplainForeignScan = Some(explain_foreign_scan);
}

/// For `WasmFdw::begin_scan`: what is asked of this call, if anything (taken,
/// so that a later `begin_scan` of a re-scan is an ordinary one).
pub(crate) fn take_request() -> Option<Request> {
    REQUEST.with(|r| r.borrow_mut().take())
}

/// For `WasmFdw::begin_scan`: the guest's lines for the scan being begun,
/// and the log it records its requests in (ANALYZE).
pub(crate) fn described(lines: Vec<String>, log: Option<Rc<RefCell<RequestLog>>>) {
    DESCRIBED.with(|d| *d.borrow_mut() = Some(Described { lines, log }));
}

/// Clears the hand-over slots however the framework's call ends (an ERROR
/// unwinds through here as a panic, see `pg_guard_ffi_boundary`).
struct ClearSlots;

impl Drop for ClearSlots {
    fn drop(&mut self) {
        let _ = REQUEST.try_with(|r| r.try_borrow_mut().map(|mut r| r.take()));
        let _ = DESCRIBED.try_with(|d| d.try_borrow_mut().map(|mut d| d.take()));
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn begin_foreign_scan(node: *mut pg_sys::ForeignScanState, eflags: c_int) {
    let Some(framework) = FRAMEWORK.get() else {
        error!("wasm foreign scan: the scan callbacks are not installed");
    };
    let explain_only_flag = pg_sys::EXEC_FLAG_EXPLAIN_ONLY as c_int;
    let explain_only = eflags & explain_only_flag != 0;
    // EXPLAIN ANALYZE (or auto_explain's log_analyze) instruments the
    // query; the node's own `instrument` is only set after this callback.
    // SAFETY: Postgres passes a scan state node of a running executor.
    let instrumented = unsafe {
        let estate = (*node).ss.ps.state;
        !estate.is_null() && (*estate).es_instrument != 0
    };
    let explained = explain_only || instrumented;
    let described = {
        let _clear = ClearSlots;
        REQUEST.with(|r| *r.borrow_mut() = explained.then_some(Request { explain_only }));
        DESCRIBED.with(|d| *d.borrow_mut() = None);
        let flags = if explain_only { eflags & !explain_only_flag } else { eflags };
        // SAFETY: the framework's own BeginForeignScan, called as Postgres
        // would call it; an ERROR in it becomes a panic here (and `_clear`
        // runs) instead of a longjmp over this frame.
        unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| (framework.begin)(node, flags)) };
        DESCRIBED.with(|d| d.borrow_mut().take())
    };
    if let Some(described) = described {
        // SAFETY: as above; `remember` only reads the node's EState.
        unsafe { remember(node, described) };
    }
}

/// Keeps `described` for `node` until the query's memory goes away.
unsafe fn remember(node: *mut pg_sys::ForeignScanState, described: Described) {
    // SAFETY: the node belongs to a running executor, whose EState and
    // query context outlive it.
    let cxt = unsafe {
        let estate = (*node).ss.ps.state;
        if estate.is_null() {
            return;
        }
        (*estate).es_query_cxt
    };
    if cxt.is_null() {
        return;
    }
    let key = node as usize;
    SCANS.with(|s| s.borrow_mut().insert(key, described));
    // SAFETY: the callback is allocated in the context it is registered
    // on, so it lives exactly as long as it can be called.
    unsafe {
        let cb = pg_sys::MemoryContextAllocZero(cxt, std::mem::size_of::<pg_sys::MemoryContextCallback>())
            as *mut pg_sys::MemoryContextCallback;
        (*cb).func = Some(forget);
        (*cb).arg = node as *mut c_void;
        pg_sys::MemoryContextRegisterResetCallback(cxt, cb);
    }
}

/// Memory context reset callback: the node is gone, so is its entry. Must
/// not raise: it only touches the backend-local map.
unsafe extern "C-unwind" fn forget(arg: *mut c_void) {
    let key = arg as usize;
    let _ = SCANS.try_with(|s| s.try_borrow_mut().map(|mut s| s.remove(&key)));
}

#[pg_guard]
unsafe extern "C-unwind" fn explain_foreign_scan(node: *mut pg_sys::ForeignScanState, es: *mut pg_sys::ExplainState) {
    let shown = SCANS.with(|s| {
        s.borrow()
            .get(&(node as usize))
            .map(|d| (d.lines.clone(), d.log.as_ref().map(|l| l.borrow().clone())))
    });
    match shown {
        Some((lines, log)) => {
            // SAFETY: Postgres passes a valid ExplainState.
            unsafe { print(&lines, log.as_ref(), es) }
        }
        None => {
            if let Some(explain) = FRAMEWORK.get().and_then(|f| f.explain) {
                // SAFETY: the framework's own ExplainForeignScan, called as
                // Postgres would call it.
                unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| explain(node, es)) }
            }
        }
    }
}

/// A C string of `s` (a NUL, which a cleaned line cannot hold, would end it).
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// The guest's lines, then (ANALYZE) what the host measured.
unsafe fn print(lines: &[String], log: Option<&RequestLog>, es: *mut pg_sys::ExplainState) {
    // SAFETY: `es` is valid for the duration of the call.
    let (text_format, verbose, timing) = unsafe {
        (
            (*es).format == pg_sys::ExplainFormat::EXPLAIN_FORMAT_TEXT,
            (*es).verbose,
            (*es).timing,
        )
    };
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in lines {
        let (label, text) = split_label(line);
        if text_format {
            // SAFETY: label and text outlive the call, which copies them.
            unsafe { property_text(label, text, es) };
        } else {
            match groups.iter_mut().find(|(l, _)| *l == label) {
                Some((_, texts)) => texts.push(text),
                None => groups.push((label, vec![text])),
            }
        }
    }
    for (label, texts) in &groups {
        // SAFETY: as above.
        unsafe { property_list(label, texts, es) };
    }
    let Some(log) = log else {
        return;
    };
    let label = c_string("HTTP Requests");
    // SAFETY: as above.
    unsafe {
        pg_sys::ExplainPropertyInteger(label.as_ptr(), std::ptr::null(), i64::try_from(log.count).unwrap_or(i64::MAX), es)
    };
    if timing {
        let label = c_string("HTTP Time");
        let unit = c_string("ms");
        // SAFETY: as above.
        unsafe { pg_sys::ExplainPropertyFloat(label.as_ptr(), unit.as_ptr(), log.total.as_secs_f64() * 1000.0, 3, es) };
    }
    if verbose {
        let mut shown: Vec<String> = log
            .requests
            .iter()
            .take(SHOWN_REQUESTS)
            .map(|r| match r.status {
                Some(status) => format!("{} {} ({status})", r.method, r.target),
                None => format!("{} {} (no response)", r.method, r.target),
            })
            .collect();
        let more = log.count.saturating_sub(shown.len() as u64);
        if more > 0 {
            shown.push(format!("... and {more} more"));
        }
        if text_format {
            for s in &shown {
                // SAFETY: as above.
                unsafe { property_text("HTTP Request", s, es) };
            }
        } else {
            let texts: Vec<&str> = shown.iter().map(String::as_str).collect();
            // SAFETY: as above.
            unsafe { property_list("HTTP Request", &texts, es) };
        }
    }
}

unsafe fn property_text(label: &str, text: &str, es: *mut pg_sys::ExplainState) {
    let (label, text) = (c_string(label), c_string(text));
    // SAFETY: both strings live until the call returns; Postgres copies them.
    unsafe { pg_sys::ExplainPropertyText(label.as_ptr(), text.as_ptr(), es) };
}

unsafe fn property_list(label: &str, texts: &[&str], es: *mut pg_sys::ExplainState) {
    let label = c_string(label);
    let mut list: *mut pg_sys::List = std::ptr::null_mut();
    for text in texts {
        let text = c_string(text);
        // SAFETY: pstrdup copies into the current (EXPLAIN's) memory
        // context, which outlives the call.
        unsafe { list = pg_sys::lappend(list, pg_sys::pstrdup(text.as_ptr()) as *mut c_void) };
    }
    // SAFETY: a List of C strings, as ExplainPropertyList expects.
    unsafe { pg_sys::ExplainPropertyList(label.as_ptr(), list, es) };
}

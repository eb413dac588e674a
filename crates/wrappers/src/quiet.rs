//! Keeps ordinary queries free of the framework's planner chatter.
//!
//! While it extracts quals at plan time, supabase-wrappers reports every
//! clause it cannot hand to the guest as a WARNING holding a raw node tree
//! (`unsupported operator expression in qual: {OPEXPR ...}`, detail
//! `Wrappers`). Such a clause is simply evaluated by Postgres, so the
//! warning tells the user nothing they can act on. An `emit_log_hook`
//! drops exactly those messages and passes everything else on untouched
//! (`tests/e2e/sql/routing.sql` pins a query with such a clause).

use std::ffi::{c_int, CStr};

use pgrx::pg_sys;

/// Beginnings of the framework's qual-extraction warnings.
const NOISE: &[&str] = &[
    "unsupported operator expression in qual: ",
    "unsupported qual: ",
    "only support const scalar array in qual: ",
    "only support binary operator expression",
    "operator is empty",
];

static mut PREVIOUS_HOOK: pg_sys::emit_log_hook_type = None;

/// Installs the hook (once per backend, from `_PG_init`).
pub fn install() {
    // SAFETY: `_PG_init` runs once per backend, single-threaded, before any
    // query of ours; the previous hook is kept and chained.
    unsafe {
        PREVIOUS_HOOK = pg_sys::emit_log_hook;
        pg_sys::emit_log_hook = Some(drop_framework_noise);
    }
}

fn text(p: *const std::ffi::c_char) -> Option<&'static str> {
    if p.is_null() {
        return None;
    }
    // SAFETY: a non-null message or detail of an ErrorData is a valid C
    // string for the duration of the hook call.
    unsafe { CStr::from_ptr(p) }.to_str().ok()
}

fn is_noise(message: Option<&str>, detail: Option<&str>) -> bool {
    detail == Some("Wrappers") && message.is_some_and(|m| NOISE.iter().any(|n| m.starts_with(n)))
}

unsafe extern "C-unwind" fn drop_framework_noise(edata: *mut pg_sys::ErrorData) {
    // SAFETY: Postgres calls the hook with a valid ErrorData (or null, which
    // is passed on as is).
    unsafe {
        if let Some(e) = edata.as_mut() {
            if e.elevel == pg_sys::WARNING as c_int && is_noise(text(e.message), text(e.detail)) {
                e.output_to_client = false;
                e.output_to_server = false;
            }
        }
        if let Some(previous) = PREVIOUS_HOOK {
            previous(edata);
        }
    }
}

//! A write refused while it is planned, by the guest's optional
//! `clerk:wrappers-ext/modify` export (`wit/ext/README.md`).
//!
//! The contract only hears of a write row by row, so a statement the guest
//! can never carry out (a table without that write, a column no write
//! takes) would fail at its first row, after the scan that found it, and
//! not at all when no row matches. [`install`] puts our
//! `PlanForeignModify` in front of the ones installed before it: when the
//! table's package has the export (asked of the compiled component), a
//! guest is instantiated for the question alone (no request) and asked
//! `plan-modify` with the statement's operation and columns (INSERT: the
//! columns given, `insertedCols`; UPDATE: the SET columns, `updatedCols`;
//! DELETE: none). Its error is the statement's, with the guest's SQLSTATE.
//! A package without the export is planned exactly as before.

use std::ffi::{c_int, CStr};
use std::sync::OnceLock;

use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::AllocatedByRust;
use supabase_wrappers::FdwRoutine;
use wasm_host::model::WriteOperation;
use wasm_host::runtime::GuestInstance;

use crate::error::{FdwError, FdwResult};

type PlanFn =
    unsafe extern "C-unwind" fn(*mut pg_sys::PlannerInfo, *mut pg_sys::ModifyTable, pg_sys::Index, c_int) -> *mut pg_sys::List;

static NEXT: OnceLock<PlanFn> = OnceLock::new();

/// Called from `ForeignDataWrapper::fdw_routine_hook`.
pub(crate) fn install(routine: &mut FdwRoutine<AllocatedByRust>) {
    let Some(plan) = routine.PlanForeignModify else {
        return;
    };
    let _ = NEXT.set(plan);
    routine.PlanForeignModify = Some(plan_foreign_modify);
}

#[pg_guard]
unsafe extern "C-unwind" fn plan_foreign_modify(
    root: *mut pg_sys::PlannerInfo,
    plan: *mut pg_sys::ModifyTable,
    result_relation: pg_sys::Index,
    subplan_index: c_int,
) -> *mut pg_sys::List {
    let Some(next) = NEXT.get() else {
        error!("wasm foreign modify: the planning callbacks are not installed");
    };
    // SAFETY: the planner passes a valid ModifyTable node and the index of
    // its result relation in the range table.
    if let Err(FdwError(e)) = unsafe { check(root, plan, result_relation) } {
        ErrorReport::from(FdwError(e)).report(PgLogLevel::ERROR);
        return std::ptr::null_mut();
    }
    // SAFETY: the next PlanForeignModify, called as Postgres would call it.
    unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| next(root, plan, result_relation, subplan_index)) }
}

/// Asks the guest, when its package has the export.
unsafe fn check(root: *mut pg_sys::PlannerInfo, plan: *mut pg_sys::ModifyTable, rti: pg_sys::Index) -> FdwResult<()> {
    // SAFETY: as in `plan_foreign_modify`.
    let (relid, op, columns) = unsafe {
        let rte = pg_sys::planner_rt_fetch(rti, root);
        if rte.is_null() {
            return Ok(());
        }
        let (op, columns) = match (*plan).operation {
            pg_sys::CmdType::CMD_INSERT => (WriteOperation::Insert, (*rte).insertedCols),
            pg_sys::CmdType::CMD_UPDATE => (WriteOperation::Update, (*rte).updatedCols),
            pg_sys::CmdType::CMD_DELETE => (WriteOperation::Delete, std::ptr::null_mut()),
            _ => return Ok(()),
        };
        ((*rte).relid, op, column_names((*rte).relid, columns))
    };
    if !crate::fdw::table_extensions(relid)?.modify {
        return Ok(());
    }
    let (server_opts, table_opts) = crate::fdw::table_and_server_options(relid);
    let Some(mut guest) = crate::fdw::planning_guest(&server_opts, GuestInstance::has_modify)? else {
        return Ok(());
    };
    let host = guest.host();
    host.table_opts = table_opts;
    host.quals = Vec::new();
    host.columns = Vec::new();
    host.sorts = Vec::new();
    host.limit = None;
    Ok(guest.plan_modify(op, &columns)?)
}

/// The names of the user columns in an RTE's column set (members offset
/// by `FirstLowInvalidHeapAttributeNumber`).
unsafe fn column_names(relid: pg_sys::Oid, set: *mut pg_sys::Bitmapset) -> Vec<String> {
    let mut names = Vec::new();
    if set.is_null() {
        return names;
    }
    // SAFETY: a valid bitmapset of the planner's, read only; attribute
    // names of an existing relation (missing ones are skipped).
    unsafe {
        let mut member = pg_sys::bms_next_member(set, -1);
        while member >= 0 {
            let attno = member + pg_sys::FirstLowInvalidHeapAttributeNumber;
            if attno > 0 {
                let name = pg_sys::get_attname(relid, attno as pg_sys::AttrNumber, true);
                if !name.is_null() {
                    names.push(CStr::from_ptr(name).to_string_lossy().into_owned());
                }
            }
            member = pg_sys::bms_next_member(set, member);
        }
    }
    names
}

//! RETURNING for INSERT, UPDATE and DELETE on a wasm foreign table, answered
//! by the guest's optional `clerk:wrappers-ext/returning` export (see
//! `wit/ext/README.md`).
//!
//! The framework (supabase-wrappers) refuses RETURNING in its
//! `PlanForeignModify` and returns the executor's slot untouched from its
//! `ExecForeign*`; [`install`] keeps its callbacks and puts ours in front:
//!
//! - `AddForeignUpdateTargets`: for an UPDATE or DELETE with RETURNING, the
//!   target columns RETURNING reads are added as junk columns
//!   (`wasm_fdw_returning_<attnum>`), so that the scan fetches them: a
//!   DELETE can then return the row as it was scanned, and an UPDATE's new
//!   row holds them even when the guest answers with no row;
//! - `PlanForeignModify`: a statement with RETURNING is planned only when
//!   the table's package has the export (asked of the compiled component,
//!   nothing is instantiated); otherwise it is refused, 0A000 with a hint.
//!   The framework plans it as one without RETURNING (the target columns of
//!   RETURNING are not the scan's business: the executor reads them from
//!   the slot the FDW returns);
//! - `BeginForeignModify`: for a DELETE with RETURNING, finds the junk
//!   columns in the subplan's output;
//! - `ExecForeignInsert/Update/Delete`: when the statement has RETURNING,
//!   leaves the columns RETURNING reads for `WasmFdw`'s write, which asks
//!   the guest's `last-row` right after the write and hands back the cells
//!   (converted as a scan's are, `crate::convert`). The slot is then
//!   refilled: the row the executor passed (INSERT, UPDATE) or the row as
//!   scanned (DELETE), with the guest's cells on top when it answered with
//!   a row. The new tuple is formed in the slot's own memory context and
//!   stored as the slot's (freed when the slot is cleared); the datums of
//!   the cells live in a context of their own, deleted right after.
//!
//! Statements without RETURNING take the framework's callbacks unchanged.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_int, c_void, CStr, CString};
use std::sync::OnceLock;

use pgrx::memcxt::PgMemoryContexts;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{AllocatedByRust, IntoDatum, PgList};
use supabase_wrappers::prelude::Cell as PgCell;
use supabase_wrappers::FdwRoutine;
use wasm_host::HostError;

use crate::error::FdwError;

type AddTargetsFn = unsafe extern "C-unwind" fn(*mut pg_sys::PlannerInfo, pg_sys::Index, *mut pg_sys::RangeTblEntry, pg_sys::Relation);
type PlanFn =
    unsafe extern "C-unwind" fn(*mut pg_sys::PlannerInfo, *mut pg_sys::ModifyTable, pg_sys::Index, c_int) -> *mut pg_sys::List;
type BeginFn = unsafe extern "C-unwind" fn(*mut pg_sys::ModifyTableState, *mut pg_sys::ResultRelInfo, *mut pg_sys::List, c_int, c_int);
type ExecFn = unsafe extern "C-unwind" fn(
    *mut pg_sys::EState,
    *mut pg_sys::ResultRelInfo,
    *mut pg_sys::TupleTableSlot,
    *mut pg_sys::TupleTableSlot,
) -> *mut pg_sys::TupleTableSlot;

/// The framework's callbacks ours wrap.
struct Framework {
    add_targets: Option<AddTargetsFn>,
    plan: PlanFn,
    begin: BeginFn,
    insert: ExecFn,
    update: ExecFn,
    delete: ExecFn,
}

static FRAMEWORK: OnceLock<Framework> = OnceLock::new();

/// Name prefix of the junk columns holding what RETURNING reads.
const JUNK_PREFIX: &str = "wasm_fdw_returning_";

/// The name of the optional export, for messages.
const EXPORT: &str = "clerk:wrappers-ext/returning@0.1.0";

/// A column RETURNING reads, asked of the guest.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    pub name: String,
    /// 1-based attribute number in the foreign table.
    pub attnum: usize,
    pub type_oid: pg_sys::Oid,
}

/// What `WasmFdw`'s write found: one cell per [`Wanted`] column (in
/// order), or `None` when the guest answered with no row.
pub(crate) type Answered = Option<Vec<Option<PgCell>>>;

/// Per result relation of a running statement with RETURNING.
#[derive(Debug, Default)]
struct RelState {
    /// The columns RETURNING reads, worked out at the first row.
    wanted: Option<Vec<Wanted>>,
    /// DELETE: (attnum, position in the subplan's output) of each junk
    /// column, i.e. the row as scanned.
    scanned: Vec<(usize, c_int)>,
}

thread_local! {
    static WANTED: RefCell<Option<Vec<Wanted>>> = const { RefCell::new(None) };
    static ANSWERED: RefCell<Option<Answered>> = const { RefCell::new(None) };
    /// `ResultRelInfo` address -> its state, until the query's memory goes.
    static RELS: RefCell<HashMap<usize, RelState>> = RefCell::new(HashMap::new());
}

/// Called from `ForeignDataWrapper::fdw_routine_hook`: keeps the
/// framework's modify callbacks and puts ours in front of them.
pub(crate) fn install(routine: &mut FdwRoutine<AllocatedByRust>) {
    let (Some(plan), Some(begin), Some(insert), Some(update), Some(delete)) = (
        routine.PlanForeignModify,
        routine.BeginForeignModify,
        routine.ExecForeignInsert,
        routine.ExecForeignUpdate,
        routine.ExecForeignDelete,
    ) else {
        return;
    };
    let _ = FRAMEWORK.set(Framework { add_targets: routine.AddForeignUpdateTargets, plan, begin, insert, update, delete });
    routine.AddForeignUpdateTargets = Some(add_foreign_update_targets);
    routine.PlanForeignModify = Some(plan_foreign_modify);
    routine.BeginForeignModify = Some(begin_foreign_modify);
    routine.ExecForeignInsert = Some(exec_foreign_insert);
    routine.ExecForeignUpdate = Some(exec_foreign_update);
    routine.ExecForeignDelete = Some(exec_foreign_delete);
}

/// For `WasmFdw`'s insert/update/delete: the columns to ask the guest's
/// `last-row` for, when the statement has RETURNING (taken: asked once).
pub(crate) fn take_wanted() -> Option<Vec<Wanted>> {
    WANTED.with(|w| w.borrow_mut().take())
}

/// For `WasmFdw`'s insert/update/delete: what the guest answered.
pub(crate) fn answered(answer: Answered) {
    ANSWERED.with(|a| *a.borrow_mut() = Some(answer));
}

/// The error for a statement with RETURNING whose guest lacks the export.
pub(crate) fn unsupported(table: &str) -> HostError {
    HostError::Unsupported {
        message: format!("RETURNING is not supported by the wasm package of foreign table \"{table}\""),
        hint: format!(
            "the package does not export {EXPORT}; run the statement without RETURNING and read the row back with a SELECT"
        ),
    }
}

fn raise(e: HostError) {
    ErrorReport::from(FdwError(e)).report(PgLogLevel::ERROR);
}

fn framework() -> Option<&'static Framework> {
    let f = FRAMEWORK.get();
    if f.is_none() {
        error!("wasm foreign modify: the modify callbacks are not installed");
    }
    f
}

/// Clears the hand-over slots however the framework's call ends (an ERROR
/// unwinds through here as a panic, see `pg_guard_ffi_boundary`).
struct ClearSlots;

impl Drop for ClearSlots {
    fn drop(&mut self) {
        let _ = WANTED.try_with(|w| w.try_borrow_mut().map(|mut w| w.take()));
        let _ = ANSWERED.try_with(|a| a.try_borrow_mut().map(|mut a| a.take()));
    }
}

/// Attribute numbers of the columns of relation `varno` that `node` (a
/// RETURNING list) reads; a whole-row reference reads them all.
unsafe fn read_attnos(node: *mut pg_sys::List, varno: Option<c_int>, natts: usize) -> Vec<usize> {
    let flags = (pg_sys::PVC_RECURSE_AGGREGATES | pg_sys::PVC_RECURSE_WINDOWFUNCS | pg_sys::PVC_RECURSE_PLACEHOLDERS) as c_int;
    // SAFETY: `node` is a RETURNING target list of the planner or executor.
    let vars = unsafe { PgList::<pg_sys::Var>::from_pg(pg_sys::pull_var_clause(node as *mut pg_sys::Node, flags)) };
    let mut read = vec![false; natts];
    for var in vars.iter_ptr() {
        // SAFETY: pull_var_clause returns Var nodes (placeholders recursed).
        let (tag, vno, levelsup, attno) = unsafe { ((*var).xpr.type_, (*var).varno, (*var).varlevelsup, (*var).varattno) };
        // the target relation's own Vars: the given range table index, or
        // (executor lists) any ordinary one; the other relations' columns
        // are OUTER_VAR references by then
        let ours = match varno {
            Some(v) => vno == v,
            None => vno > 0,
        };
        if tag != pg_sys::NodeTag::T_Var || !ours || levelsup != 0 {
            continue;
        }
        match usize::try_from(attno) {
            Ok(0) => read.iter_mut().for_each(|r| *r = true),
            Ok(a) if a <= natts => read[a - 1] = true,
            _ => {}
        }
    }
    read.iter().enumerate().filter(|(_, r)| **r).map(|(i, _)| i + 1).collect()
}

/// The non-dropped attributes of `desc`.
unsafe fn attributes<'a>(desc: pg_sys::TupleDesc) -> &'a [pg_sys::FormData_pg_attribute] {
    // SAFETY: a valid tuple descriptor holds `natts` attributes.
    unsafe { (*desc).attrs.as_slice(usize::try_from((*desc).natts).unwrap_or(0)) }
}

fn junk_name(attnum: usize) -> CString {
    CString::new(format!("{JUNK_PREFIX}{attnum}")).unwrap_or_default()
}

#[pg_guard]
unsafe extern "C-unwind" fn add_foreign_update_targets(
    root: *mut pg_sys::PlannerInfo,
    rtindex: pg_sys::Index,
    target_rte: *mut pg_sys::RangeTblEntry,
    target_relation: pg_sys::Relation,
) {
    let Some(framework) = framework() else { return };
    if let Some(add) = framework.add_targets {
        // SAFETY: the framework's own callback, called as Postgres would.
        unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| add(root, rtindex, target_rte, target_relation)) };
    }
    // SAFETY: the planner passes a valid PlannerInfo with its Query and
    // the opened target relation.
    unsafe {
        let parse = (*root).parse;
        let command = (*parse).commandType;
        let returning = (*parse).returningList;
        // Only a plain (non-inherited) target: its RETURNING Vars carry
        // this range table index and this relation's attribute numbers.
        if returning.is_null()
            || !(command == pg_sys::CmdType::CMD_DELETE || command == pg_sys::CmdType::CMD_UPDATE)
            || c_int::try_from(rtindex).ok() != Some((*parse).resultRelation)
        {
            return;
        }
        let attrs = attributes((*target_relation).rd_att);
        let varno = c_int::try_from(rtindex).unwrap_or(0);
        for attnum in read_attnos(returning, Some(varno), attrs.len()) {
            let attr = &attrs[attnum - 1];
            if attr.attisdropped {
                continue;
            }
            let var = pg_sys::makeVar(
                varno,
                attr.attnum,
                attr.atttypid,
                attr.atttypmod,
                attr.attcollation,
                0,
            );
            let name = junk_name(attnum);
            // copies the name
            pg_sys::add_row_identity_var(root, var, rtindex, name.as_ptr());
        }
    }
}

/// Restores a ModifyTable's RETURNING lists however the framework's
/// planning ends.
struct RestoreReturning(*mut pg_sys::ModifyTable, *mut pg_sys::List);

impl Drop for RestoreReturning {
    fn drop(&mut self) {
        // SAFETY: the plan node outlives the planning call this guards.
        unsafe { (*self.0).returningLists = self.1 };
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn plan_foreign_modify(
    root: *mut pg_sys::PlannerInfo,
    plan: *mut pg_sys::ModifyTable,
    result_relation: pg_sys::Index,
    subplan_index: c_int,
) -> *mut pg_sys::List {
    let Some(framework) = framework() else { return std::ptr::null_mut() };
    // SAFETY: the planner passes a valid ModifyTable node.
    let returning = unsafe { (*plan).returningLists };
    if returning.is_null() {
        // SAFETY: the framework's own callback, called as Postgres would.
        return unsafe {
            pg_sys::ffi::pg_guard_ffi_boundary(|| (framework.plan)(root, plan, result_relation, subplan_index))
        };
    }
    // SAFETY: the result relation is in the planner's range table.
    let relid = unsafe { (*pg_sys::planner_rt_fetch(result_relation, root)).relid };
    match crate::fdw::table_extensions(relid) {
        Ok(ext) if ext.returning => {}
        Ok(_) => {
            raise(unsupported(&relation_name(relid)));
            return std::ptr::null_mut();
        }
        Err(FdwError(e)) => {
            raise(e);
            return std::ptr::null_mut();
        }
    }
    // The framework refuses any RETURNING: let it plan the write alone.
    let _restore = RestoreReturning(plan, returning);
    // SAFETY: as above; `_restore` puts the lists back whatever happens.
    unsafe {
        (*plan).returningLists = std::ptr::null_mut();
        pg_sys::ffi::pg_guard_ffi_boundary(|| (framework.plan)(root, plan, result_relation, subplan_index))
    }
}

pub(crate) fn relation_name(relid: pg_sys::Oid) -> String {
    // SAFETY: get_rel_name returns a palloc'd copy or NULL.
    unsafe {
        let p = pg_sys::get_rel_name(relid);
        if p.is_null() {
            format!("oid {}", relid.to_u32())
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn begin_foreign_modify(
    mtstate: *mut pg_sys::ModifyTableState,
    rinfo: *mut pg_sys::ResultRelInfo,
    fdw_private: *mut pg_sys::List,
    subplan_index: c_int,
    eflags: c_int,
) {
    let Some(framework) = framework() else { return };
    // SAFETY: the framework's own callback, called as Postgres would.
    unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| (framework.begin)(mtstate, rinfo, fdw_private, subplan_index, eflags)) };
    if eflags & pg_sys::EXEC_FLAG_EXPLAIN_ONLY as c_int != 0 {
        return;
    }
    // SAFETY: a running executor's ModifyTable state, its plan, its
    // subplan and the result relation being begun.
    unsafe {
        let node = (*mtstate).ps.plan as *mut pg_sys::ModifyTable;
        let sub = (*mtstate).ps.lefttree;
        if (*mtstate).operation != pg_sys::CmdType::CMD_DELETE
            || node.is_null()
            || (*node).returningLists.is_null()
            || sub.is_null()
            || (*sub).plan.is_null()
        {
            return;
        }
        let tlist = (*(*sub).plan).targetlist;
        let mut scanned = Vec::new();
        for attr in attributes((*(*rinfo).ri_RelationDesc).rd_att) {
            let Ok(attnum) = usize::try_from(attr.attnum) else { continue };
            if attr.attisdropped {
                continue;
            }
            let name = junk_name(attnum);
            let resno = pg_sys::ExecFindJunkAttributeInTlist(tlist, name.as_ptr());
            if resno > 0 {
                scanned.push((attnum, c_int::from(resno)));
            }
        }
        with_rel(rinfo, (*mtstate).ps.state, |state| state.scanned = scanned);
    }
}

/// Runs `f` on the state of `rinfo`, created (and set to go away with the
/// query's memory) on first use.
unsafe fn with_rel<T>(rinfo: *mut pg_sys::ResultRelInfo, estate: *mut pg_sys::EState, f: impl FnOnce(&mut RelState) -> T) -> T {
    let key = rinfo as usize;
    let fresh = RELS.with(|r| !r.borrow().contains_key(&key));
    if fresh {
        // SAFETY: the EState of a running executor; the callback is
        // allocated in the context it is registered on, so it lives exactly
        // as long as it can be called.
        unsafe {
            let cxt = if estate.is_null() { std::ptr::null_mut() } else { (*estate).es_query_cxt };
            if !cxt.is_null() {
                let cb = pg_sys::MemoryContextAllocZero(cxt, std::mem::size_of::<pg_sys::MemoryContextCallback>())
                    as *mut pg_sys::MemoryContextCallback;
                (*cb).func = Some(forget);
                (*cb).arg = rinfo as *mut c_void;
                pg_sys::MemoryContextRegisterResetCallback(cxt, cb);
            }
        }
    }
    RELS.with(|r| f(r.borrow_mut().entry(key).or_default()))
}

/// Memory context reset callback: the statement is gone, so is the state of
/// its result relation. Must not raise: it only touches the map.
unsafe extern "C-unwind" fn forget(arg: *mut c_void) {
    let key = arg as usize;
    let _ = RELS.try_with(|r| r.try_borrow_mut().map(|mut r| r.remove(&key)));
}

/// The columns RETURNING reads, worked out once per result relation (in a
/// context of their own: `pull_var_clause` allocates).
unsafe fn wanted(estate: *mut pg_sys::EState, rinfo: *mut pg_sys::ResultRelInfo) -> Vec<Wanted> {
    // SAFETY: see `with_rel`.
    if let Some(w) = unsafe { with_rel(rinfo, estate, |s| s.wanted.clone()) } {
        return w;
    }
    let mut cxt = PgMemoryContexts::new("wasm_fdw returning columns");
    // SAFETY: the result relation's RETURNING list and descriptor.
    let w = unsafe {
        cxt.switch_to(|_| {
            let attrs = attributes((*(*rinfo).ri_RelationDesc).rd_att);
            read_attnos((*rinfo).ri_returningList, None, attrs.len())
                .into_iter()
                .filter_map(|attnum| {
                    let attr = &attrs[attnum - 1];
                    (!attr.attisdropped).then(|| Wanted {
                        name: pgrx::name_data_to_str(&attr.attname).to_owned(),
                        attnum,
                        type_oid: attr.atttypid,
                    })
                })
                .collect::<Vec<_>>()
        })
    };
    drop(cxt);
    // SAFETY: as above.
    unsafe { with_rel(rinfo, estate, |s| s.wanted = Some(w.clone())) };
    w
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Insert,
    Update,
    Delete,
}

#[pg_guard]
unsafe extern "C-unwind" fn exec_foreign_insert(
    estate: *mut pg_sys::EState,
    rinfo: *mut pg_sys::ResultRelInfo,
    slot: *mut pg_sys::TupleTableSlot,
    plan_slot: *mut pg_sys::TupleTableSlot,
) -> *mut pg_sys::TupleTableSlot {
    let Some(framework) = framework() else { return slot };
    // SAFETY: as Postgres passes them.
    unsafe { exec(Kind::Insert, framework.insert, estate, rinfo, slot, plan_slot) }
}

#[pg_guard]
unsafe extern "C-unwind" fn exec_foreign_update(
    estate: *mut pg_sys::EState,
    rinfo: *mut pg_sys::ResultRelInfo,
    slot: *mut pg_sys::TupleTableSlot,
    plan_slot: *mut pg_sys::TupleTableSlot,
) -> *mut pg_sys::TupleTableSlot {
    let Some(framework) = framework() else { return slot };
    // SAFETY: as Postgres passes them.
    unsafe { exec(Kind::Update, framework.update, estate, rinfo, slot, plan_slot) }
}

#[pg_guard]
unsafe extern "C-unwind" fn exec_foreign_delete(
    estate: *mut pg_sys::EState,
    rinfo: *mut pg_sys::ResultRelInfo,
    slot: *mut pg_sys::TupleTableSlot,
    plan_slot: *mut pg_sys::TupleTableSlot,
) -> *mut pg_sys::TupleTableSlot {
    let Some(framework) = framework() else { return slot };
    // SAFETY: as Postgres passes them.
    unsafe { exec(Kind::Delete, framework.delete, estate, rinfo, slot, plan_slot) }
}

/// One row's write through the framework's `f`, then, with RETURNING, the
/// returned slot refilled (see the module's doc).
unsafe fn exec(
    kind: Kind,
    f: ExecFn,
    estate: *mut pg_sys::EState,
    rinfo: *mut pg_sys::ResultRelInfo,
    slot: *mut pg_sys::TupleTableSlot,
    plan_slot: *mut pg_sys::TupleTableSlot,
) -> *mut pg_sys::TupleTableSlot {
    // SAFETY: the result relation of a running statement.
    if unsafe { (*rinfo).ri_projectReturning.is_null() } {
        // SAFETY: the framework's own callback, called as Postgres would.
        return unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| f(estate, rinfo, slot, plan_slot)) };
    }
    // SAFETY: as above.
    let wanted = unsafe { wanted(estate, rinfo) };
    let (out, answer) = {
        let _clear = ClearSlots;
        WANTED.with(|w| *w.borrow_mut() = (!wanted.is_empty()).then(|| wanted.clone()));
        ANSWERED.with(|a| *a.borrow_mut() = None);
        // SAFETY: as above; an ERROR in it becomes a panic here (and
        // `_clear` runs) instead of a longjmp over this frame.
        let out = unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| f(estate, rinfo, slot, plan_slot)) };
        (out, ANSWERED.with(|a| a.borrow_mut().take()).flatten())
    };
    if out.is_null() {
        return out;
    }
    // SAFETY: `out` is the slot of the result relation's row type, and
    // `plan_slot` the subplan's current row.
    unsafe {
        let desc = (*out).tts_tupleDescriptor;
        let natts = usize::try_from((*desc).natts).unwrap_or(0);
        let mut values = vec![pg_sys::Datum::from(0usize); natts];
        let mut nulls = vec![true; natts];
        if kind == Kind::Delete {
            // the row as scanned (the executor passes an empty slot)
            let scanned = with_rel(rinfo, estate, |s| s.scanned.clone());
            for (attnum, resno) in scanned {
                if attnum > natts || plan_slot.is_null() {
                    continue;
                }
                let mut isnull = true;
                let datum = pg_sys::slot_getattr(plan_slot, resno, &mut isnull);
                values[attnum - 1] = datum;
                nulls[attnum - 1] = isnull;
            }
        } else if (*out).tts_flags & pg_sys::TTS_FLAG_EMPTY as u16 == 0 {
            // the row the executor passed
            pg_sys::slot_getallattrs(out);
            for i in 0..natts {
                values[i] = *(*out).tts_values.add(i);
                nulls[i] = *(*out).tts_isnull.add(i);
            }
        }
        store(out, values, nulls, &wanted, answer);
    }
    out
}

/// Forms the row of `values`/`nulls` with the guest's cells on top and
/// stores it as `slot`'s own tuple.
unsafe fn store(
    slot: *mut pg_sys::TupleTableSlot,
    mut values: Vec<pg_sys::Datum>,
    mut nulls: Vec<bool>,
    wanted: &[Wanted],
    answer: Option<Vec<Option<PgCell>>>,
) {
    let mut cells_cxt = PgMemoryContexts::new("wasm_fdw returning row");
    // SAFETY: the datums are made in `cells_cxt`, which lives until the
    // tuple (a copy) is formed in the slot's own context below; the values
    // taken from the slots stay valid until `slot` is given the new tuple.
    unsafe {
        cells_cxt.switch_to(|_| {
            for (w, cell) in wanted.iter().zip(answer.into_iter().flatten()) {
                let Some(i) = w.attnum.checked_sub(1).filter(|i| *i < values.len()) else { continue };
                match cell.and_then(IntoDatum::into_datum) {
                    Some(d) => {
                        values[i] = d;
                        nulls[i] = false;
                    }
                    None => nulls[i] = true,
                }
            }
        });
        let desc = (*slot).tts_tupleDescriptor;
        let tuple = PgMemoryContexts::For((*slot).tts_mcxt)
            .switch_to(|_| pg_sys::heap_form_tuple(desc, values.as_mut_ptr(), nulls.as_mut_ptr()));
        // the slot owns (and frees) the tuple; its previous contents go
        pg_sys::ExecForceStoreHeapTuple(tuple, slot, true);
    }
    drop(cells_cxt);
}

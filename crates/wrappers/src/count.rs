//! `count(*)` pushdown for guests with the optional
//! `clerk:wrappers-ext/count` export (`wit/ext/README.md`), through the
//! framework's aggregate pushdown (`GetForeignUpperPaths`,
//! `begin_aggregate_scan`).
//!
//! The framework offers an aggregate path whenever `supported_aggregates`
//! lists the aggregate, for any guest and any quals, and once Postgres
//! picks it the scan's restriction clauses are no longer checked by
//! Postgres. So [`install`] puts our `GetForeignUpperPaths` in front of
//! the framework's, which only runs it when the result will be exact:
//!
//! - the query is `count(*)` only (one or more plain `count(*)`, no other
//!   output, no GROUP BY, grouping sets, HAVING, FILTER or DISTINCT) over
//!   one foreign table (a base relation, not a join);
//! - every restriction clause of that table became a qual the guest sees
//!   (none left for Postgres alone, none pseudo-constant, no parameter:
//!   its value is unknown at plan time);
//! - the component has the export, and its `plan-count`, given the same
//!   context `begin-scan` would get (no columns, sorts or limit), answers
//!   that it counts these quals exactly.
//!
//! The quals and options are the ones the framework hands to
//! `WasmFdw::get_rel_size` while it sizes the base relation (our
//! `GetForeignRelSize` around the framework's keeps them per relation).
//! Planning only instantiates the component when the query is such a
//! count, and calls `init` only on a component that has the export.
//!
//! At execution `WasmFdw::begin_aggregate_scan` calls [`begin`]: the guest's
//! `count` is the one value of every `count(*)` of the row returned. For
//! EXPLAIN the lines are `plan-count`'s (plain EXPLAIN asks nothing else:
//! no request); EXPLAIN ANALYZE adds the request as for a scan. A guest
//! without the export is never asked and planned exactly as before.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::OnceLock;

use pgrx::pg_sys;
use pgrx::{error, pg_guard, AllocatedByRust};
use supabase_wrappers::prelude::*;
use supabase_wrappers::FdwRoutine;

use crate::error::FdwResult;
use crate::quals::list_ptrs;
use wasm_host::explain::RequestLog;
use wasm_host::model;
use wasm_host::runtime::GuestInstance;
use wasm_host::{HostError, HostResult};

type RelSizeFn = unsafe extern "C-unwind" fn(*mut pg_sys::PlannerInfo, *mut pg_sys::RelOptInfo, pg_sys::Oid);
type UpperPathsFn = unsafe extern "C-unwind" fn(
    *mut pg_sys::PlannerInfo,
    pg_sys::UpperRelationKind::Type,
    *mut pg_sys::RelOptInfo,
    *mut pg_sys::RelOptInfo,
    *mut c_void,
);

/// The framework's planning callbacks ours wrap.
struct Framework {
    rel_size: RelSizeFn,
    upper_paths: UpperPathsFn,
}

static FRAMEWORK: OnceLock<Framework> = OnceLock::new();

/// What the framework extracted for one base relation.
#[derive(Debug, Clone)]
struct Planned {
    quals: Vec<model::Qual>,
    /// How many quals the framework extracted.
    extracted: usize,
    /// Every extracted qual reached the guest's form, none has a parameter.
    complete: bool,
    opts: HashMap<String, String>,
}

thread_local! {
    /// Set by `WasmFdw::get_rel_size` during the framework's GetForeignRelSize.
    static SIZED: RefCell<Option<Planned>> = const { RefCell::new(None) };
    /// Base relation (address) -> what was extracted for it, while the
    /// memory it was planned in lives.
    static RELS: RefCell<HashMap<usize, Planned>> = RefCell::new(HashMap::new());
}

/// Called from `ForeignDataWrapper::fdw_routine_hook`.
pub(crate) fn install(routine: &mut FdwRoutine<AllocatedByRust>) {
    let (Some(rel_size), Some(upper_paths)) = (routine.GetForeignRelSize, routine.GetForeignUpperPaths) else {
        return;
    };
    let _ = FRAMEWORK.set(Framework { rel_size, upper_paths });
    routine.GetForeignRelSize = Some(get_foreign_rel_size);
    routine.GetForeignUpperPaths = Some(get_foreign_upper_paths);
}

/// For `WasmFdw::supported_aggregates`: the framework must know the
/// aggregate to build the path; whether it may is decided here.
pub(crate) fn supported_aggregates() -> Vec<AggregateKind> {
    vec![AggregateKind::Count]
}

/// For `WasmFdw::get_rel_size`: the quals and options of the relation
/// being sized.
pub(crate) fn sized(quals: &[Qual], opts: &HashMap<String, String>) {
    let (model_quals, dropped) = crate::fdw::to_model_quals(quals);
    let planned = Planned {
        extracted: quals.len(),
        complete: !dropped && quals.iter().all(|q| q.param.is_none()),
        quals: model_quals,
        opts: opts.clone(),
    };
    SIZED.with(|s| *s.borrow_mut() = Some(planned));
}

#[pg_guard]
unsafe extern "C-unwind" fn get_foreign_rel_size(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
) {
    let Some(framework) = FRAMEWORK.get() else {
        error!("wasm foreign scan: the planning callbacks are not installed");
    };
    SIZED.with(|s| s.borrow_mut().take());
    // SAFETY: the framework's own GetForeignRelSize, called as Postgres
    // would call it; an ERROR in it unwinds through here as a panic.
    unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| (framework.rel_size)(root, baserel, foreigntableid)) };
    // SAFETY: as above, the relation being planned.
    unsafe { crate::estimate::set_rows(root, baserel, foreigntableid) };
    if let Some(planned) = SIZED.with(|s| s.borrow_mut().take()) {
        // SAFETY: Postgres passes the relation being planned.
        unsafe { remember(baserel, planned) };
    }
}

/// Keeps `planned` for `rel` until the planner's memory goes away.
unsafe fn remember(rel: *mut pg_sys::RelOptInfo, planned: Planned) {
    // SAFETY: planning runs in a valid current memory context, the one
    // the relation was just allocated in.
    let cxt = unsafe { pg_sys::CurrentMemoryContext };
    if cxt.is_null() {
        return;
    }
    RELS.with(|r| r.borrow_mut().insert(rel as usize, planned));
    // SAFETY: the callback is allocated in the context it is registered
    // on, so it lives exactly as long as it can be called.
    unsafe {
        let cb = pg_sys::MemoryContextAllocZero(cxt, std::mem::size_of::<pg_sys::MemoryContextCallback>())
            as *mut pg_sys::MemoryContextCallback;
        (*cb).func = Some(forget);
        (*cb).arg = rel as *mut c_void;
        pg_sys::MemoryContextRegisterResetCallback(cxt, cb);
    }
}

/// Memory context reset callback: must not raise.
unsafe extern "C-unwind" fn forget(arg: *mut c_void) {
    let key = arg as usize;
    let _ = RELS.try_with(|r| r.try_borrow_mut().map(|mut r| r.remove(&key)));
}

#[pg_guard]
unsafe extern "C-unwind" fn get_foreign_upper_paths(
    root: *mut pg_sys::PlannerInfo,
    stage: pg_sys::UpperRelationKind::Type,
    input_rel: *mut pg_sys::RelOptInfo,
    output_rel: *mut pg_sys::RelOptInfo,
    extra: *mut c_void,
) {
    // the framework only handles this stage
    if stage != pg_sys::UpperRelationKind::UPPERREL_GROUP_AGG {
        return;
    }
    let Some(framework) = FRAMEWORK.get() else {
        return;
    };
    // SAFETY: Postgres passes valid planner structures for this stage.
    let Some(planned) = (unsafe { pushable(root, input_rel, output_rel, extra) }) else {
        return;
    };
    if !matches!(guest_counts(&planned), Ok(true)) {
        return;
    }
    // SAFETY: the framework's own GetForeignUpperPaths, called as Postgres
    // would call it.
    unsafe {
        pg_sys::ffi::pg_guard_ffi_boundary(|| (framework.upper_paths)(root, stage, input_rel, output_rel, extra))
    };
}

/// Whether `aggref` is a plain `count(*)`.
unsafe fn is_count_star(aggref: *mut pg_sys::Aggref) -> bool {
    // SAFETY: a valid Aggref node.
    unsafe {
        let a = &*aggref;
        if !a.aggstar
            || !a.args.is_null()
            || !a.aggfilter.is_null()
            || !a.aggdistinct.is_null()
            || !a.aggorder.is_null()
            || a.agglevelsup != 0
            || a.aggsplit != pg_sys::AggSplit::AGGSPLIT_SIMPLE
            || a.aggtype != pg_sys::INT8OID
            || pg_sys::get_func_nargs(a.aggfnoid) != 0
        {
            return false;
        }
        let name = pg_sys::get_func_name(a.aggfnoid);
        !name.is_null() && std::ffi::CStr::from_ptr(name).to_bytes() == b"count"
    }
}

/// The extracted quals of `input_rel` when the grouping step is a
/// `count(*)` the scan's quals fully describe (see the module docs).
unsafe fn pushable(
    root: *mut pg_sys::PlannerInfo,
    input_rel: *mut pg_sys::RelOptInfo,
    output_rel: *mut pg_sys::RelOptInfo,
    extra: *mut c_void,
) -> Option<Planned> {
    // SAFETY: valid planner structures (the caller's promise).
    unsafe {
        if root.is_null() || input_rel.is_null() || output_rel.is_null() || extra.is_null() {
            return None;
        }
        if (*input_rel).reloptkind != pg_sys::RelOptKind::RELOPT_BASEREL || (*input_rel).fdw_private.is_null() {
            return None;
        }
        let parse = (*root).parse;
        if parse.is_null()
            || !(*parse).groupClause.is_null()
            || !(*parse).groupingSets.is_null()
            || !(*parse).havingQual.is_null()
            || !(*(extra as *mut pg_sys::GroupPathExtraData)).havingQual.is_null()
        {
            return None;
        }
        let target = (*output_rel).reltarget;
        if target.is_null() {
            return None;
        }
        let exprs = list_ptrs::<pg_sys::Node>((*target).exprs);
        let all_count_star = exprs.iter().all(|e| {
            !e.is_null()
                && (**e).type_ == pg_sys::NodeTag::T_Aggref
                && is_count_star(*e as *mut pg_sys::Aggref)
        });
        if exprs.is_empty() || !all_count_star {
            return None;
        }
        let clauses = list_ptrs::<pg_sys::RestrictInfo>((*input_rel).baserestrictinfo);
        if clauses.iter().any(|c| c.is_null() || (**c).pseudoconstant) {
            return None;
        }
        let planned = RELS.with(|r| r.borrow().get(&(input_rel as usize)).cloned())?;
        // one qual per clause: none is left to Postgres alone
        (planned.complete && planned.extracted == clauses.len() && planned.quals.len() == clauses.len())
            .then_some(planned)
    }
}

/// Planning: whether the server's component has the export and counts
/// these quals exactly. Any failure means no: the scan then runs (and
/// fails, if it must) as it always did.
fn guest_counts(planned: &Planned) -> HostResult<bool> {
    let server_oid = planned
        .opts
        .get("wrappers.fserver_oid")
        .and_then(|o| o.parse::<u32>().ok())
        .ok_or(HostError::MissingOption("wrappers.fserver_oid"))?;
    // SAFETY: a catalog lookup of the table's own server.
    let server_opts = unsafe {
        let server = pg_sys::GetForeignServer(pg_sys::Oid::from(server_oid));
        if server.is_null() {
            return Ok(false);
        }
        crate::fdw::options_of((*server).options)
    };
    let Some(mut guest) = crate::fdw::planning_guest(&server_opts, GuestInstance::has_count)? else {
        return Ok(false);
    };
    set_context(&mut guest, &planned.opts, planned.quals.clone());
    Ok(guest.plan_count()?.is_some())
}

/// The context of a counted scan: its options and quals, no columns, sorts
/// or limit.
fn set_context(guest: &mut GuestInstance, opts: &HashMap<String, String>, quals: Vec<model::Qual>) {
    let host = guest.host();
    host.table_opts = opts.clone();
    host.quals = quals;
    host.columns = Vec::new();
    host.sorts = Vec::new();
    host.limit = None;
}

fn guest_error(message: String) -> HostError {
    HostError::Guest { message, hint: None, sqlstate: None }
}

/// A counted scan's one row: the count under each `count(*)`'s alias.
#[derive(Debug, Default)]
pub(crate) struct CountRows {
    /// This scan is a pushed count (`begin_aggregate_scan` ran).
    active: bool,
    /// `None` for plain EXPLAIN (nothing counted).
    count: Option<i64>,
    aliases: Vec<String>,
    emitted: bool,
}

impl CountRows {
    pub(crate) fn is_active(&self) -> bool {
        self.active
    }

    /// `None`: not a counted scan. `Some(true)`: `row` holds the count;
    /// `Some(false)`: no more rows.
    pub(crate) fn next_row(&mut self, row: &mut Row) -> Option<bool> {
        if !self.active {
            return None;
        }
        let Some(n) = self.count.filter(|_| !self.emitted) else {
            return Some(false);
        };
        self.emitted = true;
        for alias in &self.aliases {
            row.push(alias, Some(Cell::I64(n)));
        }
        Some(true)
    }

    /// Re-scan of a counted scan: the same row again. `false`: not one.
    pub(crate) fn rewind(&mut self) -> bool {
        self.emitted = false;
        self.active
    }
}

/// `WasmFdw::begin_aggregate_scan`: asks the guest for the count of the
/// scan planned as pushed (see the module docs).
pub(crate) fn begin(
    guest: &mut GuestInstance,
    aggregates: &[Aggregate],
    group_by: &[Column],
    quals: &[Qual],
    opts: &HashMap<String, String>,
) -> FdwResult<CountRows> {
    if !group_by.is_empty() || aggregates.iter().any(|a| a.kind != AggregateKind::Count) {
        return Err(guest_error("wasm foreign scan: only count(*) is pushed down".into()).into());
    }
    let (model_quals, dropped) = crate::fdw::to_model_quals(quals);
    if dropped {
        return Err(guest_error("wasm foreign scan: a qual of a pushed count(*) cannot be passed to the guest".into()).into());
    }
    set_context(guest, opts, model_quals);
    let mut rows = CountRows {
        active: true,
        count: None,
        aliases: aggregates.iter().map(|a| a.alias.clone()).collect(),
        emitted: false,
    };
    let not_exact = || guest_error("the wasm guest no longer counts this scan exactly".into());
    if let Some(request) = crate::explain::take_request() {
        let lines = guest.plan_count()?.ok_or_else(not_exact)?;
        let log = (!request.explain_only).then(|| {
            let log = Rc::new(RefCell::new(RequestLog::default()));
            guest.host().request_log = Some(Rc::clone(&log));
            log
        });
        crate::explain::described(lines, log);
        if request.explain_only {
            // plain EXPLAIN: describe, never fetch
            return Ok(rows);
        }
    }
    let n = guest.count()?.ok_or_else(not_exact)?;
    let n = i64::try_from(n).map_err(|_| guest_error(format!("the wasm guest counted {n} rows")))?;
    rows.count = Some(n);
    Ok(rows)
}

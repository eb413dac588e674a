//! What the framework's qual extraction (supabase-wrappers 0.2.4,
//! `qual.rs`) gets wrong or leaves out, put right in front of it. Three
//! callbacks of ours wrap the ones installed before them ([`install`]):
//!
//! - **A column on the right** (`'2025-06-01' < created_at`): the framework
//!   swaps the operands but keeps the operator, so the guest would see
//!   `created_at < '2025-06-01'` and fetch the opposite window (Postgres'
//!   re-check then leaves no row). Our `GetForeignRelSize` first commutes
//!   every clause the framework would swap, with Postgres' own
//!   `commute_restrictinfo`, so that it reads `created_at > '2025-06-01'`.
//! - **A stable expression** (`created_at > now() - interval '30 days'`,
//!   `created_at > $1 - interval '1 day'`, `id = any($1)`): the framework
//!   takes a Const or a Param only. Our `GetForeignPlan` keeps each clause
//!   `column op expr` (or `column op any/all (expr)`) whose expression has
//!   no column, no volatile function, no sub-plan and no executor parameter
//!   in the plan's `fdw_exprs` (the column's number, the operator and the
//!   expression, so that the plan cache copies them and `setrefs` fixes
//!   them). Our `BeginForeignScan` evaluates each expression once per scan
//!   (it cannot change within one execution) and [`take`] hands the values
//!   to `WasmFdw::begin_scan` as quals, as if they had been `$n`
//!   parameters.
//! - **A LIMIT with a clause the guest never sees**: the framework hands the
//!   query's LIMIT to the scan whatever its quals, so `where
//!   upper(first_name) like 'B%' limit 3` would fetch three users and
//!   filter them. [`ScanQuals::clauses`] is how many restriction clauses the
//!   plan has; `WasmFdw::begin_scan` passes a limit on only when the guest
//!   gets a qual for each of them.
//!
//! Every clause stays in the plan's `qual`, so Postgres still checks each
//! row: what reaches the guest only narrows what is fetched.

use std::cell::RefCell;
use std::ffi::{c_int, c_void, CStr};
use std::sync::OnceLock;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::{is_a, AllocatedByRust, PgMemoryContexts};
use supabase_wrappers::prelude::*;
use supabase_wrappers::FdwRoutine;
use wasm_host::model;

type RelSizeFn = unsafe extern "C-unwind" fn(*mut pg_sys::PlannerInfo, *mut pg_sys::RelOptInfo, pg_sys::Oid);
type PlanFn = unsafe extern "C-unwind" fn(
    *mut pg_sys::PlannerInfo,
    *mut pg_sys::RelOptInfo,
    pg_sys::Oid,
    *mut pg_sys::ForeignPath,
    *mut pg_sys::List,
    *mut pg_sys::List,
    *mut pg_sys::Plan,
) -> *mut pg_sys::ForeignScan;
type BeginFn = unsafe extern "C-unwind" fn(*mut pg_sys::ForeignScanState, c_int);

/// The callbacks ours wrap (the same functions for every routine).
struct Next {
    rel_size: RelSizeFn,
    plan: PlanFn,
    begin: BeginFn,
}

static NEXT: OnceLock<Next> = OnceLock::new();

/// How a kept clause compares its column with the expression's value.
const KIND_OP: i32 = 0;
const KIND_ANY: i32 = 1;
/// Not a clause: a column whose values come from a local table
/// (`crate::keys`): column number, local table, kind, local column number.
const KIND_KEYS: i32 = 2;
/// Not a clause: the query joins several relations, so its LIMIT is not
/// the scan's (the framework hands it to the scan all the same).
const KIND_NO_LIMIT: i32 = 3;
/// `fdw_exprs` entries per kept clause: column number, operator, kind,
/// expression.
const ENTRY: usize = 4;

/// What a scan's plan holds beyond the framework's quals, evaluated.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScanQuals {
    /// One qual per kept clause whose expression gave a value the guest
    /// can be handed.
    pub evaluated: Vec<model::Qual>,
    /// How many restriction clauses the plan checks (its `qual`).
    pub clauses: usize,
    /// Quals made from a local table's values (`crate::keys`): they stand
    /// for no clause of the scan (the join's condition is checked above
    /// it), and only narrow what is fetched.
    pub joined: Vec<model::Qual>,
    /// The scan's relation is one of several the query joins: the query's
    /// LIMIT is not the scan's.
    pub no_limit: bool,
    /// EXPLAIN lines of the host's own (join keys).
    pub lines: Vec<String>,
}

thread_local! {
    static BEGUN: RefCell<Option<ScanQuals>> = const { RefCell::new(None) };
}

/// Called from `ForeignDataWrapper::fdw_routine_hook`, after the other
/// wrappers: ours run first.
pub(crate) fn install(routine: &mut FdwRoutine<AllocatedByRust>) {
    let (Some(rel_size), Some(plan), Some(begin)) =
        (routine.GetForeignRelSize, routine.GetForeignPlan, routine.BeginForeignScan)
    else {
        return;
    };
    let _ = NEXT.set(Next { rel_size, plan, begin });
    routine.GetForeignRelSize = Some(get_foreign_rel_size);
    routine.GetForeignPlan = Some(get_foreign_plan);
    routine.BeginForeignScan = Some(begin_foreign_scan);
}

/// For `WasmFdw::begin_scan`: the evaluated quals and clause count of the
/// scan being begun (taken: a re-scan's `begin_scan` keeps the first ones).
pub(crate) fn take() -> Option<ScanQuals> {
    BEGUN.with(|b| b.borrow_mut().take())
}

fn next() -> &'static Next {
    match NEXT.get() {
        Some(next) => next,
        None => error!("wasm foreign scan: the qual callbacks are not installed"),
    }
}

/// The elements of a Postgres `List` of pointers.
pub(crate) unsafe fn list_ptrs<T>(list: *mut pg_sys::List) -> Vec<*mut T> {
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: a valid List of pointer cells (the caller's promise).
    unsafe {
        let len = usize::try_from((*list).length).unwrap_or(0);
        (0..len).map(|i| (*(*list).elements.add(i)).ptr_value as *mut T).collect()
    }
}

/// The node under a binary-compatible cast, as the framework reads it.
unsafe fn unnest(node: *mut pg_sys::Node) -> *mut pg_sys::Node {
    // SAFETY: a valid expression node (the caller's promise).
    unsafe {
        if is_a(node, pg_sys::NodeTag::T_RelabelType) {
            (*(node as *mut pg_sys::RelabelType)).arg as *mut pg_sys::Node
        } else if is_a(node, pg_sys::NodeTag::T_ArrayCoerceExpr) {
            (*(node as *mut pg_sys::ArrayCoerceExpr)).arg as *mut pg_sys::Node
        } else {
            node
        }
    }
}

/// The two operands of a binary operator clause.
unsafe fn operands(args: *mut pg_sys::List) -> Option<(*mut pg_sys::Node, *mut pg_sys::Node)> {
    // SAFETY: an operator's argument list (the caller's promise).
    let args = unsafe { list_ptrs::<pg_sys::Node>(args) };
    match args.as_slice() {
        [l, r] if !l.is_null() && !r.is_null() => Some((*l, *r)),
        _ => None,
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn get_foreign_rel_size(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
) {
    let next = next();
    // SAFETY: Postgres passes the relation being planned; its restriction
    // list is ours to rewrite into an equivalent one before it is used.
    unsafe { commute_column_right(baserel) };
    // SAFETY: the next GetForeignRelSize, called as Postgres would call it.
    unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| (next.rel_size)(root, baserel, foreigntableid)) };
}

/// Rewrites `const op column` into `column commutator const` wherever the
/// framework would swap the operands (column on the right, something else
/// on the left, the operator has a commutator).
unsafe fn commute_column_right(baserel: *mut pg_sys::RelOptInfo) {
    // SAFETY: a valid relation being planned (the caller's promise).
    unsafe {
        let list = (*baserel).baserestrictinfo;
        if list.is_null() {
            return;
        }
        let len = usize::try_from((*list).length).unwrap_or(0);
        for i in 0..len {
            let cell = (*list).elements.add(i);
            let rinfo = (*cell).ptr_value as *mut pg_sys::RestrictInfo;
            if rinfo.is_null() || !is_a((*rinfo).clause as *mut pg_sys::Node, pg_sys::NodeTag::T_OpExpr) {
                continue;
            }
            let op = (*rinfo).clause as *mut pg_sys::OpExpr;
            let Some((left, right)) = operands((*op).args) else {
                continue;
            };
            let (left, right) = (unnest(left), unnest(right));
            if !is_a(right, pg_sys::NodeTag::T_Var) || is_a(left, pg_sys::NodeTag::T_Var) {
                continue;
            }
            let commutator = pg_sys::get_commutator((*op).opno);
            if commutator == pg_sys::InvalidOid {
                continue;
            }
            (*cell).ptr_value = pg_sys::commute_restrictinfo(rinfo, commutator) as *mut c_void;
        }
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn get_foreign_plan(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
    best_path: *mut pg_sys::ForeignPath,
    tlist: *mut pg_sys::List,
    scan_clauses: *mut pg_sys::List,
    outer_plan: *mut pg_sys::Plan,
) -> *mut pg_sys::ForeignScan {
    let next = next();
    // SAFETY: Postgres passes the relation and its clauses; an aggregate
    // scan's relation is the upper one, whose quals the framework handles.
    let kept = unsafe {
        if (*baserel).reloptkind == pg_sys::RelOptKind::RELOPT_UPPER_REL {
            std::ptr::null_mut()
        } else {
            let mut kept = keep_stable(baserel, scan_clauses);
            for source in crate::keys::plan_entries(root, baserel) {
                let entries: [*mut pg_sys::Node; ENTRY] = [
                    int4_const(source.column),
                    oid_const(source.table),
                    int4_const(KIND_KEYS),
                    int4_const(source.local_column),
                ];
                for entry in entries {
                    kept = pg_sys::lappend(kept, entry as *mut c_void);
                }
            }
            if pg_sys::bms_num_members((*root).all_baserels) > 1 {
                let entries = [int4_const(0), oid_const(pg_sys::InvalidOid), int4_const(KIND_NO_LIMIT), int4_const(0)];
                for entry in entries {
                    kept = pg_sys::lappend(kept, entry as *mut c_void);
                }
            }
            kept
        }
    };
    // SAFETY: the next GetForeignPlan, called as Postgres would call it.
    let plan = unsafe {
        pg_sys::ffi::pg_guard_ffi_boundary(|| {
            (next.plan)(root, baserel, foreigntableid, best_path, tlist, scan_clauses, outer_plan)
        })
    };
    // SAFETY: the plan node just made; the framework leaves `fdw_exprs`
    // empty (were it not, nothing is kept).
    unsafe {
        if !plan.is_null() && (*plan).fdw_exprs.is_null() {
            (*plan).fdw_exprs = kept;
        }
    }
    plan
}

/// Whether `expr` can be evaluated once at the start of a scan: no column
/// of any relation, nothing volatile, no sub-plan, no executor parameter
/// (a `$n` of a prepared statement is fine: it is fixed per execution).
unsafe fn evaluable(expr: *mut pg_sys::Node) -> bool {
    // SAFETY: a valid expression node (the caller's promise).
    unsafe {
        !pg_sys::contain_var_clause(expr)
            && !pg_sys::contain_volatile_functions(expr)
            && !pg_sys::contain_subplans(expr)
            && pg_sys::pull_paramids(expr as *mut pg_sys::Expr).is_null()
    }
}

/// A column of `baserel` itself: its number.
unsafe fn column_of(node: *mut pg_sys::Node, baserel: *mut pg_sys::RelOptInfo) -> Option<i32> {
    // SAFETY: a valid expression node and relation (the caller's promise).
    unsafe {
        let node = unnest(node);
        if !is_a(node, pg_sys::NodeTag::T_Var) {
            return None;
        }
        let var = node as *mut pg_sys::Var;
        ((*var).varlevelsup == 0 && i64::from((*var).varno) == i64::from((*baserel).relid) && (*var).varattno >= 1)
            .then(|| i32::from((*var).varattno))
    }
}

/// The `fdw_exprs` list of the clauses kept for evaluation at execution.
unsafe fn keep_stable(baserel: *mut pg_sys::RelOptInfo, scan_clauses: *mut pg_sys::List) -> *mut pg_sys::List {
    let mut kept: *mut pg_sys::List = std::ptr::null_mut();
    // SAFETY: the clauses Postgres passes to GetForeignPlan, read only;
    // the new list and nodes live in the planner's memory, as the plan.
    unsafe {
        for rinfo in list_ptrs::<pg_sys::RestrictInfo>(scan_clauses) {
            if rinfo.is_null() || (*rinfo).pseudoconstant {
                continue;
            }
            let clause = (*rinfo).clause as *mut pg_sys::Node;
            let (opno, args, kind) = if is_a(clause, pg_sys::NodeTag::T_OpExpr) {
                let op = clause as *mut pg_sys::OpExpr;
                ((*op).opno, (*op).args, KIND_OP)
            } else if is_a(clause, pg_sys::NodeTag::T_ScalarArrayOpExpr) {
                let op = clause as *mut pg_sys::ScalarArrayOpExpr;
                // `<> all (...)` is left to Postgres: the framework's array
                // reading drops NULL elements, which only `any` may lose
                if !(*op).useOr {
                    continue;
                }
                ((*op).opno, (*op).args, KIND_ANY)
            } else {
                continue;
            };
            let Some((left, right)) = operands(args) else {
                continue;
            };
            let Some(attno) = column_of(left, baserel) else {
                continue;
            };
            let bare = unnest(right);
            // the framework's: a constant, and a plain parameter but in an array
            let framework = is_a(bare, pg_sys::NodeTag::T_Const)
                || (kind == KIND_OP && is_a(bare, pg_sys::NodeTag::T_Param));
            if framework || !evaluable(right) {
                continue;
            }
            let entries: [*mut pg_sys::Node; ENTRY] = [
                int4_const(attno),
                oid_const(opno),
                int4_const(kind),
                pg_sys::copyObjectImpl(right as *const c_void) as *mut pg_sys::Node,
            ];
            for entry in entries {
                kept = pg_sys::lappend(kept, entry as *mut c_void);
            }
        }
    }
    kept
}

unsafe fn int4_const(value: i32) -> *mut pg_sys::Node {
    // SAFETY: a by-value int4 constant in the current memory context.
    unsafe {
        pg_sys::makeConst(pg_sys::INT4OID, -1, pg_sys::InvalidOid, 4, pg_sys::Datum::from(value), false, true)
            as *mut pg_sys::Node
    }
}

unsafe fn oid_const(value: pg_sys::Oid) -> *mut pg_sys::Node {
    // SAFETY: a by-value oid constant in the current memory context.
    unsafe {
        pg_sys::makeConst(
            pg_sys::OIDOID,
            -1,
            pg_sys::InvalidOid,
            4,
            pg_sys::Datum::from(value.to_u32()),
            false,
            true,
        ) as *mut pg_sys::Node
    }
}

/// The value of a by-value `Const` this module made.
unsafe fn const_value(node: *mut pg_sys::Node) -> Option<pg_sys::Datum> {
    // SAFETY: a valid node (the caller's promise).
    unsafe {
        if !is_a(node, pg_sys::NodeTag::T_Const) {
            return None;
        }
        let c = node as *mut pg_sys::Const;
        (!(*c).constisnull).then_some((*c).constvalue)
    }
}

/// Clears the hand-over slot however the next call ends.
struct ClearSlot;

impl Drop for ClearSlot {
    fn drop(&mut self) {
        let _ = BEGUN.try_with(|b| b.try_borrow_mut().map(|mut b| b.take()));
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn begin_foreign_scan(node: *mut pg_sys::ForeignScanState, eflags: c_int) {
    let next = next();
    // SAFETY: Postgres passes the scan state of a running executor, with
    // its expression context already made (ExecInitForeignScan).
    let explain_only = eflags & pg_sys::EXEC_FLAG_EXPLAIN_ONLY as c_int != 0;
    let scan = unsafe { evaluate(node, explain_only) };
    let _clear = ClearSlot;
    BEGUN.with(|b| *b.borrow_mut() = scan);
    // SAFETY: the next BeginForeignScan, called as Postgres would call it.
    unsafe { pg_sys::ffi::pg_guard_ffi_boundary(|| (next.begin)(node, eflags)) };
}

/// The kept clauses of the node's plan, evaluated; `None` for a scan
/// without a base relation (an aggregate pushed down). Join keys are read
/// unless the query is only explained.
unsafe fn evaluate(node: *mut pg_sys::ForeignScanState, explain_only: bool) -> Option<ScanQuals> {
    // SAFETY: as in `begin_foreign_scan`.
    unsafe {
        let plan = (*node).ss.ps.plan as *mut pg_sys::ForeignScan;
        let rel = (*node).ss.ss_currentRelation;
        if plan.is_null() || rel.is_null() {
            return None;
        }
        let clauses = list_ptrs::<pg_sys::Node>((*plan).scan.plan.qual).len();
        let relid = (*rel).rd_id;
        let econtext = (*node).ss.ps.ps_ExprContext;
        let mut evaluated = Vec::new();
        let mut scan = ScanQuals::default();
        for entry in list_ptrs::<pg_sys::Node>((*plan).fdw_exprs).chunks_exact(ENTRY) {
            let (Some(attno), Some(opno), Some(kind)) =
                (const_value(entry[0]), const_value(entry[1]), const_value(entry[2]))
            else {
                continue;
            };
            let (attno, opno, kind) = (attno.value() as i32, pg_sys::Oid::from(opno.value() as u32), kind.value() as i32);
            if kind == KIND_NO_LIMIT {
                scan.no_limit = true;
                continue;
            }
            if kind == KIND_KEYS {
                let Some(local_column) = const_value(entry[3]) else { continue };
                let source =
                    crate::keys::KeySource { column: attno, table: opno, local_column: local_column.value() as i32 };
                if explain_only {
                    scan.lines.extend(crate::keys::describe(&source, relid));
                } else if let Some(read) = crate::keys::read(&source, relid) {
                    scan.lines.push(read.line);
                    scan.joined.extend(read.qual);
                }
                continue;
            }
            let expr = entry[3];
            if expr.is_null() || econtext.is_null() {
                continue;
            }
            let field = pg_sys::get_attname(relid, attno as pg_sys::AttrNumber, true);
            let operator = pg_sys::get_opname(opno);
            if field.is_null() || operator.is_null() {
                continue;
            }
            let (Ok(field), Ok(operator)) = (CStr::from_ptr(field).to_str(), CStr::from_ptr(operator).to_str())
            else {
                continue;
            };
            let state = pg_sys::ExecInitExpr(expr as *mut pg_sys::Expr, node as *mut pg_sys::PlanState);
            let Some(eval) = (if state.is_null() { None } else { (*state).evalfunc }) else {
                continue;
            };
            let typoid = pg_sys::exprType(expr);
            let value = PgMemoryContexts::For((*econtext).ecxt_per_tuple_memory).switch_to(|_| {
                let mut isnull = false;
                // an ERROR in the expression (a bad interval, say) is the
                // query's, as if Postgres had evaluated it
                let datum = pg_sys::ffi::pg_guard_ffi_boundary(|| eval(state, econtext, &mut isnull));
                if kind == KIND_OP {
                    Cell::from_polymorphic_datum(datum, isnull, typoid).map(Value::Cell)
                } else {
                    supabase_wrappers::qual::form_array_from_datum(datum, isnull, typoid).map(Value::Array)
                }
            });
            // a value the guest cannot be handed (NULL, a type the
            // contract lacks) leaves the clause to Postgres
            let value = match value {
                Some(Value::Cell(c)) => crate::convert::to_guest(&c).ok().map(model::Value::Cell),
                Some(Value::Array(cells)) => cells
                    .iter()
                    .map(crate::convert::to_guest)
                    .collect::<Result<Vec<_>, _>>()
                    .ok()
                    .map(model::Value::Array),
                None => None,
            };
            if let Some(value) = value {
                evaluated.push(model::Qual {
                    field: field.to_owned(),
                    operator: operator.to_owned(),
                    value,
                    use_or: kind == KIND_ANY,
                    param: None,
                });
            }
        }
        Some(ScanQuals { evaluated, clauses, ..scan })
    }
}

//! Row estimates for the planner. The framework offers Postgres no size
//! (a foreign scan looked like one row), so a join of two foreign tables
//! became a nested loop that rescans the inner one for every outer row. A
//! table's size is taken from the last complete scan without quals this
//! backend made of it (a cached count), else [`DEFAULT_ROWS`]; the quals'
//! selectivity (Postgres' own defaults for a table without statistics) is
//! applied on top, so `id = ...` looks like a few rows and a full scan
//! like many.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_int;

use pgrx::pg_sys;

/// The size of a table no scan has counted yet.
pub(crate) const DEFAULT_ROWS: f64 = 1000.0;

thread_local! {
    /// Foreign table oid -> rows its last complete unfiltered scan returned.
    static COUNTED: RefCell<HashMap<u32, f64>> = RefCell::new(HashMap::new());
}

/// A scan of `table_oid` without quals or limit returned `rows` to its end.
pub(crate) fn counted(table_oid: u32, rows: u64) {
    let _ = COUNTED.try_with(|c| c.try_borrow_mut().map(|mut c| c.insert(table_oid, rows as f64)));
}

fn table_rows(table_oid: u32) -> f64 {
    COUNTED.with(|c| c.borrow().get(&table_oid).copied()).unwrap_or(DEFAULT_ROWS)
}

/// Sets the relation's row estimate (after the framework sized it).
pub(crate) unsafe fn set_rows(root: *mut pg_sys::PlannerInfo, baserel: *mut pg_sys::RelOptInfo, table: pg_sys::Oid) {
    if root.is_null() || baserel.is_null() {
        return;
    }
    // SAFETY: Postgres passes the relation being planned; the selectivity
    // of its restriction clauses is Postgres' own estimate.
    unsafe {
        let relid = c_int::try_from((*baserel).relid).unwrap_or(0);
        let selectivity = pg_sys::clauselist_selectivity(
            root,
            (*baserel).baserestrictinfo,
            relid,
            pg_sys::JoinType::JOIN_INNER,
            std::ptr::null_mut(),
        );
        (*baserel).rows = pg_sys::clamp_row_est(table_rows(table.to_u32()) * selectivity);
    }
}

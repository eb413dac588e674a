//! Join keys read from a small local table: a join of a local table of
//! ids with a foreign table (`bench_ids b join clerk.users u on u.id =
//! b.user_id`) costs a request per 100 ids instead of a scan of the whole
//! foreign table.
//!
//! Postgres joins a local table with a foreign one by scanning the foreign
//! table whole (a hash join) or once per local row (a nested loop, which
//! our row estimates avoid); it never hands the scan the other side's
//! values. So the host reads them itself:
//!
//! - **planning** ([`plan_entries`], from our `GetForeignPlan`): for each
//!   equivalence class that makes a text column of the foreign table equal
//!   to a column of a plain local table of at most [`MAX_LOCAL_ROWS`]
//!   estimated rows (an inner join or a semi-join: `join ... on`, `where
//!   ... = ...`, `in (select ...)`), the plan's `fdw_exprs` keep the pair
//!   of columns;
//! - **execution** ([`read`], from our `BeginForeignScan`, never for plain
//!   EXPLAIN): the scan reads that column of the local table through SPI,
//!   as the query's user and with the query's snapshot, at most
//!   [`MAX_LOCAL_ROWS`] rows. With at most [`MAX_KEYS`] distinct values
//!   the guest is handed `column = any(values)` as one more qual (our
//!   guest asks Clerk for them 100 a request); with more, nothing is added
//!   and the scan is what it was.
//!
//! The qual only narrows what is fetched: every row the join can return
//! has its foreign column equal to one of the local column's values, the
//! join condition stays in the plan, and Postgres still checks every row.
//! Not used (the scan is unchanged) when the foreign column could go to
//! NULL under an outer join, when the local table is read with another
//! user's rights (through a view), when the comparison's collation is not
//! deterministic, or for anything but a plain table, a partitioned table
//! or a materialized view with a text or varchar column.

use std::ffi::{c_char, CStr};

use pgrx::is_a;
use pgrx::pg_sys;
use pgrx::prelude::*;
use wasm_host::model;

use crate::quals::list_ptrs;

/// A local table larger than this (the planner's estimate, and the rows
/// read at execution) is not read for keys.
pub(crate) const MAX_LOCAL_ROWS: usize = 10_000;
/// More distinct keys than this and the scan is left as it was (10
/// requests of 100 ids; `clerk_core::catalog::MAX_SPLIT`).
pub(crate) const MAX_KEYS: usize = 1000;

/// A local column whose values the scan's column must equal.
#[derive(Debug, Clone)]
pub(crate) struct KeySource {
    /// The foreign table's column (its number).
    pub column: i32,
    pub table: pg_sys::Oid,
    /// The local table's column (its number).
    pub local_column: i32,
}

/// The pairs of columns the plan keeps: the foreign table's column is a
/// plain Var of `baserel`, the other a plain Var of a small local table,
/// in one equivalence class.
///
/// # Safety
/// `root` and `baserel` are the planner's, during `GetForeignPlan`.
pub(crate) unsafe fn plan_entries(root: *mut pg_sys::PlannerInfo, baserel: *mut pg_sys::RelOptInfo) -> Vec<KeySource> {
    let mut out: Vec<KeySource> = Vec::new();
    // SAFETY: the planner's structures, read only (the caller's promise).
    unsafe {
        if root.is_null() || baserel.is_null() || (*baserel).reloptkind != pg_sys::RelOptKind::RELOPT_BASEREL {
            return out;
        }
        let relid = (*baserel).relid;
        for ec in list_ptrs::<pg_sys::EquivalenceClass>((*root).eq_classes) {
            if ec.is_null()
                || (*ec).ec_has_const
                || (*ec).ec_has_volatile
                || (*ec).ec_below_outer_join
                || (*ec).ec_broken
                || !(*ec).ec_merged.is_null()
                || !deterministic((*ec).ec_collation)
            {
                continue;
            }
            let members = list_ptrs::<pg_sys::EquivalenceMember>((*ec).ec_members);
            let ours = members.iter().find_map(|em| {
                let var = plain_var(*em)?;
                ((*var).varno as u32 == relid && (**em).em_nullable_relids.is_null()).then_some(var)
            });
            let Some(ours) = ours else { continue };
            let local = members.iter().find_map(|em| {
                let var = plain_var(*em)?;
                let varno = usize::try_from((*var).varno).ok()?;
                (varno as u32 != relid).then_some(())?;
                small_local_table(root, varno).map(|table| (table, var))
            });
            let Some((table, local)) = local else { continue };
            let source = KeySource {
                column: i32::from((*ours).varattno),
                table,
                local_column: i32::from((*local).varattno),
            };
            if !out.iter().any(|s| s.column == source.column) {
                out.push(source);
            }
        }
    }
    out
}

/// The member's expression as a plain column of text or varchar (under a
/// binary-compatible cast), not of a child relation.
unsafe fn plain_var(em: *mut pg_sys::EquivalenceMember) -> Option<*mut pg_sys::Var> {
    // SAFETY: a member of a planner's equivalence class (the caller's).
    unsafe {
        if em.is_null() || (*em).em_is_child || (*em).em_is_const {
            return None;
        }
        let mut node = (*em).em_expr as *mut pg_sys::Node;
        while !node.is_null() && is_a(node, pg_sys::NodeTag::T_RelabelType) {
            node = (*(node as *mut pg_sys::RelabelType)).arg as *mut pg_sys::Node;
        }
        if node.is_null() || !is_a(node, pg_sys::NodeTag::T_Var) {
            return None;
        }
        let var = node as *mut pg_sys::Var;
        let text = (*var).vartype == pg_sys::TEXTOID || (*var).vartype == pg_sys::VARCHAROID;
        ((*var).varlevelsup == 0 && (*var).varattno >= 1 && text).then_some(var)
    }
}

/// The table of range-table entry `varno` if it is a plain local table
/// (or a partitioned one, or a materialized view) read with the current
/// user's rights and estimated at most [`MAX_LOCAL_ROWS`] rows.
unsafe fn small_local_table(root: *mut pg_sys::PlannerInfo, varno: usize) -> Option<pg_sys::Oid> {
    // SAFETY: the planner's arrays, indexed within their size.
    unsafe {
        if varno == 0 || varno >= usize::try_from((*root).simple_rel_array_size).ok()? {
            return None;
        }
        let rte = *(*root).simple_rte_array.add(varno);
        let rel = *(*root).simple_rel_array.add(varno);
        if rte.is_null() || rel.is_null() || (*rte).rtekind != pg_sys::RTEKind::RTE_RELATION {
            return None;
        }
        let kind = (*rte).relkind as u8;
        let table = matches!(kind, b'r' | b'p' | b'm');
        let own_rights = (*rte).checkAsUser == pg_sys::InvalidOid;
        let small = (*rel).tuples >= 0.0 && (*rel).tuples <= MAX_LOCAL_ROWS as f64;
        (table && own_rights && small).then_some((*rte).relid)
    }
}

fn deterministic(collation: pg_sys::Oid) -> bool {
    // SAFETY: a catalog lookup of a collation the planner chose.
    collation == pg_sys::InvalidOid || unsafe { pg_sys::get_collation_isdeterministic(collation) }
}

/// What reading one source gave.
pub(crate) struct Read {
    /// The qual for the guest: `None` when there were too many keys.
    pub qual: Option<model::Qual>,
    /// The EXPLAIN line.
    pub line: String,
}

/// The EXPLAIN line of a source that is not read (plain EXPLAIN).
///
/// # Safety
/// In a transaction (catalog lookups).
pub(crate) unsafe fn describe(source: &KeySource, foreign: pg_sys::Oid) -> Option<String> {
    // SAFETY: catalog lookups (the caller's promise).
    let (column, local) = unsafe { names(source, foreign)? };
    Some(format!(
        "Clerk Join Keys: {column} = any (the distinct {local} values, read when the scan starts; up to {MAX_KEYS})"
    ))
}

/// Reads the local column's distinct values.
///
/// # Safety
/// In a running executor (SPI uses its snapshot).
pub(crate) unsafe fn read(source: &KeySource, foreign: pg_sys::Oid) -> Option<Read> {
    // SAFETY: catalog lookups (the caller's promise).
    let (column, local) = unsafe { names(source, foreign)? };
    // SAFETY: as above.
    let (table_sql, column_sql) = unsafe { quoted(source)? };
    // A plain scan that stops after MAX_LOCAL_ROWS + 1 rows: the planner's
    // estimate may be old, and reading must stay cheap.
    let sql = format!(
        "select {column_sql}::text from {table_sql} where {column_sql} is not null limit {}",
        MAX_LOCAL_ROWS + 1
    );
    // An ERROR here (the table dropped concurrently, a permission the
    // query would need too) is the query's, as if Postgres had read it.
    let rows: Result<Vec<String>, pgrx::spi::SpiError> = Spi::connect(|client| {
        let table = client.select(sql.as_str(), None, &[])?;
        let mut rows = Vec::new();
        for row in table {
            if let Some(v) = row.get::<String>(1)? {
                rows.push(v);
            }
        }
        Ok(rows)
    });
    let rows = rows.ok()?;
    let mut keys: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let too_many = rows.len() > MAX_LOCAL_ROWS || {
        for v in rows {
            if seen.insert(v.clone()) {
                keys.push(v);
            }
        }
        keys.len() > MAX_KEYS
    };
    if too_many {
        return Some(Read {
            qual: None,
            line: format!("Clerk Join Keys: not used: {local} has more than {MAX_KEYS} distinct values"),
        });
    }
    let line = format!("Clerk Join Keys: {column} = any ({} distinct {local} values)", keys.len());
    let qual = model::Qual {
        field: column,
        operator: "=".to_owned(),
        value: model::Value::Array(keys.into_iter().map(model::Cell::String).collect()),
        use_or: true,
        param: None,
    };
    Some(Read { qual: Some(qual), line })
}

/// The foreign column's name and `table.column` of the local one.
unsafe fn names(source: &KeySource, foreign: pg_sys::Oid) -> Option<(String, String)> {
    // SAFETY: catalog lookups in a transaction (the caller's promise).
    unsafe {
        let column = text(pg_sys::get_attname(foreign, attno(source.column)?, true))?;
        let table = text(pg_sys::get_rel_name(source.table))?;
        let local = text(pg_sys::get_attname(source.table, attno(source.local_column)?, true))?;
        Some((column, format!("{table}.{local}")))
    }
}

/// The local table's qualified name and column, quoted for SQL.
unsafe fn quoted(source: &KeySource) -> Option<(String, String)> {
    // SAFETY: catalog lookups in a transaction (the caller's promise).
    unsafe {
        let name = pg_sys::get_rel_name(source.table);
        let schema = pg_sys::get_namespace_name(pg_sys::get_rel_namespace(source.table));
        let column = pg_sys::get_attname(source.table, attno(source.local_column)?, true);
        if name.is_null() || schema.is_null() || column.is_null() {
            return None;
        }
        let table = text(pg_sys::quote_qualified_identifier(schema, name))?;
        let column = text(pg_sys::quote_identifier(column) as *mut c_char)?;
        Some((table, column))
    }
}

fn attno(n: i32) -> Option<pg_sys::AttrNumber> {
    pg_sys::AttrNumber::try_from(n).ok()
}

unsafe fn text(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string from a catalog lookup.
    unsafe { CStr::from_ptr(p) }.to_str().ok().map(str::to_owned)
}

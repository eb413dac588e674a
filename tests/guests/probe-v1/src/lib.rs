//! A test guest for the 0.1.0 interfaces (`wit/v1`), standing in for the
//! older guests published by others. It needs no network: `begin-scan`
//! reads the table option `rows` (default 3), and each row echoes what the
//! host handed over, so the SQL tests can see it:
//!
//! - column `id` (bigint): the row number, from 1;
//! - column `name` (text): `row-<n>`;
//! - column `quals` / `sorts` / `lim` (text): the host's deparse of the
//!   quals, sorts and limit of the scan;
//! - column `created_at` (timestamptz / timestamp / date): 2024-01-02T03:04:05Z
//!   plus n seconds (microseconds since the epoch on the wire);
//! - column `ok` (boolean): true;
//! - any other column: NULL.
//!
//! `insert` reports each cell through `utils.cell-to-string` as a NOTICE;
//! `delete` reports the row id; a table option `fail 'message'` makes
//! `begin-scan` return that error, `report_error 'message'` raises it
//! through `utils.report-error`.

mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit/v1",
        world: "wrappers",
    });
}

use std::cell::RefCell;

use bindings::exports::supabase::wrappers::routines::Guest;
use bindings::supabase::wrappers::types::{Cell, Context, FdwError, FdwResult, OptionsType, Row, TypeOid};
use bindings::supabase::wrappers::utils;

#[derive(Default)]
struct State {
    rows: i64,
    next: i64,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

struct Probe;

#[cfg(target_arch = "wasm32")]
bindings::export!(Probe with_types_in bindings);

/// 2024-01-02T03:04:05Z in microseconds since the Unix epoch.
const BASE_US: i64 = 1_704_164_645_000_000;

impl Guest for Probe {
    fn host_version_requirement() -> String {
        "^0.1.0".to_string()
    }

    fn init(_ctx: &Context) -> FdwResult {
        Ok(())
    }

    fn begin_scan(ctx: &Context) -> FdwResult {
        let opts = ctx.get_options(OptionsType::Table);
        if let Some(msg) = opts.get("fail") {
            return Err(msg);
        }
        if let Some(msg) = opts.get("report_error") {
            utils::report_error(&msg);
        }
        let rows = opts
            .get("rows")
            .map(|r| r.parse::<i64>().map_err(|_| format!("table option \"rows\" is not a number: \"{r}\"")))
            .transpose()?
            .unwrap_or(3);
        STATE.with(|s| *s.borrow_mut() = State { rows, next: 0 });
        Ok(())
    }

    fn iter_scan(ctx: &Context, row: &Row) -> Result<Option<u32>, FdwError> {
        let n = STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.next += 1;
            (s.next <= s.rows).then_some(s.next)
        });
        let Some(n) = n else { return Ok(None) };
        for col in ctx.get_columns() {
            let cell = match (col.name().as_str(), col.type_oid()) {
                ("id", TypeOid::I64) => Some(Cell::I64(n)),
                ("id", TypeOid::I32) => Some(Cell::I32(n as i32)),
                ("name", _) => Some(Cell::String(format!("row-{n}"))),
                ("quals", _) => Some(Cell::String(
                    ctx.get_quals().iter().map(|q| q.deparse()).collect::<Vec<_>>().join(" and "),
                )),
                ("sorts", _) => Some(Cell::String(
                    ctx.get_sorts().iter().map(|s| s.deparse()).collect::<Vec<_>>().join(", "),
                )),
                ("lim", _) => ctx.get_limit().map(|l| Cell::String(l.deparse())),
                ("created_at", TypeOid::Timestamptz) => Some(Cell::Timestamptz(BASE_US + n * 1_000_000)),
                ("created_at", TypeOid::Timestamp) => Some(Cell::Timestamp(BASE_US + n * 1_000_000)),
                ("created_at", TypeOid::Date) => Some(Cell::Date(BASE_US / 1_000_000 + n * 86_400)),
                ("ok", _) => Some(Cell::Bool(true)),
                _ => None,
            };
            row.push(cell.as_ref());
        }
        Ok(Some(0))
    }

    fn re_scan(_ctx: &Context) -> FdwResult {
        STATE.with(|s| s.borrow_mut().next = 0);
        Ok(())
    }

    fn end_scan(_ctx: &Context) -> FdwResult {
        Ok(())
    }

    fn begin_modify(_ctx: &Context) -> FdwResult {
        Ok(())
    }

    fn insert(_ctx: &Context, row: &Row) -> FdwResult {
        let cols = row.cols();
        for (name, cell) in cols.iter().zip(row.cells()) {
            utils::report_notice(&format!("insert {name} = {}", utils::cell_to_string(cell.as_ref())));
        }
        Ok(())
    }

    fn update(_ctx: &Context, rowid: Cell, new_row: &Row) -> FdwResult {
        let cols = new_row.cols();
        for (name, cell) in cols.iter().zip(new_row.cells()) {
            utils::report_notice(&format!(
                "update {} set {name} = {}",
                utils::cell_to_string(Some(&rowid)),
                utils::cell_to_string(cell.as_ref())
            ));
        }
        Ok(())
    }

    fn delete(_ctx: &Context, rowid: Cell) -> FdwResult {
        utils::report_notice(&format!("delete {}", utils::cell_to_string(Some(&rowid))));
        Ok(())
    }

    fn end_modify(_ctx: &Context) -> FdwResult {
        Ok(())
    }
}

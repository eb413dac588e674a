//! The exported `routines`: WIT calls in, `clerk_core` and [`Scanner`] do
//! the work. Per-instance state lives in a `thread_local!` `RefCell` (a
//! component instance is single-threaded); no `static mut`.

use std::cell::RefCell;

use clerk_core::{
    fdw_error_redacting, import_foreign_schema, plan_scan, ApiUrl, CoreError, CoreResult,
    ImportStmt, Limit, Qual, ScanInput, Sort, TargetColumn,
};

use crate::bindings::exports::clerk::wrappers_ext::explain::Guest as ExplainGuest;
use crate::bindings::exports::supabase::wrappers::routines::Guest;
use crate::bindings::supabase::wrappers::types::{
    Cell as WitCell, Context, FdwError, FdwResult, ImportForeignSchemaStmt, Options, OptionsType,
    Row,
};
use crate::bindings::supabase::wrappers::{http, stats, time, utils};
use crate::config::{self, OptionLookup};
use crate::convert;
use crate::host::{Host, HttpResponse};
use crate::scan::Scanner;
use crate::{FDW_NAME, HOST_VERSION_REQUIREMENT};

#[derive(Default)]
struct State {
    api_url: Option<ApiUrl>,
    /// Resolved lazily at the first scan: IMPORT FOREIGN SCHEMA and EXPLAIN
    /// need no key and no vault access.
    api_key: Option<String>,
    scan: Option<Scanner>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

pub(crate) struct ClerkFdw;

// Export names such as `supabase:wrappers/routines@0.2.0#init` are not valid
// in a native linker's version script, so the native cdylib (built by
// `cargo test`) exports nothing; the code above still compiles and is
// type-checked there.
#[cfg(target_arch = "wasm32")]
crate::bindings::export!(ClerkFdw with_types_in crate::bindings);

/// The real host, through the WIT imports.
struct WitHost;

impl Host for WitHost {
    fn get(&self, url: &str, headers: &[(String, String)]) -> Result<HttpResponse, String> {
        let req = http::Request {
            method: http::Method::Get,
            url: url.to_string(),
            headers: headers.to_vec(),
            body: String::new(),
        };
        http::get(&req).map(|r| HttpResponse {
            status: r.status_code,
            headers: r.headers,
            body: r.body,
        })
    }

    fn epoch_secs(&self) -> i64 {
        time::epoch_secs()
    }

    fn sleep_ms(&self, ms: u64) {
        time::sleep(ms);
    }

    fn add_bytes_in(&self, bytes: i64) {
        stats::inc_stats(FDW_NAME, stats::Metric::BytesIn, bytes);
    }
}

/// Server options plus the vault, through the WIT imports.
struct ServerOptions(Options);

impl OptionLookup for ServerOptions {
    fn option(&self, key: &str) -> Option<String> {
        self.0.get(key)
    }

    fn vault_secret(&self, id_or_name: &str) -> Option<String> {
        utils::get_vault_secret(id_or_name).or_else(|| utils::get_vault_secret_by_name(id_or_name))
    }
}

fn to_fdw(err: &CoreError, key: Option<&str>) -> FdwError {
    fdw_error_redacting(err, key)
}

fn with_state<T>(f: impl FnOnce(&mut State) -> CoreResult<T>) -> Result<T, FdwError> {
    STATE.with(|cell| {
        let mut state = cell.borrow_mut();
        let result = f(&mut state);
        result.map_err(|e| to_fdw(&e, state.api_key.as_deref()))
    })
}

fn table_object(ctx: &Context) -> CoreResult<String> {
    ctx.get_options(&OptionsType::Table)
        .get("object")
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .ok_or(CoreError::MissingOption { kind: "table", option: "object".into() })
}

fn scan_input(ctx: &Context, object: String) -> ScanInput {
    let columns = ctx
        .get_columns()
        .iter()
        .map(|c| TargetColumn::new(c.name(), convert::sql_type_from_wit(c.type_oid())))
        .collect();
    let quals = ctx
        .get_quals()
        .iter()
        .filter_map(|q| {
            Some(Qual {
                field: q.field(),
                operator: q.operator(),
                value: convert::qual_value_from_wit(q.value())?,
                use_or: q.use_or(),
                // `$n` parameters of prepared statements (id >= 1) are
                // evaluated before begin-scan on every host, so they push
                // down like literals; executor parameters (id 0, e.g. from
                // a subquery) may still hold a placeholder on some hosts.
                is_param: q.param().is_some_and(|p| p.id == 0),
            })
        })
        .collect();
    let sorts = ctx
        .get_sorts()
        .iter()
        .map(|s| Sort { field: s.field(), reversed: s.reversed(), nulls_first: s.nulls_first() })
        .collect();
    let limit = ctx.get_limit().map(|l| Limit { count: l.count(), offset: l.offset() });
    ScanInput { object, columns, quals, sorts, limit, push_params: false }
}

fn end_scan_stats(state: &mut State) {
    if let Some(scan) = state.scan.as_mut() {
        let (rows_in, rows_out) = scan.take_counts();
        if rows_in > 0 {
            stats::inc_stats(FDW_NAME, stats::Metric::RowsIn, rows_in);
        }
        if rows_out > 0 {
            stats::inc_stats(FDW_NAME, stats::Metric::RowsOut, rows_out);
        }
    }
}

impl Guest for ClerkFdw {
    fn host_version_requirement() -> String {
        HOST_VERSION_REQUIREMENT.to_string()
    }

    fn init(ctx: &Context) -> FdwResult {
        stats::inc_stats(FDW_NAME, stats::Metric::CreateTimes, 1);
        with_state(|state| {
            *state = State::default();
            let opts = ServerOptions(ctx.get_options(&OptionsType::Server));
            state.api_url = Some(config::api_url(&opts)?);
            Ok(())
        })
    }

    fn begin_scan(ctx: &Context) -> FdwResult {
        with_state(|state| {
            end_scan_stats(state);
            state.scan = None;
            let object = table_object(ctx)?;
            let plan = plan_scan(&scan_input(ctx, object))?;
            let base = match &state.api_url {
                Some(u) => u.clone(),
                None => config::api_url(&ServerOptions(ctx.get_options(&OptionsType::Server)))?,
            };
            let key = match &state.api_key {
                Some(k) => k.clone(),
                None => {
                    let k = config::api_key(&ServerOptions(ctx.get_options(&OptionsType::Server)))?;
                    state.api_key = Some(k.clone());
                    k
                }
            };
            let mut scanner = Scanner::new(plan, base, &key);
            let first = scanner.prefetch(&WitHost);
            state.scan = Some(scanner);
            first
        })
    }

    fn iter_scan(_ctx: &Context, row: &Row) -> Result<Option<u32>, FdwError> {
        with_state(|state| {
            let scan = state
                .scan
                .as_mut()
                .ok_or_else(|| CoreError::Internal("iter-scan called before begin-scan".into()))?;
            match scan.next_row(&WitHost)? {
                None => Ok(None),
                Some(cells) => {
                    // One cell per target column, in `get-columns()` order:
                    // the projection was built from that same list.
                    for cell in cells {
                        let wit: Option<WitCell> = cell.map(convert::cell_to_wit);
                        row.push(wit.as_ref());
                    }
                    Ok(Some(0))
                }
            }
        })
    }

    fn re_scan(_ctx: &Context) -> FdwResult {
        with_state(|state| {
            if let Some(scan) = state.scan.as_mut() {
                scan.rescan();
            }
            Ok(())
        })
    }

    fn end_scan(_ctx: &Context) -> FdwResult {
        with_state(|state| {
            end_scan_stats(state);
            state.scan = None;
            Ok(())
        })
    }

    fn begin_modify(ctx: &Context) -> FdwResult {
        with_state(|_| {
            let object = table_object(ctx)?;
            clerk_core::lookup(&object)?;
            Ok(())
        })
    }

    fn insert(ctx: &Context, _row: &Row) -> FdwResult {
        not_supported(ctx, "insert")
    }

    fn update(ctx: &Context, _rowid: WitCell, _new_row: &Row) -> FdwResult {
        not_supported(ctx, "update")
    }

    fn delete(ctx: &Context, _rowid: WitCell) -> FdwResult {
        not_supported(ctx, "delete")
    }

    fn end_modify(_ctx: &Context) -> FdwResult {
        Ok(())
    }

    fn import_foreign_schema(
        _ctx: &Context,
        stmt: ImportForeignSchemaStmt,
    ) -> Result<Vec<String>, FdwError> {
        let stmt = ImportStmt {
            server_name: stmt.server_name,
            remote_schema: stmt.remote_schema,
            local_schema: stmt.local_schema,
            list_type: convert::list_type_from_wit(stmt.list_type),
            table_list: stmt.table_list,
        };
        Ok(import_foreign_schema(&stmt))
    }
}

/// `clerk:wrappers-ext/explain`: the requests `begin-scan` would make with
/// this context, planned exactly as `begin-scan` plans them, without the
/// API key and without any request.
impl ExplainGuest for ClerkFdw {
    fn explain(ctx: &Context) -> Result<Vec<String>, FdwError> {
        with_state(|state| {
            let object = table_object(ctx)?;
            let input = scan_input(ctx, object);
            let plan = plan_scan(&input)?;
            let base = match &state.api_url {
                Some(u) => u.clone(),
                None => config::api_url(&ServerOptions(ctx.get_options(&OptionsType::Server)))?,
            };
            Ok(clerk_core::explain::describe(&input, &plan, &base))
        })
    }
}

fn not_supported(ctx: &Context, operation: &'static str) -> FdwResult {
    with_state(|_| {
        let object = table_object(ctx)?;
        Err(CoreError::NotSupported { operation, object })
    })
}

//! The exported `routines`: WIT calls in, `clerk_core` and [`Scanner`] do
//! the work. Per-instance state lives in a `thread_local!` `RefCell` (a
//! component instance is single-threaded); no `static mut`.

use std::cell::RefCell;

use clerk_core::returning::Answers;
use clerk_core::{
    fdw_error_redacting, import_foreign_schema, plan_scan, write, ApiUrl, CoreError, CoreResult,
    ImportStmt, Limit, ObjectSpec, Qual, ScanInput, Sort, TargetColumn,
};

use crate::bindings::exports::clerk::wrappers_ext::explain::Guest as ExplainGuest;
use crate::bindings::exports::clerk::wrappers_ext::returning::Guest as ReturningGuest;
use crate::bindings::exports::supabase::wrappers::routines::Guest;
use crate::bindings::supabase::wrappers::types::{
    Cell as WitCell, Context, FdwError, FdwResult, ImportForeignSchemaStmt, Options, OptionsType,
    Row,
};
use crate::bindings::supabase::wrappers::{http, stats, time, utils};
use crate::config::{self, OptionLookup};
use crate::convert;
use crate::host::{Host, HttpResponse, Method};
use crate::scan::{request_headers, Scanner};
use crate::{FDW_NAME, HOST_VERSION_REQUIREMENT};

#[derive(Default)]
struct State {
    api_url: Option<ApiUrl>,
    /// Resolved lazily at the first scan: IMPORT FOREIGN SCHEMA and EXPLAIN
    /// need no key and no vault access.
    api_key: Option<String>,
    scan: Option<Scanner>,
    modify: Option<Modify>,
}

/// The INSERT, UPDATE or DELETE statement being run.
struct Modify {
    spec: &'static ObjectSpec,
    /// Rows this statement wrote so far (for the message if one fails).
    written: u64,
    /// The answers to the last row's write, for `returning.last-row`.
    last: Option<Answers>,
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

    fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(String, String)],
        body: &str,
    ) -> Result<HttpResponse, String> {
        let req = http::Request {
            method: match method {
                Method::Post => http::Method::Post,
                Method::Patch => http::Method::Patch,
                Method::Put => http::Method::Put,
                Method::Delete => http::Method::Delete,
            },
            url: url.to_string(),
            headers: headers.to_vec(),
            body: body.to_string(),
        };
        let resp = match method {
            Method::Post => http::post(&req),
            Method::Patch => http::patch(&req),
            Method::Put => http::put(&req),
            Method::Delete => http::delete(&req),
        };
        resp.map(|r| HttpResponse { status: r.status_code, headers: r.headers, body: r.body })
    }

    #[cfg(feature = "concurrent")]
    fn start_get(&self, url: &str, headers: &[(String, String)]) -> Option<u32> {
        use crate::bindings::clerk::wrappers_ext::http_concurrent;
        let req = http::Request {
            method: http::Method::Get,
            url: url.to_string(),
            headers: headers.to_vec(),
            body: String::new(),
        };
        http_concurrent::start(&req)
    }

    #[cfg(feature = "concurrent")]
    fn wait(&self, handle: u32) -> Result<HttpResponse, String> {
        use crate::bindings::clerk::wrappers_ext::http_concurrent;
        http_concurrent::wait(handle).map(|r| HttpResponse { status: r.status_code, headers: r.headers, body: r.body })
    }

    #[cfg(feature = "concurrent")]
    fn abandon(&self, handle: u32) {
        crate::bindings::clerk::wrappers_ext::http_concurrent::abandon(handle);
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
        scan.close(&WitHost);
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
            let (base, key) = ensure_connection(state, ctx)?;
            let concurrency = config::concurrency(&ServerOptions(ctx.get_options(&OptionsType::Server)), &key)?;
            let mut scanner = Scanner::new(plan, base, &key).with_concurrency(concurrency);
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
        with_state(|state| {
            state.modify = None;
            let spec = clerk_core::lookup(&table_object(ctx)?)?;
            let w = &spec.writes;
            if w.insert.is_none() && w.update.is_none() && w.delete.is_none() {
                return Err(CoreError::NotWritable {
                    table: spec.table,
                    operation: "insert, update or delete",
                    allowed: write::allowed_ops(spec),
                });
            }
            ensure_connection(state, ctx)?;
            state.modify = Some(Modify { spec, written: 0, last: None });
            Ok(())
        })
    }

    fn insert(_ctx: &Context, row: &Row) -> FdwResult {
        with_state(|state| {
            let cells = row_cells(row)?;
            run_write(state, write::WriteKind::Insert, |spec| {
                let request = write::plan_insert(spec, &cells)?;
                // the parent the row is created in (a column its answer may lack)
                let parent = write::write_op(spec, write::WriteKind::Insert)?.path_column.and_then(|column| {
                    let (_, value) = cells.iter().find(|(c, _)| c == column)?;
                    Some((column, value.as_ref()?.as_text()?.to_string()))
                });
                Ok((vec![request], parent.into_iter().collect()))
            })
        })
    }

    fn update(_ctx: &Context, rowid: WitCell, new_row: &Row) -> FdwResult {
        with_state(|state| {
            let cells = row_cells(new_row)?;
            let rowid = rowid_cell(rowid)?;
            run_write(state, write::WriteKind::Update, |spec| {
                Ok((write::plan_update(spec, &rowid, &cells)?, rowid_bound(spec, &rowid)))
            })
        })
    }

    fn delete(_ctx: &Context, rowid: WitCell) -> FdwResult {
        with_state(|state| {
            let rowid = rowid_cell(rowid)?;
            run_write(state, write::WriteKind::Delete, |spec| {
                Ok((vec![write::plan_delete(spec, &rowid)?], rowid_bound(spec, &rowid)))
            })
        })
    }

    fn end_modify(_ctx: &Context) -> FdwResult {
        with_state(|state| {
            state.modify = None;
            Ok(())
        })
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

/// `clerk:wrappers-ext/returning`: the row the last write was answered
/// with, for RETURNING, decoded with the context's columns exactly as a
/// scan decodes them (see [`clerk_core::returning`]). No request.
impl ReturningGuest for ClerkFdw {
    fn last_row(ctx: &Context, row: &Row) -> Result<bool, FdwError> {
        with_state(|state| {
            let Some(modify) = state.modify.as_ref() else {
                return Err(CoreError::Internal("last-row called outside an insert, update or delete".into()));
            };
            let Some(answers) = modify.last.as_ref() else {
                return Ok(false);
            };
            let columns: Vec<TargetColumn> = ctx
                .get_columns()
                .iter()
                .map(|c| TargetColumn::new(c.name(), convert::sql_type_from_wit(c.type_oid())))
                .collect();
            let Some(cells) = answers.row(modify.spec, &columns)? else {
                return Ok(false);
            };
            for cell in cells {
                let wit: Option<WitCell> = cell.map(convert::cell_to_wit);
                row.push(wit.as_ref());
            }
            Ok(true)
        })
    }
}

/// Resolves the API url and key once per instance (see [`State`]).
fn ensure_connection(state: &mut State, ctx: &Context) -> CoreResult<(ApiUrl, String)> {
    let opts = || ServerOptions(ctx.get_options(&OptionsType::Server));
    let base = match &state.api_url {
        Some(u) => u.clone(),
        None => {
            let u = config::api_url(&opts())?;
            state.api_url = Some(u.clone());
            u
        }
    };
    let key = match &state.api_key {
        Some(k) => k.clone(),
        None => {
            let k = config::api_key(&opts())?;
            state.api_key = Some(k.clone());
            k
        }
    };
    Ok((base, key))
}

/// The row's (column, cell) pairs; a value the guest cannot read is an
/// error, never silently dropped.
fn row_cells(row: &Row) -> CoreResult<Vec<(String, Option<clerk_core::Cell>)>> {
    row.cols()
        .into_iter()
        .zip(row.cells())
        .map(|(col, cell)| match cell {
            None => Ok((col, None)),
            Some(c) => convert::cell_from_wit(c).map(|c| (col.clone(), Some(c))).ok_or_else(|| {
                CoreError::Internal(format!("column \"{col}\" holds a value the clerk wrapper cannot send"))
            }),
        })
        .collect()
}

/// The row id as the value a column of the answer defaults to.
fn rowid_bound(spec: &'static ObjectSpec, rowid: &clerk_core::Cell) -> Vec<(&'static str, String)> {
    match (spec.rowid, rowid.as_text()) {
        (Some(column), Some(id)) => vec![(column, id.to_string())],
        _ => Vec::new(),
    }
}

fn rowid_cell(rowid: WitCell) -> CoreResult<clerk_core::Cell> {
    convert::cell_from_wit(rowid).ok_or_else(|| CoreError::Internal("the row id has a type the clerk wrapper cannot send".into()))
}

/// A row's write requests and the values they were made for (see
/// [`Answers::new`]).
type Planned = (Vec<write::WriteRequest>, Vec<(&'static str, String)>);

/// Plans one row's write, sends its requests in order (never retried),
/// checks each answer and keeps the answers for `returning.last-row`.
fn run_write(
    state: &mut State,
    kind: write::WriteKind,
    plan: impl FnOnce(&'static ObjectSpec) -> CoreResult<Planned>,
) -> CoreResult<()> {
    let (Some(modify), Some(base), Some(key)) = (state.modify.as_mut(), &state.api_url, &state.api_key) else {
        return Err(CoreError::Internal("a write came before begin-modify".into()));
    };
    modify.last = None;
    let headers = request_headers(key);
    let (requests, bound) = plan(modify.spec)?;
    let mut answers = Answers::new(bound);
    for req in requests {
        let url = base.url(&req.path, &[]);
        let resp = WitHost
            .send(req.method, &url, &headers, req.body.as_deref().unwrap_or(""))
            .map_err(CoreError::Transport)?;
        write::check_response(modify.spec, kind, resp.status, &resp.body, modify.written)?;
        answers.push(resp.body);
    }
    modify.written += 1;
    modify.last = Some(answers);
    Ok(())
}

/// `clerk:wrappers-ext/count`: `count(*)` of a scan in one request, when
/// Clerk counts exactly the rows the scan would return
/// (`clerk_core::count`); sent like a scan's request (same headers, same
/// 429 retries), as a one-object fetch reading `total_count`.
impl crate::bindings::exports::clerk::wrappers_ext::count::Guest for ClerkFdw {
    fn plan_count(ctx: &Context) -> Result<Option<Vec<String>>, FdwError> {
        with_state(|state| {
            let input = scan_input(ctx, table_object(ctx)?);
            let Some(count) = clerk_core::count::plan_count(&input)? else {
                return Ok(None);
            };
            let base = match &state.api_url {
                Some(u) => u.clone(),
                None => config::api_url(&ServerOptions(ctx.get_options(&OptionsType::Server)))?,
            };
            Ok(Some(clerk_core::count::describe(&input, &count, &base)))
        })
    }

    fn count(ctx: &Context) -> Result<u64, FdwError> {
        use clerk_core::count::{plan_count, CountPlan};
        with_state(|state| {
            let input = scan_input(ctx, table_object(ctx)?);
            let request = match plan_count(&input)? {
                Some(CountPlan::Request(r)) => r,
                Some(CountPlan::Zero) => return Ok(0),
                None => {
                    return Err(CoreError::Internal(
                        "count(*) of this scan cannot be answered exactly by one request".into(),
                    ))
                }
            };
            let (base, key) = ensure_connection(state, ctx)?;
            let mut scanner = Scanner::new(request.fetch_plan(), base, &key);
            let row = scanner.next_row(&WitHost)?;
            request.read(row)
        })
    }
}

/// `clerk:wrappers-ext/modify`: a write statement refused while it is
/// planned, from the same catalog entries its rows would be written by
/// (`clerk_core::write::check_columns`). No I/O.
impl crate::bindings::exports::clerk::wrappers_ext::modify::Guest for ClerkFdw {
    fn plan_modify(
        ctx: &Context,
        op: crate::bindings::exports::clerk::wrappers_ext::modify::Operation,
        columns: Vec<String>,
    ) -> FdwResult {
        use crate::bindings::exports::clerk::wrappers_ext::modify::Operation;
        let kind = match op {
            Operation::Insert => write::WriteKind::Insert,
            Operation::Update => write::WriteKind::Update,
            Operation::Delete => write::WriteKind::Delete,
        };
        with_state(|_| {
            let spec = clerk_core::lookup(&table_object(ctx)?)?;
            write::check_columns(spec, kind, &columns)
        })
    }
}

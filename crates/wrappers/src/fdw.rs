//! `WasmFdw`: the framework's `ForeignDataWrapper` for Wasm guests, i.e.
//! the SQL functions `wasm_fdw_handler`, `wasm_fdw_validator` and
//! `wasm_fdw_meta`. Postgres values are converted here (`crate::convert`);
//! everything about the guest itself lives in `crate::runtime`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use pgrx::pg_sys;
use pgrx::AllocatedByRust;
use supabase_wrappers::prelude::*;

use crate::convert;
use crate::error::{FdwError, FdwResult};
use wasm_host::explain::RequestLog;
use wasm_host::{HostError, HostResult};
use wasm_host::host::http::{HttpConfig, OutboundPolicy};
use wasm_host::host::HostState;
use wasm_host::model::{self, ImportListType, ImportStmt, RowData};
use wasm_host::package;
use wasm_host::runtime::{self, GuestInstance};
use crate::services::PgServices;

/// Downloaded packages, relative to the data directory (the backend's cwd).
const CACHE_DIR: &str = "wasm_fdw_cache";

#[wrappers_fdw(
    version = "0.1.5",
    author = "Clerk Wrapper",
    website = "https://github.com/supabase/wrappers/tree/main/wrappers/src/fdw/wasm_fdw",
    error_type = "FdwError"
)]
pub(crate) struct WasmFdw {
    guest: GuestInstance,
    /// Postgres type of each target column of the current scan.
    target_oids: Vec<pg_sys::Oid>,
    /// Set when the scan is a pushed `count(*)` (see `crate::count`).
    count: crate::count::CountRows,
    /// The scan's quals beyond the framework's, and its clause count (see
    /// `crate::quals`), kept for a re-scan's `begin_scan`.
    scan_quals: crate::quals::ScanQuals,
    /// Rows of the current scan so far, whether it reached its end, and
    /// whether it had neither quals nor limit: a complete count of the
    /// table for the planner's estimates (`crate::estimate`).
    scanned: u64,
    scan_done: bool,
    unfiltered: bool,
}

fn required<'a>(opts: &'a HashMap<String, String>, name: &'static str) -> HostResult<&'a str> {
    opts.get(name)
        .map(String::as_str)
        .ok_or(HostError::MissingOption(name))
}

/// A whole number option from 1 to `max`, else `default` when not set.
fn number_option(opts: &HashMap<String, String>, name: &str, default: u64, max: u64) -> HostResult<u64> {
    match opts.get(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| HostError::InvalidOption {
                name: name.to_owned(),
                reason: format!("\"{v}\" is not a whole number from 1 to {max}"),
                hint: format!("set {name} to a whole number from 1 to {max}, e.g. {default}"),
            }),
    }
}

/// Upper bounds of the HTTP options: 10 minutes to connect, an hour per
/// request, 1 GiB per response (a response is held in memory whole).
const MAX_CONNECT_TIMEOUT_MS: u64 = 600_000;
const MAX_REQUEST_TIMEOUT_MS: u64 = 3_600_000;
const MAX_RESPONSE_BYTES: u64 = 1 << 30;

fn http_config(opts: &HashMap<String, String>) -> HostResult<HttpConfig> {
    let d = HttpConfig::default();
    Ok(HttpConfig {
        connect_timeout_ms: number_option(opts, "http_connect_timeout_ms", d.connect_timeout_ms, MAX_CONNECT_TIMEOUT_MS)?,
        request_timeout_ms: number_option(opts, "http_timeout_ms", d.request_timeout_ms, MAX_REQUEST_TIMEOUT_MS)?,
        max_response_bytes: number_option(opts, "http_max_response_bytes", d.max_response_bytes, MAX_RESPONSE_BYTES)?,
    })
}

/// Checks what can be checked without loading the package.
fn validate_server_options(opts: &HashMap<String, String>) -> HostResult<()> {
    let url = required(opts, "fdw_package_url")?;
    required(opts, "fdw_package_name")?;
    required(opts, "fdw_package_version")?;
    let source = package::Source::parse(url)?;
    match (opts.get("fdw_package_checksum"), source) {
        (Some(c), _) => {
            package::normalize_checksum(c)?;
        }
        (None, package::Source::Http(_)) => {
            return Err(HostError::MissingOption("fdw_package_checksum"))
        }
        (None, package::Source::File(_)) => {}
    }
    http_config(opts)?;
    number_option(
        opts,
        runtime::MEMORY_LIMIT_OPTION,
        runtime::MEMORY_LIMIT_DEFAULT_MB,
        runtime::MEMORY_LIMIT_MAX_MB,
    )?;
    // where the package may connect (wasm_host::host::outbound)
    let policy = OutboundPolicy::from_server_options(opts)?;
    policy.check_server_urls(opts)?;
    Ok(())
}

/// A user mapping may hold credentials (`api_key`, `api_key_id`, ...),
/// never what only the server's owner decides (the package, where it may
/// connect).
fn validate_user_mapping_options(opts: &HashMap<String, String>) -> HostResult<()> {
    match opts.keys().find(|k| wasm_host::host::is_server_only_option(k)) {
        Some(name) => Err(HostError::InvalidOption {
            name: name.clone(),
            reason: "it can only be set on the server, not in a user mapping".into(),
            hint: "set it with ALTER SERVER ... OPTIONS; a user mapping holds credentials such as api_key or api_key_id".into(),
        }),
        None => Ok(()),
    }
}

pub(crate) fn to_model_quals(quals: &[Qual]) -> (Vec<model::Qual>, bool) {
    let mut out = Vec::with_capacity(quals.len());
    let mut dropped = false;
    for q in quals {
        // A parameter the executor could not evaluate still holds the
        // planner's placeholder value: never hand that to the guest.
        if let Some(p) = &q.param {
            let evaluated = p.eval_value.lock().map(|v| v.is_some()).unwrap_or(false);
            if !evaluated {
                dropped = true;
                continue;
            }
        }
        let value = match &q.value {
            Value::Cell(c) => convert::to_guest(c).map(model::Value::Cell),
            Value::Array(cells) => cells
                .iter()
                .map(convert::to_guest)
                .collect::<HostResult<Vec<_>>>()
                .map(model::Value::Array),
        };
        match value {
            Ok(value) => out.push(model::Qual {
                field: q.field.clone(),
                operator: q.operator.clone(),
                value,
                use_or: q.use_or,
                param: q.param.as_ref().map(|p| model::Param {
                    id: p.id as u32,
                    type_oid: p.type_oid.to_u32(),
                }),
            }),
            // Postgres re-checks every qual, so one the guest cannot see is
            // only a missed optimisation...
            Err(_) => dropped = true,
        }
    }
    (out, dropped)
}

fn to_guest_row(row: &Row) -> HostResult<RowData> {
    let cells = row
        .cells
        .iter()
        .map(|c| c.as_ref().map(convert::to_guest).transpose())
        .collect::<HostResult<Vec<_>>>()?;
    Ok(RowData {
        cols: row.cols.clone(),
        cells,
    })
}

impl WasmFdw {
    fn host(&mut self) -> &mut HostState {
        self.guest.host()
    }

    /// After a write of a statement with RETURNING (our `ExecForeign*`
    /// left the columns it reads, see `crate::returning`): the guest's
    /// `last-row`, converted as a scan's cells are, handed back.
    fn answer_returning(&mut self) -> FdwResult<()> {
        let Some(wanted) = crate::returning::take_wanted() else {
            return Ok(());
        };
        self.host().columns = wanted
            .iter()
            .map(|w| model::Column {
                name: w.name.clone(),
                num: u32::try_from(w.attnum).unwrap_or(0),
                type_oid: convert::type_oid_of(w.type_oid),
            })
            .collect();
        let answer = self.guest.last_row();
        self.host().columns = Vec::new();
        let data = match answer? {
            // planning refuses RETURNING for such a guest; a plan made for
            // another package is refused here
            None => {
                let oid = self.host().table_opts.get("wrappers.ftable_oid").and_then(|o| o.parse::<u32>().ok());
                let table = oid.map_or_else(String::new, |o| crate::returning::relation_name(pg_sys::Oid::from(o)));
                return Err(crate::returning::unsupported(&table).into());
            }
            Some(None) => {
                crate::returning::answered(None);
                return Ok(());
            }
            Some(Some(data)) => data,
        };
        let cells = data
            .cells
            .into_iter()
            .zip(&wanted)
            .map(|(cell, w)| cell.map(|c| convert::from_guest(c, &w.name, w.type_oid)).transpose())
            .collect::<HostResult<Vec<_>>>()?;
        crate::returning::answered(Some(cells));
        Ok(())
    }
}

/// A catalog options list (`DefElem`s) as a map.
pub(crate) fn options_of(list: *mut pg_sys::List) -> HashMap<String, String> {
    // SAFETY: a catalog options list of DefElem nodes (or NIL).
    unsafe {
        pgrx::PgList::<pg_sys::DefElem>::from_pg(list)
            .iter_ptr()
            .map(|def| {
                let name = std::ffi::CStr::from_ptr((*def).defname).to_string_lossy().into_owned();
                let value = std::ffi::CStr::from_ptr(pg_sys::defGetString(def)).to_string_lossy().into_owned();
                (name, value)
            })
            .collect()
    }
}

/// The options of a foreign table's server, and the table's own.
pub(crate) fn table_and_server_options(
    foreigntableid: pg_sys::Oid,
) -> (HashMap<String, String>, HashMap<String, String>) {
    // SAFETY: catalog lookups of an existing foreign table (the planner
    // holds a lock on it); an unknown oid raises Postgres' own ERROR.
    unsafe {
        let table = pg_sys::GetForeignTable(foreigntableid);
        let server = pg_sys::GetForeignServer((*table).serverid);
        (options_of((*server).options), options_of((*table).options))
    }
}

/// The optional exports of the package a foreign table's server names
/// (compiled into this backend's cache if needed, not instantiated).
pub(crate) fn table_extensions(foreigntableid: pg_sys::Oid) -> FdwResult<runtime::Extensions> {
    let (opts, _) = table_and_server_options(foreigntableid);
    validate_server_options(&opts)?;
    let url = required(&opts, "fdw_package_url")?;
    let pkg = package::load(url, opts.get("fdw_package_checksum").map(String::as_str), Path::new(CACHE_DIR))?;
    Ok(runtime::extensions(url, &pkg.sha256, &pkg.bytes, Some(Path::new(CACHE_DIR)))?)
}

/// A guest of the server with these options, for a question asked while a
/// statement is planned: `None` when it lacks what `wanted` looks for
/// (then not even `init` is called). It makes no request: its client is a
/// default one, never used.
pub(crate) fn planning_guest(
    server_opts: &HashMap<String, String>,
    wanted: fn(&GuestInstance) -> bool,
) -> HostResult<Option<GuestInstance>> {
    let url = required(server_opts, "fdw_package_url")?;
    let pkg = package::load(url, server_opts.get("fdw_package_checksum").map(String::as_str), Path::new(CACHE_DIR))?;
    let http = runtime::http_client(HttpConfig::default());
    let host = HostState::new(server_opts.clone(), http, Box::new(PgServices::new()));
    let mut guest = runtime::instantiate(url, &pkg.sha256, &pkg.bytes, host, Some(Path::new(CACHE_DIR)))?;
    if !wanted(&guest) {
        return Ok(None);
    }
    guest.check_host_version()?;
    guest.init()?;
    Ok(Some(guest))
}

impl ForeignDataWrapper<FdwError> for WasmFdw {
    fn new(server: ForeignServer) -> FdwResult<Self> {
        let opts = server.options;
        validate_server_options(&opts)?;
        let url = required(&opts, "fdw_package_url")?.to_owned();
        let pkg = package::load(
            &url,
            opts.get("fdw_package_checksum").map(String::as_str),
            Path::new(CACHE_DIR),
        )?;
        let http = runtime::http_client(http_config(&opts)?);
        let mut host = HostState::new(opts, http, Box::new(PgServices::new()));
        // the current role's user mapping (or PUBLIC's) over the server's
        host.add_user_mapping_options(crate::services::user_mapping_options(server.server_oid));
        let mut guest =
            runtime::instantiate(&url, &pkg.sha256, &pkg.bytes, host, Some(Path::new(CACHE_DIR)))?;
        guest.check_host_version()?;
        guest.init()?;
        Ok(WasmFdw {
            guest,
            target_oids: Vec::new(),
            count: Default::default(),
            scan_quals: Default::default(),
            scanned: 0,
            scan_done: false,
            unfiltered: false,
        })
    }

    fn begin_scan(
        &mut self,
        quals: &[Qual],
        columns: &[Column],
        sorts: &[Sort],
        limit: &Option<Limit>,
        options: &HashMap<String, String>,
    ) -> FdwResult<()> {
        // Set by our BeginForeignScan when this scan is being explained.
        let explain = crate::explain::take_request();
        if let Some(scan_quals) = crate::quals::take() {
            self.scan_quals = scan_quals;
        }
        let seen = quals.len() + self.scan_quals.evaluated.len();
        let (mut quals, mut dropped) = to_model_quals(quals);
        quals.extend(self.scan_quals.evaluated.iter().cloned());
        // a clause of the plan that no qual stands for (`crate::quals`)
        dropped |= seen < self.scan_quals.clauses;
        // a join's LIMIT is not the scan's, and keys from a local table
        // (`crate::keys`) stand for no clause of the scan
        dropped |= self.scan_quals.no_limit;
        let joined = !self.scan_quals.joined.is_empty();
        quals.extend(self.scan_quals.joined.iter().cloned());
        let host = self.host();
        host.table_opts = options.clone();
        host.quals = quals;
        host.columns = columns
            .iter()
            .map(|c| model::Column {
                name: c.name.clone(),
                num: c.num as u32,
                type_oid: convert::type_oid_of(c.type_oid),
            })
            .collect();
        host.sorts = sorts
            .iter()
            .map(|s| model::Sort {
                field: s.field.clone(),
                field_no: s.field_no as u32,
                reversed: s.reversed,
                nulls_first: s.nulls_first,
                collate: s.collate.clone(),
            })
            .collect();
        // ...but a limit is only safe when the guest sees every qual
        host.limit = if dropped {
            None
        } else {
            limit.as_ref().map(|l| model::Limit {
                count: l.count,
                offset: l.offset,
            })
        };
        self.target_oids = columns.iter().map(|c| c.type_oid).collect();
        let host = self.host();
        let unfiltered = host.limit.is_none() && seen == 0 && self.scan_quals.clauses == 0 && !joined;
        (self.scanned, self.scan_done, self.unfiltered) = (0, false, unfiltered);
        if let Some(request) = explain {
            // `None`: the guest has no `explain` export and is not asked;
            // EXPLAIN then shows the framework's output, as it always did.
            if let Some(mut lines) = self.guest.explain()? {
                lines.extend(self.scan_quals.lines.iter().cloned());
                let log = (!request.explain_only).then(|| {
                    let log = Rc::new(RefCell::new(RequestLog::default()));
                    self.host().request_log = Some(Rc::clone(&log));
                    log
                });
                crate::explain::described(lines, log);
            }
            if request.explain_only {
                // plain EXPLAIN: describe, never fetch
                return Ok(());
            }
        }
        Ok(self.guest.begin_scan()?)
    }

    fn iter_scan(&mut self, row: &mut Row) -> FdwResult<Option<()>> {
        if let Some(more) = self.count.next_row(row) {
            return Ok(more.then_some(()));
        }
        if self.guest.iter_scan()?.is_none() {
            self.scan_done = true;
            return Ok(None);
        }
        self.scanned += 1;
        let data = std::mem::take(&mut self.host().row);
        if data.cells.len() != self.target_oids.len() {
            return Err(HostError::Guest {
                message: format!(
                    "the wasm guest returned {} cells for {} target columns",
                    data.cells.len(),
                    self.target_oids.len()
                ),
                hint: None,
                sqlstate: None,
            }
            .into());
        }
        for ((name, cell), oid) in data.cols.into_iter().zip(data.cells).zip(&self.target_oids) {
            let cell = match cell {
                Some(c) => Some(convert::from_guest(c, &name, *oid)?),
                None => None,
            };
            row.push(&name, cell);
        }
        Ok(Some(()))
    }

    fn re_scan(&mut self) -> FdwResult<()> {
        if self.count.rewind() {
            return Ok(());
        }
        (self.scanned, self.scan_done) = (0, false);
        Ok(self.guest.re_scan()?)
    }

    fn end_scan(&mut self) -> FdwResult<()> {
        if self.count.is_active() {
            // a counted scan never began the guest's scan
            self.host().flush_stats();
            return Ok(());
        }
        if self.scan_done && self.unfiltered {
            let table = self.host().table_opts.get("wrappers.ftable_oid").and_then(|o| o.parse::<u32>().ok());
            if let Some(table) = table {
                crate::estimate::counted(table, self.scanned);
            }
        }
        let r = self.guest.end_scan();
        self.host().flush_stats();
        Ok(r?)
    }

    /// `count(*)` pushdown (`crate::count`): the framework builds the path
    /// only where our GetForeignUpperPaths lets it.
    fn supported_aggregates() -> Vec<AggregateKind> {
        crate::count::supported_aggregates()
    }

    fn get_rel_size(
        quals: &[Qual],
        _columns: &[Column],
        _sorts: &[Sort],
        _limit: &Option<Limit>,
        options: &HashMap<String, String>,
    ) -> FdwResult<(i64, i32)> {
        crate::count::sized(quals, options);
        Ok((0, 0))
    }

    fn begin_aggregate_scan(
        &mut self,
        aggregates: &[Aggregate],
        group_by: &[Column],
        quals: &[Qual],
        options: &HashMap<String, String>,
    ) -> FdwResult<()> {
        self.count = crate::count::begin(&mut self.guest, aggregates, group_by, quals, options)?;
        Ok(())
    }

    fn begin_modify(&mut self, options: &HashMap<String, String>) -> FdwResult<()> {
        self.host().table_opts = options.clone();
        Ok(self.guest.begin_modify()?)
    }

    fn insert(&mut self, row: &Row) -> FdwResult<()> {
        self.host().row = to_guest_row(row)?;
        self.guest.insert()?;
        self.answer_returning()
    }

    fn update(&mut self, rowid: &Cell, new_row: &Row) -> FdwResult<()> {
        let id = convert::to_guest(rowid)?;
        self.host().row = to_guest_row(new_row)?;
        self.guest.update(&id)?;
        self.answer_returning()
    }

    fn delete(&mut self, rowid: &Cell) -> FdwResult<()> {
        let id = convert::to_guest(rowid)?;
        self.guest.delete(&id)?;
        self.answer_returning()
    }

    fn end_modify(&mut self) -> FdwResult<()> {
        let r = self.guest.end_modify();
        self.host().flush_stats();
        Ok(r?)
    }

    fn import_foreign_schema(
        &mut self,
        stmt: ImportForeignSchemaStmt,
    ) -> FdwResult<Vec<String>> {
        self.host().import_opts = stmt.options.clone();
        let model_stmt = ImportStmt {
            server_name: stmt.server_name,
            remote_schema: stmt.remote_schema,
            local_schema: stmt.local_schema,
            list_type: match stmt.list_type {
                ImportSchemaType::FdwImportSchemaAll => ImportListType::All,
                ImportSchemaType::FdwImportSchemaLimitTo => ImportListType::LimitTo,
                ImportSchemaType::FdwImportSchemaExcept => ImportListType::Except,
            },
            table_list: stmt.table_list,
        };
        let r = self.guest.import_foreign_schema(&model_stmt);
        self.host().flush_stats();
        Ok(r?)
    }

    /// Our EXPLAIN (see `crate::explain`) in front of the framework's.
    fn fdw_routine_hook(routine: &mut supabase_wrappers::FdwRoutine<AllocatedByRust>) {
        crate::explain::install(routine);
        // RETURNING (see `crate::returning`)
        crate::returning::install(routine);
        crate::count::install(routine);
        // a write refused at plan time (see `crate::write_check`)
        crate::write_check::install(routine);
        // its callbacks run first (see `crate::quals`)
        crate::quals::install(routine);
        // around everything: a row's datums freed at the next row
        crate::row_memory::install(routine);
    }

    fn validator(options: Vec<Option<String>>, catalog: Option<pg_sys::Oid>) -> FdwResult<()> {
        let opts: HashMap<String, String> = options
            .into_iter()
            .flatten()
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
            })
            .collect();
        match catalog {
            Some(FOREIGN_SERVER_RELATION_ID) => Ok(validate_server_options(&opts)?),
            Some(pg_sys::UserMappingRelationId) => Ok(validate_user_mapping_options(&opts)?),
            _ => Ok(()),
        }
    }
}

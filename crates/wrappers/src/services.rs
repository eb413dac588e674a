//! [`Services`] for a real backend: vault lookups, settings, stats and
//! reports through SPI and ereport, in the calling role and transaction.
//!
//! Stats never make one session wait for another. `inc-stats` and
//! `set-metadata` only add to a per-backend buffer ([`PENDING`]); the buffer
//! is written at the pre-commit of a transaction (normally the one that ran
//! the scan), in a subtransaction per row, only where that cannot wait: the
//! table lock is taken conditionally, each row behind
//! `pg_try_advisory_xact_lock`, with a short `lock_timeout` for anything
//! else. So no stats lock outlives a COMMIT: a session idle in a
//! transaction holds none, and no scan ever waits on one. What cannot be
//! written at a commit (the row or table busy, a read-only or SERIALIZABLE
//! transaction, a rollback) stays buffered for the connection's next one;
//! what is still buffered when the connection ends is lost.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;

use pgrx::pg_sys::panic::{CaughtError, ErrorReport};
use pgrx::prelude::*;
use pgrx::spi::Spi;
use pgrx::PgSqlErrorCode;

use wasm_host::host::{ReportLevel, Services};
use wasm_host::model::Metric;

pub struct PgServices {
    /// Whether this role may keep stats (`wrappers_fdw_stats` exists and is
    /// writable by it); `None` until first asked.
    stats_allowed: Option<bool>,
}

thread_local! {
    /// The "stats are not recorded" warning is given once per backend.
    static WARNED_STATS: Cell<bool> = const { Cell::new(false) };
    /// Likewise the warning for a stats write that failed for another reason
    /// than a busy row.
    static WARNED_WRITE: Cell<bool> = const { Cell::new(false) };
    /// Stats and metadata not yet written, per fdw name, for this backend.
    static PENDING: RefCell<BTreeMap<String, Pending>> = const { RefCell::new(BTreeMap::new()) };
    /// Whether [`stats_xact_callback`] is registered (once per backend).
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// Distinct fdw names buffered at most; a guest inventing names cannot make
/// the buffer grow without bound (further names are not counted).
const MAX_PENDING_NAMES: usize = 64;

/// `lock_timeout` of a stats write: the only waits left are on sessions that
/// do not follow the protocol (say a manual `update` of the table).
const WRITE_LOCK_TIMEOUT: &str = "10ms";

/// One row's worth of not yet written stats.
#[derive(Debug, Clone, Default)]
struct Pending {
    /// Increments in the order of [`METRIC_COLUMNS`]; `None` = untouched.
    metrics: [Option<i64>; 5],
    /// `Some(m)` once `set-metadata` was called: `m` is the new value (JSON
    /// text, `None` for SQL NULL).
    metadata: Option<Option<String>>,
}

const METRIC_COLUMNS: [&str; 5] = ["create_times", "rows_in", "rows_out", "bytes_in", "bytes_out"];

fn metric_index(metric: Metric) -> usize {
    match metric {
        Metric::CreateTimes => 0,
        Metric::RowsIn => 1,
        Metric::RowsOut => 2,
        Metric::BytesIn => 3,
        Metric::BytesOut => 4,
    }
}

impl PgServices {
    pub fn new() -> Self {
        PgServices {
            stats_allowed: None,
        }
    }

    /// Whether this role's stats are kept; checked once, from the catalogs
    /// only, so that a role without rights gets one warning, not an error.
    fn stats_allowed(&mut self) -> bool {
        let allowed = *self
            .stats_allowed
            .get_or_insert_with(|| find_stats_table(true).is_some());
        if !allowed && !WARNED_STATS.with(|w| w.replace(true)) {
            report(
                ReportLevel::Warning,
                "wasm fdw stats are not recorded: wrappers_fdw_stats is missing or not writable by this role",
            );
        }
        allowed
    }
}

/// Buffers a change of `fdw_name`'s row, to be written at a commit.
fn buffer(fdw_name: &str, change: impl FnOnce(&mut Pending)) {
    let added = PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if !p.contains_key(fdw_name) && p.len() >= MAX_PENDING_NAMES {
            return false;
        }
        change(p.entry(fdw_name.to_owned()).or_default());
        true
    });
    if !added {
        return;
    }
    if !CALLBACK_REGISTERED.with(|r| r.replace(true)) {
        // SAFETY: registers a plain function for the rest of the backend's
        // life; it is called on this (the backend's) thread only.
        unsafe { pg_sys::RegisterXactCallback(Some(stats_xact_callback), std::ptr::null_mut()) };
    }
}

/// `schema.wrappers_fdw_stats` of the installed extension.
struct StatsTable {
    oid: pg_sys::Oid,
    /// schema-qualified and quoted, ready for SQL
    name: String,
    owner: pg_sys::Oid,
}

/// The extension's stats table; with `check_role`, only if the current role
/// may use its schema and read and write it. Catalog lookups only (reading
/// nothing else, taking no lock on the table): to_regclass on a schema the
/// role may not use is itself a permission error.
fn find_stats_table(check_role: bool) -> Option<StatsTable> {
    let privileges = if check_role {
        "and has_schema_privilege(n.oid, 'usage')
         and has_table_privilege(c.oid, 'insert, update, select')"
    } else {
        ""
    };
    let sql = format!(
        "select c.oid, format('%I.%I', n.nspname, c.relname), c.relowner
           from pg_extension e
           join pg_namespace n on n.oid = e.extnamespace
           join pg_class c on c.relnamespace = n.oid and c.relname = 'wrappers_fdw_stats'
          where e.extname = 'wrappers' {privileges}"
    );
    // `select`, not `Spi::get_*` (which assign a transaction id)
    let (oid, name, owner) = Spi::connect(|c| {
        c.select(sql.as_str(), Some(1), &[])?
            .first()
            .get_three::<pg_sys::Oid, String, pg_sys::Oid>()
    })
    .ok()?;
    Some(StatsTable {
        oid: oid?,
        name: name?,
        owner: owner?,
    })
}

impl Default for PgServices {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs SPI work with an active snapshot. The executor's end-of-scan hooks
/// (where stats are flushed) run after the query's snapshot was popped, and
/// SPI refuses to run without one.
fn with_snapshot<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: plain calls into the snapshot manager on the backend's thread,
    // inside a transaction (FDW callbacks only run inside one); the pushed
    // snapshot is popped before returning, also when `f` unwinds (a Postgres
    // ERROR aborts the transaction, which resets the snapshot stack anyway).
    unsafe {
        if pg_sys::ActiveSnapshotSet() {
            return f();
        }
        pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
        let out = f();
        pg_sys::PopActiveSnapshot();
        out
    }
}

/// Whether Vault is installed (`Some`) and readable by the current role.
fn vault_readable() -> Option<bool> {
    Spi::get_one::<bool>(
        "select has_schema_privilege(n.oid, 'usage') and has_table_privilege(c.oid, 'select')
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'vault' and c.relname = 'decrypted_secrets'",
    )
    .ok()
    .flatten()
}

/// `None` when there is no Vault (the guest reports the secret as missing);
/// a role that may not read it gets an ERROR saying so, with the grants.
fn vault_installed() -> bool {
    match vault_readable() {
        None => false,
        Some(true) => true,
        Some(false) => {
            ErrorReport::new(
                PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
                "permission denied to read the API key from Vault",
                "wasm_fdw",
            )
            .set_hint(
                "grant the role usage on schema vault and select on vault.decrypted_secrets \
                 (and execute on the view's decrypt function; see the Vault extension's README), \
                 or give the server an api_key option",
            )
            .report(PgLogLevel::ERROR);
            false
        }
    }
}

/// The options of the current role's user mapping for `server`, else of
/// PUBLIC's, looked up as Postgres' `GetUserMapping` does but without its
/// ERROR when there is none (then no options). The current role is the
/// effective one (`GetUserId`), so a SECURITY DEFINER function uses its
/// owner's mapping, as postgres_fdw does.
pub fn user_mapping_options(server: pg_sys::Oid) -> std::collections::HashMap<String, String> {
    let cache = pg_sys::SysCacheIdentifier::USERMAPPINGUSERSERVER as std::ffi::c_int;
    // SAFETY: syscache lookups on the backend's thread inside a transaction
    // (an FDW instance is only made in one); each found tuple is released
    // after its options are copied out (`options_of` copies the strings).
    unsafe {
        let user = pg_sys::GetUserId();
        for role in [user, pg_sys::InvalidOid] {
            let tuple = pg_sys::SearchSysCache2(
                cache,
                pg_sys::Datum::from(role.to_u32()),
                pg_sys::Datum::from(server.to_u32()),
            );
            if tuple.is_null() {
                continue;
            }
            let mut is_null = false;
            let datum = pg_sys::SysCacheGetAttr(
                cache,
                tuple,
                pg_sys::Anum_pg_user_mapping_umoptions as pg_sys::AttrNumber,
                &mut is_null,
            );
            let options = if is_null {
                std::collections::HashMap::new()
            } else {
                crate::fdw::options_of(pg_sys::untransformRelOptions(datum))
            };
            pg_sys::ReleaseSysCache(tuple);
            return options;
        }
        std::collections::HashMap::new()
    }
}

impl Services for PgServices {
    fn vault_secret(&mut self, id_or_name: &str) -> Option<String> {
        with_snapshot(|| self.vault_secret_inner(id_or_name))
    }

    fn vault_secret_by_name(&mut self, name: &str) -> Option<String> {
        with_snapshot(|| self.vault_secret_by_name_inner(name))
    }

    fn query_setting(&mut self, name: &str) -> Option<String> {
        with_snapshot(|| {
            Spi::get_one_with_args::<String>("select current_setting($1, true)", &[name.into()])
                .ok()
                .flatten()
        })
    }

    fn inc_stats(&mut self, fdw_name: &str, metric: Metric, inc: i64) {
        if !with_snapshot(|| self.stats_allowed()) {
            return;
        }
        buffer(fdw_name, |p| {
            let slot = &mut p.metrics[metric_index(metric)];
            *slot = Some(slot.unwrap_or(0).saturating_add(inc));
        });
    }

    fn get_metadata(&mut self, fdw_name: &str) -> Option<String> {
        with_snapshot(|| self.get_metadata_inner(fdw_name))
    }

    fn set_metadata(&mut self, fdw_name: &str, metadata: Option<String>) {
        with_snapshot(|| self.set_metadata_inner(fdw_name, metadata))
    }

    fn report(&mut self, level: ReportLevel, msg: &str) {
        report(level, msg);
    }

    fn check_for_interrupts(&mut self) {
        pgrx::check_for_interrupts!();
    }

    fn cancel_pending(&self) -> bool {
        // SAFETY: plain reads of the backend's signal flags (sig_atomic_t /
        // bool globals written by its own signal handlers).
        unsafe {
            std::ptr::addr_of!(pg_sys::QueryCancelPending).read_volatile() != 0
                || std::ptr::addr_of!(pg_sys::ProcDiePending).read_volatile() != 0
        }
    }
}

fn report(level: ReportLevel, msg: &str) {
    let (level, code) = match level {
        ReportLevel::Info => (PgLogLevel::INFO, PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION),
        ReportLevel::Notice => (PgLogLevel::NOTICE, PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION),
        ReportLevel::Warning => (PgLogLevel::WARNING, PgSqlErrorCode::ERRCODE_WARNING),
    };
    ErrorReport::new(code, msg.to_owned(), "wasm_fdw")
        .set_detail("Wrappers")
        .report(level);
}

impl PgServices {
    fn vault_secret_inner(&mut self, id_or_name: &str) -> Option<String> {
        if !vault_installed() {
            return None;
        }
        let is_uuid = id_or_name.len() == 36
            && id_or_name
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == '-');
        if is_uuid {
            let found = Spi::get_one_with_args::<String>(
                "select decrypted_secret from vault.decrypted_secrets
                  where id = $1::uuid or key_id = $1::uuid limit 1",
                &[id_or_name.into()],
            )
            .ok()
            .flatten();
            if found.is_some() {
                return found;
            }
        }
        self.vault_secret_by_name_inner(id_or_name)
    }

    fn vault_secret_by_name_inner(&mut self, name: &str) -> Option<String> {
        if !vault_installed() {
            return None;
        }
        Spi::get_one_with_args::<String>(
            "select decrypted_secret from vault.decrypted_secrets where name = $1 limit 1",
            &[name.into()],
        )
        .ok()
        .flatten()
    }

    fn get_metadata_inner(&mut self, fdw_name: &str) -> Option<String> {
        if !self.stats_allowed() {
            return None;
        }
        // this backend's own write, not yet committed, wins
        let buffered = PENDING.with(|p| p.borrow().get(fdw_name).and_then(|e| e.metadata.clone()));
        if let Some(metadata) = buffered {
            return metadata;
        }
        read_metadata(fdw_name)
    }

    fn set_metadata_inner(&mut self, fdw_name: &str, metadata: Option<String>) {
        if !self.stats_allowed() {
            return;
        }
        let json = metadata.and_then(|m| {
            let valid = serde_json::from_str::<serde_json::Value>(&m).is_ok();
            let json = if valid { as_jsonb_text(&m) } else { None };
            if json.is_none() {
                report(ReportLevel::Warning, "wasm fdw metadata ignored: it is not valid JSON");
            }
            json
        });
        buffer(fdw_name, |p| p.metadata = Some(json));
    }
}

/// The committed metadata of `fdw_name`, read in a subtransaction that is
/// then rolled back, so that the lock on the table goes with it (a session
/// idle after a scan holds none). A busy table (the conditional lock fails)
/// or a failed read reads as no metadata; a query cancel still cancels.
fn read_metadata(fdw_name: &str) -> Option<String> {
    // SAFETY: reads a flag of the backend's transaction state.
    if unsafe { pg_sys::IsInParallelMode() } {
        return None;
    }
    let read = in_subtransaction(
        true,
        || {
            let table = find_stats_table(true)?;
            // SAFETY: a lock request that never waits, on the backend's
            // thread; it is released with the subtransaction.
            let locked = unsafe {
                pg_sys::ConditionalLockRelationOid(
                    table.oid,
                    pg_sys::AccessShareLock as pg_sys::LOCKMODE,
                )
            };
            if !locked {
                return None;
            }
            let sql = format!("select metadata::text from {} where fdw_name = $1", table.name);
            Spi::connect(|c| {
                c.select(sql.as_str(), Some(1), &[fdw_name.into()])?
                    .first()
                    .get_one::<String>()
            })
            .ok()
            .flatten()
        },
        |_| false,
    );
    read.unwrap_or_default()
}

/// `json` the way the table gives it back (jsonb's text form), which is
/// what `get-metadata` returns until the buffer is written; `None` when
/// Postgres does not take it as jsonb.
fn as_jsonb_text(json: &str) -> Option<String> {
    // SAFETY: reads a flag of the backend's transaction state.
    if unsafe { pg_sys::IsInParallelMode() } {
        return Some(json.to_owned());
    }
    let cast = in_subtransaction(
        true,
        || {
            Spi::connect(|c| {
                c.select("select $1::jsonb::text", Some(1), &[json.into()])?
                    .first()
                    .get_one::<String>()
            })
            .ok()
            .flatten()
        },
        |_| false,
    );
    cast.unwrap_or_default()
}

/// Runs `f` in an internal subtransaction, the way plpgsql runs a block with
/// an EXCEPTION clause: released into the current transaction when `keep`
/// says so, else rolled back together with whatever it locked. An ERROR or
/// panic inside rolls it back and is returned as `Err`; with
/// `rethrow_cancel`, a query cancel (or statement_timeout) is raised again
/// once the subtransaction is gone, so that it still stops the query.
fn in_subtransaction<R>(
    rethrow_cancel: bool,
    f: impl FnOnce() -> R,
    keep: impl FnOnce(&R) -> bool,
) -> Result<R, Caught> {
    // SAFETY: the backend's globals, on its own thread, inside a transaction
    // and outside parallel mode (callers check); the subtransaction is ended
    // below on every path: `f` cannot unwind past the PgTryBuilder.
    let (cx, owner) = unsafe {
        let saved = (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner);
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::CurrentMemoryContext = saved.0;
        saved
    };
    let result = PgTryBuilder::new(AssertUnwindSafe(|| Ok(f())))
        .catch_others(|e| Err(caught_report(e)))
        .execute();
    let keep = match &result {
        Ok(r) => keep(r),
        Err(_) => false,
    };
    // SAFETY: ends the subtransaction begun above (the error state is
    // flushed by PgTryBuilder) and restores what it switched.
    unsafe {
        if keep {
            pg_sys::ReleaseCurrentSubTransaction();
        } else {
            pg_sys::RollbackAndReleaseCurrentSubTransaction();
        }
        pg_sys::CurrentMemoryContext = cx;
        pg_sys::CurrentResourceOwner = owner;
    }
    if let Err(e) = &result {
        if rethrow_cancel && e.code == PgSqlErrorCode::ERRCODE_QUERY_CANCELED {
            ErrorReport::new(e.code, e.message.clone(), "wasm_fdw").report(PgLogLevel::ERROR);
        }
    }
    result
}

/// What [`in_subtransaction`] caught.
struct Caught {
    code: PgSqlErrorCode,
    message: String,
}

fn caught_report(e: CaughtError) -> Caught {
    let r = match e {
        CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => r,
        CaughtError::RustPanic { ereport, .. } => ereport,
    };
    Caught {
        code: r.sql_error_code(),
        message: r.message().to_owned(),
    }
}

/// Writes the buffer at each commit (see the module's comment).
#[pg_guard]
unsafe extern "C-unwind" fn stats_xact_callback(
    event: pg_sys::XactEvent::Type,
    _arg: *mut std::ffi::c_void,
) {
    if event == pg_sys::XactEvent::XACT_EVENT_PRE_COMMIT {
        write_pending();
    }
}

/// Whether this transaction may write stats now: not read-only (or a
/// standby), not parallel, not SERIALIZABLE (the write's reads and writes
/// would join the transaction's dependencies and could fail its commit), and
/// not one of the internal transactions of VACUUM or CREATE INDEX
/// CONCURRENTLY, which other backends' horizons ignore.
fn may_write_now() -> bool {
    // SAFETY: plain reads of the backend's transaction state and its own
    // PGPROC, on its thread.
    unsafe {
        if pg_sys::XactReadOnly || pg_sys::IsInParallelMode() || pg_sys::RecoveryInProgress() {
            return false;
        }
        if pg_sys::XactIsoLevel == pg_sys::XACT_SERIALIZABLE as std::ffi::c_int {
            return false;
        }
        let proc_ = pg_sys::MyProc;
        let internal = pg_sys::PROC_IN_VACUUM | pg_sys::PROC_IN_SAFE_IC;
        !proc_.is_null() && (u32::from((*proc_).statusFlags) & internal) == 0
    }
}

enum Written {
    Yes,
    /// the row is being written by another transaction, which holds it only
    /// while it commits: worth another try in a moment
    RowBusy,
    /// the table is locked (DDL, `lock table`): try at a later commit
    TableBusy,
    /// the extension is gone: nothing to write to
    NoTable,
}

/// How long a commit keeps retrying rows that other commits are writing at
/// the same moment, before it leaves them to the connection's next commit.
const ROW_BUSY_RETRY: std::time::Duration = std::time::Duration::from_millis(20);

/// Writes the buffer, one subtransaction per fdw name, in name order; what
/// was written (or can never be) leaves the buffer, the rest stays. A row
/// that another commit is writing is retried for up to [`ROW_BUSY_RETRY`]
/// (by trying again, never by waiting on a lock), so that the last commit
/// of a connection rarely leaves counts behind. Never raises: this runs
/// inside COMMIT.
fn write_pending() {
    let mut todo: Vec<(String, Pending)> =
        PENDING.with(|p| p.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect());
    if todo.is_empty() || !may_write_now() {
        return;
    }
    let deadline = std::time::Instant::now() + ROW_BUSY_RETRY;
    with_snapshot(|| loop {
        let mut busy = Vec::new();
        for (name, entry) in todo {
            let outcome = in_subtransaction(
                false,
                || write_one(&name, &entry),
                |w| matches!(w, Ok(Written::Yes)),
            );
            let done = match outcome {
                Ok(Ok(Written::Yes | Written::NoTable)) => true,
                Ok(Ok(Written::RowBusy)) => {
                    busy.push((name.clone(), entry));
                    false
                }
                Ok(Ok(Written::TableBusy)) => false,
                Ok(Err(e)) => {
                    warn_write(&e.to_string());
                    true
                }
                Err(e) if is_transient(&e) => false,
                Err(e) => {
                    warn_write(&e.message);
                    true
                }
            };
            if done {
                PENDING.with(|p| p.borrow_mut().remove(&name));
            }
        }
        if busy.is_empty() || std::time::Instant::now() >= deadline {
            break;
        }
        // SAFETY: a plain sleep of the backend's thread.
        unsafe { pg_sys::pg_usleep(1000) };
        todo = busy;
    });
}

/// Errors that only mean "not now": the row or table was busy, the snapshot
/// too old for it (REPEATABLE READ), or a cancel that landed in the write.
fn is_transient(e: &Caught) -> bool {
    matches!(
        e.code,
        PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE
            | PgSqlErrorCode::ERRCODE_T_R_SERIALIZATION_FAILURE
            | PgSqlErrorCode::ERRCODE_T_R_DEADLOCK_DETECTED
            | PgSqlErrorCode::ERRCODE_QUERY_CANCELED
    )
}

fn warn_write(msg: &str) {
    if !WARNED_WRITE.with(|w| w.replace(true)) {
        report(ReportLevel::Warning, &format!("wasm fdw stats not recorded: {msg}"));
    }
}

/// One row's upsert, inside [`write_pending`]'s subtransaction: nothing here
/// waits on another session. The table lock is conditional; writers of a
/// row take `pg_try_advisory_xact_lock(<table oid>, hashtext(<fdw name>))`
/// first and skip the row when another transaction holds it (it is released
/// at that transaction's end, which is a moment away: it is committing);
/// anything else that would wait runs into a short `lock_timeout`.
fn write_one(name: &str, entry: &Pending) -> Result<Written, pgrx::spi::Error> {
    let Some(table) = find_stats_table(false) else {
        return Ok(Written::NoTable);
    };
    // SAFETY: a lock request that never waits, on the backend's thread; it
    // goes with the subtransaction when nothing is written.
    let locked = unsafe {
        pg_sys::ConditionalLockRelationOid(table.oid, pg_sys::RowExclusiveLock as pg_sys::LOCKMODE)
    };
    if !locked {
        return Ok(Written::TableBusy);
    }
    Spi::connect_mut(|c| {
        // local to the subtransaction: an abort undoes it, and the end of
        // this function puts the caller's value back
        let lock_timeout = c
            .select("select current_setting('lock_timeout')", Some(1), &[])?
            .first()
            .get_one::<String>()?;
        c.select("select set_config('lock_timeout', $1, true)", Some(1), &[WRITE_LOCK_TIMEOUT.into()])?;
        // the bits of the oid as an int4: the same key in every backend
        let key = table.oid.to_u32() as i32;
        let got = c
            .select(
                "select pg_try_advisory_xact_lock($1, hashtext($2))",
                Some(1),
                &[key.into(), name.into()],
            )?
            .first()
            .get_one::<bool>()?;
        if got != Some(true) {
            return Ok(Written::RowBusy);
        }
        let cols = METRIC_COLUMNS.join(", ");
        let sums = METRIC_COLUMNS
            .iter()
            .map(|m| format!("{m} = coalesce(s.{m} + excluded.{m}, s.{m}, excluded.{m})"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "insert into {table} as s (fdw_name, {cols}, metadata)
             values ($1, $2, $3, $4, $5, $6, case when $7 then $8::jsonb end)
             on conflict (fdw_name) do update
               set {sums},
                   metadata = case when $7 then excluded.metadata else s.metadata end,
                   updated_at = timezone('utc', now())",
            table = table.name
        );
        let [m0, m1, m2, m3, m4] = entry.metrics;
        let (set_metadata, metadata) = match &entry.metadata {
            Some(m) => (true, m.clone()),
            None => (false, None),
        };
        let args = [
            name.into(),
            m0.into(),
            m1.into(),
            m2.into(),
            m3.into(),
            m4.into(),
            set_metadata.into(),
            metadata.into(),
        ];
        as_owner(table.owner, || c.update(sql.as_str(), None, &args))?;
        if let Some(lock_timeout) = lock_timeout {
            let restore = [lock_timeout.as_str().into()];
            c.select("select set_config('lock_timeout', $1, true)", Some(1), &restore)?;
        }
        Ok(Written::Yes)
    })
}

/// Runs `f` as the stats table's owner in a security-restricted operation
/// (as autovacuum runs a table owner's code): the write is the extension's
/// bookkeeping, whatever role is current at COMMIT (which roles' stats are
/// kept was decided when they were buffered). Only inside a subtransaction:
/// an ERROR skips the restore below, and the subtransaction's abort restores
/// the user and security context instead.
fn as_owner<T>(owner: pg_sys::Oid, f: impl FnOnce() -> T) -> T {
    let mut user = pg_sys::InvalidOid;
    let mut sec: std::ffi::c_int = 0;
    let restricted = (pg_sys::SECURITY_LOCAL_USERID_CHANGE
        | pg_sys::SECURITY_RESTRICTED_OPERATION) as std::ffi::c_int;
    // SAFETY: the backend's current user, on its thread.
    unsafe {
        pg_sys::GetUserIdAndSecContext(&mut user, &mut sec);
        pg_sys::SetUserIdAndSecContext(owner, sec | restricted);
    }
    let out = f();
    // SAFETY: as above, back to what was saved.
    unsafe { pg_sys::SetUserIdAndSecContext(user, sec) };
    out
}

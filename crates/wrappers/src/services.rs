//! [`Services`] for a real backend: vault lookups, settings, stats and
//! reports through SPI and ereport, in the calling role and transaction.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::Spi;
use pgrx::PgSqlErrorCode;

use wasm_host::host::{ReportLevel, Services};
use wasm_host::model::Metric;

pub struct PgServices {
    /// `schema.wrappers_fdw_stats` once found; `Some(None)` = not usable.
    stats_table: Option<Option<String>>,
}

thread_local! {
    /// The "stats are not recorded" warning is given once per backend.
    static WARNED_STATS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl PgServices {
    pub fn new() -> Self {
        PgServices {
            stats_table: None,
        }
    }

    /// The stats table, if this role may write it and the transaction may
    /// write at all; checked first so that a failure is a warning, not an
    /// aborted query.
    fn writable_stats_table(&mut self) -> Option<String> {
        // SAFETY: XactReadOnly is a plain global of the backend, read here on
        // the backend's own thread.
        if unsafe { pg_sys::XactReadOnly } {
            return None;
        }
        if self.stats_table.is_none() {
            // catalog lookups only: to_regclass on a schema the role may not
            // use is itself a permission error
            let found = Spi::get_one::<String>(
                "select format('%I.%I', n.nspname, c.relname)
                   from pg_extension e
                   join pg_namespace n on n.oid = e.extnamespace
                   join pg_class c on c.relnamespace = n.oid and c.relname = 'wrappers_fdw_stats'
                  where e.extname = 'wrappers'
                    and has_schema_privilege(n.oid, 'usage')
                    and has_table_privilege(c.oid, 'insert, update, select')",
            )
            .ok()
            .flatten();
            self.stats_table = Some(found);
        }
        let table = self.stats_table.clone().flatten();
        if table.is_none() && !WARNED_STATS.with(|w| w.replace(true)) {
            report(
                ReportLevel::Warning,
                "wasm fdw stats are not recorded: wrappers_fdw_stats is missing or not writable by this role",
            );
        }
        table
    }
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
        with_snapshot(|| self.inc_stats_inner(fdw_name, metric, inc))
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

    fn inc_stats_inner(&mut self, fdw_name: &str, metric: Metric, inc: i64) {
        let Some(table) = self.writable_stats_table() else {
            return;
        };
        let col = metric.column();
        let sql = format!(
            "insert into {table} as s (fdw_name, {col}) values ($1, $2)
             on conflict (fdw_name) do update
               set {col} = coalesce(s.{col}, 0) + excluded.{col},
                   updated_at = timezone('utc', now())"
        );
        if let Err(e) = Spi::run_with_args(&sql, &[fdw_name.into(), inc.into()]) {
            report(ReportLevel::Warning, &format!("wasm fdw stats not recorded: {e}"));
        }
    }

    fn get_metadata_inner(&mut self, fdw_name: &str) -> Option<String> {
        let table = self.writable_stats_table()?;
        Spi::get_one_with_args::<String>(
            &format!("select metadata::text from {table} where fdw_name = $1"),
            &[fdw_name.into()],
        )
        .ok()
        .flatten()
    }

    fn set_metadata_inner(&mut self, fdw_name: &str, metadata: Option<String>) {
        let Some(table) = self.writable_stats_table() else {
            return;
        };
        let json = metadata.and_then(|m| match serde_json::from_str::<serde_json::Value>(&m) {
            Ok(v) => Some(v.to_string()),
            Err(_) => {
                report(ReportLevel::Warning, "wasm fdw metadata ignored: it is not valid JSON");
                None
            }
        });
        let sql = format!(
            "insert into {table} as s (fdw_name, metadata) values ($1, $2::jsonb)
             on conflict (fdw_name) do update
               set metadata = excluded.metadata, updated_at = timezone('utc', now())"
        );
        if let Err(e) = Spi::run_with_args(&sql, &[fdw_name.into(), json.into()]) {
            report(ReportLevel::Warning, &format!("wasm fdw metadata not recorded: {e}"));
        }
    }
}

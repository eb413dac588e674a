//! `wrappers`: a Postgres extension that runs WebAssembly foreign data
//! wrappers built against `supabase:wrappers` 0.1.0 or 0.2.0 (such as
//! `clerk_fdw.wasm`), compatible with Supabase's own host.
//!
//! Everything that does not need Postgres (wasmtime, the WIT interfaces,
//! package loading) lives in the `wasm-host` crate; this crate is the
//! Postgres side: `fdw` (the framework's callbacks), `convert` (datums <->
//! guest cells), `services` (vault, stats, settings via SPI), `error`
//! (the one mapping to SQLSTATE) and `quiet` (drops the framework's
//! plan-time qual warnings).

mod convert;
mod count;
mod error;
mod estimate;
mod explain;
mod fdw;
mod keys;
mod quals;
mod quiet;
mod returning;
mod row_memory;
mod services;
mod write_check;

pgrx::pg_module_magic!(name, version);

/// Runs once when a backend loads the library.
#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    quiet::install();
    // the host's waits before a guest exists (download, compile) stop on a
    // cancel too
    wasm_host::cancel::set_check(cancel_pending);
}

/// A query cancel, statement_timeout or termination is pending (only reads
/// the backend's signal flags).
fn cancel_pending() -> bool {
    // SAFETY: plain reads of the backend's signal flags (sig_atomic_t /
    // bool globals written by its own signal handlers).
    unsafe {
        std::ptr::addr_of!(pgrx::pg_sys::QueryCancelPending).read_volatile() != 0
            || std::ptr::addr_of!(pgrx::pg_sys::ProcDiePending).read_volatile() != 0
    }
}

// Owner-only, as upstream: guests may keep state in `metadata`, which other
// roles must not read or forge. Roles without rights get one WARNING per
// backend and no stats (see services.rs).
pgrx::extension_sql!(
    r#"
create table if not exists wrappers_fdw_stats (
  fdw_name text not null primary key,
  create_times bigint null,
  rows_in bigint null,
  rows_out bigint null,
  bytes_in bigint null,
  bytes_out bigint null,
  metadata jsonb null,
  created_at timestamptz not null default timezone('utc'::text, now()),
  updated_at timestamptz not null default timezone('utc'::text, now())
);
comment on table wrappers_fdw_stats is 'Wrappers Foreign Data Wrapper statistics';
"#,
    name = "wrappers_fdw_stats",
    bootstrap
);

#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}

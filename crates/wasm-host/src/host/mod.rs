//! The host side of the `supabase:wrappers` interfaces, version-neutral.
//!
//! One file per interface (`http`, `jwt`, `stats`, `time`, `utils`); the
//! `types` resources (context, options, row, column, qual, sort, limit) read
//! the per-call state kept in [`HostState`]. The generated bindings in
//! `crate::bindings::{v1, v2}` only convert types and delegate here. Nothing
//! in this module touches Postgres directly: what needs a backend (vault,
//! stats, settings, log levels) goes through the [`Services`] trait.

pub mod body;
pub mod concurrent;
pub mod http;
pub mod jwt;
pub mod outbound;
pub mod stats;
pub mod time;
pub mod utils;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use crate::explain::{LoggedRequest, RequestLog};

use crate::model::{Column, Limit, Metric, OptionsKind, Qual, RowData, Sort};

/// Levels of `utils.report-*` that return to the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportLevel {
    Info,
    Notice,
    Warning,
}

/// What the host needs from the database it runs in.
pub trait Services {
    /// `get-vault-secret`: by id (a UUID) else by name.
    fn vault_secret(&mut self, id_or_name: &str) -> Option<String>;
    fn vault_secret_by_name(&mut self, name: &str) -> Option<String>;
    fn query_setting(&mut self, name: &str) -> Option<String>;
    fn inc_stats(&mut self, fdw_name: &str, metric: Metric, inc: i64);
    fn get_metadata(&mut self, fdw_name: &str) -> Option<String>;
    fn set_metadata(&mut self, fdw_name: &str, metadata: Option<String>);
    fn report(&mut self, level: ReportLevel, msg: &str);
    /// Gives query cancel and statement_timeout a chance while the host
    /// waits (sleep, HTTP retries): raises the cancel if one is pending.
    fn check_for_interrupts(&mut self);
    /// Whether a cancel or termination is pending; checked while guest code
    /// runs, so a looping guest stops (see `runtime`). Must only read flags.
    fn cancel_pending(&self) -> bool;
}

/// Services of a host without a database (the crate's tests and tools):
/// no vault secret, setting or metadata; stats and reports dropped; never
/// cancelled.
pub struct NoDatabase;

impl Services for NoDatabase {
    fn vault_secret(&mut self, _: &str) -> Option<String> {
        None
    }
    fn vault_secret_by_name(&mut self, _: &str) -> Option<String> {
        None
    }
    fn query_setting(&mut self, _: &str) -> Option<String> {
        None
    }
    fn inc_stats(&mut self, _: &str, _: Metric, _: i64) {}
    fn get_metadata(&mut self, _: &str) -> Option<String> {
        None
    }
    fn set_metadata(&mut self, _: &str, _: Option<String>) {}
    fn report(&mut self, _: ReportLevel, _: &str) {}
    fn check_for_interrupts(&mut self) {}
    fn cancel_pending(&self) -> bool {
        false
    }
}

/// Marker types the generated bindings use for `Resource<T>`; a handle's rep
/// is the index of the element it stands for (0 for singletons).
pub struct ContextRes;
pub struct OptionsRes;
pub struct RowRes;
pub struct ColumnRes;
pub struct QualRes;
pub struct SortRes;
pub struct LimitRes;

/// Trap raised by the host; the message is safe to show (no secrets).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HostTrap(pub String);

pub type HostResult<T> = Result<T, HostTrap>;

/// Everything one guest instance can see, for the duration of that instance.
pub struct HostState {
    pub server_opts: HashMap<String, String>,
    pub table_opts: HashMap<String, String>,
    pub import_opts: HashMap<String, String>,
    pub columns: Vec<Column>,
    pub quals: Vec<Qual>,
    pub sorts: Vec<Sort>,
    pub limit: Option<Limit>,
    /// The row of the current `iter-scan` (filled by the guest) or of the
    /// current `insert`/`update` (read by the guest).
    pub row: RowData,
    pub http: Arc<http::HttpClient>,
    pub services: Box<dyn Services>,
    /// Values that must never leave the host in a message.
    secrets: Vec<String>,
    /// The vault secrets the guest may read: those the options name (see
    /// [`vault_scope`]); any other reads as absent.
    vault_scope: Vec<String>,
    /// Set by `utils.report-error`; the call then traps and the host raises
    /// this message as the ERROR.
    pub reported_error: Option<String>,
    /// `inc-stats` calls, summed per (fdw, metric) and written once at the
    /// end of a scan, modify or import instead of once per call.
    pub pending_stats: Vec<(String, Metric, i64)>,
    /// When set (EXPLAIN ANALYZE of a guest with the `explain` export), every
    /// HTTP request the guest makes is recorded here.
    pub request_log: Option<Rc<RefCell<RequestLog>>>,
    /// Requests started through the optional `http-concurrent` import.
    pub in_flight: concurrent::InFlight,
}

impl HostState {
    /// The state of a guest of the server with these options. Its HTTP
    /// client is `http` restricted to the server's outbound policy
    /// ([`outbound`]); an invalid policy (which the option validator
    /// refuses first) allows nothing.
    pub fn new(
        server_opts: HashMap<String, String>,
        http: Arc<http::HttpClient>,
        services: Box<dyn Services>,
    ) -> Self {
        let secrets = server_opts
            .iter()
            .filter(|(k, _)| is_secret_option(k))
            .map(|(_, v)| v.clone())
            .collect();
        let policy = outbound::OutboundPolicy::from_server_options(&server_opts).unwrap_or_default();
        let http = Arc::new(http.restricted(policy));
        let vault_scope = vault_scope(&server_opts);
        HostState {
            server_opts,
            table_opts: HashMap::new(),
            import_opts: HashMap::new(),
            columns: Vec::new(),
            quals: Vec::new(),
            sorts: Vec::new(),
            limit: None,
            row: RowData::default(),
            http,
            services,
            secrets,
            vault_scope,
            reported_error: None,
            pending_stats: Vec::new(),
            request_log: None,
            in_flight: concurrent::InFlight::default(),
        }
    }

    pub fn options(&self, kind: OptionsKind) -> &HashMap<String, String> {
        match kind {
            OptionsKind::Server => &self.server_opts,
            OptionsKind::Table => &self.table_opts,
            OptionsKind::ImportSchema => &self.import_opts,
        }
    }

    /// Lays the options of the current role's user mapping over the
    /// server's, as the guest will see them. The mapping wins, and a
    /// credential it gives in any form replaces the server's in every form
    /// (a mapping's `api_key_id` hides the server's `api_key`, and the
    /// other way round). Its secrets are masked, and the vault secrets the
    /// resulting options name are the readable ones. Options only a server
    /// may set ([`is_server_only_option`]) are ignored: the outbound policy
    /// stays the server's.
    pub fn add_user_mapping_options(&mut self, mapping: HashMap<String, String>) {
        for (name, value) in mapping {
            if is_server_only_option(&name) {
                continue;
            }
            let family = credential_family(&name);
            if is_secret_option(family) {
                for form in [family.to_owned(), format!("{family}_id"), format!("{family}_name")] {
                    self.server_opts.remove(&form);
                }
            }
            if is_secret_option(&name) {
                self.remember_secret(&value);
            }
            self.server_opts.insert(name, value);
        }
        self.vault_scope = vault_scope(&self.server_opts);
    }

    /// Whether the options name the vault secret `id_or_name`.
    pub fn vault_secret_allowed(&self, id_or_name: &str) -> bool {
        let wanted = id_or_name.trim();
        self.vault_scope.iter().any(|s| {
            s == wanted || (is_uuid_text(s) && s.eq_ignore_ascii_case(wanted))
        })
    }

    pub fn remember_secret(&mut self, secret: &str) {
        if !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
        }
    }

    /// Replaces every known secret in `msg` (guest errors, transport errors,
    /// reports) so that no key reaches a log line or an ERROR.
    pub fn mask(&self, msg: &str) -> String {
        let mut out = msg.to_owned();
        for s in &self.secrets {
            // very short values would mask ordinary words; they are no keys
            if s.len() >= 6 {
                out = out.replace(s.as_str(), "<redacted>");
            }
        }
        out
    }

    pub fn column(&self, index: u32) -> HostResult<&Column> {
        self.columns
            .get(index as usize)
            .ok_or_else(|| HostTrap(format!("column index {index} is out of range")))
    }

    pub fn qual(&self, index: u32) -> HostResult<&Qual> {
        self.quals
            .get(index as usize)
            .ok_or_else(|| HostTrap(format!("qual index {index} is out of range")))
    }

    pub fn sort(&self, index: u32) -> HostResult<&Sort> {
        self.sorts
            .get(index as usize)
            .ok_or_else(|| HostTrap(format!("sort index {index} is out of range")))
    }

    pub fn get_limit(&self) -> HostResult<Limit> {
        self.limit
            .ok_or_else(|| HostTrap("the query has no limit".to_owned()))
    }

    /// Records one HTTP request in [`HostState::request_log`], if set: its
    /// method, path and query (masked) and its outcome; and with the server
    /// option `debug 'true'`, reports it as an INFO message
    /// (`wasm fdw request: GET /v1/users?limit=500&offset=0: 200 in 12 ms`).
    pub fn record_request(&mut self, method: &'static str, url: &str, status: Option<u16>, elapsed: Duration) {
        if let Some(log) = &self.request_log {
            if let Ok(mut log) = log.try_borrow_mut() {
                let target = self.mask(&crate::explain::url_target(url));
                log.record(LoggedRequest { method, target, status }, elapsed);
            }
        }
        if self.debug() {
            let target = self.mask(&crate::explain::url_target(url));
            let outcome = status.map_or_else(|| "failed".to_string(), |s| s.to_string());
            let msg = format!("wasm fdw request: {method} {target}: {outcome} in {} ms", elapsed.as_millis());
            self.services.report(ReportLevel::Info, &msg);
        }
    }

    /// The server option `debug` is on (`true`, `on`, `yes` or `1`).
    pub fn debug(&self) -> bool {
        self.server_opts
            .get("debug")
            .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "on" | "yes" | "1"))
    }

    /// Writes the summed stats through the database services.
    pub fn flush_stats(&mut self) {
        for (name, metric, inc) in std::mem::take(&mut self.pending_stats) {
            self.services.inc_stats(&name, metric, inc);
        }
    }

    /// `row.push` from the guest: one cell per target column, no more.
    pub fn push_cell(&mut self, cell: Option<crate::model::Cell>) -> HostResult<()> {
        let idx = self.row.cells.len();
        let Some(col) = self.columns.get(idx) else {
            return Err(HostTrap(format!(
                "the guest pushed more cells than there are target columns ({})",
                self.columns.len()
            )));
        };
        self.row.cols.push(col.name.clone());
        self.row.cells.push(cell);
        Ok(())
    }
}

/// Server options whose value is a credential: never shown anywhere.
pub fn is_secret_option(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if n.ends_with("_id") || n.starts_with("fdw_package_") {
        return false;
    }
    ["key", "secret", "token", "password", "passwd", "credential"]
        .iter()
        .any(|w| n.contains(w))
}

/// Options a user mapping may not set: which package runs (`fdw_package_*`)
/// and where it may connect (`allowed_hosts`, `allow_insecure_http`) are
/// the server owner's choice.
pub fn is_server_only_option(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("fdw_package_") || n == outbound::ALLOWED_HOSTS || n == outbound::ALLOW_INSECURE_HTTP
}

/// Options that name a vault secret by id or name: `api_key_id`,
/// `api_key_name`, `private_key_id`, ... (`*_id`, `*_name`; not
/// `fdw_package_name`).
pub fn is_vault_reference_option(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    !n.starts_with("fdw_package_") && (n.ends_with("_id") || n.ends_with("_name"))
}

/// `api_key` for `api_key`, `api_key_id` and `api_key_name`.
fn credential_family(name: &str) -> &str {
    name.strip_suffix("_id").or_else(|| name.strip_suffix("_name")).unwrap_or(name)
}

/// The secrets these options name.
fn vault_scope(opts: &HashMap<String, String>) -> Vec<String> {
    let mut scope: Vec<String> = opts
        .iter()
        .filter(|(k, _)| is_vault_reference_option(k))
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    scope.sort();
    scope.dedup();
    scope
}

fn is_uuid_text(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_is_secret_but_its_vault_id_is_not() {
        assert!(is_secret_option("api_key"));
        assert!(is_secret_option("client_secret"));
        assert!(!is_secret_option("api_key_id"));
        assert!(!is_secret_option("fdw_package_checksum"));
        assert!(!is_secret_option("api_url"));
    }
}

//! The wasmtime side: one engine per backend, components compiled once per
//! package checksum, and a guest instance (store + bindings) per FDW
//! instance. Guest `err(...)`, traps and `report-error` stay distinct.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use wasmtime::component::{Component, HasSelf, InstancePre, Linker, Resource};
use wasmtime::{Config, Engine, Store, UpdateDeadline};

use crate::bindings::{concurrent, count, ext, modify, v1, v2};
use crate::error::{HostError, HostResult};
use crate::host::{ContextRes, HostState, RowRes};
use crate::model::{Cell, ImportStmt, RowData};

/// The version this host reports to guests. Every published guest asks for
/// `^0.1.0`, so it stays in the 0.1 line (as Supabase's host does).
pub const HOST_VERSION: &str = "0.1.5";

/// Server option: the memory (MiB) one guest instance may use in all, its
/// linear memories and tables together.
pub const MEMORY_LIMIT_OPTION: &str = "wasm_memory_limit_mb";
/// Its default and its largest value (a 32-bit guest addresses 4 GiB).
pub const MEMORY_LIMIT_DEFAULT_MB: u64 = 512;
pub const MEMORY_LIMIT_MAX_MB: u64 = 4096;

/// The store's resource limits: one memory budget for everything the guest
/// allocates (every linear memory and table, growth included), a few
/// instances, tables and memories. Going past the budget traps with
/// [`MemoryLimitReached`], which becomes an ERROR that says so.
struct GuestLimits {
    budget: usize,
    used: usize,
    limit_mb: u64,
}

impl GuestLimits {
    fn new(limit_mb: u64) -> Self {
        let budget = usize::try_from(limit_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
        GuestLimits { budget, used: 0, limit_mb }
    }

    fn take(&mut self, bytes: usize) -> wasmtime::Result<bool> {
        match self.used.checked_add(bytes).filter(|total| *total <= self.budget) {
            Some(total) => {
                self.used = total;
                Ok(true)
            }
            None => Err(wasmtime::Error::new(MemoryLimitReached { limit_mb: self.limit_mb })),
        }
    }
}

impl wasmtime::ResourceLimiter for GuestLimits {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.take(desired.saturating_sub(current))
    }

    fn table_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        // a table element is a pointer's worth of host memory
        self.take(desired.saturating_sub(current).saturating_mul(std::mem::size_of::<usize>()))
    }

    fn instances(&self) -> usize {
        64
    }

    fn tables(&self) -> usize {
        64
    }

    fn memories(&self) -> usize {
        16
    }
}

/// A guest asked for more memory than [`MEMORY_LIMIT_OPTION`] allows.
#[derive(Debug, thiserror::Error)]
#[error("the wasm package needs more than the {limit_mb} MiB of memory it may use")]
pub struct MemoryLimitReached {
    pub limit_mb: u64,
}

/// The memory limit the server options set (a bad value, which the option
/// validator refuses first, is the default).
pub fn memory_limit_mb(server_opts: &HashMap<String, String>) -> u64 {
    server_opts
        .get(MEMORY_LIMIT_OPTION)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|mb| (1..=MEMORY_LIMIT_MAX_MB).contains(mb))
        .unwrap_or(MEMORY_LIMIT_DEFAULT_MB)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WitVersion {
    V1,
    V2,
}

struct Runtime {
    engine: Engine,
    linker_v1: Linker<StoreData>,
    linker_v2: Linker<StoreData>,
    /// sha256 of the package -> the component, linked and ready to
    /// instantiate
    components: HashMap<String, Loaded>,
}

/// A compiled component, linked against its version's linker.
struct Loaded {
    version: WitVersion,
    pre: InstancePre<StoreData>,
    /// Where its optional `clerk:wrappers-ext/explain` export is, if it
    /// has one (0.2.0 guests only; see `wit/ext`).
    explain: Option<ext::ExplainIndices>,
    /// Likewise for `clerk:wrappers-ext/returning`.
    returning: Option<ext::ReturningIndices>,
    /// Likewise for `clerk:wrappers-ext/count` (`wit/ext/aggregate.wit`).
    count: Option<count::CountIndices>,
    /// Likewise for `clerk:wrappers-ext/modify` (`wit/ext/modify.wit`).
    modify: Option<modify::ModifyIndices>,
}

/// Which optional `clerk:wrappers-ext` exports a component has (see
/// `wit/ext/README.md`); a host calls only those.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extensions {
    pub explain: bool,
    pub returning: bool,
    pub count: bool,
    pub modify: bool,
}

/// What a store holds: the host state plus wasmtime's resource limits.
pub struct StoreData {
    pub host: HostState,
    limits: GuestLimits,
}

thread_local! {
    static RUNTIME: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

fn trap_err(e: wasmtime::Error) -> HostError {
    HostError::Trap(format!("{e:#}"))
}

fn new_runtime() -> HostResult<Runtime> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // Guest code checks an epoch counter; a ticker thread advances it and
    // each store's callback stops the guest when the query is cancelled.
    config.epoch_interruption(true);
    let engine = Engine::new(&config).map_err(trap_err)?;
    start_epoch_ticker(&engine);
    let mut linker_v1 = Linker::new(&engine);
    v1::Wrappers::add_to_linker::<StoreData, HasSelf<HostState>>(&mut linker_v1, |d| &mut d.host)
        .map_err(trap_err)?;
    let mut linker_v2 = Linker::new(&engine);
    v2::Wrappers::add_to_linker::<StoreData, HasSelf<HostState>>(&mut linker_v2, |d| &mut d.host)
        .map_err(trap_err)?;
    // our optional import, for guests that ask for it (wit/ext)
    // (the interface alone: `http`, whose types it uses, is linked above)
    concurrent::clerk::wrappers_ext::http_concurrent::add_to_linker::<StoreData, HasSelf<HostState>>(
        &mut linker_v2,
        |d| &mut d.host,
    )
    .map_err(trap_err)?;
    Ok(Runtime {
        engine,
        linker_v1,
        linker_v2,
        components: HashMap::new(),
    })
}

/// How often running guest code looks at the cancel flags.
const EPOCH_TICK: std::time::Duration = std::time::Duration::from_millis(10);

/// Guest calls running in this backend; the ticker sleeps while it is 0.
static ACTIVE_CALLS: AtomicUsize = AtomicUsize::new(0);
static TICKER: OnceLock<std::thread::Thread> = OnceLock::new();

/// Advances the engine's epoch every [`EPOCH_TICK`] while a guest call is
/// running, and parks otherwise (an idle connection costs no wakeups), on a
/// thread that blocks signals (see [`crate::threads`]).
fn start_epoch_ticker(engine: &Engine) {
    let engine = engine.clone();
    // without the ticker guests still run, they just cannot be cancelled
    if let Ok(handle) = crate::threads::spawn_quiet("wasm-epoch", move || loop {
        if ACTIVE_CALLS.load(Ordering::Acquire) == 0 {
            std::thread::park();
            continue;
        }
        std::thread::sleep(EPOCH_TICK);
        engine.increment_epoch();
    }) {
        let _ = TICKER.set(handle.thread().clone());
    }
}

/// Marks a guest call as running for as long as it lives.
struct ActiveCall;

impl ActiveCall {
    fn enter() -> Self {
        if ACTIVE_CALLS.fetch_add(1, Ordering::AcqRel) == 0 {
            if let Some(t) = TICKER.get() {
                t.unpark();
            }
        }
        ActiveCall
    }
}

impl Drop for ActiveCall {
    fn drop(&mut self) {
        ACTIVE_CALLS.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Which WIT version a component exports `routines` from.
fn detect_version(engine: &Engine, component: &Component) -> Option<WitVersion> {
    let ty = component.component_type();
    let mut found = None;
    for (name, _) in ty.exports(engine) {
        if name == "supabase:wrappers/routines@0.2.0" {
            return Some(WitVersion::V2);
        }
        if name == "supabase:wrappers/routines@0.1.0" {
            found = Some(WitVersion::V1);
        }
    }
    found
}

enum Bindings {
    V1(v1::Wrappers),
    V2(v2::Wrappers),
}

/// One instantiated guest.
pub struct GuestInstance {
    store: Store<StoreData>,
    bindings: Bindings,
    /// The optional `explain` export, when the component has it.
    explain: Option<ext::Explain>,
    /// The optional `returning` export, when the component has it.
    returning: Option<ext::Returning>,
    /// The optional `count` export, when the component has it.
    count: Option<count::Count>,
    /// The optional `modify` export, when the component has it.
    modify: Option<modify::Modify>,
}

/// Compiled code for `sha256` from the on-disk cache, or compiled now and
/// written there for the next backend (a new connection then loads in
/// milliseconds instead of recompiling).
fn load_or_compile(
    engine: &Engine,
    sha256: &str,
    bytes: &[u8],
    cache_dir: Option<&Path>,
) -> wasmtime::Result<Component> {
    let Some(dir) = cache_dir else {
        return compile(engine, bytes, None);
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let path = dir.join(format!("{sha256}-{:016x}.cwasm", hasher.finish()));
    if path.exists() {
        // Read into memory rather than mmap the file: a mapping turns a cache
        // file truncated under a running backend into SIGBUS.
        let loaded = std::fs::read(&path).map_err(wasmtime::Error::from).and_then(|compiled| {
            // SAFETY: deserializing runs the file's native code. The file
            // sits in the data directory's cache (only the server's OS user
            // can write there, and it can do anything anyway), is named by
            // the sha256 of a verified package and by this engine's
            // compatibility hash, and is only ever written by the code below,
            // atomically, from a successful compile; wasmtime also checks its
            // header and engine settings, so a damaged file is an error.
            unsafe { Component::deserialize(engine, compiled) }
        });
        match loaded {
            Ok(component) => return Ok(component),
            Err(_) => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let component = compile(engine, bytes, Some((dir.to_path_buf(), path)))?;
    Ok(component)
}

/// Compiles `bytes` on a helper thread, so that a cancel stops the wait
/// ([`crate::cancel::run`]); the thread still finishes and, given `cache`
/// (directory, file), writes the compiled code there for the next attempt.
fn compile(
    engine: &Engine,
    bytes: &[u8],
    cache: Option<(std::path::PathBuf, std::path::PathBuf)>,
) -> wasmtime::Result<Component> {
    let (engine, bytes) = (engine.clone(), bytes.to_vec());
    let compiled = crate::cancel::run("compiling the wasm package", move || {
        let component = Component::new(&engine, &bytes)?;
        if let (Some((dir, path)), Ok(compiled)) = (cache, component.serialize()) {
            // the cache is an optimisation: failing to write it is not an error
            let _ = crate::package::write_atomically(&dir, &path, &compiled);
        }
        Ok::<_, wasmtime::Error>(component)
    });
    match compiled {
        Ok(result) => result,
        Err(e) => Err(wasmtime::Error::new(e)),
    }
}

/// The runtime of this backend, created on first use.
fn with_runtime<T>(f: impl FnOnce(&mut Runtime) -> HostResult<T>) -> HostResult<T> {
    RUNTIME.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(new_runtime()?);
        }
        let Some(rt) = slot.as_mut() else {
            return Err(HostError::Trap("wasm runtime unavailable".into()));
        };
        f(rt)
    })
}

/// `bytes` (whose sha256 is `sha256`) compiled and linked, compiling it
/// only the first time this backend sees that checksum, and only the first
/// time any backend does when `cache_dir` is given.
fn loaded<'rt>(
    rt: &'rt mut Runtime,
    url: &str,
    sha256: &str,
    bytes: &[u8],
    cache_dir: Option<&Path>,
) -> HostResult<&'rt Loaded> {
    if !rt.components.contains_key(sha256) {
        let invalid = |reason: String| HostError::InvalidComponent {
            url: url.to_owned(),
            reason,
        };
        let component = load_or_compile(&rt.engine, sha256, bytes, cache_dir).map_err(|e| {
            match e.downcast::<HostError>() {
                Ok(cancelled @ HostError::Cancelled { .. }) => cancelled,
                Ok(other) => invalid(format!("{other}")),
                Err(e) => invalid(format!("{e}")),
            }
        })?;
        let version = detect_version(&rt.engine, &component).ok_or_else(|| {
            invalid("it exports no supabase:wrappers/routines interface (0.1.0 or 0.2.0)".into())
        })?;
        let linker = match version {
            WitVersion::V1 => &rt.linker_v1,
            WitVersion::V2 => &rt.linker_v2,
        };
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| invalid(format!("{e:#}")))?;
        // Optional: a component without them (or with an export of that
        // name but another shape) runs exactly as one without them.
        let (explain, returning) = match version {
            WitVersion::V1 => (None, None),
            WitVersion::V2 => (ext::ExplainIndices::new(&pre).ok(), ext::ReturningIndices::new(&pre).ok()),
        };
        let count = match version {
            WitVersion::V1 => None,
            WitVersion::V2 => count::CountIndices::new(&pre).ok(),
        };
        let modify = match version {
            WitVersion::V1 => None,
            WitVersion::V2 => modify::ModifyIndices::new(&pre).ok(),
        };
        rt.components.insert(sha256.to_owned(), Loaded { version, pre, explain, returning, count, modify });
    }
    rt.components
        .get(sha256)
        .ok_or_else(|| HostError::Trap("component cache miss".into()))
}

/// Which optional exports the component `bytes` has, without instantiating
/// it (it is compiled and cached as [`instantiate`] would). For planning:
/// e.g. whether a statement's RETURNING can be answered.
pub fn extensions(url: &str, sha256: &str, bytes: &[u8], cache_dir: Option<&Path>) -> HostResult<Extensions> {
    with_runtime(|rt| {
        let loaded = loaded(rt, url, sha256, bytes, cache_dir)?;
        Ok(Extensions {
            explain: loaded.explain.is_some(),
            returning: loaded.returning.is_some(),
            count: loaded.count.is_some(),
            modify: loaded.modify.is_some(),
        })
    })
}

/// Instantiates `bytes` (whose sha256 is `sha256`), compiling it only the
/// first time this backend sees that checksum, and only the first time any
/// backend does when `cache_dir` is given.
pub fn instantiate(
    url: &str,
    sha256: &str,
    bytes: &[u8],
    host: HostState,
    cache_dir: Option<&Path>,
) -> HostResult<GuestInstance> {
    with_runtime(|rt| {
        let engine = rt.engine.clone();
        let loaded = loaded(rt, url, sha256, bytes, cache_dir)?;
        let data = StoreData {
            limits: GuestLimits::new(memory_limit_mb(&host.server_opts)),
            host,
        };
        let mut store = Store::new(&engine, data);
        store.limiter(|d| &mut d.limits);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|state| {
            if state.data().host.services.cancel_pending() {
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::Continue(1))
            }
        });
        let link_err = |e: wasmtime::Error| HostError::InvalidComponent {
            url: url.to_owned(),
            reason: format!("{e:#}"),
        };
        // The component's start function runs here: like any guest call
        // it is stopped by a cancel (the epoch ticker runs meanwhile).
        let instance = {
            let _active = ActiveCall::enter();
            loaded.pre.instantiate(&mut store)
        };
        let instance = match instance {
            Ok(instance) => instance,
            Err(_) if store.data().host.services.cancel_pending() => {
                return Err(HostError::Cancelled { what: "starting the wasm package".into() });
            }
            Err(e) => return Err(link_err(e)),
        };
        let bindings = match loaded.version {
            WitVersion::V1 => Bindings::V1(v1::Wrappers::new(&mut store, &instance).map_err(link_err)?),
            WitVersion::V2 => Bindings::V2(v2::Wrappers::new(&mut store, &instance).map_err(link_err)?),
        };
        let explain = loaded
            .explain
            .as_ref()
            .and_then(|indices| indices.load(&mut store, &instance).ok());
        let returning = loaded
            .returning
            .as_ref()
            .and_then(|indices| indices.load(&mut store, &instance).ok());
        let count = loaded
            .count
            .as_ref()
            .and_then(|indices| indices.load(&mut store, &instance).ok());
        let modify = loaded
            .modify
            .as_ref()
            .and_then(|indices| indices.load(&mut store, &instance).ok());
        Ok(GuestInstance { store, bindings, explain, returning, count, modify })
    })
}

/// Calls one `routines` export on whichever version the guest speaks.
macro_rules! call {
    ($self:ident, $method:ident $(, $arg:expr)*) => {{
        let _active = ActiveCall::enter();
        let GuestInstance { store, bindings, .. } = &mut *$self;
        let r = match bindings {
            Bindings::V1(b) => b.supabase_wrappers_routines().$method(&mut *store $(, $arg)*),
            Bindings::V2(b) => b.supabase_wrappers_routines().$method(&mut *store $(, $arg)*),
        };
        $self.finish(r)
    }};
}

fn ctx() -> Resource<ContextRes> {
    Resource::new_borrow(0)
}

fn row() -> Resource<RowRes> {
    Resource::new_borrow(0)
}

impl GuestInstance {
    pub fn host(&mut self) -> &mut HostState {
        &mut self.store.data_mut().host
    }

    /// Maps a guest call's outcome: a trap (or `report-error`) first, then
    /// the guest's own `err(...)`; every message is masked.
    fn finish<T>(&mut self, r: wasmtime::Result<Result<T, String>>) -> HostResult<T> {
        let host = &mut self.store.data_mut().host;
        if !matches!(r, Ok(Ok(_))) && host.services.cancel_pending() {
            // the guest was stopped because the query was cancelled: let
            // the database raise its own cancel error
            host.services.check_for_interrupts();
        }
        match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(msg)) => Err(HostError::guest(&host.mask(&msg))),
            Err(trap) => match host.reported_error.take() {
                Some(msg) => Err(HostError::guest(&msg)),
                None if trap.downcast_ref::<MemoryLimitReached>().is_some() => {
                    let limit_mb = trap.downcast_ref::<MemoryLimitReached>().map_or(0, |m| m.limit_mb);
                    Err(HostError::OutOfMemory { limit_mb })
                }
                // the root cause is what went wrong (a host check or a wasm
                // trap); the wasm backtrace above it only names offsets
                None => Err(HostError::Trap(host.mask(&trap.root_cause().to_string()))),
            },
        }
    }

    pub fn host_version_requirement(&mut self) -> HostResult<String> {
        let _active = ActiveCall::enter();
        let r = match &self.bindings {
            Bindings::V1(b) => b
                .supabase_wrappers_routines()
                .call_host_version_requirement(&mut self.store),
            Bindings::V2(b) => b
                .supabase_wrappers_routines()
                .call_host_version_requirement(&mut self.store),
        };
        self.finish(r.map(Ok))
    }

    /// Checks the guest's `host-version-requirement` against [`HOST_VERSION`].
    pub fn check_host_version(&mut self) -> HostResult<()> {
        let requirement = self.host_version_requirement()?;
        check_requirement(&requirement)
    }

    pub fn init(&mut self) -> HostResult<()> {
        call!(self, call_init, ctx())
    }

    pub fn begin_scan(&mut self) -> HostResult<()> {
        call!(self, call_begin_scan, ctx())
    }

    /// One row into `host().row`, or `None` at the end.
    pub fn iter_scan(&mut self) -> HostResult<Option<u32>> {
        self.host().row = Default::default();
        call!(self, call_iter_scan, ctx(), row())
    }

    pub fn re_scan(&mut self) -> HostResult<()> {
        call!(self, call_re_scan, ctx())
    }

    pub fn end_scan(&mut self) -> HostResult<()> {
        let ended = call!(self, call_end_scan, ctx());
        // the bodies' mappings kept for the scan's next pages
        crate::host::body::release_spare();
        ended
    }

    pub fn begin_modify(&mut self) -> HostResult<()> {
        call!(self, call_begin_modify, ctx())
    }

    pub fn insert(&mut self) -> HostResult<()> {
        call!(self, call_insert, ctx(), row())
    }

    pub fn update(&mut self, rowid: &Cell) -> HostResult<()> {
        let conv = |e: crate::host::HostTrap| HostError::conversion(e.0);
        let _active = ActiveCall::enter();
        let GuestInstance { store, bindings, .. } = &mut *self;
        let r = match bindings {
            Bindings::V1(b) => {
                let id = v1::cell_to_wit(rowid).map_err(conv)?;
                b.supabase_wrappers_routines().call_update(&mut *store, ctx(), &id, row())
            }
            Bindings::V2(b) => {
                let id = v2::cell_to_wit(rowid).map_err(conv)?;
                b.supabase_wrappers_routines().call_update(&mut *store, ctx(), &id, row())
            }
        };
        self.finish(r)
    }

    pub fn delete(&mut self, rowid: &Cell) -> HostResult<()> {
        let conv = |e: crate::host::HostTrap| HostError::conversion(e.0);
        let _active = ActiveCall::enter();
        let GuestInstance { store, bindings, .. } = &mut *self;
        let r = match bindings {
            Bindings::V1(b) => {
                let id = v1::cell_to_wit(rowid).map_err(conv)?;
                b.supabase_wrappers_routines().call_delete(&mut *store, ctx(), &id)
            }
            Bindings::V2(b) => {
                let id = v2::cell_to_wit(rowid).map_err(conv)?;
                b.supabase_wrappers_routines().call_delete(&mut *store, ctx(), &id)
            }
        };
        self.finish(r)
    }

    /// Whether the guest exports the optional `clerk:wrappers-ext/explain`.
    pub fn has_explain(&self) -> bool {
        self.explain.is_some()
    }

    /// Calls the optional `explain` export with the current context: the
    /// guest's `Label: text` lines, masked and cleaned (see
    /// [`crate::explain::clean_lines`]), or `None` when it has no such
    /// export (it is then never called).
    pub fn explain(&mut self) -> HostResult<Option<Vec<String>>> {
        let _active = ActiveCall::enter();
        let GuestInstance { store, explain, .. } = &mut *self;
        let Some(explain) = explain else {
            return Ok(None);
        };
        let r = explain.call_explain(&mut *store, ctx());
        let lines = self.finish(r)?;
        let host = self.host();
        Ok(Some(crate::explain::clean_lines(lines, |l| host.mask(l))))
    }

    /// Whether the guest exports the optional `clerk:wrappers-ext/count`.
    pub fn has_count(&self) -> bool {
        self.count.is_some()
    }

    /// Calls the optional `count` export's `plan-count` with the current
    /// context: `Ok(None)` when the guest has no such export or cannot
    /// count this scan exactly, else its EXPLAIN lines (masked, cleaned).
    pub fn plan_count(&mut self) -> HostResult<Option<Vec<String>>> {
        let _active = ActiveCall::enter();
        let GuestInstance { store, count, .. } = &mut *self;
        let Some(count) = count else {
            return Ok(None);
        };
        let r = count.call_plan_count(&mut *store, ctx());
        let Some(lines) = self.finish(r)? else {
            return Ok(None);
        };
        let host = self.host();
        Ok(Some(crate::explain::clean_lines(lines, |l| host.mask(l))))
    }

    /// Calls the optional `count` export's `count` with the current
    /// context: the number of rows of the scan (`Ok(None)`: no such export).
    pub fn count(&mut self) -> HostResult<Option<u64>> {
        let _active = ActiveCall::enter();
        let GuestInstance { store, count, .. } = &mut *self;
        let Some(count) = count else {
            return Ok(None);
        };
        let r = count.call_count(&mut *store, ctx());
        self.finish(r).map(Some)
    }

    /// Whether the guest exports the optional `clerk:wrappers-ext/modify`.
    pub fn has_modify(&self) -> bool {
        self.modify.is_some()
    }

    /// Calls the optional `modify` export's `plan-modify` with the current
    /// context (its options): `Ok(())` when the guest has no such export or
    /// the write can be attempted, else the guest's error.
    pub fn plan_modify(&mut self, op: crate::model::WriteOperation, columns: &[String]) -> HostResult<()> {
        let _active = ActiveCall::enter();
        let GuestInstance { store, modify, .. } = &mut *self;
        let Some(modify) = modify else {
            return Ok(());
        };
        let op = match op {
            crate::model::WriteOperation::Insert => modify::Operation::Insert,
            crate::model::WriteOperation::Update => modify::Operation::Update,
            crate::model::WriteOperation::Delete => modify::Operation::Delete,
        };
        let r = modify.call_plan_modify(&mut *store, ctx(), op, columns);
        self.finish(r)
    }

    /// Whether the guest exports the optional `clerk:wrappers-ext/returning`.
    pub fn has_returning(&self) -> bool {
        self.returning.is_some()
    }

    /// Calls the optional `returning` export after a write: the row the
    /// last `insert`/`update`/`delete` was answered with, one cell per
    /// column of `host().columns` (set by the caller), in `host().row`'s
    /// form. `Ok(None)`: the guest has no such export (it is then never
    /// called); `Ok(Some(None))`: it answered false (no object).
    pub fn last_row(&mut self) -> HostResult<Option<Option<RowData>>> {
        self.host().row = RowData::default();
        let _active = ActiveCall::enter();
        let GuestInstance { store, returning, .. } = &mut *self;
        let Some(returning) = returning else {
            return Ok(None);
        };
        let r = returning.call_last_row(&mut *store, ctx(), row());
        let found = self.finish(r);
        let data = std::mem::take(&mut self.host().row);
        if !found? {
            return Ok(Some(None));
        }
        let wanted = self.host().columns.len();
        if data.cells.len() != wanted {
            return Err(HostError::Guest {
                message: format!(
                    "the wasm guest returned {} cells for {wanted} RETURNING columns",
                    data.cells.len()
                ),
                hint: None,
                sqlstate: None,
            });
        }
        Ok(Some(Some(data)))
    }

    pub fn end_modify(&mut self) -> HostResult<()> {
        call!(self, call_end_modify, ctx())
    }

    pub fn import_foreign_schema(&mut self, stmt: &ImportStmt) -> HostResult<Vec<String>> {
        let _active = ActiveCall::enter();
        let GuestInstance { store, bindings, .. } = &mut *self;
        let r = match bindings {
            Bindings::V1(_) => {
                return Err(HostError::Guest {
                    message: "import foreign schema is not supported by this wasm package".into(),
                    hint: Some("it implements supabase:wrappers@0.1.0; create the foreign tables by hand".into()),
                    sqlstate: None,
                })
            }
            Bindings::V2(b) => b.supabase_wrappers_routines().call_import_foreign_schema(
                &mut *store,
                ctx(),
                &v2::import_stmt_to_wit(stmt),
            ),
        };
        self.finish(r)
    }
}

/// Whether this host satisfies a guest's semver requirement (`^0.1.0`).
pub fn check_requirement(requirement: &str) -> HostResult<()> {
    let req = semver::VersionReq::parse(requirement).map_err(|e| HostError::VersionMismatch {
        host: HOST_VERSION.into(),
        requirement: format!("{requirement} (unparsable: {e})"),
    })?;
    let host = semver::Version::parse(HOST_VERSION).map_err(|e| HostError::Trap(e.to_string()))?;
    if req.matches(&host) {
        Ok(())
    } else {
        Err(HostError::VersionMismatch {
            host: HOST_VERSION.into(),
            requirement: requirement.to_owned(),
        })
    }
}

/// Shared HTTP clients, one per distinct configuration (i.e. per server
/// settings) per backend, so keep-alive connections survive across queries.
pub fn http_client(config: crate::host::http::HttpConfig) -> Arc<crate::host::http::HttpClient> {
    thread_local! {
        static CLIENTS: RefCell<HashMap<crate::host::http::HttpConfig, Arc<crate::host::http::HttpClient>>> =
            RefCell::new(HashMap::new());
    }
    CLIENTS.with(|c| {
        c.borrow_mut()
            .entry(config.clone())
            .or_insert_with(|| Arc::new(crate::host::http::HttpClient::new(config)))
            .clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_guests_requirements_are_met() {
        for req in ["^0.1.0", ">=0.1.0", "0.1", "*"] {
            assert!(check_requirement(req).is_ok(), "{req}");
        }
    }

    #[test]
    fn a_guest_asking_for_a_newer_host_is_refused_with_both_versions() {
        let err = check_requirement("^0.2.0").unwrap_err().to_string();
        assert!(err.contains("0.1.5") && err.contains("^0.2.0"), "{err}");
        assert!(check_requirement("not a version").is_err());
    }
}

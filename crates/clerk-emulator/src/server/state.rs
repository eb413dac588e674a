//! The emulator's configuration and shared state: the instance's secret
//! key, the seeded `Store` behind a lock (write endpoints mutate it; reset
//! re-seeds it through the `Hooks` the crate root gives), the knobs, and
//! the request counters and log the admin routes expose.

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::server::knobs::{Knobs, LiveKnobs};
use crate::server::logging::LogLevel;
use crate::server::requests::{Counters, RequestLog};

/// Everything `clerk-emulator`'s flags set.
#[derive(Clone)]
pub struct Config {
    /// The only bearer token accepted on `/v1`. Never printed.
    pub secret_key: String,
    pub users: u32,
    pub organizations: u32,
    pub seed: u64,
    pub log_level: LogLevel,
    /// The knobs at startup (and after `POST /__emulator/reset`).
    pub knobs: Knobs,
}

impl Config {
    /// A config with the given key and sizes, seed 42 and logging off (what
    /// in-process tests want).
    pub fn new(secret_key: impl Into<String>, users: u32, organizations: u32) -> Self {
        Self {
            secret_key: secret_key.into(),
            users,
            organizations,
            seed: 42,
            log_level: LogLevel::Off,
            knobs: Knobs::default(),
        }
    }

    pub fn with_knobs(mut self, knobs: Knobs) -> Self {
        self.knobs = knobs;
        self
    }

    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("secret_key", &"<redacted>")
            .field("users", &self.users)
            .field("organizations", &self.organizations)
            .field("seed", &self.seed)
            .field("log_level", &self.log_level)
            .field("knobs", &self.knobs)
            .finish()
    }
}

/// The seeded Clerk instance: every resource's table, keyed by its type
/// (each resource module owns its table type; the registry,
/// `crate::resources`, seeds them), the seed and the write clock. Keyed by
/// type so that this module names no resource and the resources name only
/// the tables they read.
pub struct Store {
    tables: BTreeMap<TypeId, Box<dyn Any + Send + Sync>>,
    seed: u64,
    /// The write clock: writes are stamped after every seeded time, one
    /// second apart, so output stays reproducible (the wall clock is never
    /// read) and created objects sort after seeded ones.
    clock: i64,
}

/// A resource's table in the `Store`; implement it with `store_table!`.
pub trait StoreTable: Any + Send + Sync + Sized {
    /// The table of an instance where nothing was seeded.
    fn unseeded() -> Self;
    /// The table read from a store that holds none of this type: an
    /// unseeded one (never read from a store the registry seeded, which
    /// holds every table; a request never panics all the same).
    fn empty() -> &'static Self;
}

/// `impl StoreTable for $table`, `$unseeded` building its unseeded table
/// (the empty one lives in a static).
macro_rules! store_table {
    ($table:ty, $unseeded:expr) => {
        impl $crate::server::state::StoreTable for $table {
            fn unseeded() -> Self {
                $unseeded
            }

            fn empty() -> &'static Self {
                static EMPTY: ::std::sync::OnceLock<$table> = ::std::sync::OnceLock::new();
                EMPTY.get_or_init(<$table as $crate::server::state::StoreTable>::unseeded)
            }
        }
    };
}
pub(crate) use store_table;

impl Store {
    /// A store with no tables yet, for `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            tables: BTreeMap::new(),
            seed,
            clock: crate::seed::NOW_MS,
        }
    }

    /// Add (or replace) the table of type `T`.
    pub fn insert<T: StoreTable>(&mut self, table: T) {
        self.tables.insert(TypeId::of::<T>(), Box::new(table));
    }

    /// The table of type `T`.
    pub fn table<T: StoreTable>(&self) -> &T {
        self.tables
            .get(&TypeId::of::<T>())
            .and_then(|table| table.downcast_ref::<T>())
            .unwrap_or_else(|| T::empty())
    }

    /// The table of type `T`, for a write (an unseeded one is added first
    /// if the store had none).
    pub fn table_mut<T: StoreTable>(&mut self) -> &mut T {
        let slot = self
            .tables
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::unseeded()));
        if !slot.is::<T>() {
            *slot = Box::new(T::unseeded());
        }
        match slot.downcast_mut::<T>() {
            Some(table) => table,
            // Unreachable: the slot holds a `T`, checked just above. A
            // detached empty table rather than a panic on a request path.
            None => Box::leak(Box::new(T::unseeded())),
        }
    }

    /// The seed everything was generated from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The next write time (Unix ms).
    pub fn tick(&mut self) -> i64 {
        self.clock += 1000;
        self.clock
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("tables", &self.tables.len())
            .field("seed", &self.seed)
            .field("clock", &self.clock)
            .finish()
    }
}

/// How a resource seeds its table (`Resource::seeding` in the registry,
/// `crate::resources`, which runs every resource's in an order that puts
/// the resources named in `reads` first).
#[derive(Debug, Clone, Copy)]
pub struct Seeding {
    /// Add the resource's seeded table to the store.
    pub table: fn(&mut Store, &Config),
    /// The resources (registry names) whose seeded tables it reads.
    pub reads: &'static [&'static str],
}

/// A resource's `SEEDING`: `table` seeds it, after the resources in `reads`.
pub const fn seeding(
    table: fn(&mut Store, &Config),
    reads: &'static [&'static str],
) -> Option<Seeding> {
    Some(Seeding { table, reads })
}

/// What the server needs from the resources it serves, given by the crate
/// root (`crate::app`): how to seed the store, and which bearer keys
/// other than the instance's secret key the store holds (machines' keys,
/// which `/m2m_tokens` accepts).
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    pub seed: fn(&Config) -> Store,
    pub machine_key: fn(&Store, &str) -> bool,
}

/// Cheaply clonable handle on the shared state, given to every handler.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    config: Config,
    hooks: Hooks,
    store: RwLock<Store>,
    counters: Counters,
    log: RequestLog,
    knobs: Arc<LiveKnobs>,
}

impl AppState {
    pub fn new(config: Config, hooks: Hooks) -> Self {
        let store = (hooks.seed)(&config);
        Self {
            inner: Arc::new(Shared {
                store: RwLock::new(store),
                counters: Counters::default(),
                log: RequestLog::default(),
                knobs: Arc::new(LiveKnobs::new(config.knobs.clone(), config.seed)),
                hooks,
                config,
            }),
        }
    }

    /// Write access to the data, for write endpoints.
    pub fn store_mut(&self) -> RwLockWriteGuard<'_, Store> {
        self.inner
            .store
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Back to the state at startup: seeded data, knobs, counters, log.
    pub fn reset(&self) {
        let config = &self.inner.config;
        *self.store_mut() = (self.inner.hooks.seed)(config);
        self.set_knobs(config.knobs.clone());
        self.inner.counters.reset();
        self.inner.log.reset();
    }

    /// A snapshot of the current knobs.
    pub fn knobs(&self) -> Knobs {
        self.inner.knobs.get()
    }

    /// New knobs, with a fresh rate-limit window and draw counter.
    pub fn set_knobs(&self, knobs: Knobs) {
        self.inner.knobs.set(knobs);
    }

    /// The knobs, as the `/v1` layer that applies them holds them.
    pub fn live_knobs(&self) -> Arc<LiveKnobs> {
        self.inner.knobs.clone()
    }

    /// Whether `key` is the secret key of one of the store's machines.
    pub fn accepts_machine_key(&self, key: &str) -> bool {
        (self.inner.hooks.machine_key)(&self.store(), key)
    }

    pub fn log(&self) -> &RequestLog {
        &self.inner.log
    }

    /// Read access to the seeded data. A panic while a writer held the lock
    /// cannot leave seeded data half-written, so a poisoned lock is reused.
    pub fn store(&self) -> RwLockReadGuard<'_, Store> {
        self.inner
            .store
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn secret_key(&self) -> &str {
        &self.inner.config.secret_key
    }

    pub fn log_level(&self) -> LogLevel {
        self.inner.config.log_level
    }

    pub fn counters(&self) -> &Counters {
        &self.inner.counters
    }
}

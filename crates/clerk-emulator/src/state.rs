//! The emulator's configuration and shared state: the instance's secret
//! key, the seeded tables behind a lock (so later write endpoints can mutate
//! them), and the request counters the admin routes expose.

use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use crate::admin::Counters;
use crate::logging::LogLevel;
use crate::memberships::Memberships;
use crate::organizations::Organizations;
use crate::users::Users;

/// Everything `clerk-emulator`'s flags set.
#[derive(Clone)]
pub struct Config {
    /// The only bearer token accepted on `/v1`. Never printed.
    pub secret_key: String,
    pub users: u32,
    pub organizations: u32,
    pub seed: u64,
    pub log_level: LogLevel,
}

impl Config {
    /// A config with the given key and sizes, seed 42 and logging off (what
    /// in-process tests want).
    pub fn new(secret_key: impl Into<String>, users: u32, organizations: u32) -> Self {
        Self { secret_key: secret_key.into(), users, organizations, seed: 42, log_level: LogLevel::Off }
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
            .finish()
    }
}

/// The seeded Clerk instance: one table per resource.
#[derive(Debug)]
pub struct Store {
    pub users: Users,
    pub organizations: Organizations,
    pub memberships: Memberships,
}

impl Store {
    pub fn seeded(seed: u64, users: u32, organizations: u32) -> Self {
        let memberships = Memberships::seeded(seed, users, organizations);
        Self {
            users: Users::seeded(seed, users),
            organizations: Organizations::seeded(seed, organizations, &memberships),
            memberships,
        }
    }
}

/// Cheaply clonable handle on the shared state, given to every handler.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    secret_key: String,
    log_level: LogLevel,
    store: RwLock<Store>,
    counters: Counters,
}

impl AppState {
    pub fn new(config: Config) -> Self {
        let store = Store::seeded(config.seed, config.users, config.organizations);
        Self {
            inner: Arc::new(Shared {
                secret_key: config.secret_key,
                log_level: config.log_level,
                store: RwLock::new(store),
                counters: Counters::default(),
            }),
        }
    }

    /// Read access to the seeded data. A panic while a writer held the lock
    /// cannot leave seeded data half-written, so a poisoned lock is reused.
    pub fn store(&self) -> RwLockReadGuard<'_, Store> {
        self.inner.store.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn secret_key(&self) -> &str {
        &self.inner.secret_key
    }

    pub fn log_level(&self) -> LogLevel {
        self.inner.log_level
    }

    pub fn counters(&self) -> &Counters {
        &self.inner.counters
    }
}

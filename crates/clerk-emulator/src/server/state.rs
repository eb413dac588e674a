//! The emulator's configuration and shared state: the instance's secret
//! key, the seeded tables behind a lock (write endpoints mutate them; reset
//! re-seeds them), the knobs, and the request counters and log the admin
//! routes expose.

use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::resources::api_keys::ApiKeys;
use crate::resources::billing::Billing;
use crate::resources::directories::Directories;
use crate::resources::domains::Domains;
use crate::resources::identifications::Identifications;
use crate::resources::identifiers::Identifiers;
use crate::resources::invitations::Invitations;
use crate::resources::jwt_templates::JwtTemplates;
use crate::resources::machines::Machines;
use crate::resources::memberships::Memberships;
use crate::resources::oauth_applications::OAuthApplications;
use crate::resources::organization_domains::OrganizationDomains;
use crate::resources::organization_invitations::OrgInvitations;
use crate::resources::organizations::Organizations;
use crate::resources::rbac::Rbac;
use crate::resources::redirect_urls::RedirectUrls;
use crate::resources::sessions::Sessions;
use crate::resources::sso_connections::SsoConnections;
use crate::resources::templates::Templates;
use crate::resources::users::Users;
use crate::resources::waitlist::Waitlist;
use crate::server::admin::{Counters, RequestLog};
use crate::server::knobs::{KnobState, Knobs};
use crate::server::logging::LogLevel;

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

/// The seeded Clerk instance: one table per resource.
#[derive(Debug)]
pub struct Store {
    pub users: Users,
    pub organizations: Organizations,
    pub memberships: Memberships,
    pub org_invitations: OrgInvitations,
    pub invitations: Invitations,
    pub rbac: Rbac,
    pub identifiers: Identifiers,
    pub domains: Domains,
    pub jwt_templates: JwtTemplates,
    pub redirect_urls: RedirectUrls,
    pub oauth_applications: OAuthApplications,
    pub sso: SsoConnections,
    pub org_domains: OrganizationDomains,
    pub identifications: Identifications,
    pub sessions: Sessions,
    pub waitlist: Waitlist,
    pub machines: Machines,
    pub api_keys: ApiKeys,
    pub billing: Billing,
    pub templates: Templates,
    pub directories: Directories,
    seed: u64,
    /// The write clock: writes are stamped after every seeded time, one
    /// second apart, so output stays reproducible (the wall clock is never
    /// read) and created objects sort after seeded ones.
    clock: i64,
}

impl Store {
    pub fn seeded(seed: u64, users: u32, organizations: u32) -> Self {
        let memberships = Memberships::seeded(seed, users, organizations);
        let org_invitations = OrgInvitations::seeded(seed, users, organizations, |org| {
            memberships.seeded_members(org)
        });
        let user_table = Users::seeded(seed, users);
        let org_table = Organizations::seeded(seed, organizations, &memberships);
        let billing = Billing::seeded(seed, users, organizations, &|k| {
            if k < users {
                user_table.core(k).created_at
            } else {
                org_table.core(k - users).created_at
            }
        });
        let sso = SsoConnections::seeded(seed, organizations);
        Self {
            directories: Directories::seeded(seed, sso.seeded_enterprise_count()),
            sso,
            org_invitations,
            invitations: Invitations::seeded(seed, users),
            users: user_table,
            organizations: org_table,
            memberships,
            billing,
            rbac: Rbac::seeded(seed),
            identifiers: Identifiers::seeded(seed),
            domains: Domains::seeded(seed),
            jwt_templates: JwtTemplates::seeded(seed),
            redirect_urls: RedirectUrls::seeded(seed),
            oauth_applications: OAuthApplications::seeded(seed),
            org_domains: OrganizationDomains::seeded(seed, organizations),
            identifications: Identifications::default(),
            sessions: Sessions::seeded(seed, users),
            waitlist: Waitlist::seeded(seed, users),
            machines: Machines::seeded(seed),
            api_keys: ApiKeys::seeded(seed, users, organizations),
            templates: Templates::seeded(seed),
            seed,
            clock: crate::seed::NOW_MS,
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

/// Cheaply clonable handle on the shared state, given to every handler.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    config: Config,
    store: RwLock<Store>,
    counters: Counters,
    log: RequestLog,
    knobs: RwLock<Knobs>,
    knob_state: KnobState,
}

impl AppState {
    pub fn new(config: Config) -> Self {
        let store = Store::seeded(config.seed, config.users, config.organizations);
        Self {
            inner: Arc::new(Shared {
                store: RwLock::new(store),
                counters: Counters::default(),
                log: RequestLog::default(),
                knobs: RwLock::new(config.knobs.clone()),
                knob_state: KnobState::new(config.seed),
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
        *self.store_mut() = Store::seeded(config.seed, config.users, config.organizations);
        self.set_knobs(config.knobs.clone());
        self.inner.knob_state.reset();
        self.inner.counters.reset();
        self.inner.log.reset();
    }

    /// A snapshot of the current knobs.
    pub fn knobs(&self) -> Knobs {
        self.inner
            .knobs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_knobs(&self, knobs: Knobs) {
        *self.inner.knobs.write().unwrap_or_else(|p| p.into_inner()) = knobs;
    }

    pub fn knob_state(&self) -> &KnobState {
        &self.inner.knob_state
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

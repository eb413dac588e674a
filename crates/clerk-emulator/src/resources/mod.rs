//! The Clerk resources the emulator serves, one module (or folder) each,
//! and the registry that wires them (`RESOURCES`, one `resource!` line per
//! resource): every resource's `routes()` (and its `writes::routes()`
//! where its writes have a module of their own) under `/v1`, its coverage
//! entries (`OPERATIONS`, held to the spec by `tests/conformance.rs`), its
//! lists that page (`PAGED_LISTS`, walked by `tests/paging_prop.rs`) and
//! its seeding (`SEEDING`, run by `seeded_store` in `seeding_order`).
//!
//! Each resource module holds its model (a table for the list engine,
//! `crate::engine`, stored in `crate::server::state::Store` under its
//! type: `store_table!` beside the type), its seeding (a pure function of
//! the seed, see `crate::seed`), its handlers and its writes. Adding a
//! resource: its module here with `routes()`, `OPERATIONS`,
//! `PAGED_LISTS` and `SEEDING` (naming the resources whose tables its
//! seeding reads), and a `resource!` line in `RESOURCES`.

pub mod api_keys;
pub mod billing;
pub mod directories;
pub mod domains;
pub mod identifications;
pub mod identifiers;
pub mod instance;
pub mod invitations;
pub mod jwks;
pub mod jwt_templates;
pub mod machines;
pub mod memberships;
pub mod oauth_applications;
pub mod oauth_tokens;
pub mod organization_domains;
pub mod organization_invitations;
pub mod organizations;
pub mod rbac;
pub mod redirect_urls;
pub mod sessions;
pub mod sign_ups;
pub mod sso_connections;
pub mod templates;
pub mod test_runs;
pub mod trusted_devices;
pub mod users;
pub mod waitlist;

use axum::Router;

use crate::coverage::{Operation, PagedList};
use crate::server::state::{AppState, Config, Hooks, Seeding, Store};

/// What the registry knows of a resource.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// The module's name.
    pub name: &'static str,
    /// Its routes (reads, then writes when a module of their own holds
    /// them), merged under the `/v1` middleware.
    pub routes: &'static [fn() -> Router<AppState>],
    /// The Backend API operations those routes serve.
    pub operations: &'static [Operation],
    /// The lists among them that page by `limit`/`offset`.
    pub paged_lists: &'static [PagedList],
    /// How its table is seeded, if it has one.
    pub seeding: Option<Seeding>,
}

macro_rules! resource {
    ($module:ident $(, $writes:ident)?) => {
        Resource {
            name: stringify!($module),
            routes: &[$module::routes $(, $module::$writes::routes)?],
            operations: $module::OPERATIONS,
            paged_lists: $module::PAGED_LISTS,
            seeding: $module::SEEDING,
        }
    };
}

/// Every resource, in routing order.
pub const RESOURCES: &[Resource] = &[
    resource!(users, writes),
    resource!(organizations, writes),
    resource!(memberships, writes),
    resource!(organization_invitations),
    resource!(invitations),
    resource!(rbac),
    resource!(identifiers),
    resource!(domains),
    resource!(jwt_templates),
    resource!(redirect_urls),
    resource!(oauth_applications),
    resource!(sso_connections),
    resource!(organization_domains),
    resource!(identifications),
    resource!(sessions),
    resource!(waitlist),
    resource!(machines),
    resource!(api_keys),
    resource!(billing),
    resource!(oauth_tokens),
    resource!(templates),
    resource!(instance),
    resource!(directories),
    resource!(trusted_devices),
    resource!(test_runs),
    resource!(jwks),
    resource!(sign_ups),
];

/// What the server needs from the resources, for `crate::app`.
pub const HOOKS: Hooks = Hooks {
    seed: seeded_store,
    machine_key: machines::is_machine_key,
};

/// The store of every resource's seeded table: each resource's `SEEDING`,
/// in `seeding_order`.
pub fn seeded_store(config: &Config) -> Store {
    let mut store = Store::new(config.seed);
    for resource in seeding_order() {
        if let Some(seeding) = resource.seeding {
            (seeding.table)(&mut store, config);
        }
    }
    store
}

/// The resources in registry order, except that each comes after the
/// resources its seeding reads. A name no resource has, or reads that go
/// round in a circle, leave the resources concerned in registry order at
/// the end (`seeding_tests` rules both out).
pub fn seeding_order() -> Vec<&'static Resource> {
    let reads = |r: &Resource| r.seeding.map_or(&[][..], |s| s.reads);
    let mut order: Vec<&'static Resource> = Vec::with_capacity(RESOURCES.len());
    let mut left: Vec<&'static Resource> = RESOURCES.iter().collect();
    while let Some(at) = left.iter().position(|r| {
        reads(r)
            .iter()
            .all(|name| order.iter().any(|done| done.name == *name))
    }) {
        order.push(left.remove(at));
    }
    order.extend(left);
    order
}

/// Every resource's routes, for `crate::server::router`.
pub fn routes() -> Router<AppState> {
    RESOURCES
        .iter()
        .flat_map(|resource| resource.routes)
        .fold(Router::new(), |router, routes| router.merge(routes()))
}

/// Every resource's paged lists, in registry order, for the paging
/// property.
pub fn paged_lists() -> impl Iterator<Item = &'static PagedList> {
    RESOURCES.iter().flat_map(|resource| resource.paged_lists)
}

/// The coverage list: every resource's operations, in registry order.
pub const OPERATIONS: &[Operation] = &concat_operations::<{ operation_count() }>();

const fn operation_count() -> usize {
    let mut total = 0;
    let mut r = 0;
    while r < RESOURCES.len() {
        total += RESOURCES[r].operations.len();
        r += 1;
    }
    total
}

const fn concat_operations<const N: usize>() -> [Operation; N] {
    let mut all = [crate::coverage::op("", "", crate::coverage::Status::Pending); N];
    let mut k = 0;
    let mut r = 0;
    while r < RESOURCES.len() {
        let operations = RESOURCES[r].operations;
        let mut i = 0;
        while i < operations.len() {
            all[k] = operations[i];
            k += 1;
            i += 1;
        }
        r += 1;
    }
    all
}

#[cfg(test)]
mod seeding_tests {
    use super::*;

    #[test]
    fn every_resource_is_seeded_after_the_tables_its_seeding_reads() {
        let order = seeding_order();
        assert_eq!(order.len(), RESOURCES.len());
        for (at, resource) in order.iter().enumerate() {
            for name in resource.seeding.map_or(&[][..], |s| s.reads) {
                let read = order.iter().position(|r| r.name == *name);
                assert!(
                    read.is_some_and(|read| read < at),
                    "{} reads {name}, which is not seeded before it",
                    resource.name
                );
            }
        }
    }
}

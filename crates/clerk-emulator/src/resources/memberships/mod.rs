//! Organization memberships: who belongs to which organization, with which
//! role, and the read endpoints `GET /v1/organizations/{id}/memberships`,
//! `GET /v1/organization_memberships` and
//! `GET /v1/users/{id}/organization_memberships` (schema
//! `OrganizationMembership`). The relation itself (which the users and
//! organizations lists also read) is in `model`, the writes in `writes`.
//!
//! Seeded relation: 80% of users join one organization (stream
//! `Membership`, unchanged since the first emulator so `members_count` and
//! `created_by` stay stable in spirit), and a quarter of those join one or
//! two more (stream `ExtraMembership`). The relation is stored once, user
//! major, in compact `u32` arrays (about 12 bytes per membership plus 4 per
//! user and per organization); every other field of a membership is a pure
//! function of `(seed, user, organization)`. Each organization's earliest
//! member is its creator and an `org:admin`.
//!
//! Deleting a user or an organization ends its memberships; deleted
//! memberships keep their index (orders stay stable) but are never listed.

pub mod model;
pub mod writes;

pub use model::{MembershipField, Memberships, Written, DEFAULT_ORDER, ID_PREFIX};

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::coverage::{op, paged, ListOrder, Operation, PagedList, Status::Served};
use crate::engine::params::{OrderBy, QueryParams};
use crate::engine::table::{self, KeyValue, Selection, SortCache, SortKey, Table};
use crate::resources::organizations::Organizations;
use crate::resources::organizations::{Include, Organization};
use crate::resources::rbac::Rbac;
use crate::resources::users::Users;
use crate::resources::users::{UserField, UserFilter};
use crate::seed::{between, ksuid_bytes, pick, Stream, DAY_MS, NOW_MS};
use crate::server::envelope;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

pub const ADMIN_ROLE: &str = "org:admin";
const DEPARTMENTS: &[&str] = &["engineering", "sales", "support", "finance"];

/// A role key from a request body, which must name a role of the
/// instance (`/v1/organization_roles`).
pub fn existing_role(store: &Store, key: String) -> ApiResult<String> {
    if store.table::<Rbac>().role_info(&key).is_some() {
        Ok(key)
    } else {
        Err(ApiError::ParamValue {
            param: "role",
            reason: format!(
                "must be one of {}",
                store.table::<Rbac>().role_keys().join(", ")
            ),
        })
    }
}

/// The read routes (the writes are `writes::routes`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/organizations/{organization_id}/memberships",
            get(list_for_organization),
        )
        .route("/v1/organization_memberships", get(list_all))
        .route(
            "/v1/users/{user_id}/organization_memberships",
            get(list_for_user),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/users/{user_id}/organization_memberships", Served),
    op(
        "GET",
        "/organizations/{organization_id}/memberships",
        Served,
    ),
    op(
        "POST",
        "/organizations/{organization_id}/memberships",
        Served,
    ),
    op(
        "PATCH",
        "/organizations/{organization_id}/memberships/{user_id}",
        Served,
    ),
    op(
        "DELETE",
        "/organizations/{organization_id}/memberships/{user_id}",
        Served,
    ),
    op(
        "PATCH",
        "/organizations/{organization_id}/memberships/{user_id}/metadata",
        Served,
    ),
    op("GET", "/organization_memberships", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] =
    &[
        paged("/v1/organization_memberships?x=1").order(ListOrder::UserFields(&[
            "created_at",
            "phone_number",
            "email_address",
            "first_name",
            "last_name",
            "username",
        ])),
    ];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(Memberships::seeded(
        config.seed,
        config.users,
        config.organizations,
    ));
}

impl Memberships {
    /// The seeded state of membership `m`.
    pub fn seeded_state(&self, store: &Store, m: u32) -> Written {
        let (user, org) = self.pair(m);
        let w = self.words(user, org);
        let joined_from = store
            .table::<Users>()
            .core(user)
            .created_at
            .max(store.table::<Organizations>().core(org).created_at);
        let created_at = between(
            joined_from,
            (joined_from + 60 * DAY_MS).min(NOW_MS - DAY_MS),
            w(0),
        );
        let role = if self.first_member(org) == Some(user) {
            ADMIN_ROLE
        } else {
            match w(1) % 100 {
                0..12 => ADMIN_ROLE,
                12..17 => "org:billing_manager",
                _ => "org:member",
            }
        };
        Written {
            role: role.to_owned(),
            public_metadata: match w(2) % 4 {
                0 | 1 => json!({}),
                2 => json!({ "department": DEPARTMENTS[pick(w(3), DEPARTMENTS.len())] }),
                _ => json!({ "title": "Team lead" }),
            },
            private_metadata: if w(4).is_multiple_of(3) {
                json!({ "cost_center": format!("cc-{}", 100 + w(5) % 900) })
            } else {
                json!({})
            },
            created_at,
            updated_at: between(created_at, NOW_MS, w(6)),
        }
    }

    /// Membership `m` as last written.
    pub fn state(&self, store: &Store, m: u32) -> Written {
        match self.written.get(&m) {
            Some(w) => w.clone(),
            None => self.seeded_state(store, m),
        }
    }

    /// The `OrganizationMembership` object.
    pub fn membership(&self, store: &Store, m: u32) -> Membership {
        let (user, org) = self.pair(m);
        let state = self.state(store, m);
        let role = store.table::<Rbac>().role_info(&state.role);
        let u = store.table::<Users>().user(user);
        let identifier = u
            .primary_email()
            .map(str::to_owned)
            .or_else(|| u.username.clone())
            .or_else(|| u.primary_phone().map(str::to_owned));
        Membership {
            object: "organization_membership",
            id: self.id(m, state.created_at),
            permissions: role
                .as_ref()
                .map(|r| r.permission_keys.clone())
                .unwrap_or_default(),
            role_name: role.map_or_else(|| state.role.clone(), |r| r.name),
            role: state.role,
            public_metadata: state.public_metadata,
            private_metadata: state.private_metadata,
            organization: store.table::<Organizations>().organization(
                store,
                org,
                Include::default(),
            ),
            public_user_data: PublicUserData {
                user_id: u.id,
                first_name: u.first_name,
                last_name: u.last_name,
                profile_image_url: Some(u.profile_image_url),
                image_url: u.image_url,
                has_image: u.has_image,
                identifier,
                username: u.username,
                banned: u.banned,
                deprovisioned: u.deprovisioned,
            },
            created_at: state.created_at,
            updated_at: state.updated_at,
        }
    }

    /// The memberships as a sortable table over `store`.
    pub fn table<'s>(&'s self, store: &'s Store) -> MembershipTable<'s> {
        MembershipTable {
            store,
            cache: self
                .orders
                .get(self.version.wrapping_mul(1_000_003) ^ store.table::<Users>().version()),
        }
    }
}

/// The memberships over the store they read their sort keys from.
pub struct MembershipTable<'s> {
    store: &'s Store,
    cache: Arc<SortCache>,
}

impl Table for MembershipTable<'_> {
    type Field = MembershipField;

    fn len(&self) -> usize {
        self.store.table::<Memberships>().len() as usize
    }

    fn natural_field(&self) -> MembershipField {
        MembershipField::CreatedAt
    }

    /// Memberships are stored user by user, not in creation order.
    fn natural_order_holds(&self) -> bool {
        false
    }

    fn sort_key(&self, field: MembershipField, m: u32) -> SortKey {
        let memberships = &self.store.table::<Memberships>();
        let state = memberships.state(self.store, m);
        let (user, _) = memberships.pair(m);
        let user_field = match field {
            MembershipField::CreatedAt => None,
            MembershipField::PhoneNumber => Some(UserField::PhoneNumber),
            MembershipField::EmailAddress => Some(UserField::EmailAddress),
            MembershipField::FirstName => Some(UserField::FirstName),
            MembershipField::LastName => Some(UserField::LastName),
            MembershipField::Username => Some(UserField::Username),
        };
        let value = match user_field {
            None => KeyValue::Int(state.created_at),
            Some(f) => self.store.table::<Users>().sort_key(f, user).value,
        };
        SortKey {
            value,
            id: ksuid_bytes(
                memberships.seed,
                Stream::MembershipId,
                u64::from(m),
                state.created_at,
            ),
        }
    }

    fn sort_cache(&self) -> &SortCache {
        &self.cache
    }

    fn is_live(&self, m: u32) -> bool {
        self.store.table::<Memberships>().is_live(m)
    }

    fn all_live(&self) -> bool {
        self.store.table::<Memberships>().all_live()
    }
}

/// The user-side filters of `GET /organizations/{id}/memberships`.
const USER_FILTER_PARAMS: &[&str] = &[
    "user_id",
    "email_address",
    "phone_number",
    "username",
    "web3_wallet",
    "query",
    "email_address_query",
    "phone_number_query",
    "username_query",
    "name_query",
    "last_active_at_before",
    "last_active_at_after",
    "created_at_before",
    "created_at_after",
];

struct MemberFilter {
    users: UserFilter,
    roles: Vec<String>,
}

impl MemberFilter {
    fn parse(q: &QueryParams) -> ApiResult<Self> {
        Ok(Self {
            users: UserFilter::parse(&q.only(USER_FILTER_PARAMS))?,
            roles: q.strings("role")?,
        })
    }

    fn matches(&self, store: &Store, m: u32) -> bool {
        let memberships = store.table::<Memberships>();
        let (user, _) = memberships.pair(m);
        (self.roles.is_empty() || self.roles.contains(&memberships.state(store, m).role))
            && (self.users.is_empty() || self.users.matches(store, user))
    }
}

fn page_of(
    store: &Store,
    order: OrderBy<MembershipField>,
    selection: Selection<'_>,
    paging: crate::engine::params::Paging,
) -> Json<Value> {
    let table = store.table::<Memberships>().table(store);
    let page = table::select(&table, order, selection, paging);
    let items: Vec<Membership> = page
        .indexes
        .iter()
        .map(|&m| store.table::<Memberships>().membership(store, m))
        .collect();
    envelope::data_total(items, page.total)
}

pub use crate::resources::organizations::model::organization_not_found;

async fn list_for_organization(
    State(state): State<AppState>,
    Path(organization_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = q.order_by(DEFAULT_ORDER)?;
    let filter = MemberFilter::parse(&q)?;
    let store = state.store();
    let org = store.table::<Organizations>().existing(organization_id)?;
    let store = &*store;
    let selection = Selection {
        candidates: Some(store.table::<Memberships>().of_organization(org)),
        filter: Some(Box::new(move |m| filter.matches(store, m))),
        start: 0,
    };
    Ok(page_of(store, order, selection, paging))
}

async fn list_all(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = q.order_by(DEFAULT_ORDER)?;
    let store = state.store();
    Ok(page_of(&store, order, Selection::default(), paging))
}

async fn list_for_user(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let store = state.store();
    let user = store.table::<Users>().existing(user_id)?;
    let selection = Selection {
        candidates: Some(store.table::<Memberships>().of_user(user)),
        ..Selection::default()
    };
    Ok(page_of(&store, DEFAULT_ORDER, selection, paging))
}

/// Schema `OrganizationMembership`.
#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub object: &'static str,
    pub id: String,
    pub role: String,
    pub role_name: String,
    pub permissions: Vec<String>,
    pub public_metadata: Value,
    pub private_metadata: Value,
    pub organization: Organization,
    pub public_user_data: PublicUserData,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Schema `OrganizationMembershipPublicUserData`.
#[derive(Debug, Clone, Serialize)]
pub struct PublicUserData {
    pub user_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub profile_image_url: Option<String>,
    pub image_url: String,
    pub has_image: bool,
    pub identifier: Option<String>,
    pub username: Option<String>,
    pub banned: bool,
    pub deprovisioned: bool,
}

#[cfg(test)]
mod memberships_tests {
    use super::*;

    #[test]
    fn seeded_relation_is_consistent_both_ways() {
        let m = Memberships::seeded(5, 500, 13);
        let mut multi = 0;
        for user in 0..500 {
            let orgs = m.organizations_of(user);
            multi += usize::from(orgs.len() > 1);
            for org in orgs {
                assert!(m
                    .of_organization(org)
                    .iter()
                    .any(|&x| m.pair(x) == (user, org)));
            }
        }
        assert!(multi > 20, "{multi} users in several organizations");
        let total: u32 = (0..13).map(|o| m.members_count(o)).sum();
        assert_eq!(total, m.len());
    }
}

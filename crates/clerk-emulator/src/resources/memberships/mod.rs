//! Organization memberships: who belongs to which organization, with which
//! role, and the read endpoints `GET /v1/organizations/{id}/memberships`,
//! `GET /v1/organization_memberships` and
//! `GET /v1/users/{id}/organization_memberships` (schema
//! `OrganizationMembership`). Writes are in `writes`.
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

pub mod writes;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::coverage::{op, paged, ListOrder, Operation, PagedList, Status::Served};
use crate::engine::params::{OrderBy, OrderField, QueryParams};
use crate::engine::table::{self, KeyValue, Selection, SortCache, SortKey, Table, VersionedCache};
use crate::resources::organizations::Organizations;
use crate::resources::organizations::{Include, Organization};
use crate::resources::rbac::Rbac;
use crate::resources::users::Users;
use crate::resources::users::{UserField, UserFilter};
use crate::seed::{between, ksuid, ksuid_bytes, mix, pick, Stream, DAY_MS, NOW_MS};
use crate::server::envelope;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{AppState, Store};

pub const ID_PREFIX: &str = "orgmem_";

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

pub fn routes() -> Router<AppState> {
    use crate::resources::memberships::writes as w;
    Router::new()
        .route(
            "/v1/organizations/{organization_id}/memberships",
            get(list_for_organization).post(w::create),
        )
        .route(
            "/v1/organizations/{organization_id}/memberships/{user_id}",
            patch(w::update).delete(w::delete),
        )
        .route(
            "/v1/organizations/{organization_id}/memberships/{user_id}/metadata",
            patch(w::merge_metadata),
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

/// `order_by` fields of the membership lists (the user's fields, and the
/// membership's own `created_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipField {
    PhoneNumber,
    EmailAddress,
    CreatedAt,
    FirstName,
    LastName,
    Username,
}

impl OrderField for MembershipField {
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("phone_number", Self::PhoneNumber),
        ("email_address", Self::EmailAddress),
        ("created_at", Self::CreatedAt),
        ("first_name", Self::FirstName),
        ("last_name", Self::LastName),
        ("username", Self::Username),
    ];
}

/// The spec states no default; newest first, like every other list.
pub const DEFAULT_ORDER: OrderBy<MembershipField> = OrderBy {
    field: MembershipField::CreatedAt,
    descending: true,
};

/// A membership's mutable state, once written (or created by the API).
#[derive(Debug, Clone)]
pub struct Written {
    pub role: String,
    pub public_metadata: Value,
    pub private_metadata: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Every membership of the instance.
#[derive(Debug)]
pub struct Memberships {
    seed: u64,
    /// Seeded memberships of user `u`: `user_start[u]..user_start[u + 1]`.
    user_start: Vec<u32>,
    user_of: Vec<u32>,
    org_of: Vec<u32>,
    /// Seeded memberships grouped by organization.
    org_start: Vec<u32>,
    by_org: Vec<u32>,
    /// Live members per organization (created organizations included).
    members_count: Vec<u32>,
    first_member: Vec<Option<u32>>,
    /// `(user, organization)` of memberships created by the API, at
    /// indexes `seeded_len()..`.
    created: Vec<(u32, u32)>,
    written: HashMap<u32, Written>,
    removed: HashSet<u32>,
    removed_users: HashSet<u32>,
    removed_organizations: HashSet<u32>,
    version: u64,
    orders: VersionedCache,
}

crate::server::state::store_table!(Memberships, Memberships::seeded(0, 0, 0));

impl Memberships {
    pub fn seeded(seed: u64, users: u32, organizations: u32) -> Self {
        let mut user_start = Vec::with_capacity(users as usize + 1);
        let mut user_of = Vec::new();
        let mut org_of = Vec::new();
        let mut members_count = vec![0u32; organizations as usize];
        let mut first_member = vec![None; organizations as usize];
        for user in 0..users {
            user_start.push(org_of.len() as u32);
            let (orgs, n) = seeded_organizations_of(seed, organizations, user);
            for &org in &orgs[..n] {
                user_of.push(user);
                org_of.push(org);
                members_count[org as usize] += 1;
                first_member[org as usize].get_or_insert(user);
            }
        }
        user_start.push(org_of.len() as u32);
        // Counting sort of membership indexes by organization.
        let mut org_start = vec![0u32; organizations as usize + 1];
        for &org in &org_of {
            org_start[org as usize + 1] += 1;
        }
        for i in 0..organizations as usize {
            org_start[i + 1] += org_start[i];
        }
        let mut fill = org_start.clone();
        let mut by_org = vec![0u32; org_of.len()];
        for (m, &org) in org_of.iter().enumerate() {
            by_org[fill[org as usize] as usize] = m as u32;
            fill[org as usize] += 1;
        }
        Self {
            seed,
            user_start,
            user_of,
            org_of,
            org_start,
            by_org,
            members_count,
            first_member,
            created: Vec::new(),
            written: HashMap::new(),
            removed: HashSet::new(),
            removed_users: HashSet::new(),
            removed_organizations: HashSet::new(),
            version: 1,
            orders: VersionedCache::new(MembershipField::FIELDS.len()),
        }
    }

    fn seeded_len(&self) -> u32 {
        self.org_of.len() as u32
    }

    /// Every membership ever held, live or not.
    pub fn len(&self) -> u32 {
        self.seeded_len() + self.created.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(user, organization)` of membership `m`.
    pub fn pair(&self, m: u32) -> (u32, u32) {
        let i = m as usize;
        match (self.user_of.get(i), self.org_of.get(i)) {
            (Some(&u), Some(&o)) => (u, o),
            _ => self
                .created
                .get(i - self.org_of.len())
                .copied()
                .unwrap_or((u32::MAX, u32::MAX)),
        }
    }

    pub fn is_live(&self, m: u32) -> bool {
        let (user, org) = self.pair(m);
        m < self.len()
            && !self.removed.contains(&m)
            && !self.removed_users.contains(&user)
            && !self.removed_organizations.contains(&org)
    }

    fn all_live(&self) -> bool {
        self.removed.is_empty()
            && self.removed_users.is_empty()
            && self.removed_organizations.is_empty()
    }

    /// Live memberships of user `user`.
    pub fn of_user(&self, user: u32) -> Vec<u32> {
        let seeded = match (
            self.user_start.get(user as usize),
            self.user_start.get(user as usize + 1),
        ) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        };
        let created = self.created_where(|u, _| u == user);
        seeded.chain(created).filter(|&m| self.is_live(m)).collect()
    }

    /// Live memberships of organization `org`.
    pub fn of_organization(&self, org: u32) -> Vec<u32> {
        let seeded = match (
            self.org_start.get(org as usize),
            self.org_start.get(org as usize + 1),
        ) {
            (Some(&a), Some(&b)) => self.by_org[a as usize..b as usize].to_vec(),
            _ => Vec::new(),
        };
        let created = self.created_where(|_, o| o == org);
        seeded
            .into_iter()
            .chain(created)
            .filter(|&m| self.is_live(m))
            .collect()
    }

    fn created_where<'a>(
        &'a self,
        keep: impl Fn(u32, u32) -> bool + 'a,
    ) -> impl Iterator<Item = u32> + 'a {
        let base = self.seeded_len();
        self.created
            .iter()
            .enumerate()
            .filter(move |(_, &(u, o))| keep(u, o))
            .map(move |(i, _)| base + i as u32)
    }

    /// The users of `org`'s seeded memberships, in user order (the seeded
    /// invitations' accepted invitees are drawn from them).
    pub fn seeded_members(&self, org: u32) -> Vec<u32> {
        match (
            self.org_start.get(org as usize),
            self.org_start.get(org as usize + 1),
        ) {
            (Some(&a), Some(&b)) => self.by_org[a as usize..b as usize]
                .iter()
                .map(|&m| self.pair(m).0)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The organizations user `user` belongs to.
    pub fn organizations_of(&self, user: u32) -> Vec<u32> {
        self.of_user(user)
            .into_iter()
            .map(|m| self.pair(m).1)
            .collect()
    }

    /// The live membership of `user` in `org`, if any.
    pub fn find(&self, org: u32, user: u32) -> Option<u32> {
        self.of_user(user)
            .into_iter()
            .find(|&m| self.pair(m).1 == org)
    }

    pub fn members_count(&self, org: u32) -> u32 {
        self.members_count.get(org as usize).copied().unwrap_or(0)
    }

    /// The earliest seeded member, reported as the creator.
    pub fn first_member(&self, org: u32) -> Option<u32> {
        self.first_member.get(org as usize).copied().flatten()
    }

    fn add_count(&mut self, org: u32, delta: i64) {
        let slot = org as usize;
        if self.members_count.len() <= slot {
            self.members_count.resize(slot + 1, 0);
        }
        let count = &mut self.members_count[slot];
        *count = u32::try_from((i64::from(*count) + delta).max(0)).unwrap_or(0);
    }

    /// Add a membership created by the API; returns its index.
    pub fn insert(&mut self, user: u32, org: u32, state: Written) -> u32 {
        let m = self.len();
        self.created.push((user, org));
        self.written.insert(m, state);
        self.add_count(org, 1);
        self.version += 1;
        m
    }

    /// Membership `m`'s written state, copied from `seeded` on first write.
    pub fn edit(&mut self, m: u32, seeded: Written) -> &mut Written {
        self.version += 1;
        self.written.entry(m).or_insert(seeded)
    }

    pub fn remove(&mut self, m: u32) {
        if self.is_live(m) {
            let (_, org) = self.pair(m);
            self.removed.insert(m);
            self.add_count(org, -1);
            self.version += 1;
        }
    }

    /// End a deleted user's memberships; returns the organizations it left.
    pub fn remove_user(&mut self, user: u32) -> Vec<u32> {
        let orgs = self.organizations_of(user);
        for &org in &orgs {
            self.add_count(org, -1);
        }
        self.removed_users.insert(user);
        self.version += 1;
        orgs
    }

    /// End every membership of a deleted organization.
    pub fn remove_organization(&mut self, org: u32) {
        self.removed_organizations.insert(org);
        if let Some(count) = self.members_count.get_mut(org as usize) {
            *count = 0;
        }
        self.version += 1;
    }

    fn words(&self, user: u32, org: u32) -> impl Fn(u64) -> u64 {
        let seed = self.seed;
        let key = (u64::from(user) << 32) | u64::from(org);
        move |k| mix(seed, Stream::MembershipData, key, k)
    }

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

    pub fn id(&self, m: u32, created_at: i64) -> String {
        ksuid(
            ID_PREFIX,
            self.seed,
            Stream::MembershipId,
            u64::from(m),
            created_at,
        )
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

/// A seeded user's organizations: sorted, distinct, at most three.
fn seeded_organizations_of(seed: u64, organizations: u32, user: u32) -> ([u32; 3], usize) {
    let mut out = [0u32; 3];
    if organizations == 0 || mix(seed, Stream::Membership, u64::from(user), 0) % 100 >= 80 {
        return (out, 0);
    }
    let n_orgs = organizations as usize;
    out[0] = pick(mix(seed, Stream::Membership, u64::from(user), 1), n_orgs) as u32;
    let mut n = 1;
    let extra = match mix(seed, Stream::ExtraMembership, u64::from(user), 0) % 100 {
        0..18 => 1,
        18..25 => 2,
        _ => 0,
    };
    for k in 0..extra {
        let org = pick(
            mix(seed, Stream::ExtraMembership, u64::from(user), 1 + k),
            n_orgs,
        ) as u32;
        if !out[..n].contains(&org) {
            out[n] = org;
            n += 1;
        }
    }
    out[..n].sort_unstable();
    (out, n)
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

pub fn organization_not_found(id: String) -> ApiError {
    ApiError::NotFound {
        kind: "organization",
        id,
    }
}

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
    let org = store
        .table::<Organizations>()
        .find(&organization_id)
        .ok_or_else(|| organization_not_found(organization_id))?;
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
    let user = store
        .table::<Users>()
        .find(&user_id)
        .ok_or(ApiError::NotFound {
            kind: "user",
            id: user_id,
        })?;
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

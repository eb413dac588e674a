//! Organizations: `GET /v1/organizations` and
//! `GET /v1/organizations/{organization_id}` (id or slug), and the seeded
//! `Organization` objects behind them (schema `Organization` in the spec).
//!
//! Names are drawn from small word lists, so many organizations share a name
//! (ordering by name must fall back to the id); slugs end with the index and
//! are unique.

pub mod writes;

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::params::{IdFilter, OrderBy, OrderField, QueryParams};
use crate::engine::table::{self, KeyValue, Selection, SortCache, SortKey, Table};
use crate::resources::memberships::Memberships;
use crate::resources::users::Users;
use crate::seed::{self, between, ksuid, ksuid_bytes, mix, pick, Stream, Timeline, NOW_MS};
use crate::server::envelope;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{AppState, Store};

pub const ID_PREFIX: &str = "org_";
/// 2021-01-01T00:00:00Z: seeded organizations are created after this.
const ORG_START_MS: i64 = 1_609_459_200_000;
const MAX_MEMBERSHIP_HEADROOM: &[u32] = &[5, 10, 25, 100];

pub fn routes() -> Router<AppState> {
    use crate::resources::organizations::writes as w;
    use axum::routing::patch;
    Router::new()
        .route("/v1/organizations", get(list).post(w::create))
        .route(
            "/v1/organizations/{organization_id}",
            get(get_one).patch(w::update).delete(w::delete),
        )
        .route(
            "/v1/organizations/{organization_id}/metadata",
            patch(w::merge_metadata).put(w::replace_metadata),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/organizations", Served),
    op("POST", "/organizations", Served),
    op("GET", "/organizations/{organization_id}", Served),
    op("PATCH", "/organizations/{organization_id}", Served),
    op("DELETE", "/organizations/{organization_id}", Served),
    op("PATCH", "/organizations/{organization_id}/metadata", Served),
    op("PUT", "/organizations/{organization_id}/metadata", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[paged("/v1/organizations?include_members_count=true")
    .order_by(&["name", "created_at", "members_count"])
    .own_property()];

/// `order_by` fields of `GET /organizations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationField {
    Name,
    CreatedAt,
    MembersCount,
}

impl OrderField for OrganizationField {
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("name", Self::Name),
        ("created_at", Self::CreatedAt),
        ("members_count", Self::MembersCount),
    ];
}

pub const DEFAULT_ORDER: OrderBy<OrganizationField> = OrderBy {
    field: OrganizationField::CreatedAt,
    descending: true,
};

/// The seeded organizations of an instance.
#[derive(Debug)]
pub struct Organizations {
    seed: u64,
    count: u32,
    timeline: Timeline,
    /// `members_count` per organization, copied from the membership relation
    /// so the table can sort by it on its own.
    members_count: Vec<u32>,
    sort_cache: SortCache,
    /// Organizations written since startup (changed seeded ones, and
    /// created ones at indexes `count..`), stored without the optional
    /// `include_*` fields.
    overlay: HashMap<u32, Organization>,
    created: u32,
    deleted: HashSet<u32>,
    natural_broken: bool,
}

crate::server::state::store_table!(
    Organizations,
    Organizations::seeded(0, 0, &Memberships::seeded(0, 0, 0))
);

/// The cheap scalar facts of one organization.
#[derive(Debug, Clone, Copy)]
pub struct OrganizationCore {
    pub index: u32,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_active_at: i64,
    pub adjective: &'static str,
    pub noun: &'static str,
    pub suffix: &'static str,
    pub has_image: bool,
    pub admin_delete_enabled: bool,
    words: [u64; 3],
}

impl Organizations {
    pub fn seeded(seed: u64, count: u32, memberships: &Memberships) -> Self {
        Self {
            seed,
            count,
            timeline: Timeline::new(ORG_START_MS, u64::from(count)),
            members_count: (0..count).map(|o| memberships.members_count(o)).collect(),
            sort_cache: SortCache::new(OrganizationField::FIELDS.len()),
            overlay: HashMap::new(),
            created: 0,
            deleted: HashSet::new(),
            natural_broken: false,
        }
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    pub fn core(&self, index: u32) -> OrganizationCore {
        let w = |k: u64| mix(self.seed, Stream::Org, u64::from(index), k);
        let created_at = self.timeline.at(u64::from(index), w(0));
        let updated_at = between(created_at, NOW_MS, w(1));
        OrganizationCore {
            index,
            created_at,
            updated_at,
            last_active_at: between(updated_at, NOW_MS, w(2)),
            adjective: seed::ORG_ADJECTIVES[pick(w(3), seed::ORG_ADJECTIVES.len())],
            noun: seed::ORG_NOUNS[pick(w(4), seed::ORG_NOUNS.len())],
            suffix: seed::ORG_SUFFIXES[pick(w(5), seed::ORG_SUFFIXES.len())],
            has_image: w(6) % 100 < 30,
            admin_delete_enabled: w(7) % 10 != 0,
            words: [w(8), w(9), w(10)],
        }
    }

    pub fn id_of(&self, index: u32) -> String {
        match self.overlay.get(&index) {
            Some(o) => o.id.clone(),
            None => self.id(&self.core(index)),
        }
    }

    fn id(&self, core: &OrganizationCore) -> String {
        ksuid(
            ID_PREFIX,
            self.seed,
            Stream::OrgId,
            u64::from(core.index),
            core.created_at,
        )
    }

    pub fn name(core: &OrganizationCore) -> String {
        format!("{} {} {}", core.adjective, core.noun, core.suffix)
    }

    pub fn slug(core: &OrganizationCore) -> String {
        format!(
            "{}-{}-{}-{}",
            core.adjective, core.noun, core.suffix, core.index
        )
        .to_lowercase()
    }

    pub fn members_count(&self, index: u32) -> u32 {
        self.members_count.get(index as usize).copied().unwrap_or(0)
    }

    pub fn set_members_count(&mut self, index: u32, count: u32) {
        if let Some(slot) = self.members_count.get_mut(index as usize) {
            *slot = count;
        }
        self.sort_cache = SortCache::new(OrganizationField::FIELDS.len());
    }

    fn total(&self) -> u32 {
        self.count + self.created
    }

    /// The index of the organization with this id, if it exists.
    pub fn find(&self, id: &str) -> Option<u32> {
        let index =
            u32::try_from(seed::ksuid_index(ID_PREFIX, self.seed, Stream::OrgId, id)?).ok()?;
        (index < self.total() && !self.deleted.contains(&index) && self.id_of(index) == id)
            .then_some(index)
    }

    /// The index of the organization with this slug, if it exists.
    pub fn find_slug(&self, slug: &str) -> Option<u32> {
        if let Some((&index, _)) = self
            .overlay
            .iter()
            .find(|(i, o)| o.slug == slug && !self.deleted.contains(i))
        {
            return Some(index);
        }
        let index = u32::try_from(seed::trailing_index(slug)?).ok()?;
        (index < self.count
            && !self.overlay.contains_key(&index)
            && !self.deleted.contains(&index)
            && Self::slug(&self.core(index)) == slug)
            .then_some(index)
    }

    pub fn name_of(&self, index: u32) -> String {
        match self.overlay.get(&index) {
            Some(o) => o.name.clone(),
            None => Self::name(&self.core(index)),
        }
    }

    pub fn slug_of(&self, index: u32) -> String {
        match self.overlay.get(&index) {
            Some(o) => o.slug.clone(),
            None => Self::slug(&self.core(index)),
        }
    }

    /// Organization `index` for writing (see `Users::edit`).
    pub fn edit(&mut self, store_view: Organization, index: u32) -> &mut Organization {
        self.sort_cache = SortCache::new(OrganizationField::FIELDS.len());
        let org = self.overlay.remove(&index).unwrap_or(store_view);
        self.overlay.entry(index).or_insert(org)
    }

    pub fn next_index(&self) -> u32 {
        self.total()
    }

    pub fn new_id(&self, index: u32, created_at: i64) -> String {
        ksuid(
            ID_PREFIX,
            self.seed,
            Stream::OrgId,
            u64::from(index),
            created_at,
        )
    }

    pub fn insert_created(&mut self, org: Organization) -> u32 {
        let index = self.total();
        self.created += 1;
        self.members_count.push(0);
        self.sort_cache = SortCache::new(OrganizationField::FIELDS.len());
        self.overlay.insert(index, org);
        index
    }

    pub fn break_natural_order(&mut self) {
        self.natural_broken = true;
        self.sort_cache = SortCache::new(OrganizationField::FIELDS.len());
    }

    pub fn delete(&mut self, index: u32) {
        self.sort_cache = SortCache::new(OrganizationField::FIELDS.len());
        self.overlay.remove(&index);
        self.deleted.insert(index);
    }

    /// The `Organization` object as last written, with the optional fields
    /// `include` asks for.
    pub fn organization(&self, store: &Store, index: u32, include: Include) -> Organization {
        let Some(written) = self.overlay.get(&index) else {
            return self.seeded_organization(store, index, include);
        };
        let mut org = written.clone();
        let members_count = self.members_count(index);
        org.members_count = include.members_count.then_some(members_count);
        org.missing_member_with_elevated_permissions =
            include.missing_member.then_some(members_count == 0);
        org
    }

    fn seeded_organization(&self, store: &Store, index: u32, include: Include) -> Organization {
        let core = self.core(index);
        let id = self.id(&core);
        let members_count = self.members_count(index);
        let [w_max, w_public, w_private] = core.words;
        let max_allowed_memberships = if w_max % 10 < 7 {
            0 // unlimited
        } else {
            members_count + MAX_MEMBERSHIP_HEADROOM[pick(w_max, MAX_MEMBERSHIP_HEADROOM.len())]
        };
        let image_kind = if core.has_image {
            "uploaded"
        } else {
            "default"
        };
        Organization {
            object: "organization",
            name: Self::name(&core),
            slug: Self::slug(&core),
            image_url: format!("https://img.clerk.com/{image_kind}/{id}.png"),
            has_image: core.has_image,
            members_count: include.members_count.then_some(members_count),
            missing_member_with_elevated_permissions: include
                .missing_member
                .then_some(members_count == 0),
            max_allowed_memberships,
            admin_delete_enabled: core.admin_delete_enabled,
            public_metadata: match w_public % 3 {
                0 => json!({}),
                1 => {
                    json!({ "industry": seed::ORG_NOUNS[pick(w_public, seed::ORG_NOUNS.len())].to_lowercase() })
                }
                _ => {
                    json!({ "tier": "enterprise", "region": if w_public % 2 == 0 { "eu" } else { "us" } })
                }
            },
            private_metadata: if w_private % 2 == 0 {
                json!({})
            } else {
                json!({ "billing_account": format!("acct_{:012x}", w_private >> 16) })
            },
            created_by: store
                .table::<Memberships>()
                .first_member(index)
                .map(|u| store.table::<Users>().id(&store.table::<Users>().core(u))),
            created_at: core.created_at,
            updated_at: core.updated_at,
            last_active_at: core.last_active_at,
            role_set_key: None,
            id,
        }
    }
}

impl Table for Organizations {
    type Field = OrganizationField;

    fn len(&self) -> usize {
        self.total() as usize
    }

    fn is_live(&self, index: u32) -> bool {
        !self.deleted.contains(&index)
    }

    fn all_live(&self) -> bool {
        self.deleted.is_empty()
    }

    fn natural_order_holds(&self) -> bool {
        !self.natural_broken
    }

    fn natural_field(&self) -> OrganizationField {
        OrganizationField::CreatedAt
    }

    fn sort_key(&self, field: OrganizationField, index: u32) -> SortKey {
        if let Some(org) = self.overlay.get(&index) {
            let value = match field {
                OrganizationField::Name => KeyValue::Str(org.name.clone()),
                OrganizationField::CreatedAt => KeyValue::Int(org.created_at),
                OrganizationField::MembersCount => {
                    KeyValue::Int(i64::from(self.members_count(index)))
                }
            };
            let id = org
                .id
                .strip_prefix(ID_PREFIX)
                .and_then(seed::base62_decode)
                .unwrap_or([0; 20]);
            return SortKey { value, id };
        }
        let core = self.core(index);
        let value = match field {
            OrganizationField::Name => KeyValue::Str(Self::name(&core)),
            OrganizationField::CreatedAt => KeyValue::Int(core.created_at),
            OrganizationField::MembersCount => KeyValue::Int(i64::from(self.members_count(index))),
        };
        SortKey {
            value,
            id: ksuid_bytes(self.seed, Stream::OrgId, u64::from(index), core.created_at),
        }
    }

    fn sort_cache(&self) -> &SortCache {
        &self.sort_cache
    }
}

/// Optional fields a request asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Include {
    pub members_count: bool,
    pub missing_member: bool,
}

impl Include {
    fn parse(q: &QueryParams) -> ApiResult<Self> {
        Ok(Self {
            members_count: q.bool("include_members_count")?.unwrap_or(false),
            missing_member: q
                .bool("include_missing_member_with_elevated_permissions")?
                .unwrap_or(false),
        })
    }
}

/// The filters of `GET /organizations`.
#[derive(Debug, Default)]
struct OrganizationFilter {
    query: Option<String>,
    user_id: IdFilter,
    organization_id: IdFilter,
}

impl OrganizationFilter {
    fn parse(q: &QueryParams) -> ApiResult<Self> {
        Ok(Self {
            query: q.string("query").map(str::to_owned),
            user_id: q.id_filter("user_id")?,
            organization_id: q.id_filter("organization_id")?,
        })
    }

    fn candidates(&self, store: &Store) -> Option<Vec<u32>> {
        let by_id = (!self.organization_id.include.is_empty()).then(|| {
            self.organization_id
                .include
                .iter()
                .filter_map(|id| store.table::<Organizations>().find(id))
                .collect::<Vec<_>>()
        });
        let by_member = (!self.user_id.include.is_empty()).then(|| {
            let users = self
                .user_id
                .include
                .iter()
                .filter_map(|id| store.table::<Users>().find(id));
            users
                .flat_map(|u| store.table::<Memberships>().organizations_of(u))
                .collect::<Vec<_>>()
        });
        [by_id, by_member]
            .into_iter()
            .flatten()
            .min_by_key(Vec::len)
    }

    fn matches(&self, store: &Store, index: u32) -> bool {
        let orgs = store.table::<Organizations>();
        let id = orgs.id_of(index);
        if !self.organization_id.matches(Some(&id)) {
            return false;
        }
        if self.user_id.is_active() {
            let member = |user_id: &String| {
                store
                    .table::<Users>()
                    .find(user_id)
                    .is_some_and(|u| store.table::<Memberships>().find(index, u).is_some())
            };
            let included =
                self.user_id.include.is_empty() || self.user_id.include.iter().any(member);
            if !included || self.user_id.exclude.iter().any(member) {
                return false;
            }
        }
        if let Some(q) = &self.query {
            // The spec: exact match on the id, partial match on name and slug.
            let needle = q.to_lowercase();
            let hit = id == *q
                || orgs.name_of(index).to_lowercase().contains(&needle)
                || orgs.slug_of(index).contains(&needle);
            if !hit {
                return false;
            }
        }
        true
    }

    fn selection<'a>(self, store: &'a Store) -> Selection<'a> {
        if self.query.is_none() && !self.user_id.is_active() && !self.organization_id.is_active() {
            return Selection::default();
        }
        Selection {
            candidates: self.candidates(store),
            filter: Some(Box::new(move |i| self.matches(store, i))),
            start: 0,
        }
    }
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = q.order_by(DEFAULT_ORDER)?;
    let include = Include::parse(&q)?;
    let filter = OrganizationFilter::parse(&q)?;
    let store = state.store();
    let page = table::select(
        store.table::<Organizations>(),
        order,
        filter.selection(&store),
        paging,
    );
    let items: Vec<Organization> = page
        .indexes
        .iter()
        .map(|&i| {
            store
                .table::<Organizations>()
                .organization(&store, i, include)
        })
        .collect();
    Ok(envelope::data_total(items, page.total))
}

async fn get_one(
    State(state): State<AppState>,
    Path(id_or_slug): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Organization>> {
    let q = QueryParams::parse(raw.as_deref());
    let include = Include::parse(&q)?;
    let store = state.store();
    let orgs = store.table::<Organizations>();
    let index = orgs
        .find(&id_or_slug)
        .or_else(|| orgs.find_slug(&id_or_slug))
        .ok_or(ApiError::NotFound {
            kind: "organization",
            id: id_or_slug,
        })?;
    Ok(Json(orgs.organization(&store, index, include)))
}

/// Schema `Organization`. Optional fields the request did not ask for are
/// left out rather than sent as `null` (the spec does not mark them nullable).
#[derive(Debug, Clone, Serialize)]
pub struct Organization {
    pub object: &'static str,
    pub id: String,
    pub name: String,
    pub slug: String,
    pub image_url: String,
    pub has_image: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_member_with_elevated_permissions: Option<bool>,
    pub max_allowed_memberships: u32,
    pub admin_delete_enabled: bool,
    pub public_metadata: Value,
    pub private_metadata: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_active_at: i64,
    /// The role set a create or update assigned (seeded organizations
    /// have none, and leave the field out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_set_key: Option<String>,
}

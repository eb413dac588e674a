//! Organizations: `GET /v1/organizations` and
//! `GET /v1/organizations/{organization_id}` (id or slug), their filters,
//! and the `Organization` objects (schema `Organization` in the spec) as
//! they are rendered with what memberships and users know of them. The
//! table itself (seeded organizations, written ones, ids, orders) is in
//! `model`, the writes in `writes`.
//!
//! Names are drawn from small word lists, so many organizations share a name
//! (ordering by name must fall back to the id); slugs end with the index and
//! are unique.

pub mod model;
pub mod writes;

use model::MAX_MEMBERSHIP_HEADROOM;
pub use model::{
    Organization, OrganizationCore, OrganizationField, Organizations, DEFAULT_ORDER, ID_PREFIX,
};

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::params::{IdFilter, QueryParams};
use crate::engine::table::{self, Selection};
use crate::resources::memberships::model::Memberships;
use crate::resources::users::Users;
use crate::seed::{self, pick};
use crate::server::envelope;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

/// The read routes (the writes are `writes::routes`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/organizations", get(list))
        .route("/v1/organizations/{organization_id}", get(get_one))
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

/// How the registry seeds this resource's table (after the tables it reads).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &["memberships"]);

fn seed_table(store: &mut Store, config: &Config) {
    let organizations = Organizations::seeded(
        config.seed,
        config.organizations,
        store.table::<Memberships>(),
    );
    store.insert(organizations);
}

impl Organizations {
    /// The `Organization` object as last written, with the optional fields
    /// `include` asks for.
    pub fn organization(&self, store: &Store, index: u32, include: Include) -> Organization {
        let Some(written) = self.writes.get(index) else {
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

//! Organization domains: per organization (`GET|POST
//! /v1/organizations/{id}/domains`, `PATCH|DELETE …/{domain_id}`) and
//! instance-wide (`GET /v1/organization_domains`), both `{data,total_count}`.
//!
//! Every third organization (indexes 0, 3, 6, …) has a seeded domain named
//! after its slug, generated from the index on demand. Filters: `verified`
//! (a *string* "true"/"false"), `enrollment_mode` (repeatable with `+`/`-`
//! on the instance list), `organization_id`, `domains` (exact names,
//! repeatable) and `query` (an `org_` id matches the organization exactly,
//! anything else is a case-insensitive substring of the name; an empty
//! `query` is a 422, as ENDPOINTS.md notes). `order_by` name or created_at
//! on the instance list, newest first by default everywhere.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::collection::{self, deleted, Collection, Ids, Order, Select};
use crate::engine::params::{IdFilter, QueryParams};
use crate::resources::organizations::Organizations;
use crate::seed::{mix, Stream, DAY_MS};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

const MODES: &[&str] = &[
    "manual_invitation",
    "automatic_invitation",
    "automatic_suggestion",
    "enterprise_sso",
];

#[derive(Debug)]
pub struct OrganizationDomains {
    ids: Ids,
    items: Collection,
}

crate::server::state::store_table!(OrganizationDomains, OrganizationDomains::seeded(0, 0));

fn verification(
    status: &str,
    strategy: &str,
    verified_at: Option<i64>,
    expire_at: Option<i64>,
) -> Value {
    json!({ "status": status, "strategy": strategy, "attempts": if verified_at.is_some() { 1 } else { 0 },
            "expire_at": expire_at, "verified_at": verified_at })
}

impl OrganizationDomains {
    pub fn seeded(seed: u64, organizations: u32) -> Self {
        Self {
            ids: Ids::new("orgdmn_", Stream::OrgDomainId, seed),
            items: Collection::new(organizations.div_ceil(3)),
        }
    }

    /// Seeded domain `k`, of organization `3k`.
    fn seeded_domain(&self, store: &Store, k: u32) -> Value {
        let org = k * 3;
        let w = |s: u64| mix(store.seed(), Stream::OrgDomain, u64::from(k), s);
        let core = store.table::<Organizations>().core(org);
        let at = core.created_at + DAY_MS + (w(0) % DAY_MS as u64) as i64;
        let verified = w(1) % 100 < 70;
        let mode = if verified {
            MODES[(w(2) % 3) as usize]
        } else {
            "manual_invitation"
        };
        let affiliation = verified.then(|| verification("verified", "email_code", None, None));
        let ownership = verified
            .then(|| verification("verified", "dns_record", Some(at + 2 * 3_600_000), None));
        let name = format!("{}.com", Organizations::slug(&core));
        let mut domain = json!({
            "object": "organization_domain",
            "id": self.ids.id(k, at),
            "organization_id": store.table::<Organizations>().id_of(org),
            "name": name,
            "enrollment_mode": mode,
            "affiliation_email_address": verified.then(|| format!("admin@{name}")),
            "affiliation_verification": affiliation,
            "ownership_verification": ownership,
            "verification": affiliation,
            "total_pending_invitations": if mode == "automatic_invitation" { w(3) % 4 } else { 0 },
            "total_pending_suggestions": if mode == "automatic_suggestion" { w(4) % 4 } else { 0 },
            "created_at": at,
            "updated_at": at + if verified { 2 * 3_600_000 } else { 0 },
        });
        domain["public_organization_data"] = public_organization_data(store, org);
        domain
    }

    fn seeded_of(&self, org: u32) -> Option<u32> {
        (org.is_multiple_of(3) && org / 3 < self.items.seeded_len()).then_some(org / 3)
    }

    /// Every index that may belong to `org` (its seeded one and created ones).
    fn candidates(&self, org: u32) -> Vec<u32> {
        let mut out: Vec<u32> = (self.items.seeded_len()..self.items.len()).collect();
        out.extend(self.seeded_of(org));
        out
    }
}

fn public_organization_data(store: &Store, org: u32) -> Value {
    let orgs = store.table::<Organizations>();
    json!({ "id": orgs.id_of(org), "name": orgs.name_of(org), "slug": orgs.slug_of(org), "has_image": false })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/organizations/{organization_id}/domains",
            get(list_for_organization).post(create),
        )
        .route(
            "/v1/organizations/{organization_id}/domains/{domain_id}",
            patch(update).delete(remove),
        )
        .route("/v1/organization_domains", get(list_all))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/organizations/{organization_id}/domains", Served),
    op("POST", "/organizations/{organization_id}/domains", Served),
    op(
        "PATCH",
        "/organizations/{organization_id}/domains/{domain_id}",
        Served,
    ),
    op(
        "DELETE",
        "/organizations/{organization_id}/domains/{domain_id}",
        Served,
    ),
    op("GET", "/organization_domains", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] =
    &[paged("/v1/organization_domains?x=1").order_by(&["name", "created_at"])];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(OrganizationDomains::seeded(
        config.seed,
        config.organizations,
    ));
}

/// `verified` and `enrollment_mode`, shared by both lists.
struct DomainFilter {
    verified: Option<bool>,
    modes: IdFilter,
    organization: Option<String>,
    names: Vec<String>,
    query: Option<String>,
}

impl DomainFilter {
    fn parse(q: &QueryParams) -> ApiResult<Self> {
        let modes = q.id_filter("enrollment_mode")?;
        if let Some(bad) = modes
            .include
            .iter()
            .chain(&modes.exclude)
            .find(|m| !MODES.contains(&m.as_str()))
        {
            return Err(ApiError::ParamValue {
                param: "enrollment_mode",
                reason: format!("must be one of {} (got {bad})", MODES.join(", ")),
            });
        }
        Ok(Self {
            verified: q.string_bool("verified")?,
            modes,
            organization: q.string("organization_id").map(str::to_owned),
            names: q
                .strings("domains")?
                .into_iter()
                .map(|d| d.to_lowercase())
                .collect(),
            query: match q.first("query") {
                Some(s) if s.trim().is_empty() => {
                    return Err(ApiError::ParamValue {
                        param: "query",
                        reason: "must not be empty".into(),
                    })
                }
                other => other.map(str::to_owned),
            },
        })
    }

    fn is_active(&self) -> bool {
        self.verified.is_some()
            || self.modes.is_active()
            || self.organization.is_some()
            || !self.names.is_empty()
            || self.query.is_some()
    }

    fn matches(&self, d: &Value) -> bool {
        let verified = d["affiliation_verification"]["status"] == "verified";
        self.verified.is_none_or(|v| v == verified)
            && self.modes.matches(d["enrollment_mode"].as_str())
            && self
                .organization
                .as_ref()
                .is_none_or(|o| d["organization_id"] == o.as_str())
            && (self.names.is_empty() || self.names.iter().any(|n| d["name"] == n.as_str()))
            && self.query.as_ref().is_none_or(|q| {
                if q.starts_with("org_") {
                    d["organization_id"] == q.as_str()
                } else {
                    collection::contains_any(d, &["name"], q)
                }
            })
    }
}

async fn list_all(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = collection::order(&q, &["name", "created_at"], Order::NEWEST_FIRST)?;
    let filter = DomainFilter::parse(&q)?;
    let store = state.store();
    let domains = store.table::<OrganizationDomains>();
    let candidates = filter.organization.as_deref().map(|id| {
        store
            .table::<Organizations>()
            .find(id)
            .map(|o| domains.candidates(o))
            .unwrap_or_default()
    });
    let select = Select {
        candidates,
        filter: filter
            .is_active()
            .then(|| Box::new(move |d: &Value| filter.matches(d)) as collection::Filter),
        ..Select::default()
    };
    let listed = domains
        .items
        .list(&|k| domains.seeded_domain(&store, k), order, select, paging);
    Ok(collection::respond(listed, true))
}

fn organization(store: &Store, id: String) -> ApiResult<u32> {
    store.table::<Organizations>().existing(id)
}

async fn list_for_organization(
    State(state): State<AppState>,
    Path(organization_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref()).only(&[
        "verified",
        "enrollment_mode",
        "limit",
        "offset",
    ]);
    let paging = q.paging()?;
    let mut filter = DomainFilter::parse(&q)?;
    let store = state.store();
    let org = organization(&store, organization_id.clone())?;
    filter.organization = Some(organization_id);
    let domains = store.table::<OrganizationDomains>();
    let select = Select {
        candidates: Some(domains.candidates(org)),
        filter: Some(Box::new(move |d: &Value| filter.matches(d))),
        ..Select::default()
    };
    let listed = domains.items.list(
        &|k| domains.seeded_domain(&store, k),
        Order::NEWEST_FIRST,
        select,
        paging,
    );
    Ok(collection::respond(listed, true))
}

fn mode(body: &JsonBody) -> ApiResult<Option<String>> {
    match body.string("enrollment_mode")? {
        Some(m) if !MODES.contains(&m.as_str()) => Err(ApiError::ParamValue {
            param: "enrollment_mode",
            reason: format!("must be one of {}", MODES.join(", ")),
        }),
        other => Ok(other),
    }
}

fn set_verified(d: &mut Value, verified: bool, now: i64) {
    let name = d["name"].as_str().unwrap_or_default().to_owned();
    if verified {
        d["affiliation_email_address"] = json!(format!("admin@{name}"));
        d["affiliation_verification"] = verification("verified", "email_code", None, None);
        d["ownership_verification"] =
            verification("verified", "dashboard_override", Some(now), None);
    } else {
        d["affiliation_email_address"] = Value::Null;
        d["affiliation_verification"] =
            verification("unverified", "email_code", None, Some(now + DAY_MS));
        d["ownership_verification"] = Value::Null;
    }
    d["verification"] = d["affiliation_verification"].clone();
}

async fn create(
    State(state): State<AppState>,
    Path(organization_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["name", "enrollment_mode", "verified"])?;
    let name = body.required_string("name")?.trim().to_lowercase();
    let valid = name.contains('.')
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if !valid {
        return Err(ApiError::ParamFormat {
            param: "name",
            expected: "a domain name such as example.com",
        });
    }
    let mode = mode(&body)?.unwrap_or_else(|| "manual_invitation".into());
    let verified = body.bool("verified")?.unwrap_or(true);
    let mut store = state.store_mut();
    let org = organization(&store, organization_id.clone())?;
    let domains = store.table::<OrganizationDomains>();
    let taken = domains
        .items
        .find(&|k| domains.seeded_domain(&store, k), |d| {
            d["name"] == name.as_str()
        })
        .is_some();
    if taken {
        return Err(ApiError::Exists {
            code: "organization_domain_exists",
            param: "name",
            status: StatusCode::BAD_REQUEST,
        });
    }
    let now = store.tick();
    let i = store.table::<OrganizationDomains>().items.next_index();
    let mut d = json!({
        "object": "organization_domain",
        "id": store.table::<OrganizationDomains>().ids.id(i, now),
        "organization_id": organization_id,
        "name": name,
        "enrollment_mode": mode,
        "total_pending_invitations": 0,
        "total_pending_suggestions": 0,
        "public_organization_data": public_organization_data(&store, org),
        "created_at": now,
        "updated_at": now,
    });
    set_verified(&mut d, verified, now);
    store
        .table_mut::<OrganizationDomains>()
        .items
        .push(d.clone());
    Ok(Json(d))
}

fn find(store: &Store, organization_id: String, domain_id: String) -> ApiResult<(u32, Value)> {
    organization(store, organization_id.clone())?;
    let domains = store.table::<OrganizationDomains>();
    domains
        .items
        .get_by_id(domains.ids.index(&domain_id), &domain_id, &|k| {
            domains.seeded_domain(store, k)
        })
        .filter(|(_, d)| d["organization_id"] == organization_id.as_str())
        .ok_or(ApiError::NotFound {
            kind: "organization domain",
            id: domain_id,
        })
}

async fn update(
    State(state): State<AppState>,
    Path((organization_id, domain_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["enrollment_mode", "verified"])?;
    let mode = mode(&body)?;
    let verified = body.bool("verified")?;
    let mut store = state.store_mut();
    let (i, mut d) = find(&store, organization_id, domain_id)?;
    let now = store.tick();
    if let Some(v) = verified {
        set_verified(&mut d, v, now);
    }
    if let Some(m) = mode {
        if m != "manual_invitation" && d["affiliation_verification"]["status"] != "verified" {
            return Err(ApiError::Rejected {
                code: "organization_domain_not_verified",
                long_message: format!(
                    "The domain must be verified before its enrollment mode can be {m}."
                ),
            });
        }
        d["enrollment_mode"] = json!(m);
    }
    d["updated_at"] = json!(now);
    store
        .table_mut::<OrganizationDomains>()
        .items
        .set(i, d.clone());
    Ok(Json(d))
}

async fn remove(
    State(state): State<AppState>,
    Path((organization_id, domain_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, _) = find(&store, organization_id, domain_id.clone())?;
    store.table_mut::<OrganizationDomains>().items.delete(i);
    Ok(Json(deleted("organization_domain", &domain_id)))
}

/// Delete the domains of organization `org` (being deleted).
pub fn remove_organization(store: &mut Store, org: u32) {
    let domains = store.table::<OrganizationDomains>();
    let doomed: Vec<u32> = domains
        .candidates(org)
        .into_iter()
        .filter(|&k| {
            domains
                .items
                .get(k, &|i| domains.seeded_domain(store, i))
                .is_some_and(|d| {
                    d["organization_id"] == store.table::<Organizations>().id_of(org).as_str()
                })
        })
        .collect();
    for k in doomed {
        store.table_mut::<OrganizationDomains>().items.delete(k);
    }
}

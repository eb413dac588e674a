//! The instance's domains: `GET|POST /v1/domains` and `PATCH|DELETE
//! /v1/domains/{domain_id}` (schema `Domain`, list `{data,total_count}`
//! with no parameters). The seed holds the primary domain and one
//! satellite; only satellites can be created (`is_satellite` must be
//! `true`, as the spec says) and the primary domain cannot be deleted
//! (403).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, Operation, PagedList, Status::Served};
use crate::engine::collection::{self, deleted, Collection, Ids, Order, Select, MATERIALIZED};
use crate::engine::params::Paging;
use crate::seed::{mix, pick, Stream, ORG_NOUNS};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

#[derive(Debug)]
pub struct Domains {
    ids: Ids,
    items: Collection,
}

crate::server::state::store_table!(Domains, Domains::seeded(0));

/// Schema `Domain` for `name`.
fn domain(id: String, name: &str, is_satellite: bool, proxy_url: Option<String>) -> Value {
    let frontend = format!("https://clerk.{name}");
    let mut cname = vec![
        json!({ "host": format!("clerk.{name}"), "value": "frontend-api.clerk.services", "required": true }),
    ];
    if !is_satellite {
        cname.push(json!({ "host": format!("accounts.{name}"), "value": "accounts.clerk.services", "required": true }));
        cname.push(json!({ "host": format!("clkmail.{name}"), "value": format!("mail.{name}.nam1.clerk.services"), "required": true }));
    }
    json!({
        "object": "domain",
        "id": id,
        "name": name,
        "is_satellite": is_satellite,
        "frontend_api_url": frontend,
        "accounts_portal_url": (!is_satellite).then(|| format!("https://accounts.{name}")),
        "proxy_url": proxy_url,
        "development_origin": "",
        "cname_targets": cname,
    })
}

impl Domains {
    pub fn seeded(seed: u64) -> Self {
        let ids = Ids::new("dmn_", Stream::DomainId, seed);
        let noun =
            ORG_NOUNS[pick(mix(seed, Stream::DomainId, 0, 1), ORG_NOUNS.len())].to_lowercase();
        let primary = format!("{noun}.example.com");
        let satellite = format!("{noun}-docs.example.net");
        let start = crate::seed::START_MS;
        Self {
            items: Collection::materialized(vec![
                domain(ids.id(0, start), &primary, false, None),
                domain(ids.id(1, start + 1000), &satellite, true, None),
            ]),
            ids,
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/domains", get(list).post(create))
        .route(
            "/v1/domains/{domain_id}",
            axum::routing::patch(update).delete(remove),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/domains", Served),
    op("POST", "/domains", Served),
    op("PATCH", "/domains/{domain_id}", Served),
    op("DELETE", "/domains/{domain_id}", Served),
];

/// None of the lists `routes` serves is walked by the paging property.
pub const PAGED_LISTS: &[PagedList] = &[];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(Domains::seeded(config.seed));
}

/// Every domain, primary first: the endpoint takes no parameters.
async fn list(State(state): State<AppState>) -> ApiResult<Response> {
    let store = state.store();
    let all = Paging {
        limit: usize::MAX,
        offset: 0,
    };
    let listed = store.table::<Domains>().items.list(
        MATERIALIZED,
        Order::OLDEST_FIRST,
        Select::default(),
        all,
    );
    Ok(collection::respond(listed, true))
}

fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim().to_lowercase();
    let host = name.split(':').next().unwrap_or_default();
    let ok = host.contains('.')
        && !name.contains("://")
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if ok {
        Ok(name)
    } else {
        Err(ApiError::ParamFormat {
            param: "name",
            expected: "a domain name without a scheme, such as example.com",
        })
    }
}

fn proxy_url(body: &JsonBody) -> ApiResult<Option<Option<String>>> {
    let value = body.nullable_string("proxy_url")?;
    if let Some(Some(url)) = &value {
        if !url.starts_with("https://") {
            return Err(ApiError::ParamFormat {
                param: "proxy_url",
                expected: "an https:// URL",
            });
        }
    }
    Ok(value)
}

fn name_taken(store: &Store, name: &str, except: Option<u32>) -> bool {
    store
        .table::<Domains>()
        .items
        .find(MATERIALIZED, |d| d["name"] == name)
        .is_some_and(|(i, _)| Some(i) != except)
}

async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["name", "is_satellite", "proxy_url"])?;
    let name = valid_name(&body.required_string("name")?)?;
    match body.bool("is_satellite")? {
        None => {
            return Err(ApiError::ParamMissing {
                param: "is_satellite",
            })
        }
        Some(false) => {
            return Err(ApiError::ParamValue {
                param: "is_satellite",
                reason: "must be true: only satellite domains can be added".into(),
            })
        }
        Some(true) => {}
    }
    let proxy = proxy_url(&body)?.flatten();
    let mut store = state.store_mut();
    if name_taken(&store, &name, None) {
        return Err(ApiError::Exists {
            code: "form_identifier_exists",
            param: "name",
            status: StatusCode::UNPROCESSABLE_ENTITY,
        });
    }
    let now = store.tick();
    let domains = store.table_mut::<Domains>();
    let i = domains.items.next_index();
    let d = domain(domains.ids.id(i, now), &name, true, proxy);
    domains.items.push(d.clone());
    Ok(Json(d))
}

fn find(store: &Store, id: String) -> ApiResult<(u32, Value)> {
    let domains = store.table::<Domains>();
    domains
        .items
        .get_by_id(domains.ids.index(&id), &id, MATERIALIZED)
        .ok_or(ApiError::NotFound { kind: "domain", id })
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["name", "proxy_url", "is_secondary"])?;
    body.bool("is_secondary")?;
    let mut store = state.store_mut();
    let (i, current) = find(&store, id.clone())?;
    let name = match body.string("name")? {
        Some(name) => valid_name(&name)?,
        None => current["name"].as_str().unwrap_or_default().to_owned(),
    };
    if name_taken(&store, &name, Some(i)) {
        return Err(ApiError::Exists {
            code: "form_identifier_exists",
            param: "name",
            status: StatusCode::UNPROCESSABLE_ENTITY,
        });
    }
    let proxy = match proxy_url(&body)? {
        Some(p) => p,
        None => current["proxy_url"].as_str().map(str::to_owned),
    };
    let satellite = current["is_satellite"] == true;
    let d = domain(id, &name, satellite, proxy);
    store.table_mut::<Domains>().items.set(i, d.clone());
    Ok(Json(d))
}

async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, current) = find(&store, id.clone())?;
    if current["is_satellite"] != true {
        return Err(ApiError::Forbidden {
            code: "primary_domain_cannot_be_deleted",
            long_message: "The primary domain of an instance cannot be deleted.".into(),
        });
    }
    store.table_mut::<Domains>().items.delete(i);
    Ok(Json(deleted("domain", &id)))
}

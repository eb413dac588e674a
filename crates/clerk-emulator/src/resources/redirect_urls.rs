//! Redirect URLs allowed for native and mobile OAuth flows: `GET|POST
//! /v1/redirect_urls` (bare array unless `paginated=true`, newest first),
//! `GET|DELETE /v1/redirect_urls/{id}` (schema `RedirectURL`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::collection::{self, deleted, Collection, Ids, Order, Select, MATERIALIZED};
use crate::engine::params::QueryParams;
use crate::seed::{Stream, DAY_MS, START_MS};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

const SEEDED: &[&str] = &[
    "https://app.example.com/oauth-callback",
    "com.example.app://oauth-callback",
    "exp://127.0.0.1:8081/--/oauth-native-callback",
    "https://staging.example.com/sso-callback",
];

#[derive(Debug)]
pub struct RedirectUrls {
    ids: Ids,
    items: Collection,
}

crate::server::state::store_table!(RedirectUrls, RedirectUrls::seeded(0));

impl RedirectUrls {
    pub fn seeded(seed: u64) -> Self {
        let ids = Ids::new("ru_", Stream::RedirectUrlId, seed);
        let items = SEEDED
            .iter()
            .enumerate()
            .map(|(i, url)| {
                let at = START_MS + i as i64 * 90 * DAY_MS;
                json!({ "object": "redirect_url", "id": ids.id(i as u32, at), "url": url, "created_at": at, "updated_at": at })
            })
            .collect();
        Self {
            ids,
            items: Collection::materialized(items),
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/redirect_urls", get(list).post(create))
        .route("/v1/redirect_urls/{id}", get(get_one).delete(remove))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/redirect_urls", Served),
    op("POST", "/redirect_urls", Served),
    op("GET", "/redirect_urls/{id}", Served),
    op("DELETE", "/redirect_urls/{id}", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[paged("/v1/redirect_urls?x=1").array()];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(RedirectUrls::seeded(config.seed));
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let paginated = q.bool("paginated")?.unwrap_or(false);
    let store = state.store();
    let listed = store.table::<RedirectUrls>().items.list(
        MATERIALIZED,
        Order::NEWEST_FIRST,
        Select::default(),
        paging,
    );
    Ok(collection::respond(listed, paginated))
}

/// `https://…` or a custom scheme (`my-app://…`); plain `http` only for
/// local development hosts.
fn valid_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let scheme_ok = !scheme.is_empty()
        && scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    let local = rest.starts_with("localhost") || rest.starts_with("127.0.0.1");
    scheme_ok && !rest.is_empty() && (scheme != "http" || local)
}

async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["url"])?;
    let url = body.required_string("url")?.trim().to_owned();
    if !valid_url(&url) {
        return Err(ApiError::ParamFormat {
            param: "url",
            expected: "an https:// URL or one with a custom scheme such as my-app://callback",
        });
    }
    let mut store = state.store_mut();
    if store
        .table::<RedirectUrls>()
        .items
        .find(MATERIALIZED, |r| r["url"] == url.as_str())
        .is_some()
    {
        return Err(ApiError::Exists {
            code: "duplicate_record",
            param: "url",
            status: StatusCode::BAD_REQUEST,
        });
    }
    let now = store.tick();
    let urls = store.table_mut::<RedirectUrls>();
    let i = urls.items.next_index();
    let object = json!({ "object": "redirect_url", "id": urls.ids.id(i, now), "url": url, "created_at": now, "updated_at": now });
    urls.items.push(object.clone());
    Ok(Json(object))
}

fn find(store: &Store, id: String) -> ApiResult<(u32, Value)> {
    let urls = store.table::<RedirectUrls>();
    urls.items
        .get_by_id(urls.ids.index(&id), &id, MATERIALIZED)
        .ok_or(ApiError::NotFound {
            kind: "redirect url",
            id,
        })
}

async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    find(&state.store(), id).map(|(_, o)| Json(o))
}

async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, _) = find(&store, id.clone())?;
    store.table_mut::<RedirectUrls>().items.delete(i);
    Ok(Json(deleted("redirect_url", &id)))
}

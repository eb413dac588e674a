//! JWT templates: `GET|POST /v1/jwt_templates` (bare array unless
//! `paginated=true`, newest first) and `GET|PATCH|DELETE
//! /v1/jwt_templates/{template_id}` (schema `JWTTemplate`). PATCH replaces
//! the template (the spec requires `name` and `claims` on it too); the
//! signing key is write-only and never echoed.

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

const FIELDS: &[&str] = &[
    "name",
    "claims",
    "lifetime",
    "allowed_clock_skew",
    "custom_signing_key",
    "signing_algorithm",
    "signing_key",
];
const ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512",
];

#[derive(Debug)]
pub struct JwtTemplates {
    ids: Ids,
    items: Collection,
}

crate::server::state::store_table!(JwtTemplates, JwtTemplates::seeded(0));

impl JwtTemplates {
    pub fn seeded(seed: u64) -> Self {
        let ids = Ids::new("jtmp_", Stream::JwtTemplateId, seed);
        let seeded = [
            (
                "supabase",
                json!({ "aud": "authenticated", "role": "authenticated", "email": "{{user.primary_email_address}}" }),
                3600,
                false,
                "HS256",
            ),
            (
                "hasura",
                json!({ "https://hasura.io/jwt/claims": { "x-hasura-user-id": "{{user.id}}", "x-hasura-default-role": "user", "x-hasura-allowed-roles": ["user"] } }),
                60,
                false,
                "RS256",
            ),
            (
                "convex",
                json!({ "aud": "convex", "name": "{{user.full_name}}", "org": "{{org.slug}}" }),
                60,
                false,
                "RS256",
            ),
        ];
        let items = seeded
            .into_iter()
            .enumerate()
            .map(|(i, (name, claims, lifetime, custom, alg))| {
                let at = START_MS + 10 * DAY_MS + i as i64 * 120 * DAY_MS;
                json!({
                    "object": "jwt_template", "id": ids.id(i as u32, at), "name": name,
                    "claims": claims, "lifetime": lifetime, "allowed_clock_skew": 5,
                    "custom_signing_key": custom, "signing_algorithm": alg,
                    "created_at": at, "updated_at": at,
                })
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
        .route("/v1/jwt_templates", get(list).post(create))
        .route(
            "/v1/jwt_templates/{template_id}",
            get(get_one).patch(update).delete(remove),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/jwt_templates", Served),
    op("POST", "/jwt_templates", Served),
    op("GET", "/jwt_templates/{template_id}", Served),
    op("PATCH", "/jwt_templates/{template_id}", Served),
    op("DELETE", "/jwt_templates/{template_id}", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[paged("/v1/jwt_templates?paginated=true")];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(JwtTemplates::seeded(config.seed));
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let paginated = q.bool("paginated")?.unwrap_or(false);
    let store = state.store();
    let listed = store.table::<JwtTemplates>().items.list(
        MATERIALIZED,
        Order::NEWEST_FIRST,
        Select::default(),
        paging,
    );
    Ok(collection::respond(listed, paginated))
}

fn bounded(
    body: &JsonBody,
    param: &'static str,
    default: i64,
    min: i64,
    max: i64,
) -> ApiResult<i64> {
    match body.int(param)? {
        None => Ok(default),
        Some(v) if (min..=max).contains(&v) => Ok(v),
        Some(_) => Err(ApiError::ParamValue {
            param,
            reason: format!("must be between {min} and {max}"),
        }),
    }
}

/// The template a create or PATCH body describes (`id` and times aside).
fn parse(store: &Store, body: &JsonBody, except: Option<u32>) -> ApiResult<Value> {
    let name = body.required_string("name")?;
    let claims = body
        .object("claims")?
        .ok_or(ApiError::ParamMissing { param: "claims" })?;
    let lifetime = bounded(body, "lifetime", 60, 30, 315_360_000)?;
    let skew = bounded(body, "allowed_clock_skew", 5, 0, 300)?;
    let custom = body.bool("custom_signing_key")?.unwrap_or(false);
    let algorithm = body.string("signing_algorithm")?;
    let key = body.string("signing_key")?;
    if let Some(alg) = &algorithm {
        if !ALGORITHMS.contains(&alg.as_str()) {
            return Err(ApiError::ParamValue {
                param: "signing_algorithm",
                reason: format!("must be one of {}", ALGORITHMS.join(", ")),
            });
        }
    }
    if custom {
        if algorithm.is_none() {
            return Err(ApiError::ParamMissing {
                param: "signing_algorithm",
            });
        }
        if key.is_none() {
            return Err(ApiError::ParamMissing {
                param: "signing_key",
            });
        }
    }
    let taken = store
        .table::<JwtTemplates>()
        .items
        .find(MATERIALIZED, |t| t["name"] == name.as_str())
        .is_some_and(|(i, _)| Some(i) != except);
    if taken {
        return Err(ApiError::Exists {
            code: "form_identifier_exists",
            param: "name",
            status: StatusCode::UNPROCESSABLE_ENTITY,
        });
    }
    Ok(json!({
        "object": "jwt_template", "name": name, "claims": claims,
        "lifetime": lifetime, "allowed_clock_skew": skew, "custom_signing_key": custom,
        "signing_algorithm": if custom { algorithm.unwrap_or_else(|| "RS256".into()) } else { "RS256".into() },
    }))
}

async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, FIELDS)?;
    let mut store = state.store_mut();
    let mut template = parse(&store, &body, None)?;
    let now = store.tick();
    let templates = store.table_mut::<JwtTemplates>();
    let i = templates.items.next_index();
    template["id"] = json!(templates.ids.id(i, now));
    template["created_at"] = json!(now);
    template["updated_at"] = json!(now);
    templates.items.push(template.clone());
    Ok(Json(template))
}

fn find(store: &Store, id: String) -> ApiResult<(u32, Value)> {
    let templates = store.table::<JwtTemplates>();
    templates
        .items
        .get_by_id(templates.ids.index(&id), &id, MATERIALIZED)
        .ok_or(ApiError::NotFound {
            kind: "JWT template",
            id,
        })
}

async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    find(&state.store(), id).map(|(_, t)| Json(t))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, FIELDS)?;
    let mut store = state.store_mut();
    let (i, current) = find(&store, id)?;
    let mut template = parse(&store, &body, Some(i))?;
    template["id"] = current["id"].clone();
    template["created_at"] = current["created_at"].clone();
    template["updated_at"] = json!(store.tick());
    store
        .table_mut::<JwtTemplates>()
        .items
        .set(i, template.clone());
    Ok(Json(template))
}

async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, _) = find(&store, id.clone())?;
    store.table_mut::<JwtTemplates>().items.delete(i);
    Ok(Json(deleted("jwt_template", &id)))
}

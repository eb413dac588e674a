//! OAuth applications (Clerk as an identity provider): `GET|POST
//! /v1/oauth_applications` (`{data,total_count}`, oldest first by default,
//! the one list that does so; `order_by` created_at or name; `name_query`
//! matches a name substring or the exact client id), `GET|PATCH|DELETE
//! …/{oauth_application_id}` and `POST …/rotate_secret`. Create and rotate
//! answer `OAuthApplicationWithSecret`; the secret is shown only then (a
//! public client's is empty).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::collection::{self, deleted, Collection, Ids, Order, Select, MATERIALIZED};
use crate::engine::params::QueryParams;
use crate::seed::{instance_id, mix, Stream, DAY_MS, START_MS};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

const FRONTEND_API: &str = "https://clerk.emulator.test";
const FIELDS: &[&str] = &[
    "name",
    "redirect_uris",
    "callback_url",
    "scopes",
    "consent_screen_enabled",
    "pkce_required",
    "public",
];
const SCOPES: &[&str] = &[
    "profile",
    "email",
    "public_metadata",
    "private_metadata",
    "openid",
    "offline_access",
];
const SEEDED: &[(&str, &str, bool)] = &[
    (
        "Internal dashboard",
        "https://dashboard.example.com/oauth/callback",
        false,
    ),
    (
        "Partner portal",
        "https://partners.example.org/auth/clerk",
        false,
    ),
    ("CLI", "http://localhost:8976/callback", true),
];

#[derive(Debug)]
pub struct OAuthApplications {
    ids: Ids,
    items: Collection,
    /// Secret generations, bumped by each rotation (secrets are derived).
    rotations: std::collections::HashMap<String, u64>,
}

crate::server::state::store_table!(OAuthApplications, OAuthApplications::seeded(0));

fn client_id(seed: u64, i: u32) -> String {
    let w = mix(seed, Stream::OAuthAppId, u64::from(i), 7);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = w;
    (0..16)
        .map(|_| {
            let c = alphabet[(x % alphabet.len() as u64) as usize] as char;
            x = (x / alphabet.len() as u64) ^ w.rotate_left(17);
            c
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn application(
    id: String,
    instance: &str,
    name: &str,
    client_id: &str,
    redirect_uris: Vec<String>,
    scopes: &str,
    consent: bool,
    pkce: bool,
    public: bool,
    created_at: i64,
) -> Value {
    json!({
        "object": "oauth_application",
        "id": id,
        "instance_id": instance,
        "name": name,
        "client_id": client_id,
        "client_uri": null,
        "client_image_url": null,
        "dynamically_registered": false,
        "consent_screen_enabled": consent,
        "pkce_required": pkce,
        "public": public,
        "scopes": scopes,
        "callback_url": redirect_uris.first().cloned().unwrap_or_default(),
        "redirect_uris": redirect_uris,
        "authorize_url": format!("{FRONTEND_API}/oauth/authorize"),
        "token_fetch_url": format!("{FRONTEND_API}/oauth/token"),
        "user_info_url": format!("{FRONTEND_API}/oauth/userinfo"),
        "discovery_url": format!("{FRONTEND_API}/.well-known/oauth-authorization-server"),
        "token_introspection_url": format!("{FRONTEND_API}/oauth/token_info"),
        "created_at": created_at,
        "updated_at": created_at,
    })
}

impl OAuthApplications {
    pub fn seeded(seed: u64) -> Self {
        let ids = Ids::new("oa_", Stream::OAuthAppId, seed);
        let instance = instance_id(seed);
        let items = SEEDED
            .iter()
            .enumerate()
            .map(|(i, (name, uri, public))| {
                let at = START_MS + 30 * DAY_MS + i as i64 * 200 * DAY_MS;
                application(
                    ids.id(i as u32, at),
                    &instance,
                    name,
                    &client_id(seed, i as u32),
                    vec![(*uri).to_owned()],
                    "profile email",
                    !*public,
                    *public,
                    *public,
                    at,
                )
            })
            .collect();
        Self {
            ids,
            items: Collection::materialized(items),
            rotations: std::collections::HashMap::new(),
        }
    }

    fn secret(&self, seed: u64, app: &Value) -> String {
        if app["public"] == true {
            return String::new();
        }
        let id = app["id"].as_str().unwrap_or_default();
        let generation = self.rotations.get(id).copied().unwrap_or(0);
        let h = |k: u64| {
            id.bytes()
                .fold(mix(seed, Stream::OAuthAppId, generation, k), |a, b| {
                    crate::seed::splitmix(a ^ u64::from(b))
                })
        };
        format!("{:016x}{:016x}", h(1), h(2))
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/oauth_applications", get(list).post(create))
        .route(
            "/v1/oauth_applications/{oauth_application_id}",
            get(get_one).patch(update).delete(remove),
        )
        .route(
            "/v1/oauth_applications/{oauth_application_id}/rotate_secret",
            post(rotate_secret),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/oauth_applications", Served),
    op("POST", "/oauth_applications", Served),
    op("GET", "/oauth_applications/{oauth_application_id}", Served),
    op(
        "PATCH",
        "/oauth_applications/{oauth_application_id}",
        Served,
    ),
    op(
        "DELETE",
        "/oauth_applications/{oauth_application_id}",
        Served,
    ),
    op(
        "POST",
        "/oauth_applications/{oauth_application_id}/rotate_secret",
        Served,
    ),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] =
    &[paged("/v1/oauth_applications?x=1").order_by(&["created_at", "name"])];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(OAuthApplications::seeded(config.seed));
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = collection::order(&q, &["created_at", "name"], Order::OLDEST_FIRST)?;
    let query = q.string("name_query").map(str::to_owned);
    let select = Select {
        filter: query.map(|query| {
            Box::new(move |o: &Value| {
                o["client_id"] == query.as_str() || collection::contains_any(o, &["name"], &query)
            }) as collection::Filter
        }),
        ..Select::default()
    };
    let store = state.store();
    let listed = store
        .table::<OAuthApplications>()
        .items
        .list(MATERIALIZED, order, select, paging);
    Ok(collection::respond(listed, true))
}

fn find(store: &Store, id: String) -> ApiResult<(u32, Value)> {
    let apps = store.table::<OAuthApplications>();
    apps.items
        .get_by_id(apps.ids.index(&id), &id, MATERIALIZED)
        .ok_or(ApiError::NotFound {
            kind: "OAuth application",
            id,
        })
}

async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    find(&state.store(), id).map(|(_, o)| Json(o))
}

fn scopes(body: &JsonBody) -> ApiResult<Option<String>> {
    let Some(scopes) = body.string("scopes")? else {
        return Ok(None);
    };
    if let Some(bad) = scopes.split_whitespace().find(|s| !SCOPES.contains(s)) {
        return Err(ApiError::ParamValue {
            param: "scopes",
            reason: format!(
                "has an unknown scope {bad} (allowed: {})",
                SCOPES.join(", ")
            ),
        });
    }
    Ok(Some(
        scopes.split_whitespace().collect::<Vec<_>>().join(" "),
    ))
}

fn name(body: &JsonBody) -> ApiResult<Option<String>> {
    match body.string("name")? {
        Some(n) if n.chars().count() > 256 => Err(ApiError::ParamValue {
            param: "name",
            reason: "must be at most 256 characters".into(),
        }),
        Some(n) if n.trim().is_empty() => Err(ApiError::ParamMissing { param: "name" }),
        other => Ok(other),
    }
}

/// `redirect_uris`, or the deprecated single `callback_url`.
fn redirect_uris(body: &JsonBody) -> ApiResult<Option<Vec<String>>> {
    if body.has("redirect_uris") && body.raw("redirect_uris") != Some(&Value::Null) {
        return body.strings("redirect_uris").map(Some);
    }
    Ok(body.string("callback_url")?.map(|u| vec![u]))
}

fn with_secret(mut app: Value, secret: String) -> Value {
    app["client_secret"] = json!(secret);
    app
}

async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, FIELDS)?;
    let name = name(&body)?.ok_or(ApiError::ParamMissing { param: "name" })?;
    let uris = redirect_uris(&body)?.unwrap_or_default();
    let scopes = scopes(&body)?.unwrap_or_else(|| "profile email".into());
    let consent = body.bool("consent_screen_enabled")?.unwrap_or(true);
    let public = body.bool("public")?.unwrap_or(false);
    let pkce = body.bool("pkce_required")?.unwrap_or(false) || public;
    let mut store = state.store_mut();
    let now = store.tick();
    let seed = store.seed();
    let apps = store.table_mut::<OAuthApplications>();
    let i = apps.items.next_index();
    let app = application(
        apps.ids.id(i, now),
        &instance_id(seed),
        &name,
        &client_id(seed, i),
        uris,
        &scopes,
        consent,
        pkce,
        public,
        now,
    );
    apps.items.push(app.clone());
    let secret = apps.secret(seed, &app);
    Ok(Json(with_secret(app, secret)))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, FIELDS)?;
    let mut store = state.store_mut();
    let (i, mut app) = find(&store, id)?;
    if let Some(name) = name(&body)? {
        app["name"] = json!(name);
    }
    if let Some(uris) = redirect_uris(&body)? {
        app["callback_url"] = json!(uris.first().cloned().unwrap_or_default());
        app["redirect_uris"] = json!(uris);
    }
    if let Some(scopes) = scopes(&body)? {
        app["scopes"] = json!(scopes);
    }
    for field in ["consent_screen_enabled", "pkce_required", "public"] {
        let value = match field {
            "consent_screen_enabled" => body.bool("consent_screen_enabled")?,
            "pkce_required" => body.bool("pkce_required")?,
            _ => body.bool("public")?,
        };
        if let Some(v) = value {
            app[field] = json!(v);
        }
    }
    if app["public"] == true {
        app["pkce_required"] = json!(true);
    }
    app["updated_at"] = json!(store.tick());
    store
        .table_mut::<OAuthApplications>()
        .items
        .set(i, app.clone());
    Ok(Json(app))
}

async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, _) = find(&store, id.clone())?;
    store.table_mut::<OAuthApplications>().items.delete(i);
    Ok(Json(deleted("oauth_application", &id)))
}

async fn rotate_secret(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, mut app) = find(&store, id.clone())?;
    app["updated_at"] = json!(store.tick());
    let seed = store.seed();
    let apps = store.table_mut::<OAuthApplications>();
    *apps.rotations.entry(id).or_insert(0) += 1;
    apps.items.set(i, app.clone());
    let secret = apps.secret(seed, &app);
    Ok(Json(with_secret(app, secret)))
}

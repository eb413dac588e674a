//! API keys: `GET|POST /v1/api_keys` (`{data,total_count}`, `subject`
//! required, limit 1-100, `include_invalid` a string boolean, `type`,
//! `query` on the name), `GET|PATCH|DELETE …/{apiKeyID}`, `GET …/secret`
//! and `POST …/revoke`. Ids are `ak_` + 32 hex digits, as the spec's
//! pattern says.
//!
//! Seeded keys belong to users (one per five users: 1, 6, 11, …) and then
//! to organizations (one per four: 2, 6, 10, …), generated from the index on
//! demand; a subject's keys are found from its index, never by a scan.
//! Invalid keys (revoked or expired) are listed only with
//! `include_invalid=true`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Scope, Status::Served};
use crate::engine::collection::{self, Collection, Order, Select};
use crate::engine::params::QueryParams;
use crate::resources::machines::Machines;
use crate::resources::memberships::Memberships;
use crate::resources::organizations::Organizations;
use crate::resources::users::Users;
use crate::seed::{hex_id, hex_index, mix, pick, Stream, DAY_MS, NOW_MS};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

const NAMES: &[&str] = &[
    "CI_DEPLOY_KEY",
    "ANALYTICS_EXPORT",
    "ZAPIER",
    "BACKUP_JOB",
    "MOBILE_BACKEND",
];
const SCOPES: &[&[&str]] = &[&["read"], &["read", "write"], &[], &["admin"]];
const FIELDS: &[&str] = &[
    "type",
    "name",
    "description",
    "subject",
    "claims",
    "scopes",
    "created_by",
    "seconds_until_expiration",
];

#[derive(Debug)]
pub struct ApiKeys {
    seed: u64,
    /// Seeded keys owned by users come first, then those owned by orgs.
    user_keys: u32,
    keys: Collection,
}

crate::server::state::store_table!(ApiKeys, ApiKeys::seeded(0, 0, 0));

/// What a subject id names.
enum Subject {
    User(u32),
    Org(u32),
    Machine,
}

impl ApiKeys {
    pub fn seeded(seed: u64, users: u32, organizations: u32) -> Self {
        let user_keys = users.saturating_add(3) / 5;
        let org_keys = organizations.saturating_add(1) / 4;
        Self {
            seed,
            user_keys,
            keys: Collection::new(user_keys + org_keys),
        }
    }

    fn id(&self, i: u32) -> String {
        hex_id("ak_", self.seed, Stream::ApiKeyId, u64::from(i))
    }

    fn seeded_key(&self, store: &Store, k: u32) -> Value {
        let w = |s: u64| mix(self.seed, Stream::ApiKey, u64::from(k), s);
        let (subject, created_by, owner_created) = if k < self.user_keys {
            let user = k * 5 + 1;
            let id = store.table::<Users>().id_of(user);
            (
                id.clone(),
                Some(id),
                store.table::<Users>().core(user).created_at,
            )
        } else {
            let org = (k - self.user_keys) * 4 + 2;
            let creator = store
                .table::<Memberships>()
                .first_member(org)
                .map(|u| store.table::<Users>().id_of(u));
            (
                store.table::<Organizations>().id_of(org),
                creator,
                store.table::<Organizations>().core(org).created_at,
            )
        };
        let created_at = owner_created + DAY_MS + (w(0) % (20 * DAY_MS as u64)) as i64;
        let expiration = (w(1) % 3 == 0).then_some(created_at + 365 * DAY_MS);
        let revoked = w(2) % 10 == 0;
        json!({
            "object": "api_key",
            "id": self.id(k),
            "type": "api_key",
            "subject": subject,
            "name": NAMES[pick(w(3), NAMES.len())],
            "description": (w(4) % 2 == 0).then_some("Used by an automated job"),
            "claims": if w(5) % 3 == 0 { json!({ "env": "production" }) } else { Value::Null },
            "scopes": SCOPES[pick(w(6), SCOPES.len())],
            "revoked": revoked,
            "revocation_reason": revoked.then_some("Leaked in a log"),
            "expired": expiration.is_some_and(|e| e < NOW_MS),
            "expiration": expiration,
            "created_by": created_by,
            "last_used_at": (w(7) % 4 != 0).then(|| (created_at + (w(8) % (200 * DAY_MS as u64)) as i64).min(NOW_MS)),
            "created_at": created_at,
            "updated_at": created_at,
        })
    }

    fn subject(store: &Store, id: &str) -> Option<Subject> {
        if id.starts_with("user_") {
            store.table::<Users>().find(id).map(Subject::User)
        } else if id.starts_with("org_") {
            store.table::<Organizations>().find(id).map(Subject::Org)
        } else if id.starts_with("mch_") {
            store
                .table::<Machines>()
                .exists(id)
                .then_some(Subject::Machine)
        } else {
            None
        }
    }

    /// The key indexes that may belong to `subject`.
    fn candidates(&self, subject: &Subject) -> Vec<u32> {
        let mut out: Vec<u32> = (self.keys.seeded_len()..self.keys.len()).collect();
        match *subject {
            Subject::User(u) if u % 5 == 1 && u / 5 < self.user_keys => out.push(u / 5),
            Subject::Org(o) if o % 4 == 2 && self.user_keys + o / 4 < self.keys.seeded_len() => {
                out.push(self.user_keys + o / 4)
            }
            _ => {}
        }
        out
    }

    fn find(&self, store: &Store, id: &str) -> Option<(u32, Value)> {
        let i =
            hex_index("ak_", self.seed, Stream::ApiKeyId, id).and_then(|i| u32::try_from(i).ok());
        self.keys.get_by_id(i, id, &|k| self.seeded_key(store, k))
    }

    fn secret(&self, id: &str) -> String {
        let h = id
            .bytes()
            .fold(mix(self.seed, Stream::ApiKey, 0, 77), |a, b| {
                crate::seed::splitmix(a ^ u64::from(b))
            });
        format!("ak_{:016x}{:016x}", crate::seed::splitmix(h), h)
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/api_keys", get(list).post(create))
        .route(
            "/v1/api_keys/{apiKeyID}",
            get(get_one).patch(update).delete(remove),
        )
        .route("/v1/api_keys/{apiKeyID}/secret", get(secret))
        .route("/v1/api_keys/{apiKeyID}/revoke", post(revoke))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/api_keys", Served),
    op("POST", "/api_keys", Served),
    op("GET", "/api_keys/{apiKeyID}", Served),
    op("PATCH", "/api_keys/{apiKeyID}", Served),
    op("DELETE", "/api_keys/{apiKeyID}", Served),
    op("GET", "/api_keys/{apiKeyID}/secret", Served),
    op("POST", "/api_keys/{apiKeyID}/revoke", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[paged("/v1/api_keys?x=1")
    .max_limit(100)
    .scoped(Scope::UserOrOrganization)];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(ApiKeys::seeded(
        config.seed,
        config.users,
        config.organizations,
    ));
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging_up_to(100)?;
    let kind = q.string("type").unwrap_or("api_key").to_owned();
    let include_invalid = q.string_bool("include_invalid")?.unwrap_or(false);
    let query = q.string("query").map(str::to_owned);
    let subject_id = q
        .string("subject")
        .ok_or(ApiError::ParamMissing { param: "subject" })?
        .to_owned();
    let store = state.store();
    let keys = store.table::<ApiKeys>();
    let candidates = match ApiKeys::subject(&store, &subject_id) {
        Some(subject) => keys.candidates(&subject),
        None => Vec::new(),
    };
    let filter = Box::new(move |k: &Value| {
        k["subject"] == subject_id.as_str()
            && k["type"] == kind.as_str()
            && (include_invalid || (k["revoked"] == false && k["expired"] == false))
            && query
                .as_ref()
                .is_none_or(|q| collection::contains_any(k, &["name"], q))
    }) as collection::Filter;
    let listed = keys.keys.list(
        &|k| keys.seeded_key(&store, k),
        Order::NEWEST_FIRST,
        Select {
            candidates: Some(candidates),
            filter: Some(filter),
            ..Select::default()
        },
        paging,
    );
    Ok(collection::respond(listed, true))
}

fn not_found(id: String) -> ApiError {
    ApiError::NotFound {
        kind: "API key",
        id,
    }
}

async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let store = state.store();
    let found = store.table::<ApiKeys>().find(&store, &id);
    found.map(|(_, k)| Json(k)).ok_or_else(|| not_found(id))
}

async fn secret(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let store = state.store();
    let (_, key) = store
        .table::<ApiKeys>()
        .find(&store, &id)
        .ok_or_else(|| not_found(id.clone()))?;
    let id = key["id"].as_str().unwrap_or_default();
    Ok(Json(
        json!({ "secret": store.table::<ApiKeys>().secret(id) }),
    ))
}

fn expiration(body: &JsonBody, now: i64) -> ApiResult<Option<Option<i64>>> {
    match body.raw("seconds_until_expiration") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => match v.as_f64() {
            Some(s) if s > 0.0 => Ok(Some(Some(now + (s * 1000.0) as i64))),
            _ => Err(ApiError::ParamValue {
                param: "seconds_until_expiration",
                reason: "must be a number greater than 0".into(),
            }),
        },
    }
}

fn description(body: &JsonBody) -> ApiResult<Option<Option<String>>> {
    match body.nullable_string("description")? {
        Some(Some(d)) if d.chars().count() > 255 => Err(ApiError::ParamValue {
            param: "description",
            reason: "must be at most 255 characters".into(),
        }),
        other => Ok(other),
    }
}

fn subject_of(store: &Store, body: &JsonBody, required: bool) -> ApiResult<Option<String>> {
    match body.string("subject")? {
        None if required => Err(ApiError::ParamMissing { param: "subject" }),
        None => Ok(None),
        Some(s) => match ApiKeys::subject(store, &s) {
            Some(_) => Ok(Some(s)),
            None if s.starts_with("user_") || s.starts_with("org_") || s.starts_with("mch_") => {
                Err(ApiError::NotFound {
                    kind: "subject",
                    id: s,
                })
            }
            None => Err(ApiError::ParamFormat {
                param: "subject",
                expected: "a user_, org_ or mch_ id",
            }),
        },
    }
}

async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, FIELDS)?;
    let name = body.required_string("name")?;
    if name.chars().count() < 3 || name.trim() != name {
        return Err(ApiError::ParamValue {
            param: "name",
            reason: "must be at least 3 characters with no leading or trailing space".into(),
        });
    }
    let kind = body.string("type")?.unwrap_or_else(|| "api_key".into());
    if !(3..=25).contains(&kind.chars().count()) {
        return Err(ApiError::ParamValue {
            param: "type",
            reason: "must be 3 to 25 characters".into(),
        });
    }
    let description = description(&body)?.flatten();
    let scopes = body.strings("scopes")?;
    let claims = body.raw("claims").cloned().unwrap_or(Value::Null);
    let mut store = state.store_mut();
    let subject = subject_of(&store, &body, true)?.unwrap_or_default();
    let created_by = match body.string("created_by")? {
        Some(u) if store.table::<Users>().find(&u).is_none() => {
            return Err(ApiError::NotFound {
                kind: "user",
                id: u,
            })
        }
        other => other,
    };
    let keys = store.table::<ApiKeys>();
    let clash = ApiKeys::subject(&store, &subject)
        .map(|s| keys.candidates(&s))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|k| keys.keys.get(k, &|i| keys.seeded_key(&store, i)))
        .any(|k| {
            k["subject"] == subject.as_str() && k["name"] == name.as_str() && k["revoked"] == false
        });
    if clash {
        return Err(ApiError::Conflict {
            code: "api_key_name_exists",
            long_message: format!("The subject already has an API key named {name}."),
        });
    }
    let now = store.tick();
    let expiration = expiration(&body, now)?.flatten();
    let keys = store.table_mut::<ApiKeys>();
    let i = keys.keys.next_index();
    let key = json!({
        "object": "api_key", "id": keys.id(i), "type": kind, "subject": subject, "name": name,
        "description": description, "claims": claims, "scopes": scopes,
        "revoked": false, "revocation_reason": null, "expired": false, "expiration": expiration,
        "created_by": created_by, "last_used_at": null, "created_at": now, "updated_at": now,
    });
    keys.keys.push(key.clone());
    let mut out = key;
    out["secret"] = json!(keys.secret(out["id"].as_str().unwrap_or_default()));
    Ok(Json(out))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(
        &body,
        &[
            "claims",
            "scopes",
            "description",
            "subject",
            "seconds_until_expiration",
        ],
    )?;
    let description = description(&body)?;
    let mut store = state.store_mut();
    let subject = subject_of(&store, &body, false)?;
    let (i, mut key) = store
        .table::<ApiKeys>()
        .find(&store, &id)
        .ok_or_else(|| not_found(id))?;
    let now = store.tick();
    if let Some(d) = description {
        key["description"] = json!(d);
    }
    if let Some(s) = subject {
        key["subject"] = json!(s);
    }
    if body.has("claims") {
        key["claims"] = body.raw("claims").cloned().unwrap_or(Value::Null);
    }
    if body.has("scopes") {
        key["scopes"] = json!(body.strings("scopes")?);
    }
    if let Some(e) = expiration(&body, now)? {
        key["expiration"] = json!(e);
        key["expired"] = json!(false);
    }
    key["updated_at"] = json!(now);
    store.table_mut::<ApiKeys>().keys.set(i, key.clone());
    Ok(Json(key))
}

async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, _) = store
        .table::<ApiKeys>()
        .find(&store, &id)
        .ok_or_else(|| not_found(id.clone()))?;
    store.table_mut::<ApiKeys>().keys.delete(i);
    Ok(Json(
        json!({ "id": id, "object": "api_key", "deleted": true }),
    ))
}

async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["revocation_reason"])?;
    let reason = body.string("revocation_reason")?;
    let mut store = state.store_mut();
    let (i, mut key) = store
        .table::<ApiKeys>()
        .find(&store, &id)
        .ok_or_else(|| not_found(id))?;
    key["revoked"] = json!(true);
    key["revocation_reason"] = json!(reason);
    key["updated_at"] = json!(store.tick());
    store.table_mut::<ApiKeys>().keys.set(i, key.clone());
    Ok(Json(key))
}

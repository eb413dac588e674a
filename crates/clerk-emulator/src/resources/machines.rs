//! Machines and their M2M tokens: `GET|POST /v1/machines` (`{data,
//! total_count}`, `query` = exact id or name substring, `order_by` name or
//! created_at), `GET|PATCH|DELETE …/{machine_id}`, the machine's secret key
//! (read and rotate), scopes between machines, and `GET|POST /v1/m2m_tokens`
//! (`{m2m_tokens,total_count}`, limit 1-100) with `POST …/{id}/revoke`.
//!
//! The seed holds five service machines, scoped to one another as a small
//! service mesh would be, each with a history of opaque tokens. Creating a
//! token must be authenticated with the machine's own secret key (the spec
//! says so); listing accepts either that or the instance key, a machine
//! seeing only its own tokens. Deleting a machine answers
//! `Machine.Deleted`, a scope delete `MachineScope.Deleted`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Scope, Status::Served};
use crate::engine::collection::{self, Collection, Ids, Order, Select, MATERIALIZED};
use crate::engine::params::QueryParams;
use crate::seed::{hex_id, hex_index, instance_id, mix, Stream, DAY_MS, NOW_MS, START_MS};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

const MAX_TTL: i64 = 315_360_000;
const MAX_SCOPES: usize = 150;
const TOKENS_PER_MACHINE: u64 = 8;
/// `(name, indexes of the machines it may call)`.
const SEEDED: &[(&str, &[usize])] = &[
    ("api-gateway", &[1, 2, 3]),
    ("billing-worker", &[2]),
    ("search-indexer", &[]),
    ("reporting-cron", &[1, 2]),
    ("webhook-relay", &[0]),
];

#[derive(Debug)]
pub struct Machines {
    seed: u64,
    ids: Ids,
    machines: Collection,
    /// Secret-key generation per machine index (bumped by rotation).
    rotations: std::collections::HashMap<u32, u64>,
    tokens: Collection,
}

crate::server::state::store_table!(Machines, Machines::seeded(0));

impl Machines {
    pub fn seeded(seed: u64) -> Self {
        let ids = Ids::new("mch_", Stream::MachineId, seed);
        let instance = instance_id(seed);
        let created: Vec<i64> = (0..SEEDED.len())
            .map(|i| START_MS + 20 * DAY_MS + i as i64 * 150 * DAY_MS)
            .collect();
        let id_of = |i: usize| ids.id(i as u32, created[i]);
        let machines: Vec<Value> = SEEDED
            .iter()
            .enumerate()
            .map(|(i, (name, scoped))| {
                json!({
                    "object": "machine", "id": id_of(i), "name": name, "instance_id": instance,
                    "default_token_ttl": 3600,
                    "scoped_machines": scoped.iter().map(|&s| id_of(s)).collect::<Vec<_>>(),
                    "created_at": created[i], "updated_at": created[i],
                })
            })
            .collect();
        // A token history per machine, in creation order across machines.
        let mut tokens: Vec<(i64, usize, u64)> = Vec::new();
        for (m, at) in created.iter().enumerate() {
            for j in 0..TOKENS_PER_MACHINE {
                let w = mix(seed, Stream::Machine, m as u64, j);
                let span = (NOW_MS - at) as u64 / TOKENS_PER_MACHINE;
                tokens.push((at + (j * span + w % span.max(1)) as i64, m, j));
            }
        }
        tokens.sort_unstable();
        let tokens = tokens
            .into_iter()
            .enumerate()
            .map(|(t, (at, m, j))| {
                let w = |k: u64| mix(seed, Stream::Machine, (m as u64) << 8 | j, k);
                let ttl = if w(0) % 3 == 0 { 30 * DAY_MS } else { 3_600_000 };
                let expiration = at + ttl;
                let revoked = w(1) % 10 == 0;
                json!({
                    "object": "machine_to_machine_token",
                    "id": hex_id("mt_", seed, Stream::M2mTokenId, t as u64),
                    "subject": id_of(m),
                    "claims": if w(2) % 2 == 0 { json!({ "job": SEEDED[m].0 }) } else { Value::Null },
                    "scopes": SEEDED[m].1.iter().map(|&s| id_of(s)).collect::<Vec<_>>(),
                    "revoked": revoked,
                    "revocation_reason": revoked.then_some("Rotated after a deploy"),
                    "expired": expiration < NOW_MS,
                    "expiration": expiration,
                    "last_used_at": (w(3) % 4 != 0).then(|| (at + (w(4) % ttl as u64) as i64).min(NOW_MS)),
                    "created_at": at,
                    "updated_at": at,
                })
            })
            .collect();
        Self {
            seed,
            ids,
            machines: Collection::materialized(machines),
            rotations: std::collections::HashMap::new(),
            tokens: Collection::materialized(tokens),
        }
    }

    fn find(&self, id: &str) -> Option<(u32, Value)> {
        self.machines
            .get_by_id(self.ids.index(id), id, MATERIALIZED)
    }

    pub fn exists(&self, id: &str) -> bool {
        self.find(id).is_some()
    }

    fn secret(&self, i: u32) -> String {
        let generation = self.rotations.get(&i).copied().unwrap_or(0);
        let w = |k: u64| {
            mix(
                self.seed,
                Stream::Machine,
                u64::from(i) << 32 | generation,
                100 + k,
            )
        };
        format!("ak_{:016x}{:016x}", w(0), w(1))
    }

    /// The machine whose current secret key is `key`.
    fn by_secret(&self, key: &str) -> Option<(u32, Value)> {
        (0..self.machines.len())
            .filter(|&i| self.secret(i) == key)
            .find_map(|i| self.machines.get(i, MATERIALIZED).map(|m| (i, m)))
    }

    /// Schema `Machine`: scoped machine ids become machine objects.
    fn render(&self, machine: &Value) -> Value {
        let mut out = machine.clone();
        out["scoped_machines"] = machine["scoped_machines"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().and_then(|id| self.find(id)))
                    .map(|(_, mut m)| {
                        if let Some(o) = m.as_object_mut() {
                            o.remove("scoped_machines");
                        }
                        m
                    })
                    .collect()
            })
            .unwrap_or_default();
        out
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/machines", get(list).post(create))
        .route(
            "/v1/machines/{machine_id}",
            get(get_one).patch(update).delete(remove),
        )
        .route("/v1/machines/{machine_id}/secret_key", get(secret_key))
        .route(
            "/v1/machines/{machine_id}/secret_key/rotate",
            post(rotate_secret_key),
        )
        .route("/v1/machines/{machine_id}/scopes", post(add_scope))
        .route(
            "/v1/machines/{machine_id}/scopes/{other_machine_id}",
            delete(remove_scope),
        )
        .route("/v1/m2m_tokens", get(list_tokens).post(create_token))
        .route("/v1/m2m_tokens/{m2m_token_id}/revoke", post(revoke_token))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/machines", Served),
    op("POST", "/machines", Served),
    op("GET", "/machines/{machine_id}", Served),
    op("PATCH", "/machines/{machine_id}", Served),
    op("DELETE", "/machines/{machine_id}", Served),
    op("GET", "/machines/{machine_id}/secret_key", Served),
    op("POST", "/machines/{machine_id}/secret_key/rotate", Served),
    op("POST", "/machines/{machine_id}/scopes", Served),
    op(
        "DELETE",
        "/machines/{machine_id}/scopes/{other_machine_id}",
        Served,
    ),
    op("GET", "/m2m_tokens", Served),
    op("POST", "/m2m_tokens", Served),
    op("POST", "/m2m_tokens/{m2m_token_id}/revoke", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[
    paged("/v1/machines?x=1").order_by(&["name", "created_at"]),
    paged("/v1/m2m_tokens?x=1")
        .items("m2m_tokens")
        .max_limit(100)
        .scoped(Scope::Machine),
];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(Machines::seeded(config.seed));
}

/// Whether `key` is a live machine secret key (`auth` lets those through
/// on `/v1/m2m_tokens`).
pub fn is_machine_key(store: &Store, key: &str) -> bool {
    store.table::<Machines>().by_secret(key).is_some()
}

fn not_found(id: String) -> ApiError {
    ApiError::NotFound {
        kind: "machine",
        id,
    }
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = collection::order(&q, &["name", "created_at"], Order::NEWEST_FIRST)?;
    let query = q.string("query").map(str::to_owned);
    let filter = query.map(|query| {
        Box::new(move |m: &Value| {
            m["id"] == query.as_str() || collection::contains_any(m, &["name"], &query)
        }) as collection::Filter
    });
    let store = state.store();
    let machines = store.table::<Machines>();
    let listed = machines.machines.list(
        MATERIALIZED,
        order,
        Select {
            filter,
            ..Select::default()
        },
        paging,
    );
    Ok(collection::respond(
        listed.map(|m| machines.render(&m)),
        true,
    ))
}

async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let store = state.store();
    let (_, m) = store
        .table::<Machines>()
        .find(&id)
        .ok_or_else(|| not_found(id))?;
    Ok(Json(store.table::<Machines>().render(&m)))
}

fn name(body: &JsonBody, required: bool) -> ApiResult<Option<String>> {
    match body.string("name")? {
        None if required => Err(ApiError::ParamMissing { param: "name" }),
        Some(n) if n.is_empty() || n.chars().count() > 255 => Err(ApiError::ParamValue {
            param: "name",
            reason: "must be 1 to 255 characters".into(),
        }),
        other => Ok(other),
    }
}

fn ttl(body: &JsonBody) -> ApiResult<Option<i64>> {
    match body.int("default_token_ttl")? {
        Some(t) if !(1..=MAX_TTL).contains(&t) => Err(ApiError::ParamValue {
            param: "default_token_ttl",
            reason: format!("must be between 1 and {MAX_TTL}"),
        }),
        other => Ok(other),
    }
}

async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["name", "scoped_machines", "default_token_ttl"])?;
    let name = name(&body, true)?.unwrap_or_default();
    let ttl = ttl(&body)?.unwrap_or(3600);
    let scoped = body.strings("scoped_machines")?;
    if scoped.len() > MAX_SCOPES {
        return Err(ApiError::ParamValue {
            param: "scoped_machines",
            reason: format!("accepts at most {MAX_SCOPES} machines"),
        });
    }
    let mut store = state.store_mut();
    if let Some(unknown) = scoped
        .iter()
        .find(|id| !store.table::<Machines>().exists(id))
    {
        return Err(not_found(unknown.clone()));
    }
    let now = store.tick();
    let instance = instance_id(store.seed());
    let machines = store.table_mut::<Machines>();
    let i = machines.machines.next_index();
    let machine = json!({
        "object": "machine", "id": machines.ids.id(i, now), "name": name, "instance_id": instance,
        "default_token_ttl": ttl, "scoped_machines": scoped, "created_at": now, "updated_at": now,
    });
    machines.machines.push(machine.clone());
    let mut out = machines.render(&machine);
    out["secret_key"] = json!(machines.secret(i));
    Ok(Json(out))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["name", "default_token_ttl"])?;
    let name = name(&body, false)?;
    let ttl = ttl(&body)?;
    let mut store = state.store_mut();
    let (i, mut m) = store
        .table::<Machines>()
        .find(&id)
        .ok_or_else(|| not_found(id))?;
    if let Some(n) = name {
        m["name"] = json!(n);
    }
    if let Some(t) = ttl {
        m["default_token_ttl"] = json!(t);
    }
    m["updated_at"] = json!(store.tick());
    store.table_mut::<Machines>().machines.set(i, m.clone());
    Ok(Json(store.table::<Machines>().render(&m)))
}

async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, _) = store
        .table::<Machines>()
        .find(&id)
        .ok_or_else(|| not_found(id.clone()))?;
    let machines = store.table_mut::<Machines>();
    machines.machines.delete(i);
    // Other machines lose their scope on it.
    for (j, mut other) in machines.machines.all_indexed(MATERIALIZED) {
        if let Some(scoped) = other["scoped_machines"].as_array_mut() {
            let before = scoped.len();
            scoped.retain(|s| *s != id.as_str());
            if scoped.len() != before {
                machines.machines.set(j, other);
            }
        }
    }
    Ok(Json(
        json!({ "object": "machine", "id": id, "deleted": true }),
    ))
}

async fn secret_key(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let (i, _) = store
        .table::<Machines>()
        .find(&id)
        .ok_or_else(|| not_found(id))?;
    Ok(Json(
        json!({ "object": "machine_secret_key", "secret": store.table::<Machines>().secret(i) }),
    ))
}

async fn rotate_secret_key(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["previous_token_ttl"])?;
    match body.int("previous_token_ttl")? {
        None => {
            return Err(ApiError::ParamMissing {
                param: "previous_token_ttl",
            })
        }
        Some(t) if !(0..=28_800).contains(&t) => {
            return Err(ApiError::ParamValue {
                param: "previous_token_ttl",
                reason: "must be between 0 and 28800".into(),
            })
        }
        Some(_) => {}
    }
    let mut store = state.store_mut();
    let (i, _) = store
        .table::<Machines>()
        .find(&id)
        .ok_or_else(|| not_found(id))?;
    *store
        .table_mut::<Machines>()
        .rotations
        .entry(i)
        .or_insert(0) += 1;
    Ok(Json(
        json!({ "object": "machine_secret_key", "secret": store.table::<Machines>().secret(i) }),
    ))
}

async fn add_scope(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["to_machine_id"])?;
    let to = body.required_string("to_machine_id")?;
    let mut store = state.store_mut();
    let (i, mut m) = store
        .table::<Machines>()
        .find(&id)
        .ok_or_else(|| not_found(id.clone()))?;
    if !store.table::<Machines>().exists(&to) {
        return Err(not_found(to));
    }
    if to == id {
        return Err(ApiError::ParamValue {
            param: "to_machine_id",
            reason: "cannot be the machine itself".into(),
        });
    }
    let mut scoped = m["scoped_machines"].as_array().cloned().unwrap_or_default();
    if scoped.iter().any(|s| *s == to.as_str()) {
        return Err(ApiError::Conflict {
            code: "machine_scope_exists",
            long_message: format!("{id} is already scoped to {to}."),
        });
    }
    if scoped.len() >= MAX_SCOPES {
        return Err(ApiError::ParamValue {
            param: "to_machine_id",
            reason: format!("a machine has at most {MAX_SCOPES} scopes"),
        });
    }
    scoped.push(json!(to));
    let now = store.tick();
    m["scoped_machines"] = Value::Array(scoped);
    m["updated_at"] = json!(now);
    store.table_mut::<Machines>().machines.set(i, m);
    Ok(Json(
        json!({ "object": "machine_scope", "from_machine_id": id, "to_machine_id": to, "created_at": now }),
    ))
}

async fn remove_scope(
    State(state): State<AppState>,
    Path((id, other)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, mut m) = store
        .table::<Machines>()
        .find(&id)
        .ok_or_else(|| not_found(id.clone()))?;
    let mut scoped = m["scoped_machines"].as_array().cloned().unwrap_or_default();
    let before = scoped.len();
    scoped.retain(|s| *s != other.as_str());
    if scoped.len() == before {
        return Err(ApiError::NotFound {
            kind: "machine scope",
            id: other,
        });
    }
    m["scoped_machines"] = Value::Array(scoped);
    m["updated_at"] = json!(store.tick());
    store.table_mut::<Machines>().machines.set(i, m);
    Ok(Json(
        json!({ "object": "machine_scope", "from_machine_id": id, "to_machine_id": other, "deleted": true }),
    ))
}

// ---- M2M tokens --------------------------------------------------------

/// The machine a request is authenticated as, if it used a machine key.
fn calling_machine(store: &Store, headers: &HeaderMap) -> Option<(u32, Value)> {
    let key = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .split_once(' ')?
        .1
        .trim();
    store.table::<Machines>().by_secret(key)
}

fn token_secret(seed: u64, id: &str) -> String {
    let h = id
        .bytes()
        .fold(mix(seed, Stream::M2mTokenId, 0, 7), |a, b| {
            crate::seed::splitmix(a ^ u64::from(b))
        });
    format!("mt_{:016x}{:016x}", h, crate::seed::splitmix(h))
}

async fn list_tokens(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging_up_to(100)?;
    let revoked = q.bool("revoked")?.unwrap_or(false);
    let expired = q.bool("expired")?.unwrap_or(false);
    let store = state.store();
    let caller = calling_machine(&store, &headers);
    let subject = match (q.string("subject"), &caller) {
        (Some(s), _) => s.to_owned(),
        (None, Some((_, m))) => m["id"].as_str().unwrap_or_default().to_owned(),
        (None, None) => return Err(ApiError::ParamMissing { param: "subject" }),
    };
    if let Some((_, m)) = &caller {
        if m["id"] != subject.as_str() {
            return Err(ApiError::Forbidden {
                code: "authorization_invalid",
                long_message: "A machine secret key can only list that machine's tokens.".into(),
            });
        }
    }
    if !store.table::<Machines>().exists(&subject) {
        return Err(not_found(subject));
    }
    let filter = Box::new(move |t: &Value| {
        t["subject"] == subject.as_str() && t["revoked"] == revoked && t["expired"] == expired
    }) as collection::Filter;
    let listed = store.table::<Machines>().tokens.list(
        MATERIALIZED,
        Order::NEWEST_FIRST,
        Select {
            filter: Some(filter),
            ..Select::default()
        },
        paging,
    );
    Ok(Json(
        json!({ "m2m_tokens": listed.items, "total_count": listed.total }),
    ))
}

async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body = JsonBody::parse(
        &body,
        &[
            "token_format",
            "seconds_until_expiration",
            "claims",
            "min_remaining_ttl_seconds",
        ],
    )?;
    let format = body
        .string("token_format")?
        .unwrap_or_else(|| "opaque".into());
    if format != "opaque" && format != "jwt" {
        return Err(ApiError::ParamValue {
            param: "token_format",
            reason: "must be opaque or jwt".into(),
        });
    }
    let seconds = match body.raw("seconds_until_expiration") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64() {
            Some(s) if s > 0.0 => Some(s),
            _ => {
                return Err(ApiError::ParamValue {
                    param: "seconds_until_expiration",
                    reason: "must be a number greater than 0".into(),
                })
            }
        },
    };
    let claims = body.raw("claims").cloned().unwrap_or(Value::Null);
    let reuse = body.int("min_remaining_ttl_seconds")?;
    if reuse.is_some_and(|r| r < 0) {
        return Err(ApiError::ParamValue {
            param: "min_remaining_ttl_seconds",
            reason: "must be at least 0".into(),
        });
    }
    let mut store = state.store_mut();
    let (_, machine) = calling_machine(&store, &headers).ok_or_else(|| ApiError::Forbidden {
        code: "machine_secret_key_required",
        long_message:
            "M2M tokens are created with the machine's own secret key, not the instance secret key."
                .into(),
    })?;
    let subject = machine["id"].clone();
    let scopes = machine["scoped_machines"].clone();
    let now = store.tick();
    let seed = store.seed();
    if let (Some(min), "opaque") = (reuse, format.as_str()) {
        let reusable = store.table::<Machines>().tokens.find(MATERIALIZED, |t| {
            t["subject"] == subject
                && t["revoked"] == false
                && t["claims"] == claims
                && t["scopes"] == scopes
                && t["expiration"]
                    .as_i64()
                    .is_none_or(|e| e - now >= min * 1000)
        });
        if let Some((_, mut t)) = reusable {
            let id = t["id"].as_str().unwrap_or_default().to_owned();
            t["token"] = json!(token_secret(seed, &id));
            return Ok((StatusCode::CREATED, Json(t)).into_response());
        }
    }
    let ttl_ms = match seconds {
        Some(s) => (s * 1000.0) as i64,
        None => machine["default_token_ttl"].as_i64().unwrap_or(3600) * 1000,
    };
    let tokens = &mut store.table_mut::<Machines>().tokens;
    let t = tokens.next_index();
    let id = hex_id("mt_", seed, Stream::M2mTokenId, u64::from(t));
    let token = json!({
        "object": "machine_to_machine_token", "id": id, "subject": subject, "claims": claims,
        "scopes": scopes, "revoked": false, "revocation_reason": null, "expired": false,
        "expiration": now + ttl_ms, "last_used_at": null, "created_at": now, "updated_at": now,
    });
    tokens.push(token.clone());
    let mut out = token;
    out["token"] = json!(if format == "jwt" {
        format!(
            "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc18ifQ.{}.sig",
            id.trim_start_matches("mt_")
        )
    } else {
        token_secret(seed, &id)
    });
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["revocation_reason"])?;
    let reason = body.string("revocation_reason")?;
    let mut store = state.store_mut();
    let seed = store.seed();
    let index = hex_index("mt_", seed, Stream::M2mTokenId, &id).and_then(|i| u32::try_from(i).ok());
    let (i, mut t) = store
        .table::<Machines>()
        .tokens
        .get_by_id(index, &id, MATERIALIZED)
        .ok_or(ApiError::NotFound {
            kind: "M2M token",
            id,
        })?;
    if t["revoked"] == true {
        return Err(ApiError::Rejected {
            code: "token_already_revoked",
            long_message: "The token is already revoked.".into(),
        });
    }
    t["revoked"] = json!(true);
    t["revocation_reason"] = json!(reason);
    t["updated_at"] = json!(store.tick());
    store.table_mut::<Machines>().tokens.set(i, t.clone());
    Ok(Json(t))
}

//! Sessions and clients: `GET|POST /v1/sessions`, `GET
//! /v1/sessions/{session_id}`, `POST …/revoke`, `GET /v1/clients` and `GET
//! /v1/clients/{client_id}`. Both lists are bare arrays unless
//! `paginated=true`, newest first (the spec's stated order for sessions).
//!
//! Every seeded user signed up on a client of their own, which holds the
//! session that sign-up created: client `k` and session `k` belong to user
//! `k`, created with the user, generated from the index on demand. The
//! session is `active` when the user was active in the last week and ended,
//! expired, revoked or removed otherwise. `POST /sessions` (a testing aid in
//! Clerk) creates an active session on a new client. Deleting a user
//! deletes their sessions and clients.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::collection::{self, Collection, Ids, Order, Select};
use crate::engine::params::QueryParams;
use crate::resources::memberships::Memberships;
use crate::resources::organizations::Organizations;
use crate::resources::users::Users;
use crate::seed::{mix, pick, Stream, DAY_MS, NOW_MS};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

const STATUSES: &[&str] = &[
    "abandoned",
    "active",
    "ended",
    "expired",
    "removed",
    "replaced",
    "revoked",
];
const BROWSERS: &[(&str, &str, bool)] = &[
    ("Chrome", "desktop", false),
    ("Safari", "iPhone", true),
    ("Firefox", "desktop", false),
    ("Chrome", "Android", true),
    ("Edge", "desktop", false),
];
const PLACES: &[(&str, &str)] = &[
    ("Berlin", "DE"),
    ("San Francisco", "US"),
    ("London", "GB"),
    ("Lagos", "NG"),
    ("Tokyo", "JP"),
    ("São Paulo", "BR"),
];
const STRATEGIES: &[&str] = &["email_code", "password", "oauth_google", "email_link"];
const SESSION_LIFETIME: i64 = 7 * DAY_MS;
const ABANDON_AFTER: i64 = 30 * DAY_MS;

#[derive(Debug)]
pub struct Sessions {
    seed: u64,
    session_ids: Ids,
    client_ids: Ids,
    sessions: Collection,
    clients: Collection,
}

crate::server::state::store_table!(Sessions, Sessions::seeded(0, 0));

impl Sessions {
    pub fn seeded(seed: u64, users: u32) -> Self {
        Self {
            seed,
            session_ids: Ids::new("sess_", Stream::SessionId, seed),
            client_ids: Ids::new("client_", Stream::ClientId, seed),
            sessions: Collection::new(users),
            clients: Collection::new(users),
        }
    }

    /// The id of seeded session `k` (the one user `k`'s sign-up created).
    pub fn seeded_session_id(&self, store: &Store, k: u32) -> String {
        self.session_ids
            .id(k, store.table::<Users>().core(k).created_at)
    }

    fn client_id(&self, store: &Store, k: u32) -> String {
        self.client_ids
            .id(k, store.table::<Users>().core(k).created_at - 500)
    }

    /// Seeded session `k`, of user `k` on client `k`.
    fn seeded_session(&self, store: &Store, k: u32) -> Value {
        let w = |s: u64| mix(self.seed, Stream::Session, u64::from(k), s);
        let core = store.table::<Users>().core(k);
        let created_at = core.created_at;
        let last_active = core.last_active_at.unwrap_or(created_at).max(created_at);
        let status = if last_active >= NOW_MS - SESSION_LIFETIME {
            "active"
        } else {
            match w(0) % 10 {
                0..5 => "ended",
                5..8 => "expired",
                8 => "revoked",
                _ => "removed",
            }
        };
        let (browser, device, mobile) = BROWSERS[pick(w(1), BROWSERS.len())];
        let (city, country) = PLACES[pick(w(2), PLACES.len())];
        let org = store
            .table::<Memberships>()
            .organizations_of(k)
            .first()
            .map(|&o| store.table::<Organizations>().id_of(o));
        json!({
            "object": "session",
            "id": self.session_ids.id(k, created_at),
            "user_id": store.table::<Users>().id_of(k),
            "client_id": self.client_id(store, k),
            "actor": null,
            "status": status,
            "last_active_organization_id": org,
            "last_active_at": last_active,
            "latest_activity": {
                "object": "session_activity",
                "id": format!("sess_activity_{:016x}", w(3)),
                "device_type": device, "is_mobile": mobile,
                "browser_name": browser, "browser_version": format!("{}.0.0", 100 + w(4) % 40),
                "ip_address": format!("203.0.113.{}", w(5) % 254 + 1),
                "city": city, "country": country,
            },
            "expire_at": last_active + SESSION_LIFETIME,
            "abandon_at": last_active + ABANDON_AFTER,
            "updated_at": last_active,
            "created_at": created_at,
        })
    }

    /// Seeded client `k` (its sessions are added at render time).
    fn seeded_client(&self, store: &Store, k: u32) -> Value {
        let core = store.table::<Users>().core(k);
        let w = mix(self.seed, Stream::Session, u64::from(k), 9);
        json!({
            "object": "client",
            "id": self.client_id(store, k),
            "sign_in_id": null,
            "sign_up_id": null,
            "last_authentication_strategy": STRATEGIES[pick(w, STRATEGIES.len())],
            "created_at": core.created_at - 500,
            "updated_at": core.last_active_at.unwrap_or(core.created_at).max(core.created_at),
        })
    }

    fn session(&self, store: &Store, i: u32) -> Option<Value> {
        self.sessions.get(i, &|k| self.seeded_session(store, k))
    }

    /// The session indexes that may belong to client `c` or user `u`.
    fn candidates(&self, seeded: Option<u32>) -> Vec<u32> {
        let mut out: Vec<u32> = (self.sessions.seeded_len()..self.sessions.len()).collect();
        out.extend(seeded.filter(|&k| k < self.sessions.seeded_len()));
        out
    }

    /// Schema `Client`: the stored client with its sessions, oldest first.
    fn render_client(&self, store: &Store, mut client: Value) -> Value {
        let id = client["id"].as_str().unwrap_or_default().to_owned();
        let seeded = self
            .client_ids
            .index(&id)
            .filter(|&k| k < self.clients.seeded_len());
        let mut sessions: Vec<Value> = self
            .candidates(seeded)
            .into_iter()
            .filter_map(|i| self.session(store, i))
            .filter(|s| s["client_id"] == id.as_str())
            .collect();
        sessions.sort_by(|a, b| collection::compare(a, b, Order::OLDEST_FIRST));
        client["session_ids"] = sessions.iter().map(|s| s["id"].clone()).collect();
        client["last_active_session_id"] = sessions
            .iter()
            .rev()
            .find(|s| s["status"] == "active")
            .map_or(Value::Null, |s| s["id"].clone());
        client["sessions"] = Value::Array(sessions);
        client
    }

    fn find_session(&self, store: &Store, id: &str) -> Option<(u32, Value)> {
        self.sessions
            .get_by_id(self.session_ids.index(id), id, &|k| {
                self.seeded_session(store, k)
            })
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/sessions", get(list_sessions).post(create_session))
        .route("/v1/sessions/{session_id}", get(get_session))
        .route("/v1/sessions/{session_id}/revoke", post(revoke_session))
        .route("/v1/clients", get(list_clients))
        .route("/v1/clients/{client_id}", get(get_client))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/sessions", Served),
    op("POST", "/sessions", Served),
    op("GET", "/sessions/{session_id}", Served),
    op("POST", "/sessions/{session_id}/revoke", Served),
    op("GET", "/clients", Served),
    op("GET", "/clients/{client_id}", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[
    paged("/v1/sessions?x=1").array(),
    paged("/v1/sessions?paginated=true"),
    paged("/v1/clients?paginated=true"),
];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(Sessions::seeded(config.seed, config.users));
}

async fn list_sessions(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let paginated = q.bool("paginated")?.unwrap_or(false);
    let status = q.string("status").map(str::to_owned);
    if let Some(s) = &status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(ApiError::ParamValue {
                param: "status",
                reason: format!("must be one of {}", STATUSES.join(", ")),
            });
        }
    }
    let user_id = q.string("user_id").map(str::to_owned);
    let client_id = q.string("client_id").map(str::to_owned);
    let store = state.store();
    let sessions = store.table::<Sessions>();
    // A user or client narrows the candidates to its own sessions.
    let candidates = match (&user_id, &client_id) {
        (Some(u), _) => Some(
            store
                .table::<Users>()
                .find(u)
                .map_or_else(Vec::new, |k| sessions.candidates(Some(k))),
        ),
        (None, Some(c)) => Some(sessions.candidates(sessions.client_ids.index(c))),
        (None, None) => None,
    };
    let active = status.is_some() || user_id.is_some() || client_id.is_some();
    let filter = active.then(|| {
        Box::new(move |s: &Value| {
            status.as_ref().is_none_or(|x| s["status"] == x.as_str())
                && user_id.as_ref().is_none_or(|x| s["user_id"] == x.as_str())
                && client_id
                    .as_ref()
                    .is_none_or(|x| s["client_id"] == x.as_str())
        }) as collection::Filter
    });
    let listed = sessions.sessions.list(
        &|k| sessions.seeded_session(&store, k),
        Order::NEWEST_FIRST,
        Select {
            candidates,
            filter,
            ..Select::default()
        },
        paging,
    );
    Ok(collection::respond(listed, paginated))
}

fn session_not_found(id: String) -> ApiError {
    ApiError::NotFound {
        kind: "session",
        id,
    }
}

async fn get_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let found = store.table::<Sessions>().find_session(&store, &id);
    found
        .map(|(_, s)| Json(s))
        .ok_or_else(|| session_not_found(id))
}

async fn create_session(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["user_id", "active_organization_id"])?;
    let user_id = body.required_string("user_id")?;
    let org_id = body.string("active_organization_id")?;
    let mut store = state.store_mut();
    let user = store
        .table::<Users>()
        .find(&user_id)
        .ok_or(ApiError::NotFound {
            kind: "user",
            id: user_id.clone(),
        })?;
    if let Some(org_id) = &org_id {
        let org = store
            .table::<Organizations>()
            .find(org_id)
            .ok_or(ApiError::NotFound {
                kind: "organization",
                id: org_id.clone(),
            })?;
        if store.table::<Memberships>().find(org, user).is_none() {
            return Err(ApiError::Forbidden {
                code: "not_a_member_in_organization",
                long_message: "The user is not a member of the organization.".into(),
            });
        }
    }
    let now = store.tick();
    let sessions = store.table_mut::<Sessions>();
    let c = sessions.clients.next_index();
    let client_id = sessions.client_ids.id(c, now);
    sessions.clients.push(json!({
        "object": "client", "id": client_id, "sign_in_id": null, "sign_up_id": null,
        "last_authentication_strategy": null, "created_at": now, "updated_at": now,
    }));
    let i = sessions.sessions.next_index();
    let session = json!({
        "object": "session",
        "id": sessions.session_ids.id(i, now),
        "user_id": user_id,
        "client_id": client_id,
        "actor": null,
        "status": "active",
        "last_active_organization_id": org_id,
        "last_active_at": now,
        "latest_activity": null,
        "expire_at": now + SESSION_LIFETIME,
        "abandon_at": now + ABANDON_AFTER,
        "updated_at": now,
        "created_at": now,
    });
    sessions.sessions.push(session.clone());
    Ok(Json(session))
}

async fn revoke_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, mut session) = store
        .table::<Sessions>()
        .find_session(&store, &id)
        .ok_or_else(|| session_not_found(id))?;
    if session["status"] != "active" && session["status"] != "pending" {
        return Err(ApiError::Rejected {
            code: "session_not_active",
            long_message: format!(
                "The session is {}, only active sessions can be revoked.",
                session["status"].as_str().unwrap_or_default()
            ),
        });
    }
    let now = store.tick();
    session["status"] = json!("revoked");
    session["updated_at"] = json!(now);
    store
        .table_mut::<Sessions>()
        .sessions
        .set(i, session.clone());
    Ok(Json(session))
}

async fn list_clients(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let paginated = q.bool("paginated")?.unwrap_or(false);
    let store = state.store();
    let sessions = store.table::<Sessions>();
    let mut listed = sessions.clients.list(
        &|k| sessions.seeded_client(&store, k),
        Order::NEWEST_FIRST,
        Select::default(),
        paging,
    );
    listed.items = listed
        .items
        .into_iter()
        .map(|c| sessions.render_client(&store, c))
        .collect();
    Ok(collection::respond(listed, paginated))
}

async fn get_client(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let sessions = store.table::<Sessions>();
    sessions
        .clients
        .get_by_id(sessions.client_ids.index(&id), &id, &|k| {
            sessions.seeded_client(&store, k)
        })
        .map(|(_, c)| Json(sessions.render_client(&store, c)))
        .ok_or(ApiError::NotFound { kind: "client", id })
}

/// Delete the sessions and clients of user `user` (being deleted).
pub fn remove_user(store: &mut Store, user: u32) {
    let user_id = store.table::<Users>().id_of(user);
    let sessions = store.table::<Sessions>();
    let doomed: Vec<(u32, String)> = sessions
        .candidates(Some(user))
        .into_iter()
        .filter_map(|i| sessions.session(store, i).map(|s| (i, s)))
        .filter(|(_, s)| s["user_id"] == user_id.as_str())
        .map(|(i, s)| (i, s["client_id"].as_str().unwrap_or_default().to_owned()))
        .collect();
    for (i, client_id) in doomed {
        store.table_mut::<Sessions>().sessions.delete(i);
        if let Some(c) = store.table::<Sessions>().client_ids.index(&client_id) {
            store.table_mut::<Sessions>().clients.delete(c);
        }
    }
}

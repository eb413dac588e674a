//! Organization RBAC: permissions (`/v1/organization_permissions`), roles
//! (`/v1/organization_roles`, with permissions attached and detached by id)
//! and role sets (`/v1/role_sets`, addressed by key or id). Every list is
//! `{data,total_count}` with `query` (exact id, or a case-insensitive
//! substring of name or key) and `order_by` over created_at, name and key.
//!
//! This is the instance's one list of roles: memberships and organization
//! invitations accept and describe roles through `Rbac::role_info`, so a
//! role created here can be given to a member, and a renamed one shows its
//! new name on memberships. The seed holds Clerk's system permissions, two
//! custom ones, the three roles memberships are seeded with (`org:admin`,
//! `org:member`, `org:billing_manager`) and the initial role set.
//!
//! Stored roles keep permission ids and stored role sets keep role keys;
//! both are rendered into the spec's objects at read time, so edits to a
//! permission or a role show everywhere it is used.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::collection::{self, deleted, Collection, Order, Select, MATERIALIZED};
use crate::engine::params::QueryParams;
use crate::resources::memberships::model::Memberships;
use crate::seed::{ksuid, ksuid_index, Stream, DAY_MS, START_MS};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

const PERMISSION_PREFIX: &str = "perm_";
const ROLE_PREFIX: &str = "role_";
const ROLE_SET_PREFIX: &str = "rs_";
const ORDER_FIELDS: &[&str] = &["created_at", "name", "key"];
const MAX_ROLES_PER_SET: usize = 10;
/// The instance was configured a month before its first user signed up.
const CONFIGURED_AT: i64 = START_MS - 30 * DAY_MS;

/// `(key, name, description, type)` of the seeded permissions.
const PERMISSIONS: &[(&str, &str, &str, &str)] = &[
    (
        "org:sys_profile:manage",
        "Manage organization",
        "Permission to manage an organization.",
        "system",
    ),
    (
        "org:sys_profile:delete",
        "Delete organization",
        "Permission to delete an organization.",
        "system",
    ),
    (
        "org:sys_memberships:read",
        "Read members",
        "Permission to read the members of an organization.",
        "system",
    ),
    (
        "org:sys_memberships:manage",
        "Manage members",
        "Permission to manage the members of an organization.",
        "system",
    ),
    (
        "org:sys_domains:read",
        "Read domains",
        "Permission to read the domains of an organization.",
        "system",
    ),
    (
        "org:sys_domains:manage",
        "Manage domains",
        "Permission to manage the domains of an organization.",
        "system",
    ),
    (
        "org:sys_billing:read",
        "Read billing",
        "Permission to read the billing of an organization.",
        "system",
    ),
    (
        "org:sys_billing:manage",
        "Manage billing",
        "Permission to manage the billing of an organization.",
        "system",
    ),
    (
        "org:reports:read",
        "Read reports",
        "Read the organization's usage reports.",
        "user",
    ),
    (
        "org:invoices:manage",
        "Manage invoices",
        "Create and void invoices.",
        "user",
    ),
];

/// `(key, name, description, permission keys)` of the seeded roles: the
/// three roles memberships and invitations are seeded with.
const ROLES: &[(&str, &str, &str, &[&str])] = &[
    (
        "org:admin",
        "Admin",
        "Role with elevated permissions in the organization.",
        &[
            "org:sys_profile:manage",
            "org:sys_profile:delete",
            "org:sys_memberships:read",
            "org:sys_memberships:manage",
            "org:sys_domains:read",
            "org:sys_domains:manage",
            "org:sys_billing:read",
            "org:sys_billing:manage",
        ],
    ),
    (
        "org:member",
        "Member",
        "Role with non-privileged permissions in the organization.",
        &["org:sys_memberships:read"],
    ),
    (
        "org:billing_manager",
        "Billing manager",
        "Manages the organization's subscription and invoices.",
        &[
            "org:sys_memberships:read",
            "org:sys_billing:read",
            "org:sys_billing:manage",
        ],
    ),
];

/// A role as memberships and invitations show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub name: String,
    pub permission_keys: Vec<String>,
}

/// The instance's permissions, roles and role sets.
#[derive(Debug)]
pub struct Rbac {
    seed: u64,
    permissions: Collection,
    roles: Collection,
    role_sets: Collection,
}

crate::server::state::store_table!(Rbac, Rbac::seeded(0));

fn stamp(i: usize) -> i64 {
    CONFIGURED_AT + i as i64 * 60_000
}

impl Rbac {
    pub fn seeded(seed: u64) -> Self {
        let permissions: Vec<Value> = PERMISSIONS
            .iter()
            .enumerate()
            .map(|(i, (key, name, description, kind))| {
                let at = stamp(i);
                json!({
                    "object": "permission",
                    "id": ksuid(PERMISSION_PREFIX, seed, Stream::PermissionId, i as u64, at),
                    "name": name, "key": key, "description": description, "type": kind,
                    "created_at": at, "updated_at": at,
                })
            })
            .collect();
        let permission_id = |key: &str| {
            permissions
                .iter()
                .find(|p| p["key"] == key)
                .map(|p| p["id"].clone())
        };
        let roles: Vec<Value> = ROLES
            .iter()
            .enumerate()
            .map(|(i, (key, name, description, keys))| {
                let at = stamp(PERMISSIONS.len() + i);
                let ids: Vec<Value> = keys.iter().filter_map(|k| permission_id(k)).collect();
                json!({
                    "object": "role",
                    "id": ksuid(ROLE_PREFIX, seed, Stream::RoleId, i as u64, at),
                    "name": name, "key": key, "description": description,
                    "is_creator_eligible": keys.contains(&"org:sys_memberships:manage"),
                    "permissions": ids,
                    "created_at": at, "updated_at": at,
                })
            })
            .collect();
        let at = stamp(PERMISSIONS.len() + ROLES.len());
        let role_set = json!({
            "object": "role_set",
            "id": ksuid(ROLE_SET_PREFIX, seed, Stream::RoleSetId, 0, at),
            "name": "Default role set",
            "key": "role_set:default",
            "description": "The roles new organizations start with.",
            "roles": ROLES.iter().map(|r| r.0).collect::<Vec<_>>(),
            "default_role": "org:member",
            "creator_role": "org:admin",
            "type": "initial",
            "created_at": at, "updated_at": at,
        });
        Self {
            seed,
            permissions: Collection::materialized(permissions),
            roles: Collection::materialized(roles),
            role_sets: Collection::materialized(vec![role_set]),
        }
    }

    fn role_by_key(&self, key: &str) -> Option<(u32, Value)> {
        self.roles.find(MATERIALIZED, |r| r["key"] == key)
    }

    /// The role `key` as memberships show it, if it exists.
    pub fn role_info(&self, key: &str) -> Option<RoleInfo> {
        let (_, role) = self.role_by_key(key)?;
        let permission_keys = self
            .permission_objects(&role)
            .into_iter()
            .filter_map(|p| p["key"].as_str().map(str::to_owned))
            .collect();
        Some(RoleInfo {
            name: role["name"].as_str().unwrap_or(key).to_owned(),
            permission_keys,
        })
    }

    /// Schema `Role` of the role `key` as it is now, if it exists.
    pub fn role_object(&self, key: &str) -> Option<Value> {
        self.role_by_key(key)
            .map(|(_, role)| self.render_role(&role))
    }

    /// Every role key, for error messages.
    pub fn role_keys(&self) -> Vec<String> {
        self.roles
            .all(MATERIALIZED)
            .iter()
            .filter_map(|r| r["key"].as_str().map(str::to_owned))
            .collect()
    }

    fn permission(&self, id: &str) -> Option<(u32, Value)> {
        let i = ksuid_index(PERMISSION_PREFIX, self.seed, Stream::PermissionId, id)
            .and_then(|i| u32::try_from(i).ok());
        self.permissions.get_by_id(i, id, MATERIALIZED)
    }

    fn role(&self, id: &str) -> Option<(u32, Value)> {
        let i = ksuid_index(ROLE_PREFIX, self.seed, Stream::RoleId, id)
            .and_then(|i| u32::try_from(i).ok());
        self.roles.get_by_id(i, id, MATERIALIZED)
    }

    fn role_set(&self, key_or_id: &str) -> Option<(u32, Value)> {
        let i = ksuid_index(ROLE_SET_PREFIX, self.seed, Stream::RoleSetId, key_or_id)
            .and_then(|i| u32::try_from(i).ok());
        self.role_sets
            .get_by_id(i, key_or_id, MATERIALIZED)
            .or_else(|| self.role_sets.find(MATERIALIZED, |s| s["key"] == key_or_id))
    }

    /// Whether a live role set has this key (an organization's
    /// `role_set_key` must name one).
    pub fn has_role_set_key(&self, key: &str) -> bool {
        self.role_sets
            .find(MATERIALIZED, |s| s["key"] == key)
            .is_some()
    }

    fn permission_objects(&self, role: &Value) -> Vec<Value> {
        role["permissions"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().and_then(|id| self.permission(id)))
                    .map(|(_, p)| p)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Schema `Role`: permission ids become `Permission` objects.
    fn render_role(&self, role: &Value) -> Value {
        let mut out = role.clone();
        out["permissions"] = Value::Array(self.permission_objects(role));
        out
    }

    fn role_set_item(&self, key: &str) -> Option<Value> {
        let (_, role) = self.role_by_key(key)?;
        Some(json!({
            "object": "role_set_item",
            "id": role["id"], "name": role["name"], "key": role["key"],
            "description": role["description"],
            "created_at": role["created_at"], "updated_at": role["updated_at"],
        }))
    }

    /// Schema `RoleSet`: role keys become `RoleSetItem`s.
    fn render_role_set(&self, set: &Value) -> Value {
        let mut out = set.clone();
        out["roles"] = Value::Array(
            set["roles"]
                .as_array()
                .map(|keys| {
                    keys.iter()
                        .filter_map(|k| k.as_str().and_then(|k| self.role_set_item(k)))
                        .collect()
                })
                .unwrap_or_default(),
        );
        for field in ["default_role", "creator_role"] {
            out[field] = set[field]
                .as_str()
                .and_then(|k| self.role_set_item(k))
                .unwrap_or(Value::Null);
        }
        out
    }

    fn key_taken(collection: &Collection, key: &str, except: Option<u32>) -> bool {
        collection
            .find(MATERIALIZED, |o| o["key"] == key)
            .is_some_and(|(i, _)| Some(i) != except)
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/organization_permissions",
            get(list_permissions).post(create_permission),
        )
        .route(
            "/v1/organization_permissions/{permission_id}",
            get(get_permission)
                .patch(update_permission)
                .delete(delete_permission),
        )
        .route("/v1/organization_roles", get(list_roles).post(create_role))
        .route(
            "/v1/organization_roles/{organization_role_id}",
            get(get_role).patch(update_role).delete(delete_role),
        )
        .route(
            "/v1/organization_roles/{organization_role_id}/permissions/{permission_id}",
            post(attach_permission).delete(detach_permission),
        )
        .route("/v1/role_sets", get(list_role_sets).post(create_role_set))
        .route(
            "/v1/role_sets/{role_set_key_or_id}",
            get(get_role_set).patch(update_role_set),
        )
        .route(
            "/v1/role_sets/{role_set_key_or_id}/replace",
            post(replace_role_set),
        )
        .route("/v1/role_sets/{role_set_key_or_id}/roles", post(add_roles))
        .route(
            "/v1/role_sets/{role_set_key_or_id}/roles/replace",
            post(replace_role),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/organization_roles", Served),
    op("POST", "/organization_roles", Served),
    op("GET", "/organization_roles/{organization_role_id}", Served),
    op(
        "PATCH",
        "/organization_roles/{organization_role_id}",
        Served,
    ),
    op(
        "DELETE",
        "/organization_roles/{organization_role_id}",
        Served,
    ),
    op(
        "POST",
        "/organization_roles/{organization_role_id}/permissions/{permission_id}",
        Served,
    ),
    op(
        "DELETE",
        "/organization_roles/{organization_role_id}/permissions/{permission_id}",
        Served,
    ),
    op("GET", "/organization_permissions", Served),
    op("POST", "/organization_permissions", Served),
    op("GET", "/organization_permissions/{permission_id}", Served),
    op("PATCH", "/organization_permissions/{permission_id}", Served),
    op(
        "DELETE",
        "/organization_permissions/{permission_id}",
        Served,
    ),
    op("GET", "/role_sets", Served),
    op("POST", "/role_sets", Served),
    op("GET", "/role_sets/{role_set_key_or_id}", Served),
    op("PATCH", "/role_sets/{role_set_key_or_id}", Served),
    op("POST", "/role_sets/{role_set_key_or_id}/replace", Served),
    op("POST", "/role_sets/{role_set_key_or_id}/roles", Served),
    op(
        "POST",
        "/role_sets/{role_set_key_or_id}/roles/replace",
        Served,
    ),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[
    paged("/v1/organization_permissions?x=1").order_by(ORDER_FIELDS),
    paged("/v1/organization_roles?x=1").order_by(ORDER_FIELDS),
    paged("/v1/role_sets?x=1").order_by(ORDER_FIELDS),
];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(Rbac::seeded(config.seed));
}

/// `query`, `order_by`, `limit`, `offset` over one RBAC collection.
fn list_of(
    collection: &Collection,
    raw: Option<&str>,
    render: impl Fn(&Value) -> Value,
) -> ApiResult<Response> {
    let q = QueryParams::parse(raw);
    let paging = q.paging()?;
    let order = collection::order(&q, ORDER_FIELDS, Order::NEWEST_FIRST)?;
    let query = q.string("query").map(str::to_owned);
    let select = Select {
        filter: query.map(|query| {
            Box::new(move |o: &Value| {
                o["id"] == query.as_str() || collection::contains_any(o, &["name", "key"], &query)
            }) as collection::Filter
        }),
        ..Select::default()
    };
    let listed = collection.list(MATERIALIZED, order, select, paging);
    Ok(collection::respond(listed.map(|o| render(&o)), true))
}

fn not_found(kind: &'static str, id: String) -> ApiError {
    ApiError::NotFound { kind, id }
}

fn key_exists() -> ApiError {
    ApiError::Exists {
        code: "form_identifier_exists",
        param: "key",
        status: StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// `org:feature:action`, lowercase segments, not the reserved `org:sys_`.
fn valid_permission_key(key: &str) -> ApiResult<()> {
    let segment = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    let parts: Vec<&str> = key.split(':').collect();
    let ok = parts.len() == 3 && parts[0] == "org" && segment(parts[1]) && segment(parts[2]);
    if !ok {
        return Err(ApiError::ParamFormat {
            param: "key",
            expected: "of the form org:feature:action (lowercase letters, digits, underscores)",
        });
    }
    if key.starts_with("org:sys_") {
        return Err(ApiError::ParamValue {
            param: "key",
            reason: "cannot start with org:sys_, which is reserved for system permissions".into(),
        });
    }
    Ok(())
}

/// `<prefix><lowercase alphanumerics and underscores>`.
fn valid_prefixed_key(param: &'static str, key: &str, prefix: &str) -> ApiResult<()> {
    let rest = key.strip_prefix(prefix).unwrap_or_default();
    if rest.is_empty()
        || !rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(ApiError::ParamFormat {
            param,
            expected: "a key with the documented prefix followed by lowercase letters, digits or underscores",
        });
    }
    Ok(())
}

// ---- permissions -------------------------------------------------------

async fn list_permissions(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let store = state.store();
    list_of(
        &store.table::<Rbac>().permissions,
        raw.as_deref(),
        Value::clone,
    )
}

async fn get_permission(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let (_, p) = store
        .table::<Rbac>()
        .permission(&id)
        .ok_or_else(|| not_found("permission", id))?;
    Ok(Json(p))
}

async fn create_permission(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["name", "key", "description"])?;
    let name = body.required_string("name")?;
    let key = body.required_string("key")?;
    valid_permission_key(&key)?;
    let description = body.string("description")?.unwrap_or_default();
    let mut store = state.store_mut();
    if Rbac::key_taken(&store.table::<Rbac>().permissions, &key, None) {
        return Err(key_exists());
    }
    let now = store.tick();
    let rbac = store.table_mut::<Rbac>();
    let i = rbac.permissions.next_index();
    let permission = json!({
        "object": "permission",
        "id": ksuid(PERMISSION_PREFIX, rbac.seed, Stream::PermissionId, u64::from(i), now),
        "name": name, "key": key, "description": description, "type": "user",
        "created_at": now, "updated_at": now,
    });
    rbac.permissions.push(permission.clone());
    Ok(Json(permission))
}

fn system_permission(p: &Value) -> ApiResult<()> {
    if p["type"] == "system" {
        return Err(ApiError::Forbidden {
            code: "system_permission_immutable",
            long_message: "System permissions cannot be changed or deleted.".into(),
        });
    }
    Ok(())
}

async fn update_permission(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["name", "key", "description"])?;
    let mut store = state.store_mut();
    let (i, mut p) = store
        .table::<Rbac>()
        .permission(&id)
        .ok_or_else(|| not_found("permission", id))?;
    system_permission(&p)?;
    if let Some(name) = body.string("name")? {
        p["name"] = json!(name);
    }
    if let Some(key) = body.string("key")? {
        valid_permission_key(&key)?;
        if Rbac::key_taken(&store.table::<Rbac>().permissions, &key, Some(i)) {
            return Err(key_exists());
        }
        p["key"] = json!(key);
    }
    if let Some(description) = body.string("description")? {
        p["description"] = json!(description);
    }
    p["updated_at"] = json!(store.tick());
    store.table_mut::<Rbac>().permissions.set(i, p.clone());
    Ok(Json(p))
}

async fn delete_permission(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, p) = store
        .table::<Rbac>()
        .permission(&id)
        .ok_or_else(|| not_found("permission", id.clone()))?;
    system_permission(&p)?;
    store.table_mut::<Rbac>().permissions.delete(i);
    // Roles lose the permission with it.
    let now = store.tick();
    for (r, mut role) in (0..store.table::<Rbac>().roles.len())
        .filter_map(|r| {
            store
                .table::<Rbac>()
                .roles
                .get(r, MATERIALIZED)
                .map(|o| (r, o))
        })
        .collect::<Vec<_>>()
    {
        if let Some(ids) = role["permissions"].as_array_mut() {
            let before = ids.len();
            ids.retain(|v| *v != id.as_str());
            if ids.len() != before {
                role["updated_at"] = json!(now);
                store.table_mut::<Rbac>().roles.set(r, role);
            }
        }
    }
    Ok(Json(deleted("permission", &id)))
}

// ---- roles -------------------------------------------------------------

async fn list_roles(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let store = state.store();
    let rbac = store.table::<Rbac>();
    list_of(&rbac.roles, raw.as_deref(), |r| rbac.render_role(r))
}

fn find_role(store: &Store, id: String) -> ApiResult<(u32, Value)> {
    store
        .table::<Rbac>()
        .role(&id)
        .ok_or_else(|| not_found("organization role", id))
}

async fn get_role(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let store = state.store();
    let (_, role) = find_role(&store, id)?;
    Ok(Json(store.table::<Rbac>().render_role(&role)))
}

/// Permission ids from a body: each must exist (422 naming the field).
fn permission_ids(store: &Store, body: &JsonBody) -> ApiResult<Option<Vec<Value>>> {
    if !body.has("permissions") || body.raw("permissions") == Some(&Value::Null) {
        return Ok(None);
    }
    let mut ids: Vec<Value> = Vec::new();
    for id in body.strings("permissions")? {
        if store.table::<Rbac>().permission(&id).is_none() {
            return Err(ApiError::ParamValue {
                param: "permissions",
                reason: format!("names an unknown permission ({id})"),
            });
        }
        if !ids.contains(&json!(id)) {
            ids.push(json!(id));
        }
    }
    Ok(Some(ids))
}

fn is_creator_eligible(store: &Store, ids: &[Value]) -> bool {
    ids.iter().any(|id| {
        id.as_str()
            .and_then(|id| store.table::<Rbac>().permission(id))
            .is_some_and(|(_, p)| p["key"] == "org:sys_memberships:manage")
    })
}

async fn create_role(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(
        &body,
        &[
            "name",
            "key",
            "description",
            "permissions",
            "include_in_initial_role_set",
        ],
    )?;
    let name = body.required_string("name")?;
    let key = body.required_string("key")?;
    valid_prefixed_key("key", &key, "org:")?;
    let description = body.string("description")?;
    let include = body.bool("include_in_initial_role_set")?.unwrap_or(false);
    let mut store = state.store_mut();
    let ids = permission_ids(&store, &body)?.unwrap_or_default();
    if Rbac::key_taken(&store.table::<Rbac>().roles, &key, None) {
        return Err(key_exists());
    }
    let creator = is_creator_eligible(&store, &ids);
    let now = store.tick();
    let rbac = store.table_mut::<Rbac>();
    let i = rbac.roles.next_index();
    let role = json!({
        "object": "role",
        "id": ksuid(ROLE_PREFIX, rbac.seed, Stream::RoleId, u64::from(i), now),
        "name": name, "key": key, "description": description,
        "is_creator_eligible": creator,
        "permissions": ids,
        "created_at": now, "updated_at": now,
    });
    rbac.roles.push(role.clone());
    if include {
        if let Some((s, mut set)) = rbac
            .role_sets
            .find(MATERIALIZED, |s| s["type"] == "initial")
        {
            if let Some(keys) = set["roles"].as_array_mut() {
                keys.push(json!(key));
            }
            set["updated_at"] = json!(now);
            rbac.role_sets.set(s, set);
        }
    }
    Ok(Json(rbac.render_role(&role)))
}

async fn update_role(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["name", "key", "description", "permissions"])?;
    let mut store = state.store_mut();
    let (i, mut role) = find_role(&store, id)?;
    let old_key = role["key"].as_str().unwrap_or_default().to_owned();
    if let Some(name) = body.string("name")? {
        role["name"] = json!(name);
    }
    if let Some(key) = body.string("key")? {
        if key != old_key {
            valid_prefixed_key("key", &key, "org:")?;
            if Rbac::key_taken(&store.table::<Rbac>().roles, &key, Some(i)) {
                return Err(key_exists());
            }
            // Members and role sets name roles by key: renaming a held
            // key would orphan them.
            if role_held(&store, &old_key) {
                return Err(role_in_use(&old_key));
            }
            role["key"] = json!(key);
        }
    }
    if let Some(description) = body.nullable_string("description")? {
        role["description"] = json!(description);
    }
    if let Some(ids) = permission_ids(&store, &body)? {
        role["is_creator_eligible"] = json!(is_creator_eligible(&store, &ids));
        role["permissions"] = Value::Array(ids);
    }
    role["updated_at"] = json!(store.tick());
    store.table_mut::<Rbac>().roles.set(i, role.clone());
    Ok(Json(store.table::<Rbac>().render_role(&role)))
}

/// Whether a role set or any live membership holds `key`.
fn role_held(store: &Store, key: &str) -> bool {
    let in_set = store
        .table::<Rbac>()
        .role_sets
        .find(MATERIALIZED, |s| {
            s["roles"]
                .as_array()
                .is_some_and(|keys| keys.iter().any(|k| *k == key))
        })
        .is_some();
    let memberships = store.table::<Memberships>();
    in_set
        || (0..memberships.len())
            .any(|m| memberships.is_live(m) && memberships.state(store, m).role == key)
}

fn role_in_use(key: &str) -> ApiError {
    ApiError::Rejected {
        code: "role_in_use",
        long_message: format!(
            "The role {key} is assigned to members or part of a role set; reassign them first."
        ),
    }
}

async fn delete_role(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, role) = find_role(&store, id.clone())?;
    let key = role["key"].as_str().unwrap_or_default().to_owned();
    if role_held(&store, &key) {
        return Err(role_in_use(&key));
    }
    store.table_mut::<Rbac>().roles.delete(i);
    Ok(Json(deleted("role", &id)))
}

async fn attach_permission(
    State(state): State<AppState>,
    Path((role_id, permission_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, mut role) = find_role(&store, role_id)?;
    if store.table::<Rbac>().permission(&permission_id).is_none() {
        return Err(not_found("permission", permission_id));
    }
    let ids = role["permissions"].as_array().cloned().unwrap_or_default();
    if ids.iter().any(|v| *v == permission_id.as_str()) {
        return Err(ApiError::Conflict {
            code: "duplicate_record",
            long_message: format!(
                "The permission {permission_id} is already assigned to the role."
            ),
        });
    }
    let mut ids = ids;
    ids.push(json!(permission_id));
    role["is_creator_eligible"] = json!(is_creator_eligible(&store, &ids));
    role["permissions"] = Value::Array(ids);
    role["updated_at"] = json!(store.tick());
    store.table_mut::<Rbac>().roles.set(i, role.clone());
    Ok(Json(store.table::<Rbac>().render_role(&role)))
}

async fn detach_permission(
    State(state): State<AppState>,
    Path((role_id, permission_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, mut role) = find_role(&store, role_id)?;
    if store.table::<Rbac>().permission(&permission_id).is_none() {
        return Err(not_found("permission", permission_id));
    }
    let mut ids = role["permissions"].as_array().cloned().unwrap_or_default();
    let before = ids.len();
    ids.retain(|v| *v != permission_id.as_str());
    if ids.len() == before {
        return Err(ApiError::ParamValue {
            param: "permission_id",
            reason: "is not assigned to this role".into(),
        });
    }
    role["is_creator_eligible"] = json!(is_creator_eligible(&store, &ids));
    role["permissions"] = Value::Array(ids);
    role["updated_at"] = json!(store.tick());
    store.table_mut::<Rbac>().roles.set(i, role.clone());
    Ok(Json(store.table::<Rbac>().render_role(&role)))
}

// ---- role sets ---------------------------------------------------------

async fn list_role_sets(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let store = state.store();
    let rbac = store.table::<Rbac>();
    list_of(&rbac.role_sets, raw.as_deref(), |s| rbac.render_role_set(s))
}

fn find_role_set(store: &Store, key_or_id: String) -> ApiResult<(u32, Value)> {
    store
        .table::<Rbac>()
        .role_set(&key_or_id)
        .ok_or_else(|| not_found("role set", key_or_id))
}

async fn get_role_set(
    State(state): State<AppState>,
    Path(key_or_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let (_, set) = find_role_set(&store, key_or_id)?;
    Ok(Json(store.table::<Rbac>().render_role_set(&set)))
}

/// Role keys from a body: 1 to 10 existing roles, no repeats.
fn role_keys(store: &Store, body: &JsonBody, param: &'static str) -> ApiResult<Vec<String>> {
    let keys = body.strings(param)?;
    if keys.is_empty() {
        return Err(ApiError::ParamMissing { param });
    }
    if keys.len() > MAX_ROLES_PER_SET {
        return Err(ApiError::ParamValue {
            param,
            reason: format!("accepts at most {MAX_ROLES_PER_SET} roles"),
        });
    }
    let mut out: Vec<String> = Vec::new();
    for key in keys {
        if store.table::<Rbac>().role_by_key(&key).is_none() {
            return Err(ApiError::ParamValue {
                param,
                reason: format!("names an unknown role ({key})"),
            });
        }
        if !out.contains(&key) {
            out.push(key);
        }
    }
    Ok(out)
}

fn member_of(param: &'static str, key: &str, keys: &[Value]) -> ApiResult<()> {
    if keys.iter().any(|k| *k == key) {
        Ok(())
    } else {
        Err(ApiError::ParamValue {
            param,
            reason: format!("must be one of the role set's roles (got {key})"),
        })
    }
}

/// Make `s` the only initial role set (the previous one becomes custom).
fn make_initial(rbac: &mut Rbac, s: u32, now: i64) {
    let others: Vec<(u32, Value)> = (0..rbac.role_sets.len())
        .filter(|&o| o != s)
        .filter_map(|o| rbac.role_sets.get(o, MATERIALIZED).map(|v| (o, v)))
        .filter(|(_, v)| v["type"] == "initial")
        .collect();
    for (o, mut other) in others {
        other["type"] = json!("custom");
        other["updated_at"] = json!(now);
        rbac.role_sets.set(o, other);
    }
}

fn slug_key(name: &str) -> String {
    let mut key = String::from("role_set:");
    let mut last_underscore = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
            last_underscore = false;
        } else if !last_underscore {
            key.push('_');
            last_underscore = true;
        }
    }
    let trimmed = key.trim_end_matches('_').len();
    key.truncate(trimmed);
    key
}

async fn create_role_set(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(
        &body,
        &[
            "name",
            "key",
            "description",
            "default_role_key",
            "creator_role_key",
            "type",
            "roles",
        ],
    )?;
    let name = body.required_string("name")?;
    let key = match body.string("key")? {
        Some(key) => key,
        None => slug_key(&name),
    };
    valid_prefixed_key("key", &key, "role_set:")?;
    let description = body.nullable_string("description")?.flatten();
    let default_role = body.required_string("default_role_key")?;
    let creator_role = body.required_string("creator_role_key")?;
    let kind = body.string("type")?.unwrap_or_else(|| "custom".into());
    if kind != "initial" && kind != "custom" {
        return Err(ApiError::ParamValue {
            param: "type",
            reason: "must be one of initial, custom".into(),
        });
    }
    let mut store = state.store_mut();
    let roles: Vec<Value> = role_keys(&store, &body, "roles")?
        .into_iter()
        .map(Value::String)
        .collect();
    member_of("default_role_key", &default_role, &roles)?;
    member_of("creator_role_key", &creator_role, &roles)?;
    if Rbac::key_taken(&store.table::<Rbac>().role_sets, &key, None) {
        return Err(key_exists());
    }
    let now = store.tick();
    let rbac = store.table_mut::<Rbac>();
    let i = rbac.role_sets.next_index();
    let set = json!({
        "object": "role_set",
        "id": ksuid(ROLE_SET_PREFIX, rbac.seed, Stream::RoleSetId, u64::from(i), now),
        "name": name, "key": key, "description": description,
        "roles": roles, "default_role": default_role, "creator_role": creator_role,
        "type": kind, "created_at": now, "updated_at": now,
    });
    rbac.role_sets.push(set.clone());
    if kind == "initial" {
        make_initial(rbac, i, now);
    }
    Ok(Json(rbac.render_role_set(&set)))
}

async fn update_role_set(
    State(state): State<AppState>,
    Path(key_or_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(
        &body,
        &[
            "name",
            "key",
            "description",
            "type",
            "default_role_key",
            "creator_role_key",
        ],
    )?;
    let mut store = state.store_mut();
    let (i, mut set) = find_role_set(&store, key_or_id)?;
    if let Some(name) = body.string("name")? {
        set["name"] = json!(name);
    }
    if let Some(key) = body.string("key")? {
        valid_prefixed_key("key", &key, "role_set:")?;
        if Rbac::key_taken(&store.table::<Rbac>().role_sets, &key, Some(i)) {
            return Err(key_exists());
        }
        set["key"] = json!(key);
    }
    if let Some(description) = body.nullable_string("description")? {
        set["description"] = json!(description);
    }
    let roles = set["roles"].as_array().cloned().unwrap_or_default();
    for (param, field) in [
        ("default_role_key", "default_role"),
        ("creator_role_key", "creator_role"),
    ] {
        if let Some(key) = body.string(param)? {
            member_of(param, &key, &roles)?;
            set[field] = json!(key);
        }
    }
    let initial = match body.string("type")? {
        None => false,
        Some(t) if t == "initial" => true,
        Some(_) => {
            return Err(ApiError::ParamValue {
                param: "type",
                reason: "can only be set to initial".into(),
            })
        }
    };
    let now = store.tick();
    if initial {
        set["type"] = json!("initial");
        make_initial(store.table_mut::<Rbac>(), i, now);
    }
    set["updated_at"] = json!(now);
    store.table_mut::<Rbac>().role_sets.set(i, set.clone());
    Ok(Json(store.table::<Rbac>().render_role_set(&set)))
}

async fn replace_role_set(
    State(state): State<AppState>,
    Path(key_or_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["dest_role_set_key", "reassignment_mappings"])?;
    let dest_key = body.required_string("dest_role_set_key")?;
    let mappings: Map<String, Value> = body.object("reassignment_mappings")?.unwrap_or_default();
    let mut store = state.store_mut();
    let (i, set) = find_role_set(&store, key_or_id)?;
    let (d, dest) = store
        .table::<Rbac>()
        .role_sets
        .find(MATERIALIZED, |s| s["key"] == dest_key.as_str())
        .ok_or_else(|| ApiError::ParamValue {
            param: "dest_role_set_key",
            reason: format!("names no role set ({dest_key})"),
        })?;
    if d == i {
        return Err(ApiError::ParamValue {
            param: "dest_role_set_key",
            reason: "must name another role set".into(),
        });
    }
    let dest_roles = dest["roles"].as_array().cloned().unwrap_or_default();
    for (from, to) in &mappings {
        let to = to.as_str().unwrap_or_default();
        if !dest_roles.iter().any(|k| *k == to) {
            return Err(ApiError::ParamValue {
                param: "reassignment_mappings",
                reason: format!("maps {from} to {to}, which is not in the destination role set"),
            });
        }
    }
    let now = store.tick();
    if set["type"] == "initial" {
        let mut dest = dest;
        dest["type"] = json!("initial");
        dest["updated_at"] = json!(now);
        store.table_mut::<Rbac>().role_sets.set(d, dest);
    }
    store.table_mut::<Rbac>().role_sets.delete(i);
    let id = set["id"].as_str().unwrap_or_default().to_owned();
    Ok(Json(deleted("role_set", &id)))
}

async fn add_roles(
    State(state): State<AppState>,
    Path(key_or_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(
        &body,
        &["role_keys", "default_role_key", "creator_role_key"],
    )?;
    let mut store = state.store_mut();
    let (i, mut set) = find_role_set(&store, key_or_id)?;
    let added = role_keys(&store, &body, "role_keys")?;
    let mut roles = set["roles"].as_array().cloned().unwrap_or_default();
    if let Some(dup) = added
        .iter()
        .find(|k| roles.iter().any(|r| *r == k.as_str()))
    {
        return Err(ApiError::ParamValue {
            param: "role_keys",
            reason: format!("{dup} is already in the role set"),
        });
    }
    if roles.len() + added.len() > MAX_ROLES_PER_SET {
        return Err(ApiError::ParamValue {
            param: "role_keys",
            reason: format!("a role set holds at most {MAX_ROLES_PER_SET} roles"),
        });
    }
    let added: Vec<Value> = added.into_iter().map(Value::String).collect();
    for (param, field) in [
        ("default_role_key", "default_role"),
        ("creator_role_key", "creator_role"),
    ] {
        if let Some(key) = body.string(param)? {
            member_of(param, &key, &added)?;
            set[field] = json!(key);
        }
    }
    roles.extend(added);
    set["roles"] = Value::Array(roles);
    set["updated_at"] = json!(store.tick());
    store.table_mut::<Rbac>().role_sets.set(i, set.clone());
    Ok(Json(store.table::<Rbac>().render_role_set(&set)))
}

async fn replace_role(
    State(state): State<AppState>,
    Path(key_or_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["role_key", "to_role_key"])?;
    let role_key = body.required_string("role_key")?;
    let to_role_key = body.required_string("to_role_key")?;
    let mut store = state.store_mut();
    let (i, mut set) = find_role_set(&store, key_or_id)?;
    let mut roles = set["roles"].as_array().cloned().unwrap_or_default();
    member_of("role_key", &role_key, &roles)?;
    member_of("to_role_key", &to_role_key, &roles)?;
    if role_key == to_role_key {
        return Err(ApiError::ParamValue {
            param: "to_role_key",
            reason: "must differ from role_key".into(),
        });
    }
    roles.retain(|k| *k != role_key.as_str());
    for field in ["default_role", "creator_role"] {
        if set[field] == role_key.as_str() {
            set[field] = json!(to_role_key);
        }
    }
    set["roles"] = Value::Array(roles);
    set["updated_at"] = json!(store.tick());
    store.table_mut::<Rbac>().role_sets.set(i, set.clone());
    Ok(Json(store.table::<Rbac>().render_role_set(&set)))
}

#[cfg(test)]
mod rbac_tests {
    use super::*;

    #[test]
    fn keys_are_validated_as_documented() {
        assert!(valid_permission_key("org:reports:read").is_ok());
        assert!(valid_permission_key("org:sys_x:read").is_err());
        assert!(valid_permission_key("org:Reports:read").is_err());
        assert!(valid_permission_key("org:reports").is_err());
        assert!(valid_prefixed_key("key", "org:viewer", "org:").is_ok());
        assert!(valid_prefixed_key("key", "org:", "org:").is_err());
        assert!(valid_prefixed_key("key", "viewer", "org:").is_err());
        assert_eq!(
            slug_key("Enterprise Tier (2026)"),
            "role_set:enterprise_tier_2026"
        );
    }

    #[test]
    fn seeded_roles_resolve_their_permissions() {
        let rbac = Rbac::seeded(42);
        let admin = rbac.role_info("org:admin");
        assert!(admin.is_some_and(|a| a.name == "Admin" && a.permission_keys.len() == 8));
        assert!(rbac.role_info("org:nope").is_none());
        assert_eq!(rbac.role_keys().len(), 3);
    }
}

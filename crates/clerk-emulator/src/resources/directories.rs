//! Directories (user provisioning from an identity provider):
//! `GET /v1/directories` (`{data,total_count}`, newest first, limit/offset),
//! `GET /v1/directories/{directory_id}` and `GET
//! /v1/directories/{directory_id}/group_role_mappings` (`{data,total_count}`
//! by precedence, no paging parameters), and the same three under their
//! older name `/v1/scim_directories`.
//!
//! Both names serve the same directories with the same ids: the spec's
//! `Directory` and `SCIMDirectory` differ only in `object` (`directory`,
//! `scim_directory`), and its group role mappings carry both the new and
//! the legacy field names with the same values (`directory_id` and
//! `scim_directory_id`, `directory_group_id` and `scim_group_id`, …), their
//! `object` being `directory_group_role_mapping` or
//! `scim_group_role_mapping` by the path asked.
//!
//! Every second seeded enterprise connection has a directory: directory `j`
//! belongs to enterprise connection `2j`, so to the organization of index
//! `20j + 3` (3, 23, 43, …), named after it and its provider, created two
//! days after the connection. Directory `j` has `(j + 2) % 4` group role
//! mappings (so 2, 3, 0, 1, 2, …): `Admins` to `org:admin`, then `Billing`
//! to `org:billing_manager`, then `Everyone` to `org:member`, precedence
//! from 1; group role mapping is enabled exactly when it has some. Odd
//! directories map one custom attribute (`department`). A directory whose
//! enterprise connection was deleted shows `enterprise_connection_id: null`;
//! a mapping whose role was deleted has no `role`. The API key is never
//! shown (Clerk returns it only on creation and rotation).

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::collection::{self, Collection, Ids, Order, Select};
use crate::engine::params::QueryParams;
use crate::resources::rbac::Rbac;
use crate::resources::sso_connections::SsoConnections;
use crate::seed::{between, mix, Stream, DAY_MS, NOW_MS};
use crate::server::envelope;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

const ENDPOINT_BASE: &str = "https://clerk.emulator.test/scim/v2";
/// `(group display name, role key)` of a directory's mappings, in
/// precedence order.
const GROUPS: &[(&str, &str)] = &[
    ("Admins", "org:admin"),
    ("Billing", "org:billing_manager"),
    ("Everyone", "org:member"),
];

/// The directories of the instance.
#[derive(Debug)]
pub struct Directories {
    seed: u64,
    ids: Ids,
    mapping_ids: Ids,
    items: Collection,
}

crate::server::state::store_table!(Directories, Directories::seeded(0, 0));

/// Which of the two names a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Scim,
    Directory,
}

impl Flavor {
    fn object(self) -> &'static str {
        match self {
            Flavor::Scim => "scim_directory",
            Flavor::Directory => "directory",
        }
    }

    fn mapping_object(self) -> &'static str {
        match self {
            Flavor::Scim => "scim_group_role_mapping",
            Flavor::Directory => "directory_group_role_mapping",
        }
    }
}

/// The number of group role mappings of seeded directory `j`.
pub fn mappings_of(j: u32) -> u32 {
    (j + 2) % 4
}

/// The provider and its label for an enterprise connection's provider.
fn provider(enterprise_provider: &str) -> (&'static str, &'static str) {
    match enterprise_provider {
        "saml_okta" => ("okta", "Okta"),
        "saml_microsoft" => ("entra_id", "Microsoft Entra ID"),
        "saml_google" => ("google_workspace", "Google Workspace"),
        _ => ("custom", "SCIM"),
    }
}

impl Directories {
    /// One directory per even seeded enterprise connection.
    pub fn seeded(seed: u64, enterprise_connections: u32) -> Self {
        Self {
            seed,
            ids: Ids::new("dir_", Stream::DirectoryId, seed),
            mapping_ids: Ids::new("dgrm_", Stream::GroupRoleMappingId, seed),
            items: Collection::new(enterprise_connections.div_ceil(2)),
        }
    }

    /// Seeded directory `j` (over enterprise connection `2j`).
    fn seeded_directory(&self, store: &Store, j: u32) -> Value {
        let w = |s: u64| mix(self.seed, Stream::Directory, u64::from(j), s);
        let ent = store
            .table::<SsoConnections>()
            .seeded_enterprise(store, 2 * j);
        let at = ent["created_at"].as_i64().unwrap_or_default()
            + 2 * DAY_MS
            + (w(0) % DAY_MS as u64) as i64;
        let updated_at = between(at, NOW_MS.min(at + 10 * DAY_MS), w(1));
        let (provider, label) = provider(ent["provider"].as_str().unwrap_or_default());
        let id = self.ids.id(j, at);
        let custom_attributes = if j % 2 == 1 {
            let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
            json!([{
                "name": "Department", "key": "department", "sso_path": "department",
                "scim_path": path, "directory_path": path, "multi_valued": false,
            }])
        } else {
            json!([])
        };
        json!({
            "object": "directory",
            "id": id,
            "name": format!("{} {label} directory", ent["name"].as_str().unwrap_or_default()),
            "enterprise_connection_id": ent["id"],
            "endpoint_url": format!("{ENDPOINT_BASE}/{id}"),
            "provider": provider,
            "enabled": w(2) % 100 < 90,
            "group_role_mapping_enabled": mappings_of(j) > 0,
            "attribute_mapping": {
                "user_id": "externalId",
                "email_address": "emails[primary eq true].value",
                "first_name": "name.givenName",
                "last_name": "name.familyName",
                "username": "userName",
            },
            "custom_attributes": custom_attributes,
            "api_key": null,
            "created_at": at,
            "updated_at": updated_at,
        })
    }

    /// The directory as `flavor` shows it now.
    fn render(&self, store: &Store, mut dir: Value, flavor: Flavor) -> Value {
        dir["object"] = json!(flavor.object());
        let live = dir["enterprise_connection_id"].as_str().is_some_and(|id| {
            store
                .table::<SsoConnections>()
                .find_enterprise(store, id)
                .is_some()
        });
        if !live {
            dir["enterprise_connection_id"] = Value::Null;
        }
        dir
    }

    fn find(&self, store: &Store, id: &str) -> Option<(u32, Value)> {
        self.items
            .get_by_id(self.ids.index(id), id, &|j| self.seeded_directory(store, j))
    }

    /// The group role mappings of directory `j`, by precedence.
    fn mappings(&self, store: &Store, j: u32, dir: &Value, flavor: Flavor) -> Vec<Value> {
        let created = dir["created_at"].as_i64().unwrap_or_default();
        (0..mappings_of(j))
            .map(|m| {
                let index = j * 4 + m;
                let w = |s: u64| mix(self.seed, Stream::GroupRoleMappingId, u64::from(index), s);
                let at = created + i64::from(m + 1) * 60_000;
                let (group, role) = GROUPS[m as usize];
                let group_id = format!(
                    "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                    w(1) as u32,
                    w(2) as u16,
                    w(3) & 0xfff,
                    w(4) & 0xfff,
                    w(5) & 0xffff_ffff_ffff
                );
                let mut out = json!({
                    "object": flavor.mapping_object(),
                    "id": self.mapping_ids.id(index, at),
                    "directory_id": dir["id"],
                    "scim_directory_id": dir["id"],
                    "directory_group_id": group_id,
                    "scim_group_id": group_id,
                    "directory_group_display_name": group,
                    "scim_group_display_name": group,
                    "precedence": m + 1,
                    "created_at": at,
                    "updated_at": at,
                });
                if let Some(role) = store.table::<Rbac>().role_object(role) {
                    out["role"] = role;
                }
                out
            })
            .collect()
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/scim_directories", get(list_scim))
        .route("/v1/scim_directories/{scim_directory_id}", get(get_scim))
        .route(
            "/v1/scim_directories/{scim_directory_id}/group_role_mappings",
            get(mappings_scim),
        )
        .route("/v1/directories", get(list_directories))
        .route("/v1/directories/{directory_id}", get(get_directory))
        .route(
            "/v1/directories/{directory_id}/group_role_mappings",
            get(mappings_directory),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/scim_directories", Served),
    op("GET", "/scim_directories/{scim_directory_id}", Served),
    op(
        "GET",
        "/scim_directories/{scim_directory_id}/group_role_mappings",
        Served,
    ),
    op("GET", "/directories", Served),
    op("GET", "/directories/{directory_id}", Served),
    op(
        "GET",
        "/directories/{directory_id}/group_role_mappings",
        Served,
    ),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[
    paged("/v1/directories?x=1"),
    paged("/v1/scim_directories?x=1"),
];

/// How the registry seeds this resource's table (after the tables it reads).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &["sso_connections"]);

fn seed_table(store: &mut Store, config: &Config) {
    let enterprise_connections = store.table::<SsoConnections>().seeded_enterprise_count();
    store.insert(Directories::seeded(config.seed, enterprise_connections));
}

fn not_found(id: String) -> ApiError {
    ApiError::NotFound {
        kind: "directory",
        id,
    }
}

fn list(state: &AppState, raw: Option<&str>, flavor: Flavor) -> ApiResult<Response> {
    let q = QueryParams::parse(raw);
    let paging = q.paging()?;
    let store = state.store();
    let dirs = store.table::<Directories>();
    let listed = dirs.items.list(
        &|j| dirs.seeded_directory(&store, j),
        Order::NEWEST_FIRST,
        Select::default(),
        paging,
    );
    Ok(collection::respond(
        listed.map(|d| dirs.render(&store, d, flavor)),
        true,
    ))
}

fn get_one(state: &AppState, id: String, flavor: Flavor) -> ApiResult<Json<Value>> {
    let store = state.store();
    let dirs = store.table::<Directories>();
    let (_, dir) = dirs.find(&store, &id).ok_or_else(|| not_found(id))?;
    Ok(Json(dirs.render(&store, dir, flavor)))
}

fn mappings(state: &AppState, id: String, flavor: Flavor) -> ApiResult<Json<Value>> {
    let store = state.store();
    let dirs = store.table::<Directories>();
    let (j, dir) = dirs.find(&store, &id).ok_or_else(|| not_found(id))?;
    let items = if j < dirs.items.seeded_len() {
        dirs.mappings(&store, j, &dir, flavor)
    } else {
        Vec::new()
    };
    let total = items.len();
    Ok(envelope::data_total(items, total))
}

async fn list_scim(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    list(&state, raw.as_deref(), Flavor::Scim)
}

async fn list_directories(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    list(&state, raw.as_deref(), Flavor::Directory)
}

async fn get_scim(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    get_one(&state, id, Flavor::Scim)
}

async fn get_directory(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    get_one(&state, id, Flavor::Directory)
}

async fn mappings_scim(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    mappings(&state, id, Flavor::Scim)
}

async fn mappings_directory(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    mappings(&state, id, Flavor::Directory)
}

//! Organizations' write endpoints: `POST /v1/organizations`, `PATCH` and
//! `DELETE /v1/organizations/{organization_id}`, and `PATCH`/`PUT
//! /v1/organizations/{organization_id}/metadata`. Written organizations live
//! in the `Organizations` overlay.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{patch, post};
use axum::Json;
use axum::Router;
use serde_json::{json, Value};

use crate::resources::memberships::Memberships;
use crate::resources::organizations::Organizations;
use crate::resources::organizations::{Include, Organization};
use crate::resources::rbac::Rbac;
use crate::resources::users::Users;
use crate::server::body::{metadata_objects, rfc3339_ms, JsonBody, MetadataWrite};
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{AppState, Store};

/// The write routes (merged with the reads of the same paths).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/organizations", post(create))
        .route(
            "/v1/organizations/{organization_id}",
            patch(update).delete(delete),
        )
        .route(
            "/v1/organizations/{organization_id}/metadata",
            patch(merge_metadata).put(replace_metadata),
        )
}

const CREATE_FIELDS: &[&str] = &[
    "name",
    "created_by",
    "private_metadata",
    "public_metadata",
    "slug",
    "max_allowed_memberships",
    "created_at",
    "role_set_key",
];
const UPDATE_FIELDS: &[&str] = &[
    "name",
    "slug",
    "max_allowed_memberships",
    "admin_delete_enabled",
    "created_at",
    "role_set_key",
];
const METADATA_FIELDS: [&str; 2] = ["public_metadata", "private_metadata"];

fn not_found(id: String) -> ApiError {
    ApiError::NotFound {
        kind: "organization",
        id,
    }
}

/// Clerk's slugs: lower case letters, digits, `-` and `_`.
fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_owned()
}

fn valid_slug(slug: &str) -> ApiResult<()> {
    let ok = !slug.is_empty()
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::ParamValue {
            param: "slug",
            reason: "must contain only lowercase alphanumeric characters, '-' and '_'".into(),
        })
    }
}

fn ensure_slug_free(store: &Store, slug: &str, owner: Option<u32>) -> ApiResult<()> {
    match store.table::<Organizations>().find_slug(slug) {
        Some(holder) if Some(holder) != owner => Err(ApiError::Exists {
            code: "form_identifier_exists",
            param: "slug",
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }),
        _ => Ok(()),
    }
}

/// `role_set_key`: the key of an existing role set, when given.
fn role_set_key(store: &Store, body: &JsonBody) -> ApiResult<Option<String>> {
    match body.string("role_set_key")? {
        Some(key) if !store.table::<Rbac>().has_role_set_key(&key) => Err(ApiError::ParamValue {
            param: "role_set_key",
            reason: format!("must be the key of an existing role set (got {key})"),
        }),
        other => Ok(other),
    }
}

fn max_memberships(body: &JsonBody) -> ApiResult<Option<u32>> {
    body.int("max_allowed_memberships")?
        .map(|n| {
            u32::try_from(n).map_err(|_| ApiError::ParamValue {
                param: "max_allowed_memberships",
                reason: "must be 0 (unlimited) or more".into(),
            })
        })
        .transpose()
}

pub async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Organization>> {
    let body = JsonBody::parse(&body, CREATE_FIELDS)?;
    let name = body.required_string("name")?;
    let slug = body.string("slug")?.unwrap_or_else(|| slugify(&name));
    valid_slug(&slug)?;
    let created_at = body
        .string("created_at")?
        .map(|s| rfc3339_ms("created_at", &s))
        .transpose()?;
    let public_metadata = Value::Object(body.object("public_metadata")?.unwrap_or_default());
    let private_metadata = Value::Object(body.object("private_metadata")?.unwrap_or_default());
    let max_allowed_memberships = max_memberships(&body)?.unwrap_or(0);
    let created_by = body.string("created_by")?;
    let mut store = state.store_mut();
    if let Some(user_id) = &created_by {
        if store.table::<Users>().find(user_id).is_none() {
            return Err(ApiError::ParamValue {
                param: "created_by",
                reason: "must be the id of an existing user".into(),
            });
        }
    }
    ensure_slug_free(&store, &slug, None)?;
    let role_set_key = role_set_key(&store, &body)?;
    let now = store.tick();
    let created_at = created_at.unwrap_or(now);
    let index = store.table::<Organizations>().next_index();
    let id = store.table::<Organizations>().new_id(index, created_at);
    let org = Organization {
        object: "organization",
        image_url: format!("https://img.clerk.com/default/{id}.png"),
        id,
        name,
        slug,
        has_image: false,
        members_count: None,
        missing_member_with_elevated_permissions: None,
        max_allowed_memberships,
        admin_delete_enabled: true,
        public_metadata,
        private_metadata,
        created_by,
        created_at,
        updated_at: now,
        last_active_at: now,
        role_set_key,
    };
    if created_at != now {
        store.table_mut::<Organizations>().break_natural_order();
    }
    let index = store
        .table_mut::<Organizations>()
        .insert_created(org.clone());
    // Clerk makes the creator the organization's first admin.
    if let Some(creator) = org
        .created_by
        .as_deref()
        .and_then(|id| store.table::<Users>().find(id))
    {
        crate::resources::memberships::writes::add_member(
            &mut store,
            index,
            creator,
            crate::resources::memberships::ADMIN_ROLE.to_owned(),
            json!({}),
            json!({}),
        )?;
    }
    Ok(Json(org))
}

/// Apply `change` to an organization, stamping `updated_at`.
fn modify(
    state: &AppState,
    id_or_slug: String,
    change: impl FnOnce(&Store, u32) -> ApiResult<Box<dyn FnOnce(&mut Organization)>>,
) -> ApiResult<Json<Organization>> {
    let mut store = state.store_mut();
    let orgs = store.table::<Organizations>();
    let index = orgs
        .find(&id_or_slug)
        .or_else(|| orgs.find_slug(&id_or_slug))
        .ok_or_else(|| not_found(id_or_slug))?;
    let apply = change(&store, index)?;
    let now = store.tick();
    let current = store
        .table::<Organizations>()
        .organization(&store, index, Include::default());
    let org = store.table_mut::<Organizations>().edit(current, index);
    apply(org);
    org.updated_at = now;
    let org = org.clone();
    Ok(Json(org))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Organization>> {
    let body = JsonBody::parse(&body, UPDATE_FIELDS)?;
    let name = body.string("name")?;
    if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(ApiError::ParamMissing { param: "name" });
    }
    let slug = body.string("slug")?;
    if let Some(slug) = &slug {
        valid_slug(slug)?;
    }
    let max = max_memberships(&body)?;
    let admin_delete_enabled = body.bool("admin_delete_enabled")?;
    let created_at = body
        .string("created_at")?
        .map(|s| rfc3339_ms("created_at", &s))
        .transpose()?;
    if created_at.is_some() {
        state
            .store_mut()
            .table_mut::<Organizations>()
            .break_natural_order();
    }
    modify(&state, id, move |store, index| {
        if let Some(slug) = &slug {
            ensure_slug_free(store, slug, Some(index))?;
        }
        let role_set_key = role_set_key(store, &body)?;
        Ok(Box::new(move |org: &mut Organization| {
            if let Some(v) = name {
                org.name = v;
            }
            if let Some(v) = slug {
                org.slug = v;
            }
            if let Some(v) = max {
                org.max_allowed_memberships = v;
            }
            if let Some(v) = admin_delete_enabled {
                org.admin_delete_enabled = v;
            }
            if let Some(v) = created_at {
                org.created_at = v;
            }
            if let Some(v) = role_set_key {
                org.role_set_key = Some(v);
            }
        }))
    })
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let index = store
        .table::<Organizations>()
        .find(&id)
        .ok_or_else(|| not_found(id.clone()))?;
    let slug = store.table::<Organizations>().slug_of(index);
    crate::resources::organization_domains::remove_organization(&mut store, index);
    crate::resources::sso_connections::remove_organization(&mut store, index, &id);
    store.table_mut::<Memberships>().remove_organization(index);
    store
        .table_mut::<Organizations>()
        .set_members_count(index, 0);
    store.table_mut::<Organizations>().delete(index);
    Ok(Json(
        json!({ "object": "organization", "id": id, "slug": slug, "deleted": true }),
    ))
}

/// `PATCH /organizations/{id}/metadata`: deep merge, `null` deletes a key.
pub async fn merge_metadata(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Organization>> {
    write_metadata(&state, id, &body, MetadataWrite::Merge)
}

/// `PUT /organizations/{id}/metadata`: each given field is replaced.
pub async fn replace_metadata(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Organization>> {
    write_metadata(&state, id, &body, MetadataWrite::Replace)
}

fn write_metadata(
    state: &AppState,
    id: String,
    body: &[u8],
    how: MetadataWrite,
) -> ApiResult<Json<Organization>> {
    let [public, private] = metadata_objects(body, &METADATA_FIELDS)?;
    modify(state, id, move |_, _| {
        Ok(Box::new(move |org: &mut Organization| {
            how.apply(&mut org.public_metadata, public);
            how.apply(&mut org.private_metadata, private);
        }))
    })
}

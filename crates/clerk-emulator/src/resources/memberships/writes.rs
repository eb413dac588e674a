//! Organization memberships' write endpoints: `POST
//! /v1/organizations/{organization_id}/memberships`, `PATCH` and `DELETE
//! …/memberships/{user_id}`, and `PATCH …/memberships/{user_id}/metadata`.
//! A delete answers the membership as it was (not a `DeletedObject`, as
//! the spec documents), and every write keeps the organization's
//! `members_count` in step.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{patch, post};
use axum::Json;
use axum::Router;
use serde_json::Value;

use crate::resources::memberships::Memberships;
use crate::resources::memberships::{existing_role, Membership, Written};
use crate::resources::organizations::Include;
use crate::resources::organizations::Organizations;
use crate::resources::users::Users;
use crate::server::body::{metadata_objects, JsonBody, MetadataWrite};
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{AppState, Store};

/// The write routes (merged with the reads of the same paths).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/organizations/{organization_id}/memberships",
            post(create),
        )
        .route(
            "/v1/organizations/{organization_id}/memberships/{user_id}",
            patch(update).delete(delete),
        )
        .route(
            "/v1/organizations/{organization_id}/memberships/{user_id}/metadata",
            patch(merge_metadata),
        )
}

const CREATE_FIELDS: &[&str] = &["user_id", "role", "public_metadata", "private_metadata"];
const UPDATE_FIELDS: &[&str] = &["role"];
const METADATA_FIELDS: [&str; 2] = ["public_metadata", "private_metadata"];

/// The organization and user of a membership path, both of which must exist.
fn resolve(store: &Store, organization_id: String, user_id: String) -> ApiResult<(u32, u32)> {
    let org = store.table::<Organizations>().existing(organization_id)?;
    let user = store.table::<Users>().existing(user_id)?;
    Ok((org, user))
}

fn membership_of(store: &Store, org: u32, user: u32) -> ApiResult<u32> {
    store
        .table::<Memberships>()
        .find(org, user)
        .ok_or_else(|| ApiError::NotFound {
            kind: "organization membership",
            id: store.table::<Users>().id_of(user),
        })
}

fn sync_count(store: &mut Store, org: u32) {
    let count = store.table::<Memberships>().members_count(org);
    store
        .table_mut::<Organizations>()
        .set_members_count(org, count);
}

pub async fn create(
    State(state): State<AppState>,
    Path(organization_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Membership>> {
    let body = JsonBody::parse(&body, CREATE_FIELDS)?;
    let user_id = body.required_string("user_id")?;
    let role = body.required_string("role")?;
    let public_metadata = Value::Object(body.object("public_metadata")?.unwrap_or_default());
    let private_metadata = Value::Object(body.object("private_metadata")?.unwrap_or_default());
    let mut store = state.store_mut();
    let role = existing_role(&store, role)?;
    let (org, user) = resolve(&store, organization_id, user_id)?;
    add_member(
        &mut store,
        org,
        user,
        role,
        public_metadata,
        private_metadata,
    )
    .map(|m| Json(store.table::<Memberships>().membership(&store, m)))
}

/// Add `user` to `org` (also used when an organization is created with a
/// `created_by`, who becomes its first admin).
pub fn add_member(
    store: &mut Store,
    org: u32,
    user: u32,
    role: String,
    public_metadata: Value,
    private_metadata: Value,
) -> ApiResult<u32> {
    if store.table::<Memberships>().find(org, user).is_some() {
        return Err(ApiError::Rejected {
            code: "already_a_member_in_organization",
            long_message: "The user is already a member of this organization.".into(),
        });
    }
    let max = store
        .table::<Organizations>()
        .organization(store, org, Include::default())
        .max_allowed_memberships;
    if max > 0 && store.table::<Memberships>().members_count(org) >= max {
        return Err(ApiError::Forbidden {
            code: "organization_membership_quota_exceeded",
            long_message: format!("The organization has reached its limit of {max} memberships."),
        });
    }
    let now = store.tick();
    let m = store.table_mut::<Memberships>().insert(
        user,
        org,
        Written {
            role,
            public_metadata,
            private_metadata,
            created_at: now,
            updated_at: now,
        },
    );
    sync_count(store, org);
    Ok(m)
}

/// Apply `change` to the membership of the path, stamping `updated_at`.
fn modify(
    state: &AppState,
    organization_id: String,
    user_id: String,
    change: impl FnOnce(&mut Written),
) -> ApiResult<Json<Membership>> {
    let mut store = state.store_mut();
    let (org, user) = resolve(&store, organization_id, user_id)?;
    let m = membership_of(&store, org, user)?;
    let current = store.table::<Memberships>().state(&store, m);
    let now = store.tick();
    let written = store.table_mut::<Memberships>().edit(m, current);
    change(written);
    written.updated_at = now;
    Ok(Json(store.table::<Memberships>().membership(&store, m)))
}

pub async fn update(
    State(state): State<AppState>,
    Path((organization_id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Membership>> {
    let body = JsonBody::parse(&body, UPDATE_FIELDS)?;
    let role = existing_role(&state.store(), body.required_string("role")?)?;
    modify(&state, organization_id, user_id, |m| m.role = role)
}

pub async fn delete(
    State(state): State<AppState>,
    Path((organization_id, user_id)): Path<(String, String)>,
) -> ApiResult<Json<Membership>> {
    let mut store = state.store_mut();
    let (org, user) = resolve(&store, organization_id, user_id)?;
    let m = membership_of(&store, org, user)?;
    let membership = store.table::<Memberships>().membership(&store, m);
    store.table_mut::<Memberships>().remove(m);
    sync_count(&mut store, org);
    Ok(Json(membership))
}

/// `PATCH …/memberships/{user_id}/metadata`: deep merge, `null` deletes.
pub async fn merge_metadata(
    State(state): State<AppState>,
    Path((organization_id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Membership>> {
    let [public, private] = metadata_objects(&body, &METADATA_FIELDS)?;
    modify(&state, organization_id, user_id, |m| {
        MetadataWrite::Merge.apply(&mut m.public_metadata, public);
        MetadataWrite::Merge.apply(&mut m.private_metadata, private);
    })
}

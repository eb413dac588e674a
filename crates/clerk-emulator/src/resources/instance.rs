//! The emulated instance: `GET /v1/instance` (schema `Instance`).
//!
//! Its id is the `instance_id` every seeded object carries; it is a
//! `production` instance when the secret key is a live one (`sk_live_…`),
//! else `development`, as Clerk's keys say. The allowed origins and the
//! owning workspace are fixed (the workspace id names no organization of
//! the instance: it is Clerk's own account, not a seeded object).
//!
//! Its settings, fixed for every seed (there are no settings writes):
//! - `GET /v1/instance/protect` (`InstanceProtect`): rules on, Specter off,
//!   checks not bypassed;
//! - `GET /v1/instance/communication` (`InstanceCommunication`): SMS to
//!   `KP` and `IR` blocked;
//! - `GET /v1/instance/oauth_application_settings`
//!   (`OAuthApplicationSettings`): no dynamic client registration, opaque
//!   access tokens, default scopes `openid profile email`;
//! - `GET /v1/instance/organization_settings` (`OrganizationSettings`):
//!   organizations on, unlimited memberships (0, as seeded organizations
//!   mostly have), domains on with every enrollment mode, the roles of the
//!   seeded role set (`org:admin` creates, `org:member` joins by domain).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, Operation, PagedList, Status::Served};
use crate::seed::{instance_id, ksuid, Stream, DAY_MS, START_MS};
use crate::server::state::{AppState, Seeding};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/instance", get(get_instance))
        .route("/v1/instance/protect", get(get_protect))
        .route("/v1/instance/communication", get(get_communication))
        .route(
            "/v1/instance/oauth_application_settings",
            get(get_oauth_application_settings),
        )
        .route(
            "/v1/instance/organization_settings",
            get(get_organization_settings),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/instance", Served),
    op("GET", "/instance/protect", Served),
    op("GET", "/instance/communication", Served),
    op("GET", "/instance/oauth_application_settings", Served),
    op("GET", "/instance/organization_settings", Served),
];

/// None of the lists `routes` serves is walked by the paging property.
pub const PAGED_LISTS: &[PagedList] = &[];

/// No table of its own to seed.
pub const SEEDING: Option<Seeding> = None;

async fn get_instance(State(state): State<AppState>) -> Json<Value> {
    let seed = state.store().seed();
    let environment = if state.secret_key().starts_with("sk_live_") {
        "production"
    } else {
        "development"
    };
    Json(json!({
        "object": "instance",
        "id": instance_id(seed),
        "environment_type": environment,
        "allowed_origins": ["http://localhost:3000", "https://app.example.com"],
        "workspace_id": ksuid("org_", seed, Stream::Instance, 1, START_MS - 60 * DAY_MS),
    }))
}

async fn get_protect() -> Json<Value> {
    Json(json!({
        "object": "instance_protect",
        "rules_enabled": true,
        "specter_enabled": false,
        "checks_bypassed": false,
    }))
}

async fn get_communication() -> Json<Value> {
    Json(json!({
        "object": "instance_communication",
        "blocked_country_codes": ["KP", "IR"],
    }))
}

async fn get_oauth_application_settings() -> Json<Value> {
    Json(json!({
        "object": "oauth_application_settings",
        "dynamic_oauth_client_registration": false,
        "default_scopes": ["openid", "profile", "email"],
        "oauth_jwt_access_tokens": false,
        "client_id_metadata_documents_advertised": false,
        "client_id_metadata_documents_only_allow_pre_registered_clients": false,
        "client_id_metadata_documents_block_implicitly_allowed_clients": false,
    }))
}

async fn get_organization_settings() -> Json<Value> {
    Json(json!({
        "object": "organization_settings",
        "enabled": true,
        "max_allowed_memberships": 0,
        "max_allowed_roles": 10,
        "max_role_sets_allowed": 5,
        "max_allowed_domains": 10,
        "max_allowed_permissions": 50,
        "creator_role": "org:admin",
        "admin_delete_enabled": true,
        "domains_enabled": true,
        "slug_disabled": false,
        "domains_enrollment_modes": ["manual_invitation", "automatic_invitation", "automatic_suggestion"],
        "domains_default_role": "org:member",
        "initial_role_set_key": "role_set:default",
    }))
}

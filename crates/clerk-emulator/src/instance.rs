//! The emulated instance: `GET /v1/instance` (schema `Instance`).
//!
//! Its id is the `instance_id` every seeded object carries; it is a
//! `production` instance when the secret key is a live one (`sk_live_…`),
//! else `development`, as Clerk's keys say. The allowed origins and the
//! owning workspace are fixed (the workspace id names no organization of
//! the instance: it is Clerk's own account, not a seeded object).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::seed::{instance_id, ksuid, Stream, DAY_MS, START_MS};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/instance", get(get_instance))
}

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

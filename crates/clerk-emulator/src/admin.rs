//! Admin routes for tests and scripts (no auth, outside `/v1`):
//!
//! - `GET /__emulator/requests` -> `{"total":N,"routes":{"GET /v1/users":n,...}}`
//! - `GET /__emulator/requests/total` -> `N\n` as text/plain
//! - `POST /__emulator/reset` -> zero the counters (204)
//!
//! Only `/v1` requests are counted, keyed by method and route template
//! (`GET /v1/users/{user_id}`), whatever their outcome (401s included).
//! Latency and fault injection will live under the same prefix.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::state::AppState;

pub const PREFIX: &str = "/__emulator";
/// Counter key for `/v1` requests that matched no route.
pub const UNMATCHED_ROUTE: &str = "(unmatched)";

/// Requests served, per `METHOD /route/template`.
#[derive(Debug, Default)]
pub struct Counters {
    per_route: Mutex<BTreeMap<String, u64>>,
}

impl Counters {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        self.per_route.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn record(&self, method: &str, route: &str) {
        *self.lock().entry(format!("{method} {route}")).or_insert(0) += 1;
    }

    pub fn total(&self) -> u64 {
        self.lock().values().sum()
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.lock().clone()
    }

    pub fn reset(&self) {
        self.lock().clear();
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{PREFIX}/requests"), get(requests))
        .route(&format!("{PREFIX}/requests/total"), get(requests_total))
        .route(&format!("{PREFIX}/reset"), post(reset))
}

/// Route layer for `/v1` routes: counts the request under its template.
pub async fn count_request(State(state): State<AppState>, matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let route = matched.as_ref().map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
    state.counters().record(req.method().as_str(), route);
    next.run(req).await
}

async fn requests(State(state): State<AppState>) -> Response {
    let routes = state.counters().snapshot();
    let total: u64 = routes.values().sum();
    Json(json!({ "total": total, "routes": routes })).into_response()
}

async fn requests_total(State(state): State<AppState>) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{}\n", state.counters().total()))
        .into_response()
}

async fn reset(State(state): State<AppState>) -> StatusCode {
    state.counters().reset();
    StatusCode::NO_CONTENT
}

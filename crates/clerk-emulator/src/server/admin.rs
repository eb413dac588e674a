//! Admin routes for tests and scripts (no auth, outside `/v1`):
//!
//! - `GET /__emulator/requests` -> `{"total":N,"routes":{"GET /v1/users":n,...}}`
//! - `GET /__emulator/requests/total` -> `N\n` as text/plain
//! - `GET /__emulator/requests/log[?limit=N]` -> the last N (default 100,
//!   at most 10000 kept) requests, oldest first:
//!   `[{"seq","method","path","route","status","ms"}]` (paths, never query
//!   strings, which can carry emails)
//! - `GET /__emulator/requests/concurrency` -> `{"in_flight":N,"peak":M}`:
//!   `/v1` requests being answered now, and the most at once since startup
//!   or the last reset (how many requests a client had in flight)
//! - `GET /__emulator/knobs` -> the current knobs (see `knobs`)
//! - `PATCH /__emulator/knobs` with a JSON object of any of `rate_limit`
//!   (`"100/10s"`, `"1000/10s"`, `"N/<duration>"`, `"off"` or null),
//!   `latency_ms`, `latency_jitter_ms`, `fault_rate` (0..1), `faults`
//!   (`["500","502","503","reset","truncate","malformed","slow"]`),
//!   `slow_body_ms` -> the knobs after the change (422 on a bad value)
//! - `POST /__emulator/reset` -> back to startup: seeded data (writes are
//!   undone), knobs, rate-limit window, counters and log (204)
//!
//! Only `/v1` requests are counted, keyed by method and route template
//! (`GET /v1/users/{user_id}`), whatever their outcome (401s included).

use std::time::Instant;

use axum::extract::{MatchedPath, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::server::knobs::KnobsPatch;
use crate::server::requests::Answering;
use crate::server::state::AppState;

pub const PREFIX: &str = "/__emulator";
pub use crate::server::requests::UNMATCHED_ROUTE;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{PREFIX}/requests"), get(requests))
        .route(&format!("{PREFIX}/requests/total"), get(requests_total))
        .route(&format!("{PREFIX}/requests/log"), get(request_log))
        .route(
            &format!("{PREFIX}/requests/concurrency"),
            get(request_concurrency),
        )
        .route(
            &format!("{PREFIX}/knobs"),
            get(get_knobs).patch(patch_knobs),
        )
        .route(&format!("{PREFIX}/reset"), post(reset))
}

/// Route layer for `/v1` routes: counts and logs the request under its
/// template.
pub async fn count_request(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let route = matched
        .as_ref()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    state.counters().record(method.as_str(), &route);
    let started = Instant::now();
    // left however the answer ends (a client that hangs up drops it)
    let answering = Answering::enter(state.counters());
    let response = next.run(req).await;
    drop(answering);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    state.log().record(
        method.as_str(),
        &path,
        &query,
        &route,
        response.status().as_u16(),
        ms,
    );
    response
}

async fn request_log(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = crate::engine::params::QueryParams::parse(raw.as_deref());
    let limit = q
        .first("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(100);
    Json(state.log().last(limit)).into_response()
}

async fn request_concurrency(State(state): State<AppState>) -> Response {
    let (in_flight, peak) = state.counters().concurrency();
    Json(json!({ "in_flight": in_flight, "peak": peak })).into_response()
}

async fn get_knobs(State(state): State<AppState>) -> Response {
    Json(state.knobs()).into_response()
}

async fn patch_knobs(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let patch: KnobsPatch = match serde_json::from_slice(&body) {
        Ok(patch) => patch,
        Err(error) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "error": error.to_string() })),
            )
                .into_response()
        }
    };
    match patch.apply(&state.knobs()) {
        Ok(knobs) => {
            state.set_knobs(knobs.clone());
            Json(knobs).into_response()
        }
        Err(error) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "error": error })),
        )
            .into_response(),
    }
}

async fn requests(State(state): State<AppState>) -> Response {
    let routes = state.counters().snapshot();
    let total: u64 = routes.values().sum();
    Json(json!({ "total": total, "routes": routes })).into_response()
}

async fn requests_total(State(state): State<AppState>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", state.counters().total()),
    )
        .into_response()
}

async fn reset(State(state): State<AppState>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}

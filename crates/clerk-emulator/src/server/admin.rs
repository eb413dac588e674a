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

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::json;

use crate::server::knobs::KnobsPatch;
use crate::server::state::AppState;

pub const PREFIX: &str = "/__emulator";
/// Counter key for `/v1` requests that matched no route.
pub const UNMATCHED_ROUTE: &str = "(unmatched)";

/// Requests served, per `METHOD /route/template`.
#[derive(Debug, Default)]
pub struct Counters {
    per_route: Mutex<BTreeMap<String, u64>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

impl Counters {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        self.per_route
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        self.peak
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    /// (requests being answered now, the most at once)
    pub fn concurrency(&self) -> (usize, usize) {
        (
            self.in_flight.load(Ordering::SeqCst),
            self.peak.load(Ordering::SeqCst),
        )
    }
}

/// One `/v1` request being answered, for [`Counters::concurrency`].
struct Answering<'a>(&'a Counters);

impl<'a> Answering<'a> {
    fn enter(counters: &'a Counters) -> Self {
        let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        counters.peak.fetch_max(now, Ordering::SeqCst);
        Answering(counters)
    }
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How many requests the log keeps.
pub const LOG_CAPACITY: usize = 10_000;

/// One logged request.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub method: String,
    pub path: String,
    /// The raw query string (`""` when there is none): what a client sent,
    /// so tests can prove which filters were pushed.
    pub query: String,
    pub route: String,
    pub status: u16,
    pub ms: f64,
}

/// The last `LOG_CAPACITY` `/v1` requests.
#[derive(Debug, Default)]
pub struct RequestLog {
    inner: Mutex<(u64, VecDeque<LogEntry>)>,
}

impl RequestLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, VecDeque<LogEntry>)> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn record(&self, method: &str, path: &str, query: &str, route: &str, status: u16, ms: f64) {
        let mut guard = self.lock();
        let (seq, entries) = &mut *guard;
        *seq += 1;
        if entries.len() == LOG_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(LogEntry {
            seq: *seq,
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            route: route.to_owned(),
            status,
            ms,
        });
    }

    pub fn last(&self, n: usize) -> Vec<LogEntry> {
        let guard = self.lock();
        let skip = guard.1.len().saturating_sub(n);
        guard.1.iter().skip(skip).cloned().collect()
    }

    pub fn reset(&self) {
        *self.lock() = (0, VecDeque::new());
    }
}

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
            state.knob_state().reset();
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

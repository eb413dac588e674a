//! The HTTP server around the resources: the `/v1` middleware stack
//! (request counting, bearer auth, the knobs, the API version pin), the
//! unauthenticated admin routes and the request counters and log they
//! report, request logging, and what every handler shares (the state and
//! its store, the `ApiError` bodies, the list envelopes, JSON request
//! bodies).
//!
//! It knows nothing of the resources: `router` takes their routes as one
//! `Router` and wraps it, and the state seeds the store through the
//! `state::Hooks` the crate root gives it.

pub mod admin;
pub mod auth;
pub mod body;
pub mod envelope;
pub mod error;
pub mod knobs;
pub mod logging;
pub mod requests;
pub mod state;
pub mod version;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::Router;

use error::ApiError;
use state::AppState;

/// The whole application: `v1` (every resource's routes) behind the `/v1`
/// middleware, the admin routes, the fallbacks and the request log.
pub fn router(state: AppState, v1: Router<AppState>) -> Router {
    let v1 = v1
        .method_not_allowed_fallback(method_not_allowed)
        // Layers run outside-in in reverse order: count, authenticate, then
        // the knobs (rate limit, latency, faults), then the version pin.
        .route_layer(middleware::from_fn(version::require_valid_version))
        .route_layer(middleware::from_fn_with_state(
            state.live_knobs(),
            knobs::apply,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_secret_key,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            admin::count_request,
        ));
    Router::new()
        .merge(v1)
        .merge(admin::routes())
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(
            state.log_level(),
            logging::log_request,
        ))
        .with_state(state)
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Unknown paths: under `/v1` they are counted and authenticated first (a
/// client without the key learns nothing about which routes exist).
async fn unknown_route(State(state): State<AppState>, method: Method, req: Request) -> Response {
    let path = req.uri().path();
    if path == "/v1" || path.starts_with("/v1/") {
        state
            .counters()
            .record(method.as_str(), admin::UNMATCHED_ROUTE);
        if let Err(error) = auth::authenticate(req.headers(), state.secret_key()) {
            return error.into_response();
        }
    }
    ApiError::UnknownRoute.into_response()
}

//! `clerk-emulator`: a local stand-in for Clerk's Backend API (BAPI), used
//! by the demo, the end-to-end SQL tests and the benchmarks.
//!
//! It follows the 2026-05-12 spec (`shared/clerk-api`): bearer auth on every
//! `/v1` route, Clerk's `ClerkErrors` bodies, the three list envelopes,
//! `limit`/`offset`/`order_by` with a total and stable order, and the
//! documented filters, over deterministic seeded data of any size.
//!
//! Layout: one module per Clerk resource (`users`, `organizations`,
//! `memberships`, `organization_invitations`, `invitations`), each exposing
//! `routes()`, with writes in a `*_writes` sibling where they are many; the
//! shared pieces are `params` (query parsing and validation), `body` (JSON
//! bodies), `listing` (ordering and paging), `envelope`, `error`, `auth`,
//! `admin` (request counters), `knobs` and `seed` (deterministic generation).

#![forbid(unsafe_code)]

pub mod coverage;
pub mod engine;
pub mod resources;
pub mod seed;
pub mod server;

use axum::Router;

/// `clerk_emulator::params` is the path the fuzz target (`fuzz/`) uses.
pub use engine::params;
pub use server::error::{ApiError, ApiResult};
pub use server::knobs::{Fault, Knobs, RateLimit};
pub use server::logging::LogLevel;
pub use server::state::{AppState, Config};

/// The emulator's HTTP application for `config`.
pub fn app(config: Config) -> Router {
    router(AppState::new(config))
}

/// The HTTP application over existing state (to share it with a caller).
pub fn router(state: AppState) -> Router {
    server::router(state, resources::routes())
}

//! `clerk-emulator`: a local stand-in for Clerk's Backend API (BAPI), used
//! by the demo, the end-to-end SQL tests and the benchmarks.
//!
//! It follows the 2026-05-12 spec (`shared/clerk-api`): bearer auth on every
//! `/v1` route, Clerk's `ClerkErrors` bodies, the three list envelopes,
//! `limit`/`offset`/`order_by` with a total and stable order, and the
//! documented filters, over deterministic seeded data of any size.
//!
//! Layout:
//! - `server`: the HTTP server and its cross-cutting parts: `server::router`
//!   wraps the resources' routes in the `/v1` stack (request counters,
//!   bearer `auth`, the `knobs` for rate limit, latency and faults, the
//!   API `version` pin), adds the `admin` routes under `/__emulator` and
//!   request `logging`; plus what every handler shares: the `state`
//!   (`Config`, `AppState`, the seeded `Store`), `error` (`ApiError`, Clerk's
//!   `ClerkErrors` bodies), `envelope` (the list shapes) and `body` (JSON
//!   request bodies).
//! - `engine`: the list engine (`table` for typed tables, `collection` for
//!   JSON objects) and the query parsers (`params`) every list shares.
//! - `resources`: one module per Clerk resource (a folder with `writes.rs`
//!   for users, organizations and memberships), each with its model,
//!   seeding, routes, coverage entries and paged lists, wired by the registry in
//!   `resources/mod.rs`.
//! - `seed`: deterministic generation (hashes, invertible KSUID ids, word
//!   lists); `coverage`: the vocabulary of the coverage list and of the
//!   paged lists.

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
    router(AppState::new(config, resources::HOOKS))
}

/// The HTTP application over existing state (to share it with a caller).
pub fn router(state: AppState) -> Router {
    server::router(state, resources::routes())
}

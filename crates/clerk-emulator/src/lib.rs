//! `clerk-emulator`: a local stand-in for Clerk's Backend API (BAPI), used
//! by the demo, the end-to-end SQL tests and the benchmarks.
//!
//! It follows the 2026-05-12 spec (`shared/clerk-api`): bearer auth on every
//! `/v1` route, Clerk's `ClerkErrors` bodies, the three list envelopes,
//! `limit`/`offset`/`order_by` with a total and stable order, and the
//! documented filters, over deterministic seeded data of any size.
//!
//! Layout (modules only import downwards: the resources use the engine
//! and the server's shared parts, the server names no resource):
//! - `server`: the HTTP server and its cross-cutting parts: `server::router`
//!   wraps the resources' routes in the `/v1` stack (request counters,
//!   bearer `auth`, the `knobs` for rate limit, latency and faults, the
//!   API `version` pin), adds the `admin` routes under `/__emulator`
//!   (reporting the `requests` counters and log) and request `logging`;
//!   plus what every handler shares: the `state` (`Config`, `AppState`,
//!   and the `Store`, which holds each resource's table by type), `error`
//!   (`ApiError`, Clerk's `ClerkErrors` bodies), `envelope` (the list
//!   shapes) and `body` (JSON request bodies, metadata writes).
//! - `engine`: the list engine: the query parsers (`params`), the one
//!   list algorithm (`window`: order, filter, count, offset/limit) and its
//!   two back-ends, `table` for typed tables of up to millions of rows and
//!   `collection` for JSON objects.
//! - `resources`: one module per Clerk resource, each with its table, its
//!   seeding, its routes, its coverage entries and its paged lists, wired
//!   by the registry in `resources/mod.rs` (routes, seeding in dependency
//!   order, coverage list, paging property). Users, organizations and
//!   memberships are folders: `writes.rs` for their write routes, and for
//!   organizations and memberships `model.rs` for the table the other
//!   resources read.
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

/// The emulator's HTTP application for `config`, over every resource of
/// the registry.
pub fn app(config: Config) -> Router {
    router(AppState::new(config, resources::HOOKS))
}

/// The HTTP application over existing state (to share it with a caller).
pub fn router(state: AppState) -> Router {
    server::router(state, resources::routes())
}

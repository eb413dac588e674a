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

pub mod api_keys;
pub mod billing;
pub mod coverage;
pub mod directories;
pub mod domains;
pub mod engine;
pub mod identifications;
pub mod identifiers;
pub mod instance;
pub mod invitations;
pub mod jwks;
pub mod jwt_templates;
pub mod machines;
pub mod membership_writes;
pub mod memberships;
pub mod oauth_applications;
pub mod oauth_tokens;
pub mod organization_domains;
pub mod organization_invitations;
pub mod organization_writes;
pub mod organizations;
pub mod rbac;
pub mod redirect_urls;
pub mod seed;
pub mod server;
pub mod sessions;
pub mod sign_ups;
pub mod sso_connections;
pub mod templates;
pub mod test_runs;
pub mod trusted_devices;
pub mod user_writes;
pub mod users;
pub mod waitlist;

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
    let v1 = Router::new()
        .merge(users::routes())
        .merge(organizations::routes())
        .merge(memberships::routes())
        .merge(organization_invitations::routes())
        .merge(invitations::routes())
        .merge(rbac::routes())
        .merge(identifiers::routes())
        .merge(domains::routes())
        .merge(jwt_templates::routes())
        .merge(redirect_urls::routes())
        .merge(oauth_applications::routes())
        .merge(sso_connections::routes())
        .merge(organization_domains::routes())
        .merge(identifications::routes())
        .merge(sessions::routes())
        .merge(waitlist::routes())
        .merge(machines::routes())
        .merge(api_keys::routes())
        .merge(billing::routes())
        .merge(oauth_tokens::routes())
        .merge(templates::routes())
        .merge(instance::routes())
        .merge(directories::routes())
        .merge(trusted_devices::routes())
        .merge(test_runs::routes())
        .merge(jwks::routes())
        .merge(sign_ups::routes());
    server::router(state, v1)
}

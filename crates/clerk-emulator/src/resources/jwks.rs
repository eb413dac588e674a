//! `GET /v1/jwks` (schema `JWKS`): the public key the instance signs its
//! session tokens with, one RS256 key whose `kid` is the instance id (as
//! Clerk's is). The 2048-bit modulus is fixed by the seed; it is random
//! bytes shaped like a modulus (top bit set, odd), not a real key: the
//! emulator signs nothing with it.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, Operation, PagedList, Status::Served};
use crate::resources::oauth_tokens::base64url;
use crate::seed::{instance_id, mix, Stream};
use crate::server::state::{AppState, Seeding};

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/jwks", get(get_jwks))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[op("GET", "/jwks", Served)];

/// None of the lists `routes` serves is walked by the paging property.
pub const PAGED_LISTS: &[PagedList] = &[];

/// No table of its own to seed.
pub const SEEDING: Option<Seeding> = None;

async fn get_jwks(State(state): State<AppState>) -> Json<Value> {
    let seed = state.store().seed();
    let mut modulus: Vec<u8> = (0..32u64)
        .flat_map(|i| mix(seed, Stream::Jwks, 0, i).to_be_bytes())
        .collect();
    modulus[0] |= 0x80;
    if let Some(last) = modulus.last_mut() {
        *last |= 1;
    }
    Json(json!({
        "keys": [{
            "kid": instance_id(seed),
            "alg": "RS256",
            "use": "sig",
            "kty": "RSA",
            "n": base64url(&modulus),
            "e": "AQAB",
        }]
    }))
}

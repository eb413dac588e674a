//! Sign-up attempts: `GET /v1/sign_ups/{id}` (schema `SignUp`).
//!
//! Every fourth seeded user (indexes 0, 4, 8, …) came through a completed
//! sign-up whose id is the user's with `sua_` for `user_` (the sign-up of
//! `user_2abc…` is `sua_2abc…`), so a caller holding a user id can find
//! it. The attempt shows what the user signed up with (their seeded first
//! email, phone, username, names, external id, locale, legal acceptance),
//! verified by code, and names the user and the session it created (session
//! `k` of user `k`). It is history: it outlives the user's later edits and
//! deletion. Any other id, users created through the API included, is a
//! 404 (the spec documents none for this operation; the body is Clerk's
//! `resource_not_found`).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, Operation, PagedList, Status::Served};
use crate::resources::sessions::Sessions;
use crate::resources::users::{Users, ID_PREFIX};
use crate::seed::{ksuid_index, Stream};
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{AppState, Seeding, Store};

pub const PREFIX: &str = "sua_";
/// How long before the user's creation the attempt started.
const STARTED_BEFORE_MS: i64 = 5 * 60_000;
/// Clerk abandons an unfinished sign-up a day after it starts.
const ABANDON_AFTER_MS: i64 = 86_400_000;
/// How long a verification code is valid.
const CODE_TTL_MS: i64 = 10 * 60_000;

/// Whether seeded user `index` came through a sign-up.
pub fn has_sign_up(index: u32) -> bool {
    index.is_multiple_of(4)
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/sign_ups/{id}", get(get_sign_up))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[op("GET", "/sign_ups/{id}", Served)];

/// None of the lists `routes` serves is walked by the paging property.
pub const PAGED_LISTS: &[PagedList] = &[];

/// No table of its own to seed.
pub const SEEDING: Option<Seeding> = None;

fn verification(strategy: &str, started: i64) -> Value {
    json!({
        "status": "verified",
        "strategy": strategy,
        "attempts": 1,
        "expire_at": started + CODE_TTL_MS,
        "next_action": "",
        "supported_strategies": [strategy],
    })
}

/// The sign-up of seeded user `index`.
fn sign_up(store: &Store, index: u32, id: String) -> Value {
    let core = store.table::<Users>().core(index);
    let user_id = store.table::<Users>().id(&core);
    let started = core.created_at - STARTED_BEFORE_MS;
    let phone = Users::phone(&core);
    let mut required = vec!["email_address"];
    if core.password_enabled {
        required.push("password");
    }
    json!({
        "object": "sign_up_attempt",
        "id": id,
        "status": "complete",
        "required_fields": required,
        "optional_fields": ["first_name", "last_name", "username", "phone_number"],
        "missing_fields": [],
        "unverified_fields": [],
        "verifications": {
            "email_address": verification("email_code", started),
            "phone_number": phone.as_ref().map(|_| verification("phone_code", started)),
            "web3_wallet": null,
            "external_account": null,
        },
        "username": Users::username(&core),
        "email_address": Users::emails(&core).into_iter().next(),
        "phone_number": phone,
        "web3_wallet": null,
        "password_enabled": core.password_enabled,
        "first_name": core.first_name,
        "last_name": core.last_name,
        "unsafe_metadata": {},
        "public_metadata": {},
        "custom_action": false,
        "external_id": Users::external_id(&core),
        "created_session_id": store.table::<Sessions>().seeded_session_id(store, index),
        "created_user_id": user_id,
        "abandon_at": started + ABANDON_AFTER_MS,
        "legal_accepted_at": core.legal_accepted.then_some(core.created_at),
        "locale": core.locale,
    })
}

/// The seeded user whose sign-up `id` is, if it is one.
fn user_of(store: &Store, id: &str) -> Option<u32> {
    let body = id.strip_prefix(PREFIX)?;
    let user_id = format!("{ID_PREFIX}{body}");
    let index = ksuid_index(ID_PREFIX, store.seed(), Stream::UserId, &user_id)?;
    let index = u32::try_from(index).ok()?;
    (index < store.table::<Users>().count()
        && has_sign_up(index)
        && store
            .table::<Users>()
            .id(&store.table::<Users>().core(index))
            == user_id)
        .then_some(index)
}

async fn get_sign_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    match user_of(&store, &id) {
        Some(index) => Ok(Json(sign_up(&store, index, id))),
        None => Err(ApiError::NotFound {
            kind: "sign up",
            id,
        }),
    }
}

//! A user's email addresses and phone numbers as resources of their own:
//! `POST /v1/email_addresses`, `GET|PATCH|DELETE
//! /v1/email_addresses/{email_address_id}` and the same four on
//! `/v1/phone_numbers`. They are the very objects embedded in `User`
//! (`email_addresses`, `phone_numbers`), so a write here shows on the user
//! and the user's `updated_at` moves.
//!
//! Seeded identification ids encode their owner (`idn_` KSUIDs over
//! `user index * 4 + slot`), so a lookup needs no index; addresses added
//! later are registered in a small id -> user map.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use crate::coverage::{op, Operation, PagedList, Status::Served};
use crate::engine::collection::deleted;
use crate::resources::organization_invitations::valid_email;
use crate::resources::users::Users;
use crate::resources::users::{holder_of, EmailAddress, Identifier, PhoneNumber, Verification};
use crate::seed::{ksuid, ksuid_index, Stream};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

/// Which of a user's identification lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Email,
    Phone,
}

impl Kind {
    fn stream(self) -> Stream {
        match self {
            Kind::Email => Stream::EmailId,
            Kind::Phone => Stream::PhoneId,
        }
    }

    fn object(self) -> &'static str {
        match self {
            Kind::Email => "email_address",
            Kind::Phone => "phone_number",
        }
    }
}

/// Owners of identifications added through these endpoints.
#[derive(Debug, Default)]
pub struct Identifications {
    added: HashMap<String, u32>,
    next: u64,
}

crate::server::state::store_table!(Identifications, Identifications::default());

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/email_addresses", post(create_email))
        .route(
            "/v1/email_addresses/{email_address_id}",
            get(get_email).patch(update_email).delete(delete_email),
        )
        .route("/v1/phone_numbers", post(create_phone))
        .route(
            "/v1/phone_numbers/{phone_number_id}",
            get(get_phone).patch(update_phone).delete(delete_phone),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("POST", "/email_addresses", Served),
    op("GET", "/email_addresses/{email_address_id}", Served),
    op("PATCH", "/email_addresses/{email_address_id}", Served),
    op("DELETE", "/email_addresses/{email_address_id}", Served),
    op("POST", "/phone_numbers", Served),
    op("GET", "/phone_numbers/{phone_number_id}", Served),
    op("PATCH", "/phone_numbers/{phone_number_id}", Served),
    op("DELETE", "/phone_numbers/{phone_number_id}", Served),
];

/// None of the lists `routes` serves is walked by the paging property.
pub const PAGED_LISTS: &[PagedList] = &[];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, _: &Config) {
    store.insert(Identifications::default());
}

/// The live user holding identification `id` of `kind`.
fn owner(store: &Store, kind: Kind, id: &str) -> Option<u32> {
    let has = |user: u32| {
        let u = store.table::<Users>().user(user);
        match kind {
            Kind::Email => u.email_addresses.iter().any(|e| e.id == id),
            Kind::Phone => u.phone_numbers.iter().any(|p| p.id == id),
        }
    };
    let live = |user: u32| {
        store
            .table::<Users>()
            .find(&store.table::<Users>().id_of(user))
            .is_some()
    };
    let seeded = ksuid_index("idn_", store.seed(), kind.stream(), id)
        .and_then(|n| u32::try_from(n / 4).ok())
        .filter(|&u| u < store.table::<Users>().next_index() && live(u) && has(u));
    seeded.or_else(|| {
        store
            .table::<Identifications>()
            .added
            .get(id)
            .copied()
            .filter(|&u| live(u) && has(u))
    })
}

fn not_found(kind: Kind, id: String) -> ApiError {
    ApiError::NotFound {
        kind: match kind {
            Kind::Email => "email address",
            Kind::Phone => "phone number",
        },
        id,
    }
}

fn user_of(store: &Store, body: &JsonBody) -> ApiResult<u32> {
    let user_id = body.required_string("user_id")?;
    store.table::<Users>().existing(user_id)
}

fn taken(param: &'static str) -> ApiError {
    ApiError::Exists {
        code: "form_identifier_exists",
        param,
        status: StatusCode::UNPROCESSABLE_ENTITY,
    }
}

fn new_id(store: &mut Store, now: i64) -> String {
    let n = store.table::<Identifications>().next;
    store.table_mut::<Identifications>().next += 1;
    ksuid("idn_", store.seed(), Stream::IdentificationId, n, now)
}

fn verification(kind: Kind, verified: bool, at: i64) -> Verification {
    if verified {
        Verification::admin()
    } else {
        let strategy = match kind {
            Kind::Email => "email_code",
            Kind::Phone => "phone_code",
        };
        Verification::otp("unverified", strategy, Some(0), at)
    }
}

// ---- email addresses ---------------------------------------------------

const EMAIL_FIELDS: &[&str] = &[
    "user_id",
    "email_address",
    "verified",
    "primary",
    "notify_primary_email_address_changed",
];

fn email_of(store: &Store, id: String) -> ApiResult<(u32, EmailAddress)> {
    let user = owner(store, Kind::Email, &id).ok_or_else(|| not_found(Kind::Email, id.clone()))?;
    store
        .table::<Users>()
        .user(user)
        .email_addresses
        .into_iter()
        .find(|e| e.id == id)
        .map(|e| (user, e))
        .ok_or_else(|| not_found(Kind::Email, id))
}

async fn get_email(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<EmailAddress>> {
    email_of(&state.store(), id).map(|(_, e)| Json(e))
}

async fn create_email(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<EmailAddress>> {
    let body = JsonBody::parse(&body, EMAIL_FIELDS)?;
    let address = body.required_string("email_address")?.trim().to_lowercase();
    if !valid_email(&address) {
        return Err(ApiError::ParamFormat {
            param: "email_address",
            expected: "a valid email address",
        });
    }
    let verified = body.bool("verified")?.unwrap_or(false);
    let primary = body.bool("primary")?;
    body.bool("notify_primary_email_address_changed")?;
    let mut store = state.store_mut();
    let user = user_of(&store, &body)?;
    if holder_of(&store, Identifier::EmailAddress, &address).is_some() {
        return Err(taken("email_address"));
    }
    let now = store.tick();
    let id = new_id(&mut store, now);
    store
        .table_mut::<Identifications>()
        .added
        .insert(id.clone(), user);
    let email = EmailAddress {
        id: id.clone(),
        object: "email_address",
        email_address: address,
        reserved: false,
        verification: Some(verification(Kind::Email, verified, now)),
        linked_to: Vec::new(),
        matches_sso_connection: false,
        created_at: now,
        updated_at: now,
    };
    let u = store.table_mut::<Users>().edit(user);
    let first = u.email_addresses.is_empty();
    u.email_addresses.push(email.clone());
    if primary.unwrap_or(first) {
        u.primary_email_address_id = Some(id);
    }
    u.updated_at = now;
    Ok(Json(email))
}

async fn update_email(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<EmailAddress>> {
    let body = JsonBody::parse(&body, &EMAIL_FIELDS[2..])?;
    let verified = body.bool("verified")?;
    let primary = body.bool("primary")?;
    body.bool("notify_primary_email_address_changed")?;
    let mut store = state.store_mut();
    let (user, mut email) = email_of(&store, id.clone())?;
    let now = store.tick();
    if let Some(v) = verified {
        email.verification = Some(verification(Kind::Email, v, now));
    }
    email.updated_at = now;
    let u = store.table_mut::<Users>().edit(user);
    if primary == Some(true) {
        u.primary_email_address_id = Some(id.clone());
    }
    if let Some(slot) = u.email_addresses.iter_mut().find(|e| e.id == id) {
        *slot = email.clone();
    }
    u.updated_at = now;
    Ok(Json(email))
}

async fn delete_email(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (user, _) = email_of(&store, id.clone())?;
    let now = store.tick();
    let u = store.table_mut::<Users>().edit(user);
    u.email_addresses.retain(|e| e.id != id);
    if u.primary_email_address_id.as_deref() == Some(id.as_str()) {
        // The oldest remaining address becomes primary, as in Clerk.
        u.primary_email_address_id = u.email_addresses.first().map(|e| e.id.clone());
    }
    u.updated_at = now;
    Ok(Json(deleted("email_address", &id)))
}

// ---- phone numbers -----------------------------------------------------

const PHONE_FIELDS: &[&str] = &[
    "user_id",
    "phone_number",
    "verified",
    "primary",
    "reserved_for_second_factor",
];

fn phone_of(store: &Store, id: String) -> ApiResult<(u32, PhoneNumber)> {
    let user = owner(store, Kind::Phone, &id).ok_or_else(|| not_found(Kind::Phone, id.clone()))?;
    store
        .table::<Users>()
        .user(user)
        .phone_numbers
        .into_iter()
        .find(|p| p.id == id)
        .map(|p| (user, p))
        .ok_or_else(|| not_found(Kind::Phone, id))
}

async fn get_phone(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<PhoneNumber>> {
    phone_of(&state.store(), id).map(|(_, p)| Json(p))
}

fn valid_phone(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// A second factor must be verified (Clerk's rule).
fn second_factor(phone: &mut PhoneNumber, reserved: bool) -> ApiResult<()> {
    let verified = phone
        .verification
        .as_ref()
        .is_some_and(|v| v.status == "verified");
    if reserved && !verified {
        return Err(ApiError::Rejected {
            code: "phone_number_not_verified",
            long_message: "Only a verified phone number can be reserved for second factor.".into(),
        });
    }
    phone.reserved_for_second_factor = reserved;
    phone.default_second_factor = reserved;
    Ok(())
}

async fn create_phone(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<PhoneNumber>> {
    let body = JsonBody::parse(&body, PHONE_FIELDS)?;
    let number = body.required_string("phone_number")?.trim().to_owned();
    if !valid_phone(&number) {
        return Err(ApiError::ParamFormat {
            param: "phone_number",
            expected: "an E.164 phone number such as +15551234567",
        });
    }
    let verified = body.bool("verified")?.unwrap_or(false);
    let primary = body.bool("primary")?;
    let reserved = body.bool("reserved_for_second_factor")?.unwrap_or(false);
    let mut store = state.store_mut();
    let user = user_of(&store, &body)?;
    if holder_of(&store, Identifier::PhoneNumber, &number).is_some() {
        return Err(taken("phone_number"));
    }
    let now = store.tick();
    let mut phone = PhoneNumber {
        id: String::new(),
        object: "phone_number",
        phone_number: number,
        reserved_for_second_factor: false,
        default_second_factor: false,
        reserved: false,
        verification: Some(verification(Kind::Phone, verified, now)),
        linked_to: Vec::new(),
        backup_codes: None,
        created_at: now,
        updated_at: now,
    };
    second_factor(&mut phone, reserved)?;
    phone.id = new_id(&mut store, now);
    store
        .table_mut::<Identifications>()
        .added
        .insert(phone.id.clone(), user);
    let u = store.table_mut::<Users>().edit(user);
    let first = u.phone_numbers.is_empty();
    u.phone_numbers.push(phone.clone());
    if primary.unwrap_or(first) {
        u.primary_phone_number_id = Some(phone.id.clone());
    }
    u.updated_at = now;
    Ok(Json(phone))
}

async fn update_phone(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<PhoneNumber>> {
    let body = JsonBody::parse(&body, &PHONE_FIELDS[2..])?;
    let verified = body.bool("verified")?;
    let primary = body.bool("primary")?;
    let reserved = body.bool("reserved_for_second_factor")?;
    let mut store = state.store_mut();
    let (user, mut phone) = phone_of(&store, id.clone())?;
    let now = store.tick();
    if let Some(v) = verified {
        phone.verification = Some(verification(Kind::Phone, v, now));
    }
    if let Some(r) = reserved {
        second_factor(&mut phone, r)?;
    }
    phone.updated_at = now;
    let u = store.table_mut::<Users>().edit(user);
    if primary == Some(true) {
        u.primary_phone_number_id = Some(id.clone());
    }
    if let Some(slot) = u.phone_numbers.iter_mut().find(|p| p.id == id) {
        *slot = phone.clone();
    }
    u.updated_at = now;
    Ok(Json(phone))
}

async fn delete_phone(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (user, _) = phone_of(&store, id.clone())?;
    let now = store.tick();
    let u = store.table_mut::<Users>().edit(user);
    u.phone_numbers.retain(|p| p.id != id);
    if u.primary_phone_number_id.as_deref() == Some(id.as_str()) {
        u.primary_phone_number_id = u.phone_numbers.first().map(|p| p.id.clone());
    }
    u.updated_at = now;
    Ok(Json(deleted(Kind::Phone.object(), &id)))
}

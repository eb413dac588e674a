//! Users' write endpoints: `POST /v1/users`, `PATCH` and `DELETE
//! /v1/users/{user_id}`, ban/unban/lock/unlock, and `PATCH`/`PUT
//! /v1/users/{user_id}/metadata`. Written users live in the `Users` overlay;
//! lists, counts, filters and cursors read them from there.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{patch, post};
use axum::Json;
use axum::Router;
use serde_json::{json, Value};

use crate::resources::memberships::Memberships;
use crate::resources::organizations::Organizations;
use crate::resources::users::Users;
use crate::resources::users::{
    holder_of, EmailAddress, Identifier, PhoneNumber, User, Verification,
};
use crate::seed::Stream;
use crate::server::body::{metadata_objects, rfc3339_ms, JsonBody, MetadataWrite};
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{AppState, Store};

/// The write routes (merged with the reads of the same paths).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/users", post(create))
        .route("/v1/users/{user_id}", patch(update).delete(delete))
        .route("/v1/users/{user_id}/ban", post(ban))
        .route("/v1/users/{user_id}/unban", post(unban))
        .route("/v1/users/{user_id}/lock", post(lock))
        .route("/v1/users/{user_id}/unlock", post(unlock))
        .route(
            "/v1/users/{user_id}/metadata",
            patch(merge_metadata).put(replace_metadata),
        )
}

const CREATE_FIELDS: &[&str] = &[
    "external_id",
    "first_name",
    "last_name",
    "locale",
    "email_address",
    "email_address_identification_status",
    "phone_number",
    "phone_number_identification_status",
    "web3_wallet",
    "username",
    "password",
    "password_digest",
    "password_hasher",
    "skip_password_checks",
    "skip_password_requirement",
    "totp_secret",
    "backup_codes",
    "public_metadata",
    "private_metadata",
    "unsafe_metadata",
    "delete_self_enabled",
    "legal_accepted_at",
    "skip_legal_checks",
    "skip_user_requirement",
    "create_organization_enabled",
    "create_organizations_limit",
    "created_at",
    "bypass_client_trust",
    "banned",
    "locked",
];

const UPDATE_FIELDS: &[&str] = &[
    "external_id",
    "first_name",
    "last_name",
    "locale",
    "primary_email_address_id",
    "notify_primary_email_address_changed",
    "primary_phone_number_id",
    "primary_web3_wallet_id",
    "username",
    "profile_image_id",
    "password",
    "password_digest",
    "password_hasher",
    "skip_password_checks",
    "sign_out_of_other_sessions",
    "totp_secret",
    "backup_codes",
    "delete_self_enabled",
    "create_organization_enabled",
    "legal_accepted_at",
    "skip_legal_checks",
    "create_organizations_limit",
    "created_at",
    "bypass_client_trust",
];

const METADATA_FIELDS: [&str; 3] = ["public_metadata", "private_metadata", "unsafe_metadata"];

fn not_found(id: String) -> ApiError {
    ApiError::NotFound { kind: "user", id }
}

fn taken(param: &'static str) -> ApiError {
    ApiError::Exists {
        code: "form_identifier_exists",
        param,
        status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Reject an identifier another live user holds.
fn ensure_free(
    store: &Store,
    kind: Identifier,
    param: &'static str,
    value: &str,
    owner: Option<u32>,
) -> ApiResult<()> {
    match holder_of(store, kind, value) {
        Some(holder) if Some(holder) != owner => Err(taken(param)),
        _ => Ok(()),
    }
}

pub async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<User>> {
    let body = JsonBody::parse(&body, CREATE_FIELDS)?;
    let emails = body.strings("email_address")?;
    let phones = body.strings("phone_number")?;
    let username = body.string("username")?;
    let created_at = body
        .string("created_at")?
        .map(|s| rfc3339_ms("created_at", &s))
        .transpose()?;
    let legal_accepted_at = body
        .string("legal_accepted_at")?
        .map(|s| rfc3339_ms("legal_accepted_at", &s))
        .transpose()?;
    let metadata = |name| {
        body.object(name)
            .map(|m| Value::Object(m.unwrap_or_default()))
    };
    let (public_metadata, private_metadata, unsafe_metadata) = (
        metadata("public_metadata")?,
        metadata("private_metadata")?,
        metadata("unsafe_metadata")?,
    );
    let password_enabled =
        body.string("password")?.is_some() || body.string("password_digest")?.is_some();
    let totp_enabled = body.string("totp_secret")?.is_some();
    let backup_codes = !body.strings("backup_codes")?.is_empty();
    let banned = body.bool("banned")?.unwrap_or(false);
    let locked = body.bool("locked")?.unwrap_or(false);

    let mut store = state.store_mut();
    for email in &emails {
        if !email.contains('@') {
            return Err(ApiError::ParamValue {
                param: "email_address",
                reason: "must be a valid email address".into(),
            });
        }
        ensure_free(
            &store,
            Identifier::EmailAddress,
            "email_address",
            email,
            None,
        )?;
    }
    for phone in &phones {
        ensure_free(&store, Identifier::PhoneNumber, "phone_number", phone, None)?;
    }
    if let Some(username) = &username {
        ensure_free(&store, Identifier::Username, "username", username, None)?;
    }
    let now = store.tick();
    let created_at = created_at.unwrap_or(now);
    let index = store.table::<Users>().next_index();
    let id = store.table::<Users>().new_id(index, created_at);
    let email_addresses: Vec<EmailAddress> = emails
        .into_iter()
        .enumerate()
        .map(|(slot, address)| EmailAddress {
            id: store.table::<Users>().new_identification_id(
                Stream::EmailId,
                index,
                slot as u64,
                created_at,
            ),
            object: "email_address",
            email_address: address,
            reserved: false,
            verification: Some(Verification::admin()),
            linked_to: Vec::new(),
            matches_sso_connection: false,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let phone_numbers: Vec<PhoneNumber> = phones
        .into_iter()
        .enumerate()
        .map(|(slot, number)| PhoneNumber {
            id: store.table::<Users>().new_identification_id(
                Stream::PhoneId,
                index,
                slot as u64,
                created_at,
            ),
            object: "phone_number",
            phone_number: number,
            reserved_for_second_factor: false,
            default_second_factor: false,
            reserved: false,
            verification: Some(Verification::admin()),
            linked_to: Vec::new(),
            backup_codes: None,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let image_url = format!("https://img.clerk.com/default/{id}.png");
    let user = User {
        object: "user",
        external_id: body.string("external_id")?,
        primary_email_address_id: email_addresses.first().map(|e| e.id.clone()),
        primary_phone_number_id: phone_numbers.first().map(|p| p.id.clone()),
        primary_web3_wallet_id: None,
        username,
        first_name: body.string("first_name")?,
        last_name: body.string("last_name")?,
        locale: body.string("locale")?,
        profile_image_url: image_url.clone(),
        image_url,
        has_image: false,
        public_metadata,
        private_metadata: Some(private_metadata),
        unsafe_metadata,
        email_addresses,
        phone_numbers,
        web3_wallets: Vec::new(),
        passkeys: Vec::new(),
        password_enabled,
        two_factor_enabled: totp_enabled || backup_codes,
        totp_enabled,
        backup_code_enabled: backup_codes,
        mfa_enabled_at: (totp_enabled || backup_codes).then_some(now),
        mfa_disabled_at: None,
        password_last_updated_at: password_enabled.then_some(now),
        external_accounts: Vec::new(),
        saml_accounts: Vec::new(),
        enterprise_accounts: Vec::new(),
        last_sign_in_at: None,
        banned,
        locked,
        deprovisioned: false,
        lockout_expires_in_seconds: locked.then_some(LOCKOUT_SECONDS),
        verification_attempts_remaining: Some(if locked { 0 } else { 100 }),
        updated_at: now,
        created_at,
        delete_self_enabled: body.bool("delete_self_enabled")?.unwrap_or(true),
        create_organization_enabled: body.bool("create_organization_enabled")?.unwrap_or(true),
        create_organizations_limit: body.int("create_organizations_limit")?,
        last_active_at: None,
        legal_accepted_at,
        bypass_client_trust: body.bool("bypass_client_trust")?.unwrap_or(false),
        id,
    };
    if created_at != now {
        store.table_mut::<Users>().break_natural_order();
    }
    store.table_mut::<Users>().insert_created(user.clone());
    Ok(Json(user))
}

/// How long a lock lasts (Clerk's default lockout duration).
const LOCKOUT_SECONDS: i64 = 3600;

pub async fn update(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<User>> {
    let body = JsonBody::parse(&body, UPDATE_FIELDS)?;
    let mut store = state.store_mut();
    let index = store
        .table::<Users>()
        .find(&user_id)
        .ok_or_else(|| not_found(user_id))?;
    let current = store.table::<Users>().user(index);
    let username = body.nullable_string("username")?;
    if let Some(Some(name)) = &username {
        ensure_free(&store, Identifier::Username, "username", name, Some(index))?;
    }
    let primary_email = body.string("primary_email_address_id")?;
    if let Some(id) = &primary_email {
        if !current.email_addresses.iter().any(|e| &e.id == id) {
            return Err(ApiError::ParamValue {
                param: "primary_email_address_id",
                reason: "must be one of the user's email addresses".into(),
            });
        }
    }
    let primary_phone = body.string("primary_phone_number_id")?;
    if let Some(id) = &primary_phone {
        if !current.phone_numbers.iter().any(|p| &p.id == id) {
            return Err(ApiError::ParamValue {
                param: "primary_phone_number_id",
                reason: "must be one of the user's phone numbers".into(),
            });
        }
    }
    let created_at = body
        .string("created_at")?
        .map(|s| rfc3339_ms("created_at", &s))
        .transpose()?;
    let legal_accepted_at = body
        .string("legal_accepted_at")?
        .map(|s| rfc3339_ms("legal_accepted_at", &s))
        .transpose()?;
    let now = store.tick();
    if created_at.is_some() {
        store.table_mut::<Users>().break_natural_order();
    }
    let user = store.table_mut::<Users>().edit(index);
    if let Some(v) = body.nullable_string("external_id")? {
        user.external_id = v;
    }
    if let Some(v) = body.nullable_string("first_name")? {
        user.first_name = v;
    }
    if let Some(v) = body.nullable_string("last_name")? {
        user.last_name = v;
    }
    if let Some(v) = body.nullable_string("locale")? {
        user.locale = v;
    }
    if let Some(v) = username {
        user.username = v;
    }
    if primary_email.is_some() {
        user.primary_email_address_id = primary_email;
    }
    if primary_phone.is_some() {
        user.primary_phone_number_id = primary_phone;
    }
    if body.string("password")?.is_some() || body.string("password_digest")?.is_some() {
        user.password_enabled = true;
        user.password_last_updated_at = Some(now);
    }
    if body.string("totp_secret")?.is_some() {
        user.totp_enabled = true;
        user.two_factor_enabled = true;
        user.mfa_enabled_at = Some(now);
    }
    if !body.strings("backup_codes")?.is_empty() {
        user.backup_code_enabled = true;
        user.two_factor_enabled = true;
    }
    if let Some(v) = body.bool("delete_self_enabled")? {
        user.delete_self_enabled = v;
    }
    if let Some(v) = body.bool("create_organization_enabled")? {
        user.create_organization_enabled = v;
    }
    if body.has("create_organizations_limit") {
        user.create_organizations_limit = body.int("create_organizations_limit")?;
    }
    if let Some(v) = body.bool("bypass_client_trust")? {
        user.bypass_client_trust = v;
    }
    if let Some(v) = legal_accepted_at {
        user.legal_accepted_at = Some(v);
    }
    if let Some(v) = created_at {
        user.created_at = v;
    }
    user.updated_at = now;
    Ok(Json(user.clone()))
}

pub async fn delete(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let index = store
        .table::<Users>()
        .find(&user_id)
        .ok_or_else(|| not_found(user_id.clone()))?;
    crate::resources::sessions::remove_user(&mut store, index);
    for org in store.table_mut::<Memberships>().remove_user(index) {
        let count = store.table::<Memberships>().members_count(org);
        store
            .table_mut::<Organizations>()
            .set_members_count(org, count);
    }
    store.table_mut::<Users>().delete(index);
    Ok(Json(
        json!({ "object": "user", "id": user_id, "deleted": true }),
    ))
}

/// Apply `change` to a user, stamping `updated_at`.
fn modify(
    state: &AppState,
    user_id: String,
    change: impl FnOnce(&mut User),
) -> ApiResult<Json<User>> {
    let mut store = state.store_mut();
    let index = store
        .table::<Users>()
        .find(&user_id)
        .ok_or_else(|| not_found(user_id))?;
    let now = store.tick();
    let user = store.table_mut::<Users>().edit(index);
    change(user);
    user.updated_at = now;
    Ok(Json(user.clone()))
}

pub async fn ban(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> ApiResult<Json<User>> {
    modify(&state, user_id, |u| u.banned = true)
}

pub async fn unban(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> ApiResult<Json<User>> {
    modify(&state, user_id, |u| u.banned = false)
}

pub async fn lock(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> ApiResult<Json<User>> {
    modify(&state, user_id, |u| {
        u.locked = true;
        u.lockout_expires_in_seconds = Some(LOCKOUT_SECONDS);
        u.verification_attempts_remaining = Some(0);
    })
}

pub async fn unlock(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> ApiResult<Json<User>> {
    modify(&state, user_id, |u| {
        u.locked = false;
        u.lockout_expires_in_seconds = None;
        u.verification_attempts_remaining = Some(100);
    })
}

/// `PATCH /users/{id}/metadata`: deep merge, a `null` value deletes a key.
pub async fn merge_metadata(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<User>> {
    write_metadata(&state, user_id, &body, MetadataWrite::Merge)
}

/// `PUT /users/{id}/metadata`: each given top-level field is replaced.
pub async fn replace_metadata(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<User>> {
    write_metadata(&state, user_id, &body, MetadataWrite::Replace)
}

fn write_metadata(
    state: &AppState,
    user_id: String,
    body: &[u8],
    how: MetadataWrite,
) -> ApiResult<Json<User>> {
    let [public, private, unsafe_] = metadata_objects(body, &METADATA_FIELDS)?;
    modify(state, user_id, |u| {
        how.apply(&mut u.public_metadata, public);
        if private.is_some() {
            how.apply(u.private_metadata.get_or_insert_with(|| json!({})), private);
        }
        how.apply(&mut u.unsafe_metadata, unsafe_);
    })
}

//! OAuth access tokens: `GET /v1/users/{user_id}/oauth_access_tokens/{provider}`
//! (schema `OAuthAccessToken`, a bare array; `paginated=true` gives
//! `{data,total_count}`, as the JS SDK asks for).
//!
//! One token per external account of the user with that provider
//! (`oauth_google`, `oauth_github`, `oauth_microsoft`), in the user's
//! `external_accounts` order; a provider the user has no account with gives
//! an empty list. Tokens are derived from the account: Google and Microsoft
//! ones (OIDC) carry an `id_token` and expire an hour after the emulator's
//! "now" (Clerk refreshes them transparently); GitHub ones never expire
//! (`expires_at: null`). Scopes are the account's approved scopes.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use crate::coverage::{op, Operation, PagedList, Status::Served};
use crate::engine::collection;
use crate::engine::params::QueryParams;
use crate::resources::users::ExternalAccount;
use crate::resources::users::Users;
use crate::seed::{mix, splitmix, Stream, NOW_MS};
use crate::server::error::ApiResult;
use crate::server::state::{AppState, Seeding};

const TOKEN_LIFETIME_MS: i64 = 3_600_000;
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/v1/users/{user_id}/oauth_access_tokens/{provider}",
        get(list),
    )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[op(
    "GET",
    "/users/{user_id}/oauth_access_tokens/{provider}",
    Served,
)];

/// None of the lists `routes` serves is walked by the paging property.
pub const PAGED_LISTS: &[PagedList] = &[];

/// No table of its own to seed.
pub const SEEDING: Option<Seeding> = None;

/// `n` URL-safe characters drawn from the words of `word`.
fn chars(word: impl Fn(u64) -> u64, n: usize, alphabet: &[u8]) -> String {
    (0..n)
        .map(|i| {
            let w = word(i as u64 / 8) >> ((i % 8) * 8);
            alphabet[(w as u8 as usize) % alphabet.len()] as char
        })
        .collect()
}

/// Unpadded base64url (the encoding of a JWT's parts).
pub(crate) fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
    out
}

/// An OIDC ID token for the account: a JWT whose claims name it (the
/// signature is random bytes: nothing verifies it).
fn id_token(account: &ExternalAccount, issuer: &str, word: &dyn Fn(u64) -> u64) -> String {
    let now_s = NOW_MS / 1000;
    let header = json!({ "alg": "RS256", "kid": format!("{:016x}", word(90)), "typ": "JWT" });
    let claims = json!({
        "iss": issuer,
        "sub": account.provider_user_id,
        "aud": format!("{:012}.apps.emulator", word(91) % 1_000_000_000_000),
        "email": account.email_address,
        "email_verified": account.email_address_verified.unwrap_or(false),
        "iat": now_s,
        "exp": now_s + TOKEN_LIFETIME_MS / 1000,
    });
    let signature: Vec<u8> = (0..32)
        .map(|i| (word(100 + i / 8) >> (i % 8 * 8)) as u8)
        .collect();
    format!(
        "{}.{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes()),
        base64url(&signature)
    )
}

/// The `OAuthAccessToken` item of one external account.
fn token(seed: u64, account: &ExternalAccount) -> Value {
    let key = account
        .id
        .bytes()
        .fold(0u64, |h, b| splitmix(h ^ u64::from(b)));
    let word = move |salt: u64| mix(seed, Stream::OAuthToken, key, salt);
    let (token, issuer) = match account.provider.as_str() {
        "oauth_google" => (
            format!("ya29.a0{}", chars(word, 150, ALPHABET)),
            Some("https://accounts.google.com"),
        ),
        "oauth_microsoft" => (
            format!("EwB{}", chars(word, 180, ALPHABET)),
            Some("https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"),
        ),
        _ => (format!("gho_{}", chars(word, 36, &ALPHABET[..62])), None),
    };
    let mut out = json!({
        "object": "oauth_access_token",
        "external_account_id": account.id,
        "provider_user_id": account.provider_user_id,
        "token": token,
        "expires_at": issuer.map(|_| NOW_MS + TOKEN_LIFETIME_MS),
        "provider": account.provider,
        "public_metadata": account.public_metadata,
        "label": account.label,
        "scopes": account.approved_scopes.split_whitespace().collect::<Vec<_>>(),
    });
    if let Some(issuer) = issuer {
        out["id_token"] = json!(id_token(account, issuer, &word));
    }
    out
}

async fn list(
    State(state): State<AppState>,
    Path((user_id, provider)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let paginated = q.bool("paginated")?.unwrap_or(false);
    let store = state.store();
    let index = store.table::<Users>().existing(user_id)?;
    let tokens: Vec<Value> = store
        .table::<Users>()
        .user(index)
        .external_accounts
        .iter()
        .filter(|a| a.provider == provider)
        .map(|a| token(store.seed(), a))
        .collect();
    Ok(collection::respond(
        collection::list_held(tokens, None, paging),
        paginated,
    ))
}

#[cfg(test)]
mod tests {
    use super::base64url;

    #[test]
    fn base64url_matches_rfc_4648_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}

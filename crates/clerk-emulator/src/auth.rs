//! Bearer authentication of `/v1`: `Authorization: Bearer <secret key>`.
//! Failures are Clerk's 401s; the presented key is never echoed or logged.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Check the `Authorization` header against the instance's secret key.
pub fn authenticate(headers: &HeaderMap, secret_key: &str) -> ApiResult<()> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::MissingAuthentication)?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::AuthorizationHeaderFormat)?;
    let (scheme, key) = value
        .split_once(' ')
        .ok_or(ApiError::AuthorizationHeaderFormat)?;
    if !scheme.eq_ignore_ascii_case("bearer") || key.trim().is_empty() {
        return Err(ApiError::AuthorizationHeaderFormat);
    }
    if constant_time_eq(key.trim().as_bytes(), secret_key.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::InvalidSecretKey)
    }
}

/// Compare without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Every dated Backend API version Clerk has published (ENDPOINTS.md 1.2).
pub const API_VERSIONS: &[&str] = &[
    "2021-02-05",
    "2024-10-01",
    "2025-03-12",
    "2025-04-10",
    "2025-11-10",
    "2026-05-12",
];
pub const API_VERSION_HEADER: &str = "clerk-api-version";
pub const API_VERSION_PARAM: &str = "__clerk_api_version";

/// The version a request pins, by header or query parameter, never both;
/// an unknown version is invalid. Neither is accepted (Clerk's docs do not
/// say which version applies then).
pub fn api_version(headers: &HeaderMap, query: Option<&str>) -> ApiResult<Option<String>> {
    let header = headers
        .get(API_VERSION_HEADER)
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::ApiVersion {
                    reason: "The Clerk-API-Version header is not valid text.".into(),
                })
        })
        .transpose()?;
    let param = crate::params::QueryParams::parse(query)
        .first(API_VERSION_PARAM)
        .map(str::to_owned);
    let version = match (header, param) {
        (Some(_), Some(_)) => {
            return Err(ApiError::ApiVersion {
                reason: "Set the API version with either the Clerk-API-Version header or the __clerk_api_version query parameter, not both.".into(),
            })
        }
        (Some(v), None) | (None, Some(v)) => v,
        (None, None) => return Ok(None),
    };
    if API_VERSIONS.contains(&version.trim()) {
        Ok(Some(version))
    } else {
        Err(ApiError::ApiVersion {
            reason: format!(
                "API version {version:?} is not supported; use one of {}.",
                API_VERSIONS.join(", ")
            ),
        })
    }
}

/// Route layer for `/v1` routes: the API version check (after auth).
pub async fn require_valid_version(req: Request, next: Next) -> Response {
    match api_version(req.headers(), req.uri().query()) {
        Ok(_) => next.run(req).await,
        Err(error) => error.into_response(),
    }
}

/// Route layer for `/v1` routes.
pub async fn require_secret_key(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    match authenticate(req.headers(), state.secret_key()) {
        Ok(()) => next.run(req).await,
        // `/m2m_tokens` also takes a machine's secret key (ENDPOINTS.md 1.1).
        Err(ApiError::InvalidSecretKey)
            if req.uri().path() == "/v1/m2m_tokens" && presents_machine_key(&state, &req) =>
        {
            next.run(req).await
        }
        Err(error) => error.into_response(),
    }
}

fn presents_machine_key(state: &AppState, req: &Request) -> bool {
    let key = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map(|(_, k)| k.trim());
    key.is_some_and(|k| crate::machines::is_machine_key(&state.store(), k))
}

#[cfg(test)]
mod auth_tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: Option<&'static str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = value {
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn distinguishes_missing_malformed_and_wrong_keys() {
        assert_eq!(
            authenticate(&headers(None), "sk_test_x"),
            Err(ApiError::MissingAuthentication)
        );
        assert_eq!(
            authenticate(&headers(Some("sk_test_x")), "sk_test_x"),
            Err(ApiError::AuthorizationHeaderFormat)
        );
        assert_eq!(
            authenticate(&headers(Some("Basic sk_test_x")), "sk_test_x"),
            Err(ApiError::AuthorizationHeaderFormat)
        );
        assert_eq!(
            authenticate(&headers(Some("Bearer ")), "sk_test_x"),
            Err(ApiError::AuthorizationHeaderFormat)
        );
        assert_eq!(
            authenticate(&headers(Some("Bearer sk_test_y")), "sk_test_x"),
            Err(ApiError::InvalidSecretKey)
        );
        assert_eq!(
            authenticate(&headers(Some("Bearer sk_test_xx")), "sk_test_x"),
            Err(ApiError::InvalidSecretKey)
        );
        assert_eq!(
            authenticate(&headers(Some("Bearer sk_test_x")), "sk_test_x"),
            Ok(())
        );
        assert_eq!(
            authenticate(&headers(Some("bearer sk_test_x")), "sk_test_x"),
            Ok(())
        );
    }
}

//! Bearer authentication of `/v1`: `Authorization: Bearer <secret key>`.
//! Failures are Clerk's 401s; the presented key is never echoed or logged.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::error::{ApiError, ApiResult};
use crate::server::state::AppState;

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
    key.is_some_and(|k| state.accepts_machine_key(k))
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

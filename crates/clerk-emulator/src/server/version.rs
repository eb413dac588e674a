//! The API version pin of `/v1` requests (ENDPOINTS.md 1.2): a
//! `Clerk-API-Version` header or a `__clerk_api_version` query parameter,
//! never both, naming one of Clerk's published versions; neither is fine.

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::engine::params::QueryParams;
use crate::server::error::{ApiError, ApiResult};

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
    let param = QueryParams::parse(query)
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

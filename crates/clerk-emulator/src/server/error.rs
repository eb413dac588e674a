//! The one error type of the emulator and its rendering as Clerk's
//! `ClerkErrors` body: `{"errors":[{code,message,long_message,meta}],
//! "meta":{},"clerk_trace_id":"..."}`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::seed::splitmix;

/// What went wrong with a request, in the vocabulary of Clerk's error index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No `Authorization` header at all (401 `authentication_invalid`).
    MissingAuthentication,
    /// An `Authorization` header that is not `Bearer <key>`
    /// (401 `authorization_header_format_invalid`).
    AuthorizationHeaderFormat,
    /// A bearer key that is not the instance's secret key (401 `clerk_key_invalid`).
    /// Deliberately carries no copy of the presented key.
    InvalidSecretKey,
    /// A query parameter that is not of the declared type (422 `form_param_format_invalid`).
    ParamFormat {
        param: &'static str,
        expected: &'static str,
    },
    /// A query parameter of the right type but an unaccepted value (422 `form_param_value_invalid`).
    ParamValue { param: &'static str, reason: String },
    /// An object that does not exist (404 `resource_not_found`).
    NotFound { kind: &'static str, id: String },
    /// A path the emulator has no route for (404 `resource_not_found`).
    UnknownRoute,
    /// A known path with a method it does not take (405).
    MethodNotAllowed,
    /// The instance's rate limit is exhausted (429 `too_many_requests`).
    TooManyRequests,
    /// An injected (or genuine) server failure (500 `internal_clerk_error`).
    Internal,
    /// A required body field is absent (422 `form_param_missing`).
    ParamMissing { param: &'static str },
    /// The request body is not the JSON object the operation takes
    /// (400 `request_body_invalid`).
    BodyInvalid { reason: String },
    /// An identifier or key already taken (422 `form_identifier_exists`,
    /// or 400 `duplicate_record` for allow/block-list identifiers).
    Exists {
        code: &'static str,
        param: &'static str,
        status: StatusCode,
    },
    /// A body field the operation does not declare (422 `form_param_unknown`).
    ParamUnknown { param: String },
    /// A `Clerk-API-Version` that is unknown or sent twice (400).
    ApiVersion { reason: String },
    /// A request the resource's state forbids (400 with a specific code).
    Rejected {
        code: &'static str,
        long_message: String,
    },
    /// A request that conflicts with the resource's current state (409).
    Conflict {
        code: &'static str,
        long_message: String,
    },
    /// A request the caller or the instance is not allowed to make (403,
    /// e.g. `organization_membership_quota_exceeded`).
    Forbidden {
        code: &'static str,
        long_message: String,
    },
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingAuthentication
            | Self::AuthorizationHeaderFormat
            | Self::InvalidSecretKey => StatusCode::UNAUTHORIZED,
            Self::ParamFormat { .. } | Self::ParamValue { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound { .. } | Self::UnknownRoute => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ParamMissing { .. } | Self::ParamUnknown { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::ApiVersion { .. } => StatusCode::BAD_REQUEST,
            Self::BodyInvalid { .. } | Self::Rejected { .. } => StatusCode::BAD_REQUEST,
            Self::Exists { status, .. } => *status,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::Conflict { .. } => StatusCode::CONFLICT,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAuthentication => "authentication_invalid",
            Self::AuthorizationHeaderFormat => "authorization_header_format_invalid",
            Self::InvalidSecretKey => "clerk_key_invalid",
            Self::ParamFormat { .. } => "form_param_format_invalid",
            Self::ParamValue { .. } => "form_param_value_invalid",
            Self::NotFound { .. } | Self::UnknownRoute => "resource_not_found",
            Self::MethodNotAllowed => "request_method_invalid",
            Self::TooManyRequests => "too_many_requests",
            Self::Internal => "internal_clerk_error",
            Self::ParamMissing { .. } => "form_param_missing",
            Self::ParamUnknown { .. } => "form_param_unknown",
            Self::ApiVersion { .. } => "api_version_invalid",
            Self::BodyInvalid { .. } => "request_body_invalid",
            Self::Exists { code, .. }
            | Self::Rejected { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Conflict { code, .. } => code,
        }
    }

    fn messages(&self) -> (String, String) {
        match self {
            Self::MissingAuthentication => (
                "Invalid authentication".into(),
                "Unable to authenticate the request, you need to supply an active API key in the \
                 Authorization header"
                    .into(),
            ),
            Self::AuthorizationHeaderFormat => (
                "Invalid Authorization header format".into(),
                "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'".into(),
            ),
            Self::InvalidSecretKey => (
                "Secret Key is invalid".into(),
                "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct."
                    .into(),
            ),
            Self::ParamFormat { param, expected } => {
                ("is invalid".into(), format!("{param} must be {expected}"))
            }
            Self::ParamValue { param, reason } => ("is invalid".into(), format!("{param} {reason}")),
            Self::NotFound { kind, id } => ("not found".into(), format!("No {kind} was found with id {id}")),
            Self::UnknownRoute => ("not found".into(), "The requested resource was not found".into()),
            Self::MethodNotAllowed => (
                "method not allowed".into(),
                "The request method is not supported for this resource".into(),
            ),
            Self::TooManyRequests => {
                ("Too many requests".into(), "Too many requests, please try again later.".into())
            }
            Self::Internal => ("Oops, an unexpected error occurred".into(), "There was an internal error on our servers. We've been notified and are working on fixing it.".into()),
            Self::ParamMissing { param } => ("missing required parameter".into(), format!("{param} must be included.")),
            Self::BodyInvalid { reason } => ("Request body invalid".into(), format!("The request body is invalid: {reason}")),
            Self::Exists { param, .. } => ("That identifier is taken".into(), format!("{param} is already taken. Please try another one.")),
            Self::Rejected { long_message, .. } => ("Request rejected".into(), long_message.clone()),
            Self::Forbidden { long_message, .. } => ("Forbidden".into(), long_message.clone()),
            Self::Conflict { long_message, .. } => ("Conflict".into(), long_message.clone()),
            Self::ParamUnknown { param } => ("is unknown".into(), format!("{param} is not a valid parameter for this request.")),
            Self::ApiVersion { reason } => ("Invalid API version".into(), reason.clone()),
        }
    }

    fn meta(&self) -> Map<String, Value> {
        let mut meta = Map::new();
        if let Self::ParamFormat { param, .. }
        | Self::ParamValue { param, .. }
        | Self::ParamMissing { param }
        | Self::Exists { param, .. } = self
        {
            meta.insert("param_name".into(), Value::String((*param).into()));
        }
        if let Self::ParamUnknown { param } = self {
            meta.insert("param_name".into(), Value::String(param.clone()));
        }
        meta
    }

    /// The `ClerkErrors` body for this error.
    pub fn body(&self) -> Value {
        let (message, long_message) = self.messages();
        json!({
            "errors": [{
                "code": self.code(),
                "message": message,
                "long_message": long_message,
                "meta": self.meta(),
            }],
            "meta": {},
            "clerk_trace_id": next_trace_id(),
        })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (_, long_message) = self.messages();
        write!(
            f,
            "{} {}: {long_message}",
            self.status().as_u16(),
            self.code()
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if matches!(
            self,
            Self::MissingAuthentication | Self::AuthorizationHeaderFormat | Self::InvalidSecretKey
        ) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Trace ids look like Clerk's (32 hex digits) and are unique per process.
fn next_trace_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}{:016x}", splitmix(n), splitmix(!n))
}

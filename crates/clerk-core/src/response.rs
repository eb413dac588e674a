//! HTTP status handling: Clerk's error body to typed errors, 404 semantics,
//! and the 429 retry policy (honouring `Retry-After`, capped).

use serde::Deserialize;

use crate::error::{excerpt, CoreError, CoreResult};
use crate::time::parse_http_date;

/// What kind of request a response answers (404 means different things).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    List,
    GetById,
}

/// What the guest should do with a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: decode the body.
    Body,
    /// 404 on a get-by-id: the row does not exist.
    NoRow,
    /// 429: wait and retry; carries the raw `Retry-After` header if any.
    RateLimited { retry_after: Option<String> },
}

#[derive(Debug, Deserialize)]
struct ClerkErrors {
    errors: Vec<ClerkErrorItem>,
    #[serde(default)]
    clerk_trace_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ClerkErrorItem {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    long_message: Option<String>,
}

/// Classifies a response by status. Error statuses become typed errors,
/// using Clerk's error body when there is one.
pub fn classify(
    kind: RequestKind,
    status: u16,
    headers: &[(String, String)],
    body: &str,
) -> CoreResult<Outcome> {
    match status {
        200..=299 => Ok(Outcome::Body),
        404 if kind == RequestKind::GetById => Ok(Outcome::NoRow),
        429 => Ok(Outcome::RateLimited { retry_after: header(headers, "retry-after").map(str::to_string) }),
        _ => Err(status_error(kind, status, body)),
    }
}

/// The typed error for an error status (also used when retries run out).
pub fn status_error(kind: RequestKind, status: u16, body: &str) -> CoreError {
    let list_request = kind == RequestKind::List;
    match serde_json::from_str::<ClerkErrors>(body) {
        Ok(parsed) if !parsed.errors.is_empty() => {
            let first = &parsed.errors[0];
            let message = first
                .long_message
                .as_deref()
                .filter(|m| !m.is_empty())
                .unwrap_or(&first.message);
            CoreError::Api {
                status,
                code: first.code.clone(),
                message: excerpt(message),
                trace_id: parsed.clerk_trace_id.filter(|t| !t.is_empty()),
                list_request,
            }
        }
        _ => CoreError::HttpStatus { status, excerpt: excerpt(body), list_request },
    }
}

/// First value of a header, by case-insensitive name.
pub fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Caps on 429 retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// Total waiting allowed across retries of one request.
    pub max_total_wait_ms: u64,
    /// Wait when the 429 carries no usable `Retry-After` (doubles each time).
    pub default_wait_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 5, max_total_wait_ms: 60_000, default_wait_ms: 1_000 }
    }
}

/// Retry bookkeeping for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryState {
    policy: RetryPolicy,
    retries: u32,
    waited_ms: u64,
}

impl RetryState {
    pub fn new(policy: RetryPolicy) -> Self {
        RetryState { policy, retries: 0, waited_ms: 0 }
    }

    /// After a 429: how long to sleep before retrying, or the error to
    /// return when the caps are reached. `now_secs` is the host's clock
    /// (only needed for an HTTP-date `Retry-After`).
    pub fn next_wait(&mut self, retry_after: Option<&str>, now_secs: i64) -> CoreResult<u64> {
        let exhausted = || CoreError::RateLimited {
            retries: self.retries,
            waited_secs: self.waited_ms / 1000,
        };
        if self.retries >= self.policy.max_retries {
            return Err(exhausted());
        }
        let wait = retry_after
            .and_then(|v| parse_retry_after_ms(v, now_secs))
            .unwrap_or_else(|| {
                self.policy.default_wait_ms.saturating_mul(1u64 << self.retries.min(16))
            });
        let total = self.waited_ms.saturating_add(wait);
        if total > self.policy.max_total_wait_ms {
            return Err(exhausted());
        }
        self.retries += 1;
        self.waited_ms = total;
        Ok(wait)
    }
}

/// `Retry-After` as milliseconds: delay-seconds or an HTTP-date.
pub fn parse_retry_after_ms(value: &str, now_secs: i64) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs.saturating_mul(1000));
    }
    let at = parse_http_date(value)?;
    let delta = at.saturating_sub(now_secs).max(0);
    u64::try_from(delta).ok().map(|d| d.saturating_mul(1000))
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;

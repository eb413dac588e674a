//! The three response envelopes of Clerk's list endpoints (ENDPOINTS.md
//! §1.5): a bare JSON array, `{"data":[...],"total_count":N}`, and the
//! `{"object":"total_count","total_count":N}` of the count endpoints.

use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

/// `[...]`: users, invitations, allowlist, sessions, ... (no total).
pub fn bare_array<T: Serialize>(items: Vec<T>) -> Json<Vec<T>> {
    Json(items)
}

/// `{"data":[...],"total_count":N}` where N counts every match, not the page.
pub fn data_total<T: Serialize>(items: Vec<T>, total: usize) -> Json<Value> {
    Json(json!({ "data": items, "total_count": total }))
}

/// `{"object":"total_count","total_count":N}` (the `TotalCount` schema).
pub fn total_count(total: usize) -> Json<Value> {
    Json(json!({ "object": "total_count", "total_count": total }))
}

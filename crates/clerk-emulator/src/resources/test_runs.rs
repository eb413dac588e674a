//! Enterprise connection test runs: `GET
//! /v1/enterprise_connections/{enterprise_connection_id}/test_runs`
//! (`{data,total_count}` of `EnterpriseConnectionTestRun`, newest first,
//! limit/offset, `status` repeatable among `pending`, `success`, `failed`).
//!
//! Seeded enterprise connection `k` was tested `2 + k % 3` times (2, 3, 4,
//! 2, …), spread between its creation and the emulator's "now". Oldest
//! first, runs alternate `success`, `failed`, `success`; the fourth run of
//! a connection with four (`k % 3 == 2`) is still `pending`. A successful
//! run parsed the organization's first member (their email, names and user
//! id; a made-up address when the organization has no member), a failed one
//! logs a signature error; the `saml` part holds the AuthnRequest and, once
//! answered, the response. Runs follow the connection's current kind
//! (`saml` while it has a SAML connection, else `oauth`). Connections
//! created through the API have no runs; a deleted or unknown connection is
//! a 404.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use crate::coverage::{op, Operation, PagedList, Status::Served};
use crate::engine::collection;
use crate::engine::params::QueryParams;
use crate::resources::memberships::Memberships;
use crate::resources::organizations::Organizations;
use crate::resources::sso_connections::SsoConnections;
use crate::resources::users::Users;
use crate::seed::{ksuid, mix, Stream, NOW_MS};
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{AppState, Seeding, Store};

const STATUSES: &[&str] = &["pending", "success", "failed"];
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/v1/enterprise_connections/{enterprise_connection_id}/test_runs",
        get(list),
    )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[op(
    "GET",
    "/enterprise_connections/{enterprise_connection_id}/test_runs",
    Served,
)];

/// None of the lists `routes` serves is walked by the paging property.
pub const PAGED_LISTS: &[PagedList] = &[];

/// No table of its own to seed.
pub const SEEDING: Option<Seeding> = None;

/// How many times seeded enterprise connection `k` was tested.
pub fn runs_of(k: u32) -> u32 {
    2 + k % 3
}

/// The status of run `r` (oldest first) of a seeded connection: only a
/// fourth run (of a connection tested four times) is still pending.
pub fn status_of(r: u32) -> &'static str {
    match r {
        3 => "pending",
        r if r % 2 == 0 => "success",
        _ => "failed",
    }
}

/// Padded standard base64 (how SAML messages travel).
fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn log(level: &str, code: &str, short: &str, message: &str) -> Value {
    json!({ "level": level, "code": code, "short_message": short, "message": message })
}

/// `(email, first name, last name, user id)` a successful run parsed.
fn parsed_user(store: &Store, connection: &Value) -> Value {
    let member = connection["organization_id"]
        .as_str()
        .and_then(|id| store.table::<Organizations>().find(id))
        .and_then(|org| store.table::<Memberships>().first_member(org))
        .map(|u| store.table::<Users>().user(u));
    match member {
        Some(user) => json!({
            "email_address": user.primary_email().unwrap_or_default(),
            "first_name": user.first_name.clone().unwrap_or_default(),
            "last_name": user.last_name.clone().unwrap_or_default(),
            "user_id": user.id,
        }),
        None => {
            let domain = connection["domains"][0].as_str().unwrap_or("example.com");
            json!({
                "email_address": format!("sso.tester@{domain}"),
                "first_name": "SSO",
                "last_name": "Tester",
            })
        }
    }
}

/// The test runs of seeded connection `k` (as it is now), newest first.
fn runs(store: &Store, k: u32, connection: &Value) -> Vec<Value> {
    let seed = store.seed();
    let count = runs_of(k);
    let created = connection["created_at"].as_i64().unwrap_or_default();
    let span = (NOW_MS - created).max(i64::from(count) + 1);
    let saml = !connection["saml_connection"].is_null();
    let mut out: Vec<Value> = (0..count)
        .map(|r| {
            let index = u64::from(k) * 4 + u64::from(r);
            let w = |s: u64| mix(seed, Stream::TestRun, index, s);
            let at = created + span / i64::from(count + 1) * i64::from(r + 1)
                + (w(0) % 60_000) as i64;
            let status = status_of(r);
            let request_id = format!("_{:016x}{:016x}", w(1), w(2));
            let mut logs = vec![log(
                "info",
                "request_sent",
                "Request sent",
                "The test request was sent to the identity provider.",
            )];
            match status {
                "success" => logs.push(log(
                    "info",
                    "user_info_parsed",
                    "User info parsed",
                    "The identity provider's response was verified and its user info parsed.",
                )),
                "failed" => logs.push(log(
                    "error",
                    "signature_invalid",
                    "Invalid signature",
                    "The response signature does not match the identity provider's certificate.",
                )),
                _ => {}
            }
            let answered = status != "pending";
            let (saml_part, oauth_part) = if saml {
                let request = format!(
                    "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"{request_id}\" Version=\"2.0\"/>"
                );
                let mut part = json!({
                    "saml_request": base64(request.as_bytes()),
                    "relay_state": format!("{:016x}", w(3)),
                });
                if answered {
                    let response = format!(
                        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_{:016x}\" InResponseTo=\"{request_id}\" Version=\"2.0\"/>",
                        w(4)
                    );
                    part["saml_response"] = json!(base64(response.as_bytes()));
                }
                (part, Value::Null)
            } else {
                let mut part = json!({});
                if answered {
                    part["access_token"] = json!(format!("at_{:016x}{:016x}", w(5), w(6)));
                    part["user_info"] = json!("{}");
                }
                (Value::Null, part)
            };
            let mut run = json!({
                "id": ksuid("ectr_", seed, Stream::TestRunId, index, at),
                "status": status,
                "connection_type": if saml { "saml" } else { "oauth" },
                "parsed_user_info": null,
                "logs": logs,
                "saml": saml_part,
                "oauth": oauth_part,
                "created_at": at,
            });
            if status == "success" {
                let mut user = parsed_user(store, connection);
                if !saml {
                    run["oauth"]["user_info"] = json!(user.to_string());
                }
                if user["user_id"].is_null() {
                    user.as_object_mut().map(|u| u.remove("user_id"));
                }
                run["parsed_user_info"] = user;
            }
            run
        })
        .collect();
    out.reverse();
    out
}

async fn list(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let mut statuses = Vec::new();
    for s in q.all("status") {
        if !STATUSES.contains(&s) {
            return Err(ApiError::ParamValue {
                param: "status",
                reason: "must be one of pending, success, failed".into(),
            });
        }
        statuses.push(s.to_owned());
    }
    let store = state.store();
    let (k, connection) = store
        .table::<SsoConnections>()
        .find_enterprise(&store, &id)
        .ok_or(ApiError::NotFound {
            kind: "enterprise connection",
            id,
        })?;
    let all = if k < store.table::<SsoConnections>().seeded_enterprise_count() {
        runs(&store, k, &connection)
    } else {
        Vec::new()
    };
    let matching: Vec<Value> = all
        .into_iter()
        .filter(|r| statuses.is_empty() || statuses.iter().any(|s| r["status"] == s.as_str()))
        .collect();
    let listed = collection::list_held(matching, None, paging);
    Ok(collection::respond(listed, true))
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }
}

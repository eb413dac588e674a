//! Sessions, clients and waitlist entries in process: seeded sessions and
//! clients tied to users, their filters and envelopes, create/revoke, user
//! deletion taking sessions along; waitlist filters, orders, writes and the
//! invitation an invite creates. Every response is also checked against the
//! spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{app, assert_clerk_error, call_expect, get, get_ok, spec_order};
use serde_json::{json, Value};

const OK: StatusCode = StatusCode::OK;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

#[tokio::test]
async fn sessions_and_clients_belong_to_users() {
    let app = app(120, 6, 31);
    let all = get_ok(&app, "/v1/sessions?paginated=true&limit=500").await;
    assert_eq!(all["total_count"], 120, "one sign-up session per user");
    let sessions = all["data"].as_array().unwrap().clone();
    let mut newest = sessions.clone();
    spec_order(&mut newest, |s| s["created_at"].clone(), true);
    assert_eq!(sessions, newest);
    let active: Vec<&Value> = sessions
        .iter()
        .filter(|s| s["status"] == "active")
        .collect();
    assert!(!active.is_empty() && active.len() < 120, "{}", active.len());
    assert_eq!(
        get_ok(&app, "/v1/sessions?status=active&paginated=true&limit=1").await["total_count"],
        active.len()
    );
    assert_eq!(
        get(&app, "/v1/sessions?status=sleeping").await.status,
        UNPROCESSABLE
    );

    let s = &sessions[7];
    let user_id = s["user_id"].as_str().unwrap();
    let user = get_ok(&app, &format!("/v1/users/{user_id}")).await;
    assert_eq!(s["created_at"], user["created_at"]);
    let own = get_ok(&app, &format!("/v1/sessions?user_id={user_id}")).await;
    assert_eq!(own.as_array().unwrap(), &vec![s.clone()]);
    let by_client = get_ok(
        &app,
        &format!(
            "/v1/sessions?client_id={}",
            s["client_id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(by_client[0]["id"], s["id"]);
    assert_eq!(
        get_ok(&app, &format!("/v1/sessions/{}", s["id"].as_str().unwrap())).await,
        *s
    );
    let client = get_ok(
        &app,
        &format!("/v1/clients/{}", s["client_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(client["session_ids"], json!([s["id"]]));
    assert_eq!(client["sessions"][0], *s);
    let clients = get_ok(&app, "/v1/clients?limit=500").await;
    assert_eq!(clients.as_array().unwrap().len(), 120);
    assert_eq!(
        get_ok(&app, "/v1/clients?paginated=true&limit=2").await["total_count"],
        120
    );

    // Create and revoke; revoking twice is refused.
    let created = call_expect(
        &app,
        Method::POST,
        "/v1/sessions",
        Some(json!({ "user_id": user_id })),
        OK,
    )
    .await;
    assert_eq!(created["status"], "active");
    assert!(created["id"].as_str().unwrap().starts_with("sess_"));
    let own = get_ok(&app, &format!("/v1/sessions?user_id={user_id}")).await;
    assert_eq!(own[0]["id"], created["id"], "newest first");
    assert_eq!(own.as_array().unwrap().len(), 2);
    let path = format!("/v1/sessions/{}/revoke", created["id"].as_str().unwrap());
    let revoked = call_expect(&app, Method::POST, &path, None, OK).await;
    assert_eq!(revoked["status"], "revoked");
    let again = call_expect(&app, Method::POST, &path, None, StatusCode::BAD_REQUEST).await;
    assert_clerk_error(&again, "session_not_active");
    let client = get_ok(
        &app,
        &format!("/v1/clients/{}", created["client_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(client["last_active_session_id"], Value::Null);
    let missing = call_expect(
        &app,
        Method::POST,
        "/v1/sessions",
        Some(json!({ "user_id": "user_nope" })),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_clerk_error(&missing, "resource_not_found");

    // Deleting the user deletes their sessions and clients.
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/users/{user_id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        get(&app, &format!("/v1/sessions/{}", s["id"].as_str().unwrap()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(
            &app,
            &format!("/v1/clients/{}", s["client_id"].as_str().unwrap())
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_ok(&app, "/v1/sessions?paginated=true").await["total_count"],
        119
    );
}

#[tokio::test]
async fn waitlist_filters_orders_and_invites() {
    let app = app(300, 3, 13);
    let all = get_ok(&app, "/v1/waitlist_entries?limit=500").await;
    assert_eq!(all["total_count"], 30);
    let entries = all["data"].as_array().unwrap().clone();
    let by_status = |s: &str| entries.iter().filter(|e| e["status"] == s).count();
    assert!(by_status("pending") > 0 && by_status("invited") > 0);
    for status in ["pending", "invited", "completed", "rejected"] {
        let body = get_ok(
            &app,
            &format!("/v1/waitlist_entries?status={status}&limit=500"),
        )
        .await;
        assert_eq!(body["total_count"], by_status(status));
    }
    assert!(entries
        .iter()
        .filter(|e| e["status"] == "invited")
        .all(|e| e["invitation"]["status"] == "pending"));
    let by_email = get_ok(
        &app,
        "/v1/waitlist_entries?order_by=email_address&limit=500",
    )
    .await;
    let mut expected = entries.clone();
    spec_order(&mut expected, |e| e["email_address"].clone(), false);
    assert_eq!(by_email["data"].as_array().unwrap(), &expected);
    let invited_first = get_ok(&app, "/v1/waitlist_entries?order_by=-invited_at&limit=500").await;
    let mut expected = entries.clone();
    spec_order(
        &mut expected,
        |e| e["invitation"]["created_at"].clone(),
        true,
    );
    assert_eq!(invited_first["data"].as_array().unwrap(), &expected);
    let one = &entries[3];
    let q = get_ok(
        &app,
        &format!("/v1/waitlist_entries?query={}", one["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(q["data"][0], *one);
    let q = get_ok(&app, "/v1/waitlist_entries?query=.WL1").await;
    assert!(q["total_count"].as_u64().unwrap() >= 1);
    assert_eq!(
        get(&app, "/v1/waitlist_entries?order_by=status")
            .await
            .status,
        UNPROCESSABLE
    );

    let created = call_expect(
        &app,
        Method::POST,
        "/v1/waitlist_entries",
        Some(json!({ "email_address": "Keen@Example.com" })),
        OK,
    )
    .await;
    assert_eq!(created["status"], "pending");
    let again = call_expect(
        &app,
        Method::POST,
        "/v1/waitlist_entries",
        Some(json!({ "email_address": "keen@example.com" })),
        OK,
    )
    .await;
    assert_eq!(again, created, "an email already waiting returns its entry");
    let bulk = call_expect(
        &app,
        Method::POST,
        "/v1/waitlist_entries/bulk",
        Some(json!([{ "email_address": "a1@example.com" }, { "email_address": "keen@example.com", "notify": false }])),
        OK,
    )
    .await;
    assert_eq!(bulk[1], created);
    let dup = call_expect(
        &app,
        Method::POST,
        "/v1/waitlist_entries/bulk",
        Some(json!([{ "email_address": "z@example.com" }, { "email_address": "z@example.com" }])),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&dup, "form_param_value_invalid");
    assert_eq!(
        get_ok(&app, "/v1/waitlist_entries").await["total_count"],
        32
    );

    let id = created["id"].as_str().unwrap();
    let invited = call_expect(
        &app,
        Method::POST,
        &format!("/v1/waitlist_entries/{id}/invite"),
        Some(json!({})),
        OK,
    )
    .await;
    assert_eq!(invited["status"], "invited");
    let invitation_id = invited["invitation"]["id"].as_str().unwrap();
    let invitations = get_ok(&app, "/v1/invitations?query=keen@example.com").await;
    assert_eq!(
        invitations[0]["id"], invitation_id,
        "inviting creates a real invitation"
    );
    let twice = call_expect(
        &app,
        Method::POST,
        &format!("/v1/waitlist_entries/{id}/reject"),
        None,
        StatusCode::CONFLICT,
    )
    .await;
    assert_clerk_error(&twice, "waitlist_entry_not_pending");
    let cannot_delete = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/waitlist_entries/{id}"),
        None,
        StatusCode::CONFLICT,
    )
    .await;
    assert_clerk_error(&cannot_delete, "waitlist_entry_not_pending");

    let other = bulk[0]["id"].as_str().unwrap();
    let rejected = call_expect(
        &app,
        Method::POST,
        &format!("/v1/waitlist_entries/{other}/reject"),
        None,
        OK,
    )
    .await;
    assert_eq!(rejected["status"], "rejected");
    let pending = entries.iter().find(|e| e["status"] == "pending").unwrap()["id"]
        .as_str()
        .unwrap();
    let gone = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/waitlist_entries/{pending}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        gone,
        json!({ "object": "waitlist_entry", "id": pending, "deleted": true })
    );
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/waitlist_entries/{pending}"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
}

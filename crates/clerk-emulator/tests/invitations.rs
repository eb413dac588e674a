//! Organization and instance invitations, in process: the per-organization,
//! pending, instance-wide and per-user lists agree; status/email/query
//! filters and orders; create, bulk and revoke as later reads see them;
//! `paginated=true` on `/invitations`; Clerk's errors. Every response is
//! also checked against the spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use axum::http::{Method, StatusCode};
use common::{app, assert_clerk_error, call, call_expect, get, get_ok, spec_order};
use serde_json::{json, Value};

const OK: StatusCode = StatusCode::OK;

async fn all_data(app: &axum::Router, path: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out: Vec<Value> = Vec::new();
    loop {
        let body = get_ok(app, &format!("{path}{sep}limit=500&offset={}", out.len())).await;
        let page = body["data"].as_array().unwrap().clone();
        let short = page.len() < 500;
        out.extend(page);
        if short {
            assert_eq!(body["total_count"], out.len(), "{path}");
            return out;
        }
    }
}

fn id_list(v: &[Value]) -> Vec<Value> {
    v.iter().map(|i| i["id"].clone()).collect()
}

#[tokio::test]
async fn organization_invitation_lists_agree_and_filter_by_status_email_and_query() {
    let app = app(300, 12, 71);
    let all = all_data(&app, "/v1/organization_invitations").await;
    assert!(all.len() > 10, "{}", all.len());
    let statuses: HashSet<&str> = all.iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.len(), 4, "{statuses:?}");
    assert!(all
        .iter()
        .all(|i| i["id"].as_str().unwrap().starts_with("orginv_")));
    assert!(all
        .iter()
        .all(|i| i["public_organization_data"]["id"] == i["organization_id"]));
    let mut sorted = all.clone();
    spec_order(&mut sorted, |i| i["created_at"].clone(), true);
    assert_eq!(id_list(&all), id_list(&sorted), "newest first by default");

    let orgs = get_ok(&app, "/v1/organizations?limit=500").await;
    let mut per_org = 0;
    for org in orgs["data"].as_array().unwrap() {
        let org_id = org["id"].as_str().unwrap();
        let base = format!("/v1/organizations/{org_id}/invitations");
        let own = all_data(&app, &base).await;
        assert!(
            own.iter()
                .all(|i| i["organization_id"] == org_id
                    && i.get("public_organization_data").is_none())
        );
        let pending = all_data(&app, &format!("{base}/pending")).await;
        let by_status = all_data(&app, &format!("{base}?status=pending")).await;
        assert_eq!(id_list(&pending), id_list(&by_status));
        assert!(pending
            .iter()
            .all(|i| i["status"] == "pending" && i["url"].is_string()));
        if let Some(first) = own.first() {
            let one = get_ok(&app, &format!("{base}/{}", first["id"].as_str().unwrap())).await;
            assert_eq!(&one, first);
            let email = first["email_address"].as_str().unwrap().to_uppercase();
            let by_email = all_data(&app, &format!("{base}?email_address={email}")).await;
            assert!(id_list(&by_email).contains(&first["id"]));
        }
        per_org += own.len();
    }
    assert_eq!(per_org, all.len());
    for status in ["accepted", "revoked", "expired"] {
        let got = all_data(
            &app,
            &format!("/v1/organization_invitations?status={status}"),
        )
        .await;
        assert_eq!(
            got.len(),
            all.iter().filter(|i| i["status"] == status).count()
        );
    }
    let some_email = all[0]["email_address"].as_str().unwrap();
    let q = &some_email[1..some_email.find('@').unwrap()];
    let by_query = all_data(
        &app,
        &format!("/v1/organization_invitations?query={}", q.to_uppercase()),
    )
    .await;
    assert!(id_list(&by_query).contains(&all[0]["id"]));

    // Invitations to existing users show up on the user's own list.
    let users = common::all_users(&app, "").await;
    let mut seen = 0;
    for user in &users {
        let emails: Vec<&str> = user["email_addresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["email_address"].as_str().unwrap())
            .collect();
        let expected: Vec<&Value> = all
            .iter()
            .filter(|i| emails.contains(&i["email_address"].as_str().unwrap()))
            .collect();
        if expected.is_empty() {
            continue;
        }
        let uid = user["id"].as_str().unwrap();
        let own = all_data(&app, &format!("/v1/users/{uid}/organization_invitations")).await;
        assert_eq!(own.len(), expected.len(), "{uid}");
        seen += 1;
        if seen > 15 {
            break;
        }
    }
    assert!(seen > 0);

    for (uri, code, status) in [
        (
            "/v1/organization_invitations?status=open",
            "form_param_value_invalid",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/v1/organization_invitations?order_by=role",
            "form_param_value_invalid",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/v1/organizations/org_missing/invitations",
            "resource_not_found",
            StatusCode::NOT_FOUND,
        ),
        (
            "/v1/users/user_missing/organization_invitations",
            "resource_not_found",
            StatusCode::NOT_FOUND,
        ),
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, status, "{uri}");
        assert_clerk_error(&reply.json(), code);
    }
    // An invitation is only found under its own organization.
    let other_org = orgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] != all[0]["organization_id"])
        .unwrap();
    let reply = get(
        &app,
        &format!(
            "/v1/organizations/{}/invitations/{}",
            other_org["id"].as_str().unwrap(),
            all[0]["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn organization_invitation_writes_create_bulk_and_revoke() {
    let app = app(40, 2, 72);
    let org = get_ok(&app, "/v1/organizations?limit=1").await["data"][0].clone();
    let org_id = org["id"].as_str().unwrap();
    let base = format!("/v1/organizations/{org_id}/invitations");
    let before = get_ok(&app, &base).await["total_count"].as_u64().unwrap();
    let members = get_ok(
        &app,
        &format!("/v1/organizations/{org_id}/memberships?role=org:admin&limit=1"),
    )
    .await;
    let admin = members["data"][0]["public_user_data"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let body = json!({ "email_address": "New.Hire@Example.io", "role": "org:member", "inviter_user_id": admin, "private_metadata": { "ref": 7 } });
    let inv = call_expect(&app, Method::POST, &base, Some(body.clone()), OK).await;
    assert_eq!(inv["status"], "pending");
    assert_eq!(inv["email_address"], "new.hire@example.io");
    assert_eq!(inv["inviter_id"], admin.as_str());
    assert_eq!(inv["public_inviter_data"]["user_id"], admin.as_str());
    assert_eq!(inv["role_name"], "Member");
    assert_eq!(
        inv["expires_at"].as_i64().unwrap() - inv["created_at"].as_i64().unwrap(),
        30 * 86_400_000
    );
    let listed = get_ok(&app, &format!("{base}?limit=1")).await;
    assert_eq!(listed["data"][0]["id"], inv["id"]);
    assert_eq!(listed["total_count"], before + 1);
    let id = inv["id"].as_str().unwrap();
    assert_eq!(get_ok(&app, &format!("{base}/{id}")).await, inv);

    let dup = call(&app, Method::POST, &base, Some(body)).await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    assert_clerk_error(&dup.json(), "duplicate_record");
    let non_admin_body = json!({ "email_address": "x@example.io", "role": "org:member", "inviter_user_id": "user_missing" });
    assert_eq!(
        call(&app, Method::POST, &base, Some(non_admin_body))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for (bad, code) in [
        (
            json!({ "email_address": "not-an-email", "role": "org:member" }),
            "form_param_format_invalid",
        ),
        (
            json!({ "email_address": "a@example.io" }),
            "form_param_missing",
        ),
        (
            json!({ "email_address": "a@example.io", "role": "org:owner" }),
            "form_param_value_invalid",
        ),
        (
            json!({ "email_address": "a@example.io", "role": "org:member", "expires_in_days": 0 }),
            "form_param_value_invalid",
        ),
    ] {
        let reply = call(&app, Method::POST, &base, Some(bad.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_clerk_error(&reply.json(), code);
    }

    let bulk = json!([
        { "email_address": "b1@example.io", "role": "org:member", "expires_in_days": 7 },
        { "email_address": "b2@example.io", "role": "org:admin" },
    ]);
    let created = call_expect(&app, Method::POST, &format!("{base}/bulk"), Some(bulk), OK).await;
    assert_eq!(created["total_count"], 2);
    assert_eq!(get_ok(&app, &base).await["total_count"], before + 3);
    let too_many: Vec<Value> = (0..11)
        .map(|i| json!({ "email_address": format!("c{i}@example.io"), "role": "org:member" }))
        .collect();
    let reply = call(
        &app,
        Method::POST,
        &format!("{base}/bulk"),
        Some(Value::Array(too_many)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_clerk_error(&reply.json(), "request_body_invalid");
    let twice = json!([{ "email_address": "d@example.io", "role": "org:member" }, { "email_address": "d@example.io", "role": "org:member" }]);
    assert_eq!(
        call(&app, Method::POST, &format!("{base}/bulk"), Some(twice))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get_ok(&app, &base).await["total_count"],
        before + 3,
        "a failed bulk creates nothing"
    );

    let revoked = call_expect(
        &app,
        Method::POST,
        &format!("{base}/{id}/revoke"),
        Some(json!({ "requesting_user_id": admin })),
        OK,
    )
    .await;
    assert_eq!(revoked["status"], "revoked");
    assert!(revoked["url"].is_null());
    let again = call(
        &app,
        Method::POST,
        &format!("{base}/{id}/revoke"),
        Some(json!({})),
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_clerk_error(&again.json(), "organization_invitation_not_pending");
    let revoked_list = all_data(&app, &format!("{base}?status=revoked")).await;
    assert!(id_list(&revoked_list).contains(&json!(id)));

    common::send_unchecked(&app, Method::POST, "/__emulator/reset", None, None).await;
    assert_eq!(get_ok(&app, &base).await["total_count"], before);
}

async fn all_invitations(app: &axum::Router, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let page = get_ok(
            app,
            &format!("/v1/invitations?limit=500&offset={}{query}", out.len()),
        )
        .await;
        let page = page.as_array().unwrap().clone();
        let short = page.len() < 500;
        out.extend(page);
        if short {
            return out;
        }
    }
}

#[tokio::test]
async fn instance_invitations_list_filter_order_and_paginate() {
    let app = app(800, 2, 73);
    let all = all_invitations(&app, "").await;
    assert_eq!(all.len(), 100);
    assert!(all
        .iter()
        .all(|i| i["id"].as_str().unwrap().starts_with("inv_")));
    assert!(all
        .iter()
        .all(|i| (i["status"] == "revoked") == (i["revoked"] == true)));
    let paginated = get_ok(&app, "/v1/invitations?paginated=true&limit=3").await;
    assert_eq!(paginated["total_count"], 100);
    assert_eq!(
        id_list(paginated["data"].as_array().unwrap()),
        id_list(&all[..3])
    );
    for field in ["created_at", "email_address", "expires_at"] {
        for descending in [false, true] {
            let sign = if descending { "-" } else { "" };
            let got = all_invitations(&app, &format!("&order_by={sign}{field}")).await;
            let mut expected = all.clone();
            spec_order(&mut expected, |i| i[field].clone(), descending);
            assert_eq!(id_list(&got), id_list(&expected), "{sign}{field}");
        }
    }
    let pending = all_invitations(&app, "&status=pending").await;
    assert_eq!(
        pending.len(),
        all.iter().filter(|i| i["status"] == "pending").count()
    );
    let two = all_invitations(&app, "&status=pending&status=expired").await;
    assert_eq!(
        two.len(),
        all.iter()
            .filter(|i| i["status"] == "pending" || i["status"] == "expired")
            .count()
    );
    let id = all[5]["id"].as_str().unwrap();
    assert_eq!(
        id_list(&all_invitations(&app, &format!("&query={id}")).await),
        vec![json!(id)]
    );
    let bad = get(&app, "/v1/invitations?status=open").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_clerk_error(&bad.json(), "form_param_value_invalid");
}

#[tokio::test]
async fn instance_invitation_writes_create_bulk_and_revoke() {
    let app = app(16, 1, 74);
    let inv = call_expect(&app, Method::POST, "/v1/invitations", Some(json!({ "email_address": "guest@example.io", "public_metadata": { "plan": "pro" }, "expires_in_days": 3 })), OK).await;
    assert_eq!(inv["status"], "pending");
    assert_eq!(inv["public_metadata"], json!({ "plan": "pro" }));
    assert_eq!(
        get_ok(&app, "/v1/invitations?limit=1").await[0]["id"],
        inv["id"]
    );
    let dup = call(
        &app,
        Method::POST,
        "/v1/invitations",
        Some(json!({ "email_address": "guest@example.io" })),
    )
    .await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    assert_clerk_error(&dup.json(), "duplicate_record");
    call_expect(
        &app,
        Method::POST,
        "/v1/invitations",
        Some(json!({ "email_address": "guest@example.io", "ignore_existing": true })),
        OK,
    )
    .await;
    let user_email =
        common::all_users(&app, "").await[0]["email_addresses"][0]["email_address"].clone();
    let taken = call(
        &app,
        Method::POST,
        "/v1/invitations",
        Some(json!({ "email_address": user_email })),
    )
    .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_clerk_error(&taken.json(), "form_identifier_exists");
    let bad_slug = call(
        &app,
        Method::POST,
        "/v1/invitations",
        Some(json!({ "email_address": "z@example.io", "template_slug": "x" })),
    )
    .await;
    assert_eq!(bad_slug.status, StatusCode::UNPROCESSABLE_ENTITY);

    let bulk = call_expect(&app, Method::POST, "/v1/invitations/bulk", Some(json!([{ "email_address": "b1@example.io" }, { "email_address": "b2@example.io", "public_metadata": null }])), OK).await;
    assert_eq!(bulk.as_array().unwrap().len(), 2);
    assert_eq!(
        get_ok(&app, "/v1/invitations?paginated=true").await["total_count"],
        2 + 2 + 2
    );

    let id = inv["id"].as_str().unwrap();
    let revoked = call_expect(
        &app,
        Method::POST,
        &format!("/v1/invitations/{id}/revoke"),
        None,
        OK,
    )
    .await;
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["revoked"], true);
    let again = call(
        &app,
        Method::POST,
        &format!("/v1/invitations/{id}/revoke"),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_clerk_error(&again.json(), "invitation_not_pending");
    assert_eq!(
        call(
            &app,
            Method::POST,
            "/v1/invitations/inv_missing/revoke",
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let listed = all_invitations(&app, "&status=revoked").await;
    assert!(id_list(&listed).contains(&json!(id)));
}

//! Organization memberships, in process: the three list endpoints agree
//! with each other and with the users' and organizations' filters, the
//! documented filters and orders, and the writes (create, role change,
//! metadata merge, delete answering the membership) as later reads see
//! them, down to `members_count` and reset. Every response is also
//! checked against the spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};

use axum::http::{Method, StatusCode};
use common::{app, assert_clerk_error, call, call_expect, get, get_ok, spec_order, user_field};
use serde_json::{json, Value};

const OK: StatusCode = StatusCode::OK;

/// Walk a `{data,total_count}` list by offset with the largest page.
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

fn user_of(m: &Value) -> String {
    m["public_user_data"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn org_of(m: &Value) -> String {
    m["organization"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_three_membership_lists_and_the_user_and_organization_filters_agree() {
    let app = app(300, 9, 61);
    let all = all_data(&app, "/v1/organization_memberships").await;
    let pairs: HashSet<(String, String)> = all.iter().map(|m| (user_of(m), org_of(m))).collect();
    assert_eq!(
        pairs.len(),
        all.len(),
        "one membership per user and organization"
    );
    let mut per_user: HashMap<String, usize> = HashMap::new();
    for (user, _) in &pairs {
        *per_user.entry(user.clone()).or_default() += 1;
    }
    assert!(
        per_user.values().any(|&n| n > 1),
        "some users are in several organizations"
    );
    assert!(per_user.values().all(|&n| n <= 3));

    let orgs = get_ok(
        &app,
        "/v1/organizations?limit=500&include_members_count=true",
    )
    .await;
    let mut listed = 0;
    for org in orgs["data"].as_array().unwrap() {
        let org_id = org["id"].as_str().unwrap();
        let members = all_data(&app, &format!("/v1/organizations/{org_id}/memberships")).await;
        assert_eq!(members.len() as u64, org["members_count"].as_u64().unwrap());
        assert!(members.iter().all(|m| org_of(m) == org_id));
        let users = common::all_users(&app, &format!("&organization_id={org_id}")).await;
        let from_users: HashSet<String> = common::ids(&users).into_iter().collect();
        let from_members: HashSet<String> = members.iter().map(user_of).collect();
        assert_eq!(from_users, from_members, "{org_id}");
        if let Some(creator) = org["created_by"].as_str() {
            let m = members.iter().find(|m| user_of(m) == creator).unwrap();
            assert_eq!(m["role"], "org:admin");
            assert_eq!(m["role_name"], "Admin");
            assert!(m["permissions"]
                .as_array()
                .unwrap()
                .contains(&json!("org:sys_memberships:manage")));
        }
        listed += members.len();
    }
    assert_eq!(listed, all.len());

    let (busy, n) = per_user.iter().max_by_key(|(_, n)| **n).unwrap();
    let own = all_data(&app, &format!("/v1/users/{busy}/organization_memberships")).await;
    assert_eq!(own.len(), *n);
    assert!(own.iter().all(|m| &user_of(m) == busy));
    let by_member = get_ok(&app, &format!("/v1/organizations?user_id={busy}&limit=500")).await;
    assert_eq!(by_member["total_count"], *n);
    let newest_first: Vec<i64> = own
        .iter()
        .map(|m| m["created_at"].as_i64().unwrap())
        .collect();
    assert!(newest_first.windows(2).all(|w| w[0] >= w[1]));
    // A membership starts after both its user and its organization.
    for m in &all {
        let created = m["created_at"].as_i64().unwrap();
        assert!(created >= m["organization"]["created_at"].as_i64().unwrap());
        assert!(m["id"].as_str().unwrap().starts_with("orgmem_"));
        assert!(m["updated_at"].as_i64().unwrap() >= created);
    }
}

#[tokio::test]
async fn membership_filters_and_orders_follow_the_spec() {
    let app = app(400, 3, 62);
    let org_id = get_ok(&app, "/v1/organizations?limit=1").await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let base = format!("/v1/organizations/{org_id}/memberships");
    let members = all_data(&app, &base).await;
    assert!(members.len() > 20, "{}", members.len());
    let users: HashMap<String, Value> = common::all_users(&app, "")
        .await
        .into_iter()
        .map(|u| (u["id"].as_str().unwrap().to_owned(), u))
        .collect();

    for role in ["org:admin", "org:member"] {
        let got = all_data(&app, &format!("{base}?role={role}")).await;
        let expected = members.iter().filter(|m| m["role"] == role).count();
        assert_eq!(got.len(), expected, "{role}");
        assert!(!got.is_empty(), "{role}");
    }
    let (a, b) = (user_of(&members[0]), user_of(&members[1]));
    let two = all_data(
        &app,
        &format!("{base}?user_id={a}&user_id=%2B{b}&user_id=user_unknown"),
    )
    .await;
    assert_eq!(two.len(), 2);
    let minus = all_data(&app, &format!("{base}?user_id=-{a}")).await;
    assert_eq!(minus.len(), members.len() - 1);
    let email = users[&a]["email_addresses"][0]["email_address"]
        .as_str()
        .unwrap();
    let by_email = all_data(&app, &format!("{base}?email_address={email}")).await;
    assert_eq!(
        by_email.iter().map(user_of).collect::<Vec<_>>(),
        vec![a.clone()]
    );
    let by_query = all_data(&app, &format!("{base}?query={a}")).await;
    assert_eq!(by_query.len(), 1);
    let cutoff = users[&a]["created_at"].as_i64().unwrap();
    let before = all_data(&app, &format!("{base}?created_at_before={cutoff}")).await;
    let expected = members
        .iter()
        .filter(|m| users[&user_of(m)]["created_at"].as_i64().unwrap() < cutoff)
        .count();
    assert_eq!(
        before.len(),
        expected,
        "created_at_* bound the user's creation time"
    );
    // Parameters the endpoint does not document are ignored.
    assert_eq!(
        all_data(&app, &format!("{base}?banned=true")).await.len(),
        members.len()
    );

    for field in [
        "phone_number",
        "email_address",
        "created_at",
        "first_name",
        "last_name",
        "username",
    ] {
        for descending in [false, true] {
            let sign = if descending { "-" } else { "%2B" };
            let got = all_data(&app, &format!("{base}?order_by={sign}{field}")).await;
            let mut expected = members.clone();
            if field == "created_at" {
                spec_order(&mut expected, |m| m["created_at"].clone(), descending);
            } else {
                spec_order(
                    &mut expected,
                    |m| user_field(field)(&users[&user_of(m)]),
                    descending,
                );
            }
            let ids = |v: &[Value]| v.iter().map(|m| m["id"].clone()).collect::<Vec<_>>();
            assert_eq!(ids(&got), ids(&expected), "order_by={sign}{field}");
        }
    }

    let bad = get(&app, &format!("{base}?order_by=role")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_clerk_error(&bad.json(), "form_param_value_invalid");
    let bad = get(&app, "/v1/organization_memberships?limit=501").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for missing in [
        "/v1/organizations/org_missing/memberships",
        "/v1/users/user_missing/organization_memberships",
    ] {
        let reply = get(&app, missing).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert_clerk_error(&reply.json(), "resource_not_found");
    }
}

#[tokio::test]
async fn membership_writes_are_seen_by_every_list_and_reset_restores_them() {
    let app = app(60, 2, 63);
    let orgs = get_ok(&app, "/v1/organizations?include_members_count=true").await;
    let org = orgs["data"][0].clone();
    let org_id = org["id"].as_str().unwrap();
    let count = org["members_count"].as_u64().unwrap();
    let base = format!("/v1/organizations/{org_id}/memberships");
    let members = all_data(&app, &base).await;
    let member_ids: HashSet<String> = members.iter().map(user_of).collect();
    let outsider = common::all_users(&app, "")
        .await
        .into_iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .find(|id| !member_ids.contains(id))
        .unwrap();

    let body =
        json!({ "user_id": outsider, "role": "org:member", "public_metadata": { "team": "a" } });
    let created = call_expect(&app, Method::POST, &base, Some(body.clone()), OK).await;
    assert_eq!(created["role"], "org:member");
    assert_eq!(created["public_metadata"], json!({ "team": "a" }));
    assert_eq!(created["private_metadata"], json!({}));
    assert_eq!(user_of(&created), outsider);
    let first = get_ok(&app, &format!("{base}?limit=1")).await;
    assert_eq!(first["data"][0]["id"], created["id"], "newest first");
    assert_eq!(first["total_count"], count + 1);
    let org_now = get_ok(
        &app,
        &format!("/v1/organizations/{org_id}?include_members_count=true"),
    )
    .await;
    assert_eq!(org_now["members_count"], count + 1);
    let users_in_org = common::all_users(&app, &format!("&organization_id={org_id}")).await;
    assert!(common::ids(&users_in_org).contains(&outsider));

    let again = call(&app, Method::POST, &base, Some(body)).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_clerk_error(&again.json(), "already_a_member_in_organization");
    for (bad, code, status) in [
        (
            json!({ "user_id": outsider }),
            "form_param_missing",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "user_id": outsider, "role": "org:owner" }),
            "form_param_value_invalid",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "user_id": "user_missing", "role": "org:member" }),
            "resource_not_found",
            StatusCode::NOT_FOUND,
        ),
        (
            json!({ "user_id": outsider, "role": "org:member", "extra": 1 }),
            "form_param_unknown",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let reply = call(&app, Method::POST, &base, Some(bad.clone())).await;
        assert_eq!(reply.status, status, "{bad}");
        assert_clerk_error(&reply.json(), code);
    }

    let path = format!("{base}/{outsider}");
    let promoted = call_expect(
        &app,
        Method::PATCH,
        &path,
        Some(json!({ "role": "org:admin" })),
        OK,
    )
    .await;
    assert_eq!(promoted["role"], "org:admin");
    assert_eq!(promoted["id"], created["id"]);
    assert!(promoted["updated_at"].as_i64() > created["updated_at"].as_i64());
    let admins = all_data(&app, &format!("{base}?role=org:admin")).await;
    assert!(admins.iter().any(|m| user_of(m) == outsider));

    let merged = call_expect(
        &app,
        Method::PATCH,
        &format!("{path}/metadata"),
        Some(json!({ "public_metadata": { "team": null, "level": 2 }, "private_metadata": { "note": "x" } })),
        OK,
    )
    .await;
    assert_eq!(merged["public_metadata"], json!({ "level": 2 }));
    assert_eq!(merged["private_metadata"], json!({ "note": "x" }));

    let deleted = call_expect(&app, Method::DELETE, &path, None, OK).await;
    assert_eq!(deleted["object"], "organization_membership");
    assert_eq!(deleted["id"], created["id"]);
    assert_eq!(get_ok(&app, &base).await["total_count"], count);
    let gone = call(&app, Method::DELETE, &path, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_clerk_error(&gone.json(), "resource_not_found");
    let gone = call(
        &app,
        Method::PATCH,
        &path,
        Some(json!({ "role": "org:member" })),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    // Deleting a member user or the organization ends memberships.
    let member = user_of(&members[0]);
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/users/{member}"),
        None,
        OK,
    )
    .await;
    assert_eq!(get_ok(&app, &base).await["total_count"], count - 1);
    let total_before = get_ok(&app, "/v1/organization_memberships").await["total_count"]
        .as_u64()
        .unwrap();
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/organizations/{org_id}"),
        None,
        OK,
    )
    .await;
    let total_after = get_ok(&app, "/v1/organization_memberships").await["total_count"]
        .as_u64()
        .unwrap();
    assert_eq!(total_after, total_before - (count - 1));
    assert_eq!(get(&app, &base).await.status, StatusCode::NOT_FOUND);

    common::send_unchecked(&app, Method::POST, "/__emulator/reset", None, None).await;
    assert_eq!(get_ok(&app, &base).await["total_count"], count);
}

#[tokio::test]
async fn a_created_organization_has_its_creator_as_admin_and_honours_its_quota() {
    let app = app(10, 1, 64);
    let users = common::all_users(&app, "").await;
    let (creator, other, third) = (
        users[0]["id"].as_str().unwrap(),
        users[1]["id"].as_str().unwrap(),
        users[2]["id"].as_str().unwrap(),
    );
    let org = call_expect(
        &app,
        Method::POST,
        "/v1/organizations",
        Some(json!({ "name": "Quota Co", "created_by": creator, "max_allowed_memberships": 2 })),
        OK,
    )
    .await;
    let base = format!(
        "/v1/organizations/{}/memberships",
        org["id"].as_str().unwrap()
    );
    let members = get_ok(&app, &base).await;
    assert_eq!(members["total_count"], 1);
    assert_eq!(members["data"][0]["role"], "org:admin");
    assert_eq!(user_of(&members["data"][0]), creator);
    call_expect(
        &app,
        Method::POST,
        &base,
        Some(json!({ "user_id": other, "role": "org:billing_manager" })),
        OK,
    )
    .await;
    let full = call(
        &app,
        Method::POST,
        &base,
        Some(json!({ "user_id": third, "role": "org:member" })),
    )
    .await;
    assert_eq!(full.status, StatusCode::FORBIDDEN);
    assert_clerk_error(&full.json(), "organization_membership_quota_exceeded");
}

//! Users' and organizations' writes, in process: what later reads return,
//! Clerk's deleted-object shape, 404/422s, metadata merge vs replace, and
//! that lists stay consistent (every object once, in order) after writes.
//! Every response is also checked against the spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{
    all_users, app, assert_clerk_error, call, call_expect, get, get_ok, ids, spec_order, user_field,
};
use serde_json::{json, Value};

const OK: StatusCode = StatusCode::OK;

#[tokio::test]
async fn created_users_are_listed_first_counted_found_and_filterable() {
    let app = app(40, 4, 31);
    let body = json!({
        "email_address": ["new.person@example.io", "second@example.io"],
        "phone_number": ["+15550009999"],
        "username": "new_person",
        "first_name": "New",
        "last_name": "Person",
        "external_id": "crm-1",
        "public_metadata": { "plan": "team" },
        "password": "correct horse battery staple",
    });
    let user = call_expect(&app, Method::POST, "/v1/users", Some(body), OK).await;
    let id = user["id"].as_str().unwrap();
    assert!(id.starts_with("user_") && id.len() == 32, "{id}");
    assert_eq!(user["email_addresses"].as_array().unwrap().len(), 2);
    assert_eq!(user["password_enabled"], true);
    assert_eq!(get_ok(&app, &format!("/v1/users/{id}")).await, user);
    assert_eq!(
        get_ok(&app, "/v1/users?limit=1").await[0]["id"],
        id,
        "newest first"
    );
    assert_eq!(get_ok(&app, "/v1/users/count").await["total_count"], 41);
    for query in [
        "email_address=second@example.io",
        "username=NEW_PERSON",
        "phone_number=%2B15550009999",
        "external_id=crm-1",
        "query=person",
        "name_query=new%20per",
        "email_address_query=example.io",
    ] {
        let found = get_ok(&app, &format!("/v1/users?{query}")).await;
        assert!(
            ids(found.as_array().unwrap()).contains(&id.to_owned()),
            "{query}"
        );
    }
    // Identifiers are unique among live users.
    for dup in [
        json!({ "email_address": ["NEW.person@example.io"] }),
        json!({ "username": "new_person" }),
    ] {
        let reply = call(&app, Method::POST, "/v1/users", Some(dup)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_clerk_error(&reply.json(), "form_identifier_exists");
    }
    let seeded_email = all_users(&app, "").await[5]["email_addresses"][0]["email_address"].clone();
    let reply = call(
        &app,
        Method::POST,
        "/v1/users",
        Some(json!({ "email_address": [seeded_email] })),
    )
    .await;
    assert_clerk_error(&reply.json(), "form_identifier_exists");
}

#[tokio::test]
async fn bad_write_bodies_are_clerk_errors() {
    let app = app(5, 1, 32);
    let reply = call(
        &app,
        Method::POST,
        "/v1/users",
        Some(json!({ "nickname": "x" })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_clerk_error(&reply.json(), "form_param_unknown");
    let reply = call(
        &app,
        Method::POST,
        "/v1/users",
        Some(json!({ "first_name": 7 })),
    )
    .await;
    assert_clerk_error(&reply.json(), "form_param_format_invalid");
    let reply = call(&app, Method::POST, "/v1/organizations", Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_clerk_error(&reply.json(), "form_param_missing");
    let reply = call(
        &app,
        Method::PATCH,
        "/v1/users/user_nope",
        Some(json!({ "first_name": "x" })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_clerk_error(&reply.json(), "resource_not_found");
    let reply = call(&app, Method::DELETE, "/v1/organizations/org_nope", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn patch_ban_lock_and_metadata_change_what_reads_return() {
    let app = app(30, 3, 33);
    let id = ids(&all_users(&app, "").await)[7].clone();
    let uri = format!("/v1/users/{id}");
    let before = get_ok(&app, &uri).await;
    let patched = call_expect(
        &app,
        Method::PATCH,
        &uri,
        Some(json!({ "first_name": "Zed", "last_name": null, "username": "zed_7" })),
        OK,
    )
    .await;
    assert_eq!(
        (
            patched["first_name"].as_str(),
            &patched["last_name"],
            patched["username"].as_str()
        ),
        (Some("Zed"), &Value::Null, Some("zed_7"))
    );
    assert!(patched["updated_at"].as_i64() > before["updated_at"].as_i64());
    assert_eq!(patched["created_at"], before["created_at"]);
    assert_eq!(get_ok(&app, &uri).await, patched);
    assert_eq!(
        get_ok(&app, "/v1/users?username=zed_7").await[0]["id"],
        id.as_str()
    );

    let banned = call_expect(&app, Method::POST, &format!("{uri}/ban"), None, OK).await;
    assert_eq!(banned["banned"], true);
    assert!(ids(get_ok(&app, "/v1/users?banned=true&limit=500")
        .await
        .as_array()
        .unwrap())
    .contains(&id));
    assert_eq!(
        call_expect(&app, Method::POST, &format!("{uri}/unban"), None, OK).await["banned"],
        false
    );
    let locked = call_expect(&app, Method::POST, &format!("{uri}/lock"), None, OK).await;
    assert_eq!(
        (
            locked["locked"].as_bool(),
            locked["verification_attempts_remaining"].as_i64()
        ),
        (Some(true), Some(0))
    );
    let unlocked = call_expect(&app, Method::POST, &format!("{uri}/unlock"), None, OK).await;
    assert_eq!(
        (
            unlocked["locked"].as_bool(),
            &unlocked["lockout_expires_in_seconds"]
        ),
        (Some(false), &Value::Null)
    );

    call_expect(
        &app,
        Method::PUT,
        &format!("{uri}/metadata"),
        Some(json!({ "public_metadata": { "a": 1, "b": { "c": 2 } } })),
        OK,
    )
    .await;
    let merged = call_expect(&app, Method::PATCH, &format!("{uri}/metadata"), Some(json!({ "public_metadata": { "a": null, "b": { "d": 3 } }, "unsafe_metadata": { "u": true } })), OK).await;
    assert_eq!(
        merged["public_metadata"],
        json!({ "b": { "c": 2, "d": 3 } })
    );
    assert_eq!(merged["unsafe_metadata"]["u"], true);
    assert_eq!(
        merged["private_metadata"], before["private_metadata"],
        "untouched field kept"
    );
    // 2026-05-12 removed metadata from PATCH /users/{id}.
    let reply = call(
        &app,
        Method::PATCH,
        &uri,
        Some(json!({ "public_metadata": {} })),
    )
    .await;
    assert_clerk_error(&reply.json(), "form_param_unknown");
}

#[tokio::test]
async fn deleted_users_return_the_deleted_object_and_vanish_from_every_read() {
    let app = app(60, 5, 34);
    let all = all_users(&app, "").await;
    let id = all[10]["id"].as_str().unwrap().to_owned();
    let deleted = call_expect(&app, Method::DELETE, &format!("/v1/users/{id}"), None, OK).await;
    assert_eq!(
        deleted,
        json!({ "object": "user", "id": id, "deleted": true })
    );
    assert_eq!(
        get(&app, &format!("/v1/users/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&app, Method::DELETE, &format!("/v1/users/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get_ok(&app, "/v1/users/count").await["total_count"], 59);
    let after = all_users(&app, "").await;
    assert_eq!(after.len(), 59);
    assert!(!ids(&after).contains(&id));
    // starting_after still walks around the hole.
    let page = get_ok(
        &app,
        &format!(
            "/v1/users?limit=3&starting_after={}",
            all[9]["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(page[0]["id"], all[11]["id"]);
}

#[tokio::test]
async fn paging_stays_exact_in_every_order_after_mixed_writes() {
    let app = app(120, 6, 35);
    let users = all_users(&app, "").await;
    for (n, user) in users.iter().enumerate().step_by(9) {
        let id = user["id"].as_str().unwrap();
        match n % 3 {
            0 => {
                call_expect(&app, Method::DELETE, &format!("/v1/users/{id}"), None, OK).await;
            }
            1 => {
                call_expect(
                    &app,
                    Method::PATCH,
                    &format!("/v1/users/{id}"),
                    Some(json!({ "first_name": format!("Aaa{n}"), "username": format!("aaa{n}") })),
                    OK,
                )
                .await;
            }
            _ => {
                call_expect(&app, Method::POST, &format!("/v1/users/{id}/ban"), None, OK).await;
            }
        }
    }
    for n in 0..7 {
        call_expect(&app, Method::POST, "/v1/users", Some(json!({ "email_address": [format!("made{n}@example.io")], "first_name": format!("M{n}") })), OK).await;
    }
    let everything = all_users(&app, "").await;
    let expected_len = get_ok(&app, "/v1/users/count").await["total_count"]
        .as_u64()
        .unwrap() as usize;
    assert_eq!(everything.len(), expected_len);
    for field in [
        "created_at",
        "first_name",
        "username",
        "email_address",
        "updated_at",
    ] {
        for descending in [false, true] {
            let sign = if descending { "-" } else { "%2B" };
            let mut walked = Vec::new();
            loop {
                let page = get_ok(
                    &app,
                    &format!(
                        "/v1/users?limit=17&offset={}&order_by={sign}{field}",
                        walked.len()
                    ),
                )
                .await;
                let page = page.as_array().unwrap().clone();
                let short = page.len() < 17;
                walked.extend(page);
                if short {
                    break;
                }
            }
            let mut expected = everything.clone();
            spec_order(&mut expected, user_field(field), descending);
            assert_eq!(ids(&walked), ids(&expected), "order_by={sign}{field}");
        }
    }
}

#[tokio::test]
async fn organizations_writes_change_reads_and_deletes_return_the_deleted_object() {
    let app = app(50, 8, 36);
    let org = call_expect(
        &app,
        Method::POST,
        "/v1/organizations",
        Some(json!({ "name": "Acme Rockets", "public_metadata": { "tier": "gold" } })),
        OK,
    )
    .await;
    let id = org["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("org_"));
    assert_eq!(org["slug"], "acme-rockets");
    let list = get_ok(&app, "/v1/organizations?limit=1").await;
    assert_eq!(
        (list["total_count"].as_u64(), list["data"][0]["id"].as_str()),
        (Some(9), Some(id.as_str()))
    );
    assert_eq!(
        get_ok(&app, "/v1/organizations/acme-rockets").await["id"],
        id.as_str()
    );
    let dup = call(
        &app,
        Method::POST,
        "/v1/organizations",
        Some(json!({ "name": "Acme Rockets" })),
    )
    .await;
    assert_clerk_error(&dup.json(), "form_identifier_exists");

    let patched = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/organizations/{id}"),
        Some(json!({ "name": "Acme Jets", "slug": "acme-jets", "max_allowed_memberships": 5 })),
        OK,
    )
    .await;
    assert_eq!(
        (
            patched["name"].as_str(),
            patched["slug"].as_str(),
            patched["max_allowed_memberships"].as_u64()
        ),
        (Some("Acme Jets"), Some("acme-jets"), Some(5))
    );
    assert_eq!(
        get(&app, "/v1/organizations/acme-rockets").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_ok(&app, "/v1/organizations?query=jets").await["data"][0]["id"],
        id.as_str()
    );
    let merged = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/organizations/{id}/metadata"),
        Some(
            json!({ "public_metadata": { "tier": null, "x": 1 }, "private_metadata": { "p": 2 } }),
        ),
        OK,
    )
    .await;
    assert_eq!(
        (
            merged["public_metadata"].clone(),
            merged["private_metadata"].clone()
        ),
        (json!({ "x": 1 }), json!({ "p": 2 }))
    );
    let replaced = call_expect(
        &app,
        Method::PUT,
        &format!("/v1/organizations/{id}/metadata"),
        Some(json!({ "public_metadata": { "y": 2 } })),
        OK,
    )
    .await;
    assert_eq!(
        (
            replaced["public_metadata"].clone(),
            replaced["private_metadata"].clone()
        ),
        (json!({ "y": 2 }), json!({ "p": 2 }))
    );

    // A seeded organization with members: deleting it ends the memberships.
    let seeded = get_ok(
        &app,
        "/v1/organizations?order_by=-members_count&limit=1&include_members_count=true",
    )
    .await["data"][0]
        .clone();
    let seeded_id = seeded["id"].as_str().unwrap();
    assert!(seeded["members_count"].as_u64().unwrap() > 0);
    let deleted = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/organizations/{seeded_id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        deleted,
        json!({ "object": "organization", "id": seeded_id, "slug": seeded["slug"], "deleted": true })
    );
    assert_eq!(get_ok(&app, "/v1/organizations").await["total_count"], 8);
    assert_eq!(
        get_ok(
            &app,
            &format!("/v1/users/count?organization_id={seeded_id}")
        )
        .await["total_count"],
        0
    );
}

#[tokio::test]
async fn reset_undoes_every_write() {
    let app = app(20, 2, 37);
    let before = all_users(&app, "").await;
    let id = before[0]["id"].as_str().unwrap();
    call_expect(&app, Method::DELETE, &format!("/v1/users/{id}"), None, OK).await;
    call_expect(
        &app,
        Method::POST,
        "/v1/organizations",
        Some(json!({ "name": "Temp" })),
        OK,
    )
    .await;
    common::send_unchecked(&app, Method::POST, "/__emulator/reset", None, None).await;
    assert_eq!(all_users(&app, "").await, before);
    assert_eq!(get_ok(&app, "/v1/organizations").await["total_count"], 2);
}

#[tokio::test]
async fn api_version_by_header_or_query_never_both_and_only_known_versions() {
    let app = app(3, 1, 38);
    let key = format!("Bearer {}", common::KEY);
    let with_header = |version: &'static str| {
        let app = app.clone();
        let key = key.clone();
        async move {
            let request = axum::http::Request::builder()
                .uri("/v1/users/count")
                .header("authorization", key)
                .header("clerk-api-version", version)
                .body(axum::body::Body::empty())
                .unwrap();
            tower::ServiceExt::oneshot(app, request)
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(with_header("2026-05-12").await, OK);
    assert_eq!(with_header("2025-11-10").await, OK);
    assert_eq!(with_header("2099-01-01").await, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&app, "/v1/users/count?__clerk_api_version=2026-05-12")
            .await
            .status,
        OK
    );
    let reply = get(&app, "/v1/users/count?__clerk_api_version=1999-01-01").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_clerk_error(&reply.json(), "api_version_invalid");
    let request = axum::http::Request::builder()
        .uri("/v1/users/count?__clerk_api_version=2026-05-12")
        .header("authorization", key.clone())
        .header("clerk-api-version", "2026-05-12")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(
        tower::ServiceExt::oneshot(app.clone(), request)
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
}

/// Regression: `role_set_key` was accepted by create and update and then
/// dropped, so reads never showed the role set assigned.
#[tokio::test]
async fn an_organizations_role_set_key_is_kept_and_must_name_a_role_set() {
    let app = app(5, 2, 35);
    let sets = get_ok(&app, "/v1/role_sets?limit=10").await;
    let key = sets["data"][0]["key"].as_str().unwrap().to_owned();
    let org = call_expect(
        &app,
        Method::POST,
        "/v1/organizations",
        Some(json!({ "name": "Role Set Org", "role_set_key": key })),
        OK,
    )
    .await;
    assert_eq!(org["role_set_key"], key.as_str());
    let id = org["id"].as_str().unwrap();
    assert_eq!(
        get_ok(&app, &format!("/v1/organizations/{id}")).await["role_set_key"],
        key.as_str()
    );
    for (method, uri) in [
        (Method::POST, "/v1/organizations".to_owned()),
        (Method::PATCH, format!("/v1/organizations/{id}")),
    ] {
        let reply = call(
            &app,
            method.clone(),
            &uri,
            Some(json!({ "name": "X", "role_set_key": "role_set:nope" })),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{method} {uri}: {}",
            reply.text
        );
        assert_clerk_error(&reply.json(), "form_param_value_invalid");
    }
    let seeded =
        get_ok(&app, "/v1/organizations?order_by=%2Bcreated_at&limit=1").await["data"][0].clone();
    let seeded_id = seeded["id"].as_str().unwrap();
    assert!(
        seeded.get("role_set_key").is_none(),
        "seeded organizations have none"
    );
    let patched = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/organizations/{seeded_id}"),
        Some(json!({ "role_set_key": key })),
        OK,
    )
    .await;
    assert_eq!(patched["role_set_key"], key.as_str());
    assert_eq!(
        get_ok(&app, &format!("/v1/organizations/{seeded_id}")).await["role_set_key"],
        key.as_str()
    );
}

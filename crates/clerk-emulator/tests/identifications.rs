//! Email addresses and phone numbers in process: each is the very object
//! embedded in its user, writes show on the user, primary moves as Clerk
//! moves it, and Clerk's errors. Every response is also checked against
//! the spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{app, assert_clerk_error, call_expect, get, get_ok};
use serde_json::{json, Value};

const OK: StatusCode = StatusCode::OK;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

async fn user(app: &axum::Router, id: &str) -> Value {
    get_ok(app, &format!("/v1/users/{id}")).await
}

#[tokio::test]
async fn seeded_identifications_are_the_users_own_objects() {
    let app = app(50, 3, 4);
    let users = get_ok(&app, "/v1/users?limit=50").await;
    let mut phones = 0;
    for u in users.as_array().unwrap() {
        for e in u["email_addresses"].as_array().unwrap() {
            let got = get_ok(
                &app,
                &format!("/v1/email_addresses/{}", e["id"].as_str().unwrap()),
            )
            .await;
            assert_eq!(&got, e);
        }
        for p in u["phone_numbers"].as_array().unwrap() {
            let got = get_ok(
                &app,
                &format!("/v1/phone_numbers/{}", p["id"].as_str().unwrap()),
            )
            .await;
            assert_eq!(&got, p);
            phones += 1;
        }
    }
    assert!(phones > 5);
    // An email id is not a phone id, and forged ids are 404s.
    let email_id = users[0]["email_addresses"][0]["id"].as_str().unwrap();
    let reply = get(&app, &format!("/v1/phone_numbers/{email_id}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_clerk_error(&reply.json(), "resource_not_found");
    assert_eq!(
        get(&app, "/v1/email_addresses/idn_nope").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn email_writes_show_on_the_user() {
    let app = app(20, 2, 6);
    let u = get_ok(&app, "/v1/users?limit=1").await[0].clone();
    let user_id = u["id"].as_str().unwrap().to_owned();
    let created = call_expect(
        &app,
        Method::POST,
        "/v1/email_addresses",
        Some(json!({ "user_id": user_id, "email_address": "New.One@Example.com", "verified": true, "primary": true })),
        OK,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["email_address"], "new.one@example.com");
    assert_eq!(created["verification"]["status"], "verified");
    let after = user(&app, &user_id).await;
    assert_eq!(after["primary_email_address_id"], id.as_str());
    assert!(after["updated_at"].as_i64() > u["updated_at"].as_i64());
    assert_eq!(
        get_ok(&app, &format!("/v1/email_addresses/{id}")).await,
        created
    );
    let found = get_ok(&app, "/v1/users?email_address=new.one@example.com").await;
    assert_eq!(found[0]["id"], user_id.as_str());

    let taken = call_expect(
        &app,
        Method::POST,
        "/v1/email_addresses",
        Some(json!({ "user_id": user_id, "email_address": "new.one@example.com" })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&taken, "form_identifier_exists");
    for (body, status, code) in [
        (
            json!({ "user_id": user_id, "email_address": "nope" }),
            UNPROCESSABLE,
            "form_param_format_invalid",
        ),
        (
            json!({ "email_address": "a@b.co" }),
            UNPROCESSABLE,
            "form_param_missing",
        ),
        (
            json!({ "user_id": "user_nope", "email_address": "a@b.co" }),
            StatusCode::NOT_FOUND,
            "resource_not_found",
        ),
    ] {
        let bad = call_expect(
            &app,
            Method::POST,
            "/v1/email_addresses",
            Some(body),
            status,
        )
        .await;
        assert_clerk_error(&bad, code);
    }

    let old_primary = u["primary_email_address_id"].as_str().unwrap();
    let unverified = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/email_addresses/{old_primary}"),
        Some(json!({ "verified": false, "primary": true })),
        OK,
    )
    .await;
    assert_eq!(unverified["verification"]["status"], "unverified");
    assert_eq!(
        user(&app, &user_id).await["primary_email_address_id"],
        old_primary
    );

    let gone = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/email_addresses/{old_primary}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        gone,
        json!({ "object": "email_address", "id": old_primary, "deleted": true })
    );
    let after = user(&app, &user_id).await;
    assert!(after["email_addresses"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["id"] != old_primary));
    assert!(
        after["primary_email_address_id"].is_string(),
        "another address became primary"
    );
    assert_eq!(
        get(&app, &format!("/v1/email_addresses/{old_primary}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn phone_writes_show_on_the_user_and_second_factors_need_verification() {
    let app = app(20, 2, 6);
    let u = get_ok(&app, "/v1/users?limit=1").await[0].clone();
    let user_id = u["id"].as_str().unwrap().to_owned();
    let unverified_2fa = call_expect(
        &app,
        Method::POST,
        "/v1/phone_numbers",
        Some(json!({ "user_id": user_id, "phone_number": "+447700900123", "reserved_for_second_factor": true })),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_clerk_error(&unverified_2fa, "phone_number_not_verified");
    let created = call_expect(
        &app,
        Method::POST,
        "/v1/phone_numbers",
        Some(json!({ "user_id": user_id, "phone_number": "+447700900123", "verified": true, "reserved_for_second_factor": true })),
        OK,
    )
    .await;
    assert_eq!(created["reserved_for_second_factor"], true);
    assert_eq!(created["default_second_factor"], true);
    let id = created["id"].as_str().unwrap().to_owned();
    let after = user(&app, &user_id).await;
    assert!(after["phone_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == id.as_str()));
    let bad = call_expect(
        &app,
        Method::POST,
        "/v1/phone_numbers",
        Some(json!({ "user_id": user_id, "phone_number": "0770" })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&bad, "form_param_format_invalid");
    let patched = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/phone_numbers/{id}"),
        Some(json!({ "reserved_for_second_factor": false, "primary": true })),
        OK,
    )
    .await;
    assert_eq!(patched["reserved_for_second_factor"], false);
    assert_eq!(
        user(&app, &user_id).await["primary_phone_number_id"],
        id.as_str()
    );
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/phone_numbers/{id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        get(&app, &format!("/v1/phone_numbers/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // A deleted user's identifications are gone with it.
    let email_id = u["email_addresses"][0]["id"].as_str().unwrap();
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/users/{user_id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        get(&app, &format!("/v1/email_addresses/{email_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

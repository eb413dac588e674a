//! Response bodies validated against the spec's own component schemas
//! (`User`, `Organizations`, `Organization`, `TotalCount`, `ClerkErrors`)
//! from the vendored `spec/clerk-bapi-2026-05-12.yml`, converted from
//! OpenAPI 3.0 to JSON Schema 2020-12 (`nullable: true` becomes
//! `anyOf [null, ...]`). The spec is part of the repository: without it
//! these tests fail, they never pass vacuously.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::spec::{self, assert_valid, component, violations};
use common::{all_users, app, get, get_ok, send};
use serde_json::{json, Value};

#[test]
fn the_vendored_spec_is_the_documented_2026_05_12_file() {
    let path = spec::spec_path();
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("{} is missing ({e})", path.display()));
    // spec/SOURCE.md: byte-identical to Clerk's blob e063b20b, 738295 bytes.
    assert_eq!(
        bytes.len(),
        738_295,
        "the vendored spec was edited; see spec/SOURCE.md"
    );
    assert_eq!(spec::doc()["info"]["version"], "2026-05-12");
    assert_eq!(spec::doc()["info"]["license"]["name"], "MIT");
    assert_eq!(spec::doc()["openapi"], "3.0.3");
}

#[tokio::test]
async fn users_list_and_get_match_the_user_schema() {
    let app = app(400, 20, 21);
    let users = Value::Array(all_users(&app, "").await);
    assert_valid(
        json!({ "type": "array", "items": component("User") }),
        &users,
    );
    let id = users[0]["id"].as_str().unwrap();
    assert_valid(
        component("User"),
        &get_ok(&app, &format!("/v1/users/{id}")).await,
    );
    assert_valid(
        component("TotalCount"),
        &get_ok(&app, "/v1/users/count").await,
    );
}

#[tokio::test]
async fn organizations_list_and_get_match_the_organization_schemas() {
    let app = app(100, 60, 22);
    for query in ["limit=500", "limit=500&include_members_count=true&include_missing_member_with_elevated_permissions=true"] {
        let body = get_ok(&app, &format!("/v1/organizations?{query}")).await;
        assert_valid(component("Organizations"), &body);
        let id = body["data"][0]["id"].as_str().unwrap();
        assert_valid(component("Organization"), &get_ok(&app, &format!("/v1/organizations/{id}?{query}")).await);
    }
}

#[tokio::test]
async fn error_bodies_match_the_clerk_errors_schema() {
    let app = app(3, 1, 23);
    let unauthorized = send(&app, Method::GET, "/v1/users", None).await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
    for body in [
        unauthorized.json(),
        get(&app, "/v1/users?limit=0").await.json(),
        get(&app, "/v1/users/user_missing").await.json(),
        get(&app, "/v1/unknown").await.json(),
    ] {
        assert_valid(component("ClerkErrors"), &body);
    }
}

#[tokio::test]
async fn the_schema_check_rejects_objects_that_break_the_spec() {
    // Guards the converter and validator: a check that accepts anything
    // would make every conformance check meaningless.
    let app = app(2, 1, 24);
    let user = get_ok(&app, "/v1/users?limit=1").await[0].clone();
    let mut extra_field = user.clone();
    extra_field["not_in_the_spec"] = json!(1);
    let mut wrong_type = user.clone();
    wrong_type["created_at"] = json!("2024-01-01");
    let mut missing_required = user;
    missing_required.as_object_mut().unwrap().remove("banned");
    let mut bad_verification = missing_required.clone();
    bad_verification["email_addresses"][0]["verification"]["object"] =
        json!("verification_unknown");
    for broken in [extra_field, wrong_type, missing_required, bad_verification] {
        assert!(
            !violations("User", component("User"), &broken).is_empty(),
            "accepted a broken user"
        );
    }
}

#[test]
#[should_panic(expected = "schema violations")]
fn the_response_check_fails_on_a_body_that_breaks_the_operation_schema() {
    spec::check_response(
        "GET",
        "/v1/users/count",
        200,
        r#"{"object":"total_count","total_count":"many"}"#,
    );
}

#[test]
#[should_panic(expected = "does not document")]
fn the_response_check_fails_on_an_undocumented_success_status() {
    spec::check_response(
        "GET",
        "/v1/users/count",
        201,
        r#"{"object":"total_count","total_count":1}"#,
    );
}

//! Instance-level configuration lists in process: allow-list and block-list
//! identifiers, domains, JWT templates and redirect URLs. Their envelopes
//! (bare array, `paginated=true`, `{data,total_count}` without parameters),
//! writes as later reads see them, deleted-object answers and Clerk's
//! errors. Every response is also checked against the spec by
//! `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{app, assert_clerk_error, call_expect, get, get_ok, spec_order};
use serde_json::{json, Value};

const OK: StatusCode = StatusCode::OK;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

fn newest_first(items: &[Value]) -> bool {
    let mut sorted = items.to_vec();
    spec_order(&mut sorted, |o| o["created_at"].clone(), true);
    sorted == items
}

#[tokio::test]
async fn allowlist_pages_creates_and_deletes_identifiers() {
    let app = app(10, 2, 17);
    let all = get_ok(&app, "/v1/allowlist_identifiers?limit=500").await;
    let all = all.as_array().unwrap().clone();
    assert!(all.len() >= 6);
    assert!(newest_first(&all));
    let kinds: std::collections::HashSet<&str> = all
        .iter()
        .map(|i| i["identifier_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(all
        .iter()
        .all(|i| i["id"].as_str().unwrap().starts_with("alid_")
            && i["instance_id"].as_str().unwrap().starts_with("ins_")));
    let paged = get_ok(
        &app,
        "/v1/allowlist_identifiers?paginated=true&limit=2&offset=1",
    )
    .await;
    assert_eq!(paged["total_count"], all.len());
    assert_eq!(paged["data"].as_array().unwrap()[..], all[1..3]);

    let created = call_expect(
        &app,
        Method::POST,
        "/v1/allowlist_identifiers",
        Some(json!({ "identifier": "New.Person@Example.com", "notify": false })),
        OK,
    )
    .await;
    assert_eq!(created["identifier"], "new.person@example.com");
    assert_eq!(created["identifier_type"], "email_address");
    let first = get_ok(&app, "/v1/allowlist_identifiers?limit=1").await;
    assert_eq!(first[0]["id"], created["id"], "newest first");
    let dup = call_expect(
        &app,
        Method::POST,
        "/v1/allowlist_identifiers",
        Some(json!({ "identifier": "new.person@example.com" })),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_clerk_error(&dup, "duplicate_record");
    for body in [
        json!({ "identifier": "not an identifier" }),
        json!({ "identifier": "*@x.com" }),
    ] {
        let bad = call_expect(
            &app,
            Method::POST,
            "/v1/allowlist_identifiers",
            Some(body),
            UNPROCESSABLE,
        )
        .await;
        assert_clerk_error(&bad, "form_param_format_invalid");
    }
    let id = created["id"].as_str().unwrap();
    let gone = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/allowlist_identifiers/{id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        gone,
        json!({ "object": "allowlist_identifier", "id": id, "deleted": true })
    );
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/allowlist_identifiers/{id}"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let after = get_ok(&app, "/v1/allowlist_identifiers?limit=500").await;
    assert_eq!(after.as_array().unwrap().len(), all.len());
    assert_eq!(
        get(&app, "/v1/allowlist_identifiers?limit=501")
            .await
            .status,
        UNPROCESSABLE
    );
}

#[tokio::test]
async fn blocklist_is_data_total_without_parameters() {
    let app = app(10, 2, 17);
    let all = get_ok(&app, "/v1/blocklist_identifiers?limit=1").await;
    let n = all["data"].as_array().unwrap().len();
    assert_eq!(
        all["total_count"], n,
        "no paging parameters: limit is ignored"
    );
    assert!(n >= 4);
    assert!(all["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["identifier"].as_str().unwrap().starts_with("*@")));
    let created = call_expect(
        &app,
        Method::POST,
        "/v1/blocklist_identifiers",
        Some(json!({ "identifier": "*@spammy.example" })),
        OK,
    )
    .await;
    assert_eq!(created["object"], "blocklist_identifier");
    assert!(created["id"].as_str().unwrap().starts_with("blid_"));
    let after = get_ok(&app, "/v1/blocklist_identifiers").await;
    assert_eq!(after["total_count"], n + 1);
    let id = created["id"].as_str().unwrap();
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/blocklist_identifiers/{id}"),
        None,
        OK,
    )
    .await;
    let unknown = call_expect(
        &app,
        Method::POST,
        "/v1/blocklist_identifiers",
        Some(json!({ "identifier": "+15550001111", "notify": true })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&unknown, "form_param_unknown");
}

#[tokio::test]
async fn domains_keep_the_primary_and_manage_satellites() {
    let app = app(10, 2, 3);
    let all = get_ok(&app, "/v1/domains").await;
    assert_eq!(all["total_count"], 2);
    let primary = all["data"][0].clone();
    assert_eq!(primary["is_satellite"], false);
    assert!(primary["accounts_portal_url"].is_string());
    let primary_id = primary["id"].as_str().unwrap();
    let forbidden = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/domains/{primary_id}"),
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_clerk_error(&forbidden, "primary_domain_cannot_be_deleted");

    let satellite = call_expect(
        &app,
        Method::POST,
        "/v1/domains",
        Some(json!({ "name": "Shop.Example.io", "is_satellite": true })),
        OK,
    )
    .await;
    assert_eq!(satellite["name"], "shop.example.io");
    assert_eq!(
        satellite["frontend_api_url"],
        "https://clerk.shop.example.io"
    );
    assert_eq!(satellite["accounts_portal_url"], Value::Null);
    let not_satellite = call_expect(
        &app,
        Method::POST,
        "/v1/domains",
        Some(json!({ "name": "other.example.io", "is_satellite": false })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&not_satellite, "form_param_value_invalid");
    let taken = call_expect(
        &app,
        Method::POST,
        "/v1/domains",
        Some(json!({ "name": "shop.example.io", "is_satellite": true })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&taken, "form_identifier_exists");

    let id = satellite["id"].as_str().unwrap();
    let patched = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/domains/{id}"),
        Some(
            json!({ "name": "store.example.io", "proxy_url": "https://store.example.io/__clerk" }),
        ),
        OK,
    )
    .await;
    assert_eq!(patched["name"], "store.example.io");
    assert_eq!(patched["proxy_url"], "https://store.example.io/__clerk");
    assert_eq!(get_ok(&app, "/v1/domains").await["data"][2], patched);
    let gone = call_expect(&app, Method::DELETE, &format!("/v1/domains/{id}"), None, OK).await;
    assert_eq!(gone["deleted"], true);
    assert_eq!(get_ok(&app, "/v1/domains").await["total_count"], 2);
}

#[tokio::test]
async fn jwt_templates_are_created_replaced_and_deleted() {
    let app = app(10, 2, 3);
    let all = get_ok(&app, "/v1/jwt_templates").await;
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert!(newest_first(all.as_array().unwrap()));
    let paged = get_ok(&app, "/v1/jwt_templates?paginated=true&limit=1").await;
    assert_eq!(paged["total_count"], 3);

    let body = json!({ "name": "grafbase", "claims": { "groups": ["admin"] }, "lifetime": 300 });
    let created = call_expect(
        &app,
        Method::POST,
        "/v1/jwt_templates",
        Some(body.clone()),
        OK,
    )
    .await;
    assert_eq!(created["lifetime"], 300);
    assert_eq!(created["allowed_clock_skew"], 5);
    assert!(created["id"].as_str().unwrap().starts_with("jtmp_"));
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        get_ok(&app, &format!("/v1/jwt_templates/{id}")).await,
        created
    );
    let dup = call_expect(
        &app,
        Method::POST,
        "/v1/jwt_templates",
        Some(body),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&dup, "form_identifier_exists");
    for (body, code) in [
        (json!({ "name": "x" }), "form_param_missing"),
        (
            json!({ "name": "x", "claims": {}, "lifetime": 5 }),
            "form_param_value_invalid",
        ),
        (
            json!({ "name": "x", "claims": {}, "custom_signing_key": true, "signing_algorithm": "RS256" }),
            "form_param_missing",
        ),
        (
            json!({ "name": "x", "claims": [] }),
            "form_param_format_invalid",
        ),
    ] {
        let bad = call_expect(
            &app,
            Method::POST,
            "/v1/jwt_templates",
            Some(body),
            UNPROCESSABLE,
        )
        .await;
        assert_clerk_error(&bad, code);
    }
    let replaced = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/jwt_templates/{id}"),
        Some(json!({ "name": "grafbase", "claims": { "sub": "{{user.id}}" },
                     "custom_signing_key": true, "signing_algorithm": "ES256", "signing_key": "-----BEGIN PRIVATE KEY-----" })),
        OK,
    )
    .await;
    assert_eq!(
        replaced["lifetime"], 60,
        "PATCH replaces the whole template"
    );
    assert_eq!(replaced["signing_algorithm"], "ES256");
    assert!(
        replaced.get("signing_key").is_none(),
        "the key is write-only"
    );
    assert_eq!(replaced["created_at"], created["created_at"]);
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/jwt_templates/{id}"),
        None,
        OK,
    )
    .await;
    let reply = get(&app, &format!("/v1/jwt_templates/{id}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_clerk_error(&reply.json(), "resource_not_found");
}

#[tokio::test]
async fn redirect_urls_are_listed_created_and_deleted() {
    let app = app(10, 2, 3);
    let all = get_ok(&app, "/v1/redirect_urls?limit=500").await;
    let n = all.as_array().unwrap().len();
    assert!(newest_first(all.as_array().unwrap()));
    let created = call_expect(
        &app,
        Method::POST,
        "/v1/redirect_urls",
        Some(json!({ "url": "my-app://oauth-callback" })),
        OK,
    )
    .await;
    assert!(created["id"].as_str().unwrap().starts_with("ru_"));
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        get_ok(&app, &format!("/v1/redirect_urls/{id}")).await,
        created
    );
    let paged = get_ok(&app, "/v1/redirect_urls?paginated=true").await;
    assert_eq!(paged["total_count"], n + 1);
    assert_eq!(paged["data"][0], created);
    let dup = call_expect(
        &app,
        Method::POST,
        "/v1/redirect_urls",
        Some(json!({ "url": "my-app://oauth-callback" })),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_clerk_error(&dup, "duplicate_record");
    let bad = call_expect(
        &app,
        Method::POST,
        "/v1/redirect_urls",
        Some(json!({ "url": "http://example.com/cb" })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&bad, "form_param_format_invalid");
    let gone = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/redirect_urls/{id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        gone,
        json!({ "object": "redirect_url", "id": id, "deleted": true })
    );
    common::send_unchecked(&app, Method::POST, "/__emulator/reset", None, None).await;
    assert_eq!(
        get_ok(&app, "/v1/redirect_urls?limit=500")
            .await
            .as_array()
            .unwrap()
            .len(),
        n
    );
}

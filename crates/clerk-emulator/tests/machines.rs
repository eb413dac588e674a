//! Machines, M2M tokens and API keys in process: the seeded service mesh and
//! its token history, the machine-key authentication of `/m2m_tokens`, the
//! `{m2m_tokens,total_count}` envelope and its 1-100 limit, API keys tied to
//! users and organizations with `include_invalid` as a string, and every
//! write as later reads see it. Every response is also checked against the
//! spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{app, assert_clerk_error, call_expect, get, get_ok, send_body, spec_order};
use serde_json::json;

const OK: StatusCode = StatusCode::OK;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

#[tokio::test]
async fn machines_scopes_and_secret_keys() {
    let app = app(10, 2, 5);
    let all = get_ok(&app, "/v1/machines?limit=100").await;
    assert_eq!(all["total_count"], 5);
    let gateway = get_ok(&app, "/v1/machines?query=gateway").await["data"][0].clone();
    assert_eq!(gateway["scoped_machines"].as_array().unwrap().len(), 3);
    assert!(gateway["scoped_machines"][0]
        .get("scoped_machines")
        .is_none());
    let by_name = get_ok(&app, "/v1/machines?order_by=name&limit=100").await;
    let mut sorted = by_name["data"].as_array().unwrap().clone();
    spec_order(&mut sorted, |m| m["name"].clone(), false);
    assert_eq!(by_name["data"].as_array().unwrap(), &sorted);

    let created = call_expect(
        &app,
        Method::POST,
        "/v1/machines",
        Some(json!({ "name": "ml-trainer", "scoped_machines": [gateway["id"]], "default_token_ttl": 600 })),
        OK,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("mch_") && id.len() == 31);
    let secret = created["secret_key"].as_str().unwrap().to_owned();
    let read = get_ok(&app, &format!("/v1/machines/{id}/secret_key")).await;
    assert_eq!(read["secret"], secret.as_str());
    let rotated = call_expect(
        &app,
        Method::POST,
        &format!("/v1/machines/{id}/secret_key/rotate"),
        Some(json!({ "previous_token_ttl": 60 })),
        OK,
    )
    .await;
    assert_ne!(rotated["secret"], secret.as_str());
    let bad = call_expect(
        &app,
        Method::POST,
        &format!("/v1/machines/{id}/secret_key/rotate"),
        Some(json!({ "previous_token_ttl": 99999 })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&bad, "form_param_value_invalid");

    let other = all["data"][0]["id"].as_str().unwrap();
    let scope = call_expect(
        &app,
        Method::POST,
        &format!("/v1/machines/{id}/scopes"),
        Some(json!({ "to_machine_id": other })),
        OK,
    )
    .await;
    assert_eq!(scope["object"], "machine_scope");
    let dup = call_expect(
        &app,
        Method::POST,
        &format!("/v1/machines/{id}/scopes"),
        Some(json!({ "to_machine_id": other })),
        StatusCode::CONFLICT,
    )
    .await;
    assert_clerk_error(&dup, "machine_scope_exists");
    assert_eq!(
        get_ok(&app, &format!("/v1/machines/{id}")).await["scoped_machines"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let unscoped = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/machines/{id}/scopes/{other}"),
        None,
        OK,
    )
    .await;
    assert_eq!(unscoped["deleted"], true);
    let patched = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/machines/{id}"),
        Some(json!({ "name": "ml-trainer-2" })),
        OK,
    )
    .await;
    assert_eq!(patched["name"], "ml-trainer-2");
    let gone = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/machines/{}", gateway["id"].as_str().unwrap()),
        None,
        OK,
    )
    .await;
    assert_eq!(
        gone,
        json!({ "object": "machine", "id": gateway["id"], "deleted": true })
    );
    assert_eq!(
        get_ok(&app, &format!("/v1/machines/{id}")).await["scoped_machines"],
        json!([]),
        "scopes on a deleted machine go"
    );
    assert_eq!(
        get(&app, "/v1/machines/mch_nope").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn m2m_tokens_need_a_machine_key_to_be_created() {
    let app = app(10, 2, 5);
    let machine = get_ok(&app, "/v1/machines?query=billing").await["data"][0].clone();
    let mid = machine["id"].as_str().unwrap().to_owned();
    let history = get_ok(&app, &format!("/v1/m2m_tokens?subject={mid}&limit=100")).await;
    let valid = history["total_count"].as_u64().unwrap();
    assert!(history["m2m_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["revoked"] == false && t["expired"] == false));
    let expired = get_ok(
        &app,
        &format!("/v1/m2m_tokens?subject={mid}&expired=true&limit=100"),
    )
    .await;
    assert!(expired["total_count"].as_u64().unwrap() > 0);
    assert_eq!(
        get(&app, &format!("/v1/m2m_tokens?subject={mid}&limit=101"))
            .await
            .status,
        UNPROCESSABLE
    );
    let missing = call_expect(&app, Method::GET, "/v1/m2m_tokens", None, UNPROCESSABLE).await;
    assert_clerk_error(&missing, "form_param_missing");

    // The instance key cannot mint a token; the machine's own key can.
    let refused = call_expect(
        &app,
        Method::POST,
        "/v1/m2m_tokens",
        Some(json!({})),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_clerk_error(&refused, "machine_secret_key_required");
    let key = get_ok(&app, &format!("/v1/machines/{mid}/secret_key")).await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let auth = format!("Bearer {key}");
    let body = json!({ "claims": { "job": "nightly" }, "seconds_until_expiration": 120, "min_remaining_ttl_seconds": 60 });
    let minted = send_body(
        &app,
        Method::POST,
        "/v1/m2m_tokens",
        Some(&auth),
        Some(&body),
    )
    .await;
    assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.text);
    let minted = minted.json();
    assert!(minted["id"].as_str().unwrap().starts_with("mt_"));
    assert!(minted["token"].as_str().unwrap().starts_with("mt_"));
    assert_eq!(minted["subject"], mid.as_str());
    let reused = send_body(
        &app,
        Method::POST,
        "/v1/m2m_tokens",
        Some(&auth),
        Some(&body),
    )
    .await
    .json();
    assert_eq!(
        reused["id"], minted["id"],
        "min_remaining_ttl_seconds reuses a live token"
    );
    let own = send_body(&app, Method::GET, "/v1/m2m_tokens", Some(&auth), None).await;
    assert_eq!(own.status, OK);
    assert_eq!(own.json()["total_count"], valid + 1);
    let others = get_ok(&app, "/v1/machines?query=search").await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = send_body(
        &app,
        Method::GET,
        &format!("/v1/m2m_tokens?subject={others}"),
        Some(&auth),
        None,
    )
    .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    // A machine key opens nothing else.
    let elsewhere = send_body(&app, Method::GET, "/v1/machines", Some(&auth), None).await;
    assert_eq!(elsewhere.status, StatusCode::UNAUTHORIZED);

    let id = minted["id"].as_str().unwrap();
    let revoked = call_expect(
        &app,
        Method::POST,
        &format!("/v1/m2m_tokens/{id}/revoke"),
        Some(json!({ "revocation_reason": "done" })),
        OK,
    )
    .await;
    assert_eq!(revoked["revoked"], true);
    assert_eq!(revoked["revocation_reason"], "done");
    call_expect(
        &app,
        Method::POST,
        &format!("/v1/m2m_tokens/{id}/revoke"),
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let listed = get_ok(
        &app,
        &format!("/v1/m2m_tokens?subject={mid}&revoked=true&limit=100"),
    )
    .await;
    assert!(listed["m2m_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == id));
    call_expect(
        &app,
        Method::POST,
        "/v1/m2m_tokens/mt_00000000000000000000000000000000/revoke",
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn api_keys_belong_to_their_subject() {
    let app = app(60, 20, 9);
    let users = get_ok(&app, "/v1/users?limit=100&order_by=created_at").await;
    let owner = users[1]["id"].as_str().unwrap().to_owned();
    let all = get_ok(
        &app,
        &format!("/v1/api_keys?subject={owner}&include_invalid=true"),
    )
    .await;
    assert_eq!(all["total_count"], 1, "user 1 holds a seeded key");
    let key = all["data"][0].clone();
    assert!(
        key["id"].as_str().unwrap().starts_with("ak_") && key["id"].as_str().unwrap().len() == 35
    );
    assert_eq!(
        get_ok(
            &app,
            &format!("/v1/api_keys/{}", key["id"].as_str().unwrap())
        )
        .await,
        key
    );
    let nobody = users[2]["id"].as_str().unwrap();
    assert_eq!(
        get_ok(&app, &format!("/v1/api_keys?subject={nobody}")).await["total_count"],
        0
    );
    assert_eq!(
        get(
            &app,
            &format!("/v1/api_keys?subject={owner}&include_invalid=yes")
        )
        .await
        .status,
        UNPROCESSABLE
    );
    assert_eq!(
        get(&app, &format!("/v1/api_keys?subject={owner}&limit=101"))
            .await
            .status,
        UNPROCESSABLE
    );
    assert_eq!(get(&app, "/v1/api_keys").await.status, UNPROCESSABLE);
    let orgs = get_ok(&app, "/v1/organizations?order_by=created_at&limit=20").await;
    let org = orgs["data"][2]["id"].as_str().unwrap();
    assert_eq!(
        get_ok(
            &app,
            &format!("/v1/api_keys?subject={org}&include_invalid=true")
        )
        .await["total_count"],
        1
    );

    let created = call_expect(
        &app,
        Method::POST,
        "/v1/api_keys",
        Some(json!({ "name": "REPORTS_KEY", "subject": nobody, "scopes": ["read"], "seconds_until_expiration": 3600 })),
        OK,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        get_ok(&app, &format!("/v1/api_keys/{id}/secret")).await["secret"],
        secret.as_str()
    );
    assert!(get_ok(&app, &format!("/v1/api_keys/{id}"))
        .await
        .get("secret")
        .is_none());
    let dup = call_expect(
        &app,
        Method::POST,
        "/v1/api_keys",
        Some(json!({ "name": "REPORTS_KEY", "subject": nobody })),
        StatusCode::CONFLICT,
    )
    .await;
    assert_clerk_error(&dup, "api_key_name_exists");
    for body in [
        json!({ "name": "ab", "subject": nobody }),
        json!({ "name": "fine", "subject": "team_1" }),
    ] {
        call_expect(
            &app,
            Method::POST,
            "/v1/api_keys",
            Some(body),
            UNPROCESSABLE,
        )
        .await;
    }
    let patched = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/api_keys/{id}"),
        Some(json!({ "description": "for reports", "scopes": ["read", "write"] })),
        OK,
    )
    .await;
    assert_eq!(patched["scopes"], json!(["read", "write"]));
    let listed = get_ok(&app, &format!("/v1/api_keys?subject={nobody}&query=report")).await;
    assert_eq!(listed["data"][0], patched);
    let revoked = call_expect(
        &app,
        Method::POST,
        &format!("/v1/api_keys/{id}/revoke"),
        Some(json!({ "revocation_reason": "rotated" })),
        OK,
    )
    .await;
    assert_eq!(revoked["revoked"], true);
    assert_eq!(
        get_ok(&app, &format!("/v1/api_keys?subject={nobody}")).await["total_count"],
        0,
        "invalid keys are hidden"
    );
    assert_eq!(
        get_ok(
            &app,
            &format!("/v1/api_keys?subject={nobody}&include_invalid=true")
        )
        .await["total_count"],
        1
    );
    let gone = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/api_keys/{id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        gone,
        json!({ "id": id, "object": "api_key", "deleted": true })
    );
    assert_eq!(
        get(&app, &format!("/v1/api_keys/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

//! OAuth applications, SAML and enterprise connections, and organization
//! domains in process: seeded data tied to organizations, filters and
//! orders, writes as later reads see them (including the SAML/enterprise
//! pairing and what deleting an organization takes with it), deleted-object
//! answers and Clerk's errors. Every response is also checked against the
//! spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{app, assert_clerk_error, call_expect, get, get_ok, spec_order};
use serde_json::{json, Value};

const OK: StatusCode = StatusCode::OK;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

fn data(body: &Value) -> Vec<Value> {
    body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn oauth_applications_list_oldest_first_and_rotate_secrets() {
    let app = app(10, 2, 21);
    let all = get_ok(&app, "/v1/oauth_applications").await;
    assert_eq!(all["total_count"], 3);
    let mut oldest = data(&all);
    spec_order(&mut oldest, |o| o["created_at"].clone(), false);
    assert_eq!(data(&all), oldest, "oldest first by default");
    assert!(data(&all).iter().all(|a| a.get("client_secret").is_none()));
    let client_id = all["data"][1]["client_id"].as_str().unwrap().to_owned();
    let by_client = get_ok(
        &app,
        &format!("/v1/oauth_applications?name_query={client_id}"),
    )
    .await;
    assert_eq!(by_client["data"][0]["client_id"], client_id.as_str());
    assert_eq!(
        get_ok(&app, "/v1/oauth_applications?name_query=PORTAL").await["total_count"],
        1
    );
    let by_name = get_ok(&app, "/v1/oauth_applications?order_by=-name").await;
    assert_eq!(by_name["data"][0]["name"], "Partner portal");

    let created = call_expect(
        &app,
        Method::POST,
        "/v1/oauth_applications",
        Some(json!({ "name": "Mobile", "redirect_uris": ["com.example://cb"], "scopes": "profile email public_metadata" })),
        OK,
    )
    .await;
    assert!(created["id"].as_str().unwrap().starts_with("oa_"));
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32);
    let id = created["id"].as_str().unwrap();
    let fetched = get_ok(&app, &format!("/v1/oauth_applications/{id}")).await;
    assert!(
        fetched.get("client_secret").is_none(),
        "the secret is shown once"
    );
    let rotated = call_expect(
        &app,
        Method::POST,
        &format!("/v1/oauth_applications/{id}/rotate_secret"),
        None,
        OK,
    )
    .await;
    assert_ne!(rotated["client_secret"], secret.as_str());
    let patched = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/oauth_applications/{id}"),
        Some(json!({ "public": true, "name": "Mobile app" })),
        OK,
    )
    .await;
    assert_eq!(patched["pkce_required"], true, "public clients use PKCE");
    let bad = call_expect(
        &app,
        Method::POST,
        "/v1/oauth_applications",
        Some(json!({ "name": "x", "scopes": "root" })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&bad, "form_param_value_invalid");
    let gone = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/oauth_applications/{id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        gone,
        json!({ "object": "oauth_application", "id": id, "deleted": true })
    );
    assert_eq!(
        get(&app, &format!("/v1/oauth_applications/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/v1/oauth_applications?order_by=scopes")
            .await
            .status,
        UNPROCESSABLE
    );
}

#[tokio::test]
async fn saml_and_enterprise_connections_are_paired_and_tied_to_organizations() {
    let app = app(60, 40, 8);
    let saml = get_ok(&app, "/v1/saml_connections?limit=100").await;
    assert_eq!(saml["total_count"], 4, "organizations 3, 13, 23, 33");
    let ent = get_ok(&app, "/v1/enterprise_connections?limit=100").await;
    assert_eq!(ent["total_count"], 4);
    for s in data(&saml) {
        let e = get_ok(
            &app,
            &format!(
                "/v1/enterprise_connections/{}",
                s["enterprise_connection_id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(e["saml_connection"]["id"], s["id"]);
        assert_eq!(e["organization_id"], s["organization_id"]);
        let org = get_ok(
            &app,
            &format!(
                "/v1/organizations/{}",
                s["organization_id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(
            s["domains"][0],
            format!("{}.com", org["slug"].as_str().unwrap())
        );
    }
    let org_id = saml["data"][0]["organization_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let only = get_ok(
        &app,
        &format!("/v1/saml_connections?organization_id={org_id}"),
    )
    .await;
    assert_eq!(only["total_count"], 1);
    let others = get_ok(
        &app,
        &format!("/v1/saml_connections?organization_id=-{org_id}"),
    )
    .await;
    assert_eq!(others["total_count"], 3);
    let ent_of_org = get_ok(
        &app,
        &format!("/v1/enterprise_connections?organization_id={org_id}"),
    )
    .await;
    assert_eq!(ent_of_org["total_count"], 1);
    let active = get_ok(&app, "/v1/enterprise_connections?active=true").await["total_count"]
        .as_u64()
        .unwrap();
    let inactive = get_ok(&app, "/v1/enterprise_connections?active=false").await["total_count"]
        .as_u64()
        .unwrap();
    assert_eq!(active + inactive, 4);
    let by_domain = get_ok(
        &app,
        &format!(
            "/v1/saml_connections?query={}",
            &saml["data"][1]["domain"].as_str().unwrap()[..8]
        ),
    )
    .await;
    assert!(by_domain["total_count"].as_u64().unwrap() >= 1);

    // An enterprise connection over SAML creates its SAML connection (201).
    let created = call_expect(
        &app,
        Method::POST,
        "/v1/enterprise_connections",
        Some(json!({ "name": "Acme SSO", "provider": "saml_okta", "domains": ["Acme.test"],
                     "organization_id": org_id,
                     "saml": { "idp_metadata_url": "https://acme.okta.com/metadata" }, "active": true })),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["domains"], json!(["acme.test"]));
    assert_eq!(created["authenticatable"], true);
    let saml_id = created["saml_connection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let paired = get_ok(&app, &format!("/v1/saml_connections/{saml_id}")).await;
    assert_eq!(paired["enterprise_connection_id"], created["id"]);
    assert_eq!(paired["idp_metadata_url"], "https://acme.okta.com/metadata");
    let conflict = call_expect(
        &app,
        Method::POST,
        "/v1/enterprise_connections",
        Some(json!({ "name": "Again", "provider": "oidc_custom", "domains": ["acme.test"] })),
        StatusCode::CONFLICT,
    )
    .await;
    assert_clerk_error(&conflict, "connection_domain_exists");
    let oidc = call_expect(
        &app,
        Method::POST,
        "/v1/enterprise_connections",
        Some(json!({ "name": "GitLab", "provider": "oidc_gitlab", "domains": ["gl.example"],
                     "oidc": { "client_id": "abc", "discovery_url": "https://gitlab.example/.well-known/openid-configuration" } })),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(oidc["oauth_config"]["client_id"], "abc");
    assert_eq!(oidc["saml_connection"], Value::Null);

    // SAML edits show through the enterprise connection; activation needs an IdP.
    let renamed = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/saml_connections/{saml_id}"),
        Some(json!({ "name": "Acme Okta", "force_authn": true })),
        OK,
    )
    .await;
    assert_eq!(renamed["force_authn"], true);
    let ent_view = get_ok(
        &app,
        &format!(
            "/v1/enterprise_connections/{}",
            created["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(ent_view["saml_connection"]["name"], "Acme Okta");
    let bare = call_expect(
        &app,
        Method::POST,
        "/v1/saml_connections",
        Some(json!({ "name": "Bare", "provider": "saml_custom", "domains": ["bare.example"] })),
        OK,
    )
    .await;
    assert_eq!(bare["active"], false);
    let needs_idp = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/saml_connections/{}", bare["id"].as_str().unwrap()),
        Some(json!({ "active": true })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&needs_idp, "form_param_value_invalid");
    let bad_provider = call_expect(
        &app,
        Method::POST,
        "/v1/saml_connections",
        Some(json!({ "name": "x", "provider": "oidc_custom" })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&bad_provider, "form_param_value_invalid");

    // Deleting the SAML side deletes the pair.
    let gone = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/saml_connections/{saml_id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(gone["object"], "saml_connection");
    assert_eq!(
        get(
            &app,
            &format!(
                "/v1/enterprise_connections/{}",
                created["id"].as_str().unwrap()
            )
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Deleting an organization deletes its connections.
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/organizations/{org_id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        get_ok(
            &app,
            &format!("/v1/saml_connections?organization_id={org_id}")
        )
        .await["total_count"],
        0
    );
    assert_eq!(
        get_ok(
            &app,
            &format!("/v1/enterprise_connections?organization_id={org_id}")
        )
        .await["total_count"],
        0
    );
}

#[tokio::test]
async fn organization_domains_filter_and_follow_their_organization() {
    let app = app(40, 30, 12);
    let all = get_ok(&app, "/v1/organization_domains?limit=500").await;
    assert_eq!(all["total_count"], 10, "every third organization");
    let mut newest = data(&all);
    spec_order(&mut newest, |d| d["created_at"].clone(), true);
    assert_eq!(data(&all), newest);
    let verified = get_ok(&app, "/v1/organization_domains?verified=true&limit=500").await
        ["total_count"]
        .as_u64()
        .unwrap();
    let unverified = get_ok(&app, "/v1/organization_domains?verified=false&limit=500").await
        ["total_count"]
        .as_u64()
        .unwrap();
    assert_eq!(verified + unverified, 10);
    let reply = get(&app, "/v1/organization_domains?verified=yes").await;
    assert_eq!(reply.status, UNPROCESSABLE);
    assert_eq!(
        get(&app, "/v1/organization_domains?query=").await.status,
        UNPROCESSABLE
    );
    assert_eq!(
        get(&app, "/v1/organization_domains?enrollment_mode=sometimes")
            .await
            .status,
        UNPROCESSABLE
    );
    let manual = get_ok(
        &app,
        "/v1/organization_domains?enrollment_mode=manual_invitation",
    )
    .await["total_count"]
        .as_u64()
        .unwrap();
    let not_manual = get_ok(
        &app,
        "/v1/organization_domains?enrollment_mode=-manual_invitation",
    )
    .await["total_count"]
        .as_u64()
        .unwrap();
    assert_eq!(manual + not_manual, 10);

    let first = all["data"][0].clone();
    let org_id = first["organization_id"].as_str().unwrap().to_owned();
    let by_org = get_ok(&app, &format!("/v1/organization_domains?query={org_id}")).await;
    assert_eq!(data(&by_org), vec![first.clone()]);
    let by_name = get_ok(
        &app,
        &format!(
            "/v1/organization_domains?domains={}",
            first["name"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(by_name["total_count"], 1);
    let sorted = get_ok(&app, "/v1/organization_domains?order_by=name&limit=500").await;
    let names: Vec<&str> = sorted["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]));

    let own = get_ok(&app, &format!("/v1/organizations/{org_id}/domains")).await;
    assert_eq!(data(&own), vec![first.clone()]);
    let created = call_expect(
        &app,
        Method::POST,
        &format!("/v1/organizations/{org_id}/domains"),
        Some(json!({ "name": "Extra.Example", "enrollment_mode": "automatic_invitation" })),
        OK,
    )
    .await;
    assert_eq!(created["name"], "extra.example");
    assert_eq!(
        created["affiliation_verification"]["status"], "verified",
        "verified defaults to true"
    );
    let dup = call_expect(
        &app,
        Method::POST,
        &format!("/v1/organizations/{org_id}/domains"),
        Some(json!({ "name": "extra.example" })),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_clerk_error(&dup, "organization_domain_exists");
    let own = get_ok(
        &app,
        &format!("/v1/organizations/{org_id}/domains?verified=true"),
    )
    .await;
    assert_eq!(own["data"][0]["id"], created["id"], "newest first");
    let id = created["id"].as_str().unwrap();
    let path = format!("/v1/organizations/{org_id}/domains/{id}");
    let unverified = call_expect(
        &app,
        Method::PATCH,
        &path,
        Some(json!({ "verified": false, "enrollment_mode": "manual_invitation" })),
        OK,
    )
    .await;
    assert_eq!(
        unverified["affiliation_verification"]["status"],
        "unverified"
    );
    let refused = call_expect(
        &app,
        Method::PATCH,
        &path,
        Some(json!({ "enrollment_mode": "automatic_suggestion" })),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_clerk_error(&refused, "organization_domain_not_verified");
    let gone = call_expect(&app, Method::DELETE, &path, None, OK).await;
    assert_eq!(
        gone,
        json!({ "object": "organization_domain", "id": id, "deleted": true })
    );
    call_expect(&app, Method::DELETE, &path, None, StatusCode::NOT_FOUND).await;
    call_expect(
        &app,
        Method::GET,
        "/v1/organizations/org_nope/domains",
        None,
        StatusCode::NOT_FOUND,
    )
    .await;

    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/organizations/{org_id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        get_ok(&app, "/v1/organization_domains?limit=500").await["total_count"],
        9
    );
}

//! The instance itself and its email and SMS templates in process: the
//! `Instance` object and how its id ties to the seeded objects, the fixed
//! template lists by type (bare array, `paginated=true`, paging, order by
//! position), one template by slug, and Clerk's errors. Every response is
//! also checked against the spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use axum::http::{Method, StatusCode};
use axum::Router;
use clerk_emulator::Config;
use common::{app, assert_clerk_error, call_expect, get, get_ok};
use serde_json::{json, Value};

const EMAIL: &[&str] = &[
    "verification_code",
    "magic_link_sign_in",
    "magic_link_sign_up",
    "reset_password_code",
    "invitation",
    "organization_invitation",
    "waitlist_invitation",
    "password_changed",
];
const SMS: &[&str] = &[
    "verification_code",
    "reset_password_code",
    "invitation",
    "password_changed",
];

fn slugs(list: &[Value]) -> Vec<&str> {
    list.iter().map(|t| t["slug"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn the_instance_is_the_one_seeded_objects_belong_to() {
    let app = app(5, 2, 19);
    let instance = get_ok(&app, "/v1/instance").await;
    assert_eq!(instance["object"], "instance");
    assert_eq!(instance["environment_type"], "development");
    assert_eq!(
        instance["allowed_origins"],
        json!(["http://localhost:3000", "https://app.example.com"])
    );
    assert!(instance["workspace_id"]
        .as_str()
        .unwrap()
        .starts_with("org_"));
    let id = instance["id"].as_str().unwrap();
    assert!(id.starts_with("ins_"));
    let allow = get_ok(&app, "/v1/allowlist_identifiers").await;
    assert_eq!(allow[0]["instance_id"], id);
    let plans_payer = get_ok(&app, "/v1/billing/prices").await;
    assert_eq!(plans_payer["data"][0]["instance_id"], id);
    let email = get_ok(&app, "/v1/templates/email").await;
    assert_eq!(email[0]["instance_id"], id);
    // Fixed by the seed; a live key makes it a production instance.
    assert_eq!(
        get_ok(&common::app(50, 9, 19), "/v1/instance").await,
        instance
    );
    assert_ne!(
        get_ok(&common::app(5, 2, 20), "/v1/instance").await["id"],
        id
    );
    let live: Router = clerk_emulator::app(Config::new("sk_live_emulated", 1, 1).with_seed(19));
    let reply = common::send(
        &live,
        Method::GET,
        "/v1/instance",
        Some("Bearer sk_live_emulated"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["environment_type"], "production");
    assert_eq!(reply.json()["id"], id);
}

#[tokio::test]
async fn templates_list_by_type_in_position_order() {
    let app = app(3, 1, 23);
    let mut ids = HashSet::new();
    for (kind, expected) in [("email", EMAIL), ("sms", SMS)] {
        let list = get_ok(&app, &format!("/v1/templates/{kind}?limit=500")).await;
        let list = list.as_array().unwrap().clone();
        assert_eq!(slugs(&list), expected, "{kind}");
        for (n, t) in list.iter().enumerate() {
            assert_eq!(t["object"], "template");
            assert_eq!(t["template_type"], kind);
            assert_eq!(t["position"], n);
            assert!(t["id"].as_str().unwrap().starts_with("tmpl_"));
            assert!(ids.insert(t["id"].as_str().unwrap().to_owned()));
            assert_eq!(t["subject"].is_string(), kind == "email", "{t}");
            for var in t["required_variables"].as_array().unwrap() {
                assert!(t["available_variables"].as_array().unwrap().contains(var));
                let var = var.as_str().unwrap();
                assert!(t["body"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("{{{{{var}}}}}")));
            }
            let one = get_ok(
                &app,
                &format!("/v1/templates/{kind}/{}", t["slug"].as_str().unwrap()),
            )
            .await;
            assert_eq!(&one, t);
        }
        // The default page is ten; paginated=true adds the total.
        let default = get_ok(&app, &format!("/v1/templates/{kind}")).await;
        assert_eq!(default.as_array().unwrap()[..], list[..list.len().min(10)]);
        let paged = get_ok(
            &app,
            &format!("/v1/templates/{kind}?paginated=true&limit=2&offset=1"),
        )
        .await;
        assert_eq!(paged["total_count"], list.len());
        assert_eq!(paged["data"].as_array().unwrap()[..], list[1..3]);
        let past = get_ok(&app, &format!("/v1/templates/{kind}?offset=50")).await;
        assert_eq!(past, json!([]));
    }
    // One customised template; only notification SMS templates toggle.
    let invitation = get_ok(&app, "/v1/templates/email/invitation").await;
    assert_eq!(invitation["resource_type"], "user");
    assert_eq!(invitation["can_revert"], true);
    assert!(invitation["updated_at"].as_i64() > invitation["created_at"].as_i64());
    let sms_invitation = get_ok(&app, "/v1/templates/sms/invitation").await;
    assert_eq!(sms_invitation["resource_type"], "system");
    assert_eq!(sms_invitation["can_toggle"], false);
    assert_eq!(
        get_ok(&app, "/v1/templates/sms/password_changed").await["can_toggle"],
        true
    );
    // The same for every seed but the ids.
    let other = get_ok(&common::app(3, 1, 24), "/v1/templates/email/invitation").await;
    assert_ne!(other["id"], invitation["id"]);
    assert_eq!(other["body"], invitation["body"]);
}

#[tokio::test]
async fn unknown_templates_and_types_are_clerk_errors() {
    let app = app(3, 1, 23);
    for uri in [
        "/v1/templates/email/nope",
        "/v1/templates/sms/magic_link_sign_in",
        "/v1/templates/push/verification_code",
    ] {
        let body = call_expect(&app, Method::GET, uri, None, StatusCode::NOT_FOUND).await;
        assert_clerk_error(&body, "resource_not_found");
    }
    for (uri, code) in [
        ("/v1/templates/push", "form_param_value_invalid"),
        ("/v1/templates/email?limit=0", "form_param_value_invalid"),
        (
            "/v1/templates/sms?paginated=maybe",
            "form_param_format_invalid",
        ),
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_clerk_error(&reply.json(), code);
    }
}

#[tokio::test]
async fn instance_settings_are_fixed_objects() {
    let app = app(3, 1, 23);
    let protect = get_ok(&app, "/v1/instance/protect").await;
    assert_eq!(
        protect,
        json!({ "object": "instance_protect", "rules_enabled": true, "specter_enabled": false, "checks_bypassed": false })
    );
    let communication = get_ok(&app, "/v1/instance/communication").await;
    assert_eq!(communication["object"], "instance_communication");
    assert_eq!(communication["blocked_country_codes"], json!(["KP", "IR"]));
    let oauth = get_ok(&app, "/v1/instance/oauth_application_settings").await;
    assert_eq!(oauth["object"], "oauth_application_settings");
    assert_eq!(oauth["dynamic_oauth_client_registration"], false);
    assert_eq!(
        oauth["default_scopes"],
        json!(["openid", "profile", "email"])
    );
    let orgs = get_ok(&app, "/v1/instance/organization_settings").await;
    assert_eq!(orgs["object"], "organization_settings");
    assert_eq!(orgs["enabled"], true);
    assert_eq!(orgs["domains_enabled"], true);
    assert_eq!(
        orgs["domains_enrollment_modes"].as_array().unwrap().len(),
        3
    );
    // The roles it names are the seeded role set's.
    let set = get_ok(&app, "/v1/role_sets/role_set:default").await;
    assert_eq!(orgs["initial_role_set_key"], set["key"]);
    assert_eq!(orgs["creator_role"], set["creator_role"]["key"]);
    assert_eq!(orgs["domains_default_role"], set["default_role"]["key"]);
    // The same for every seed and size.
    let other = common::app(40, 9, 24);
    for uri in [
        "/v1/instance/protect",
        "/v1/instance/communication",
        "/v1/instance/oauth_application_settings",
        "/v1/instance/organization_settings",
    ] {
        assert_eq!(get_ok(&other, uri).await, get_ok(&app, uri).await, "{uri}");
    }
}

#[tokio::test]
async fn jwks_holds_the_instance_signing_key() {
    let app = app(3, 1, 23);
    let jwks = get_ok(&app, "/v1/jwks").await;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kid"], get_ok(&app, "/v1/instance").await["id"]);
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["e"], "AQAB");
    // 256 bytes of modulus in unpadded base64url.
    let n = key["n"].as_str().unwrap();
    assert_eq!(n.len(), 342);
    assert!(n
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(get_ok(&common::app(50, 2, 23), "/v1/jwks").await, jwks);
    assert_ne!(get_ok(&common::app(3, 1, 24), "/v1/jwks").await, jwks);
    // Only GET.
    let reply = common::call(&app, Method::POST, "/v1/jwks", None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}

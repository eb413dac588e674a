//! Organization RBAC in process: seeded permissions, roles and the initial
//! role set; query/order/paging on the three lists; permission and role
//! writes as later reads (and memberships) see them; role sets by key or
//! id, their role edits and replacement; Clerk's errors. Every response is
//! also checked against the spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{app, assert_clerk_error, call_expect, get, get_ok, spec_order};
use serde_json::{json, Value};

const OK: StatusCode = StatusCode::OK;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

fn keys(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn seeded_rbac_lists_filter_order_and_page() {
    let app = app(20, 3, 5);
    let permissions = get_ok(&app, "/v1/organization_permissions?limit=100").await;
    assert_eq!(permissions["total_count"], 10);
    let all = permissions["data"].as_array().unwrap().clone();
    assert!(all
        .iter()
        .all(|p| p["id"].as_str().unwrap().starts_with("perm_")));
    let mut newest = all.clone();
    spec_order(&mut newest, |p| p["created_at"].clone(), true);
    assert_eq!(all, newest, "newest first by default");

    let by_key = get_ok(&app, "/v1/organization_permissions?order_by=key&limit=100").await;
    let mut sorted = keys(&by_key);
    sorted.sort();
    assert_eq!(keys(&by_key), sorted);
    let page = get_ok(
        &app,
        "/v1/organization_permissions?order_by=-name&limit=3&offset=2",
    )
    .await;
    assert_eq!(page["total_count"], 10);
    assert_eq!(page["data"].as_array().unwrap().len(), 3);

    let billing = get_ok(&app, "/v1/organization_permissions?query=BILLING").await;
    assert_eq!(billing["total_count"], 2);
    let id = all[0]["id"].as_str().unwrap();
    let exact = get_ok(&app, &format!("/v1/organization_permissions?query={id}")).await;
    assert_eq!(exact["data"][0]["id"], id);

    let roles = get_ok(&app, "/v1/organization_roles?order_by=key").await;
    assert_eq!(
        keys(&roles),
        ["org:admin", "org:billing_manager", "org:member"]
    );
    let admin = &roles["data"][0];
    assert_eq!(admin["permissions"].as_array().unwrap().len(), 8);
    assert_eq!(admin["is_creator_eligible"], true);
    assert_eq!(roles["data"][2]["is_creator_eligible"], false);

    let sets = get_ok(&app, "/v1/role_sets").await;
    assert_eq!(sets["total_count"], 1);
    let set = &sets["data"][0];
    assert_eq!(set["key"], "role_set:default");
    assert_eq!(set["type"], "initial");
    assert_eq!(set["roles"].as_array().unwrap().len(), 3);
    assert_eq!(set["default_role"]["key"], "org:member");
    assert_eq!(set["creator_role"]["key"], "org:admin");
    let by_key = get_ok(&app, "/v1/role_sets/role_set:default").await;
    let by_id = get_ok(
        &app,
        &format!("/v1/role_sets/{}", set["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(by_key, by_id);

    for uri in [
        "/v1/organization_roles?order_by=members_count",
        "/v1/organization_roles?limit=0",
        "/v1/role_sets?offset=-1",
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, UNPROCESSABLE, "{uri}");
    }
    for uri in [
        "/v1/organization_roles/role_nope",
        "/v1/organization_permissions/perm_nope",
        "/v1/role_sets/role_set:nope",
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert_clerk_error(&reply.json(), "resource_not_found");
    }
}

#[tokio::test]
async fn permission_and_role_writes_show_in_reads_and_memberships() {
    let app = app(30, 4, 9);
    let perm = call_expect(
        &app,
        Method::POST,
        "/v1/organization_permissions",
        Some(json!({ "name": "Export data", "key": "org:data:export" })),
        OK,
    )
    .await;
    let perm_id = perm["id"].as_str().unwrap().to_owned();
    assert_eq!(perm["type"], "user");
    assert_eq!(perm["description"], "");
    for (body, code) in [
        (
            json!({ "name": "x", "key": "org:data:export" }),
            "form_identifier_exists",
        ),
        (
            json!({ "name": "x", "key": "org:sys_x:read" }),
            "form_param_value_invalid",
        ),
        (
            json!({ "name": "x", "key": "data-export" }),
            "form_param_format_invalid",
        ),
        (json!({ "key": "org:a:b" }), "form_param_missing"),
        (
            json!({ "name": "x", "key": "org:a:b", "colour": 1 }),
            "form_param_unknown",
        ),
    ] {
        let body = call_expect(
            &app,
            Method::POST,
            "/v1/organization_permissions",
            Some(body),
            UNPROCESSABLE,
        )
        .await;
        assert_clerk_error(&body, code);
    }

    let role = call_expect(
        &app,
        Method::POST,
        "/v1/organization_roles",
        Some(json!({
            "name": "Analyst", "key": "org:analyst", "description": "Reads reports",
            "permissions": [perm_id], "include_in_initial_role_set": true,
        })),
        OK,
    )
    .await;
    let role_id = role["id"].as_str().unwrap().to_owned();
    assert!(role_id.starts_with("role_"));
    assert_eq!(role["permissions"][0]["key"], "org:data:export");
    let set = get_ok(&app, "/v1/role_sets/role_set:default").await;
    assert!(set["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["key"] == "org:analyst"));

    // The new role can be given to a member, who then shows its name.
    let org = get_ok(&app, "/v1/organizations?limit=1").await["data"][0].clone();
    let org_id = org["id"].as_str().unwrap();
    let members = get_ok(&app, &format!("/v1/organizations/{org_id}/memberships")).await;
    let user_id = members["data"][0]["public_user_data"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let changed = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/organizations/{org_id}/memberships/{user_id}"),
        Some(json!({ "role": "org:analyst" })),
        OK,
    )
    .await;
    assert_eq!(changed["role_name"], "Analyst");
    assert_eq!(changed["permissions"], json!(["org:data:export"]));
    let unknown = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/organizations/{org_id}/memberships/{user_id}"),
        Some(json!({ "role": "org:ghost" })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&unknown, "form_param_value_invalid");

    // Renaming the role and its permission shows on the membership.
    call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/organization_roles/{role_id}"),
        Some(json!({ "name": "Data analyst" })),
        OK,
    )
    .await;
    let patched = call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/organization_permissions/{perm_id}"),
        Some(json!({ "key": "org:data:download" })),
        OK,
    )
    .await;
    assert_eq!(patched["key"], "org:data:download");
    let members = get_ok(
        &app,
        &format!("/v1/organizations/{org_id}/memberships?role=org:analyst"),
    )
    .await;
    assert_eq!(members["data"][0]["role_name"], "Data analyst");
    assert_eq!(
        members["data"][0]["permissions"],
        json!(["org:data:download"])
    );

    // Attach/detach by id, with 409 on a repeat and 404 on unknown ids.
    let reports = get_ok(&app, "/v1/organization_permissions?query=org:reports:read").await["data"]
        [0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let attach = format!("/v1/organization_roles/{role_id}/permissions/{reports}");
    let attached = call_expect(&app, Method::POST, &attach, None, OK).await;
    assert_eq!(attached["permissions"].as_array().unwrap().len(), 2);
    let again = call_expect(&app, Method::POST, &attach, None, StatusCode::CONFLICT).await;
    assert_clerk_error(&again, "duplicate_record");
    let detached = call_expect(&app, Method::DELETE, &attach, None, OK).await;
    assert_eq!(detached["permissions"].as_array().unwrap().len(), 1);
    call_expect(
        &app,
        Method::POST,
        &format!("/v1/organization_roles/{role_id}/permissions/perm_nope"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;

    // System permissions are read-only; deleting a custom one detaches it.
    let system = get_ok(
        &app,
        "/v1/organization_permissions?query=org:sys_profile:delete",
    )
    .await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/organization_permissions/{system}"),
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
    let gone = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/organization_permissions/{perm_id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(
        gone,
        json!({ "object": "permission", "id": perm_id, "deleted": true })
    );
    let role = get_ok(&app, &format!("/v1/organization_roles/{role_id}")).await;
    assert_eq!(role["permissions"], json!([]));

    // A role held by a member or a role set cannot be deleted.
    let held = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/organization_roles/{role_id}"),
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_clerk_error(&held, "role_in_use");
    let free = call_expect(
        &app,
        Method::POST,
        "/v1/organization_roles",
        Some(json!({ "name": "Temp", "key": "org:temp" })),
        OK,
    )
    .await;
    let free_id = free["id"].as_str().unwrap();
    let deleted = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/organization_roles/{free_id}"),
        None,
        OK,
    )
    .await;
    assert_eq!(deleted["deleted"], true);
    let reply = get(&app, &format!("/v1/organization_roles/{free_id}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Reset restores the seed.
    common::send_unchecked(&app, Method::POST, "/__emulator/reset", None, None).await;
    assert_eq!(
        get_ok(&app, "/v1/organization_roles").await["total_count"],
        3
    );
    assert_eq!(
        get_ok(&app, "/v1/organization_permissions").await["total_count"],
        10
    );
}

#[tokio::test]
async fn role_sets_are_created_edited_and_replaced() {
    let app = app(10, 2, 3);
    let body = json!({
        "name": "Enterprise tier",
        "roles": ["org:admin", "org:member"],
        "default_role_key": "org:member",
        "creator_role_key": "org:admin",
    });
    let set = call_expect(&app, Method::POST, "/v1/role_sets", Some(body.clone()), OK).await;
    assert_eq!(set["key"], "role_set:enterprise_tier");
    assert_eq!(set["type"], "custom");
    assert!(set["id"].as_str().unwrap().starts_with("rs_"));
    let dup = call_expect(
        &app,
        Method::POST,
        "/v1/role_sets",
        Some(body),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&dup, "form_identifier_exists");
    let bad_default = call_expect(
        &app,
        Method::POST,
        "/v1/role_sets",
        Some(json!({
            "name": "X", "roles": ["org:admin"],
            "default_role_key": "org:member", "creator_role_key": "org:admin",
        })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&bad_default, "form_param_value_invalid");

    let path = "/v1/role_sets/role_set:enterprise_tier";
    let added = call_expect(
        &app,
        Method::POST,
        &format!("{path}/roles"),
        Some(json!({ "role_keys": ["org:billing_manager"], "default_role_key": "org:billing_manager" })),
        OK,
    )
    .await;
    assert_eq!(added["roles"].as_array().unwrap().len(), 3);
    assert_eq!(added["default_role"]["key"], "org:billing_manager");
    let replaced = call_expect(
        &app,
        Method::POST,
        &format!("{path}/roles/replace"),
        Some(json!({ "role_key": "org:billing_manager", "to_role_key": "org:member" })),
        OK,
    )
    .await;
    assert_eq!(replaced["roles"].as_array().unwrap().len(), 2);
    assert_eq!(replaced["default_role"]["key"], "org:member");

    let initial = call_expect(
        &app,
        Method::PATCH,
        path,
        Some(json!({ "type": "initial", "description": "For big customers" })),
        OK,
    )
    .await;
    assert_eq!(initial["type"], "initial");
    let old = get_ok(&app, "/v1/role_sets/role_set:default").await;
    assert_eq!(old["type"], "custom", "only one initial role set");

    let by_name = get_ok(&app, "/v1/role_sets?order_by=name&query=tier").await;
    assert_eq!(by_name["total_count"], 1);

    let deleted = call_expect(
        &app,
        Method::POST,
        "/v1/role_sets/role_set:default/replace",
        Some(json!({ "dest_role_set_key": "role_set:enterprise_tier",
                     "reassignment_mappings": { "org:billing_manager": "org:member" } })),
        OK,
    )
    .await;
    assert_eq!(deleted["object"], "role_set");
    assert_eq!(deleted["deleted"], true);
    assert_eq!(get_ok(&app, "/v1/role_sets").await["total_count"], 1);
    let reply = get(&app, "/v1/role_sets/role_set:default").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

//! Directories (under both `/directories` and `/scim_directories`), their
//! group role mappings and enterprise connection test runs in process:
//! seeded data tied to the seeded enterprise connections and their
//! organizations, paging, the `status` filter, what deleting a connection
//! or a role changes, and Clerk's errors. Every response is also checked
//! against the spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{app, assert_clerk_error, call_expect, get, get_ok, ids, spec_order};
use serde_json::Value;

const ROLES: &[&str] = &["org:admin", "org:billing_manager", "org:member"];
const GROUPS: &[&str] = &["Admins", "Billing", "Everyone"];

fn data(body: &Value) -> Vec<Value> {
    body["data"].as_array().unwrap().clone()
}

/// Every enterprise connection, oldest first.
async fn connections(app: &axum::Router) -> Vec<Value> {
    let mut all = data(&get_ok(app, "/v1/enterprise_connections?limit=500").await);
    spec_order(&mut all, |c| c["created_at"].clone(), false);
    all
}

#[tokio::test]
async fn directories_belong_to_every_second_enterprise_connection() {
    let app = app(40, 57, 42);
    let conns = connections(&app).await;
    assert_eq!(conns.len(), 6);
    let body = get_ok(&app, "/v1/directories?limit=500").await;
    assert_eq!(body["total_count"], 3);
    let dirs = data(&body);
    let mut newest = dirs.clone();
    spec_order(&mut newest, |d| d["created_at"].clone(), true);
    assert_eq!(ids(&dirs), ids(&newest), "newest first");
    let mut oldest = dirs.clone();
    oldest.reverse();
    for (j, dir) in oldest.iter().enumerate() {
        let conn = &conns[2 * j];
        assert_eq!(dir["object"], "directory");
        assert!(dir["id"].as_str().unwrap().starts_with("dir_"));
        assert_eq!(dir["enterprise_connection_id"], conn["id"]);
        assert!(dir["name"]
            .as_str()
            .unwrap()
            .starts_with(conn["name"].as_str().unwrap()));
        assert!(dir["created_at"].as_i64() > conn["created_at"].as_i64());
        assert!(dir["updated_at"].as_i64() >= dir["created_at"].as_i64());
        assert!(dir["endpoint_url"]
            .as_str()
            .unwrap()
            .ends_with(dir["id"].as_str().unwrap()));
        assert_eq!(dir["api_key"], Value::Null);
        assert_eq!(dir["custom_attributes"].as_array().unwrap().len(), j % 2);
        // The organization of the connection is the one of index 20j + 3.
        let org = get_ok(
            &app,
            &format!(
                "/v1/organizations/{}",
                conn["organization_id"].as_str().unwrap()
            ),
        )
        .await;
        assert!(org["slug"]
            .as_str()
            .unwrap()
            .ends_with(&format!("-{}", 20 * j + 3)));
        // The same directory under both names.
        let id = dir["id"].as_str().unwrap();
        let one = get_ok(&app, &format!("/v1/directories/{id}")).await;
        assert_eq!(&one, dir);
        let scim = get_ok(&app, &format!("/v1/scim_directories/{id}")).await;
        assert_eq!(scim["object"], "scim_directory");
        let mut renamed = scim.clone();
        renamed["object"] = dir["object"].clone();
        assert_eq!(&renamed, dir);
    }
    // The SCIM list is the same list.
    let scim = get_ok(&app, "/v1/scim_directories?limit=500").await;
    assert_eq!(scim["total_count"], 3);
    assert_eq!(ids(&data(&scim)), ids(&dirs));
    assert!(data(&scim).iter().all(|d| d["object"] == "scim_directory"));
    // Paging.
    for base in ["/v1/directories", "/v1/scim_directories"] {
        let page = get_ok(&app, &format!("{base}?limit=2&offset=1")).await;
        assert_eq!(page["total_count"], 3);
        assert_eq!(ids(&data(&page)), ids(&dirs[1..3]));
        let past = get_ok(&app, &format!("{base}?offset=9")).await;
        assert_eq!(past["total_count"], 3);
        assert!(data(&past).is_empty());
        let reply = get(&app, &format!("{base}?limit=501")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_clerk_error(&reply.json(), "form_param_value_invalid");
    }
    // Small instances: one directory per two connections, rounded up.
    for (orgs, expected) in [(0, 0), (3, 0), (4, 1), (14, 1), (24, 2)] {
        let small = app_total(&common::app(2, orgs, 7), "/v1/directories").await;
        assert_eq!(small, expected, "{orgs} organizations");
    }
}

async fn app_total(app: &axum::Router, uri: &str) -> u64 {
    get_ok(app, uri).await["total_count"].as_u64().unwrap()
}

#[tokio::test]
async fn group_role_mappings_follow_precedence_and_roles() {
    let app = app(20, 57, 42);
    let mut dirs = data(&get_ok(&app, "/v1/directories?limit=500").await);
    dirs.reverse();
    for (j, dir) in dirs.iter().enumerate() {
        let id = dir["id"].as_str().unwrap();
        let expected = (j + 2) % 4;
        let body = get_ok(&app, &format!("/v1/directories/{id}/group_role_mappings")).await;
        assert_eq!(body["total_count"], expected, "directory {j}");
        assert_eq!(dir["group_role_mapping_enabled"], expected > 0);
        let maps = data(&body);
        for (m, map) in maps.iter().enumerate() {
            assert_eq!(map["object"], "directory_group_role_mapping");
            assert!(map["id"].as_str().unwrap().starts_with("dgrm_"));
            assert_eq!(map["precedence"], m + 1);
            assert_eq!(map["directory_id"], id);
            assert_eq!(map["scim_directory_id"], id);
            assert_eq!(map["directory_group_id"], map["scim_group_id"]);
            assert_eq!(map["directory_group_display_name"], GROUPS[m]);
            assert_eq!(map["scim_group_display_name"], GROUPS[m]);
            assert_eq!(map["role"]["object"], "role");
            assert_eq!(map["role"]["key"], ROLES[m]);
        }
        let scim = get_ok(
            &app,
            &format!("/v1/scim_directories/{id}/group_role_mappings"),
        )
        .await;
        assert_eq!(scim["total_count"], expected);
        for (a, b) in data(&scim).iter().zip(&maps) {
            assert_eq!(a["object"], "scim_group_role_mapping");
            let mut renamed = a.clone();
            renamed["object"] = b["object"].clone();
            assert_eq!(&renamed, b);
        }
        // No paging parameters: the whole list, whatever is asked.
        let ignored = get_ok(
            &app,
            &format!("/v1/directories/{id}/group_role_mappings?limit=1"),
        )
        .await;
        assert_eq!(ignored["total_count"], expected);
        assert_eq!(data(&ignored).len(), expected);
    }
}

#[tokio::test]
async fn unknown_directories_are_clerk_404s() {
    let app = app(5, 57, 42);
    let dir = get_ok(&app, "/v1/directories").await["data"][0].clone();
    let id = dir["id"].as_str().unwrap();
    let other_seed = get_ok(&common::app(5, 57, 43), "/v1/directories").await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for bad in ["dir_nope", other_seed.as_str(), "ec_123"] {
        for uri in [
            format!("/v1/directories/{bad}"),
            format!("/v1/scim_directories/{bad}"),
            format!("/v1/directories/{bad}/group_role_mappings"),
            format!("/v1/scim_directories/{bad}/group_role_mappings"),
        ] {
            let body = call_expect(&app, Method::GET, &uri, None, StatusCode::NOT_FOUND).await;
            assert_clerk_error(&body, "resource_not_found");
        }
    }
    // Deleting the enterprise connection leaves the directory unlinked.
    let conn = dir["enterprise_connection_id"].as_str().unwrap();
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/enterprise_connections/{conn}"),
        None,
        StatusCode::OK,
    )
    .await;
    let after = get_ok(&app, &format!("/v1/directories/{id}")).await;
    assert_eq!(after["enterprise_connection_id"], Value::Null);
    assert_eq!(after["created_at"], dir["created_at"]);
}

#[tokio::test]
async fn enterprise_connections_have_seeded_test_runs() {
    let app = app(60, 57, 42);
    let conns = connections(&app).await;
    for (k, conn) in conns.iter().enumerate() {
        let id = conn["id"].as_str().unwrap();
        let uri = format!("/v1/enterprise_connections/{id}/test_runs");
        let body = get_ok(&app, &format!("{uri}?limit=500")).await;
        let count = 2 + k % 3;
        assert_eq!(body["total_count"], count, "connection {k}");
        let runs = data(&body);
        let mut newest = runs.clone();
        spec_order(&mut newest, |r| r["created_at"].clone(), true);
        assert_eq!(ids(&runs), ids(&newest), "newest first");
        let mut oldest = runs.clone();
        oldest.reverse();
        for (r, run) in oldest.iter().enumerate() {
            let status = match r {
                3 => "pending",
                r if r % 2 == 0 => "success",
                _ => "failed",
            };
            assert_eq!(run["status"], status, "run {r} of {k}");
            assert!(run["id"].as_str().unwrap().starts_with("ectr_"));
            assert_eq!(run["connection_type"], "saml");
            assert!(run["created_at"].as_i64() > conn["created_at"].as_i64());
            assert!(run["saml"]["saml_request"].is_string());
            assert_eq!(
                run["saml"]["saml_response"].is_string(),
                status != "pending"
            );
            assert_eq!(run["oauth"], Value::Null);
            let logs = run["logs"].as_array().unwrap();
            assert_eq!(
                logs.iter().any(|l| l["level"] == "error"),
                status == "failed"
            );
            if status == "success" {
                let info = &run["parsed_user_info"];
                assert!(info["email_address"].as_str().unwrap().contains('@'));
                if let Some(user) = info["user_id"].as_str() {
                    // The organization's member.
                    let memberships = get_ok(
                        &app,
                        &format!("/v1/users/{user}/organization_memberships?limit=500"),
                    )
                    .await;
                    assert!(data(&memberships)
                        .iter()
                        .any(|m| m["organization"]["id"] == conn["organization_id"]));
                }
            } else {
                assert_eq!(run["parsed_user_info"], Value::Null);
            }
        }
        // Paging and the status filter.
        let page = get_ok(&app, &format!("{uri}?limit=1&offset=1")).await;
        assert_eq!(page["total_count"], count);
        assert_eq!(ids(&data(&page)), ids(&runs[1..2]));
        for filter in [
            vec!["success"],
            vec!["failed"],
            vec!["pending"],
            vec!["success", "pending"],
        ] {
            let query: String = filter.iter().map(|s| format!("&status={s}")).collect();
            let body = get_ok(&app, &format!("{uri}?limit=500{query}")).await;
            let expected: Vec<&Value> = runs
                .iter()
                .filter(|r| filter.contains(&r["status"].as_str().unwrap()))
                .collect();
            assert_eq!(body["total_count"], expected.len(), "{query}");
            assert!(data(&body).iter().zip(&expected).all(|(a, b)| a == *b));
        }
    }
    // Connections created through the API have no runs.
    let created = call_expect(
        &app,
        Method::POST,
        "/v1/enterprise_connections",
        Some(serde_json::json!({
            "name": "New", "provider": "saml_custom", "domains": ["new-runs.example.com"],
        })),
        StatusCode::CREATED,
    )
    .await;
    let uri = format!(
        "/v1/enterprise_connections/{}/test_runs",
        created["id"].as_str().unwrap()
    );
    let body = get_ok(&app, &uri).await;
    assert_eq!(body["total_count"], 0);
}

#[tokio::test]
async fn test_run_errors_are_clerk_errors() {
    let app = app(5, 57, 42);
    let conn = connections(&app).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uri = format!("/v1/enterprise_connections/{conn}/test_runs");
    for (query, code) in [
        ("?status=done", "form_param_value_invalid"),
        ("?status=success&status=nope", "form_param_value_invalid"),
        ("?limit=0", "form_param_value_invalid"),
        ("?offset=-1", "form_param_value_invalid"),
    ] {
        let reply = get(&app, &format!("{uri}{query}")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_clerk_error(&reply.json(), code);
    }
    for bad in ["ec_nope", "dir_123"] {
        let body = call_expect(
            &app,
            Method::GET,
            &format!("/v1/enterprise_connections/{bad}/test_runs"),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_clerk_error(&body, "resource_not_found");
    }
    // A deleted connection has no runs to show.
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/enterprise_connections/{conn}"),
        None,
        StatusCode::OK,
    )
    .await;
    let body = call_expect(&app, Method::GET, &uri, None, StatusCode::NOT_FOUND).await;
    assert_clerk_error(&body, "resource_not_found");
}

//! In-process tests of every route: envelopes, auth, validation, ordering,
//! filters, get-by-id, unknown routes and the admin counters. Expectations
//! come from the spec (ENDPOINTS.md), not from the implementation: orders
//! are re-derived here from the returned JSON.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashSet};

use axum::http::{Method, StatusCode};
use common::{
    all_users, app, assert_clerk_error, get, get_ok, ids, send, spec_order, user_field, KEY,
};
use serde_json::Value;

#[tokio::test]
async fn users_list_is_a_bare_array_newest_first_with_default_limit_10() {
    let app = app(25, 3, 1);
    let page = get_ok(&app, "/v1/users").await;
    let users = page.as_array().expect("bare array");
    assert_eq!(users.len(), 10);
    let created: Vec<i64> = users
        .iter()
        .map(|u| u["created_at"].as_i64().unwrap())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] > w[1]),
        "default order is -created_at: {created:?}"
    );
    for u in users {
        assert_eq!(u["object"], "user");
    }
}

#[tokio::test]
async fn organizations_list_has_data_and_total_count_envelope() {
    let app = app(10, 23, 1);
    let body = get_ok(&app, "/v1/organizations?limit=5&offset=20").await;
    assert_eq!(body["total_count"], 23);
    let data = body["data"].as_array().expect("data array");
    assert_eq!(data.len(), 3);
    assert!(data.iter().all(|o| o["object"] == "organization"));
    let empty = get_ok(&app, "/v1/organizations?offset=23").await;
    assert_eq!(empty["data"], Value::Array(vec![]));
    assert_eq!(empty["total_count"], 23);
}

#[tokio::test]
async fn users_count_returns_a_total_count_object_honouring_filters() {
    let app = app(57, 3, 2);
    let body = get_ok(&app, "/v1/users/count").await;
    assert_eq!(
        body,
        serde_json::json!({"object": "total_count", "total_count": 57})
    );
    let banned = all_users(&app, "&banned=false").await.len();
    let body = get_ok(&app, "/v1/users/count?banned=false").await;
    assert_eq!(body["total_count"], banned);
    assert_eq!(
        get_ok(&app, "/v1/users/count?user_id=user_nope").await["total_count"],
        0
    );
}

#[tokio::test]
async fn bad_or_missing_authorization_gets_clerk_401s_that_never_echo_the_key() {
    let app = app(5, 2, 3);
    let some_user = ids(&all_users(&app, "").await)[0].clone();
    let wrong = "sk_test_wrong_key_do_not_echo";
    for uri in [
        "/v1/users".to_owned(),
        "/v1/users/count".to_owned(),
        format!("/v1/users/{some_user}"),
        "/v1/organizations".to_owned(),
        "/v1/organizations/org_x".to_owned(),
        "/v1/no_such_route".to_owned(),
    ] {
        for (authorization, code) in [
            (None, "authentication_invalid"),
            (Some(format!("Bearer {wrong}")), "clerk_key_invalid"),
            (Some(format!("Bearer {KEY}x")), "clerk_key_invalid"),
            (
                Some(wrong.to_owned()),
                "authorization_header_format_invalid",
            ),
            (
                Some(format!("Basic {wrong}")),
                "authorization_header_format_invalid",
            ),
        ] {
            let reply = send(&app, Method::GET, &uri, authorization.as_deref()).await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{uri} {authorization:?}"
            );
            assert!(reply
                .content_type
                .as_deref()
                .is_some_and(|c| c.starts_with("application/json")));
            assert_clerk_error(&reply.json(), code);
            assert!(!reply.text.contains(wrong), "key echoed: {}", reply.text);
            assert!(!reply.text.contains(KEY), "key echoed: {}", reply.text);
        }
    }
}

#[tokio::test]
async fn limit_outside_1_to_500_or_not_an_integer_is_a_422_naming_limit() {
    let app = app(600, 3, 4);
    for path in ["/v1/users", "/v1/organizations"] {
        for (value, code) in [
            ("0", "form_param_value_invalid"),
            ("501", "form_param_value_invalid"),
            ("-3", "form_param_value_invalid"),
            ("99999999999999999999999", "form_param_value_invalid"),
            ("ten", "form_param_format_invalid"),
            ("1.5", "form_param_format_invalid"),
            ("", "form_param_format_invalid"),
        ] {
            let reply = get(&app, &format!("{path}?limit={value}")).await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} limit={value}"
            );
            let body = reply.json();
            assert_clerk_error(&body, code);
            assert_eq!(body["errors"][0]["meta"]["param_name"], "limit");
        }
    }
    assert_eq!(
        get_ok(&app, "/v1/users?limit=1")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get_ok(&app, "/v1/users?limit=500")
            .await
            .as_array()
            .unwrap()
            .len(),
        500
    );
}

#[tokio::test]
async fn bad_offset_and_order_by_are_422s_and_offset_past_the_end_is_empty() {
    let app = app(12, 3, 5);
    for (query, code, param) in [
        ("offset=-1", "form_param_value_invalid", "offset"),
        ("offset=x", "form_param_format_invalid", "offset"),
        ("order_by=-password", "form_param_value_invalid", "order_by"),
        (
            "order_by=members_count",
            "form_param_value_invalid",
            "order_by",
        ),
        ("banned=maybe", "form_param_format_invalid", "banned"),
        (
            "created_at_after=yesterday",
            "form_param_format_invalid",
            "created_at_after",
        ),
    ] {
        let reply = get(&app, &format!("/v1/users?{query}")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body = reply.json();
        assert_clerk_error(&body, code);
        assert_eq!(body["errors"][0]["meta"]["param_name"], param);
    }
    let reply = get(&app, "/v1/organizations?order_by=username").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        get_ok(&app, "/v1/users?offset=12").await,
        Value::Array(vec![])
    );
    assert_eq!(
        get_ok(&app, "/v1/users?offset=18446744073709551615").await,
        Value::Array(vec![])
    );
}

#[tokio::test]
async fn every_user_order_by_field_sorts_by_value_then_id_in_both_directions() {
    let app = app(700, 5, 6);
    let everyone = all_users(&app, "").await;
    assert_eq!(everyone.len(), 700);
    for field in [
        "created_at",
        "updated_at",
        "email_address",
        "web3wallet",
        "first_name",
        "last_name",
        "phone_number",
        "username",
        "last_active_at",
        "last_sign_in_at",
    ] {
        for (prefix, descending) in [("", false), ("%2B", false), ("+", false), ("-", true)] {
            let got = all_users(&app, &format!("&order_by={prefix}{field}")).await;
            let mut expected = everyone.clone();
            spec_order(&mut expected, user_field(field), descending);
            assert_eq!(ids(&got), ids(&expected), "order_by={prefix}{field}");
        }
    }
}

#[tokio::test]
async fn organization_order_by_fields_sort_by_value_then_id_including_name_ties() {
    let app = app(400, 300, 7);
    let fetch_all = |order: String| {
        let app = app.clone();
        async move {
            let mut out = Vec::new();
            loop {
                let body = get_ok(
                    &app,
                    &format!(
                        "/v1/organizations?include_members_count=true&limit=100&offset={}{order}",
                        out.len()
                    ),
                )
                .await;
                let data = body["data"].as_array().unwrap().clone();
                assert_eq!(body["total_count"], 300);
                if data.is_empty() {
                    return out;
                }
                out.extend(data);
            }
        }
    };
    let everyone = fetch_all(String::new()).await;
    let names: Vec<&str> = everyone
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    let distinct: HashSet<&&str> = names.iter().collect();
    assert!(
        distinct.len() < names.len(),
        "the seed should produce duplicate names to exercise the id tie-break"
    );
    for field in ["name", "created_at", "members_count"] {
        for (prefix, descending) in [("", false), ("-", true)] {
            let got = fetch_all(format!("&order_by={prefix}{field}")).await;
            let mut expected = everyone.clone();
            spec_order(&mut expected, |o| o[field].clone(), descending);
            assert_eq!(ids(&got), ids(&expected), "order_by={prefix}{field}");
        }
    }
    let mut default_expected = everyone.clone();
    spec_order(&mut default_expected, |o| o["created_at"].clone(), true);
    assert_eq!(
        ids(&everyone),
        ids(&default_expected),
        "default order is -created_at"
    );
}

#[tokio::test]
async fn get_user_by_id_returns_the_listed_object_and_unknown_ids_are_404() {
    let app = app(30, 3, 8);
    for user in all_users(&app, "").await {
        let id = user["id"].as_str().unwrap();
        assert_eq!(get_ok(&app, &format!("/v1/users/{id}")).await, user);
    }
    for missing in [
        "user_2bQ0000000000000000000000Zz",
        "user_",
        "nope",
        "org_123",
    ] {
        let reply = get(&app, &format!("/v1/users/{missing}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert_clerk_error(&reply.json(), "resource_not_found");
    }
    // An id from another seed is not a user of this instance.
    let other = ids(&all_users(&common::app(30, 3, 9), "").await)[0].clone();
    assert_eq!(
        get(&app, &format!("/v1/users/{other}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn get_organization_by_id_or_slug_and_unknown_is_404() {
    let app = app(50, 12, 10);
    let body = get_ok(&app, "/v1/organizations?limit=500").await;
    for org in body["data"].as_array().unwrap() {
        let id = org["id"].as_str().unwrap();
        let slug = org["slug"].as_str().unwrap();
        assert_eq!(&get_ok(&app, &format!("/v1/organizations/{id}")).await, org);
        assert_eq!(
            &get_ok(&app, &format!("/v1/organizations/{slug}")).await,
            org
        );
        assert!(
            org.get("members_count").is_none(),
            "members_count only with include_members_count"
        );
        let counted = get_ok(
            &app,
            &format!("/v1/organizations/{id}?include_members_count=true"),
        )
        .await;
        assert!(counted["members_count"].is_u64());
    }
    for missing in [
        "org_2bQ0000000000000000000000Zz",
        "no-such-slug-3",
        "blue-harbor-labs-999",
    ] {
        let reply = get(&app, &format!("/v1/organizations/{missing}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert_clerk_error(&reply.json(), "resource_not_found");
    }
}

#[tokio::test]
async fn unknown_routes_are_clerk_404s_and_unsupported_methods_405s() {
    let app = app(3, 1, 11);
    for uri in ["/v1/nothing_here", "/v1", "/v2/users", "/"] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert_clerk_error(&reply.json(), "resource_not_found");
    }
    let reply = send(
        &app,
        Method::DELETE,
        "/v1/users",
        Some(&format!("Bearer {KEY}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(reply.json()["errors"].is_array());
}

#[tokio::test]
async fn counters_count_v1_requests_by_route_template_and_reset_zeroes_them() {
    let app = app(5, 2, 12);
    let user = ids(&all_users(&app, "").await)[0].clone(); // one GET /v1/users
    get_ok(&app, &format!("/v1/users/{user}")).await;
    get_ok(&app, "/v1/users/count").await;
    get_ok(&app, "/v1/organizations").await;
    get_ok(&app, "/v1/organizations").await;
    send(&app, Method::GET, "/v1/users", None).await; // 401s count too
    get(&app, "/v1/missing").await;

    let snapshot = send(&app, Method::GET, "/__emulator/requests", None).await;
    assert_eq!(snapshot.status, StatusCode::OK);
    let body = snapshot.json();
    assert_eq!(body["total"], 7, "{body}");
    let routes: BTreeMap<String, u64> = serde_json::from_value(body["routes"].clone()).unwrap();
    assert_eq!(routes.get("GET /v1/users"), Some(&2));
    assert_eq!(routes.get("GET /v1/users/{user_id}"), Some(&1));
    assert_eq!(routes.get("GET /v1/users/count"), Some(&1));
    assert_eq!(routes.get("GET /v1/organizations"), Some(&2));
    assert_eq!(routes.values().sum::<u64>(), 7);
    assert!(
        routes.keys().all(|k| !k.contains(&user)),
        "templates, not raw paths: {routes:?}"
    );

    let total = send(&app, Method::GET, "/__emulator/requests/total", None).await;
    assert_eq!(total.status, StatusCode::OK);
    assert!(total
        .content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("text/plain")));
    assert_eq!(total.text, "7\n", "admin requests are not counted");

    let reset = send(&app, Method::POST, "/__emulator/reset", None).await;
    assert!(reset.status.is_success());
    assert_eq!(
        send(&app, Method::GET, "/__emulator/requests/total", None)
            .await
            .text,
        "0\n"
    );
    let body = send(&app, Method::GET, "/__emulator/requests", None)
        .await
        .json();
    assert_eq!(body, serde_json::json!({"total": 0, "routes": {}}));
    get_ok(&app, "/v1/users").await;
    assert_eq!(
        send(&app, Method::GET, "/__emulator/requests/total", None)
            .await
            .text,
        "1\n"
    );
}

#[tokio::test]
async fn user_filters_select_exactly_the_matching_users() {
    let app = app(300, 10, 13);
    let everyone = all_users(&app, "").await;
    let pick = |n: usize| everyone[n].clone();
    let id = |u: &Value| u["id"].as_str().unwrap().to_owned();

    // user_id: repeated keys, unknown ids ignored, +/- prefixes.
    let (a, b) = (pick(3), pick(250));
    let got = all_users(
        &app,
        &format!(
            "&user_id={}&user_id={}&user_id=user_unknown",
            id(&a),
            id(&b)
        ),
    )
    .await;
    assert_eq!(ids(&got), vec![id(&a), id(&b)], "newest first");
    let got = all_users(&app, &format!("&user_id=-{}", id(&a))).await;
    assert_eq!(got.len(), 299);
    assert!(!ids(&got).contains(&id(&a)));
    let got = all_users(&app, &format!("&user_id=%2B{}&user_id=-{}", id(&a), id(&a))).await;
    assert!(got.is_empty());

    // email_address matches any of a user's addresses, case-insensitively.
    let with_two = everyone
        .iter()
        .find(|u| u["email_addresses"].as_array().unwrap().len() >= 2)
        .unwrap();
    let second = with_two["email_addresses"][1]["email_address"]
        .as_str()
        .unwrap()
        .to_uppercase();
    let got = all_users(&app, &format!("&email_address={second}")).await;
    assert_eq!(ids(&got), vec![id(with_two)]);

    // username and external_id.
    let named = everyone.iter().find(|u| u["username"].is_string()).unwrap();
    let got = all_users(
        &app,
        &format!("&username={}", named["username"].as_str().unwrap()),
    )
    .await;
    assert_eq!(ids(&got), vec![id(named)]);
    let external = everyone
        .iter()
        .find(|u| u["external_id"].is_string())
        .unwrap();
    let got = all_users(
        &app,
        &format!("&external_id={}", external["external_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(ids(&got), vec![id(external)]);
    assert!(
        everyone.iter().any(|u| u["external_id"].is_null()),
        "some external ids are null"
    );

    // phone_number.
    let phoned = everyone
        .iter()
        .find(|u| !u["phone_numbers"].as_array().unwrap().is_empty())
        .unwrap();
    let number = phoned["phone_numbers"][0]["phone_number"]
        .as_str()
        .unwrap()
        .replace('+', "%2B");
    assert_eq!(
        ids(&all_users(&app, &format!("&phone_number={number}")).await),
        vec![id(phoned)]
    );

    // banned and a created_at window, checked against the JSON.
    let banned = all_users(&app, "&banned=true").await;
    let expected: Vec<String> = everyone
        .iter()
        .filter(|u| u["banned"] == true)
        .map(id)
        .collect();
    assert_eq!(ids(&banned), expected);
    let (lo, hi) = (
        pick(200)["created_at"].as_i64().unwrap(),
        pick(100)["created_at"].as_i64().unwrap(),
    );
    let window = all_users(
        &app,
        &format!("&created_at_after={lo}&created_at_before={hi}"),
    )
    .await;
    assert_eq!(ids(&window), ids(&everyone[101..200]), "bounds are strict");

    // query: partial and case-insensitive over names, emails, usernames, ids.
    let last_name = pick(7)["last_name"].as_str().unwrap_or("user").to_owned();
    let needle = last_name[1..].to_uppercase();
    let got = all_users(&app, &format!("&query={needle}")).await;
    assert!(ids(&got).contains(&id(&pick(7))));
    for u in &got {
        assert!(
            u.to_string()
                .to_lowercase()
                .contains(&needle.to_lowercase()),
            "{u}"
        );
    }
    assert_eq!(
        get_ok(&app, &format!("/v1/users/count?query={needle}")).await["total_count"],
        got.len(),
        "count takes the same filters"
    );
}

#[tokio::test]
async fn organization_filters_and_memberships_agree() {
    let app = app(200, 8, 14);
    let body = get_ok(
        &app,
        "/v1/organizations?limit=500&include_members_count=true",
    )
    .await;
    let orgs = body["data"].as_array().unwrap().clone();
    let total_members: u64 = orgs
        .iter()
        .map(|o| o["members_count"].as_u64().unwrap())
        .sum();
    // A user may belong to up to three organizations.
    assert!(total_members > 0 && total_members <= 600);

    for org in &orgs {
        let org_id = org["id"].as_str().unwrap();
        let members = all_users(&app, &format!("&organization_id={org_id}")).await;
        assert_eq!(
            members.len() as u64,
            org["members_count"].as_u64().unwrap(),
            "{org_id}"
        );
        if let Some(creator) = org["created_by"].as_str() {
            assert!(
                ids(&members).contains(&creator.to_owned()),
                "creator is a member"
            );
            let by_member = get_ok(&app, &format!("/v1/organizations?user_id={creator}")).await;
            assert!(by_member["total_count"].as_u64().unwrap() >= 1);
            assert!(by_member["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["id"] == org_id));
        }
        let by_id = get_ok(
            &app,
            &format!("/v1/organizations?organization_id={org_id}&organization_id=org_unknown"),
        )
        .await;
        assert_eq!(by_id["total_count"], 1);
        let excluded = get_ok(
            &app,
            &format!("/v1/organizations?organization_id=-{org_id}"),
        )
        .await;
        assert_eq!(excluded["total_count"], 7);
        // query: exact id, partial name and slug.
        assert_eq!(
            get_ok(&app, &format!("/v1/organizations?query={org_id}")).await["data"][0]["id"],
            org_id
        );
        let slug = org["slug"].as_str().unwrap();
        let by_slug = get_ok(&app, &format!("/v1/organizations?query={}", &slug[1..])).await;
        assert!(by_slug["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == org_id));
    }
}

#[tokio::test]
async fn starting_after_walks_created_at_order_like_offset_and_rejects_other_orders() {
    let app = app(95, 2, 15);
    for order in ["-created_at", "created_at"] {
        let by_offset = all_users(&app, &format!("&order_by={order}")).await;
        let mut by_cursor: Vec<Value> = Vec::new();
        loop {
            let cursor = by_cursor
                .last()
                .map(|u| format!("&starting_after={}", u["id"].as_str().unwrap()));
            let page = get_ok(
                &app,
                &format!(
                    "/v1/users?limit=7&order_by={order}{}",
                    cursor.unwrap_or_default()
                ),
            )
            .await;
            let page = page.as_array().unwrap().clone();
            let short = page.len() < 7;
            by_cursor.extend(page);
            if short {
                break;
            }
        }
        assert_eq!(ids(&by_cursor), ids(&by_offset), "{order}");
    }
    // The cursor also applies when an exact filter picks the candidates.
    let newest = ids(&all_users(&app, "").await);
    let filter = format!(
        "&user_id={}&user_id={}&user_id={}",
        newest[40], newest[5], newest[60]
    );
    let after = get_ok(
        &app,
        &format!("/v1/users?starting_after={}{filter}", newest[5]),
    )
    .await;
    assert_eq!(
        ids(after.as_array().unwrap()),
        vec![newest[40].clone(), newest[60].clone()]
    );
    let after = get_ok(
        &app,
        &format!(
            "/v1/users?order_by=created_at&starting_after={}{filter}",
            newest[40]
        ),
    )
    .await;
    assert_eq!(ids(after.as_array().unwrap()), vec![newest[5].clone()]);
    let first = newest[0].clone();
    for query in [
        format!("order_by=username&starting_after={first}"),
        format!("offset=3&starting_after={first}"),
    ] {
        let reply = get(&app, &format!("/v1/users?{query}")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(
            reply.json()["errors"][0]["meta"]["param_name"],
            "starting_after"
        );
    }
}

#[tokio::test]
async fn seeded_data_is_deterministic_clerk_shaped_and_in_milliseconds() {
    let one = all_users(&app(120, 4, 16), "").await;
    let again = all_users(&app(120, 4, 16), "").await;
    let other = all_users(&app(120, 4, 17), "").await;
    assert_eq!(one, again, "same seed, same data");
    assert!(
        ids(&one).iter().all(|id| !ids(&other).contains(id)),
        "another seed gives other ids"
    );

    let mut created = HashSet::new();
    let mut emails = HashSet::new();
    for user in &one {
        let id = user["id"].as_str().unwrap();
        assert!(
            id.len() == 32 && id[5..].bytes().all(|b| b.is_ascii_alphanumeric()),
            "^user_\\w{{27}}$: {id}"
        );
        assert!(
            created.insert(user["created_at"].as_i64().unwrap()),
            "created_at values are distinct"
        );
        for field in [
            "created_at",
            "updated_at",
            "last_sign_in_at",
            "last_active_at",
        ] {
            if let Some(ms) = user[field].as_i64() {
                assert!(
                    (1_500_000_000_000..1_800_000_000_000).contains(&ms),
                    "{field} in ms: {ms}"
                );
            }
        }
        assert!(user["updated_at"].as_i64() >= user["created_at"].as_i64());
        let addresses = user["email_addresses"].as_array().unwrap();
        assert!((1..=3).contains(&addresses.len()));
        assert_eq!(addresses[0]["id"], user["primary_email_address_id"]);
        for address in addresses {
            assert_eq!(address["object"], "email_address");
            assert!(address["verification"]["status"].is_string());
            assert!(
                emails.insert(address["email_address"].as_str().unwrap().to_owned()),
                "emails are unique"
            );
        }
        for metadata in ["public_metadata", "private_metadata", "unsafe_metadata"] {
            assert!(user[metadata].is_object(), "{metadata}");
        }
    }
}

//! Seeded users' phone numbers and external accounts: how many, how they
//! relate to the user's emails and timestamps, the filters that read them,
//! the OAuth access tokens behind the accounts, and a fingerprint of the fields the wrapper's end-to-end outputs pin,
//! which newer seeded fields must never move. Every response is also
//! checked against the spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};

use axum::http::Method;
use common::{all_users, app, call_expect, get_ok};
use serde_json::{json, Value};

const PROVIDERS: &[&str] = &["oauth_google", "oauth_github", "oauth_microsoft"];

fn array(v: &Value) -> &Vec<Value> {
    v.as_array().expect("an array")
}

/// FNV-1a, stable across Rust releases (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `--users 1234 --organizations 57 --seed 42` is what the wrapper's
/// end-to-end tests run against: their expected outputs read these fields.
/// The fingerprint was taken before phones and external accounts were
/// added (commit 16201f2) and must not change.
#[tokio::test]
async fn fields_the_end_to_end_outputs_read_never_move() {
    let app = app(1234, 57, 42);
    let users = all_users(&app, "&order_by=%2Bcreated_at").await;
    assert_eq!(users.len(), 1234);
    let mut text = String::new();
    for u in &users {
        let emails: Vec<&str> = array(&u["email_addresses"])
            .iter()
            .map(|e| e["email_address"].as_str().unwrap())
            .collect();
        let primary = array(&u["email_addresses"])
            .iter()
            .find(|e| e["id"] == u["primary_email_address_id"])
            .map_or("", |e| e["email_address"].as_str().unwrap());
        let parts = [
            u["id"].as_str().unwrap().to_owned(),
            u["username"].to_string(),
            u["first_name"].to_string(),
            u["last_name"].to_string(),
            u["created_at"].to_string(),
            u["updated_at"].to_string(),
            u["object"].as_str().unwrap().to_owned(),
            u["public_metadata"].to_string(),
            emails.join(","),
            primary.to_owned(),
        ];
        text.push_str(&parts.join("|"));
        text.push('\n');
    }
    assert_eq!(text.len(), 240_613);
    assert_eq!(fnv1a(text.as_bytes()), 0xad77_5c6c_e058_6d4f);
}

#[tokio::test]
async fn seeded_users_have_several_phones_and_external_accounts() {
    let app = app(600, 5, 7);
    let users = all_users(&app, "").await;
    assert_eq!(users.len(), 600);
    let (mut phone_counts, mut account_counts) = ([0usize; 4], [0usize; 3]);
    let mut providers_seen = HashSet::new();
    let mut numbers = HashSet::new();
    let mut account_ids = HashSet::new();
    for u in &users {
        let (created, updated) = (
            u["created_at"].as_i64().unwrap(),
            u["updated_at"].as_i64().unwrap(),
        );
        let phones = array(&u["phone_numbers"]);
        assert!(phones.len() <= 3, "{u}");
        phone_counts[phones.len()] += 1;
        match phones.first() {
            // The first phone is the primary one.
            Some(first) => assert_eq!(u["primary_phone_number_id"], first["id"]),
            None => assert!(u["primary_phone_number_id"].is_null()),
        }
        let mut last = created;
        for p in phones {
            let number = p["phone_number"].as_str().unwrap();
            assert!(number.starts_with("+1") && number.len() == 12, "{number}");
            assert!(numbers.insert(number.to_owned()), "{number} is unique");
            let at = p["created_at"].as_i64().unwrap();
            assert!(last <= at && at <= updated, "{p}");
            last = at;
        }
        let accounts = array(&u["external_accounts"]);
        assert!(accounts.len() <= 2, "{u}");
        account_counts[accounts.len()] += 1;
        let providers: HashSet<&str> = accounts
            .iter()
            .map(|a| a["provider"].as_str().unwrap())
            .collect();
        assert_eq!(providers.len(), accounts.len(), "one account per provider");
        for a in accounts {
            let provider = a["provider"].as_str().unwrap();
            assert!(PROVIDERS.contains(&provider), "{provider}");
            providers_seen.insert(provider.to_owned());
            assert_eq!(a["object"], "external_account");
            assert!(a["id"].as_str().unwrap().starts_with("eac_"));
            assert!(account_ids.insert(a["id"].as_str().unwrap().to_owned()));
            assert!(a["identification_id"].as_str().unwrap().starts_with("idn_"));
            assert_eq!(a["verification"]["status"], "verified");
            assert_eq!(a["verification"]["strategy"], provider);
            let (at, changed) = (
                a["created_at"].as_i64().unwrap(),
                a["updated_at"].as_i64().unwrap(),
            );
            assert!(created <= at && at <= changed && changed <= updated, "{a}");
            // The account's email is one of the user's, and links back.
            let email = array(&u["email_addresses"])
                .iter()
                .find(|e| e["email_address"] == a["email_address"])
                .unwrap_or_else(|| panic!("{a} shares an email with {u}"));
            let link = json!({ "type": provider, "id": a["identification_id"] });
            assert!(array(&email["linked_to"]).contains(&link), "{email}");
        }
        // Every link on an email names one of the user's accounts.
        for e in array(&u["email_addresses"]) {
            for link in array(&e["linked_to"]) {
                assert!(
                    accounts
                        .iter()
                        .any(|a| a["identification_id"] == link["id"]
                            && a["provider"] == link["type"])
                );
            }
        }
    }
    assert!(phone_counts.iter().all(|&n| n > 0), "{phone_counts:?}");
    assert!(account_counts.iter().all(|&n| n > 0), "{account_counts:?}");
    assert_eq!(providers_seen.len(), PROVIDERS.len());
    // Deterministic from the seed, different for another one.
    assert_eq!(all_users(&common::app(600, 5, 7), "").await, users);
    assert_ne!(all_users(&common::app(600, 5, 8), "").await, users);
}

#[tokio::test]
async fn every_phone_and_external_account_finds_its_user() {
    let app = app(300, 3, 11);
    let users = all_users(&app, "").await;
    let by_id: HashMap<&str, &Value> = users
        .iter()
        .map(|u| (u["id"].as_str().unwrap(), u))
        .collect();
    let ids = |list: &Value| -> Vec<String> {
        array(list)
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let three = users
        .iter()
        .find(|u| array(&u["phone_numbers"]).len() == 3)
        .expect("a user with three phones");
    for p in array(&three["phone_numbers"]) {
        let number = p["phone_number"].as_str().unwrap().replace('+', "%2B");
        let found = get_ok(&app, &format!("/v1/users?phone_number={number}")).await;
        assert_eq!(ids(&found), [three["id"].as_str().unwrap()]);
        let count = get_ok(&app, &format!("/v1/users/count?phone_number={number}")).await;
        assert_eq!(count["total_count"], 1);
    }
    let last = array(&three["phone_numbers"])[2]["phone_number"]
        .as_str()
        .unwrap();
    let found = get_ok(
        &app,
        &format!("/v1/users?phone_number_query={}", &last[2..]),
    )
    .await;
    assert!(ids(&found).contains(&three["id"].as_str().unwrap().to_owned()));

    let mut per_provider: HashMap<&str, usize> = HashMap::new();
    for u in &users {
        for a in array(&u["external_accounts"]) {
            let provider = a["provider"].as_str().unwrap();
            *per_provider.entry(provider).or_default() += 1;
            let pid = a["provider_user_id"].as_str().unwrap();
            let found = get_ok(
                &app,
                &format!("/v1/users?provider={provider}&provider_user_id={pid}"),
            )
            .await;
            assert_eq!(ids(&found), [u["id"].as_str().unwrap()]);
            let other = PROVIDERS.iter().find(|&&p| p != provider).unwrap();
            let none = get_ok(
                &app,
                &format!("/v1/users/count?provider={other}&provider_user_id={pid}"),
            )
            .await;
            assert_eq!(none["total_count"], 0);
        }
    }
    for (provider, n) in per_provider {
        let count = get_ok(&app, &format!("/v1/users/count?provider={provider}")).await;
        assert_eq!(count["total_count"], n, "{provider}");
    }
    assert_eq!(
        get_ok(&app, "/v1/users/count?provider_user_id=123").await["total_count"],
        0
    );

    // A written user is matched from its stored object.
    let linked = users
        .iter()
        .find(|u| !array(&u["external_accounts"]).is_empty())
        .unwrap();
    let id = linked["id"].as_str().unwrap();
    call_expect(
        &app,
        Method::PATCH,
        &format!("/v1/users/{id}"),
        Some(json!({ "first_name": "Renamed" })),
        axum::http::StatusCode::OK,
    )
    .await;
    let account = &array(&by_id[id]["external_accounts"])[0];
    let found = get_ok(
        &app,
        &format!(
            "/v1/users?provider={}&provider_user_id={}",
            account["provider"].as_str().unwrap(),
            account["provider_user_id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(ids(&found), [id]);
    assert_eq!(found[0]["first_name"], "Renamed");
}

#[tokio::test]
async fn oauth_access_tokens_follow_the_users_external_accounts() {
    let app = app(120, 3, 13);
    let users = all_users(&app, "").await;
    let mut tokens_seen = HashSet::new();
    let mut with_account = 0;
    for u in &users {
        let id = u["id"].as_str().unwrap();
        let accounts = array(&u["external_accounts"]);
        for provider in PROVIDERS.iter().chain(&["oauth_facebook", "google"]) {
            let uri = format!("/v1/users/{id}/oauth_access_tokens/{provider}");
            let tokens = get_ok(&app, &uri).await;
            let tokens = array(&tokens);
            let account = accounts.iter().find(|a| a["provider"] == *provider);
            assert_eq!(tokens.len(), usize::from(account.is_some()), "{uri}");
            let Some(account) = account else { continue };
            with_account += 1;
            let t = &tokens[0];
            assert_eq!(t["object"], "oauth_access_token");
            assert_eq!(t["external_account_id"], account["id"]);
            assert_eq!(t["provider_user_id"], account["provider_user_id"]);
            assert_eq!(t["provider"], *provider);
            assert_eq!(t["public_metadata"], account["public_metadata"]);
            let scopes: Vec<&str> = account["approved_scopes"]
                .as_str()
                .unwrap()
                .split(' ')
                .collect();
            assert_eq!(t["scopes"], json!(scopes));
            assert!(tokens_seen.insert(t["token"].as_str().unwrap().to_owned()));
            // OIDC providers give an ID token and expiring access tokens.
            let oidc = *provider != "oauth_github";
            assert_eq!(t["id_token"].is_string(), oidc, "{t}");
            assert_eq!(t["expires_at"].is_i64(), oidc, "{t}");
            if oidc {
                assert_eq!(t["id_token"].as_str().unwrap().split('.').count(), 3);
            } else {
                assert!(t["token"].as_str().unwrap().starts_with("gho_"));
            }

            // paginated=true wraps the same list with its total; paging.
            let paged = get_ok(&app, &format!("{uri}?paginated=true")).await;
            assert_eq!(paged, json!({ "data": tokens, "total_count": 1 }));
            let past = get_ok(&app, &format!("{uri}?paginated=true&limit=1&offset=1")).await;
            assert_eq!(past, json!({ "data": [], "total_count": 1 }));
            assert_eq!(get_ok(&app, &format!("{uri}?offset=1")).await, json!([]));
            // The same on every call (refreshed tokens are stable).
            assert_eq!(get_ok(&app, &uri).await, json!(tokens));
        }
    }
    assert!(with_account > 20, "{with_account}");

    let none = get_ok(
        &app,
        &format!(
            "/v1/users/{}/oauth_access_tokens/oauth_google?paginated=true",
            users[0]["id"].as_str().unwrap()
        ),
    )
    .await;
    assert!(none["total_count"].is_u64());
    for uri in [
        "/v1/users/user_nope/oauth_access_tokens/oauth_google",
        "/v1/users/user_nope/oauth_access_tokens/oauth_google?paginated=true",
    ] {
        let body = call_expect(
            &app,
            Method::GET,
            uri,
            None,
            axum::http::StatusCode::NOT_FOUND,
        )
        .await;
        common::assert_clerk_error(&body, "resource_not_found");
    }
    let id = users[0]["id"].as_str().unwrap();
    let bad = common::get(
        &app,
        &format!("/v1/users/{id}/oauth_access_tokens/oauth_google?limit=0"),
    )
    .await;
    assert_eq!(bad.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
}

/// Seeded users in index order (their creation order).
async fn users_by_index(app: &axum::Router) -> Vec<Value> {
    all_users(app, "&order_by=%2Bcreated_at").await
}

#[tokio::test]
async fn every_fifth_user_has_active_trusted_devices() {
    let app = app(60, 3, 42);
    let users = users_by_index(&app).await;
    let mut seen = HashSet::new();
    for (i, user) in users.iter().enumerate() {
        let id = user["id"].as_str().unwrap();
        let body = get_ok(&app, &format!("/v1/users/{id}/trusted_devices")).await;
        let expected = match i % 10 {
            0 => 1,
            5 => 2,
            _ => 0,
        };
        assert_eq!(body["total_count"], expected, "user {i}");
        let devices = array(&body["data"]);
        assert_eq!(devices.len(), expected);
        for d in devices {
            assert_eq!(d["object"], "trusted_device");
            assert!(seen.insert(d["id"].as_str().unwrap().to_owned()));
            assert!(d["id"].as_str().unwrap().starts_with("td_"));
            assert_eq!(d["status"], "active");
            assert_eq!(d["revoked_at"], Value::Null);
            assert_eq!(d["algorithm"], "ES256");
            assert!(d["created_at"].as_i64() > user["created_at"].as_i64());
            assert!(d["updated_at"].as_i64() >= d["created_at"].as_i64());
            if let Some(used) = d["last_used_at"].as_i64() {
                assert_eq!(d["updated_at"], used);
            }
        }
        if expected == 2 {
            // An iPhone and an Android phone, newest first.
            let platforms: HashSet<&str> = devices
                .iter()
                .map(|d| d["platform"].as_str().unwrap())
                .collect();
            assert_eq!(platforms.len(), 2);
            assert!(devices[0]["created_at"].as_i64() > devices[1]["created_at"].as_i64());
        }
        // No paging parameters: the whole list, whatever is asked.
        let ignored = get_ok(&app, &format!("/v1/users/{id}/trusted_devices?limit=1")).await;
        assert_eq!(ignored, body);
    }
    // Created users have none; unknown and deleted users are 404s.
    let created = call_expect(
        &app,
        Method::POST,
        "/v1/users",
        Some(json!({ "email_address": ["devices@example.com"] })),
        axum::http::StatusCode::OK,
    )
    .await;
    let created = created["id"].as_str().unwrap();
    let body = get_ok(&app, &format!("/v1/users/{created}/trusted_devices")).await;
    assert_eq!(body, json!({ "data": [], "total_count": 0 }));
    let first = users[0]["id"].as_str().unwrap();
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/users/{first}"),
        None,
        axum::http::StatusCode::OK,
    )
    .await;
    for uri in [
        format!("/v1/users/{first}/trusted_devices"),
        "/v1/users/user_nope/trusted_devices".to_owned(),
    ] {
        let body = call_expect(
            &app,
            Method::GET,
            &uri,
            None,
            axum::http::StatusCode::NOT_FOUND,
        )
        .await;
        common::assert_clerk_error(&body, "resource_not_found");
    }
}

#[tokio::test]
async fn every_fourth_user_has_a_completed_sign_up() {
    let app = app(40, 3, 42);
    let users = users_by_index(&app).await;
    for (i, user) in users.iter().enumerate() {
        let id = user["id"].as_str().unwrap();
        let sign_up_id = format!("sua_{}", id.strip_prefix("user_").unwrap());
        let uri = format!("/v1/sign_ups/{sign_up_id}");
        if i % 4 != 0 {
            let body = call_expect(
                &app,
                Method::GET,
                &uri,
                None,
                axum::http::StatusCode::NOT_FOUND,
            )
            .await;
            common::assert_clerk_error(&body, "resource_not_found");
            continue;
        }
        let s = get_ok(&app, &uri).await;
        assert_eq!(s["object"], "sign_up_attempt");
        assert_eq!(s["id"], sign_up_id.as_str());
        assert_eq!(s["status"], "complete");
        assert_eq!(s["created_user_id"], id);
        assert_eq!(s["missing_fields"], json!([]));
        assert_eq!(s["unverified_fields"], json!([]));
        assert_eq!(s["verifications"]["email_address"]["status"], "verified");
        for field in [
            "username",
            "first_name",
            "last_name",
            "external_id",
            "password_enabled",
            "locale",
            "legal_accepted_at",
        ] {
            assert_eq!(s[field], user[field], "{field} of user {i}");
        }
        let primary = array(&user["email_addresses"])
            .iter()
            .find(|e| e["id"] == user["primary_email_address_id"])
            .unwrap();
        assert_eq!(s["email_address"], primary["email_address"]);
        assert_eq!(
            s["phone_number"].is_null(),
            array(&user["phone_numbers"]).is_empty()
        );
        assert!(s["abandon_at"].as_i64() > user["created_at"].as_i64());
        // The session the sign-up created is the user's.
        let session = s["created_session_id"].as_str().unwrap();
        let session = get_ok(&app, &format!("/v1/sessions/{session}")).await;
        assert_eq!(session["user_id"], id);
    }
    // History: a deleted user's sign-up stays; unknown ids are 404s.
    let first = users[0]["id"].as_str().unwrap();
    let sign_up = format!("/v1/sign_ups/sua_{}", &first[5..]);
    let before = get_ok(&app, &sign_up).await;
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/users/{first}"),
        None,
        axum::http::StatusCode::OK,
    )
    .await;
    assert_eq!(get_ok(&app, &sign_up).await, before);
    let other_seed = users_by_index(&common::app(4, 1, 43)).await;
    for bad in [
        "sua_nope".to_owned(),
        first.to_owned(),
        format!("sua_{}", &other_seed[0]["id"].as_str().unwrap()[5..]),
    ] {
        let body = call_expect(
            &app,
            Method::GET,
            &format!("/v1/sign_ups/{bad}"),
            None,
            axum::http::StatusCode::NOT_FOUND,
        )
        .await;
        common::assert_clerk_error(&body, "resource_not_found");
    }
}

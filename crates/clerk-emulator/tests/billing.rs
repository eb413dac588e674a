//! Billing in process: plans per payer type, one subscription item per
//! seeded user and organization (free ones hidden unless asked), their
//! filters, statements and payment attempts tied to paid items, payer
//! subscriptions, cancel and free-trial extension, prices and payers'
//! credit balances. Every response is also checked against the spec by
//! `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use axum::http::{Method, StatusCode};
use common::{app, assert_clerk_error, call_expect, get, get_ok, spec_order};
use serde_json::{json, Value};

const OK: StatusCode = StatusCode::OK;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

async fn all(app: &axum::Router, path: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out: Vec<Value> = Vec::new();
    loop {
        let body = get_ok(app, &format!("{path}{sep}limit=500&offset={}", out.len())).await;
        let page = body["data"].as_array().unwrap().clone();
        let short = page.len() < 500;
        out.extend(page);
        if short {
            assert_eq!(body["total_count"], out.len(), "{path}");
            return out;
        }
    }
}

#[tokio::test]
async fn plans_items_and_subscriptions_follow_their_payers() {
    let app = app(400, 60, 3);
    let plans = get_ok(&app, "/v1/billing/plans?paginated=true").await;
    assert_eq!(plans["total_count"], 5);
    assert_eq!(
        get_ok(&app, "/v1/billing/plans?payer_type=org").await["total_count"],
        3
    );
    assert_eq!(
        get(&app, "/v1/billing/plans?payer_type=team").await.status,
        UNPROCESSABLE
    );

    let every = all(&app, "/v1/billing/subscription_items?include_free=true").await;
    assert_eq!(every.len(), 460, "one item per user and organization");
    let mut newest = every.clone();
    spec_order(&mut newest, |i| i["created_at"].clone(), true);
    assert_eq!(every, newest, "newest first");
    let paid = all(&app, "/v1/billing/subscription_items").await;
    assert!(!paid.is_empty() && paid.len() < every.len());
    assert!(paid.iter().all(|i| i["plan"]["fee"]["amount"] != 0));
    let users: HashSet<&str> = every
        .iter()
        .filter_map(|i| i["payer"]["user_id"].as_str())
        .collect();
    assert_eq!(users.len(), 400);
    let org_items = all(
        &app,
        "/v1/billing/subscription_items?payer_type=org&include_free=true",
    )
    .await;
    assert_eq!(org_items.len(), 60);
    for status in ["active", "past_due", "ended", "free_trial", "upcoming"] {
        let listed = all(
            &app,
            &format!("/v1/billing/subscription_items?status={status}"),
        )
        .await;
        let expected = paid
            .iter()
            .filter(|i| {
                if status == "free_trial" {
                    i["is_free_trial"] == true
                } else {
                    i["status"] == status
                }
            })
            .count();
        assert_eq!(listed.len(), expected, "{status}");
    }
    assert_eq!(
        get(&app, "/v1/billing/subscription_items?status=canceled")
            .await
            .status,
        UNPROCESSABLE
    );
    let team = plans["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "team")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let on_team = all(
        &app,
        &format!("/v1/billing/subscription_items?plan_id={team}"),
    )
    .await;
    assert!(on_team.iter().all(|i| i["plan_id"] == team.as_str()));

    // A payer's subscription holds its item; query finds it by email.
    let item = paid
        .iter()
        .find(|i| i["payer"]["user_id"].is_string())
        .unwrap()
        .clone();
    let user_id = item["payer"]["user_id"].as_str().unwrap();
    let sub = get_ok(&app, &format!("/v1/users/{user_id}/billing/subscription")).await;
    assert_eq!(sub["subscription_items"][0], item);
    let email = item["payer"]["email"].as_str().unwrap();
    let found = get_ok(
        &app,
        &format!("/v1/billing/subscription_items?query={email}"),
    )
    .await;
    assert_eq!(found["data"][0]["id"], item["id"]);
    let org_id = org_items[0]["payer"]["organization_id"].as_str().unwrap();
    let org_sub = get_ok(
        &app,
        &format!("/v1/organizations/{org_id}/billing/subscription"),
    )
    .await;
    assert_eq!(org_sub["payer_id"], org_items[0]["payer_id"]);
    call_expect(
        &app,
        Method::GET,
        "/v1/users/user_nope/billing/subscription",
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn statements_and_payment_attempts_belong_to_paid_items() {
    let app = app(300, 40, 8);
    let statements = all(&app, "/v1/billing/statements").await;
    let paid = all(&app, "/v1/billing/subscription_items").await;
    let with_statements = paid.iter().filter(|i| i["is_free_trial"] == false).count();
    assert_eq!(statements.len(), with_statements * 3);
    let mut newest = statements.clone();
    spec_order(&mut newest, |s| s["timestamp"].clone(), true);
    assert_eq!(statements, newest);
    let s = &statements[0];
    assert_eq!(
        get_ok(
            &app,
            &format!("/v1/billing/statements/{}", s["id"].as_str().unwrap())
        )
        .await,
        *s
    );
    let attempts = get_ok(
        &app,
        &format!(
            "/v1/billing/statements/{}/payment_attempts",
            s["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(attempts["data"], s["groups"][0]["items"]);
    for a in attempts["data"].as_array().unwrap() {
        assert_eq!(a["statement_id"], s["id"]);
        assert!(paid.iter().any(|i| i["id"] == a["subscription_item_id"]));
    }
    let past_due = statements
        .iter()
        .filter(|s| s["status"] == "open")
        .filter(|s| s["groups"][0]["items"][0]["status"] == "failed")
        .count();
    let past_due_items = paid.iter().filter(|i| i["status"] == "past_due").count();
    assert_eq!(
        past_due, past_due_items,
        "a past-due item's open statement failed"
    );
    call_expect(
        &app,
        Method::GET,
        "/v1/billing/statements/stmt_nope/payment_attempts",
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn cancel_and_extend_free_trial() {
    let app = app(600, 80, 21);
    let paid = all(&app, "/v1/billing/subscription_items?status=active").await;
    let active = paid
        .iter()
        .find(|i| i["is_free_trial"] == false && i["canceled_at"].is_null())
        .unwrap()
        .clone();
    let id = active["id"].as_str().unwrap();
    let canceled = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/billing/subscription_items/{id}"),
        None,
        OK,
    )
    .await;
    assert!(canceled["canceled_at"].is_i64());
    assert_eq!(canceled["status"], "active", "canceled at period end");
    let again = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/billing/subscription_items/{id}"),
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_clerk_error(&again, "subscription_item_already_canceled");
    let ended = call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/billing/subscription_items/{id}?end_now=true"),
        None,
        OK,
    )
    .await;
    assert_eq!(ended["status"], "ended");
    let listed = all(&app, "/v1/billing/subscription_items?status=ended").await;
    assert!(listed.iter().any(|i| i["id"] == id));

    let free = all(
        &app,
        "/v1/billing/subscription_items?include_free=true&payer_type=user",
    )
    .await;
    let free = free
        .iter()
        .find(|i| i["plan"]["fee"]["amount"] == 0)
        .unwrap();
    let refused = call_expect(
        &app,
        Method::DELETE,
        &format!(
            "/v1/billing/subscription_items/{}",
            free["id"].as_str().unwrap()
        ),
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_clerk_error(&refused, "free_plan_cannot_be_canceled");

    let trials = all(&app, "/v1/billing/subscription_items?status=free_trial").await;
    let trial = trials.first().expect("some free trials").clone();
    let tid = trial["id"].as_str().unwrap();
    let extended = call_expect(
        &app,
        Method::POST,
        &format!("/v1/billing/subscription_items/{tid}/extend_free_trial"),
        Some(json!({ "extend_to": "2026-06-30T00:00:00Z" })),
        OK,
    )
    .await;
    assert_eq!(extended["period_end"], 1_782_777_600_000_i64);
    let too_far = call_expect(
        &app,
        Method::POST,
        &format!("/v1/billing/subscription_items/{tid}/extend_free_trial"),
        Some(json!({ "extend_to": "2030-01-01T00:00:00Z" })),
        UNPROCESSABLE,
    )
    .await;
    assert_clerk_error(&too_far, "form_param_value_invalid");
    let not_trial = call_expect(
        &app,
        Method::POST,
        &format!("/v1/billing/subscription_items/{id}/extend_free_trial"),
        Some(json!({ "extend_to": "2026-06-30T00:00:00Z" })),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_clerk_error(&not_trial, "subscription_item_not_in_free_trial");
}

#[tokio::test]
async fn prices_are_each_plans_default_and_two_custom_ones() {
    let app = app(200, 30, 4);
    let prices = all(&app, "/v1/billing/prices?paginated=true").await;
    assert_eq!(prices.len(), 7);
    // By amount, then newest first.
    let mut sorted = prices.clone();
    sorted.sort_by_key(|p| {
        (
            p["amount"].as_i64().unwrap(),
            -p["created_at"].as_i64().unwrap(),
        )
    });
    assert_eq!(prices, sorted);
    let plans = get_ok(&app, "/v1/billing/plans").await;
    let plans = plans["data"].as_array().unwrap();
    for plan in plans {
        let plan_id = plan["id"].as_str().unwrap();
        let of_plan = all(&app, &format!("/v1/billing/prices?plan_id={plan_id}")).await;
        let custom = usize::from(plan["slug"] == "pro" || plan["slug"] == "team");
        assert_eq!(of_plan.len(), 1 + custom, "{}", plan["slug"]);
        assert!(of_plan.iter().all(|p| p["plan_id"] == plan_id));
        let default: Vec<&Value> = of_plan.iter().filter(|p| p["is_default"] == true).collect();
        assert_eq!(default.len(), 1);
        assert_eq!(default[0]["fee"], plan["fee"]);
        assert_eq!(default[0]["amount"], plan["fee"]["amount"]);
        let paid = plan["fee"]["amount"] != 0;
        assert_eq!(
            default[0]["supported_billing_periods"],
            if paid { "both" } else { "month" }
        );
        assert_eq!(default[0]["annual_monthly_fee"].is_null(), !paid);
    }
    // Items name their plan's default price.
    let items = all(&app, "/v1/billing/subscription_items?include_free=true").await;
    for item in &items {
        let price = prices
            .iter()
            .find(|p| p["id"] == item["price_id"])
            .expect("an item's price is listed");
        assert_eq!(price["plan_id"], item["plan_id"]);
        assert_eq!(price["is_default"], true);
    }
    let custom: Vec<&Value> = prices.iter().filter(|p| p["is_default"] == false).collect();
    assert_eq!(custom.len(), 2);
    assert!(custom.iter().all(|p| p["description"].is_string()));
    assert!(prices
        .iter()
        .all(|p| p["id"].as_str().unwrap().starts_with("cprice_")
            && p["instance_id"].as_str().unwrap().starts_with("ins_")));

    let page = get_ok(&app, "/v1/billing/prices?limit=3&offset=2").await;
    assert_eq!(page["total_count"], 7);
    assert_eq!(page["data"].as_array().unwrap()[..], prices[2..5]);
    let default_page = get_ok(&app, "/v1/billing/prices").await;
    assert_eq!(default_page["data"].as_array().unwrap().len(), 7);
    let none = get_ok(&app, "/v1/billing/prices?plan_id=cplan_nope").await;
    assert_eq!(none, json!({ "data": [], "total_count": 0 }));
    for bad in ["limit=0", "offset=-1", "paginated=maybe"] {
        let reply = get(&app, &format!("/v1/billing/prices?{bad}")).await;
        assert_eq!(reply.status, UNPROCESSABLE, "{bad}");
    }
}

/// The balance the seed gives payer `n` (its index among users or
/// organizations), in cents; `None` when it never had credits.
fn expected_balance(n: usize) -> Option<i64> {
    match n % 4 {
        0 => Some(500 * (1 + (n as i64 / 4) % 6)),
        2 => Some(0),
        _ => None,
    }
}

#[tokio::test]
async fn credit_balances_follow_the_payer_index() {
    let app = app(30, 12, 6);
    let users = common::all_users(&app, "&order_by=%2Bcreated_at").await;
    let orgs = get_ok(&app, "/v1/organizations?order_by=created_at&limit=500").await;
    let orgs = orgs["data"].as_array().unwrap().clone();
    assert_eq!((users.len(), orgs.len()), (30, 12));
    for (kind, payers) in [("users", &users), ("organizations", &orgs)] {
        for (n, payer) in payers.iter().enumerate() {
            let id = payer["id"].as_str().unwrap();
            let credits = get_ok(&app, &format!("/v1/{kind}/{id}/billing/credits")).await;
            assert_eq!(credits["object"], "commerce_credit_balance");
            assert_eq!(
                credits["balance"]["amount"].as_i64(),
                expected_balance(n),
                "{kind} {n}"
            );
            if let Some(cents) = expected_balance(n) {
                assert_eq!(credits["balance"]["currency"], "USD");
                assert_eq!(
                    credits["balance"]["amount_formatted"],
                    format!("{}.{:02}", cents / 100, cents % 100)
                );
            } else {
                assert!(credits["balance"].is_null());
            }
        }
    }

    // Payers created since startup never had credits.
    let user = call_expect(
        &app,
        Method::POST,
        "/v1/users",
        Some(json!({ "email_address": ["credits.new@example.com"] })),
        OK,
    )
    .await;
    let credits = get_ok(
        &app,
        &format!("/v1/users/{}/billing/credits", user["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        credits,
        json!({ "object": "commerce_credit_balance", "balance": null })
    );

    for uri in [
        "/v1/users/user_nope/billing/credits",
        "/v1/organizations/org_nope/billing/credits",
    ] {
        let body = call_expect(&app, Method::GET, uri, None, StatusCode::NOT_FOUND).await;
        assert_clerk_error(&body, "resource_not_found");
    }
    // A deleted user is unknown too.
    let first = users[0]["id"].as_str().unwrap();
    call_expect(
        &app,
        Method::DELETE,
        &format!("/v1/users/{first}"),
        None,
        OK,
    )
    .await;
    call_expect(
        &app,
        Method::GET,
        &format!("/v1/users/{first}/billing/credits"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
}

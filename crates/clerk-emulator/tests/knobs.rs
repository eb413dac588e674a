//! The operational knobs, in process: rate limit (429 + Retry-After +
//! ClerkErrors), latency, each fault kind, the admin knobs route, the
//! request log, and reset restoring the startup knobs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use clerk_emulator::server::knobs::{FaultList, RateLimitSetting};
use clerk_emulator::{Config, Fault, Knobs, RateLimit};
use common::{app, assert_clerk_error, bearer, get, get_admin, send_unchecked, spec, KEY};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn patch_knobs(app: &Router, body: Value) -> (StatusCode, Value) {
    let reply = send_unchecked(app, Method::PATCH, "/__emulator/knobs", None, Some(&body)).await;
    (reply.status, reply.json())
}

/// Status, and the body bytes or the error the body stream ended with.
async fn raw(app: &Router, uri: &str) -> (StatusCode, Result<Vec<u8>, String>) {
    let request = Request::builder()
        .uri(uri)
        .header(header::AUTHORIZATION, bearer())
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .map_err(|e| e.to_string());
    (status, body)
}

#[test]
fn rate_limit_flags_accept_the_presets_and_any_window() {
    let parse = |s: &str| s.parse::<RateLimitSetting>().map(|r| r.0);
    assert_eq!(parse("off"), Ok(None));
    assert_eq!(parse("100/10s"), Ok(Some(RateLimit::DEVELOPMENT)));
    assert_eq!(parse("1000/10s"), Ok(Some(RateLimit::PRODUCTION)));
    assert_eq!(
        parse("20/500ms"),
        Ok(Some(RateLimit {
            requests: 20,
            window: Duration::from_millis(500)
        }))
    );
    assert_eq!(parse("60/1m").unwrap().unwrap().to_string(), "60/1m");
    for bad in ["", "100", "0/10s", "10/0s", "x/10s", "10/ten"] {
        assert!(parse(bad).is_err(), "{bad:?} accepted");
    }
    assert_eq!("all".parse::<FaultList>().unwrap().0, Fault::ALL);
    assert_eq!(
        "500,reset".parse::<FaultList>().unwrap().0,
        vec![Fault::InternalError, Fault::Reset]
    );
    assert!("500,teapot".parse::<FaultList>().is_err());
}

#[tokio::test]
async fn over_the_rate_limit_v1_answers_429_with_retry_after_until_the_window_ends() {
    let knobs = Knobs::default().with_rate_limit(Some(RateLimit {
        requests: 3,
        window: Duration::from_millis(1500),
    }));
    let app = clerk_emulator::app(Config::new(KEY, 5, 2).with_knobs(knobs));
    for _ in 0..3 {
        assert_eq!(get(&app, "/v1/users").await.status, StatusCode::OK);
    }
    for uri in ["/v1/users", "/v1/organizations", "/v1/users/count"] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{uri}");
        assert_clerk_error(&reply.json(), "too_many_requests");
        let retry: u64 = reply.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry), "Retry-After {retry}");
    }
    // Unauthenticated requests are not the instance's: 401, not 429.
    assert_eq!(
        send_unchecked(&app, Method::GET, "/v1/users", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Admin routes are never limited.
    get_admin(&app, "/__emulator/knobs").await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(get(&app, "/v1/users").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_production_preset_admits_1000_requests_per_window() {
    let app = clerk_emulator::app(
        Config::new(KEY, 1, 0)
            .with_knobs(Knobs::default().with_rate_limit(Some(RateLimit::PRODUCTION))),
    );
    for _ in 0..1000 {
        let (status, _) = raw(&app, "/v1/users/count").await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(
        raw(&app, "/v1/users/count").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn latency_delays_each_answer_by_the_fixed_part_plus_at_most_the_jitter() {
    let app = app(3, 1, 5);
    let (status, knobs) =
        patch_knobs(&app, json!({ "latency_ms": 120, "latency_jitter_ms": 40 })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(knobs["latency_ms"], 120);
    let started = Instant::now();
    assert_eq!(get(&app, "/v1/users").await.status, StatusCode::OK);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(120) && took < Duration::from_millis(1000),
        "{took:?}"
    );
}

#[tokio::test]
async fn each_fault_kind_breaks_the_answer_its_own_way() {
    let app = app(30, 3, 6);
    let set = |fault: &str| json!({ "fault_rate": 1.0, "faults": [fault], "slow_body_ms": 300 });

    patch_knobs(&app, set("500")).await;
    let reply = get(&app, "/v1/users").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_clerk_error(&reply.json(), "internal_clerk_error");

    for (fault, status) in [
        ("502", StatusCode::BAD_GATEWAY),
        ("503", StatusCode::SERVICE_UNAVAILABLE),
    ] {
        patch_knobs(&app, set(fault)).await;
        let reply = send_unchecked(&app, Method::GET, "/v1/users", Some(&bearer()), None).await;
        assert_eq!(reply.status, status);
        assert!(reply.content_type.unwrap().starts_with("text/html"));
    }

    patch_knobs(&app, set("malformed")).await;
    let (status, body) = raw(&app, "/v1/users?limit=5").await;
    assert_eq!(status, StatusCode::OK);
    let body = body.unwrap();
    assert!(
        !body.is_empty() && serde_json::from_slice::<Value>(&body).is_err(),
        "malformed body parsed"
    );

    patch_knobs(&app, set("truncate")).await;
    let (status, body) = raw(&app, "/v1/users?limit=5").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_err(), "a truncated body must end in an error");

    patch_knobs(&app, set("reset")).await;
    let (_, body) = raw(&app, "/v1/users?limit=5").await;
    assert!(body.is_err(), "a reset must end in an error");

    patch_knobs(&app, set("slow")).await;
    let started = Instant::now();
    let (status, body) = raw(&app, "/v1/users?limit=5").await;
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(status, StatusCode::OK);
    let users: Value = serde_json::from_slice(&body.unwrap()).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn faults_hit_about_the_given_share_of_requests_deterministically() {
    let run = || async {
        let app = app(3, 1, 8);
        patch_knobs(&app, json!({ "fault_rate": 0.3, "faults": ["500", "503"] })).await;
        let mut statuses = Vec::new();
        for _ in 0..300 {
            statuses.push(raw(&app, "/v1/users/count").await.0.as_u16());
        }
        statuses
    };
    let first = run().await;
    assert_eq!(first, run().await, "same seed, same faults");
    let faulted = first.iter().filter(|&&s| s != 200).count();
    assert!(
        (50..=130).contains(&faulted),
        "{faulted} of 300 faulted at rate 0.3"
    );
    assert!(first.contains(&500) && first.contains(&503));
}

#[tokio::test]
async fn bad_knob_values_are_422s_and_change_nothing() {
    let app = app(3, 1, 9);
    let before = get_admin(&app, "/__emulator/knobs").await;
    for body in [
        json!({ "fault_rate": 2 }),
        json!({ "faults": ["teapot"] }),
        json!({ "rate_limit": "fast" }),
        json!({ "latency": 5 }),
        json!({ "faults": [] }),
    ] {
        let (status, _) = patch_knobs(&app, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    assert_eq!(get_admin(&app, "/__emulator/knobs").await, before);
}

#[tokio::test]
async fn reset_restores_the_startup_knobs_counters_and_log() {
    let app = app(3, 1, 10);
    let startup = get_admin(&app, "/__emulator/knobs").await;
    assert_eq!(startup["rate_limit"], Value::Null);
    assert_eq!(startup["fault_rate"], 0.0);
    let (_, changed) = patch_knobs(&app, json!({ "rate_limit": "100/10s", "latency_ms": 1 })).await;
    assert_eq!(changed["rate_limit"], "100/10s");
    get(&app, "/v1/users?limit=2&user_id=a%2Bb").await;
    let log = get_admin(&app, "/__emulator/requests/log").await;
    let entry = &log.as_array().unwrap()[0];
    assert_eq!(
        (
            entry["method"].as_str(),
            entry["route"].as_str(),
            entry["query"].as_str(),
            entry["status"].as_u64()
        ),
        (
            Some("GET"),
            Some("/v1/users"),
            Some("limit=2&user_id=a%2Bb"),
            Some(200)
        )
    );
    let (_, off) = patch_knobs(&app, json!({ "rate_limit": null })).await;
    assert_eq!(off["rate_limit"], Value::Null);
    assert_eq!(
        send_unchecked(&app, Method::POST, "/__emulator/reset", None, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(get_admin(&app, "/__emulator/knobs").await, startup);
    assert_eq!(get_admin(&app, "/__emulator/requests").await["total"], 0);
    assert_eq!(get_admin(&app, "/__emulator/requests/log").await, json!([]));
}

#[test]
fn the_429_body_is_a_clerk_errors_body() {
    let body = clerk_emulator::ApiError::TooManyRequests.body();
    spec::assert_valid(spec::component("ClerkErrors"), &body);
}

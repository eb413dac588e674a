//! Helpers shared by the in-process tests: build the app and send it
//! requests with `tower::ServiceExt::oneshot`. Every `/v1` response a test
//! receives through `send` is checked against the spec (`spec::check_response`),
//! so each test doubles as a conformance test.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod spec;

use std::cmp::Ordering;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use clerk_emulator::Config;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const KEY: &str = "sk_test_emulator_in_process";

pub fn app(users: u32, organizations: u32, seed: u64) -> Router {
    clerk_emulator::app(Config::new(KEY, users, organizations).with_seed(seed))
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

pub async fn send(app: &Router, method: Method, uri: &str, authorization: Option<&str>) -> Reply {
    send_body(app, method, uri, authorization, None).await
}

/// Send a request with an optional JSON body; the reply is checked against
/// the spec.
pub async fn send_body(
    app: &Router,
    method: Method,
    uri: &str,
    authorization: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let reply = send_unchecked(app, method.clone(), uri, authorization, body).await;
    spec::check_response(method.as_str(), uri, reply.status.as_u16(), &reply.text);
    reply
}

/// Like `send_body`, without the spec check (for property tests that send
/// thousands of requests, and for bodies broken on purpose).
pub async fn send_unchecked(
    app: &Router,
    method: Method,
    uri: &str,
    authorization: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let request = match body {
        Some(json) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(json).unwrap()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    };
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        content_type,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub fn bearer() -> String {
    format!("Bearer {KEY}")
}

/// An authenticated request with a JSON body, checked against the spec.
pub async fn call(app: &Router, method: Method, uri: &str, body: Option<Value>) -> Reply {
    send_body(app, method, uri, Some(&bearer()), body.as_ref()).await
}

/// An authenticated request that must answer `status` with JSON.
pub async fn call_expect(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<Value>,
    status: StatusCode,
) -> Value {
    let reply = call(app, method.clone(), uri, body).await;
    assert_eq!(reply.status, status, "{method} {uri}: {}", reply.text);
    reply.json()
}

/// An authenticated GET without the spec check.
pub async fn get_ok_unchecked(app: &Router, uri: &str) -> Value {
    let reply = send_unchecked(app, Method::GET, uri, Some(&bearer()), None).await;
    assert_eq!(reply.status, StatusCode::OK, "GET {uri}: {}", reply.text);
    reply.json()
}

/// An authenticated GET.
pub async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Method::GET, uri, Some(&format!("Bearer {KEY}"))).await
}

/// An authenticated GET that must succeed with JSON.
pub async fn get_ok(app: &Router, uri: &str) -> Value {
    let reply = get(app, uri).await;
    assert_eq!(reply.status, StatusCode::OK, "GET {uri}: {}", reply.text);
    reply.json()
}

/// Every user, walked with the largest page.
pub async fn all_users(app: &Router, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let page = get_ok(
            app,
            &format!("/v1/users?limit=500&offset={}{query}", out.len()),
        )
        .await;
        let page = page.as_array().expect("users list is a bare array").clone();
        let short = page.len() < 500;
        out.extend(page);
        if short {
            return out;
        }
    }
}

pub fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|u| u["id"].as_str().expect("id is a string").to_owned())
        .collect()
}

/// Assert `body` is a `ClerkErrors` body with one error of `code`.
pub fn assert_clerk_error(body: &Value, code: &str) {
    let errors = body["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 1, "{body}");
    let error = &errors[0];
    assert_eq!(error["code"], code, "{body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        error["long_message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(error["meta"].is_object(), "{body}");
    assert!(
        body["clerk_trace_id"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{body}"
    );
}

/// Spec order for one field: the value (nulls last), then the id;
/// descending reverses the whole comparison.
pub fn spec_order(items: &mut [Value], value: impl Fn(&Value) -> Value, descending: bool) {
    let cmp_values = |a: &Value, b: &Value| match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => x.as_i64().cmp(&y.as_i64()),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => panic!("mixed types {a} {b}"),
    };
    items.sort_by(|a, b| {
        let ordering =
            cmp_values(&value(a), &value(b)).then_with(|| a["id"].as_str().cmp(&b["id"].as_str()));
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
}

fn primary(user: &Value, list: &str, id_field: &str, value_field: &str) -> Value {
    let primary_id = &user[id_field];
    user[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| &item["id"] == primary_id)
        .map_or(Value::Null, |item| item[value_field].clone())
}

pub fn user_field(field: &str) -> impl Fn(&Value) -> Value + '_ {
    move |u: &Value| match field {
        "email_address" => primary(
            u,
            "email_addresses",
            "primary_email_address_id",
            "email_address",
        ),
        "phone_number" => primary(
            u,
            "phone_numbers",
            "primary_phone_number_id",
            "phone_number",
        ),
        "web3wallet" => Value::Null,
        other => u[other].clone(),
    }
}

/// An unauthenticated GET of an admin route, as JSON.
pub async fn get_admin(app: &Router, uri: &str) -> Value {
    let reply = send_unchecked(app, Method::GET, uri, None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "GET {uri}: {}", reply.text);
    reply.json()
}

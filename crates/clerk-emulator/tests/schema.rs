//! Response bodies validated against the spec's own component schemas
//! (`User`, `Organizations`, `Organization`, `TotalCount`, `ClerkErrors`)
//! from `shared/clerk-api/2026-05-12.yml`, converted from OpenAPI 3.0 to
//! JSON Schema 2020-12 (`nullable: true` becomes `anyOf [null, ...]`).
//!
//! The spec is found through `CLERK_OPENAPI_SPEC` or by looking for
//! `shared/clerk-api/2026-05-12.yml` beside the checkout; without it the
//! tests say so on stderr and pass vacuously.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use axum::http::{Method, StatusCode};
use common::{all_users, app, get, get_ok, send};
use serde_json::{json, Map, Value};

fn spec_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CLERK_OPENAPI_SPEC") {
        return Some(PathBuf::from(path));
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().map(|dir| dir.join("shared/clerk-api/2026-05-12.yml")).find(|p| p.is_file())
}

/// `components.schemas` of the spec as JSON Schema, or `None` without a spec.
fn schemas() -> Option<&'static Value> {
    static SCHEMAS: OnceLock<Option<Value>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            let Some(path) = spec_path() else {
                eprintln!("schema tests skipped: shared/clerk-api/2026-05-12.yml not found (set CLERK_OPENAPI_SPEC)");
                return None;
            };
            let text = std::fs::read_to_string(&path).unwrap();
            let doc: serde_norway::Value = serde_norway::from_str(&text).unwrap();
            let schemas = serde_json::to_value(&doc["components"]["schemas"]).unwrap();
            Some(to_json_schema(schemas))
        })
        .as_ref()
}

/// OpenAPI 3.0 schema objects -> JSON Schema 2020-12.
fn to_json_schema(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map.into_iter().map(|(k, v)| (k, to_json_schema(v))).collect();
            if out.remove("nullable") == Some(Value::Bool(true)) {
                return json!({ "anyOf": [{ "type": "null" }, Value::Object(out)] });
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(to_json_schema).collect()),
        other => other,
    }
}

/// Validate `instance` against `schema` (which may `$ref` the components).
fn violations(schema: Value, instance: &Value) -> Option<Vec<String>> {
    let components = schemas()?;
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": { "schemas": components },
    });
    if let (Value::Object(root), Value::Object(schema)) = (&mut root, schema) {
        root.extend(schema);
    }
    let validator = jsonschema::validator_for(&root).unwrap();
    Some(validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect())
}

fn assert_valid(schema: Value, instance: &Value) {
    if let Some(errors) = violations(schema, instance) {
        assert!(errors.is_empty(), "{} violations, first: {:?}", errors.len(), &errors[..errors.len().min(5)]);
    }
}

fn component(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

#[tokio::test]
async fn users_list_and_get_match_the_user_schema() {
    let app = app(400, 20, 21);
    let users = Value::Array(all_users(&app, "").await);
    assert_valid(json!({ "type": "array", "items": component("User") }), &users);
    let id = users[0]["id"].as_str().unwrap();
    assert_valid(component("User"), &get_ok(&app, &format!("/v1/users/{id}")).await);
    assert_valid(component("TotalCount"), &get_ok(&app, "/v1/users/count").await);
}

#[tokio::test]
async fn organizations_list_and_get_match_the_organization_schemas() {
    let app = app(100, 60, 22);
    for query in ["limit=500", "limit=500&include_members_count=true&include_missing_member_with_elevated_permissions=true"] {
        let body = get_ok(&app, &format!("/v1/organizations?{query}")).await;
        assert_valid(component("Organizations"), &body);
        let id = body["data"][0]["id"].as_str().unwrap();
        assert_valid(component("Organization"), &get_ok(&app, &format!("/v1/organizations/{id}?{query}")).await);
    }
}

#[tokio::test]
async fn error_bodies_match_the_clerk_errors_schema() {
    let app = app(3, 1, 23);
    let unauthorized = send(&app, Method::GET, "/v1/users", None).await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
    for body in [
        unauthorized.json(),
        get(&app, "/v1/users?limit=0").await.json(),
        get(&app, "/v1/users/user_missing").await.json(),
        get(&app, "/v1/unknown").await.json(),
    ] {
        assert_valid(component("ClerkErrors"), &body);
    }
}

#[tokio::test]
async fn the_schema_check_rejects_objects_that_break_the_spec() {
    // Guards the converter and validator: a check that accepts anything
    // would make the tests above meaningless.
    let app = app(2, 1, 24);
    let user = get_ok(&app, "/v1/users?limit=1").await[0].clone();
    let mut extra_field = user.clone();
    extra_field["not_in_the_spec"] = json!(1);
    let mut wrong_type = user.clone();
    wrong_type["created_at"] = json!("2024-01-01");
    let mut missing_required = user;
    missing_required.as_object_mut().unwrap().remove("banned");
    let mut bad_verification = missing_required.clone();
    bad_verification["email_addresses"][0]["verification"]["object"] = json!("verification_unknown");
    for broken in [extra_field, wrong_type, missing_required, bad_verification] {
        if let Some(errors) = violations(component("User"), &broken) {
            assert!(!errors.is_empty(), "accepted a broken user");
        }
    }
}

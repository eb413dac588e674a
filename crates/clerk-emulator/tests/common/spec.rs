//! The vendored OpenAPI spec (`spec/clerk-bapi-2026-05-12.yml`) as the
//! tests' oracle: its operations, and each operation's response schemas
//! converted from OpenAPI 3.0 to JSON Schema 2020-12 and checked with the
//! `jsonschema` crate.
//!
//! A missing or unreadable spec is a test failure, never a skip: CI runs on
//! a clean clone, and a check that cannot fail checks nothing.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Map, Value};

pub const SPEC_FILE: &str = "spec/clerk-bapi-2026-05-12.yml";

pub fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SPEC_FILE)
}

/// The whole spec as JSON (OpenAPI 3.0 schemas not yet converted).
pub fn doc() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = spec_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the vendored Clerk spec {} cannot be read ({e}); it is part of the repository",
                path.display()
            )
        });
        let doc: serde_norway::Value = serde_norway::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
        serde_json::to_value(&doc).unwrap()
    })
}

/// `components.schemas` as JSON Schema 2020-12.
pub fn components() -> &'static Value {
    static SCHEMAS: OnceLock<Value> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let schemas = doc()["components"]["schemas"].clone();
        assert!(
            schemas.as_object().is_some_and(|s| s.len() > 50),
            "the spec has no component schemas"
        );
        to_json_schema(schemas)
    })
}

/// OpenAPI 3.0 schema objects -> JSON Schema 2020-12 (`nullable: true`
/// becomes `anyOf [null, ...]`).
pub fn to_json_schema(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .into_iter()
                .map(|(k, v)| (k, to_json_schema(v)))
                .collect();
            if out.remove("nullable") == Some(Value::Bool(true)) {
                return json!({ "anyOf": [{ "type": "null" }, Value::Object(out)] });
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(to_json_schema).collect()),
        other => other,
    }
}

pub const METHODS: &[&str] = &["get", "post", "patch", "put", "delete"];

/// Every `(METHOD, path template)` of the spec.
pub fn operations() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc()["paths"].as_object().expect("spec has paths") {
        for method in METHODS {
            if item.get(*method).is_some() {
                out.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The spec path template a concrete path (relative to `/v1`) matches, the
/// one with the most literal segments winning (`/users/count` over
/// `/users/{user_id}`).
pub fn template_for(method: &str, path: &str) -> Option<String> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method = method.to_lowercase();
    let mut best: Option<(usize, String)> = None;
    for (template, item) in doc()["paths"].as_object()? {
        if item.get(&method).is_none() {
            continue;
        }
        let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut literal = 0;
        let matched = parts.iter().zip(&segments).all(|(p, s)| {
            if p.starts_with('{') {
                !s.is_empty()
            } else {
                literal += 1;
                p == s
            }
        });
        if matched && best.as_ref().is_none_or(|(n, _)| literal > *n) {
            best = Some((literal, template.clone()));
        }
    }
    best.map(|(_, t)| t)
}

/// The JSON schema of the `status` response of an operation, if documented.
pub fn response_schema(method: &str, template: &str, status: u16) -> Option<Value> {
    let op = &doc()["paths"][template][method.to_lowercase()];
    let mut response = op["responses"].get(status.to_string())?.clone();
    if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/components/responses/")?;
        response = doc()["components"]["responses"][name].clone();
    }
    let schema = response["content"]["application/json"]["schema"].clone();
    (!schema.is_null()).then(|| to_json_schema(schema))
}

pub fn component(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

type Validator = Arc<jsonschema::Validator>;

fn validator(key: &str, schema: Value) -> Validator {
    static CACHE: OnceLock<Mutex<HashMap<String, Validator>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap().get(key) {
        return v.clone();
    }
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": { "schemas": components() },
    });
    if let (Value::Object(root), Value::Object(schema)) = (&mut root, schema) {
        root.extend(schema);
    }
    let v = Arc::new(
        jsonschema::validator_for(&root)
            .unwrap_or_else(|e| panic!("schema {key} does not compile: {e}")),
    );
    cache.lock().unwrap().insert(key.to_owned(), v.clone());
    v
}

/// Every violation of `schema` by `instance` (`key` names the schema for the
/// validator cache).
pub fn violations(key: &str, schema: Value, instance: &Value) -> Vec<String> {
    validator(key, schema)
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

pub fn assert_valid(schema: Value, instance: &Value) {
    let key = schema.to_string();
    let errors = violations(&key, schema, instance);
    assert!(
        errors.is_empty(),
        "{} violations, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
}

/// Whether a response schema is an array, inline or through a component
/// (`OAuthAccessToken` is itself an array schema).
fn is_array(schema: &Value) -> bool {
    let resolved = match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &components()[name],
        None => schema,
    };
    resolved.get("type") == Some(&json!("array"))
}

/// Check a response the emulator gave against the spec:
/// - a 2xx must be documented for the operation, and its body must match;
/// - an error body must match the operation's documented error schema, or
///   `ClerkErrors` when that status is not documented for it (401s, 429s and
///   injected faults apply to every route).
///
/// `uri` is the request's path and query; `paginated=true` turns a
/// documented bare-array response into `{data, total_count}` (ENDPOINTS.md
/// 1.5: the SDKs send it and decode that envelope).
pub fn check_response(method: &str, uri: &str, status: u16, body: &str) {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let Some(v1_path) = path.strip_prefix("/v1") else {
        return;
    };
    if status == 204 || (body.is_empty() && status >= 500) {
        return;
    }
    let instance: Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{method} {uri} -> {status}: body is not JSON ({e}): {body}"));
    let template = template_for(method, v1_path);
    let documented = template
        .as_deref()
        .and_then(|t| response_schema(method, t, status));
    let paginated = query.split('&').any(|kv| kv == "paginated=true");
    let schema = match (documented, status) {
        (Some(schema), _) => {
            if paginated && is_array(&schema) {
                json!({
                    "type": "object",
                    "properties": { "data": schema, "total_count": { "type": "integer" } },
                    "required": ["data", "total_count"],
                    "additionalProperties": false,
                })
            } else {
                schema
            }
        }
        (None, 400..) => component("ClerkErrors"),
        (None, _) => panic!(
            "{method} {uri} answered {status}, which the spec does not document for {template:?}"
        ),
    };
    let key = format!("{method} {template:?} {status} paginated={paginated}");
    let errors = violations(&key, schema, &instance);
    assert!(
        errors.is_empty(),
        "{method} {uri} -> {status}: {} schema violations, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
}

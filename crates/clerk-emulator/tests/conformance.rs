//! The coverage list (`clerk_emulator::resources::OPERATIONS`, gathered
//! from the resource registry) held to the vendored spec and to the router: every listed operation is a spec
//! operation with the same method and path, every `Served` one is routed,
//! and every `Pending` one is not (so the list is honest both ways).
//! Response bodies themselves are checked against the spec's schemas by
//! every in-process test (`common::send` -> `spec::check_response`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use axum::http::{Method, StatusCode};
use clerk_emulator::coverage::Status;
use clerk_emulator::resources::OPERATIONS;
use common::{app, bearer, send_unchecked, spec};

#[test]
fn every_covered_operation_exists_in_the_spec_with_the_same_method_and_path() {
    let spec_ops: HashSet<(String, String)> = spec::operations().into_iter().collect();
    assert!(
        spec_ops.len() > 200,
        "the spec lists {} operations",
        spec_ops.len()
    );
    let mut seen = HashSet::new();
    for op in OPERATIONS {
        assert!(
            seen.insert((op.method, op.path)),
            "{} {} is listed twice",
            op.method,
            op.path
        );
        assert!(
            spec_ops.contains(&(op.method.to_owned(), op.path.to_owned())),
            "{} {} is in the coverage list but not in the spec",
            op.method,
            op.path
        );
    }
}

#[test]
fn the_coverage_list_spans_every_resource_of_issue_3() {
    let prefixes = [
        "/users",
        "/organizations",
        "/organization_memberships",
        "/organization_invitations",
        "/organization_domains",
        "/invitations",
        "/allowlist_identifiers",
        "/blocklist_identifiers",
        "/domains",
        "/jwt_templates",
        "/oauth_applications",
        "/redirect_urls",
        "/saml_connections",
        "/enterprise_connections",
        "/sessions",
        "/clients",
        "/email_addresses",
        "/phone_numbers",
        "/waitlist_entries",
        "/organization_roles",
        "/organization_permissions",
        "/role_sets",
        "/machines",
        "/api_keys",
        "/m2m_tokens",
        "/billing/plans",
        "/billing/subscription_items",
        "/billing/statements",
        "/billing/prices",
        "/templates",
        "/instance",
        "/jwks",
        "/sign_ups",
        "/scim_directories",
        "/directories",
    ];
    for prefix in prefixes {
        assert!(
            OPERATIONS.iter().any(|op| op.path.starts_with(prefix)),
            "nothing listed under {prefix}"
        );
    }
}

/// A concrete path for a template: `{param}` becomes `probe_param`.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|s| {
            if s.starts_with('{') {
                format!("probe_{}", s.trim_matches(|c| c == '{' || c == '}'))
            } else {
                s.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn served_operations_are_routed_and_pending_ones_are_not() {
    let app = app(3, 2, 7);
    let mut wrong = Vec::new();
    for op in OPERATIONS {
        let method = Method::from_bytes(op.method.as_bytes()).unwrap();
        let uri = format!("/v1{}", concrete(op.path));
        let body =
            (method != Method::GET && method != Method::DELETE).then(|| serde_json::json!({}));
        let reply =
            send_unchecked(&app, method.clone(), &uri, Some(&bearer()), body.as_ref()).await;
        let counters = common::get_admin(&app, "/__emulator/requests").await;
        let key = format!("{} /v1{}", op.method, op.path);
        let routed = counters["routes"].get(&key).is_some()
            && reply.status != StatusCode::METHOD_NOT_ALLOWED;
        send_unchecked(&app, Method::POST, "/__emulator/reset", None, None).await;
        if routed != (op.status == Status::Served) {
            wrong.push(format!(
                "{key}: listed {:?}, routed={routed} (status {})",
                op.status, reply.status
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "coverage list and router disagree:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test]
async fn served_operations_are_a_growing_share_of_the_list() {
    let served = OPERATIONS
        .iter()
        .filter(|op| op.status == Status::Served)
        .count();
    eprintln!(
        "coverage: {served} of {} operations served",
        OPERATIONS.len()
    );
    assert!(served >= 5);
}

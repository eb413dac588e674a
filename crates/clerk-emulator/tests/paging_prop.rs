//! Property: for any seed, size, page size and order, walking a list by
//! `offset` until a short page returns every object exactly once, in the
//! spec's order (field value with nulls last, then id), with or without a
//! filter. Pins the total, stable ordering offset paging relies on. Users
//! and organizations have their own properties (filters, cursor); every
//! other list endpoint goes through the generic one (every resource
//! declares its paged lists, `PAGED_LISTS`; the registry gathers them), lists
//! scoped to a `subject` (API keys, M2M tokens) with a subject the property
//! picks and objects it adds to it, fixed orders by their own field
//! (billing statements by `timestamp`) or by their own rule (billing prices
//! by amount then newest first, templates by position). Directories, under
//! both of their names, are newest first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};

use axum::http::{Method, StatusCode};
use axum::Router;
use clerk_emulator::coverage::{Envelope, ListOrder, PagedList, Property, Scope, Status};
use clerk_emulator::resources::paged_lists;
use common::{get_ok_unchecked as get_ok, ids, send_unchecked, spec_order, user_field};
use proptest::prelude::*;
use serde_json::{json, Value};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Walk `/v1/users` by offset; returns the rows and the number of pages.
async fn walk_users(app: &Router, limit: usize, query: &str) -> (Vec<Value>, usize) {
    let (mut rows, mut pages) = (Vec::new(), 0);
    loop {
        let page = get_ok(
            app,
            &format!("/v1/users?limit={limit}&offset={}{query}", rows.len()),
        )
        .await;
        let page = page.as_array().unwrap().clone();
        assert!(page.len() <= limit);
        pages += 1;
        let short = page.len() < limit;
        rows.extend(page);
        if short {
            return (rows, pages);
        }
    }
}

/// Walk `/v1/organizations` by offset, checking `total_count` on each page.
async fn walk_orgs(app: &Router, limit: usize, query: &str, expected_total: usize) -> Vec<Value> {
    let mut rows = Vec::new();
    loop {
        let body = get_ok(
            app,
            &format!(
                "/v1/organizations?include_members_count=true&limit={limit}&offset={}{query}",
                rows.len()
            ),
        )
        .await;
        assert_eq!(body["total_count"], expected_total);
        let page = body["data"].as_array().unwrap().clone();
        let short = page.len() < limit;
        rows.extend(page);
        if short {
            return rows;
        }
    }
}

/// The lists the generic property walks: every resource's paged lists
/// (`clerk_emulator::resources::paged_lists`) but those with a property of
/// their own.
fn generic_lists() -> Vec<&'static PagedList> {
    paged_lists()
        .filter(|list| list.property == Property::Generic)
        .collect()
}

/// The `order_by` fields of the list with its own property at `path`.
fn own_fields(path: &str) -> &'static [&'static str] {
    let list = paged_lists()
        .find(|list| list.property == Property::Own && list.path.starts_with(path))
        .unwrap_or_else(|| panic!("no paged list at {path} with its own property"));
    match list.order {
        ListOrder::Fields(fields) => fields,
        order => panic!("{path}: {order:?} has no order_by fields"),
    }
}

/// The `order_by` fields of a list (none: one fixed order).
fn order_fields(list: &PagedList) -> &'static [&'static str] {
    match list.order {
        ListOrder::Fields(fields) | ListOrder::UserFields(fields) => fields,
        _ => &[],
    }
}

/// `/billing/prices`: by amount, then newest first, then id.
fn price_order(rows: &mut [Value]) {
    rows.sort_by(|a, b| {
        let key = |v: &Value| (v["amount"].as_i64(), v["created_at"].as_i64());
        let ((am_a, at_a), (am_b, at_b)) = (key(a), key(b));
        am_a.cmp(&am_b)
            .then(at_b.cmp(&at_a))
            .then_with(|| a["id"].as_str().cmp(&b["id"].as_str()))
    });
}

/// `/templates/{type}`: by position, then id.
fn position_order(rows: &mut [Value]) {
    spec_order(rows, |t| t["position"].clone(), false);
}

/// Query suffixes selecting which of a subject's objects a scoped list
/// shows. The property picks a subject, adds objects for it (some of them
/// revoked) and walks one of these.
fn variants(scope: Scope) -> &'static [&'static str] {
    match scope {
        Scope::UserOrOrganization => &["", "&include_invalid=true"],
        Scope::Machine => &["", "&revoked=true", "&expired=true"],
    }
}

/// Walk any list endpoint by offset (at `path`, its path with any scoping
/// parameters); checks `total_count` when there is one.
async fn walk(
    app: &Router,
    endpoint: &PagedList,
    path: &str,
    limit: usize,
    query: &str,
) -> Vec<Value> {
    let mut rows: Vec<Value> = Vec::new();
    loop {
        let body = get_ok(
            app,
            &format!("{path}&limit={limit}&offset={}{query}", rows.len()),
        )
        .await;
        let page = match endpoint.envelope {
            Envelope::Counted(items) => body[items].as_array().unwrap().clone(),
            Envelope::Array => body.as_array().unwrap().clone(),
        };
        assert!(page.len() <= limit);
        let short = page.len() < limit;
        rows.extend(page);
        if let Envelope::Counted(_) = endpoint.envelope {
            let total = body["total_count"].as_u64().unwrap() as usize;
            assert!(total >= rows.len(), "{}", endpoint.path);
            if short {
                assert_eq!(total, rows.len(), "{}", endpoint.path);
            }
        }
        if short {
            return rows;
        }
    }
}

/// The `id`s of every object a `GET` list returns (one page is enough).
async fn list_ids(app: &Router, uri: &str, items: Option<&str>) -> Vec<String> {
    let body = get_ok(app, uri).await;
    let list = items.map_or(&body, |key| &body[key]);
    ids(list.as_array().unwrap())
}

/// Pick a subject for a scoped list, give it `extra` more objects (every
/// third one revoked) and return the list's path with `subject=…` and the
/// created ids, each with whether it was revoked.
async fn scoped_path(
    app: &Router,
    endpoint: &PagedList,
    scope: Scope,
    pick: usize,
    extra: usize,
) -> (String, Vec<(String, bool)>) {
    let mut created = Vec::new();
    let bearer = common::bearer();
    let (subject_id, machine_key) = match scope {
        Scope::UserOrOrganization => {
            let (users, _) = walk_users(app, 500, "").await;
            let mut candidates = ids(&users);
            candidates.extend(list_ids(app, "/v1/organizations?limit=500", Some("data")).await);
            (candidates[pick % candidates.len()].clone(), None)
        }
        Scope::Machine => {
            let machines = list_ids(app, "/v1/machines?limit=100", Some("data")).await;
            let id = machines[pick % machines.len()].clone();
            let key = get_ok(app, &format!("/v1/machines/{id}/secret_key")).await;
            (
                id,
                Some(format!("Bearer {}", key["secret"].as_str().unwrap())),
            )
        }
    };
    for n in 0..extra {
        let (uri, auth, body, revoke) = match &machine_key {
            None => (
                "/v1/api_keys",
                bearer.as_str(),
                json!({ "name": format!("paging-key-{n}"), "subject": subject_id }),
                "/v1/api_keys",
            ),
            Some(key) => ("/v1/m2m_tokens", key.as_str(), json!({}), "/v1/m2m_tokens"),
        };
        let reply = send_unchecked(app, Method::POST, uri, Some(auth), Some(&body)).await;
        assert!(reply.status.is_success(), "POST {uri}: {}", reply.text);
        let id = reply.json()["id"].as_str().unwrap().to_owned();
        created.push((id.clone(), n % 3 == 2));
        if n % 3 == 2 {
            let revoked = send_unchecked(
                app,
                Method::POST,
                &format!("{revoke}/{id}/revoke"),
                Some(&bearer),
                None,
            )
            .await;
            assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
        }
    }
    (format!("{}&subject={subject_id}", endpoint.path), created)
}

fn assert_each_once(rows: &[Value], expected: usize) {
    let unique: HashSet<String> = ids(rows).into_iter().collect();
    assert_eq!(rows.len(), expected, "row count");
    assert_eq!(unique.len(), expected, "no id repeats");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn offset_paging_returns_every_user_once_in_order(
        seed in any::<u64>(),
        size in 0u32..1500,
        limit in 1usize..=500,
        field in 0..own_fields("/v1/users?").len(),
        descending in any::<bool>(),
        filtered in any::<bool>(),
    ) {
        runtime().block_on(async {
            let app = common::app(size, 3, seed);
            let field = own_fields("/v1/users?")[field];
            let order = format!("&order_by={}{field}", if descending { "-" } else { "%2B" });
            let filter = if filtered { "&banned=false" } else { "" };
            let (rows, pages) = walk_users(&app, limit, &format!("{order}{filter}")).await;

            let (everything, _) = walk_users(&app, 500, "").await;
            assert_each_once(&everything, size as usize);
            let mut expected: Vec<Value> =
                everything.into_iter().filter(|u| !filtered || u["banned"] == false).collect();
            spec_order(&mut expected, user_field(field), descending);
            assert_eq!(ids(&rows), ids(&expected), "order_by={order} filter={filter} limit={limit}");
            assert_each_once(&rows, expected.len());
            assert_eq!(pages, expected.len() / limit + 1);
            let count = get_ok(&app, &format!("/v1/users/count?x=1{filter}")).await;
            assert_eq!(count["total_count"], expected.len());
        });
    }

    #[test]
    fn offset_paging_returns_every_organization_once_in_order(
        seed in any::<u64>(),
        size in 0u32..1500,
        limit in 1usize..=500,
        field in 0..own_fields("/v1/organizations?").len(),
        descending in any::<bool>(),
    ) {
        runtime().block_on(async {
            let app = common::app(size / 2, size, seed);
            let field = own_fields("/v1/organizations?")[field];
            let order = format!("&order_by={}{field}", if descending { "-" } else { "" });
            let rows = walk_orgs(&app, limit, &order, size as usize).await;
            assert_each_once(&rows, size as usize);
            let mut expected = walk_orgs(&app, 500, "", size as usize).await;
            spec_order(&mut expected, |o| o[field].clone(), descending);
            assert_eq!(ids(&rows), ids(&expected), "order_by={order} limit={limit}");
        });
    }

    #[test]
    fn offset_paging_returns_every_object_of_any_list_once_in_order(
        seed in any::<u64>(),
        users in 0u32..800,
        organizations in 1u32..40,
        limit in 1usize..=500,
        endpoint in 0..generic_lists().len(),
        field in 0usize..6,
        descending in any::<bool>(),
        subject in any::<usize>(),
        extra in 0usize..=12,
        variant in 0usize..3,
        small_limit in 1usize..=6,
    ) {
        runtime().block_on(async {
            let app = common::app(users, organizations, seed);
            let endpoint = generic_lists()[endpoint];
            // A scoped list holds a few dozen objects at most: small pages.
            let limit = if endpoint.scope.is_some() {
                small_limit
            } else {
                limit.min(endpoint.max_limit)
            };
            let (path, created, variant) = match endpoint.scope {
                Some(kind) => {
                    let variants = variants(kind);
                    let (path, created) = scoped_path(&app, endpoint, kind, subject, extra).await;
                    (path, created, variants[variant % variants.len()])
                }
                None => (endpoint.path.to_owned(), Vec::new(), ""),
            };
            let fields = order_fields(endpoint);
            let (field, descending, order) = if fields.is_empty() {
                let natural = match endpoint.order {
                    ListOrder::Newest(natural) => natural,
                    _ => "created_at",
                };
                (natural, true, variant.to_owned())
            } else {
                let field = fields[field % fields.len()];
                let order = format!("&order_by={}{field}", if descending { "-" } else { "%2B" });
                (field, descending, format!("{order}{variant}"))
            };
            let rows = walk(&app, endpoint, &path, limit, &order).await;
            let everything = walk(&app, endpoint, &path, endpoint.max_limit, variant).await;
            assert_each_once(&everything, everything.len());
            assert_each_once(&rows, everything.len());
            // What was added to a scoped list shows exactly when it should
            // (created objects are neither expired nor, unless revoked here,
            // revoked).
            let listed: HashSet<String> = ids(&everything).into_iter().collect();
            for (id, revoked) in &created {
                let visible = match variant {
                    "" => !revoked,
                    "&include_invalid=true" => true,
                    "&revoked=true" => *revoked,
                    _ => false,
                };
                assert_eq!(listed.contains(id), visible, "{id} in {path}{variant}");
            }
            let mut expected = everything;
            if endpoint.order == ListOrder::AmountThenNewest {
                price_order(&mut expected);
            } else if endpoint.order == ListOrder::Position {
                position_order(&mut expected);
            } else if matches!(endpoint.order, ListOrder::UserFields(_)) && field != "created_at" {
                let (all_users, _) = walk_users(&app, 500, "").await;
                let by_id: HashMap<String, Value> = all_users
                    .into_iter()
                    .map(|u| (u["id"].as_str().unwrap().to_owned(), u))
                    .collect();
                let key = user_field(field);
                spec_order(
                    &mut expected,
                    |m| key(&by_id[m["public_user_data"]["user_id"].as_str().unwrap()]),
                    descending,
                );
            } else {
                spec_order(&mut expected, |o| o[field].clone(), descending);
            }
            assert_eq!(ids(&rows), ids(&expected), "{path}{order} limit={limit}");
        });
    }
}

/// The lists the spec pages (a `GET` taking `offset`) that no paging
/// property walks yet: all but `/billing/plans` name their parent in the
/// path, which the generic property has no way to pick.
const NOT_WALKED: &[&str] = &[
    "/users/{user_id}/oauth_access_tokens/{provider}",
    "/users/{user_id}/organization_memberships",
    "/users/{user_id}/organization_invitations",
    "/organizations/{organization_id}/invitations",
    "/organizations/{organization_id}/invitations/pending",
    "/organizations/{organization_id}/memberships",
    "/organizations/{organization_id}/domains",
    "/enterprise_connections/{enterprise_connection_id}/test_runs",
    "/billing/plans",
    "/billing/statements/{statementID}/payment_attempts",
];

/// Whether the spec gives `GET <template>` an `offset` query parameter.
fn spec_pages(template: &str) -> bool {
    let doc = common::spec::doc();
    let item = &doc["paths"][template];
    let resolve = |p: &Value| match p["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            doc["components"]["parameters"][name].clone()
        }
        None => p.clone(),
    };
    [&item["parameters"], &item["get"]["parameters"]]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .map(resolve)
        .any(|p| p["in"] == "query" && p["name"] == "offset")
}

/// Every list the emulator serves that pages by offset is walked by a
/// paging property, or is one of `NOT_WALKED`; and every paged list the
/// resources declare is one the spec pages.
#[test]
fn every_served_list_that_pages_is_walked() {
    let walked: HashSet<String> = paged_lists()
        .map(|list| {
            let path = list.path.split('?').next().unwrap();
            let path = path.strip_prefix("/v1").unwrap();
            let template = common::spec::template_for("GET", path)
                .unwrap_or_else(|| panic!("{} is not a GET of the spec", list.path));
            assert!(spec_pages(&template), "{template} does not page by offset");
            template
        })
        .collect();
    let paged: HashSet<String> = clerk_emulator::resources::OPERATIONS
        .iter()
        .filter(|op| op.method == "GET" && op.status == Status::Served && spec_pages(op.path))
        .map(|op| op.path.to_owned())
        .collect();
    let not_walked: HashSet<String> = NOT_WALKED.iter().map(|t| (*t).to_owned()).collect();
    let missing: Vec<&String> = paged
        .iter()
        .filter(|t| !walked.contains(*t) && !not_walked.contains(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "served lists no paging property walks: {missing:?}"
    );
    let stale: Vec<&String> = not_walked
        .iter()
        .filter(|t| walked.contains(*t) || !paged.contains(*t))
        .collect();
    assert!(
        stale.is_empty(),
        "NOT_WALKED lists walked or unpaged lists: {stale:?}"
    );
    // What the properties walked when the lists moved to the registry: 29
    // lists for the generic property, 2 with their own, covering 27 spec
    // operations. Only ever more.
    let generic = generic_lists().len();
    assert!(generic >= 29, "{generic} lists for the generic property");
    assert!(paged_lists().count() - generic >= 2, "users, organizations");
    assert!(walked.len() >= 27, "{} spec lists walked", walked.len());
}

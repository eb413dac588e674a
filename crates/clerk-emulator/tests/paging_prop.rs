//! Property: for any seed, size, page size and order, walking a list by
//! `offset` until a short page returns every object exactly once, in the
//! spec's order (field value with nulls last, then id), with or without a
//! filter. Pins the total, stable ordering offset paging relies on. Users
//! and organizations have their own properties (filters, cursor); every
//! other list endpoint goes through the generic one (`ENDPOINTS`), lists
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
use common::{get_ok_unchecked as get_ok, ids, send_unchecked, spec_order, user_field};
use proptest::prelude::*;
use serde_json::{json, Value};

const USER_FIELDS: &[&str] = &[
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
];
const ORG_FIELDS: &[&str] = &["name", "created_at", "members_count"];

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

/// A list endpoint for the generic paging property.
struct Endpoint {
    path: &'static str,
    /// `{<items>,total_count}` (else a bare array).
    data_total: bool,
    /// The key of the items in a `{…,total_count}` envelope.
    items: &'static str,
    /// `order_by` fields; none means the list has one fixed order,
    /// newest first by `natural`.
    fields: &'static [&'static str],
    natural: &'static str,
    /// Fields read from the membership's user rather than the object.
    user_fields: bool,
    /// The largest `limit` the endpoint accepts.
    max_limit: usize,
    /// Lists scoped to one owner, named by a `subject` parameter.
    subject: Option<Subject>,
    /// A fixed order that is not one field (sorts the expected rows).
    fixed_order: Option<fn(&mut [Value])>,
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

/// What a scoped list's `subject` names. The property picks one, adds
/// objects for it (some of them revoked) and walks one of `variants`.
#[derive(Clone, Copy)]
enum Subject {
    /// API keys: a user or an organization.
    UserOrOrganization,
    /// M2M tokens: a machine.
    Machine,
}

impl Subject {
    /// Query suffixes selecting which of a subject's objects are listed.
    fn variants(self) -> &'static [&'static str] {
        match self {
            Subject::UserOrOrganization => &["", "&include_invalid=true"],
            Subject::Machine => &["", "&revoked=true", "&expired=true"],
        }
    }
}

const GENERIC: Endpoint = Endpoint {
    path: "",
    data_total: true,
    items: "data",
    fields: &[],
    natural: "created_at",
    user_fields: false,
    max_limit: 500,
    subject: None,
    fixed_order: None,
};

const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/v1/organization_memberships?x=1",
        data_total: true,
        fields: &[
            "created_at",
            "phone_number",
            "email_address",
            "first_name",
            "last_name",
            "username",
        ],
        user_fields: true,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/organization_invitations?x=1",
        data_total: true,
        fields: &["created_at", "email_address"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/invitations?x=1",
        data_total: false,
        fields: &["created_at", "email_address", "expires_at"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/invitations?paginated=true",
        data_total: true,
        fields: &["created_at", "email_address", "expires_at"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/allowlist_identifiers?x=1",
        data_total: false,
        fields: &[],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/allowlist_identifiers?paginated=true",
        data_total: true,
        fields: &[],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/jwt_templates?paginated=true",
        data_total: true,
        fields: &[],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/redirect_urls?x=1",
        data_total: false,
        fields: &[],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/oauth_applications?x=1",
        data_total: true,
        fields: &["created_at", "name"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/saml_connections?x=1",
        data_total: true,
        fields: &["created_at", "name"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/enterprise_connections?x=1",
        data_total: true,
        fields: &[],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/organization_domains?x=1",
        data_total: true,
        fields: &["name", "created_at"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/sessions?x=1",
        data_total: false,
        fields: &[],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/sessions?paginated=true",
        data_total: true,
        fields: &[],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/clients?paginated=true",
        data_total: true,
        fields: &[],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/waitlist_entries?x=1",
        data_total: true,
        fields: &["created_at", "email_address"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/machines?x=1",
        data_total: true,
        fields: &["name", "created_at"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/billing/subscription_items?include_free=true",
        data_total: true,
        fields: &[],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/organization_permissions?x=1",
        data_total: true,
        fields: &["created_at", "name", "key"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/organization_roles?x=1",
        data_total: true,
        fields: &["created_at", "name", "key"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/role_sets?x=1",
        data_total: true,
        fields: &["created_at", "name", "key"],
        user_fields: false,
        ..GENERIC
    },
    Endpoint {
        path: "/v1/billing/statements?x=1",
        natural: "timestamp",
        ..GENERIC
    },
    Endpoint {
        path: "/v1/billing/prices?x=1",
        fixed_order: Some(price_order),
        ..GENERIC
    },
    Endpoint {
        path: "/v1/templates/email?x=1",
        data_total: false,
        fixed_order: Some(position_order),
        ..GENERIC
    },
    Endpoint {
        path: "/v1/templates/sms?paginated=true",
        fixed_order: Some(position_order),
        ..GENERIC
    },
    Endpoint {
        path: "/v1/directories?x=1",
        ..GENERIC
    },
    Endpoint {
        path: "/v1/scim_directories?x=1",
        ..GENERIC
    },
    Endpoint {
        path: "/v1/api_keys?x=1",
        max_limit: 100,
        subject: Some(Subject::UserOrOrganization),
        ..GENERIC
    },
    Endpoint {
        path: "/v1/m2m_tokens?x=1",
        items: "m2m_tokens",
        max_limit: 100,
        subject: Some(Subject::Machine),
        ..GENERIC
    },
];

/// Walk any list endpoint by offset (at `path`, its path with any scoping
/// parameters); checks `total_count` when there is one.
async fn walk(
    app: &Router,
    endpoint: &Endpoint,
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
        let page = if endpoint.data_total {
            body[endpoint.items].as_array().unwrap().clone()
        } else {
            body.as_array().unwrap().clone()
        };
        assert!(page.len() <= limit);
        let short = page.len() < limit;
        rows.extend(page);
        if endpoint.data_total {
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
    endpoint: &Endpoint,
    subject: Subject,
    pick: usize,
    extra: usize,
) -> (String, Vec<(String, bool)>) {
    let mut created = Vec::new();
    let bearer = common::bearer();
    let (subject_id, machine_key) = match subject {
        Subject::UserOrOrganization => {
            let (users, _) = walk_users(app, 500, "").await;
            let mut candidates = ids(&users);
            candidates.extend(list_ids(app, "/v1/organizations?limit=500", Some("data")).await);
            (candidates[pick % candidates.len()].clone(), None)
        }
        Subject::Machine => {
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
        field in 0..USER_FIELDS.len(),
        descending in any::<bool>(),
        filtered in any::<bool>(),
    ) {
        runtime().block_on(async {
            let app = common::app(size, 3, seed);
            let field = USER_FIELDS[field];
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
        field in 0..ORG_FIELDS.len(),
        descending in any::<bool>(),
    ) {
        runtime().block_on(async {
            let app = common::app(size / 2, size, seed);
            let field = ORG_FIELDS[field];
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
        endpoint in 0..ENDPOINTS.len(),
        field in 0usize..6,
        descending in any::<bool>(),
        subject in any::<usize>(),
        extra in 0usize..=12,
        variant in 0usize..3,
        small_limit in 1usize..=6,
    ) {
        runtime().block_on(async {
            let app = common::app(users, organizations, seed);
            let endpoint = &ENDPOINTS[endpoint];
            // A scoped list holds a few dozen objects at most: small pages.
            let limit = if endpoint.subject.is_some() {
                small_limit
            } else {
                limit.min(endpoint.max_limit)
            };
            let (path, created, variant) = match endpoint.subject {
                Some(kind) => {
                    let variants = kind.variants();
                    let (path, created) = scoped_path(&app, endpoint, kind, subject, extra).await;
                    (path, created, variants[variant % variants.len()])
                }
                None => (endpoint.path.to_owned(), Vec::new(), ""),
            };
            let (field, descending, order) = if endpoint.fields.is_empty() {
                (endpoint.natural, true, variant.to_owned())
            } else {
                let field = endpoint.fields[field % endpoint.fields.len()];
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
            if let Some(sort) = endpoint.fixed_order {
                sort(&mut expected);
            } else if endpoint.user_fields && field != "created_at" {
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

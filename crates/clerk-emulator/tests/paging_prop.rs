//! Property: for any seed, size, page size and order, walking a list by
//! `offset` until a short page returns every object exactly once, in the
//! spec's order (field value with nulls last, then id), with or without a
//! filter. Pins the total, stable ordering offset paging relies on. Users
//! and organizations have their own properties (filters, cursor); every
//! other list endpoint goes through the generic one (`ENDPOINTS`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};

use axum::Router;
use common::{get_ok_unchecked as get_ok, ids, spec_order, user_field};
use proptest::prelude::*;
use serde_json::Value;

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
    /// `{data,total_count}` (else a bare array).
    data_total: bool,
    /// `order_by` fields; none means the list has one fixed order,
    /// newest first.
    fields: &'static [&'static str],
    /// Fields read from the membership's user rather than the object.
    user_fields: bool,
}

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
    },
    Endpoint {
        path: "/v1/organization_invitations?x=1",
        data_total: true,
        fields: &["created_at", "email_address"],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/invitations?x=1",
        data_total: false,
        fields: &["created_at", "email_address", "expires_at"],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/invitations?paginated=true",
        data_total: true,
        fields: &["created_at", "email_address", "expires_at"],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/allowlist_identifiers?x=1",
        data_total: false,
        fields: &[],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/allowlist_identifiers?paginated=true",
        data_total: true,
        fields: &[],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/jwt_templates?paginated=true",
        data_total: true,
        fields: &[],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/redirect_urls?x=1",
        data_total: false,
        fields: &[],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/oauth_applications?x=1",
        data_total: true,
        fields: &["created_at", "name"],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/saml_connections?x=1",
        data_total: true,
        fields: &["created_at", "name"],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/enterprise_connections?x=1",
        data_total: true,
        fields: &[],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/organization_domains?x=1",
        data_total: true,
        fields: &["name", "created_at"],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/sessions?x=1",
        data_total: false,
        fields: &[],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/sessions?paginated=true",
        data_total: true,
        fields: &[],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/clients?paginated=true",
        data_total: true,
        fields: &[],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/waitlist_entries?x=1",
        data_total: true,
        fields: &["created_at", "email_address"],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/machines?x=1",
        data_total: true,
        fields: &["name", "created_at"],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/billing/subscription_items?include_free=true",
        data_total: true,
        fields: &[],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/organization_permissions?x=1",
        data_total: true,
        fields: &["created_at", "name", "key"],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/organization_roles?x=1",
        data_total: true,
        fields: &["created_at", "name", "key"],
        user_fields: false,
    },
    Endpoint {
        path: "/v1/role_sets?x=1",
        data_total: true,
        fields: &["created_at", "name", "key"],
        user_fields: false,
    },
];

/// Walk any list endpoint by offset; checks `total_count` when there is one.
async fn walk(app: &Router, endpoint: &Endpoint, limit: usize, query: &str) -> Vec<Value> {
    let mut rows: Vec<Value> = Vec::new();
    loop {
        let body = get_ok(
            app,
            &format!(
                "{}&limit={limit}&offset={}{query}",
                endpoint.path,
                rows.len()
            ),
        )
        .await;
        let page = if endpoint.data_total {
            body["data"].as_array().unwrap().clone()
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
    ) {
        runtime().block_on(async {
            let app = common::app(users, organizations, seed);
            let endpoint = &ENDPOINTS[endpoint];
            let (field, descending, order) = if endpoint.fields.is_empty() {
                ("created_at", true, String::new())
            } else {
                let field = endpoint.fields[field % endpoint.fields.len()];
                let order = format!("&order_by={}{field}", if descending { "-" } else { "%2B" });
                (field, descending, order)
            };
            let rows = walk(&app, endpoint, limit, &order).await;
            let everything = walk(&app, endpoint, 500, "").await;
            assert_each_once(&everything, everything.len());
            assert_each_once(&rows, everything.len());
            let mut expected = everything;
            if endpoint.user_fields && field != "created_at" {
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
            assert_eq!(ids(&rows), ids(&expected), "{}{order} limit={limit}", endpoint.path);
        });
    }
}

use super::*;
use crate::catalog::{Shape, MAX_FAN_OUT, MAX_SPLIT};

fn cols(names: &[(&str, SqlType)]) -> Vec<TargetColumn> {
    names.iter().map(|(n, t)| TargetColumn::new(*n, t.clone())).collect()
}

fn input(object: &str, quals: Vec<Qual>, sorts: Vec<Sort>, limit: Option<Limit>) -> ScanInput {
    ScanInput {
        object: object.into(),
        columns: cols(&[("id", SqlType::Text), ("email", SqlType::Text)]),
        quals,
        sorts,
        limit,
        push_params: false,
    }
}

fn s(v: &str) -> Cell {
    Cell::String(v.into())
}

fn list_query(plan: &Plan) -> Vec<(String, String)> {
    match plan.fetches() {
        [f] if !matches!(f.shape, Shape::One) => f.query.clone(),
        other => panic!("expected one list request, got {other:?}"),
    }
}

/// The one one-object request of a plan: (path, query).
fn get(plan: &Plan) -> (String, Vec<(String, String)>) {
    match plan.fetches() {
        [f] if matches!(f.shape, Shape::One) => (f.path.clone(), f.query.clone()),
        other => panic!("expected one get request, got {other:?}"),
    }
}

fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn sort(field: &str, reversed: bool) -> Sort {
    Sort { field: field.into(), reversed, nulls_first: reversed }
}

#[test]
fn plain_scan_is_an_unfiltered_list() {
    let plan = plan_scan(&input("users", vec![], vec![], None)).unwrap();
    assert_eq!(list_query(&plan), q(&[]));
    assert_eq!(plan.max_rows, None);
    assert!(plan.sorts_pushed);
}

#[test]
fn unknown_object_is_an_error() {
    let e = plan_scan(&input("userz", vec![], vec![], None)).unwrap_err();
    assert_eq!(e, CoreError::UnsupportedObject { object: "userz".into() });
}

#[test]
fn unsupported_column_type_is_an_error() {
    let mut i = input("users", vec![], vec![], None);
    i.columns.push(TargetColumn::new("x", SqlType::Other("varchar".into())));
    assert!(matches!(plan_scan(&i), Err(CoreError::UnsupportedColumnType { .. })));
}

#[test]
fn id_equals_literal_is_a_get_by_id_fully_handled() {
    let plan = plan_scan(&input("users", vec![Qual::cell("id", "=", s("user_1"))], vec![], None)).unwrap();
    assert_eq!(get(&plan), ("/users/user_1".to_string(), vec![]));
    assert_eq!(plan.handled, vec![true]);
}

#[test]
fn get_by_id_encodes_the_path_segment() {
    let plan = plan_scan(&input("users", vec![Qual::cell("id", "=", s("../a b?c"))], vec![], None)).unwrap();
    assert_eq!(get(&plan), ("/users/..%2Fa%20b%3Fc".to_string(), vec![]));
}

#[test]
fn organization_slug_uses_the_get_path_but_postgres_rechecks() {
    let plan =
        plan_scan(&input("organizations", vec![Qual::cell("slug", "=", s("acme"))], vec![], None)).unwrap();
    assert_eq!(get(&plan), ("/organizations/acme".to_string(), vec![]));
    assert_eq!(plan.handled, vec![false]);
}

#[test]
fn members_count_column_asks_the_api_to_fill_it() {
    let mut i = input("organizations", vec![], vec![], None);
    i.columns = cols(&[("id", SqlType::Text), ("members_count", SqlType::I32)]);
    let plan = plan_scan(&i).unwrap();
    assert_eq!(list_query(&plan), q(&[("include_members_count", "true")]));
    i.quals = vec![Qual::cell("id", "=", s("org_1"))];
    let plan = plan_scan(&i).unwrap();
    assert_eq!(get(&plan), ("/organizations/org_1".to_string(), q(&[("include_members_count", "true")])));
}

#[test]
fn id_in_list_becomes_repeated_user_id() {
    let plan =
        plan_scan(&input("users", vec![Qual::any("id", vec![s("user_1"), s("user_2")])], vec![], None)).unwrap();
    assert_eq!(list_query(&plan), q(&[("user_id", "user_1"), ("user_id", "user_2")]));
    assert_eq!(plan.handled, vec![true]);
}

#[test]
fn empty_in_list_needs_no_request() {
    let plan = plan_scan(&input("users", vec![Qual::any("id", vec![])], vec![], None)).unwrap();
    assert_eq!(plan.action, Action::Empty);
}

#[test]
fn signed_id_values_are_not_pushed() {
    // `-user_1` would mean "exclude user_1" to Clerk.
    let plan = plan_scan(&input("users", vec![Qual::any("id", vec![s("-user_1"), s("user_2")])], vec![], None))
        .unwrap();
    assert_eq!(list_query(&plan), q(&[]));
    assert_eq!(plan.handled, vec![false]);
}

#[test]
fn too_many_values_are_not_pushed() {
    let many: Vec<Cell> = (0..100 * MAX_SPLIT + 1).map(|i| s(&format!("user_{i}"))).collect();
    let plan = plan_scan(&input("users", vec![Qual::any("id", many)], vec![], None)).unwrap();
    assert_eq!(list_query(&plan), q(&[]));
    assert_eq!(plan.handled, vec![false]);
}

/// The `user_id` values of each request of a plan.
fn user_ids_per_request(plan: &Plan) -> Vec<Vec<String>> {
    plan.fetches()
        .iter()
        .map(|f| f.query.iter().filter(|(k, _)| k == "user_id").map(|(_, v)| v.clone()).collect())
        .collect()
}

#[test]
fn more_ids_than_a_request_takes_are_split_over_requests() {
    let ids: Vec<String> = (0..250).map(|i| format!("user_{i}")).collect();
    let plan = plan_scan(&input(
        "users",
        vec![Qual::any("id", ids.iter().map(|i| s(i)).collect())],
        vec![],
        Some(Limit { count: 5, offset: 0 }),
    ))
    .unwrap();
    let chunks = user_ids_per_request(&plan);
    assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), vec![100, 100, 50]);
    assert_eq!(chunks.concat(), ids);
    assert!(plan.fetches().iter().all(|f| f.path == "/users"));
    assert_eq!(plan.handled, vec![true]);
    // several requests: a limit is no longer the API's to apply
    assert_eq!(plan.max_rows, None);
}

#[test]
fn a_split_keeps_the_other_filters_on_every_request_and_drops_the_order() {
    let ids: Vec<Cell> = (0..150).map(|i| s(&format!("user_{i}"))).collect();
    let plan = plan_scan(&input(
        "users",
        vec![Qual::any("id", ids), Qual::cell("banned", "=", Cell::Bool(true))],
        vec![sort("created_at", true)],
        None,
    ))
    .unwrap();
    assert_eq!(plan.fetches().len(), 2);
    for f in plan.fetches() {
        assert!(f.query.contains(&("banned".to_string(), "true".to_string())), "{f:?}");
        assert!(!f.query.iter().any(|(k, _)| k == "order_by"), "{f:?}");
    }
    assert!(!plan.sorts_pushed);
}

#[test]
fn repeated_ids_are_asked_for_once() {
    // split over requests, a repeated id would bring its user twice
    let mut ids: Vec<Cell> = (0..120).map(|i| s(&format!("user_{i}"))).collect();
    ids.extend((0..120).map(|i| s(&format!("user_{i}"))));
    let plan = plan_scan(&input("users", vec![Qual::any("id", ids)], vec![], None)).unwrap();
    let all = user_ids_per_request(&plan).concat();
    assert_eq!(all.len(), 120);
    let plan =
        plan_scan(&input("users", vec![Qual::any("id", vec![s("user_1"), s("user_1")])], vec![], None)).unwrap();
    assert_eq!(list_query(&plan), q(&[("user_id", "user_1")]));
}

#[test]
fn email_is_pushed_but_not_fully_handled() {
    let plan = plan_scan(&input(
        "users",
        vec![Qual::cell("email", "=", s("a@b.c"))],
        vec![],
        Some(Limit { count: 10, offset: 0 }),
    ))
    .unwrap();
    assert_eq!(list_query(&plan), q(&[("email_address", "a@b.c")]));
    assert_eq!(plan.handled, vec![false]);
    assert_eq!(plan.max_rows, None, "a superset filter must not truncate");
}

#[test]
fn two_quals_on_one_parameter_push_only_the_first() {
    let plan = plan_scan(&input(
        "users",
        vec![Qual::any("id", vec![s("user_1"), s("user_2")]), Qual::cell("id", "<>", s("user_2"))],
        vec![],
        None,
    ))
    .unwrap();
    assert_eq!(list_query(&plan), q(&[("user_id", "user_1"), ("user_id", "user_2")]));
    assert_eq!(plan.handled, vec![true, false]);
}

#[test]
fn non_equality_and_unknown_columns_stay_with_postgres() {
    let plan = plan_scan(&input(
        "users",
        vec![Qual::cell("username", "<>", s("a")), Qual::cell("locale", "=", s("en"))],
        vec![],
        Some(Limit { count: 5, offset: 0 }),
    ))
    .unwrap();
    assert_eq!(list_query(&plan), q(&[]));
    assert_eq!(plan.handled, vec![false, false]);
    assert_eq!(plan.max_rows, None);
}

#[test]
fn banned_boolean_is_exact() {
    let plan = plan_scan(&input("users", vec![Qual::cell("banned", "=", Cell::Bool(true))], vec![], None)).unwrap();
    assert_eq!(list_query(&plan), q(&[("banned", "true")]));
    assert_eq!(plan.handled, vec![true]);
}

#[test]
fn time_bounds_are_widened_to_a_superset() {
    let t = 1_700_000_000_123_456; // µs
    let plan = plan_scan(&input(
        "users",
        vec![
            Qual::cell("created_at", ">=", Cell::Timestamptz(t)),
            Qual::cell("created_at", "<", Cell::Timestamptz(t + 1_000_000)),
        ],
        vec![],
        None,
    ))
    .unwrap();
    assert_eq!(
        list_query(&plan),
        q(&[("created_at_after", "1700000000122"), ("created_at_before", "1700000001125")])
    );
    assert_eq!(plan.handled, vec![false, false]);
}

#[test]
fn organization_name_uses_query_search_once() {
    let plan = plan_scan(&input(
        "organizations",
        vec![Qual::cell("name", "=", s("Acme")), Qual::cell("name", "=", s("Other"))],
        vec![],
        None,
    ))
    .unwrap();
    assert_eq!(list_query(&plan), q(&[("query", "Acme")]));
    assert_eq!(plan.handled, vec![false, false]);
}

#[test]
fn limit_is_pushed_as_count_plus_offset_when_everything_is_exact() {
    let plan = plan_scan(&input(
        "users",
        vec![Qual::any("id", vec![s("user_1"), s("user_2")])],
        vec![sort("created_at", true)],
        Some(Limit { count: 10, offset: 5 }),
    ))
    .unwrap();
    assert_eq!(
        list_query(&plan),
        q(&[("user_id", "user_1"), ("user_id", "user_2"), ("order_by", "-created_at")])
    );
    assert_eq!(plan.max_rows, Some(15));
    assert!(plan.sorts_pushed);
}

#[test]
fn limit_without_quals_or_sorts_is_pushed() {
    let plan = plan_scan(&input("users", vec![], vec![], Some(Limit { count: 1, offset: 0 }))).unwrap();
    assert_eq!(plan.max_rows, Some(1));
}

#[test]
fn ascending_sort_has_no_prefix() {
    let plan = plan_scan(&input("organizations", vec![], vec![sort("created_at", false)], None)).unwrap();
    assert_eq!(list_query(&plan), q(&[("order_by", "created_at")]));
}

#[test]
fn text_sort_is_pushed_but_limit_is_not() {
    // Clerk's string order need not match the column's collation.
    let plan = plan_scan(&input(
        "organizations",
        vec![],
        vec![sort("name", false)],
        Some(Limit { count: 3, offset: 0 }),
    ))
    .unwrap();
    assert_eq!(list_query(&plan), q(&[("order_by", "name")]));
    assert!(!plan.sorts_pushed);
    assert_eq!(plan.max_rows, None);
}

#[test]
fn nullable_sort_key_is_not_pushed() {
    let plan = plan_scan(&input("users", vec![], vec![sort("last_active_at", true)], Some(Limit { count: 3, offset: 0 })))
        .unwrap();
    assert_eq!(list_query(&plan), q(&[]));
    assert_eq!(plan.max_rows, None);
}

#[test]
fn second_sort_key_prevents_limit_pushdown() {
    let plan = plan_scan(&input(
        "users",
        vec![],
        vec![sort("created_at", true), sort("id", false)],
        Some(Limit { count: 3, offset: 0 }),
    ))
    .unwrap();
    assert_eq!(list_query(&plan), q(&[("order_by", "-created_at")]));
    assert_eq!(plan.max_rows, None);
}

#[test]
fn unsupported_sort_prevents_limit_pushdown() {
    let plan = plan_scan(&input("users", vec![], vec![sort("id", false)], Some(Limit { count: 3, offset: 0 }))).unwrap();
    assert_eq!(list_query(&plan), q(&[]));
    assert_eq!(plan.max_rows, None);
}

#[test]
fn parameter_quals_stay_with_postgres_by_default() {
    // Regression: `slug = (select ...)` reached the guest as 'null' and a
    // pushed GET /organizations/null returned no row.
    let mut qual = Qual::cell("id", "=", s("null"));
    qual.is_param = true;
    let mut i = input("users", vec![qual], vec![], Some(Limit { count: 1, offset: 0 }));
    let plan = plan_scan(&i).unwrap();
    assert_eq!(list_query(&plan), q(&[]));
    assert_eq!(plan.handled, vec![false]);
    assert_eq!(plan.max_rows, None);
    i.quals[0].field = "email".into();
    assert_eq!(list_query(&plan_scan(&i).unwrap()), q(&[]));
}

#[test]
fn parameter_quals_are_pushed_when_the_host_is_trusted() {
    let mut qual = Qual::cell("id", "=", s("user_9"));
    qual.is_param = true;
    let mut i = input("users", vec![qual], vec![], None);
    i.push_params = true;
    let plan = plan_scan(&i).unwrap();
    assert_eq!(get(&plan), ("/users/user_9".to_string(), vec![]));
}

#[test]
fn non_text_id_values_are_ignored() {
    // Before execution a parameter's placeholder is i64(0).
    let plan = plan_scan(&input("users", vec![Qual::cell("id", "=", Cell::I64(0))], vec![], None)).unwrap();
    assert_eq!(list_query(&plan), q(&[]));
    assert_eq!(plan.handled, vec![false]);
}

proptest::proptest! {
    /// Whatever the quals, a pushed limit implies every qual is exact, and
    /// planning never fails for a supported object with supported types.
    #[test]
    fn limit_only_with_all_quals_handled(
        fields in proptest::collection::vec(
            proptest::sample::select(vec!["id", "email", "username", "banned", "created_at", "first_name", "nope"]), 0..4),
        ops in proptest::collection::vec(proptest::sample::select(vec!["=", "<>", ">", "~~"]), 4),
        vals in proptest::collection::vec("[-+a-z_0-9]{0,6}", 4),
        count in 0i64..1000, offset in 0i64..1000,
    ) {
        let quals: Vec<Qual> = fields.iter().enumerate().map(|(i, f)| {
            let v = if *f == "banned" { Cell::Bool(i % 2 == 0) }
                else if *f == "created_at" { Cell::Timestamptz(i as i64 * 1_000_123) }
                else { s(&vals[i]) };
            Qual::cell(f, ops[i], v)
        }).collect();
        let plan = plan_scan(&input("users", quals, vec![], Some(Limit { count, offset }))).unwrap();
        if plan.max_rows.is_some() {
            proptest::prop_assert!(plan.all_quals_handled());
            proptest::prop_assert_eq!(plan.max_rows, Some((count + offset) as u64));
        }
    }
}

fn paths(plan: &Plan) -> Vec<String> {
    plan.fetches().iter().map(|f| f.path.clone()).collect()
}

#[test]
fn memberships_route_by_organization_then_user_then_instance() {
    let by_org = plan_scan(&input(
        "organization_memberships",
        vec![Qual::cell("organization_id", "=", s("org_1")), Qual::cell("role", "=", s("org:admin"))],
        vec![],
        None,
    ))
    .unwrap();
    assert_eq!(paths(&by_org), vec!["/organizations/org_1/memberships"]);
    assert_eq!(list_query(&by_org), q(&[("role", "org:admin")]));
    assert_eq!(by_org.handled, vec![true, true]);
    assert_eq!(by_org.fetches()[0].bound, vec![("organization_id", "org_1".to_string())]);

    let by_user =
        plan_scan(&input("organization_memberships", vec![Qual::cell("user_id", "=", s("user_1"))], vec![], None))
            .unwrap();
    assert_eq!(paths(&by_user), vec!["/users/user_1/organization_memberships"]);
    assert_eq!(by_user.handled, vec![true]);

    // Both given: the organization's list, filtered by user.
    let both = plan_scan(&input(
        "organization_memberships",
        vec![Qual::cell("user_id", "=", s("user_1")), Qual::cell("organization_id", "=", s("org_1"))],
        vec![],
        None,
    ))
    .unwrap();
    assert_eq!(paths(&both), vec!["/organizations/org_1/memberships"]);
    assert_eq!(list_query(&both), q(&[("user_id", "user_1")]));

    let all = plan_scan(&input("organization_memberships", vec![], vec![], None)).unwrap();
    assert_eq!(paths(&all), vec!["/organization_memberships"]);
}

#[test]
fn in_list_on_a_parent_id_makes_one_request_per_distinct_value() {
    let plan = plan_scan(&input(
        "organization_memberships",
        vec![Qual::any("organization_id", vec![s("org_1"), s("org_2"), s("org_1")])],
        vec![sort("created_at", true)],
        Some(Limit { count: 5, offset: 0 }),
    ))
    .unwrap();
    assert_eq!(paths(&plan), vec!["/organizations/org_1/memberships", "/organizations/org_2/memberships"]);
    assert_eq!(plan.handled, vec![true]);
    // Rows come request after request: neither the order nor a limit holds.
    assert!(!plan.sorts_pushed);
    assert_eq!(plan.max_rows, None);
    assert_eq!(plan.fetches()[1].bound, vec![("organization_id", "org_2".to_string())]);
}

#[test]
fn too_long_an_in_list_on_a_parent_falls_back_to_the_instance_list() {
    let many: Vec<Cell> = (0..=MAX_FAN_OUT).map(|i| s(&format!("org_{i}"))).collect();
    let plan = plan_scan(&input("organization_memberships", vec![Qual::any("organization_id", many)], vec![], None))
        .unwrap();
    assert_eq!(paths(&plan), vec!["/organization_memberships"]);
    assert_eq!(plan.handled, vec![false]);
}

#[test]
fn id_in_list_on_users_stays_one_list_request() {
    let plan =
        plan_scan(&input("users", vec![Qual::any("id", vec![s("user_1"), s("user_2")])], vec![], None)).unwrap();
    assert_eq!(paths(&plan), vec!["/users"]);
}

#[test]
fn a_required_qual_missing_is_an_error_naming_it() {
    let e = plan_scan(&input("billing/statement", vec![], vec![], None)).unwrap_err();
    assert_eq!(
        e,
        CoreError::MissingQual {
            table: "billing_statement",
            columns: vec!["statement_id"],
            example: "statement_id = 'stmt_...'".into()
        }
    );
    // A qual Clerk cannot use does not count either.
    let e = plan_scan(&input(
        "user_billing_subscriptions",
        vec![Qual::cell("user_id", "<>", s("user_1"))],
        vec![],
        None,
    ))
    .unwrap_err();
    assert!(matches!(e, CoreError::MissingQual { table: "user_billing_subscriptions", .. }));
}

#[test]
fn required_quals_fill_the_path_and_the_row() {
    let plan = plan_scan(&input(
        "users/billing/subscription",
        vec![Qual::any("user_id", vec![s("user_1"), s("user 2")])],
        vec![],
        None,
    ))
    .unwrap();
    assert_eq!(
        paths(&plan),
        vec!["/users/user_1/billing/subscription", "/users/user%202/billing/subscription"]
    );
    assert!(plan.fetches().iter().all(|f| matches!(f.shape, Shape::One)));
    assert_eq!(plan.handled, vec![true]);
}

#[test]
fn a_parameter_binds_an_endpoint_nothing_else_serves() {
    let mut qual = Qual::cell("statement_id", "=", s("stmt_1"));
    qual.is_param = true;
    let plan = plan_scan(&input("billing_statement", vec![qual], vec![], None)).unwrap();
    assert_eq!(paths(&plan), vec!["/billing/statements/stmt_1"]);
}

#[test]
fn table_names_work_as_object_values() {
    let a = plan_scan(&input("billing_plans", vec![], vec![], None)).unwrap();
    let b = plan_scan(&input("billing/plans", vec![], vec![], None)).unwrap();
    assert_eq!(a.spec, b.spec);
    assert_eq!(paths(&a), vec!["/billing/plans"]);
}

#[test]
fn fixed_query_parameters_are_always_sent() {
    let plan = plan_scan(&input(
        "billing_subscription_items",
        vec![Qual::cell("status", "=", s("active"))],
        vec![],
        None,
    ))
    .unwrap();
    assert_eq!(list_query(&plan), q(&[("status", "active"), ("include_free", "true")]));
}

#[test]
fn api_keys_need_a_subject_and_send_it_as_a_query_parameter() {
    let e = plan_scan(&input("api_keys", vec![], vec![], None)).unwrap_err();
    assert!(
        matches!(&e, CoreError::MissingQual { table: "api_keys", columns, .. } if columns == &vec!["subject"]),
        "{e:?}"
    );
    let plan = plan_scan(&input("api_keys", vec![Qual::any("subject", vec![s("user_1"), s("org_1")])], vec![], None))
        .unwrap();
    assert_eq!(paths(&plan), vec!["/api_keys", "/api_keys"]);
    assert_eq!(plan.fetches()[1].query, q(&[("subject", "org_1"), ("include_invalid", "true")]));
    // An id alone is enough: the get by id.
    let plan = plan_scan(&input("api_keys", vec![Qual::cell("id", "=", s("ak_1"))], vec![], None)).unwrap();
    assert_eq!(get(&plan), ("/api_keys/ak_1".to_string(), vec![]));
}

#[test]
fn child_tables_push_parent_filters_but_never_a_sort_or_limit() {
    let plan = plan_scan(&input(
        "user_email_addresses",
        vec![Qual::cell("email_address", "=", s("a@b.c"))],
        vec![sort("created_at", true)],
        Some(Limit { count: 1, offset: 0 }),
    ))
    .unwrap();
    assert_eq!(paths(&plan), vec!["/users"]);
    assert_eq!(list_query(&plan), q(&[("email_address", "a@b.c")]));
    assert_eq!(plan.handled, vec![false]);
    assert!(!plan.sorts_pushed);
    assert_eq!(plan.max_rows, None);
    let plan = plan_scan(&input("user_email_addresses", vec![], vec![], Some(Limit { count: 1, offset: 0 }))).unwrap();
    assert_eq!(plan.max_rows, None, "a limit counts children, the API pages parents");
    let plan =
        plan_scan(&input("user_passkeys", vec![Qual::cell("user_id", "=", s("user_1"))], vec![], None)).unwrap();
    assert_eq!(get(&plan), ("/users/user_1".to_string(), vec![]));
    assert_eq!(plan.handled, vec![true]);
}

#[test]
fn updated_at_lower_bounds_order_newest_first_and_stop() {
    let t = 1_700_000_000_000_000;
    let plan = plan_scan(&input("users", vec![Qual::cell("updated_at", ">=", Cell::Timestamptz(t))], vec![], None))
        .unwrap();
    assert_eq!(list_query(&plan), q(&[("order_by", "-updated_at")]));
    assert_eq!(plan.stop, Some(StopAt { key: "updated_at", below_ms: 1_699_999_999_999 }));
    assert_eq!(plan.handled, vec![false]);
    // An upper bound alone opens no window.
    let plan = plan_scan(&input("users", vec![Qual::cell("updated_at", "<", Cell::Timestamptz(t))], vec![], None))
        .unwrap();
    assert_eq!(plan.stop, None);
    // The query's own order stays with Postgres unless it is that order.
    let plan = plan_scan(&input(
        "users",
        vec![Qual::cell("updated_at", ">", Cell::Timestamptz(t))],
        vec![sort("created_at", true)],
        Some(Limit { count: 5, offset: 0 }),
    ))
    .unwrap();
    assert!(!plan.sorts_pushed);
    assert_eq!(plan.max_rows, None);
}

#[test]
fn like_patterns_push_their_longest_literal_run_as_a_substring_search() {
    let plan = plan_scan(&input(
        "users",
        vec![Qual::cell("email", "~~", s("%ada_lovelace%@example.com")), Qual::cell("first_name", "~~*", s("Ad%"))],
        vec![],
        Some(Limit { count: 5, offset: 0 }),
    ))
    .unwrap();
    assert_eq!(list_query(&plan), q(&[("email_address_query", "@example.com"), ("name_query", "Ad")]));
    assert_eq!(plan.handled, vec![false, false]);
    assert_eq!(plan.max_rows, None);
    // `=` on email still uses the exact-address filter, first in the list.
    let plan = plan_scan(&input("users", vec![Qual::cell("email", "=", s("a@b.c"))], vec![], None)).unwrap();
    assert_eq!(list_query(&plan), q(&[("email_address", "a@b.c")]));
    // Nothing but wildcards, or an escape: left to Postgres.
    for p in ["%%", "_", "a\\%b"] {
        let plan = plan_scan(&input("users", vec![Qual::cell("username", "~~", s(p))], vec![], None)).unwrap();
        assert_eq!(list_query(&plan), q(&[]), "{p}");
    }
    // Two quals on columns sharing name_query: only the first is sent.
    let plan = plan_scan(&input(
        "users",
        vec![Qual::cell("first_name", "~~", s("Ada%")), Qual::cell("last_name", "~~", s("%Love%"))],
        vec![],
        None,
    ))
    .unwrap();
    assert_eq!(list_query(&plan), q(&[("name_query", "Ada")]));
}

#[test]
fn date_bounds_are_widened_by_a_day_each_way() {
    let day = 1_676_505_600; // 2023-02-16, seconds
    let plan = plan_scan(&input(
        "users",
        vec![Qual::cell("created_at", "<=", Cell::Date(day)), Qual::cell("last_active_at", ">", Cell::Date(day))],
        vec![],
        None,
    ))
    .unwrap();
    assert_eq!(
        list_query(&plan),
        q(&[("created_at_before", "1676592000002"), ("last_active_at_after", "1676419199999")])
    );
}

#[test]
fn m2m_tokens_ask_for_every_revoked_and_expired_combination_unless_a_qual_picks() {
    let all = plan_scan(&input("m2m_tokens", vec![Qual::cell("subject", "=", s("mch_1"))], vec![], None)).unwrap();
    let queries: Vec<Vec<(String, String)>> = all.fetches().iter().map(|f| f.query.clone()).collect();
    assert_eq!(
        queries,
        vec![
            q(&[("subject", "mch_1"), ("revoked", "false"), ("expired", "false")]),
            q(&[("subject", "mch_1"), ("revoked", "false"), ("expired", "true")]),
            q(&[("subject", "mch_1"), ("revoked", "true"), ("expired", "false")]),
            q(&[("subject", "mch_1"), ("revoked", "true"), ("expired", "true")]),
        ]
    );
    assert_eq!(all.handled, vec![true]);
    let valid = plan_scan(&input(
        "m2m_tokens",
        vec![
            Qual::cell("subject", "=", s("mch_1")),
            Qual::cell("revoked", "=", Cell::Bool(false)),
            Qual::cell("expired", "=", Cell::Bool(false)),
        ],
        vec![],
        None,
    ))
    .unwrap();
    assert_eq!(valid.fetches().len(), 1);
    assert_eq!(valid.handled, vec![true, true, true]);
    // Without a subject it is still an error naming it.
    let e = plan_scan(&input("m2m_tokens", vec![], vec![], None)).unwrap_err();
    assert_eq!(
        e,
        CoreError::MissingQual {
            table: "m2m_tokens",
            columns: vec!["subject"],
            example: "subject = 'mch_...'".into()
        }
    );
}

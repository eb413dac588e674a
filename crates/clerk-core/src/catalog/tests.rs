use super::*;
use std::collections::BTreeSet;

#[test]
fn catalog_is_sorted_by_table_and_names_are_unique() {
    let tables: Vec<&str> = CATALOG.iter().map(|o| o.table).collect();
    let mut sorted = tables.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(tables, sorted);
    // Every `object` spelling and table name resolves to one entry only.
    let mut names = BTreeSet::new();
    for o in CATALOG {
        assert!(names.insert(o.object), "{} spelled twice", o.object);
        if o.table != o.object {
            assert!(names.insert(o.table), "{} spelled twice", o.table);
        }
    }
}

#[test]
fn every_object_is_well_formed() {
    for o in CATALOG {
        let names: BTreeSet<&str> = o.columns.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), o.columns.len(), "{}: duplicate column", o.table);
        assert!(names.contains(ATTRS_COLUMN), "{}: attrs", o.table);
        assert!(o.rowid.is_none_or(|r| names.contains(r)), "{}: rowid", o.table);
        assert!(!o.endpoints.is_empty(), "{}: no endpoint", o.table);
        assert!(!o.noun.is_empty() && !o.doc.is_empty());
        assert!(o.columns.iter().all(|c| !c.doc.is_empty()), "{}: column docs", o.table);
        for (i, e) in o.endpoints.iter().enumerate() {
            assert!(e.path.starts_with('/'), "{}: {}", o.table, e.path);
            // An unbound endpoint, if any, is the last resort.
            if e.is_unbound() {
                assert_eq!(i, o.endpoints.len() - 1, "{}: unbound endpoint not last", o.table);
            }
            if let Shape::Paged { page_size_max, .. } = e.shape {
                assert!((1..=500).contains(&page_size_max), "{}", e.path);
            }
            for b in e.binds {
                assert!(names.contains(b.column), "{}: bind on unknown column {}", o.table, b.column);
                if let BindTo::Path(p) = b.to {
                    assert!(e.path.contains(&format!("{{{p}}}")), "{}: no {{{p}}}", e.path);
                }
            }
            let placeholders = e.path.matches('{').count();
            let path_binds = e.binds.iter().filter(|b| matches!(b.to, BindTo::Path(_))).count();
            assert_eq!(placeholders, path_binds, "{}: every placeholder bound once", e.path);
            for f in e.filters {
                assert!(names.contains(f.column), "{}: filter on unknown column {}", o.table, f.column);
            }
            for s in e.order_by {
                assert!(names.contains(s.column), "{}: order on unknown column {}", o.table, s.column);
            }
            if matches!(e.shape, Shape::One) {
                assert!(e.filters.is_empty() && e.order_by.is_empty(), "{}", e.path);
            }
        }
    }
}

#[test]
fn keeps_supabase_tables_object_spellings_and_columns() {
    // The tables of Supabase's Clerk wrapper, their `object` values and the
    // columns their docs declare.
    let supabase: &[(&str, &str, &[&str])] = &[
        ("allowlist_identifiers", "allowlist_identifiers", &["id", "invitation_id", "identifier", "identifier_type", "instance_id", "created_at", "updated_at", "attrs"]),
        ("blocklist_identifiers", "blocklist_identifiers", &["id", "identifier", "identifier_type", "instance_id", "created_at", "updated_at", "attrs"]),
        ("domains", "domains", &["id", "name", "is_satellite", "frontend_api_url", "accounts_portal_url", "attrs"]),
        ("invitations", "invitations", &["id", "email_address", "url", "revoked", "status", "expires_at", "created_at", "updated_at", "attrs"]),
        ("jwt_templates", "jwt_templates", &["id", "name", "lifetime", "allowed_clock_skew", "custom_signing_key", "signing_algorithm", "created_at", "updated_at", "attrs"]),
        ("oauth_applications", "oauth_applications", &["id", "name", "instance_id", "client_id", "public", "scopes", "created_at", "updated_at", "attrs"]),
        ("organizations", "organizations", &["id", "name", "slug", "created_at", "updated_at", "attrs"]),
        ("organization_invitations", "organization_invitations", &["id", "email_address", "role", "role_name", "organization_id", "status", "created_at", "updated_at", "attrs"]),
        ("organization_memberships", "organization_memberships", &["id", "role", "role_name", "created_at", "updated_at", "attrs"]),
        ("redirect_urls", "redirect_urls", &["id", "url", "created_at", "updated_at", "attrs"]),
        ("saml_connections", "saml_connections", &["id", "name", "domain", "active", "provider", "user_count", "created_at", "updated_at", "attrs"]),
        ("users", "users", &["id", "external_id", "username", "first_name", "last_name", "created_at", "updated_at", "attrs"]),
        ("user_billing_subscriptions", "users/billing/subscription", &["user_id", "id", "status", "payer_id", "created_at", "updated_at", "attrs"]),
        ("organization_billing_subscriptions", "organizations/billing/subscription", &["organization_id", "id", "status", "payer_id", "created_at", "updated_at", "attrs"]),
        ("billing_plans", "billing/plans", &["id", "name", "description", "slug", "is_default", "is_recurring", "attrs"]),
        ("billing_subscription_items", "billing/subscription_items", &["id", "status", "plan_id", "plan_period", "payer_id", "is_free_trial", "created_at", "updated_at", "attrs"]),
        ("billing_statements", "billing/statements", &["id", "status", "timestamp", "attrs"]),
        ("billing_statement", "billing/statement", &["statement_id", "id", "status", "timestamp", "attrs"]),
        ("billing_payment_attempts", "billing/payment_attempts", &["statement_id", "id", "status", "created_at", "updated_at", "attrs"]),
    ];
    let tables: Vec<&str> = supabase.iter().map(|(t, _, _)| *t).collect();
    let mut listed = SUPABASE_TABLES.to_vec();
    listed.sort_unstable();
    let mut expected = tables.clone();
    expected.sort_unstable();
    assert_eq!(listed, expected, "SUPABASE_TABLES");
    for t in SUPABASE_ID_LOOKUPS {
        let spec = lookup(t).unwrap();
        assert!(spec.endpoints.iter().any(|e| matches!(e.shape, Shape::One) && e.binds.iter().any(|b| b.column == "id")), "{t}");
    }
    for (table, object, columns) in supabase {
        let by_object = lookup(object).unwrap_or_else(|e| panic!("{object}: {e}"));
        let by_table = lookup(table).unwrap_or_else(|e| panic!("{table}: {e}"));
        assert_eq!(by_object.table, *table);
        assert_eq!(by_object.object, *object, "IMPORT writes Supabase's spelling");
        assert_eq!(by_table.table, *table);
        for c in *columns {
            assert!(by_object.column(c).is_some(), "{table}.{c}");
        }
    }
}

#[test]
fn unknown_object_lists_supported_ones() {
    let e = lookup("userz").unwrap_err();
    let text = crate::error::fdw_error(&e);
    assert!(text.starts_with("object \"userz\" is not supported\nHINT: supported objects: allowlist_identifiers, "), "{text}");
    assert!(text.ends_with("\nSQLSTATE: HV00R"), "{text}");
    assert!(supported_objects().contains(", users"));
}

#[test]
fn extra_columns_resolve_to_top_level_keys() {
    let users = lookup("users").unwrap();
    assert_eq!(users.source_of("nickname"), SourceRef::ExtraKey("nickname".into()));
    assert_eq!(users.source_of("attrs"), SourceRef::Catalog(Source::Whole));
}

#[test]
fn objects_that_need_a_value_say_which() {
    let stmt = lookup("billing/statement").unwrap();
    assert!(stmt.unbound_endpoint().is_none());
    assert_eq!(stmt.bound_columns(), vec!["statement_id"]);
    let memberships = lookup("organization_memberships").unwrap();
    assert!(memberships.unbound_endpoint().is_some());
    assert_eq!(memberships.bound_columns(), vec!["organization_id", "user_id"]);
}

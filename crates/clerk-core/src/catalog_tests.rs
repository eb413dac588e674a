use super::*;
use std::collections::BTreeSet;

#[test]
fn object_and_table_names_are_unique_and_sorted() {
    let objects: Vec<&str> = CATALOG.iter().map(|o| o.object).collect();
    let mut sorted = objects.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(objects, sorted);
    let tables: BTreeSet<&str> = CATALOG.iter().map(|o| o.table).collect();
    assert_eq!(tables.len(), CATALOG.len());
}

#[test]
fn every_object_is_well_formed() {
    for o in CATALOG {
        let names: BTreeSet<&str> = o.columns.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), o.columns.len(), "{}: duplicate column", o.object);
        assert_eq!(o.columns.first().map(|c| c.name), Some("id"), "{}: id first", o.object);
        assert!(names.contains(ATTRS_COLUMN), "{}: attrs", o.object);
        assert!(o.list_path.starts_with('/'));
        assert!(o.get_path.is_none_or(|p| p.contains("{id}")));
        assert!((1..=500).contains(&o.page_size_max));
        for f in o.filters {
            assert!(names.contains(f.column), "{}: filter on unknown column {}", o.object, f.column);
        }
        for s in o.order_by {
            assert!(names.contains(s.column), "{}: order on unknown column {}", o.object, s.column);
        }
        for l in o.lookup_columns {
            assert!(names.contains(l), "{}: lookup on unknown column {l}", o.object);
        }
        assert!(!o.doc.is_empty());
        assert!(o.columns.iter().all(|c| !c.doc.is_empty()));
    }
}

#[test]
fn keeps_supabase_column_names() {
    let users = lookup("users").unwrap();
    for c in ["id", "external_id", "username", "first_name", "last_name", "created_at", "updated_at", "attrs"] {
        assert!(users.column(c).is_some(), "users.{c}");
    }
    let orgs = lookup("organizations").unwrap();
    for c in ["id", "name", "slug", "created_at", "updated_at", "attrs"] {
        assert!(orgs.column(c).is_some(), "organizations.{c}");
    }
}

#[test]
fn unknown_object_lists_supported_ones() {
    let e = lookup("userz").unwrap_err();
    assert_eq!(
        crate::error::fdw_error(&e),
        "object \"userz\" is not supported\nHINT: supported objects: organizations, users"
    );
    assert_eq!(supported_objects(), "organizations, users");
}

#[test]
fn extra_columns_resolve_to_top_level_keys() {
    let users = lookup("users").unwrap();
    assert_eq!(users.source_of("locale"), SourceRef::ExtraKey("locale".into()));
    assert_eq!(users.source_of("attrs"), SourceRef::Catalog(Source::Whole));
}

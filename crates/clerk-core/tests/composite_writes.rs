//! Writes addressed by a composite row id beyond memberships: an
//! organization invitation revoked (its DELETE) and an organization domain
//! updated and deleted, each by `organization_id/id`, since Clerk's paths
//! for them take both. The row id is what a scan gives the key column, and
//! the planners fill the two placeholders from it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use clerk_core::catalog::Method;
use clerk_core::write::{plan_delete, plan_update};
use clerk_core::{fdw_error, lookup, Cell, CoreError, Projection, SqlType, TargetColumn};
use serde_json::{json, Value};

fn row(cells: &[(&str, Option<Cell>)]) -> Vec<(String, Option<Cell>)> {
    cells.iter().map(|(c, v)| (c.to_string(), v.clone())).collect()
}

fn text(s: &str) -> Option<Cell> {
    Some(Cell::String(s.into()))
}

fn body(b: &Option<String>) -> Value {
    serde_json::from_str(b.as_deref().unwrap_or("null")).unwrap()
}

#[test]
fn the_key_columns_join_the_organization_and_the_id_of_a_scanned_object() {
    for (table, key) in [("organization_invitations", "invitation_key"), ("organization_domains", "domain_key")] {
        let spec = lookup(table).unwrap();
        assert_eq!(spec.rowid, Some(key), "{table}: the key is the row id");
        let p = Projection::new(spec, &[TargetColumn::new(key, SqlType::Text)]);
        let item = json!({"id": "x_2", "organization_id": "org_1"});
        assert_eq!(p.row(&item, None, &[]).unwrap(), vec![Some(Cell::String("org_1/x_2".into()))], "{table}");
        let no_org = json!({"id": "x_2"});
        assert_eq!(p.row(&no_org, None, &[]).unwrap(), vec![None], "{table}: a part missing is NULL");
    }
}

#[test]
fn deleting_an_organization_invitation_revokes_it_by_its_composite_row_id() {
    let invitations = lookup("organization_invitations").unwrap();
    let d = plan_delete(invitations, &Cell::String("org_1/orginv_2".into())).unwrap();
    assert_eq!(
        (d.method, d.path.as_str(), d.body.as_deref()),
        (Method::Post, "/organizations/org_1/invitations/orginv_2/revoke", Some("{}"))
    );
    // Clerk has no update of an invitation.
    let e = plan_update(invitations, &Cell::String("org_1/orginv_2".into()), &row(&[("role", text("org:admin"))]))
        .unwrap_err();
    assert!(fdw_error(&e).contains("this table allows: insert, delete"), "{e:?}");
    // A bare invitation id (not what a scan gives the key) is refused.
    for bad in ["orginv_2", "org_1/orginv_2/x", "/orginv_2", "org_1/"] {
        let e = plan_delete(invitations, &Cell::String(bad.into())).unwrap_err();
        assert!(matches!(e, CoreError::BadCompositeId { .. }), "{bad}: {e:?}");
    }
}

#[test]
fn an_organization_domain_is_updated_and_deleted_by_its_composite_row_id() {
    let domains = lookup("organization_domains").unwrap();
    let key = Cell::String("org_1/orgdmn_2".into());
    let reqs = plan_update(domains, &key, &row(&[("enrollment_mode", text("automatic_invitation"))])).unwrap();
    assert_eq!(
        reqs.iter().map(|r| (r.method, r.path.as_str(), body(&r.body))).collect::<Vec<_>>(),
        vec![(Method::Patch, "/organizations/org_1/domains/orgdmn_2", json!({"enrollment_mode": "automatic_invitation"}))]
    );
    // The body's `verified` has no column: attrs carries it.
    let reqs =
        plan_update(domains, &key, &row(&[("attrs", Some(Cell::Json(r#"{"verified": false}"#.into())))])).unwrap();
    assert_eq!(body(&reqs[0].body), json!({"verified": false}));
    // Clerk cannot rename a domain.
    let e = plan_update(domains, &key, &row(&[("name", text("x.example"))])).unwrap_err();
    assert!(fdw_error(&e).contains("columns it can set: attrs, enrollment_mode"), "{}", fdw_error(&e));
    let d = plan_delete(domains, &key).unwrap();
    assert_eq!((d.method, d.path.as_str(), d.body), (Method::Delete, "/organizations/org_1/domains/orgdmn_2", None));
    let e = plan_delete(domains, &Cell::String("orgdmn_2".into())).unwrap_err();
    assert!(matches!(e, CoreError::BadCompositeId { .. }), "{e:?}");
}

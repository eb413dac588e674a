use super::*;
use crate::catalog::lookup;

fn row(cells: &[(&str, Option<Cell>)]) -> Vec<(String, Option<Cell>)> {
    cells.iter().map(|(c, v)| (c.to_string(), v.clone())).collect()
}

fn text(s: &str) -> Option<Cell> {
    Some(Cell::String(s.into()))
}

fn json(body: &Option<String>) -> Value {
    serde_json::from_str(body.as_deref().unwrap_or("null")).unwrap()
}

#[test]
fn supabase_form_sends_attrs_as_the_body() {
    let users = lookup("users").unwrap();
    let r = plan_insert(
        users,
        &row(&[
            ("id", None),
            ("attrs", Some(Cell::Json(r#"{"email_address": ["a@example.com"], "password": "pw"}"#.into()))),
        ]),
    )
    .unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Post, "/users"));
    assert_eq!(json(&r.body), serde_json::json!({"email_address": ["a@example.com"], "password": "pw"}));
}

#[test]
fn typed_columns_map_to_body_fields_and_win_over_attrs() {
    let users = lookup("users").unwrap();
    let r = plan_insert(
        users,
        &row(&[
            ("email", text("b@example.com")),
            ("first_name", text("Bo")),
            ("external_id", text("crm-42")),
            ("last_name", None),
            ("attrs", Some(Cell::Json(r#"{"first_name": "Ignored", "skip_password_checks": true}"#.into()))),
        ]),
    )
    .unwrap();
    assert_eq!(
        json(&r.body),
        serde_json::json!({"email_address": ["b@example.com"], "first_name": "Bo", "external_id": "crm-42", "skip_password_checks": true})
    );
}

#[test]
fn update_sends_only_the_set_columns_to_the_row_path() {
    let users = lookup("users").unwrap();
    let r = plan_update(users, &Cell::String("user_1/x".into()), &row(&[("first_name", text("Ada")), ("last_name", None)]))
        .unwrap();
    let [r] = r.as_slice() else { panic!("{r:?}") };
    assert_eq!((r.method, r.path.as_str()), (Method::Patch, "/users/user_1%2Fx"));
    assert_eq!(json(&r.body), serde_json::json!({"first_name": "Ada", "last_name": null}));
    let d = plan_delete(users, &Cell::String("user_1".into())).unwrap();
    assert_eq!((d.method, d.path.as_str(), d.body), (Method::Delete, "/users/user_1", None));
}

#[test]
fn what_cannot_be_written_is_an_error_saying_what_can() {
    let users = lookup("users").unwrap();
    let e = plan_update(users, &Cell::String("user_1".into()), &row(&[("email", text("x@y.z"))])).unwrap_err();
    let msg = crate::error::fdw_error(&e);
    assert!(msg.starts_with("column \"email\" of \"users\" cannot be set by update\nHINT: columns it can set: attrs, "), "{msg}");
    assert!(msg.ends_with("\nSQLSTATE: 42501"), "{msg}");
    let plans = lookup("billing_plans").unwrap();
    let e = plan_insert(plans, &row(&[("attrs", Some(Cell::Json("{}".into())))])).unwrap_err();
    assert_eq!(
        crate::error::fdw_error(&e),
        "insert on \"billing_plans\" is not supported by clerk\nHINT: this table allows: none (the table is read-only)\nSQLSTATE: 0A000"
    );
    let redirects = lookup("redirect_urls").unwrap();
    let e = plan_update(redirects, &Cell::String("ru_1".into()), &row(&[("url", text("https://x.test"))])).unwrap_err();
    assert!(crate::error::fdw_error(&e).contains("this table allows: insert, delete"));
    let e = plan_insert(users, &row(&[("attrs", Some(Cell::Json("[1]".into())))])).unwrap_err();
    assert!(matches!(e, CoreError::BadAttrs { got: "array", .. }));
    let e = plan_delete(users, &Cell::String(String::new())).unwrap_err();
    assert!(matches!(e, CoreError::BadRowId { .. }));
}

#[test]
fn clerk_refusals_name_the_column_and_carry_a_sqlstate() {
    let users = lookup("users").unwrap();
    let body = r#"{"errors":[{"code":"form_identifier_exists","message":"taken","long_message":"That email address is taken. Please try another.","meta":{"param_name":"email_address"}}]}"#;
    let e = check_response(users, WriteKind::Insert, 422, body, 2).unwrap_err();
    assert_eq!(
        crate::error::fdw_error(&e),
        "clerk refused the insert on \"users\": That email address is taken. Please try another. (column \"email\")\n\
         HINT: 2 rows of this statement were already written (writes are not rolled back in clerk)\nSQLSTATE: 23505"
    );
    let missing = r#"{"errors":[{"code":"form_param_missing","message":"missing","long_message":"name must be included.","meta":{"param_name":"name"}}]}"#;
    let orgs = lookup("organizations").unwrap();
    let e = check_response(orgs, WriteKind::Insert, 422, missing, 0).unwrap_err();
    assert!(crate::error::fdw_error(&e).ends_with("(column \"name\")\nHINT: no row of this statement was written\nSQLSTATE: 23502"));
    let gone = r#"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#;
    let e = check_response(orgs, WriteKind::Delete, 404, gone, 0).unwrap_err();
    assert!(crate::error::fdw_error(&e).ends_with("SQLSTATE: P0002"));
    assert_eq!(check_response(orgs, WriteKind::Delete, 200, "{}", 0), Ok(()));
    let member = r#"{"errors":[{"code":"already_a_member_in_organization","message":"already a member"}]}"#;
    let e = check_response(lookup("organization_memberships").unwrap(), WriteKind::Insert, 400, member, 0).unwrap_err();
    assert!(crate::error::fdw_error(&e).ends_with("SQLSTATE: 23505"));
}

#[test]
fn times_are_sent_as_rfc3339() {
    assert_eq!(crate::time::micros_to_rfc3339(1_714_564_800_123_456), "2024-05-01T12:00:00.123Z");
    assert_eq!(crate::time::micros_to_rfc3339(-1_000), "1969-12-31T23:59:59.999Z");
    for us in [0i64, 951_782_400_000_000, 4_102_444_800_000_000] {
        let text = crate::time::micros_to_rfc3339(us);
        assert_eq!(crate::time::parse_rfc3339_micros(&text), Some(us), "{text}");
    }
}

#[test]
fn banned_locked_and_metadata_go_to_their_own_endpoints() {
    let users = lookup("users").unwrap();
    let id = Cell::String("user_1".into());
    let reqs = plan_update(
        users,
        &id,
        &row(&[
            ("first_name", text("Ada")),
            ("banned", Some(Cell::Bool(true))),
            ("locked", Some(Cell::Bool(false))),
            ("public_metadata", Some(Cell::Json(r#"{"plan": "pro"}"#.into()))),
        ]),
    )
    .unwrap();
    let got: Vec<(Method, &str, Value)> = reqs.iter().map(|r| (r.method, r.path.as_str(), json(&r.body))).collect();
    assert_eq!(
        got,
        vec![
            (Method::Patch, "/users/user_1", serde_json::json!({"first_name": "Ada"})),
            (Method::Post, "/users/user_1/ban", serde_json::json!({})),
            (Method::Post, "/users/user_1/unlock", serde_json::json!({})),
            (Method::Patch, "/users/user_1/metadata", serde_json::json!({"public_metadata": {"plan": "pro"}})),
        ]
    );
    // Only a ban: no PATCH of the user at all.
    let reqs = plan_update(users, &id, &row(&[("banned", Some(Cell::Bool(false)))])).unwrap();
    assert_eq!(reqs.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(), vec!["/users/user_1/unban"]);
    assert!(matches!(plan_update(users, &id, &row(&[("banned", None)])), Err(CoreError::NullToggle { .. })));
}

#[test]
fn a_membership_is_created_in_the_organization_its_row_names() {
    let memberships = lookup("organization_memberships").unwrap();
    let r = plan_insert(
        memberships,
        &row(&[("organization_id", text("org_1")), ("user_id", text("user_1")), ("role", text("org:member")), ("id", None)]),
    )
    .unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Post, "/organizations/org_1/memberships"));
    assert_eq!(json(&r.body), serde_json::json!({"user_id": "user_1", "role": "org:member"}));
    let e = plan_insert(memberships, &row(&[("user_id", text("user_1"))])).unwrap_err();
    assert!(crate::error::fdw_error(&e).starts_with("an insert into \"organization_memberships\" needs column \"organization_id\""));
}

#[test]
fn deleting_an_api_key_or_an_invitation_revokes_it() {
    let keys = lookup("api_keys").unwrap();
    let r = plan_delete(keys, &Cell::String("ak_1".into())).unwrap();
    assert_eq!((r.method, r.path.as_str(), r.body.as_deref()), (Method::Post, "/api_keys/ak_1/revoke", Some("{}")));
    let invitations = lookup("invitations").unwrap();
    let r = plan_delete(invitations, &Cell::String("inv_1".into())).unwrap();
    assert_eq!(r.path, "/invitations/inv_1/revoke");
}

#[test]
fn a_membership_is_addressed_by_its_composite_row_id() {
    let memberships = lookup("organization_memberships").unwrap();
    let key = Cell::String("org_1/user_2".into());
    let reqs = plan_update(memberships, &key, &row(&[("role", text("org:admin"))])).unwrap();
    assert_eq!(
        reqs.iter().map(|r| (r.method, r.path.as_str(), json(&r.body))).collect::<Vec<_>>(),
        vec![(Method::Patch, "/organizations/org_1/memberships/user_2", serde_json::json!({"role": "org:admin"}))]
    );
    let d = plan_delete(memberships, &key).unwrap();
    assert_eq!((d.method, d.path.as_str()), (Method::Delete, "/organizations/org_1/memberships/user_2"));
    for bad in ["org_1", "org_1/user_2/x", "org_1/"] {
        let e = plan_delete(memberships, &Cell::String(bad.into())).unwrap_err();
        assert!(matches!(e, CoreError::BadCompositeId { .. }), "{bad}: {e:?}");
    }
}

fn cols(names: &[&str]) -> Vec<String> {
    names.iter().map(|c| c.to_string()).collect()
}

#[test]
fn check_columns_refuses_at_plan_time_what_every_row_would_be_refused() {
    let users = lookup("users").unwrap();
    // what the row planners take, the check takes
    check_columns(users, WriteKind::Insert, &cols(&["email", "first_name", "attrs"])).unwrap();
    check_columns(users, WriteKind::Update, &cols(&["first_name", "public_metadata", "banned", "locked"])).unwrap();
    check_columns(users, WriteKind::Update, &cols(&["banned"])).unwrap();
    check_columns(users, WriteKind::Delete, &[]).unwrap();
    // a column no write takes, listing those that can
    let err = check_columns(users, WriteKind::Update, &cols(&["first_name", "updated_at"])).unwrap_err();
    assert!(matches!(&err, CoreError::ColumnNotWritable { column, .. } if column == "updated_at"), "{err:?}");
    assert_eq!(err.sqlstate(), Some("42501"));
    assert!(err.hint().unwrap_or_default().contains("first_name"), "{:?}", err.hint());
    let err = check_columns(users, WriteKind::Insert, &cols(&["id", "email"])).unwrap_err();
    assert!(matches!(&err, CoreError::ColumnNotWritable { column, .. } if column == "id"), "{err:?}");
    // a table without the write
    let plans = lookup("billing_plans").unwrap();
    let err = check_columns(plans, WriteKind::Insert, &cols(&["attrs"])).unwrap_err();
    assert!(matches!(err, CoreError::NotWritable { .. }), "{err:?}");
    assert_eq!(err.sqlstate(), Some("0A000"));
    // the same verdict as planning a row with those columns set
    let row_err = plan_update(users, &Cell::String("user_x".into()), &row(&[("updated_at", text("x"))])).unwrap_err();
    let plan_err = check_columns(users, WriteKind::Update, &cols(&["updated_at"])).unwrap_err();
    assert_eq!(row_err.to_string(), plan_err.to_string());
}

/// For every table and write of the catalog: the check accepts exactly the
/// columns a row's planning accepts.
#[test]
fn check_columns_agrees_with_the_row_planners_on_every_table() {
    for spec in crate::catalog::CATALOG {
        let columns: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
        for column in &columns {
            let set = row(&[(column, text("x"))]);
            // the parent the insert goes into, given, so that its planning
            // gets as far as the column
            let parent = spec.writes.insert.as_ref().and_then(|op| op.path_column).filter(|p| p != column);
            let mut insert = set.clone();
            insert.extend(parent.map(|p| (p.to_string(), text("org_x"))));
            let insert_ok = plan_insert(spec, &insert).is_ok_or_not_column(column);
            let insert_check = check_columns(spec, WriteKind::Insert, &cols(&[column])).is_ok();
            assert_eq!(insert_ok, insert_check, "{}: insert of {column}", spec.table);
            let rowid = Cell::String("a/b".into());
            let update_ok = plan_update(spec, &rowid, &set).is_ok_or_not_column(column);
            let update_check = check_columns(spec, WriteKind::Update, &cols(&[column])).is_ok();
            assert_eq!(update_ok, update_check, "{}: update of {column}", spec.table);
        }
        assert_eq!(
            check_columns(spec, WriteKind::Delete, &[]).is_ok(),
            spec.writes.delete.is_some(),
            "{}: delete",
            spec.table
        );
    }
}

trait ColumnVerdict {
    /// Whether planning refused the column (or the write) itself, rather
    /// than the value (a bad id, a JSON type...).
    fn is_ok_or_not_column(&self, column: &str) -> bool;
}

impl<T> ColumnVerdict for CoreResult<T> {
    fn is_ok_or_not_column(&self, column: &str) -> bool {
        match self {
            Ok(_) => true,
            Err(CoreError::NotWritable { .. }) => false,
            Err(CoreError::ColumnNotWritable { column: c, .. }) => c != column,
            Err(_) => true,
        }
    }
}

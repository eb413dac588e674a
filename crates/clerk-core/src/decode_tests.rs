use super::*;
use crate::catalog::lookup;
use serde_json::json;

fn user() -> Value {
    json!({
        "id": "user_1",
        "object": "user",
        "external_id": null,
        "username": "ann",
        "first_name": "Ann",
        "primary_email_address_id": "idn_2",
        "email_addresses": [
            {"id": "idn_1", "email_address": "old@example.com"},
            {"id": "idn_2", "email_address": "ann@example.com"}
        ],
        "primary_phone_number_id": "idn_9",
        "phone_numbers": [],
        "has_image": true,
        "banned": false,
        "public_metadata": {"plan": "pro"},
        "created_at": 1_700_000_000_123_i64,
        "last_sign_in_at": null,
        "locale": "fr"
    })
}

fn project(columns: &[(&str, SqlType)], item: &Value) -> CoreResult<Vec<Option<Cell>>> {
    let cols: Vec<TargetColumn> = columns.iter().map(|(n, t)| TargetColumn::new(*n, t.clone())).collect();
    Projection::new(lookup("users").unwrap(), &cols).row(item, None, &[])
}

#[test]
fn cells_follow_target_column_order_and_types() {
    let row = project(
        &[
            ("created_at", SqlType::Timestamptz),
            ("id", SqlType::Text),
            ("email", SqlType::Text),
            ("phone", SqlType::Text),
            ("has_image", SqlType::Bool),
            ("public_metadata", SqlType::Jsonb),
            ("external_id", SqlType::Text),
            ("last_sign_in_at", SqlType::Timestamptz),
            ("email_addresses", SqlType::Jsonb),
            ("locale", SqlType::Text),
            ("not_a_key", SqlType::Text),
        ],
        &user(),
    )
    .unwrap();
    assert_eq!(row[0], Some(Cell::Timestamptz(1_700_000_000_123_000)));
    assert_eq!(row[1], Some(Cell::String("user_1".into())));
    assert_eq!(row[2], Some(Cell::String("ann@example.com".into())), "primary email");
    assert_eq!(row[3], None, "primary phone id matches nothing");
    assert_eq!(row[4], Some(Cell::Bool(true)));
    assert_eq!(row[5], Some(Cell::Json(r#"{"plan":"pro"}"#.into())));
    assert_eq!(row[6], None, "json null");
    assert_eq!(row[7], None);
    assert!(matches!(&row[8], Some(Cell::Json(s)) if s.starts_with('[')), "arrays are jsonb too");
    assert_eq!(row[9], Some(Cell::String("fr".into())), "extra column = top-level key");
    assert_eq!(row[10], None, "absent extra key = NULL");
}

#[test]
fn attrs_is_the_whole_object() {
    let row = project(&[("attrs", SqlType::Jsonb)], &user()).unwrap();
    let Some(Cell::Json(text)) = &row[0] else { panic!("{row:?}") };
    assert_eq!(serde_json::from_str::<Value>(text).unwrap(), user());
}

#[test]
fn declared_type_drives_conversion() {
    let item = json!({"id": "user_1", "created_at": 86_400_000 * 3 + 5, "banned": true, "n": 42, "f": 1.5, "u": "6F9619FF-8B86-D011-B42D-00C04FC964FF"});
    let row = project(
        &[
            ("created_at", SqlType::Date),
            ("created_at", SqlType::Timestamp),
            ("created_at", SqlType::I64),
            ("created_at", SqlType::Text),
            ("banned", SqlType::Text),
            ("n", SqlType::I16),
            ("n", SqlType::Numeric),
            ("f", SqlType::F32),
            ("u", SqlType::Uuid),
        ],
        &item,
    )
    .unwrap();
    assert_eq!(row[0], Some(Cell::Date(3 * 86_400)));
    assert_eq!(row[1], Some(Cell::Timestamp((86_400_000 * 3 + 5) * 1000)));
    assert_eq!(row[2], Some(Cell::I64(86_400_000 * 3 + 5)));
    assert_eq!(row[3], Some(Cell::String("259200005".into())), "non-string json as its text");
    assert_eq!(row[4], Some(Cell::String("true".into())));
    assert_eq!(row[5], Some(Cell::I16(42)));
    assert_eq!(row[6], Some(Cell::Numeric(42.0)));
    assert_eq!(row[7], Some(Cell::F32(1.5)));
    assert_eq!(row[8], Some(Cell::Uuid("6f9619ff-8b86-d011-b42d-00c04fc964ff".into())));
}

#[test]
fn rfc3339_strings_become_timestamps() {
    let item = json!({"id": "user_1", "t": "2024-01-02T03:04:05.5Z"});
    let row = project(&[("t", SqlType::Timestamptz)], &item).unwrap();
    assert_eq!(row[0], Some(Cell::Timestamptz(1_704_164_645_500_000)));
}

#[test]
fn conversion_error_names_column_object_id_and_json_type() {
    let item = json!({"id": "user_1", "banned": "yes"});
    let e = project(&[("banned", SqlType::Bool)], &item).unwrap_err();
    assert!(matches!(&e, CoreError::Decode(f) if f.column == "banned" && f.id == "user_1" && f.json_type == "string"), "{e:?}");
    let text = crate::error::fdw_error(&e);
    assert!(text.starts_with("cannot convert column \"banned\" of user \"user_1\": json string"), "{text}");
}

#[test]
fn out_of_range_numbers_are_errors_not_wraps() {
    let item = json!({"id": "u", "n": 70000, "t": i64::MAX, "x": 1.5});
    assert!(project(&[("n", SqlType::I16)], &item).is_err());
    assert!(project(&[("t", SqlType::Timestamptz)], &item).is_err(), "ms * 1000 overflow");
    assert!(project(&[("x", SqlType::I32)], &item).is_err());
    assert!(project(&[("n", SqlType::I8)], &item).is_err());
}

#[test]
fn envelopes() {
    let page = decode_page(Envelope::BareArray, r#"[{"id":"a"},{"id":"b"}]"#).unwrap();
    assert_eq!((page.items.len(), page.total_count), (2, None));
    let page = decode_page(Envelope::DataTotalCount, r#"{"data":[{"id":"a"}],"total_count":7}"#).unwrap();
    assert_eq!((page.items.len(), page.total_count), (1, Some(7)));
    assert!(matches!(
        decode_page(Envelope::DataTotalCount, "[]"),
        Err(CoreError::UnexpectedShape { got: "array", .. })
    ));
    assert!(matches!(decode_page(Envelope::BareArray, r#"{"x":1}"#), Err(CoreError::UnexpectedShape { .. })));
    assert!(decode_object(r#"{"id":"a"}"#).is_ok());
    assert!(decode_object("[]").is_err());
}

#[test]
fn invalid_json_reports_a_short_excerpt() {
    let body = format!("<html><body>Bad gateway{}</body></html>", " ".repeat(300));
    let e = decode_page(Envelope::BareArray, &body).unwrap_err();
    let CoreError::InvalidJson { excerpt, .. } = &e else { panic!("{e:?}") };
    assert!(excerpt.starts_with("<html><body>Bad gateway"));
    assert!(excerpt.len() < 130);
}

fn arb_json() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                proptest::sample::select(vec!["id", "created_at", "email_addresses", "primary_email_address_id", "banned", "x"]).prop_map(str::to_string),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    /// Any JSON, any declared type: a row or a typed error, never a panic.
    #[test]
    fn decoder_never_panics(item in arb_json()) {
        let types = [
            SqlType::Bool, SqlType::I8, SqlType::I16, SqlType::F32, SqlType::I32, SqlType::F64, SqlType::I64,
            SqlType::Numeric, SqlType::Text, SqlType::Date, SqlType::Timestamp, SqlType::Timestamptz,
            SqlType::Jsonb, SqlType::Uuid,
        ];
        for ty in types {
            for col in ["id", "created_at", "email", "email_addresses", "banned", "attrs", "x"] {
                let _ = project(&[(col, ty.clone())], &item);
            }
        }
        let text = item.to_string();
        let _ = decode_page(Envelope::BareArray, &text);
        let _ = decode_page(Envelope::DataTotalCount, &text);
    }

    #[test]
    fn arbitrary_bodies_never_panic(body in ".{0,64}") {
        let _ = decode_page(Envelope::BareArray, &body);
        let _ = decode_object(&body);
    }
}

#[test]
fn a_composite_row_id_joins_its_parts() {
    let spec = lookup("organization_memberships").unwrap();
    let p = Projection::new(spec, &[TargetColumn::new("membership_key", SqlType::Text)]);
    let item = json!({"id": "orgmem_1", "organization": {"id": "org_1"}, "public_user_data": {"user_id": "user_2"}});
    assert_eq!(p.row(&item, None, &[]).unwrap(), vec![Some(Cell::String("org_1/user_2".into()))]);
    let no_user = json!({"id": "orgmem_1", "organization": {"id": "org_1"}});
    assert_eq!(p.row(&no_user, None, &[]).unwrap(), vec![None]);
}

#[test]
fn credentials_are_kept_out_of_attrs_and_extra_columns() {
    let spec = lookup("directories").unwrap();
    let p = Projection::new(
        spec,
        &[TargetColumn::new("attrs", SqlType::Jsonb), TargetColumn::new("api_key", SqlType::Text)],
    );
    let item = json!({"id": "dir_1", "name": "Okta", "api_key": "scim_secret_123"});
    let row = p.row(&item, None, &[]).unwrap();
    assert_eq!(row[0], Some(Cell::Json(json!({"id": "dir_1", "name": "Okta"}).to_string())));
    assert_eq!(row[1], None, "a declared column cannot read it either");
}

fn keep(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

/// The fast path gives the slow path's page with the other keys dropped,
/// for every envelope; what it cannot read gets the slow path's error.
#[test]
fn decoding_only_the_needed_keys_matches_the_whole_decode() {
    let item = |i: u32| {
        serde_json::json!({
            "id": format!("user_{i}"), "first_name": "A", "created_at": 1_700_000_000_000u64 + u64::from(i),
            "email_addresses": [{"id": "idn_1", "email_address": "a@x.example", "verification": {"status": "verified"}}],
            "public_metadata": {"nested": {"deep": [1, 2, {"x": null}]}}, "banned": false, "score": 1.5,
            "first_name_dup": "not wanted",
        })
    };
    let items: Vec<Value> = (0..5).map(item).collect();
    let wanted = keep(&["id", "first_name", "email_addresses", "not_there"]);
    let strip = |v: &Value| {
        let map = v.as_object().unwrap();
        Value::Object(map.iter().filter(|(k, _)| wanted.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect())
    };
    let bodies = [
        (Envelope::BareArray, Value::Array(items.clone()).to_string()),
        (Envelope::DataTotalCount, serde_json::json!({"data": items, "total_count": 12}).to_string()),
        (Envelope::Keyed("m2m_tokens"), serde_json::json!({"total_count": 3, "m2m_tokens": items}).to_string()),
        // a bare-array endpoint answering in the paginated shape
        (Envelope::BareArray, serde_json::json!({"data": items, "total_count": 5}).to_string()),
        (Envelope::BareArray, "[]".to_string()),
    ];
    for (envelope, body) in &bodies {
        let whole = decode_page(*envelope, body).unwrap();
        let fast = decode_page_keeping(*envelope, body, Some(&wanted)).unwrap();
        assert_eq!(fast.total_count, whole.total_count, "{body}");
        assert_eq!(fast.items, whole.items.iter().map(strip).collect::<Vec<_>>(), "{body}");
        assert_eq!(decode_page_keeping(*envelope, body, None).unwrap(), whole);
    }
    // what the fast path cannot read is the whole decode's error
    for (envelope, body) in [
        (Envelope::BareArray, r#"[{"id": "a"}, 3]"#),
        (Envelope::BareArray, r#"{"nope": []}"#),
        (Envelope::DataTotalCount, r#"[{"id": "a"}]"#),
        (Envelope::DataTotalCount, r#"{"data": {"id": "a"}}"#),
        (Envelope::BareArray, r#"[{"id": "a"}"#),
        (Envelope::BareArray, r#"[{"id": "a"}] trailing"#),
    ] {
        assert_eq!(
            decode_page_keeping(envelope, body, Some(&wanted)).map_err(|e| e.to_string()),
            decode_page(envelope, body).map_err(|e| e.to_string()),
            "{body}"
        );
    }
}

#[test]
fn needed_keys_cover_every_source_and_give_up_on_the_whole_object() {
    let users = crate::catalog::lookup("users").unwrap();
    let cols = |names: &[&str]| -> Vec<TargetColumn> {
        names.iter().map(|n| TargetColumn::new(*n, SqlType::Text)).collect()
    };
    let keys = Projection::new(users, &cols(&["email", "first_name", "my_extra"])).needed_keys(users).unwrap();
    assert_eq!(keys, keep(&["email_addresses", "first_name", "id", "my_extra", "primary_email_address_id"]));
    assert_eq!(Projection::new(users, &cols(&["id", "attrs"])).needed_keys(users), None);
    let children = crate::catalog::lookup("user_email_addresses").unwrap();
    assert_eq!(Projection::new(children, &cols(&["email_address"])).needed_keys(children), None);
    // a membership's composite key reads both objects it points into
    let members = crate::catalog::lookup("organization_memberships").unwrap();
    let keys = Projection::new(members, &cols(&["membership_key"])).needed_keys(members).unwrap();
    assert_eq!(keys, keep(&["id", "organization", "public_user_data"]));
}

/// A body's text as Clerk could send it: compact or pretty, and strings
/// with escapes (quotes, backslashes, control characters, non-ASCII).
fn arb_body() -> impl proptest::strategy::Strategy<Value = (Envelope, String)> {
    use proptest::prelude::*;
    let item = proptest::collection::btree_map(
        proptest::sample::select(vec!["id", "first_name", "email_addresses", "banned", "x\"y", "é", "attrs"])
            .prop_map(str::to_string),
        arb_json(),
        0..6,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()));
    (proptest::collection::vec(item, 0..5), 0..4usize, any::<bool>(), any::<u64>()).prop_map(
        |(items, shape, pretty, total)| {
            let (envelope, value) = match shape {
                0 => (Envelope::BareArray, Value::Array(items)),
                1 => (Envelope::DataTotalCount, json!({"total_count": total, "data": items})),
                2 => (Envelope::Keyed("m2m_tokens"), json!({"m2m_tokens": items, "total_count": total})),
                _ => (Envelope::BareArray, json!({"data": items, "extra": [1, {"a": "\u{1}\"\\"}]})),
            };
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) };
            (envelope, text.unwrap_or_default())
        },
    )
}

proptest::proptest! {
    /// The fast path's page is the whole decode's with the other keys
    /// dropped, for any body; a body cut or changed anywhere gives the
    /// whole decode's error, or (a fault only in what no column reads)
    /// the page without that fault.
    #[test]
    fn the_fast_path_matches_the_whole_decode(
        (envelope, body) in arb_body(),
        cut in proptest::option::of((0usize..10_000, 0usize..3, proptest::sample::select(vec!["", "\"", "\\", "{", "]", ",", "1", "e", "\u{1}", "tru"]))),
    ) {
        let wanted = keep(&["id", "email_addresses", "x\"y", "é"]);
        let body = match cut {
            None => body,
            Some((at, len, with)) => {
                let mut at = at % (body.len() + 1);
                while !body.is_char_boundary(at) { at -= 1; }
                let mut end = (at + len).min(body.len());
                while !body.is_char_boundary(end) { end += 1; }
                format!("{}{}{}", &body[..at], with, &body[end..])
            }
        };
        let whole = decode_page(envelope, &body);
        let fast = decode_page_keeping(envelope, &body, Some(&wanted));
        match (&whole, &fast) {
            (Ok(whole), Ok(fast)) => {
                let strip = |v: &Value| match v.as_object() {
                    Some(map) => Value::Object(map.iter().filter(|(k, _)| wanted.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect()),
                    None => v.clone(),
                };
                proptest::prop_assert_eq!(fast.total_count, whole.total_count);
                let whole_kept: Vec<Value> = whole.items.iter().map(strip).collect();
                let fast_kept: Vec<Value> = fast.items.iter().map(strip).collect();
                proptest::prop_assert_eq!(fast_kept, whole_kept, "{}", body);
            }
            (Err(w), Err(f)) => proptest::prop_assert_eq!(w.to_string(), f.to_string()),
            (Ok(_), Err(e)) => proptest::prop_assert!(false, "the fast path failed ({}) where the whole decode did not: {}", e, body),
            (Err(e), Ok(_)) => {
                let e = e.to_string();
                proptest::prop_assert!(e.contains("number out of range") || e.contains("surrogate"), "the fast path read a body the whole decode refuses ({}): {}", e, body);
            }
        }
    }
}

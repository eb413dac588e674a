//! RETURNING: the row a write's answer stands for, decoded like a scan's.
//!
//! A row's write is one or more requests (an UPDATE of a user may PATCH it,
//! then ban it, then PATCH its metadata); each 2xx answer is kept, and the
//! row returned is the last answer that is the object itself. Clerk answers
//! most DELETEs with a `DeletedObject` (`{"id", "object", "deleted": true}`),
//! which is no row: there is then nothing to return (the host falls back to
//! the row as it was scanned). A revoke (`DELETE` on invitations and API
//! keys) answers the revoked object, which is returned.

use serde_json::Value;

use crate::catalog::ObjectSpec;
use crate::cell::Cell;
use crate::decode::Projection;
use crate::error::CoreResult;
use crate::plan::TargetColumn;

/// The answers to one row's write requests and the values the requests
/// were made for (the row id, the parent a new row was created in), which
/// fill a column the answer lacks, as in a scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answers {
    bodies: Vec<String>,
    bound: Vec<(&'static str, String)>,
}

impl Answers {
    pub fn new(bound: Vec<(&'static str, String)>) -> Answers {
        Answers { bodies: Vec::new(), bound }
    }

    /// Keeps the body of one successful answer, in request order.
    pub fn push(&mut self, body: String) {
        self.bodies.push(body);
    }

    /// The last answer that is an object of the table (a JSON object with an
    /// `id` or `object` that is not a deletion notice), if any.
    pub fn object(&self) -> Option<Value> {
        self.bodies.iter().rev().find_map(|body| match serde_json::from_str::<Value>(body) {
            Ok(v @ Value::Object(_)) if is_row_object(&v) => Some(v),
            _ => None,
        })
    }

    /// The answered object as one row of `columns` (in that order), decoded
    /// exactly as a scan of the table decodes it; `None` when no answer is
    /// the object.
    pub fn row(&self, spec: &'static ObjectSpec, columns: &[TargetColumn]) -> CoreResult<Option<Vec<Option<Cell>>>> {
        let Some(object) = self.object() else {
            return Ok(None);
        };
        let bound: Vec<(&'static str, String)> = self.bound.clone();
        Projection::new(spec, columns).row(&object, None, &bound).map(Some)
    }
}

fn is_row_object(v: &Value) -> bool {
    if v.get("deleted").and_then(Value::as_bool) == Some(true) {
        return false;
    }
    let named = |k: &str| v.get(k).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    named("id") || named("object")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::SqlType;
    use crate::lookup;

    fn cols(names: &[(&str, SqlType)]) -> Vec<TargetColumn> {
        names.iter().map(|(n, t)| TargetColumn::new(*n, t.clone())).collect()
    }

    #[test]
    fn the_last_object_answer_is_the_row() {
        let users = lookup("users").unwrap();
        let mut a = Answers::new(vec![("id", "user_1".into())]);
        a.push(r#"{"id":"user_1","object":"user","first_name":"Ada","banned":false,"created_at":1700000000000}"#.into());
        a.push(r#"{"id":"user_1","object":"user","first_name":"Ada","banned":true,"created_at":1700000000000}"#.into());
        let row = a
            .row(users, &cols(&[("id", SqlType::Text), ("banned", SqlType::Bool), ("created_at", SqlType::Timestamptz)]))
            .unwrap()
            .unwrap();
        assert_eq!(
            row,
            vec![
                Some(Cell::String("user_1".into())),
                Some(Cell::Bool(true)),
                Some(Cell::Timestamptz(1_700_000_000_000_000)),
            ]
        );
    }

    #[test]
    fn a_deletion_notice_or_an_empty_answer_is_no_row() {
        let users = lookup("users").unwrap();
        let mut a = Answers::new(vec![("id", "user_1".into())]);
        a.push(r#"{"id":"user_1","object":"user","deleted":true}"#.into());
        assert_eq!(a.object(), None);
        assert_eq!(a.row(users, &cols(&[("id", SqlType::Text)])).unwrap(), None);
        for body in ["", "{}", "[]", "not json", r#"{"success":true}"#] {
            let mut a = Answers::default();
            a.push(body.into());
            assert_eq!(a.object(), None, "{body}");
        }
        assert_eq!(Answers::default().object(), None);
    }

    #[test]
    fn an_object_before_a_notice_is_still_found() {
        let mut a = Answers::default();
        a.push(r#"{"id":"x","object":"user"}"#.into());
        a.push("{}".into());
        assert_eq!(a.object().unwrap()["id"], "x");
    }

    #[test]
    fn a_column_the_answer_lacks_comes_from_the_request() {
        let domains = lookup("organization_domains").unwrap();
        let mut a = Answers::new(vec![("organization_id", "org_9".into())]);
        a.push(r#"{"id":"orgdmn_1","object":"organization_domain","name":"x.example"}"#.into());
        let row = a.row(domains, &cols(&[("id", SqlType::Text), ("organization_id", SqlType::Text)])).unwrap().unwrap();
        assert_eq!(row, vec![Some(Cell::String("orgdmn_1".into())), Some(Cell::String("org_9".into()))]);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_the_scan_s_decode_error() {
        let users = lookup("users").unwrap();
        let mut a = Answers::default();
        a.push(r#"{"id":"user_1","object":"user","first_name":"Ada"}"#.into());
        let err = a.row(users, &cols(&[("first_name", SqlType::Bool)])).unwrap_err().to_string();
        assert!(err.contains("first_name"), "{err}");
    }
}

//! `count(*)` in one request: the plan for the optional
//! `clerk:wrappers-ext/count` export (`wit/ext/README.md`).
//!
//! A scan's rows are counted by Clerk instead of fetched when the count is
//! exactly the number of rows the scan would return:
//!
//! - every qual is answered exactly by the request ([`Plan::handled`] all
//!   true; a superset filter or a qual left to Postgres would count rows
//!   Postgres drops);
//! - the rows are the API objects themselves ([`Rows::Items`]; a child
//!   table has as many rows as its parents hold children);
//! - one request answers it (not an `IN (...)` fan-out over several);
//! - and the endpoint says how many: `GET /users` has `GET /users/count`
//!   (the same filters, answering `{"object":"total_count","total_count":N}`),
//!   a list whose envelope has `total_count` answers it on a one-row page
//!   (`limit=1`, the smallest the API takes).
//!
//! Otherwise [`plan_count`] answers `None` and Postgres counts the scanned
//! rows, as it always did. Conditions that match no row (`id in ()`) are
//! counted without a request.

use crate::catalog::{Endpoint, Envelope, ObjectSpec, Rows, Shape};
use crate::cell::{Cell, SqlType};
use crate::error::{CoreError, CoreResult};
use crate::explain::{render_qual, PUSHDOWN_LABEL, REQUEST_LABEL};
use crate::plan::{plan_scan, Action, Fetch, Plan, ScanInput, TargetColumn};
use crate::url::ApiUrl;

/// List endpoints whose rows have no `total_count` but a count endpoint
/// taking the same filters (paging and `order_by` aside).
pub const COUNT_ENDPOINTS: &[(&str, &str)] = &[("/users", "/users/count")];

/// The key both answers carry the count in, read as the one column of a
/// one-object fetch (no catalog object has a column of that name).
pub const TOTAL_COUNT: &str = "total_count";

/// Where the count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountSource {
    /// A count endpoint's `{"object":"total_count","total_count":N}`.
    CountEndpoint,
    /// The `total_count` of a one-row page of the list.
    PageTotal,
}

/// The one request counting a scan's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct CountRequest {
    pub spec: &'static ObjectSpec,
    pub endpoint: &'static Endpoint,
    /// Path relative to `api_url`, placeholders filled.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub source: CountSource,
    /// The path is bound to a parent (`/organizations/org_x/memberships`):
    /// a 404 means the parent does not exist, so no row (as for the scan).
    pub bound: Vec<(&'static str, String)>,
    /// Quals of the scan (all answered exactly).
    quals: usize,
}

/// How a scan's `count(*)` is answered.
#[derive(Debug, Clone, PartialEq)]
pub enum CountPlan {
    /// The conditions match no row: 0, no request.
    Zero,
    /// One request.
    Request(CountRequest),
}

/// The count of the scan `input` describes (its columns, sorts and limit
/// are ignored: `count(*)` needs none), or `None` when one request cannot
/// answer it exactly. Errors are the scan's own (an unknown object, a
/// missing required qual).
pub fn plan_count(input: &ScanInput) -> CoreResult<Option<CountPlan>> {
    let input = ScanInput { columns: Vec::new(), sorts: Vec::new(), limit: None, ..input.clone() };
    let plan = plan_scan(&input)?;
    if !matches!(plan.spec.rows, Rows::Items) || !plan.all_quals_handled() || plan.stop.is_some() {
        return Ok(None);
    }
    let fetch = match &plan.action {
        Action::Empty => return Ok(Some(CountPlan::Zero)),
        Action::Fetch(fetches) => match fetches.as_slice() {
            [one] => one,
            _ => return Ok(None),
        },
    };
    let Some(endpoint) = plan.endpoint else {
        return Ok(None);
    };
    let mut query: Vec<(String, String)> =
        fetch.query.iter().filter(|(k, _)| k != "order_by").cloned().collect();
    let (path, source) = match fetch.shape {
        Shape::Paged { envelope: Envelope::DataTotalCount | Envelope::Keyed(_), .. } => {
            query.push(("limit".into(), "1".into()));
            (fetch.path.clone(), CountSource::PageTotal)
        }
        Shape::Paged { envelope: Envelope::BareArray, .. } => {
            let count_path = COUNT_ENDPOINTS.iter().find(|(list, _)| *list == endpoint.path);
            match count_path {
                // unbound paths only: nothing to fill in
                Some((_, count)) if fetch.path == endpoint.path => (count.to_string(), CountSource::CountEndpoint),
                _ => return Ok(None),
            }
        }
        // One object, or an unpaged list: the scan is one request already.
        Shape::One | Shape::Unpaged { .. } => return Ok(None),
    };
    Ok(Some(CountPlan::Request(CountRequest {
        spec: plan.spec,
        endpoint,
        path,
        query,
        source,
        bound: fetch.bound.clone(),
        quals: input.quals.len(),
    })))
}

impl CountRequest {
    /// The request as a scan plan: one object fetched (404 = no row) whose
    /// only column, `total_count`, is read from the answer's top-level key.
    /// The guest runs it like any scan (same headers, same 429 retries).
    pub fn fetch_plan(&self) -> Plan {
        Plan {
            spec: self.spec,
            endpoint: Some(self.endpoint),
            columns: vec![TargetColumn::new(TOTAL_COUNT, SqlType::I64)],
            action: Action::Fetch(vec![Fetch {
                path: self.path.clone(),
                query: self.query.clone(),
                shape: Shape::One,
                bound: self.bound.clone(),
            }]),
            handled: vec![true; self.quals],
            order_by: None,
            sorts_pushed: true,
            max_rows: None,
            stop: None,
        }
    }

    /// The count from the row [`CountRequest::fetch_plan`] produced (`None`:
    /// the server answered 404).
    pub fn read(&self, row: Option<Vec<Option<Cell>>>) -> CoreResult<u64> {
        match row {
            // a parent that does not exist has no children
            None if !self.bound.is_empty() => Ok(0),
            None => Err(CoreError::HttpStatus { status: 404, excerpt: String::new(), list_request: true }),
            Some(cells) => match cells.as_slice() {
                [Some(Cell::I64(n))] => u64::try_from(*n)
                    .map_err(|_| CoreError::UnexpectedShape { expected: "a total_count of 0 or more", got: "a negative number" }),
                _ => Err(CoreError::UnexpectedShape { expected: "an object with a total_count", got: "an object without one" }),
            },
        }
    }
}

/// The EXPLAIN lines of a pushed `count(*)`: the request (relative to
/// `base`), then what it counts.
pub fn describe(input: &ScanInput, count: &CountPlan, base: &ApiUrl) -> Vec<String> {
    let exact: Vec<String> = input.quals.iter().map(render_qual).collect();
    let exact = if exact.is_empty() { String::new() } else { format!("; exact: {}", exact.join(", ")) };
    match count {
        CountPlan::Zero => vec![
            format!("{REQUEST_LABEL}: none (the conditions match no row)"),
            format!("{PUSHDOWN_LABEL}: count(*) = 0{exact}"),
        ],
        CountPlan::Request(r) => {
            let url = base.url(&r.path, &r.query);
            let relative = url.strip_prefix(base.as_str()).unwrap_or(&url);
            let what = match r.source {
                CountSource::CountEndpoint => "total_count of the count",
                CountSource::PageTotal => "total_count of a one-row page",
            };
            vec![
                format!("{REQUEST_LABEL}: GET {relative}"),
                format!("{PUSHDOWN_LABEL}: count(*) as {what}{exact}"),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::catalog::CATALOG;
    use crate::cell::SqlType;
    use crate::plan::{Limit, Qual, Sort};

    fn input(object: &str, quals: Vec<Qual>) -> ScanInput {
        ScanInput { object: object.into(), quals, ..ScanInput::default() }
    }

    fn s(v: &str) -> Cell {
        Cell::String(v.into())
    }

    fn request(plan: Option<CountPlan>) -> CountRequest {
        match plan {
            Some(CountPlan::Request(r)) => r,
            other => panic!("expected a count request, got {other:?}"),
        }
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn base() -> ApiUrl {
        ApiUrl::parse(Some("https://api.clerk.com/v1")).unwrap()
    }

    #[test]
    fn users_are_counted_by_the_count_endpoint_with_the_same_filters() {
        let r = request(plan_count(&input("users", vec![])).unwrap());
        assert_eq!((r.path.as_str(), r.query.clone(), r.source), ("/users/count", vec![], CountSource::CountEndpoint));
        let r = request(plan_count(&input("users", vec![Qual::cell("banned", "=", Cell::Bool(true))])).unwrap());
        assert_eq!((r.path.as_str(), r.query), ("/users/count", q(&[("banned", "true")])));
        let ids = Qual::any("id", vec![s("user_a"), s("user_b")]);
        let r = request(plan_count(&input("users", vec![ids])).unwrap());
        assert_eq!(r.query, q(&[("user_id", "user_a"), ("user_id", "user_b")]));
    }

    #[test]
    fn lists_with_a_total_count_are_counted_on_a_one_row_page() {
        let r = request(plan_count(&input("organizations", vec![])).unwrap());
        assert_eq!((r.path.as_str(), r.source), ("/organizations", CountSource::PageTotal));
        assert!(r.query.contains(&("limit".into(), "1".into())), "{:?}", r.query);
        assert!(r.bound.is_empty());
        let by_org = Qual::cell("organization_id", "=", s("org_x"));
        let r = request(plan_count(&input("organization_memberships", vec![by_org])).unwrap());
        assert_eq!(r.path, "/organizations/org_x/memberships");
        assert_eq!(r.query, q(&[("limit", "1")]));
        assert_eq!(r.bound, vec![("organization_id", "org_x".to_string())]);
    }

    #[test]
    fn columns_sorts_and_limits_do_not_change_the_count() {
        let mut i = input("organizations", vec![]);
        i.columns = vec![TargetColumn::new("id", SqlType::Text)];
        i.sorts = vec![Sort { field: "created_at".into(), reversed: true, nulls_first: false }];
        i.limit = Some(Limit { count: 3, offset: 1 });
        let r = request(plan_count(&i).unwrap());
        assert!(!r.query.iter().any(|(k, _)| k == "order_by" || k == "offset"), "{:?}", r.query);
        assert_eq!(r.query.iter().filter(|(k, _)| k == "limit").count(), 1);
    }

    #[test]
    fn inexact_quals_are_not_counted_remotely() {
        for qual in [
            Qual::cell("email", "=", s("a@b.c")),
            Qual::cell("username", "~~", s("%ann%")),
            Qual::cell("created_at", ">", Cell::Timestamptz(1_700_000_000_000_000)),
            Qual::cell("updated_at", ">", Cell::Timestamptz(1_700_000_000_000_000)),
            Qual::cell("first_name", "=", s("Ann")),
        ] {
            assert_eq!(plan_count(&input("users", vec![qual.clone()])).unwrap(), None, "{qual:?}");
        }
        let mut param = Qual::cell("banned", "=", Cell::Bool(true));
        param.is_param = true;
        assert_eq!(plan_count(&input("users", vec![param])).unwrap(), None);
    }

    #[test]
    fn child_tables_fan_outs_and_single_objects_are_not_counted_remotely() {
        assert_eq!(plan_count(&input("user_email_addresses", vec![])).unwrap(), None);
        let orgs = Qual::any("organization_id", vec![s("org_a"), s("org_b")]);
        assert_eq!(plan_count(&input("organization_memberships", vec![orgs])).unwrap(), None);
        let by_id = Qual::cell("id", "=", s("user_x"));
        assert_eq!(plan_count(&input("users", vec![by_id])).unwrap(), None);
        // a bare list without a count endpoint
        assert_eq!(plan_count(&input("allowlist_identifiers", vec![])).unwrap(), None);
    }

    #[test]
    fn no_row_needs_no_request_and_errors_are_the_scans() {
        let none = Qual::any("id", vec![]);
        assert_eq!(plan_count(&input("users", vec![none])).unwrap(), Some(CountPlan::Zero));
        assert!(plan_count(&input("no_such_table", vec![])).is_err());
        assert!(plan_count(&input("billing_statement", vec![])).is_err());
    }

    #[test]
    fn the_answer_is_read_from_total_count() {
        let r = request(plan_count(&input("users", vec![])).unwrap());
        let plan = r.fetch_plan();
        assert_eq!(plan.fetches().len(), 1);
        assert_eq!(plan.fetches()[0].shape, Shape::One);
        assert_eq!(plan.columns, vec![TargetColumn::new("total_count", SqlType::I64)]);
        let projection = crate::decode::Projection::new(plan.spec, &plan.columns);
        let answer = serde_json::json!({"object": "total_count", "total_count": 1234});
        let row = projection.row(&answer, None, &[]).unwrap();
        assert_eq!(r.read(Some(row)).unwrap(), 1234);
        let page = serde_json::json!({"data": [{"id": "org_1"}], "total_count": 7});
        assert_eq!(r.read(Some(projection.row(&page, None, &[]).unwrap())).unwrap(), 7);
        assert!(r.read(Some(vec![None])).is_err());
        assert!(r.read(Some(vec![Some(Cell::I64(-1))])).is_err());
        assert!(r.read(None).is_err(), "an unbound count answered 404 is an error");
        let by_org = Qual::cell("organization_id", "=", s("org_gone"));
        let r = request(plan_count(&input("organization_memberships", vec![by_org])).unwrap());
        assert_eq!(r.read(None).unwrap(), 0, "no parent, no children");
    }

    #[test]
    fn no_catalog_object_has_a_total_count_column() {
        for spec in CATALOG {
            assert!(spec.column(TOTAL_COUNT).is_none(), "{}", spec.table);
        }
        for (list, _) in COUNT_ENDPOINTS {
            let served = CATALOG.iter().flat_map(|o| o.endpoints).any(|e| {
                e.path == *list && matches!(e.shape, Shape::Paged { envelope: Envelope::BareArray, .. })
            });
            assert!(served, "{list} is no bare paged list of the catalog");
        }
    }

    #[test]
    fn explain_shows_the_request_and_what_it_counts() {
        let i = input("users", vec![Qual::cell("banned", "=", Cell::Bool(true))]);
        let plan = plan_count(&i).unwrap().unwrap();
        assert_eq!(
            describe(&i, &plan, &base()),
            vec![
                "Clerk Request: GET /users/count?banned=true".to_string(),
                "Clerk Pushdown: count(*) as total_count of the count; exact: banned = true".to_string(),
            ]
        );
        let i = input("organizations", vec![]);
        let plan = plan_count(&i).unwrap().unwrap();
        assert_eq!(
            describe(&i, &plan, &base()),
            vec![
                "Clerk Request: GET /organizations?limit=1".to_string(),
                "Clerk Pushdown: count(*) as total_count of a one-row page".to_string(),
            ]
        );
        let i = input("users", vec![Qual::any("id", vec![])]);
        assert_eq!(describe(&i, &CountPlan::Zero, &base())[0], "Clerk Request: none (the conditions match no row)");
    }
}

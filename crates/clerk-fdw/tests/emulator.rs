//! A Postgres-free harness: the guest's scan logic ([`Scanner`] over
//! [`plan_scan`]) driven against the emulator's router in-process (no
//! sockets, no Postgres), with properties derived from the catalog so that
//! every object added to [`CATALOG`] is covered without touching this file:
//!
//! 1. a full scan returns every object exactly once, at the catalog's page
//!    size and at forced smaller ones (checked against a walk of the
//!    endpoint written here, and against `total_count`);
//! 2. a table whose every endpoint needs a value refuses a scan without it,
//!    and with real parent ids returns rows carrying the values asked for;
//! 3. every pushed filter (and sorted window) returns exactly the matching
//!    rows, or a superset where it is not marked exact, what Postgres'
//!    re-check then narrows: `=`, `IN`, booleans, LIKE, time bounds also on
//!    columns declared `timestamp` and `date`, two conditions at once;
//! 4. a per-parent endpoint (qual routing) returns the rows of the full scan
//!    with that parent, and the requests went to that endpoint;
//! 5. a LIMIT is pushed only when safe, and then yields the first rows of
//!    the same query without it (a property over random seeds).
//!
//! Expected rows always come from the full scan filtered here, as Postgres
//! would; values for quals from real rows. Cases found wrong are listed in
//! [`known_bug`] and [`known_absent`] (each with a `BUG:` comment) and
//! skipped until fixed; the tests print what they covered and skipped
//! (`-- --nocapture`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::Router;
use clerk_core::catalog::{
    Bind, BindTo, Endpoint, Envelope, FilterKind, FilterSpec, ObjectSpec, Rows as RowsOf, Shape,
    CATALOG, MAX_FAN_OUT,
};
use clerk_core::url::encode_component;
use clerk_core::{
    plan_scan, Action, ApiUrl, Cell, CoreError, CoreResult, Limit, Plan, Qual, QualValue,
    ScanInput, Sort, SqlType, TargetColumn,
};
use clerk_fdw::host::{Host, HttpResponse};
use clerk_fdw::scan::{request_headers, Scanner};
use http::{Method, Request};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use serde_json::Value;
use tower::ServiceExt;

const KEY: &str = "sk_test_fdw_emulator_harness";
/// The `api_url` given to every Scanner; [`Emulator::get`] strips it.
const BASE: &str = "http://emulator.test/v1";
/// The e2e suite's instance: 1234 users (three pages of 500) and 57
/// organizations.
const USERS: u32 = 1234;
const ORGS: u32 = 57;
const SEED: u64 = 42;

// ---------------------------------------------------------------------------
// The host: the emulator's router, in-process.

struct Emulator {
    router: Router,
    rt: tokio::runtime::Runtime,
    /// Every URL the Scanner asked for, relative to [`BASE`].
    calls: RefCell<Vec<String>>,
    /// [`walk`]s done, by path and fixed query (child tables share their
    /// parents' walk).
    walks: RefCell<BTreeMap<String, Vec<Value>>>,
}

impl Emulator {
    fn new(users: u32, organizations: u32, seed: u64) -> Emulator {
        let config = clerk_emulator::Config::new(KEY, users, organizations).with_seed(seed);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Emulator {
            router: clerk_emulator::app(config),
            rt,
            calls: RefCell::new(Vec::new()),
            walks: RefCell::new(BTreeMap::new()),
        }
    }

    fn send(&self, uri: &str, headers: &[(String, String)]) -> Result<HttpResponse, String> {
        let mut request = Request::builder().method(Method::GET).uri(uri);
        for (k, v) in headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let request = request.body(Body::empty()).map_err(|e| e.to_string())?;
        self.rt.block_on(async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        v.to_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .map_err(|e| e.to_string())?;
            let body = String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())?;
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }

    /// A GET made by the test itself (not through the Scanner), relative to
    /// `/v1`; must answer 200 with JSON.
    fn get_json(&self, path_and_query: &str) -> Value {
        let r = self
            .send(&format!("/v1{path_and_query}"), &request_headers(KEY))
            .unwrap();
        assert_eq!(r.status, 200, "GET {path_and_query}: {}", r.body);
        serde_json::from_str(&r.body).unwrap()
    }

    fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.borrow_mut())
    }
}

impl Host for Emulator {
    fn get(&self, url: &str, headers: &[(String, String)]) -> Result<HttpResponse, String> {
        let rest = url
            .strip_prefix(BASE)
            .ok_or_else(|| format!("{url} is not under {BASE}"))?;
        self.calls.borrow_mut().push(rest.to_string());
        self.send(&format!("/v1{rest}"), headers)
    }
    fn epoch_secs(&self) -> i64 {
        0
    }
    fn sleep_ms(&self, _ms: u64) {}
    fn add_bytes_in(&self, _bytes: i64) {}
}

// ---------------------------------------------------------------------------
// Rows and quals, evaluated here as Postgres would.

type Row = Vec<Option<Cell>>;

#[derive(Debug, Clone)]
struct Rows {
    columns: Vec<String>,
    rows: Vec<Row>,
}

impl Rows {
    fn index(&self, column: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("no column {column}"))
    }

    fn values<'a>(&'a self, column: &str) -> impl Iterator<Item = &'a Option<Cell>> + 'a {
        let i = self.index(column);
        self.rows.iter().map(move |r| &r[i])
    }

    /// The `id` of every row, in order (the whole row for a table
    /// without one).
    fn ids(&self) -> Vec<String> {
        if !self.columns.iter().any(|c| c == "id") {
            return self.rows.iter().map(|r| format!("{r:?}")).collect();
        }
        self.values("id")
            .map(|c| text(c).unwrap_or("<null>").to_string())
            .collect()
    }

    /// The rows satisfying every qual (Postgres' re-check).
    fn filtered(&self, quals: &[Qual]) -> Rows {
        let idx: Vec<usize> = quals.iter().map(|q| self.index(&q.field)).collect();
        Rows {
            columns: self.columns.clone(),
            rows: self
                .rows
                .iter()
                .filter(|r| quals.iter().zip(&idx).all(|(q, i)| satisfies(q, &r[*i])))
                .cloned()
                .collect(),
        }
    }

    /// The rows as a sorted multiset, for set comparisons, leaving out
    /// some columns.
    fn keys_without(&self, skip: &[String]) -> Vec<String> {
        let keep: Vec<usize> = (0..self.columns.len())
            .filter(|i| !skip.contains(&self.columns[*i]))
            .collect();
        let mut keys: Vec<String> = self
            .rows
            .iter()
            .map(|r| format!("{:?}", keep.iter().map(|i| &r[*i]).collect::<Vec<_>>()))
            .collect();
        keys.sort();
        keys
    }

    /// Columns NULL in every row here but not in `other`: fields the
    /// endpoint behind these rows does not return (its schema lacks them).
    fn absent_against(&self, other: &Rows) -> Vec<String> {
        if self.rows.is_empty() {
            return vec![];
        }
        self.columns
            .iter()
            .filter(|c| self.values(c).all(Option::is_none) && other.values(c).any(Option::is_some))
            .cloned()
            .collect()
    }

    fn len(&self) -> usize {
        self.rows.len()
    }
}

fn text(c: &Option<Cell>) -> Option<&str> {
    c.as_ref().and_then(Cell::as_text)
}

/// A time cell as microseconds since the epoch (a date: its midnight).
fn micros(c: &Cell) -> Option<i64> {
    match c {
        Cell::Timestamptz(us) | Cell::Timestamp(us) => Some(*us),
        Cell::Date(secs) => Some(secs * 1_000_000),
        _ => None,
    }
}

/// `value <op> qual` with SQL semantics (NULL satisfies nothing).
fn satisfies(q: &Qual, value: &Option<Cell>) -> bool {
    let Some(v) = value else { return false };
    match (&q.value, q.operator.as_str()) {
        (QualValue::Cell(c), "=" | "is") => v == c,
        (QualValue::Cell(Cell::String(pattern)), op @ ("~~" | "~~*")) => {
            let fold = |s: &str| {
                if op == "~~*" {
                    s.to_lowercase()
                } else {
                    s.to_string()
                }
            };
            let Cell::String(value) = v else {
                panic!("{v:?} LIKE")
            };
            like(
                &fold(value).chars().collect::<Vec<_>>(),
                &fold(pattern).chars().collect::<Vec<_>>(),
            )
        }
        (QualValue::Array(cells), "=") if q.use_or => cells.contains(v),
        (QualValue::Cell(c), op) => {
            let (Some(a), Some(b)) = (micros(v), micros(c)) else {
                panic!("cannot compare {v:?} {op} {c:?}")
            };
            match op {
                "<" => a < b,
                "<=" => a <= b,
                ">" => a > b,
                ">=" => a >= b,
                _ => panic!("operator {op}"),
            }
        }
        other => panic!("qual {other:?}"),
    }
}

/// SQL `LIKE` without escapes: `%` any run, `_` one character.
fn like(value: &[char], pattern: &[char]) -> bool {
    match pattern.split_first() {
        None => value.is_empty(),
        Some(('%', rest)) => (0..=value.len()).any(|i| like(&value[i..], rest)),
        Some(('_', rest)) => !value.is_empty() && like(&value[1..], rest),
        Some((c, rest)) => value.first() == Some(c) && like(&value[1..], rest),
    }
}

fn show(quals: &[Qual]) -> String {
    quals
        .iter()
        .map(|q| {
            let v = match &q.value {
                QualValue::Cell(c) => format!("{c:?}"),
                QualValue::Array(cs) => format!("IN {cs:?}"),
            };
            format!("{} {} {v}", q.field, q.operator)
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

fn string(s: &str) -> Cell {
    Cell::String(s.to_string())
}

// ---------------------------------------------------------------------------
// Planning and scanning.

fn all_columns(spec: &ObjectSpec) -> Vec<TargetColumn> {
    spec.columns
        .iter()
        .map(|c| TargetColumn::new(c.name, c.ty.into()))
        .collect()
}

/// `id` (where the table has one) and `attrs`.
fn id_and_attrs(spec: &ObjectSpec) -> Vec<TargetColumn> {
    ["id", "attrs"]
        .iter()
        .filter(|n| **n == "attrs" || spec.column(n).is_some())
        .map(|n| {
            TargetColumn::new(
                *n,
                spec.column(n)
                    .unwrap_or_else(|| panic!("{} lacks {n}", spec.table))
                    .ty
                    .into(),
            )
        })
        .collect()
}

fn plan(
    spec: &ObjectSpec,
    columns: Vec<TargetColumn>,
    quals: Vec<Qual>,
    sorts: Vec<Sort>,
    limit: Option<Limit>,
) -> CoreResult<Plan> {
    plan_scan(&ScanInput {
        object: spec.table.into(),
        columns,
        quals,
        sorts,
        limit,
        push_params: false,
    })
}

/// Forces the page size of every paged request of the plan (at most the
/// catalog's), so small lists need several pages too.
fn with_page_size(mut plan: Plan, size: Option<u32>) -> Plan {
    let Some(size) = size else { return plan };
    if let Action::Fetch(fetches) = &mut plan.action {
        for f in fetches {
            if let Shape::Paged {
                envelope,
                page_size_max,
            } = f.shape
            {
                f.shape = Shape::Paged {
                    envelope,
                    page_size_max: size.clamp(1, page_size_max),
                };
            }
        }
    }
    plan
}

/// A page size giving at least three pages for `n` rows.
fn third(n: usize) -> Option<u32> {
    Some(u32::try_from(n.div_ceil(3).max(1)).unwrap())
}

fn run(emu: &Emulator, plan: Plan) -> CoreResult<Rows> {
    let columns = plan.columns.iter().map(|c| c.name.clone()).collect();
    let mut scanner = Scanner::new(plan, ApiUrl::parse(Some(BASE)).unwrap(), KEY);
    let mut rows = Vec::new();
    while let Some(row) = scanner.next_row(emu)? {
        rows.push(row);
    }
    Ok(Rows { columns, rows })
}

/// Every catalog column, `column` declared as `ty` instead.
fn columns_with(spec: &ObjectSpec, column: &str, ty: SqlType) -> Vec<TargetColumn> {
    let mut cols = all_columns(spec);
    for c in &mut cols {
        if c.name == column {
            c.ty = ty.clone();
        }
    }
    cols
}

/// Plans and scans, pages of `page` rows.
fn scan(
    emu: &Emulator,
    spec: &ObjectSpec,
    columns: &[TargetColumn],
    quals: &[Qual],
    page: Option<u32>,
) -> (Plan, Rows) {
    let p = plan(spec, columns.to_vec(), quals.to_vec(), vec![], None)
        .unwrap_or_else(|e| panic!("{} where {}: plan: {e}", spec.table, show(quals)));
    let rows = run(emu, with_page_size(p.clone(), page))
        .unwrap_or_else(|e| panic!("{} where {}: scan: {e}", spec.table, show(quals)));
    (p, rows)
}

// ---------------------------------------------------------------------------
// Ground truth, fetched without the pager.

/// One page of an unbound list endpoint (`limit` None: an unpaged one,
/// all of it), and the envelope's total.
fn page_of(
    emu: &Emulator,
    table: &str,
    ep: &Endpoint,
    limit: Option<usize>,
    offset: usize,
) -> (Vec<Value>, Option<u64>) {
    let fixed: String = ep
        .fixed_query
        .iter()
        .map(|(k, v)| format!("&{k}={v}"))
        .collect();
    let envelope = match ep.shape {
        Shape::Paged { envelope, .. } | Shape::Unpaged { envelope } => envelope,
        // A singleton (one object, no binds).
        Shape::One => {
            return (
                vec![emu.get_json(&format!("{}{}", ep.path, fixed.replacen('&', "?", 1)))],
                None,
            )
        }
    };
    let query = match (ep.shape, limit) {
        (Shape::Paged { .. }, Some(limit)) => format!("?limit={limit}&offset={offset}{fixed}"),
        _ => fixed.replacen('&', "?", 1),
    };
    let body = emu.get_json(&format!("{}{query}", ep.path));
    let (batch, total) = match envelope {
        Envelope::BareArray => (body.as_array().cloned(), None),
        Envelope::DataTotalCount => (
            body["data"].as_array().cloned(),
            body["total_count"].as_u64(),
        ),
        Envelope::Keyed(k) => (body[k].as_array().cloned(), body["total_count"].as_u64()),
    };
    (
        batch.unwrap_or_else(|| panic!("{table}: unexpected body {body}")),
        total,
    )
}

/// Every row of a table from its unbound endpoint, walked with the largest
/// page the catalog allows (checking `total_count` where the envelope has
/// one): its objects, or for a child table the children of every object.
fn ground_truth(emu: &Emulator, spec: &ObjectSpec) -> Vec<Value> {
    let ep = spec
        .unbound_endpoint()
        .unwrap_or_else(|| panic!("{}: no unbound endpoint", spec.table));
    let items = walk(emu, spec.table, ep);
    match spec.rows {
        RowsOf::Items => items,
        RowsOf::Nested { key } => items
            .into_iter()
            .flat_map(|mut i| match i.get_mut(key).map(Value::take) {
                Some(Value::Array(children)) => children,
                _ => Vec::new(),
            })
            .collect(),
    }
}

/// Every object of an unbound endpoint (walked once per emulator).
fn walk(emu: &Emulator, table: &str, ep: &Endpoint) -> Vec<Value> {
    let key = format!("{}?{:?}", ep.path, ep.fixed_query);
    if let Some(items) = emu.walks.borrow().get(&key) {
        return items.clone();
    }
    let items = walk_uncached(emu, table, ep);
    emu.walks.borrow_mut().insert(key, items.clone());
    items
}

fn walk_uncached(emu: &Emulator, table: &str, ep: &Endpoint) -> Vec<Value> {
    let Shape::Paged { page_size_max, .. } = ep.shape else {
        return page_of(emu, table, ep, None, 0).0;
    };
    let limit = page_size_max as usize;
    let mut items: Vec<Value> = Vec::new();
    let mut total: Option<u64> = None;
    loop {
        let (batch, t) = page_of(emu, table, ep, Some(limit), items.len());
        total = t.or(total);
        let short = batch.len() < limit;
        items.extend(batch);
        if short {
            break;
        }
    }
    if let Some(total) = total {
        assert_eq!(
            total,
            items.len() as u64,
            "{table}: total_count vs items walked"
        );
    }
    items
}

/// An item's `id`, or the whole item for an object without one.
fn item_key(item: &Value) -> String {
    item.get("id")
        .and_then(Value::as_str)
        .map_or_else(|| item.to_string(), str::to_string)
}

fn item_id(table: &str, item: &Value) -> String {
    item["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{table}: item without id: {item}"))
        .to_string()
}

/// One value per bind of an endpoint, in the endpoint's bind order.
type Tuple = Vec<String>;

/// Where the values of an endpoint's binds come from.
struct Parent {
    /// The table they were read from.
    table: &'static str,
    /// The parent is the object itself (`billing_statement` by
    /// `statement_id`): its items by id, to compare with.
    same_object: Option<BTreeMap<String, Value>>,
    tuples: Vec<Tuple>,
}

/// Real values for the binds of an endpoint of a table that has no unbound
/// endpoint, from the first rule that finds some:
/// - rows of the table found so far (`own`) holding every bound column
///   (`api_keys` by `id`, `templates` by type and slug);
/// - for one bind, the ids of the listable table whose ids have the bind
///   example's prefix (`user_...`: users), or whose noun ends with the
///   column's stem (`statement_id`: billing statements);
/// - a listable table whose rows hold every bound column
///   (`oauth_access_tokens` by `user_id` and `provider`: the users'
///   external accounts);
/// - with `examples`, the binds' examples where they are values
///   (`template_type` 'email').
fn parent_of(
    emu: &Emulator,
    spec: &ObjectSpec,
    ep: &Endpoint,
    own: Option<&Rows>,
    examples: bool,
) -> Option<Parent> {
    let has_all = |columns: &mut dyn Iterator<Item = &str>| {
        let columns: Vec<&str> = columns.collect();
        ep.binds.iter().all(|b| columns.contains(&b.column))
    };
    if let Some(own) = own.filter(|r| has_all(&mut r.columns.iter().map(String::as_str))) {
        let tuples = bind_tuples(own, ep);
        if !tuples.is_empty() {
            return Some(Parent {
                table: spec.table,
                same_object: None,
                tuples,
            });
        }
    }
    // Listable tables; those whose rows are the API's objects for ids.
    let listable = || {
        CATALOG.iter().filter(|s| {
            s.table != spec.table
                && s.unbound_endpoint()
                    .is_some_and(|e| !matches!(e.shape, Shape::One))
        })
    };
    let items = || listable().filter(|s| s.rows == RowsOf::Items);
    if let [bind] = ep.binds {
        let prefix = bind
            .example
            .strip_suffix("...")
            .filter(|p| p.ends_with('_'));
        let by_prefix = prefix.and_then(|prefix| {
            items().find(|s| {
                let (first, _) = page_of(emu, s.table, s.unbound_endpoint().unwrap(), Some(5), 0);
                !first.is_empty() && first.iter().all(|i| item_key(i).starts_with(prefix))
            })
        });
        let by_stem = || {
            let stem = bind.column.strip_suffix("_id")?;
            items().find(|s| s.noun.rsplit(' ').next() == Some(stem))
        };
        if let Some(parent) = by_prefix.or_else(by_stem) {
            let truth = ground_truth(emu, parent);
            let tuples = truth
                .iter()
                .map(|i| vec![item_id(parent.table, i)])
                .collect();
            let same_object = (parent.noun == spec.noun).then(|| {
                truth
                    .into_iter()
                    .map(|i| (item_id(parent.table, &i), i))
                    .collect()
            });
            return Some(Parent {
                table: parent.table,
                same_object,
                tuples,
            });
        }
    }
    // (Not for the table's own id: another table's `id` is another object's.)
    let own_id = ep
        .binds
        .iter()
        .any(|b| Some(b.column) == spec.rowid || b.column == "id");
    let holder = listable()
        .filter(|s| !own_id && has_all(&mut s.columns.iter().map(|c| c.name)))
        .find_map(|s| {
            let tuples = bind_tuples(&reference(emu, s).unwrap(), ep);
            (!tuples.is_empty()).then_some((s, tuples))
        });
    if let Some((holder, tuples)) = holder {
        return Some(Parent {
            table: holder.table,
            same_object: None,
            tuples,
        });
    }
    // Sign-ups have no list: the emulator derives a sign-up's id from its
    // user's (`sua_` for `user_`, every fourth user), so some ids come from
    // users and the others are the 404 case.
    if spec.table == "sign_ups" {
        let users = CATALOG.iter().find(|s| s.table == "users")?;
        let (_, rows) = scan(emu, users, &[TargetColumn::new("id", SqlType::Text)], &[], None);
        let tuples: Vec<Tuple> = rows
            .values("id")
            .filter_map(|v| text(v).and_then(|id| id.strip_prefix("user_")).map(|rest| vec![format!("sua_{rest}")]))
            .take(40)
            .collect();
        return Some(Parent { table: "users (sua_ for user_)", same_object: None, tuples });
    }
    if examples && ep.binds.iter().all(|b| !b.example.ends_with("...")) {
        let tuple = ep.binds.iter().map(|b| b.example.to_string()).collect();
        return Some(Parent {
            table: "(the binds' examples)",
            same_object: None,
            tuples: vec![tuple],
        });
    }
    None
}

/// Tuples of `parent` that have rows, with their rows: scans with up to 60
/// tuples spread over them, until `enough` are found.
fn values_with_rows(
    emu: &Emulator,
    spec: &ObjectSpec,
    ep: &Endpoint,
    parent: &Parent,
    enough: usize,
) -> Vec<(Tuple, Rows)> {
    let mut out = Vec::new();
    for t in spread(&parent.tuples, 60) {
        let rows = scan(emu, spec, &all_columns(spec), &bind_quals(ep, &t), None).1;
        if rows.len() > 0 {
            out.push((t, rows));
            if out.len() >= enough {
                break;
            }
        }
    }
    out
}

/// Whether request `url` (relative to the base) is one `ep` makes for the
/// bind values `tuple`: its path, and for query binds their parameters.
fn is_request_for(url: &str, ep: &Endpoint, tuple: &[String]) -> bool {
    let pairs: Vec<(&Bind, &str)> = ep
        .binds
        .iter()
        .zip(tuple)
        .map(|(b, v)| (b, v.as_str()))
        .collect();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    path == path_for(ep, &pairs)
        && pairs.iter().all(|(b, v)| match b.to {
            BindTo::Path(_) => true,
            BindTo::Query(k) => query
                .split('&')
                .any(|kv| kv == format!("{}={}", encode_component(k), encode_component(v))),
        })
}

/// Every tuple of bind values `quals` (one per bind, `=` or `IN`) asks for.
fn tuples_of(ep: &Endpoint, quals: &[Qual]) -> Vec<Tuple> {
    let mut out: Vec<Tuple> = vec![vec![]];
    for b in ep.binds {
        let q = quals
            .iter()
            .find(|q| q.field == b.column)
            .expect("a qual per bind");
        let values: Vec<String> = match &q.value {
            QualValue::Cell(c) => vec![c.as_text().unwrap().to_string()],
            QualValue::Array(cs) => cs
                .iter()
                .map(|c| c.as_text().unwrap().to_string())
                .collect(),
        };
        out = out
            .into_iter()
            .flat_map(|t| {
                values
                    .iter()
                    .map(move |v| [t.clone(), vec![v.clone()]].concat())
            })
            .collect();
    }
    out.sort();
    out.dedup();
    out
}

/// Up to `n` elements spread over `v`.
fn spread<T: Clone>(v: &[T], n: usize) -> Vec<T> {
    if v.len() <= n {
        return v.to_vec();
    }
    (0..n)
        .map(|i| v[i * (v.len() - 1) / (n - 1).max(1)].clone())
        .collect()
}

fn distinct_texts(rows: &Rows, column: &str) -> Vec<String> {
    let set: BTreeSet<String> = rows
        .values(column)
        .filter_map(|c| text(c).map(str::to_string))
        .collect();
    set.into_iter().collect()
}

// ---------------------------------------------------------------------------
// The check every pushed qual goes through.

/// Columns an endpoint does not return although the table's unbound
/// endpoint does, each a bug described at its `BUG:` line: left out of the
/// comparison of rows (with `attrs`) until fixed.
fn known_absent(table: &str, endpoint: &str, column: &str) -> bool {
    // Documented, not a bug: `attrs` is the object the endpoint answers, and
    // `GET /organizations/{organization_id}/invitations` (Clerk's
    // `OrganizationInvitation`) lacks the `public_organization_data` that
    // `GET /organization_invitations` carries; no typed column reads it.
    (table, endpoint) == ("organization_invitations", "/organizations/{organization_id}/invitations")
        && matches!(column, "public_organization_data" | "attrs")
}

/// What [`check_pushdown`] saw.
struct Checked {
    plan: Plan,
    calls: Vec<String>,
    /// Columns the chosen endpoint does not return although the full scan
    /// does, known bugs (left out of the comparison, with `attrs`).
    absent: Vec<String>,
}

/// Plans `quals`, scans in small pages (about three pages of the expected
/// rows, or of `unfiltered` rows, what the table holds without the quals,
/// when the API may answer a superset) and checks: rows whose quals the plan
/// calls handled satisfy them as returned; after the local re-check, the
/// rows equal `expected` (except for columns [`known_absent`] excuses).
fn check_pushdown(
    emu: &Emulator,
    spec: &ObjectSpec,
    columns: &[TargetColumn],
    quals: &[Qual],
    expected: &Rows,
    unfiltered: usize,
) -> Checked {
    emu.take_calls();
    let planned = plan(spec, columns.to_vec(), quals.to_vec(), vec![], None)
        .unwrap_or_else(|e| panic!("{} where {}: plan: {e}", spec.table, show(quals)));
    let fetched = if planned.all_quals_handled() {
        expected.len()
    } else {
        unfiltered.max(expected.len())
    };
    let (plan, got) = scan(emu, spec, columns, quals, third(fetched));
    let calls = emu.take_calls();
    let types: Vec<String> = columns
        .iter()
        .filter(|c| {
            spec.column(&c.name)
                .is_none_or(|s| SqlType::from(s.ty) != c.ty)
        })
        .map(|c| format!("{} {}", c.name, c.ty.sql_name()))
        .collect();
    let what = format!(
        "{} ({}) where {} (sent {calls:?})",
        spec.table,
        types.join(", "),
        show(quals)
    );
    for (i, q) in quals.iter().enumerate() {
        if plan.handled[i] {
            let col = got.index(&q.field);
            let bad: Vec<String> = got
                .rows
                .iter()
                .filter(|r| !satisfies(q, &r[col]))
                .map(|r| format!("{:?}={:?}", r[got.index("id")], r[col]))
                .take(3)
                .collect();
            assert!(
                bad.is_empty(),
                "{what}: qual {} is handled but rows violate it: {bad:?}",
                show(std::slice::from_ref(q))
            );
        }
    }
    let rechecked = got.filtered(quals);
    let endpoint = plan.endpoint.map_or("", |e| e.path);
    let absent: Vec<String> = rechecked
        .absent_against(expected)
        .into_iter()
        .filter(|c| known_absent(spec.table, endpoint, c))
        .collect();
    let mut skip = absent.clone();
    if !skip.is_empty() || known_absent(spec.table, endpoint, "attrs") {
        skip.push("attrs".to_string());
    }
    if rechecked.keys_without(&skip) != expected.keys_without(&skip) {
        let got_ids: BTreeSet<String> = rechecked.ids().into_iter().collect();
        let want_ids: BTreeSet<String> = expected.ids().into_iter().collect();
        panic!(
            "{what}: {} rows after re-check, {} expected; missing {:?}, extra {:?}; differing columns {:?}",
            rechecked.len(),
            expected.len(),
            want_ids.difference(&got_ids).take(5).collect::<Vec<_>>(),
            got_ids.difference(&want_ids).take(5).collect::<Vec<_>>(),
            differing_columns(&rechecked, expected),
        );
    }
    Checked {
        plan,
        calls,
        absent,
    }
}

/// For rows present in both (by id): the first few columns whose values
/// differ, with both values.
fn differing_columns(got: &Rows, want: &Rows) -> Vec<String> {
    let want_by_id: BTreeMap<String, &Row> = want.ids().into_iter().zip(&want.rows).collect();
    let mut out = Vec::new();
    for (id, row) in got.ids().into_iter().zip(&got.rows) {
        let Some(w) = want_by_id.get(&id) else {
            continue;
        };
        for (i, c) in got.columns.iter().enumerate() {
            if row[i] != w[i] {
                out.push(format!("{id}.{c}: got {:?}, full scan {:?}", row[i], w[i]));
            }
        }
        if out.len() >= 3 {
            break;
        }
    }
    out
}

/// Conditions on a text column from the values of real rows: `=` one,
/// `IN` with a repeated value, two quals at once; for `signed` ids a value with Clerk's exclude prefix; with
/// `like`, `LIKE` and `ILIKE` patterns too.
fn text_quals(column: &'static str, rows: &Rows, signed: bool, like: bool) -> Vec<Vec<Qual>> {
    let values = distinct_texts(rows, column);
    let mut out = Vec::new();
    let Some(mid) = values.get(values.len() / 2) else {
        return out;
    };
    out.push(vec![Qual::cell(column, "=", string(mid))]);
    // `-x` means "all but x" to Clerk: never sent either.
    if signed {
        out.push(vec![Qual::any(
            column,
            vec![string(&format!("-{mid}")), string(&values[0])],
        )]);
    }
    if values.len() >= 2 {
        // With a value repeated: IN still returns each row once.
        let mut list: Vec<Cell> = spread(&values, 3).iter().map(|v| string(v)).collect();
        list.push(list[0].clone());
        out.push(vec![Qual::any(column, list)]);
        // Two quals on one parameter: both hold (AND), not either.
        out.push(vec![
            Qual::any(
                column,
                spread(&values, 3).iter().map(|v| string(v)).collect(),
            ),
            Qual::cell(column, "=", string(&values[0])),
        ]);
    }
    if like {
        // A middle part of the value, as `%part%`, and in upper case with
        // ILIKE; a pattern of wildcards only.
        let chars: Vec<char> = mid.chars().collect();
        let part: String = chars[chars.len() / 4
            ..(chars.len() * 3 / 4)
                .max(chars.len() / 4 + 1)
                .min(chars.len())]
            .iter()
            .collect();
        out.push(vec![Qual::cell(column, "~~", string(&format!("%{part}%")))]);
        out.push(vec![Qual::cell(
            column,
            "~~*",
            string(&format!("%{}%", part.to_uppercase())),
        )]);
        out.push(vec![Qual::cell(
            column,
            "~~",
            string(&format!(
                "{}_%",
                chars.first().map_or(String::new(), char::to_string)
            )),
        )]);
        out.push(vec![Qual::cell(column, "~~", string("%"))]);
    }
    out
}

/// The conditions a filter rule is tested with (each a list of quals
/// ANDed), from the values of real rows.
fn quals_for(filter: &FilterSpec, rows: &Rows) -> Vec<Vec<Qual>> {
    let column = filter.column;
    match filter.kind {
        FilterKind::Equals { signed_ids, .. } => text_quals(column, rows, signed_ids, false),
        FilterKind::Search => text_quals(column, rows, false, false),
        FilterKind::Boolean => [("=", true), ("=", false), ("is", true), ("is", false)]
            .iter()
            .map(|(op, b)| vec![Qual::cell(column, op, Cell::Bool(*b))])
            .collect(),
        FilterKind::TimeRange { .. } => {
            // The bound: a middle row's value, as the column is declared;
            // for the catalog's timestamptz also one microsecond either
            // side of it, and windows.
            let mut times: Vec<(i64, Cell)> = rows
                .values(column)
                .filter_map(|c| c.as_ref().and_then(|c| Some((micros(c)?, c.clone()))))
                .collect();
            times.sort_by_key(|(us, _)| *us);
            let Some((_, mid)) = times.get(times.len() / 2) else {
                return vec![];
            };
            let bounds = match mid {
                Cell::Timestamptz(us) => vec![
                    Cell::Timestamptz(*us),
                    Cell::Timestamptz(us - 1),
                    Cell::Timestamptz(us + 1),
                ],
                other => vec![other.clone()],
            };
            let variants = bounds.len() > 1;
            let mut out: Vec<Vec<Qual>> = bounds
                .iter()
                .flat_map(|b| {
                    ["<", "<=", ">", ">="]
                        .iter()
                        .map(move |op| vec![Qual::cell(column, op, b.clone())])
                })
                .collect();
            if !variants {
                return out;
            }
            // A window, and two lower bounds (only one can be sent).
            let (lo, hi) = (
                times[times.len() / 3].1.clone(),
                times[times.len() * 2 / 3].1.clone(),
            );
            out.push(vec![
                Qual::cell(column, ">=", lo.clone()),
                Qual::cell(column, "<", hi.clone()),
            ]);
            out.push(vec![
                Qual::cell(column, ">", lo.clone()),
                Qual::cell(column, ">", hi.clone()),
            ]);
            out.push(vec![
                Qual::cell(column, ">", hi),
                Qual::cell(column, ">", lo),
            ]);
            out
        }
        FilterKind::Contains => text_quals(column, rows, false, true),
        // A kind added since: the text conditions, LIKE patterns included.
        #[allow(unreachable_patterns)]
        _ => text_quals(column, rows, false, true),
    }
}

/// The qual binding `bind` to `values` (`=` for one, `IN` for several).
fn bind_qual(bind: &Bind, values: &[String]) -> Qual {
    match values {
        [one] => Qual::cell(bind.column, "=", string(one)),
        many => Qual::any(bind.column, many.iter().map(|v| string(v)).collect()),
    }
}

/// `column = v` for each bind of `ep` and its value in `tuple`.
fn bind_quals(ep: &Endpoint, tuple: &[String]) -> Vec<Qual> {
    ep.binds
        .iter()
        .zip(tuple)
        .map(|(b, v)| Qual::cell(b.column, "=", string(v)))
        .collect()
}

/// The distinct tuples of `ep`'s bound columns in `rows`, the most frequent
/// first.
fn bind_tuples(rows: &Rows, ep: &Endpoint) -> Vec<Tuple> {
    let idx: Vec<usize> = ep.binds.iter().map(|b| rows.index(b.column)).collect();
    let mut counts: BTreeMap<Tuple, usize> = BTreeMap::new();
    for r in &rows.rows {
        let tuple: Option<Tuple> = idx
            .iter()
            .map(|i| text(&r[*i]).map(str::to_string))
            .collect();
        if let Some(t) = tuple.filter(|t| t.iter().all(|v| !v.is_empty())) {
            *counts.entry(t).or_default() += 1;
        }
    }
    let mut by_count: Vec<(Tuple, usize)> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    by_count.into_iter().map(|(t, _)| t).collect()
}

/// The first of `ranked` (the one with the most rows), then a few spread
/// over the rest.
fn pick(ranked: &[Tuple]) -> Vec<Tuple> {
    let mut out: Vec<Tuple> = ranked.first().cloned().into_iter().collect();
    for t in spread(ranked, 4) {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

fn path_for(ep: &Endpoint, values: &[(&Bind, &str)]) -> String {
    let mut path = ep.path.to_string();
    for (b, v) in values {
        if let BindTo::Path(p) = b.to {
            path = path.replace(&format!("{{{p}}}"), &encode_component(v));
        }
    }
    path
}

// ---------------------------------------------------------------------------
// Property 1.

#[test]
fn full_scan_returns_every_object_once() {
    let emu = Emulator::new(USERS, ORGS, SEED);
    let mut covered = Vec::new();
    for spec in CATALOG {
        let Some(ep) = spec.unbound_endpoint() else {
            continue;
        };
        let truth = ground_truth(&emu, spec);
        let by_id: BTreeMap<String, &Value> = truth.iter().map(|i| (item_key(i), i)).collect();
        assert_eq!(
            by_id.len(),
            truth.len(),
            "{}: the emulator itself repeats ids",
            spec.table
        );
        let n = truth.len();
        // The catalog's page size; a third of the rows; for a small list a
        // size dividing the count exactly (the last page is full). A child
        // table pages through its parents: the parent table covers that.
        let mut sizes = vec![None, third(n)];
        if n <= 500 {
            sizes.extend(
                (n.div_ceil(50).max(2)..=n / 3)
                    .rev()
                    .find(|d| n.is_multiple_of(*d))
                    .map(|d| Some(u32::try_from(d).unwrap())),
            );
        }
        sizes.dedup();
        if !matches!(ep.shape, Shape::Paged { .. }) || spec.rows != RowsOf::Items {
            sizes.truncate(1);
        }
        for size in sizes {
            let p = plan(spec, id_and_attrs(spec), vec![], vec![], None).unwrap();
            assert_eq!(
                p.endpoint,
                Some(ep),
                "{}: an unqualified scan uses the unbound endpoint",
                spec.table
            );
            emu.take_calls();
            let rows = run(&emu, with_page_size(p, size))
                .unwrap_or_else(|e| panic!("{} (page {size:?}): {e}", spec.table));
            let calls = emu.take_calls();
            let attrs_at = rows.index("attrs");
            let attrs: Vec<Value> = rows
                .rows
                .iter()
                .map(|r| match &r[attrs_at] {
                    Some(Cell::Json(s)) => serde_json::from_str(s).unwrap(),
                    other => panic!("{}: attrs {other:?}", spec.table),
                })
                .collect();
            let ids: Vec<String> = attrs.iter().map(item_key).collect();
            if rows.columns.iter().any(|c| c == "id") {
                assert_eq!(
                    ids,
                    rows.ids(),
                    "{}: the id column is the object's id",
                    spec.table
                );
            }
            let unique: BTreeSet<&String> = ids.iter().collect();
            assert_eq!(
                unique.len(),
                ids.len(),
                "{} (page {size:?}): duplicate ids",
                spec.table
            );
            assert_eq!(
                ids.len(),
                n,
                "{} (page {size:?}): {} rows, the emulator holds {n}",
                spec.table,
                ids.len()
            );
            for (attrs, id) in attrs.iter().zip(&ids) {
                let mut want: Value = Value::clone(
                    by_id
                        .get(id)
                        .unwrap_or_else(|| panic!("{}: row {id} is not in the emulator", spec.table)),
                );
                // Credentials never reach attrs.
                if let Some(map) = want.as_object_mut() {
                    for k in spec.hidden {
                        map.remove(*k);
                    }
                }
                assert_eq!(attrs, &want, "{}: attrs of {id}", spec.table);
            }
            if let (Some(size), true) = (size, n >= 3) {
                assert!(
                    calls.len() >= 3,
                    "{} (page {size}): {} requests for {n} rows",
                    spec.table,
                    calls.len()
                );
            }
            covered.push(format!("{}:{n}@{size:?}/{}req", spec.table, calls.len()));
        }
    }
    eprintln!("full scans: {}", covered.join(" "));
    for table in ["users", "organizations", "organization_memberships"] {
        assert!(
            covered.iter().any(|c| c.starts_with(&format!("{table}:"))),
            "{table} not covered"
        );
    }
}

// ---------------------------------------------------------------------------
// Property 2.

#[test]
fn bound_tables_need_their_qual_and_fill_the_bound_column() {
    let emu = Emulator::new(USERS, ORGS, SEED);
    let mut covered = Vec::new();
    for spec in CATALOG.iter().filter(|s| s.unbound_endpoint().is_none()) {
        match plan(spec, all_columns(spec), vec![], vec![], None) {
            Err(CoreError::MissingQual {
                table,
                columns,
                example,
            }) => {
                assert_eq!(table, spec.table);
                assert!(
                    !columns.is_empty() && !example.is_empty(),
                    "{table}: {columns:?} {example:?}"
                );
            }
            other => panic!("{}: a scan without quals gave {other:?}", spec.table),
        }
        // Endpoints whose values come from elsewhere first, then those bound
        // by columns of rows found so far; the binds' examples last.
        let mut own: Option<Rows> = None;
        let mut pending: Vec<&Endpoint> = spec.endpoints.iter().map(required).collect();
        // Whether this pass may take one endpoint's values from its binds'
        // examples (when nothing else is left): the fewest binds first, and
        // then only that one, so the others take values from its rows.
        let mut examples = false;
        pending.sort_by_key(|e| e.binds.len());
        while !pending.is_empty() {
            let before = pending.len();
            let examples_allowed = examples;
            let mut still = Vec::new();
            for ep in pending {
                let Some(parent) = parent_of(&emu, spec, ep, own.as_ref(), examples) else {
                    still.push(ep);
                    continue;
                };
                examples = false;
                let found = values_with_rows(&emu, spec, ep, &parent, 6);
                assert!(
                    !found.is_empty(),
                    "{} ({}): no rows for any of {} values from {}",
                    spec.table,
                    ep.path,
                    parent.tuples.len(),
                    parent.table
                );
                for (t, _) in &found {
                    let q = bind_quals(ep, t);
                    emu.take_calls();
                    let (p, rows) = scan(&emu, spec, &all_columns(spec), &q, Some(7));
                    let calls = emu.take_calls();
                    let what = format!("{} where {} (sent {calls:?})", spec.table, show(&q));
                    assert_eq!(p.endpoint.map(|e| e.path), Some(ep.path), "{what}");
                    assert!(calls.iter().all(|c| is_request_for(c, ep, t)), "{what}");
                    for (b, v) in ep.binds.iter().zip(t) {
                        for got in rows.values(b.column) {
                            assert_eq!(
                                text(got),
                                Some(v.as_str()),
                                "{what}: the bound column {}",
                                b.column
                            );
                        }
                    }
                    if matches!(ep.shape, Shape::One) && spec.rows == RowsOf::Items {
                        assert!(rows.len() <= 1, "{what}: one object per request");
                    }
                    if let Some(truth) = &parent.same_object {
                        assert_eq!(rows.len(), 1, "{what}");
                        let attrs: Value = match &rows.rows[0][rows.index("attrs")] {
                            Some(Cell::Json(s)) => serde_json::from_str(s).unwrap(),
                            other => panic!("{what}: attrs {other:?}"),
                        };
                        assert_eq!(
                            Some(&attrs),
                            truth.get(&t[0]),
                            "{what}: the parent's own object"
                        );
                    }
                    match &mut own {
                        None => own = Some(rows),
                        Some(o) => o.rows.extend(rows.rows),
                    }
                }
                // IN fans out: one request per value, the union of the answers.
                if let ([bind], true) = (ep.binds, found.len() >= 2) {
                    if bind.fan_out {
                        let values: Vec<String> =
                            found.iter().map(|(t, _)| t[0].clone()).take(3).collect();
                        let q = vec![bind_qual(bind, &values)];
                        let mut union = Rows {
                            columns: found[0].1.columns.clone(),
                            rows: vec![],
                        };
                        for (_, r) in found.iter().take(3) {
                            union.rows.extend(r.rows.iter().cloned());
                        }
                        let calls =
                            check_pushdown(&emu, spec, &all_columns(spec), &q, &union, union.len())
                                .calls;
                        for v in &values {
                            assert!(
                                calls.iter().any(|c| is_request_for(
                                    c,
                                    ep,
                                    std::slice::from_ref(v)
                                )),
                                "{} where {}: no request for {v}: {calls:?}",
                                spec.table,
                                show(&q)
                            );
                        }
                    }
                }
                let rows: usize = found.iter().map(|(_, r)| r.len()).sum();
                let cols: Vec<&str> = ep.binds.iter().map(|b| b.column).collect();
                covered.push(format!(
                    "{}.{}:{rows}rows/{}values({})",
                    spec.table,
                    cols.join("+"),
                    found.len(),
                    parent.table
                ));
            }
            if still.len() == before {
                assert!(
                    !examples_allowed,
                    "{}: no values for {:?}: extend parent_of",
                    spec.table,
                    still.iter().map(|e| e.path).collect::<Vec<_>>()
                );
                examples = true;
            }
            pending = still;
        }
    }
    eprintln!("bound tables: {}", covered.join(" "));
    for table in [
        "billing_statement",
        "user_billing_subscriptions",
        "billing_payment_attempts",
    ] {
        assert!(
            covered.iter().any(|c| c.starts_with(&format!("{table}."))),
            "{table} not covered"
        );
    }
}

// ---------------------------------------------------------------------------
// Properties 3 and 4: pushed filters and qual routing.

/// The full scan of a listable table, every column, at the catalog's page
/// size (checked against the emulator by property 1).
fn reference(emu: &Emulator, spec: &ObjectSpec) -> Option<Rows> {
    spec.unbound_endpoint()?;
    Some(scan(emu, spec, &all_columns(spec), &[], None).1)
}

/// Where an endpoint's filters are tested: its bind quals with real values
/// (none for an unbound endpoint) and the rows they select, taken from the
/// full scan where the table has one, else scanned with the binds alone.
fn contexts(
    emu: &Emulator,
    spec: &ObjectSpec,
    ep: &Endpoint,
    reference: Option<&Rows>,
) -> Vec<(Vec<Qual>, Rows)> {
    match (ep.binds, reference) {
        ([], Some(r)) => vec![(vec![], r.clone())],
        (_, Some(r)) => pick(&bind_tuples(r, ep))
            .into_iter()
            .take(2)
            .map(|t| {
                let q = bind_quals(ep, &t);
                let rows = r.filtered(&q);
                (q, rows)
            })
            .collect(),
        (_, None) => {
            let Some(parent) = parent_of(emu, spec, ep, None, false)
                .or_else(|| parent_of(emu, spec, ep, None, true))
            else {
                return vec![];
            };
            values_with_rows(emu, spec, ep, &parent, 3)
                .into_iter()
                .take(2)
                .map(|(t, rows)| (bind_quals(ep, &t), rows))
                .collect()
        }
    }
}

/// Conditions the harness finds answered wrongly, each a bug described at
/// its `BUG:` line; their checks are skipped (and listed) until it is fixed.
fn known_bug(spec: &ObjectSpec, quals: &[Qual]) -> Option<&'static str> {
    // None known. Fixed: `col <= date` pushed as midnight + 2 ms (date
    // bounds are now widened by a day), and `m2m_tokens` hiding revoked and
    // expired tokens (the table now asks for every combination).
    let _ = (spec, quals);
    None
}

/// The endpoint with only the binds a query must give: a bind that lists
/// all its values (`revoked` of `GET /m2m_tokens`) is made once per value
/// without a qual, so the tests need not supply it.
fn required(ep: &'static Endpoint) -> &'static Endpoint {
    if ep.binds.iter().all(|b| b.all.is_empty()) {
        return ep;
    }
    let binds: Vec<Bind> = ep.binds.iter().filter(|b| b.all.is_empty()).copied().collect();
    Box::leak(Box::new(Endpoint { binds: Box::leak(binds.into_boxed_slice()), ..*ep }))
}

/// An endpoint's filter rules, and its sorted windows as rules of their own
/// (a time window whose only parameter is the `order_by` it sends).
fn rules(ep: &Endpoint) -> Vec<FilterSpec> {
    let windows = ep.sorted_windows.iter().map(|w| FilterSpec {
        column: w.column,
        param: "order_by",
        kind: FilterKind::TimeRange {
            after: "order_by",
            before: "order_by",
        },
        exact: false,
    });
    ep.filters.iter().copied().chain(windows).collect()
}

/// The query parameters a filter rule may send.
fn params_of(filter: &FilterSpec) -> Vec<&'static str> {
    match filter.kind {
        FilterKind::TimeRange { after, before } => vec![after, before],
        _ => vec![filter.param],
    }
}

#[test]
fn pushed_filters_return_exactly_the_matching_rows_or_a_marked_superset() {
    // Smaller than the e2e instance (this test scans the users a hundred
    // times); every scan still takes three pages or more.
    let emu = Emulator::new(400, 24, SEED);
    let (mut pushed_exact, mut pushed_inexact, mut local) = (0, 0, Vec::new());
    let mut untested: Vec<String> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut pairs = 0;
    let mut windows_sorted = 0;
    let mut typed: BTreeSet<(&str, &str, bool)> = BTreeSet::new();
    for spec in CATALOG {
        let reference = reference(&emu, spec);
        for ep in spec.endpoints.iter().filter(|e| !e.filters.is_empty()) {
            for (ctx, ctx_rows) in contexts(&emu, spec, ep, reference.as_ref()) {
                // Two filters at once: each one's first condition with the
                // next one's.
                let firsts: Vec<Vec<Qual>> = rules(ep)
                    .iter()
                    .filter_map(|f| quals_for(f, &ctx_rows).into_iter().next())
                    .collect();
                if firsts.len() >= 2 {
                    for (i, a) in firsts.iter().enumerate() {
                        let b = &firsts[(i + 1) % firsts.len()];
                        let mut all = ctx.clone();
                        all.extend(a.iter().chain(b).cloned());
                        let expected = ctx_rows.filtered(&all);
                        if let Some(bug) = known_bug(spec, &all) {
                            skipped.push(format!("{} where {} ({bug})", spec.table, show(&all)));
                            continue;
                        }
                        check_pushdown(
                            &emu,
                            spec,
                            &all_columns(spec),
                            &all,
                            &expected,
                            ctx_rows.len(),
                        );
                        pairs += 1;
                    }
                }
                for filter in &rules(ep) {
                    let Some(col) = spec.column(filter.column) else {
                        panic!("{}: filter on unknown column {}", spec.table, filter.column)
                    };
                    // Time windows also on columns declared `timestamp` and
                    // `date`, as users of Supabase's wrapper declare them
                    // (for the first of an endpoint's windows, in its first
                    // context: the planner treats them all alike).
                    let mut variants = vec![(all_columns(spec), ctx_rows.clone())];
                    let timestamptz = SqlType::from(col.ty) == SqlType::Timestamptz;
                    let first = typed.insert((spec.table, ep.path, filter.param == "order_by"));
                    if matches!(filter.kind, FilterKind::TimeRange { .. }) && timestamptz && first {
                        for ty in [SqlType::Timestamp, SqlType::Date] {
                            let cols = columns_with(spec, filter.column, ty);
                            let rows = scan(&emu, spec, &cols, &ctx, None).1;
                            variants.push((cols, rows));
                        }
                    }
                    for (cols, rows) in variants {
                        let quals = quals_for(filter, &rows);
                        if quals.is_empty() {
                            untested.push(format!(
                                "{}.{} ({} rows where {})",
                                spec.table,
                                filter.column,
                                rows.len(),
                                show(&ctx)
                            ));
                        }
                        for qs in quals {
                            let mut all = ctx.clone();
                            all.extend(qs.iter().cloned());
                            if let Some(bug) = known_bug(spec, &all) {
                                skipped.push(format!(
                                    "{} where {} ({bug})",
                                    spec.table,
                                    show(&all)
                                ));
                                continue;
                            }
                            let expected = rows.filtered(&qs);
                            let p =
                                check_pushdown(&emu, spec, &cols, &all, &expected, rows.len()).plan;
                            let sent = p.fetches().iter().any(|f| {
                                f.query
                                    .iter()
                                    .any(|(k, _)| params_of(filter).contains(&k.as_str()))
                            });
                            if p.endpoint == Some(ep) && p.handled[ctx.len()] {
                                assert!(
                                    filter.exact,
                                    "{} where {}: an inexact filter counted as handled",
                                    spec.table,
                                    show(&all)
                                );
                                pushed_exact += 1;
                            } else if p.endpoint == Some(ep) && sent {
                                pushed_inexact += 1;
                            } else {
                                local.push(format!(
                                    "{} where {} -> {:?}",
                                    spec.table,
                                    show(&all),
                                    p.endpoint.map(|e| e.path)
                                ));
                            }
                        }
                    }
                }
                // A window read newest first: with `order by <column> desc`
                // the plan may call the sort done; then it must be.
                for (wi, w) in ep.sorted_windows.iter().enumerate() {
                    let Some(bound) = quals_for(&rules(ep)[ep.filters.len() + wi], &ctx_rows)
                        .into_iter()
                        .find(|qs| {
                            qs.len() == 1 && qs[0].operator == ">" && qs[0].field == w.column
                        })
                    else {
                        continue;
                    };
                    let mut all = ctx.clone();
                    all.extend(bound);
                    let p = plan(
                        spec,
                        all_columns(spec),
                        all.clone(),
                        vec![sort(w.column, true)],
                        None,
                    )
                    .unwrap();
                    let what = format!(
                        "{} where {} order by {} desc",
                        spec.table,
                        show(&all),
                        w.column
                    );
                    assert!(p.stop.is_some(), "{what}: the window is not used");
                    let got =
                        run(&emu, with_page_size(p.clone(), third(ctx_rows.len() / 2))).unwrap();
                    assert_eq!(
                        got.filtered(&all).keys_without(&[]),
                        ctx_rows.filtered(&all).keys_without(&[]),
                        "{what}"
                    );
                    if p.sorts_pushed {
                        let col = got.index(w.column);
                        for pair in got.rows.windows(2) {
                            assert!(
                                order_key(&pair[0][col]) >= order_key(&pair[1][col]),
                                "{what}: {:?} then {:?}",
                                pair[0][col],
                                pair[1][col]
                            );
                        }
                        windows_sorted += 1;
                    }
                }
            }
        }
    }
    eprintln!("filters: {pairs} pairs, {windows_sorted} sorted windows, {pushed_exact} exact, {pushed_inexact} superset, {} left to postgres: {local:#?}; no values for: {untested:?}; skipped (BUG): {skipped:?}", local.len());
    assert!(pushed_exact > 0 && pushed_inexact > 0);
}

#[test]
fn per_parent_endpoints_return_the_parents_rows_of_the_full_scan() {
    let emu = Emulator::new(USERS, ORGS, SEED);
    let mut routes: Vec<String> = Vec::new();
    // Columns a per-parent endpoint leaves NULL, known bugs (see
    // `known_absent`).
    let mut partial: Vec<String> = Vec::new();
    let mut empty: Vec<String> = Vec::new();
    for spec in CATALOG {
        let Some(reference) = reference(&emu, spec) else {
            continue;
        };
        for ep in spec.endpoints.iter().filter(|e| !e.is_unbound()).map(required) {
            let route = format!(
                "{}.{}",
                spec.table,
                ep.binds
                    .iter()
                    .map(|b| b.column)
                    .collect::<Vec<_>>()
                    .join("+")
            );
            let tuples = pick(&bind_tuples(&reference, ep));
            if tuples.is_empty() {
                // The emulator holds no such rows (e.g. enterprise accounts).
                empty.push(route);
                continue;
            }
            let mut cases: Vec<Vec<Qual>> =
                tuples.iter().take(2).map(|t| bind_quals(ep, t)).collect();
            // Values that exist nowhere, with characters a path segment
            // must encode: no row, no error.
            cases.push(bind_quals(
                ep,
                &vec!["nope_0/../x y?&z".to_string(); ep.binds.len()],
            ));
            let fan_out = match ep.binds {
                [bind] if bind.fan_out && tuples.len() >= 2 => Some(bind),
                _ => None,
            };
            let values: Vec<String> = tuples.iter().map(|t| t[0].clone()).collect();
            if let Some(bind) = fan_out {
                // IN, a value repeated; and the most requests one IN may
                // fan out to.
                let mut three: Vec<String> = values.iter().take(3).cloned().collect();
                three.push(three[0].clone());
                cases.push(vec![bind_qual(bind, &three)]);
                let mut most: Vec<String> = values.iter().take(3).cloned().collect();
                most.extend((most.len()..MAX_FAN_OUT).map(|i| format!("nope_{i}")));
                cases.push(vec![bind_qual(bind, &most)]);
            }
            for q in cases {
                let expected = reference.filtered(&q);
                let nowhere = show(&q).contains("nope_");
                assert!(
                    !expected.rows.is_empty() || nowhere,
                    "{} where {}: nothing to compare",
                    spec.table,
                    show(&q)
                );
                let Checked {
                    plan: p,
                    calls,
                    absent,
                } = check_pushdown(
                    &emu,
                    spec,
                    &all_columns(spec),
                    &q,
                    &expected,
                    reference.len(),
                );
                if !absent.is_empty() {
                    let note = format!("{}.{absent:?} via {}", spec.table, ep.path);
                    if !partial.contains(&note) {
                        partial.push(note);
                    }
                }
                let what = format!("{} where {}", spec.table, show(&q));
                assert_eq!(
                    p.endpoint,
                    Some(ep),
                    "{what}: routed to {:?}",
                    p.endpoint.map(|e| e.path)
                );
                let asked = tuples_of(ep, &q);
                for c in &calls {
                    assert!(
                        asked.iter().any(|t| is_request_for(c, ep, t)),
                        "{what}: request {c} is not for the values asked"
                    );
                }
                for t in &asked {
                    assert!(
                        calls.iter().any(|c| is_request_for(c, ep, t)),
                        "{what}: no request for {t:?}: {calls:?}"
                    );
                }
            }
            // One value more: the endpoint is not used (the rows are still
            // right, from a less specific endpoint).
            if let Some(bind) = fan_out {
                let mut too_many: Vec<String> = values.iter().take(3).cloned().collect();
                too_many.extend((too_many.len()..=MAX_FAN_OUT).map(|i| format!("nope_{i}")));
                let q = vec![bind_qual(bind, &too_many)];
                let p = check_pushdown(
                    &emu,
                    spec,
                    &all_columns(spec),
                    &q,
                    &reference.filtered(&q),
                    reference.len(),
                )
                .plan;
                assert_ne!(
                    p.endpoint,
                    Some(ep),
                    "{}: IN with {} values",
                    spec.table,
                    too_many.len()
                );
            }
            routes.push(route);
        }
    }
    eprintln!("routes: {routes:?}; skipped (BUG, columns a per-parent endpoint leaves NULL): {partial:?}; no rows to route: {empty:?}");
    for route in [
        "organization_memberships.organization_id",
        "organization_memberships.user_id",
        "organization_invitations.organization_id",
    ] {
        assert!(
            routes.iter().any(|r| r == route),
            "route {route} not tested"
        );
    }
}

// ---------------------------------------------------------------------------
// Property 5: LIMIT.

fn sort(column: &str, reversed: bool) -> Sort {
    Sort {
        field: column.to_string(),
        reversed,
        nulls_first: reversed,
    }
}

/// The value of a column an exact sort orders by, as a number.
fn order_key(c: &Option<Cell>) -> i64 {
    match c {
        Some(Cell::I32(n)) => i64::from(*n),
        Some(Cell::I64(n)) => *n,
        Some(c) => micros(c).unwrap_or_else(|| panic!("an exact order on {c:?}: compare it here")),
        None => panic!("an exact order on a NULL"),
    }
}

/// A qual of the right type for a filter, for plans that are never run.
fn sample_qual(filter: &FilterSpec) -> Qual {
    match filter.kind {
        FilterKind::Equals { .. } | FilterKind::Search => {
            Qual::cell(filter.column, "=", string("x"))
        }
        FilterKind::Boolean => Qual::cell(filter.column, "=", Cell::Bool(true)),
        FilterKind::TimeRange { .. } => {
            Qual::cell(filter.column, ">", Cell::Timestamptz(1_600_000_000_000_000))
        }
        #[allow(unreachable_patterns)]
        _ => Qual::cell(filter.column, "~~", string("%x%")),
    }
}

#[test]
fn limit_is_never_pushed_past_an_inexact_filter_or_an_unpushable_sort() {
    let limit = Some(Limit {
        count: 5,
        offset: 2,
    });
    let mut checked = 0;
    for spec in CATALOG {
        let Some(ep) = spec.unbound_endpoint() else {
            continue;
        };
        let cols = || all_columns(spec);
        // Pushed where the API's rows are the table's (a child table's
        // limit would count parents).
        if !matches!(ep.shape, Shape::One) && spec.rows == RowsOf::Items {
            let p = plan(spec, cols(), vec![], vec![], limit).unwrap();
            assert_eq!(
                p.max_rows,
                Some(7),
                "{}: a bare LIMIT 5 OFFSET 2 fetches 7 rows",
                spec.table
            );
        }
        for f in rules(ep).iter().filter(|f| !f.exact) {
            let q = sample_qual(f);
            let p = plan(spec, cols(), vec![q.clone()], vec![], limit).unwrap();
            assert_eq!(
                p.max_rows,
                None,
                "{} where {} (inexact) limit 5",
                spec.table,
                show(&[q])
            );
            checked += 1;
        }
        for o in ep.order_by {
            for reversed in [false, true] {
                let p = plan(spec, cols(), vec![], vec![sort(o.column, reversed)], limit).unwrap();
                let nullable = spec.column(o.column).is_none_or(|c| c.nullable);
                if !o.total || nullable {
                    assert_eq!(
                        p.max_rows, None,
                        "{} order by {} limit 5",
                        spec.table, o.column
                    );
                    checked += 1;
                }
                // A second sort key the API cannot honour.
                let p = plan(
                    spec,
                    cols(),
                    vec![],
                    vec![sort(o.column, reversed), sort("id", false)],
                    limit,
                )
                .unwrap();
                assert_eq!(
                    p.max_rows, None,
                    "{} order by {}, id limit 5",
                    spec.table, o.column
                );
                checked += 1;
            }
        }
        // A bind that is not exact (a slug in an id path), or that fans out
        // into several requests.
        for e in spec.endpoints.iter().filter(|e| !e.is_unbound()) {
            for b in e.binds {
                let q = if b.fan_out {
                    Qual::any(b.column, vec![string("a"), string("b")])
                } else {
                    Qual::cell(b.column, "=", string("a"))
                };
                if !b.exact || b.fan_out {
                    let p = plan(spec, cols(), vec![q.clone()], vec![], limit).unwrap();
                    assert_eq!(
                        p.max_rows,
                        None,
                        "{} where {} limit 5",
                        spec.table,
                        show(&[q])
                    );
                    checked += 1;
                }
            }
        }
        // A column the endpoint cannot sort by, and a qual nothing pushes.
        if let Some(c) = spec
            .columns
            .iter()
            .find(|c| ep.order_for(c.name).is_none() && c.name != "attrs")
        {
            let p = plan(spec, cols(), vec![], vec![sort(c.name, false)], limit).unwrap();
            assert_eq!(
                p.max_rows, None,
                "{} order by {} limit 5",
                spec.table, c.name
            );
            let q = Qual::cell(c.name, "<>", string("x"));
            let p = plan(spec, cols(), vec![q], vec![], limit).unwrap();
            assert_eq!(
                p.max_rows, None,
                "{} where {} <> 'x' limit 5",
                spec.table, c.name
            );
            checked += 2;
        }
    }
    // An empty value is never sent to an exact filter (to Clerk it means no
    // filter at all: every row would come back, counted as matching).
    for spec in CATALOG {
        for ep in spec.endpoints {
            let text = |f: &&FilterSpec| {
                !matches!(f.kind, FilterKind::Boolean | FilterKind::TimeRange { .. })
            };
            for f in ep.filters.iter().filter(text).filter(|f| f.exact) {
                // The endpoint's binds with some value, and the empty one.
                let mut quals: Vec<Qual> = ep
                    .binds
                    .iter()
                    .map(|b| Qual::cell(b.column, "=", string("x")))
                    .collect();
                quals.push(Qual::cell(f.column, "=", string("")));
                let p = plan(spec, all_columns(spec), quals, vec![], None).unwrap();
                let sent: Vec<&(String, String)> = p
                    .fetches()
                    .iter()
                    .flat_map(|f| &f.query)
                    .filter(|(_, v)| v.is_empty())
                    .collect();
                assert!(
                    sent.is_empty(),
                    "{} where {} = '': sent {sent:?}",
                    spec.table,
                    f.column
                );
                checked += 1;
            }
        }
    }
    eprintln!("limit refusals and empty values checked: {checked}");
    assert!(checked > 10);
}

#[test]
fn a_pushed_limit_yields_the_first_rows_of_the_same_query() {
    let listable: Vec<&'static ObjectSpec> = CATALOG
        .iter()
        .filter(|s| {
            s.unbound_endpoint()
                .is_some_and(|e| !matches!(e.shape, Shape::One))
        })
        .collect();
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let index = any::<prop::sample::Index>;
    let strategy = (
        (
            0u64..1_000,
            prop::sample::select(listable),
            index(),
            index(),
        ),
        (index(), any::<bool>(), prop::option::of((index(), index()))),
        (0i64..=120, 0i64..=20, 1u32..=60),
    );
    // Pushed limits checked: in all, with a sort, with quals.
    let pushed = RefCell::new((0, 0, 0));
    runner
        .run(&strategy, |((seed, spec, ep_ix, bind_row), (sort_ix, reversed, filter), (count, offset, page))| {
            let emu = Emulator::new(150, 12, seed);
            let fail = |what: &str, e: CoreError| TestCaseError::fail(format!("{what}: {e}"));
            let all = run(&emu, plan(spec, all_columns(spec), vec![], vec![], None).unwrap()).map_err(|e| fail(spec.table, e))?;
            // A list endpoint of the table, its binds from a real row.
            let lists: Vec<&Endpoint> = spec.endpoints.iter().filter(|e| !matches!(e.shape, Shape::One)).collect();
            let ep = lists[ep_ix.index(lists.len())];
            let mut quals = Vec::new();
            for b in ep.binds {
                let Some(row) = all.rows.get(bind_row.index(all.len().max(1))) else { return Ok(()) };
                let Some(v) = text(&row[all.index(b.column)]) else { return Ok(()) };
                quals.push(Qual::cell(b.column, "=", string(v)));
            }
            let ctx = all.filtered(&quals);
            // An exact filter of that endpoint, with a value from a real row.
            let exact: Vec<&FilterSpec> = ep.filters.iter().filter(|f| f.exact).collect();
            if let (Some((f_ix, v_ix)), false, false) = (filter, exact.is_empty(), ctx.rows.is_empty()) {
                let f = exact[f_ix.index(exact.len())];
                let value = &ctx.rows[v_ix.index(ctx.len())][ctx.index(f.column)];
                match (f.kind, value) {
                    (FilterKind::Boolean, Some(c @ Cell::Bool(_))) | (FilterKind::Equals { .. }, Some(c @ Cell::String(_))) => {
                        quals.push(Qual::cell(f.column, "=", c.clone()));
                    }
                    _ => {}
                }
            }
            // No sort, or one the endpoint offers (half the time one whose
            // order is exact, if there is one).
            let total: Vec<&str> = ep.order_by.iter().filter(|o| o.total).map(|o| o.column).collect();
            let sorts: Vec<Sort> = match (sort_ix.index(2 * ep.order_by.len() + 2), total.is_empty()) {
                (0, _) => vec![],
                (i, _) if i <= ep.order_by.len() => vec![sort(ep.order_by[i - 1].column, reversed)],
                (_, true) => vec![],
                (i, false) => vec![sort(total[i % total.len()], reversed)],
            };
            let limit = Limit { count, offset };
            let what = format!(
                "{} where {} order by {sorts:?} limit {count} offset {offset} (seed {seed}, page {page})",
                spec.table,
                show(&quals)
            );
            let unlimited_plan = plan(spec, all_columns(spec), quals.clone(), sorts.clone(), None).unwrap();
            let full = run(&emu, with_page_size(unlimited_plan.clone(), Some(page))).map_err(|e| fail(&what, e))?;
            // A sort the plan calls exact is Postgres' order of the values.
            if let (true, [s]) = (unlimited_plan.sorts_pushed, sorts.as_slice()) {
                let col = full.index(&s.field);
                for pair in full.rows.windows(2) {
                    let (a, b) = (order_key(&pair[0][col]), order_key(&pair[1][col]));
                    prop_assert!(if s.reversed { a >= b } else { a <= b }, "{}: {:?} then {:?}", what, pair[0][col], pair[1][col]);
                }
            }
            let limited_plan = plan(spec, all_columns(spec), quals.clone(), sorts.clone(), Some(limit)).unwrap();
            if !limited_plan.sorts_pushed || !limited_plan.all_quals_handled() || limited_plan.fetches().len() > 1 {
                prop_assert_eq!(limited_plan.max_rows, None, "{}", what);
            }
            let Some(max) = limited_plan.max_rows else { return Ok(()) };
            prop_assert_eq!(max, u64::try_from(count + offset).unwrap(), "{}", what);
            emu.take_calls();
            let limited = run(&emu, with_page_size(limited_plan, Some(page))).map_err(|e| fail(&what, e))?;
            let calls = emu.take_calls();
            let n = usize::try_from(max).unwrap().min(full.len());
            let want: Vec<String> = full.rows[..n].iter().map(|r| format!("{r:?}")).collect();
            let got: Vec<String> = limited.rows.iter().map(|r| format!("{r:?}")).collect();
            prop_assert!(got == want, "{}: ids {:?}, first of the unlimited scan {:?}", what, limited.ids(), full.ids()[..n].to_vec());
            // No request past what the limit needs.
            if let Shape::Paged { .. } = ep.shape {
                let needed = usize::try_from(max).unwrap().div_ceil(page as usize).max(1);
                prop_assert!(calls.len() <= needed + 1, "{}: {} requests for {} rows: {:?}", what, calls.len(), max, calls);
            }
            let mut n = pushed.borrow_mut();
            n.0 += 1;
            n.1 += usize::from(!sorts.is_empty());
            n.2 += usize::from(!quals.is_empty());
            Ok(())
        })
        .unwrap();
    let (all, sorted, qualified) = *pushed.borrow();
    eprintln!("pushed limits checked: {all}, {sorted} with a sort, {qualified} with quals");
    assert!(
        all > 30 && sorted > 5 && qualified > 5,
        "too few pushed limits checked"
    );
}

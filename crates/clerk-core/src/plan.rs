//! The request planner: a scan's object, target columns, quals, sorts and
//! limit become one request plan (the endpoint the quals select, one
//! request per bound value, or nothing), plus which quals the API answers
//! exactly.
//!
//! Postgres re-checks every qual and re-applies ORDER BY and LIMIT/OFFSET
//! above the foreign scan, so pushing a filter that returns a superset is
//! always safe; truncating the result (a pushed LIMIT) is only safe when
//! every qual is answered exactly and the sort is reproduced exactly.
//! Because the local Limit node still skips OFFSET rows itself, a pushed
//! `LIMIT c OFFSET o` fetches the first `c + o` rows, starting at 0.

use std::collections::BTreeSet;

use crate::catalog::{self, Bind, BindTo, Endpoint, FilterKind, FilterSpec, ObjectSpec, Shape, MAX_FAN_OUT, MAX_SPLIT};
use crate::cell::{Cell, SqlType};
use crate::error::{CoreError, CoreResult};
use crate::url::encode_component;

/// A target column as the host reports it: name and declared type.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetColumn {
    pub name: String,
    pub ty: SqlType,
}

impl TargetColumn {
    pub fn new(name: impl Into<String>, ty: SqlType) -> Self {
        TargetColumn { name: name.into(), ty }
    }
}

/// A qual's right-hand side.
#[derive(Debug, Clone, PartialEq)]
pub enum QualValue {
    Cell(Cell),
    Array(Vec<Cell>),
}

/// One restriction clause offered by the host.
#[derive(Debug, Clone, PartialEq)]
pub struct Qual {
    pub field: String,
    pub operator: String,
    pub value: QualValue,
    /// `IN (...)` / `= ANY(...)`: true; `<> ALL(...)`: false.
    pub use_or: bool,
    /// The value came from a parameter (already evaluated at scan time).
    pub is_param: bool,
}

impl Qual {
    /// Convenience constructor for `field op value`.
    pub fn cell(field: &str, operator: &str, value: Cell) -> Self {
        Qual {
            field: field.into(),
            operator: operator.into(),
            value: QualValue::Cell(value),
            use_or: false,
            is_param: false,
        }
    }

    /// Convenience constructor for `field IN (values)`.
    pub fn any(field: &str, values: Vec<Cell>) -> Self {
        Qual {
            field: field.into(),
            operator: "=".into(),
            value: QualValue::Array(values),
            use_or: true,
            is_param: false,
        }
    }
}

/// One ORDER BY key offered by the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub field: String,
    /// DESC.
    pub reversed: bool,
    pub nulls_first: bool,
}

/// A constant LIMIT/OFFSET offered by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: i64,
    pub offset: i64,
}

/// Everything the host tells the guest about one scan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScanInput {
    pub object: String,
    pub columns: Vec<TargetColumn>,
    pub quals: Vec<Qual>,
    pub sorts: Vec<Sort>,
    pub limit: Option<Limit>,
    /// Push quals whose value comes from a parameter (`id = $1`, an
    /// InitPlan). Off by default: a host that hands the guest the
    /// placeholder instead of the evaluated value (Supabase's framework
    /// shows `'null'`/`0` at plan time) would make a pushed filter drop rows.
    /// Postgres still applies such quals locally.
    pub push_params: bool,
}

/// One request (or, for a paged list, one series of page requests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// Path relative to `api_url`, placeholders filled and encoded.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub shape: Shape,
    /// The bound columns' values for this request: a row that lacks such a
    /// column (e.g. `user_id` of a user's billing subscription) reads it
    /// from here.
    pub bound: Vec<(&'static str, String)>,
}

/// What to ask the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The quals cannot match any row: no request at all.
    Empty,
    /// These requests, in order; their rows are concatenated.
    Fetch(Vec<Fetch>),
}

/// The planner's answer for one scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub spec: &'static ObjectSpec,
    /// The endpoint chosen (`None` for [`Action::Empty`]).
    pub endpoint: Option<&'static Endpoint>,
    pub columns: Vec<TargetColumn>,
    pub action: Action,
    /// Per input qual: the API returns exactly the rows satisfying it.
    pub handled: Vec<bool>,
    /// The `order_by` sent, if any.
    pub order_by: Option<String>,
    /// The API's order reproduces the whole ORDER BY exactly (or there is
    /// none).
    pub sorts_pushed: bool,
    /// With a pushed LIMIT: fetch at most this many rows (count + offset).
    pub max_rows: Option<u64>,
    /// Rows come newest first by this key: stop at the first one older
    /// than the bound (see [`catalog::SortedWindow`]).
    pub stop: Option<StopAt>,
}

/// Stop reading a list at the first row whose `key` (Unix milliseconds) is
/// below `below_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopAt {
    pub key: &'static str,
    pub below_ms: i64,
}

impl Plan {
    /// Every qual is answered exactly by the API.
    pub fn all_quals_handled(&self) -> bool {
        self.handled.iter().all(|h| *h)
    }

    /// The requests to make, in order (none for an empty plan).
    pub fn fetches(&self) -> &[Fetch] {
        match &self.action {
            Action::Empty => &[],
            Action::Fetch(f) => f,
        }
    }
}

/// Plans one scan. Fails on an unknown object, a column type no cell can
/// carry, or quals that satisfy no endpoint of an object whose every
/// endpoint needs a value (`billing_statement` without `statement_id`).
pub fn plan_scan(input: &ScanInput) -> CoreResult<Plan> {
    let spec = catalog::lookup(&input.object)?;
    for c in &input.columns {
        if let SqlType::Other(type_name) = &c.ty {
            return Err(CoreError::UnsupportedColumnType {
                column: c.name.clone(),
                type_name: type_name.clone(),
            });
        }
    }
    let mut plan = Plan {
        spec,
        endpoint: None,
        columns: input.columns.clone(),
        action: Action::Empty,
        handled: vec![false; input.quals.len()],
        order_by: None,
        sorts_pushed: false,
        max_rows: None,
        stop: None,
    };

    if input.quals.iter().any(is_empty_in_list) {
        plan.handled.fill(true);
        plan.sorts_pushed = true;
        return Ok(plan);
    }

    let mut extra: Vec<(String, String)> = Vec::new();
    let referenced = input
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .chain(input.quals.iter().map(|q| q.field.as_str()))
        .chain(input.sorts.iter().map(|s| s.field.as_str()));
    for name in referenced {
        if let Some((k, v)) = spec.column(name).and_then(|c| c.needs_param) {
            if !extra.iter().any(|(ek, _)| ek == k) {
                extra.push((k.to_string(), v.to_string()));
            }
        }
    }

    // Prefer quals with literal values; a parameter qual only binds an
    // endpoint that nothing else could serve.
    let literal = |q: &Qual| input.push_params || !q.is_param;
    let chosen = spec
        .endpoints
        .iter()
        .find_map(|e| bind_endpoint(e, &input.quals, literal).map(|b| (e, b)))
        .or_else(|| {
            spec.endpoints
                .iter()
                .find_map(|e| bind_endpoint(e, &input.quals, |_| true).map(|b| (e, b)))
        });
    let Some((endpoint, bound)) = chosen else {
        return Err(missing_qual(spec));
    };
    plan.endpoint = Some(endpoint);
    let mut used_quals: BTreeSet<usize> = BTreeSet::new();
    for b in &bound {
        used_quals.insert(b.qual);
        if let Some(h) = plan.handled.get_mut(b.qual) {
            *h = b.bind.exact;
        }
    }
    let requests: Vec<Vec<(&'static Bind, String)>> = bind_combinations(&bound);

    let mut query: Vec<(String, String)> = Vec::new();
    // a split filter's values, a request's worth each (none: not split)
    let mut chunks: Vec<Vec<(String, String)>> = Vec::new();
    if matches!(endpoint.shape, Shape::One) {
        // At most one row per request: nothing to filter or sort remotely.
        plan.sorts_pushed = requests.len() <= 1;
    } else {
        let mut used: BTreeSet<&'static str> = BTreeSet::new();
        let pushable = |i: usize, q: &Qual| !used_quals.contains(&i) && literal(q);
        // one `id = any(...)` longer than a request takes may be split
        // over several requests, when nothing else multiplies them
        let mut split = (requests.len() == 1).then_some(Split::default());
        for (i, q) in input.quals.iter().enumerate() {
            if pushable(i, q) {
                if let Some(handled) = push_qual(endpoint, q, &mut query, &mut used, &mut split) {
                    plan.handled[i] = handled;
                }
            }
        }
        chunks = split.map(|s| s.chunks()).unwrap_or_default();
        let request_count = requests.len() * chunks.len().max(1);
        // A child table's rows come in their parents' order, many a parent.
        let per_parent = matches!(spec.rows, catalog::Rows::Nested { .. });
        let window = if per_parent || request_count != 1 {
            None
        } else {
            sorted_window(endpoint, &input.quals, |i, q| !used_quals.contains(&i) && literal(q))
        };
        if let Some((window, below_ms)) = window {
            // The window needs the order; the query's own ORDER BY is still
            // honoured by Postgres (and exactly so if it is that order).
            let value = format!("-{}", window.field);
            query.push(("order_by".into(), value.clone()));
            plan.order_by = Some(value);
            plan.stop = Some(StopAt { key: window.field, below_ms });
            plan.sorts_pushed = match input.sorts.as_slice() {
                [] => true,
                [only] => only.field == window.column && only.reversed,
                _ => false,
            };
        } else if per_parent {
            plan.sorts_pushed = input.sorts.is_empty();
        } else if let Some(first) = input.sorts.first() {
            let order = endpoint.order_for(&first.field);
            let non_null = spec.column(&first.field).is_some_and(|c| !c.nullable);
            if let (Some(order), true, true) = (order, non_null, request_count == 1) {
                let value = if first.reversed {
                    format!("-{}", order.field)
                } else {
                    order.field.to_string()
                };
                query.push(("order_by".into(), value.clone()));
                plan.order_by = Some(value);
                plan.sorts_pushed = input.sorts.len() == 1 && order.total;
            }
        } else {
            // Several requests' rows come one request after another: only
            // ordered if there is no ORDER BY to honour.
            plan.sorts_pushed = true;
        }
        if let Some(limit) = input.limit {
            let exact = plan.all_quals_handled() && plan.sorts_pushed && request_count == 1 && !per_parent;
            if exact && limit.count >= 0 && limit.offset >= 0 {
                plan.max_rows = u64::try_from(limit.count)
                    .ok()
                    .zip(u64::try_from(limit.offset).ok())
                    .and_then(|(c, o)| c.checked_add(o));
            }
        }
    }
    query.extend(extra);
    query.extend(endpoint.fixed_query.iter().map(|(k, v)| (k.to_string(), v.to_string())));

    if chunks.is_empty() {
        chunks.push(Vec::new());
    }
    let fetches = requests
        .into_iter()
        .flat_map(|values| chunks.iter().map(move |chunk| (values.clone(), chunk)))
        .map(|(values, chunk)| {
            let mut path = endpoint.path.to_string();
            let mut q: Vec<(String, String)> = Vec::new();
            for (bind, value) in &values {
                match bind.to {
                    BindTo::Path(p) => path = path.replace(&format!("{{{p}}}"), &encode_component(value)),
                    BindTo::Query(k) => q.push((k.to_string(), value.clone())),
                }
            }
            q.extend(chunk.iter().cloned());
            q.extend(query.iter().cloned());
            Fetch {
                path,
                query: q,
                shape: endpoint.shape,
                bound: values.into_iter().map(|(b, v)| (b.column, v)).collect(),
            }
        })
        .collect();
    plan.action = Action::Fetch(fetches);
    Ok(plan)
}

/// The longest run of a LIKE pattern without wildcards (`%`, `_`), which
/// every matching value contains; `None` for a pattern with escapes (kept
/// simple: Postgres evaluates it) or with nothing but wildcards.
fn longest_literal_run(pattern: &str) -> Option<&str> {
    if pattern.contains('\\') {
        return None;
    }
    pattern
        .split(['%', '_'])
        .filter(|run| !run.trim().is_empty())
        .max_by_key(|run| run.chars().count())
}

/// The first sorted window a `column > t` / `column >= t` qual opens, with
/// its bound in milliseconds widened by one (a superset either way).
fn sorted_window(
    endpoint: &'static Endpoint,
    quals: &[Qual],
    usable: impl Fn(usize, &Qual) -> bool,
) -> Option<(&'static catalog::SortedWindow, i64)> {
    endpoint.sorted_windows.iter().find_map(|w| {
        quals.iter().enumerate().find_map(|(i, q)| {
            if q.field != w.column || !matches!(q.operator.as_str(), ">" | ">=") || !usable(i, q) {
                return None;
            }
            let (micros, slack_ms) = match &q.value {
                QualValue::Cell(Cell::Timestamptz(us) | Cell::Timestamp(us)) => (*us, 0),
                // A date: a day more (see the time ranges of `push_with`).
                QualValue::Cell(Cell::Date(secs)) => (secs.checked_mul(1_000_000)?, 86_400_000),
                _ => return None,
            };
            Some((w, micros.div_euclid(1000).checked_sub(1 + slack_ms)?))
        })
    })
}

/// A bind satisfied by qual number `qual` with these values.
struct Bound {
    bind: &'static Bind,
    qual: usize,
    values: Vec<String>,
}

/// The endpoint's binds satisfied by the quals, or `None`.
fn bind_endpoint(
    endpoint: &'static Endpoint,
    quals: &[Qual],
    usable: impl Fn(&Qual) -> bool,
) -> Option<Vec<Bound>> {
    let mut out = Vec::with_capacity(endpoint.binds.len());
    let mut requests = 1usize;
    for bind in endpoint.binds {
        let found = quals.iter().enumerate().find_map(|(i, q)| {
            if q.field != bind.column || q.operator != "=" || !usable(q) {
                return None;
            }
            let values: Vec<String> = match &q.value {
                QualValue::Cell(c) if !q.use_or => vec![bind_text(c)?],
                QualValue::Array(cells) if q.use_or => cells.iter().map(bind_text).collect::<Option<Vec<_>>>()?,
                _ => return None,
            };
            let fits = match values.len() {
                0 => false,
                1 => true,
                n => bind.fan_out && n <= MAX_FAN_OUT,
            };
            (fits && values.iter().all(|v| !v.is_empty())).then_some((i, values))
        });
        let (qual, values) = match found {
            Some(found) => found,
            // No qual: once per value where the parameter has a default
            // that hides rows; otherwise the endpoint does not apply.
            None if !bind.all.is_empty() => (usize::MAX, bind.all.iter().map(|v| v.to_string()).collect()),
            None => return None,
        };
        let mut unique: Vec<String> = Vec::with_capacity(values.len());
        for v in values {
            if !unique.contains(&v) {
                unique.push(v);
            }
        }
        let values = unique;
        requests = requests.checked_mul(values.len()).filter(|n| *n <= MAX_FAN_OUT)?;
        out.push(Bound { bind, qual, values });
    }
    Some(out)
}

/// A qual value as a bound parameter: text as is, booleans as Clerk spells
/// them.
fn bind_text(c: &Cell) -> Option<String> {
    match c {
        Cell::Bool(b) => Some(b.to_string()),
        other => other.as_text().map(str::to_string),
    }
}

/// One list of (bind, value) per request: the product of the bound values.
fn bind_combinations(bound: &[Bound]) -> Vec<Vec<(&'static Bind, String)>> {
    let mut out: Vec<Vec<(&'static Bind, String)>> = vec![Vec::new()];
    for b in bound {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                b.values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push((b.bind, v.clone()));
                    next
                })
            })
            .collect();
    }
    out
}

/// The error for a scan that no endpoint can serve, naming what the last
/// (least specific) endpoint needs and showing a `where` that works.
fn missing_qual(spec: &'static ObjectSpec) -> CoreError {
    // Only the binds a query must give (not those enumerating their values).
    let binds: Vec<&Bind> =
        spec.endpoints.last().map_or(&[][..], |e| e.binds).iter().filter(|b| b.all.is_empty()).collect();
    CoreError::MissingQual {
        table: spec.table,
        columns: binds.iter().map(|b| b.column).collect(),
        example: binds
            .iter()
            .map(|b| format!("{} = '{}'", b.column, b.example))
            .collect::<Vec<_>>()
            .join(" and "),
    }
}

/// `col IN ()` / `col = ANY('{}')`: no row can satisfy it.
fn is_empty_in_list(q: &Qual) -> bool {
    q.operator == "=" && q.use_or && matches!(&q.value, QualValue::Array(v) if v.is_empty())
}

/// One filter's values spread over several requests: `id = any(...)`
/// with more ids than one request takes (Clerk's lists take up to 100
/// repeated `user_id`), instead of a scan of the whole list.
#[derive(Debug, Default)]
struct Split {
    param: &'static str,
    per_request: usize,
    values: Vec<String>,
}

impl Split {
    /// Each request's share of the values, as query parameters.
    fn chunks(self) -> Vec<Vec<(String, String)>> {
        let param = self.param;
        self.values
            .chunks(self.per_request.max(1))
            .map(|chunk| chunk.iter().map(|v| (param.to_string(), v.clone())).collect())
            .collect()
    }
}

/// Turns one qual into query parameters if a filter rule covers it.
/// Returns `Some(exact)` when pushed, `None` when left to Postgres.
/// `split`, when given and still empty, may take one qual whose values
/// need several requests.
fn push_qual(
    endpoint: &Endpoint,
    q: &Qual,
    query: &mut Vec<(String, String)>,
    used: &mut BTreeSet<&'static str>,
    split: &mut Option<Split>,
) -> Option<bool> {
    // A column may have several rules (`=` to one parameter, LIKE to
    // another): the first that takes the qual wins.
    endpoint
        .filters
        .iter()
        .filter(|f| f.column == q.field)
        .find_map(|filter| push_with(filter, q, query, used, split))
}

/// Pushes `q` through one filter rule, if the rule takes it.
fn push_with(
    filter: &'static FilterSpec,
    q: &Qual,
    query: &mut Vec<(String, String)>,
    used: &mut BTreeSet<&'static str>,
    split: &mut Option<Split>,
) -> Option<bool> {
    // Repeated parameters mean OR to the API, while two quals mean AND: so
    // one qual per parameter, the rest stays with Postgres.
    let claim = |used: &mut BTreeSet<&'static str>, p: &'static str| used.insert(p);
    match filter.kind {
        FilterKind::Equals { signed_ids, max_values } => {
            if q.operator != "=" || used.contains(filter.param) {
                return None;
            }
            let mut values: Vec<&str> = match &q.value {
                QualValue::Cell(c) if !q.use_or => vec![c.as_text()?],
                QualValue::Array(cells) if q.use_or => {
                    cells.iter().map(Cell::as_text).collect::<Option<Vec<_>>>()?
                }
                _ => return None,
            };
            // each value once: split over requests, a repeated one would
            // bring its row twice
            let mut seen = BTreeSet::new();
            values.retain(|v| seen.insert(*v));
            let valid = !values.is_empty()
                && values.iter().all(|v| {
                    !v.is_empty() && !(signed_ids && (v.starts_with('+') || v.starts_with('-')))
                });
            if !valid {
                return None;
            }
            if values.len() > max_values {
                let splits = max_values > 1 && values.len() <= max_values.saturating_mul(MAX_SPLIT);
                match split {
                    Some(s) if splits && s.values.is_empty() => {
                        claim(used, filter.param);
                        *s = Split {
                            param: filter.param,
                            per_request: max_values,
                            values: values.into_iter().map(str::to_string).collect(),
                        };
                        return Some(filter.exact);
                    }
                    _ => return None,
                }
            }
            claim(used, filter.param);
            for v in values {
                query.push((filter.param.to_string(), v.to_string()));
            }
            Some(filter.exact)
        }
        FilterKind::Search => {
            if q.operator != "=" || q.use_or || used.contains(filter.param) {
                return None;
            }
            let QualValue::Cell(c) = &q.value else { return None };
            let v = c.as_text().filter(|s| !s.trim().is_empty())?;
            claim(used, filter.param);
            query.push((filter.param.to_string(), v.to_string()));
            Some(false)
        }
        FilterKind::Contains => {
            if q.use_or || used.contains(filter.param) {
                return None;
            }
            let QualValue::Cell(c) = &q.value else { return None };
            let text = c.as_text()?;
            let run = match q.operator.as_str() {
                "=" => Some(text).filter(|t| !t.trim().is_empty()),
                "~~" | "~~*" => longest_literal_run(text),
                _ => None,
            }?;
            claim(used, filter.param);
            query.push((filter.param.to_string(), run.to_string()));
            Some(false)
        }
        FilterKind::Boolean => {
            let QualValue::Cell(Cell::Bool(b)) = &q.value else { return None };
            if !matches!(q.operator.as_str(), "=" | "is") || used.contains(filter.param) {
                return None;
            }
            claim(used, filter.param);
            query.push((filter.param.to_string(), b.to_string()));
            Some(filter.exact)
        }
        FilterKind::TimeRange { after, before } => {
            let QualValue::Cell(c) = &q.value else { return None };
            // Widen by one millisecond so the bound is a superset whether
            // Clerk compares strictly or inclusively; a date by a day more
            // each way (a `date` column holds the whole day, and a date
            // compared with a timestamp is midnight in the session's zone).
            let (micros, slack_ms) = match c {
                Cell::Timestamptz(us) | Cell::Timestamp(us) => (*us, 0),
                Cell::Date(secs) => (secs.checked_mul(1_000_000)?, 86_400_000),
                _ => return None,
            };
            let ms = micros.div_euclid(1000);
            let (param, ms) = match q.operator.as_str() {
                ">" | ">=" => (after, ms.checked_sub(1 + slack_ms)?),
                "<" | "<=" => (before, ms.checked_add(2 + slack_ms)?),
                _ => return None,
            };
            if !claim(used, param) {
                return None;
            }
            query.push((param.to_string(), ms.to_string()));
            Some(false)
        }
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

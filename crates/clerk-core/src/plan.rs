//! The request planner: a scan's object, target columns, quals, sorts and
//! limit become one request plan (a get-by-id, a filtered list, or nothing),
//! plus which quals the API answers exactly.
//!
//! Postgres re-checks every qual and re-applies ORDER BY and LIMIT/OFFSET
//! above the foreign scan, so pushing a filter that returns a superset is
//! always safe; truncating the result (a pushed LIMIT) is only safe when
//! every qual is answered exactly and the sort is reproduced exactly.
//! Because the local Limit node still skips OFFSET rows itself, a pushed
//! `LIMIT c OFFSET o` fetches the first `c + o` rows, starting at 0.

use std::collections::BTreeSet;

use crate::catalog::{self, FilterKind, ObjectSpec};
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

/// What to ask the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The quals cannot match any row: no request at all.
    Empty,
    /// `GET <path>?<query>`; a 404 means no row.
    Get { path: String, query: Vec<(String, String)> },
    /// Paged `GET <list path>?<query>&limit=..&offset=..`.
    List { query: Vec<(String, String)> },
}

/// The planner's answer for one scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub spec: &'static ObjectSpec,
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
}

impl Plan {
    /// Every qual is answered exactly by the API.
    pub fn all_quals_handled(&self) -> bool {
        self.handled.iter().all(|h| *h)
    }
}

/// Plans one scan. Fails only on an unknown object or a column type no
/// cell can carry.
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
        columns: input.columns.clone(),
        action: Action::Empty,
        handled: vec![false; input.quals.len()],
        order_by: None,
        sorts_pushed: false,
        max_rows: None,
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

    let pushable = |q: &Qual| input.push_params || !q.is_param;

    if let Some(get_path) = spec.get_path {
        if let Some((i, id)) = find_lookup(spec, &input.quals, pushable) {
            plan.handled[i] = input.quals[i].field == "id";
            plan.sorts_pushed = true; // at most one row
            plan.action = Action::Get {
                path: get_path.replace("{id}", &encode_component(id)),
                query: extra,
            };
            return Ok(plan);
        }
    }

    let mut query: Vec<(String, String)> = Vec::new();
    let mut used: BTreeSet<&'static str> = BTreeSet::new();
    for (i, q) in input.quals.iter().enumerate().filter(|(_, q)| pushable(q)) {
        if let Some(handled) = push_qual(spec, q, &mut query, &mut used) {
            plan.handled[i] = handled;
        }
    }

    if let Some(first) = input.sorts.first() {
        let order = spec.order_for(&first.field);
        let non_null = spec.column(&first.field).is_some_and(|c| !c.nullable);
        if let (Some(order), true) = (order, non_null) {
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
        plan.sorts_pushed = true;
    }

    if let Some(limit) = input.limit {
        if plan.all_quals_handled() && plan.sorts_pushed && limit.count >= 0 && limit.offset >= 0 {
            plan.max_rows = u64::try_from(limit.count)
                .ok()
                .zip(u64::try_from(limit.offset).ok())
                .and_then(|(c, o)| c.checked_add(o));
        }
    }

    query.extend(extra);
    plan.action = Action::List { query };
    Ok(plan)
}

/// `col IN ()` / `col = ANY('{}')`: no row can satisfy it.
fn is_empty_in_list(q: &Qual) -> bool {
    q.operator == "=" && q.use_or && matches!(&q.value, QualValue::Array(v) if v.is_empty())
}

/// The first `lookup_column = 'non-empty text'` qual, for a get-by-id.
fn find_lookup<'q>(
    spec: &ObjectSpec,
    quals: &'q [Qual],
    pushable: impl Fn(&Qual) -> bool,
) -> Option<(usize, &'q str)> {
    quals.iter().enumerate().find_map(|(i, q)| {
        if q.operator != "="
            || q.use_or
            || !pushable(q)
            || !spec.lookup_columns.contains(&q.field.as_str())
        {
            return None;
        }
        match &q.value {
            QualValue::Cell(c) => c.as_text().filter(|s| !s.is_empty()).map(|s| (i, s)),
            QualValue::Array(_) => None,
        }
    })
}

/// Turns one qual into query parameters if a filter rule covers it.
/// Returns `Some(exact)` when pushed, `None` when left to Postgres.
fn push_qual(
    spec: &ObjectSpec,
    q: &Qual,
    query: &mut Vec<(String, String)>,
    used: &mut BTreeSet<&'static str>,
) -> Option<bool> {
    let filter = spec.filter_for(&q.field)?;
    // Repeated parameters mean OR to the API, while two quals mean AND: so
    // one qual per parameter, the rest stays with Postgres.
    let claim = |used: &mut BTreeSet<&'static str>, p: &'static str| used.insert(p);
    match filter.kind {
        FilterKind::Equals { signed_ids, max_values } => {
            if q.operator != "=" || used.contains(filter.param) {
                return None;
            }
            let values: Vec<&str> = match &q.value {
                QualValue::Cell(c) if !q.use_or => vec![c.as_text()?],
                QualValue::Array(cells) if q.use_or => {
                    cells.iter().map(Cell::as_text).collect::<Option<Vec<_>>>()?
                }
                _ => return None,
            };
            let pushable = !values.is_empty()
                && values.len() <= max_values
                && values.iter().all(|v| {
                    !v.is_empty() && !(signed_ids && (v.starts_with('+') || v.starts_with('-')))
                });
            if !pushable {
                return None;
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
            let micros = match c {
                Cell::Timestamptz(us) | Cell::Timestamp(us) => *us,
                Cell::Date(secs) => secs.checked_mul(1_000_000)?,
                _ => return None,
            };
            // Widen by one millisecond so the bound is a superset whether
            // Clerk compares strictly or inclusively.
            let (param, ms) = match q.operator.as_str() {
                ">" | ">=" => (after, micros.div_euclid(1000).checked_sub(1)?),
                "<" | "<=" => (before, micros.div_euclid(1000).checked_add(2)?),
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

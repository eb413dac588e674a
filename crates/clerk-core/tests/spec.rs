//! Holds the catalog against Clerk's vendored OpenAPI spec
//! (`crates/clerk-emulator/spec/clerk-bapi-2026-05-12.yml`): every endpoint
//! path is a GET of the spec, every bound placeholder, pushed filter, fixed
//! or needed query parameter is a parameter of that operation with the right
//! type, page sizes are the spec's `limit` maximum, envelopes and shapes
//! match the 200 response, order fields are ones the `order_by` description
//! lists, and columns match the item schema's properties, types and
//! `required` list (and every scalar property has a column).
//!
//! Each test collects every problem and fails once with the whole list.
//! A missing or unreadable spec is a failure, never a skip: a check that
//! cannot fail checks nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use clerk_core::catalog::{
    BindTo, ColType, ColumnSpec, Endpoint, Envelope, Extra, FilterKind, Form, Method, ObjectSpec, Rows, Shape,
    Source, WriteOp, ATTRS_COLUMN, CATALOG,
};
use serde_json::Value;

const SPEC_FILE: &str = "../clerk-emulator/spec/clerk-bapi-2026-05-12.yml";

fn spec() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SPEC_FILE);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the vendored Clerk spec {} cannot be read ({e}); it is part of the repository",
                path.display()
            )
        });
        let doc: serde_norway::Value =
            serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
        let doc = serde_json::to_value(&doc).unwrap();
        assert!(
            doc["paths"].as_object().is_some_and(|p| p.len() > 100),
            "{} has no paths: not the Clerk spec",
            path.display()
        );
        doc
    })
}

/// Follows `$ref`s (`#/components/...`) to the schema, parameter or
/// response they name.
fn resolve(mut v: &'static Value) -> &'static Value {
    for _ in 0..32 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            return v;
        };
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {r}"));
        v = spec().pointer(pointer).unwrap_or_else(|| panic!("dangling $ref {r}"));
    }
    panic!("$ref loop at {v}")
}

/// A schema with its `$ref`s resolved and its `allOf` members merged.
#[derive(Debug, Default)]
struct Schema {
    /// The first component it refers to (for messages).
    name: Option<String>,
    ty: Option<String>,
    format: Option<String>,
    nullable: bool,
    /// `oneOf` / `anyOf`: no single scalar type.
    composite: bool,
    properties: BTreeMap<String, &'static Value>,
    required: BTreeSet<String>,
    items: Option<&'static Value>,
    enum_values: Vec<String>,
    maximum: Option<f64>,
    default: Option<&'static Value>,
    description: String,
}

fn flatten(v: &'static Value) -> Schema {
    let mut s = Schema::default();
    merge(v, &mut s);
    s
}

fn merge(v: &'static Value, s: &mut Schema) {
    // `nullable` is honoured next to a `$ref` or an `allOf` too.
    if v.get("nullable") == Some(&Value::Bool(true)) {
        s.nullable = true;
    }
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        if s.name.is_none() {
            s.name = r.rsplit('/').next().map(str::to_string);
        }
        merge(resolve(v), s);
        return;
    }
    if let Some(t) = v.get("type").and_then(Value::as_str) {
        s.ty = Some(t.to_string());
    }
    if let Some(f) = v.get("format").and_then(Value::as_str) {
        s.format = Some(f.to_string());
    }
    if let Some(props) = v.get("properties").and_then(Value::as_object) {
        for (k, p) in props {
            s.properties.insert(k.clone(), p);
        }
        if s.ty.is_none() {
            s.ty = Some("object".into());
        }
    }
    if let Some(req) = v.get("required").and_then(Value::as_array) {
        s.required
            .extend(req.iter().filter_map(Value::as_str).map(str::to_string));
    }
    if let Some(items) = v.get("items") {
        s.items = Some(items);
    }
    if let Some(e) = v.get("enum").and_then(Value::as_array) {
        s.enum_values.extend(
            e.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string)),
        );
    }
    if let Some(m) = v.get("maximum").and_then(Value::as_f64) {
        s.maximum = Some(m);
    }
    if let Some(d) = v.get("default") {
        s.default = Some(d);
    }
    if let Some(d) = v.get("description").and_then(Value::as_str) {
        if s.description.is_empty() {
            s.description = d.to_string();
        }
    }
    for member in v.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        merge(member, s);
    }
    if v.get("oneOf").is_some() || v.get("anyOf").is_some() {
        s.composite = true;
    }
}

impl Schema {
    fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| "(inline schema)".into())
    }

    fn describe(&self) -> String {
        if self.composite {
            return "oneOf/anyOf".into();
        }
        match (&self.ty, &self.format) {
            (Some(t), Some(f)) => format!("{t} ({f})"),
            (Some(t), None) => t.clone(),
            (None, _) => "untyped".into(),
        }
    }

    fn kind(&self) -> Kind {
        if self.composite {
            return Kind::Json;
        }
        match self.ty.as_deref() {
            Some("boolean") => Kind::Bool,
            Some("string") => Kind::Str,
            Some("integer") => Kind::Int,
            Some("number") => Kind::Num,
            _ => Kind::Json,
        }
    }

    fn is_array(&self) -> bool {
        self.ty.as_deref() == Some("array")
    }

    fn array_property(&self, key: &str) -> Option<Schema> {
        let p = flatten(self.properties.get(key)?);
        p.is_array().then_some(p)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Str,
    Int,
    Num,
    Json,
}

/// ENDPOINTS.md 1.6: integer fields of these names are Unix-millisecond
/// timestamps; so are the few the spec describes as one under another name
/// (`period_start`, `period_end` of subscription items: "Unix timestamp (in
/// milliseconds) when the current period started").
fn is_timestamp(key: &str, s: &Schema) -> bool {
    key.ends_with("_at")
        || matches!(key, "timestamp" | "expiration" | "expire_at" | "expires_at")
        || s.description.to_lowercase().contains("unix timestamp")
}

struct Param {
    name: String,
    location: String,
    required: bool,
    schema: Schema,
    description: String,
}

struct Op {
    op: &'static Value,
    params: Vec<Param>,
}

impl Op {
    fn param(&self, location: &str, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.location == location && p.name == name)
    }

    fn query(&self, name: &str) -> Option<&Param> {
        self.param("query", name)
    }

    /// The 200 response body schema.
    fn body(&self) -> Option<Schema> {
        let response = resolve(self.op.get("responses")?.get("200")?);
        let schema = response.get("content")?.get("application/json")?.get("schema")?;
        Some(flatten(schema))
    }
}

/// `GET <path>` of the spec, with the path item's and the operation's
/// parameters.
fn get_op(path: &str) -> Option<Op> {
    let item = spec()["paths"].get(path)?;
    let op = item.get("get")?;
    let mut params: Vec<Param> = Vec::new();
    let declared = item.get("parameters").and_then(Value::as_array).into_iter().flatten();
    let own = op.get("parameters").and_then(Value::as_array).into_iter().flatten();
    for p in declared.chain(own) {
        let p = resolve(p);
        let name = p["name"].as_str().unwrap_or_default().to_string();
        let location = p["in"].as_str().unwrap_or_default().to_string();
        // An operation's parameter overrides the path item's of that name.
        params.retain(|q| !(q.name == name && q.location == location));
        params.push(Param {
            name,
            location,
            required: p.get("required") == Some(&Value::Bool(true)),
            schema: p.get("schema").map(flatten).unwrap_or_default(),
            // Whitespace collapsed: YAML block text breaks lines anywhere.
            description: p
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        });
    }
    Some(Op { op, params })
}

/// Each (object, endpoint) pair with its operation, reporting endpoints
/// whose path is not a GET of the spec.
fn endpoints(problems: &mut Vec<String>) -> Vec<(&'static ObjectSpec, &'static Endpoint, Op)> {
    assert!(!CATALOG.is_empty(), "the catalog is empty");
    let mut out = Vec::new();
    for o in CATALOG {
        for e in o.endpoints {
            match get_op(e.path) {
                Some(op) => out.push((o, e, op)),
                None => problems.push(format!("{} {}: no `GET {}` in the spec", o.table, e.path, e.path)),
            }
        }
    }
    out
}

/// The schema of one row of the endpoint's answer (None, with a problem,
/// when the envelope or shape disagrees with the spec).
fn item_schema(o: &ObjectSpec, e: &Endpoint, op: &Op, problems: &mut Vec<String>) -> Option<Schema> {
    let at = format!("{} {}", o.table, e.path);
    let Some(body) = op.body() else {
        problems.push(format!("{at}: the spec documents no application/json 200 response"));
        return None;
    };
    let envelope = match e.shape {
        Shape::One => {
            if body.is_array() || body.array_property("data").is_some() {
                problems.push(format!(
                    "{at}: Shape::One but the 200 response {} is a list",
                    body.label()
                ));
                return None;
            }
            return Some(body);
        }
        Shape::Paged { envelope, .. } | Shape::Unpaged { envelope } => envelope,
    };
    let items = match envelope {
        Envelope::BareArray if body.is_array() => body.items,
        Envelope::BareArray => {
            problems.push(format!(
                "{at}: Envelope::BareArray but the 200 response {} is {}",
                body.label(),
                body.describe()
            ));
            None
        }
        Envelope::DataTotalCount => {
            let data = body.array_property("data");
            if data.is_none() || !body.properties.contains_key("total_count") {
                problems.push(format!(
                    "{at}: Envelope::DataTotalCount but the 200 response {} has no `data` array and `total_count`",
                    body.label()
                ));
            }
            data.and_then(|d| d.items)
        }
        Envelope::Keyed(k) => {
            let list = body.array_property(k);
            if list.is_none() {
                problems.push(format!(
                    "{at}: Envelope::Keyed({k:?}) but the 200 response {} has no `{k}` array",
                    body.label()
                ));
            }
            list.and_then(|d| d.items)
        }
    };
    items.map(flatten)
}

fn report(what: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} {what} problem(s) against the vendored Clerk spec:\n  - {}",
        problems.len(),
        problems.join("\n  - ")
    );
}

/// `word` appears in `text` as a whole word (not inside `first_name_x`).
fn has_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The N of "Accepts up to N ..." in a parameter description.
fn documented_max_values(description: &str) -> Option<usize> {
    let rest = &description[description.find("up to ")? + "up to ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The description says a leading `+`/`-` includes or excludes.
fn documents_signed_ids(description: &str) -> bool {
    description.contains("`+` and `-` can be prepended")
}

/// Checks 1, 2, 5 and 6: paths, binds, paging and envelopes.
#[test]
fn endpoints_paths_binds_and_shapes_match_the_spec() {
    let mut problems = Vec::new();
    for (o, e, op) in endpoints(&mut problems) {
        let at = format!("{} {}", o.table, e.path);
        for b in e.binds {
            match b.to {
                BindTo::Path(p) => {
                    if op.param("path", p).is_none() {
                        problems.push(format!(
                            "{at}: bind of `{}` to path `{{{p}}}`, which is no path parameter",
                            b.column
                        ));
                    }
                }
                BindTo::Query(q) => match op.query(q) {
                    None => problems.push(format!(
                        "{at}: bind of `{}` to query `{q}`, which is no query parameter",
                        b.column
                    )),
                    // An optional parameter is bound only to enumerate its
                    // values (its default hides rows); its default must be
                    // one of them.
                    Some(p) if !p.required && !b.all.is_empty() => {
                        let default = p.schema.default.map(|d| d.to_string().trim_matches('"').to_string());
                        if default.as_deref().is_some_and(|d| !b.all.contains(&d)) {
                            problems.push(format!("{at}: `{q}` defaults to {default:?}, not one of {:?}", b.all));
                        }
                    }
                    Some(p) if !p.required => problems.push(format!(
                        "{at}: bind of `{}` to query `{q}`, which the spec does not require (make it a filter)",
                        b.column
                    )),
                    Some(_) => {}
                },
            }
        }
        for p in op.params.iter().filter(|p| p.location == "path") {
            let bound = e.binds.iter().any(|b| matches!(b.to, BindTo::Path(x) if x == p.name));
            if !bound {
                problems.push(format!("{at}: path parameter `{}` is bound by no column", p.name));
            }
        }
        for p in op.params.iter().filter(|p| p.location == "query" && p.required) {
            let given = e.binds.iter().any(|b| matches!(b.to, BindTo::Query(x) if x == p.name))
                || e.fixed_query.iter().any(|(k, _)| *k == p.name);
            if !given {
                problems.push(format!(
                    "{at}: required query parameter `{}` is neither bound nor fixed",
                    p.name
                ));
            }
        }
        match e.shape {
            Shape::Paged { page_size_max, .. } => {
                match op.query("limit") {
                    None => problems.push(format!("{at}: Shape::Paged but the spec has no `limit` parameter")),
                    Some(limit) => {
                        if limit.schema.maximum != Some(f64::from(page_size_max)) {
                            problems.push(format!(
                                "{at}: page_size_max {page_size_max} but the spec's `limit` maximum is {:?}",
                                limit.schema.maximum
                            ));
                        }
                    }
                }
                if op.query("offset").is_none() {
                    problems.push(format!("{at}: Shape::Paged but the spec has no `offset` parameter"));
                }
            }
            Shape::Unpaged { .. } => {
                if op.query("limit").is_some() {
                    problems.push(format!("{at}: Shape::Unpaged but the spec takes `limit` (page it)"));
                }
            }
            Shape::One => {}
        }
        // Envelope and shape problems are reported by item_schema.
        let _ = item_schema(o, e, &op, &mut problems);
    }
    report("endpoint", problems);
}

/// Checks 3, 4 and 7: filters, fixed and needed query parameters, orders.
#[test]
fn filters_query_parameters_and_orders_match_the_spec() {
    let mut problems = Vec::new();
    let ops = endpoints(&mut problems);
    for (o, e, op) in &ops {
        let at = format!("{} {}", o.table, e.path);
        for f in e.filters {
            let column = o.column(f.column);
            let col_ty = column.map(|c| c.ty);
            match f.kind {
                FilterKind::TimeRange { after, before } => {
                    for bound in [after, before] {
                        match op.query(bound) {
                            None => problems.push(format!(
                                "{at}: filter on `{}` sends `{bound}`, which is no query parameter",
                                f.column
                            )),
                            Some(p) if p.schema.kind() != Kind::Int => problems.push(format!(
                                "{at}: time window on `{}` sends `{bound}`, which the spec types {}, not integer",
                                f.column,
                                p.schema.describe()
                            )),
                            Some(_) => {}
                        }
                    }
                    if col_ty != Some(ColType::Timestamptz) {
                        problems.push(format!(
                            "{at}: time window on `{}`, which is no timestamptz column",
                            f.column
                        ));
                    }
                }
                kind => {
                    let Some(p) = op.query(f.param) else {
                        problems.push(format!(
                            "{at}: filter on `{}` sends `{}`, which is no query parameter",
                            f.column, f.param
                        ));
                        continue;
                    };
                    let s = &p.schema;
                    match kind {
                        FilterKind::Equals { signed_ids, max_values } => {
                            if max_values > 1 {
                                let item_is_string = s.items.map(flatten).is_some_and(|i| i.kind() == Kind::Str);
                                if !s.is_array() || !item_is_string {
                                    problems.push(format!(
                                        "{at}: filter on `{}` repeats `{}` up to {max_values} times, but the spec types it {} (use max_values 1)",
                                        f.column,
                                        f.param,
                                        s.describe()
                                    ));
                                }
                                if let Some(n) = documented_max_values(&p.description) {
                                    if max_values > n {
                                        problems.push(format!(
                                            "{at}: filter on `{}` sends up to {max_values} `{}` values; the spec accepts up to {n}",
                                            f.column, f.param
                                        ));
                                    }
                                }
                            } else if s.kind() != Kind::Str {
                                problems.push(format!(
                                    "{at}: single-valued filter on `{}` sends `{}`, which the spec types {}, not string",
                                    f.column,
                                    f.param,
                                    s.describe()
                                ));
                            }
                            if documents_signed_ids(&p.description) && !signed_ids {
                                problems.push(format!(
                                    "{at}: filter on `{}`: the spec reads a leading +/- of `{}` as include/exclude; declare signed_ids",
                                    f.column, f.param
                                ));
                            }
                        }
                        FilterKind::Search | FilterKind::Contains => {
                            if s.kind() != Kind::Str {
                                problems.push(format!(
                                    "{at}: search filter on `{}` sends `{}`, which the spec types {}, not string",
                                    f.column,
                                    f.param,
                                    s.describe()
                                ));
                            }
                            if f.exact {
                                problems.push(format!("{at}: search filter on `{}` claims to be exact", f.column));
                            }
                        }
                        FilterKind::Boolean => {
                            // ENDPOINTS.md 1.5: a few booleans are strings "true"/"false".
                            let string_bool = s.kind() == Kind::Str
                                && (s.enum_values.iter().any(|v| v == "true") || p.description.contains("true"));
                            if s.kind() != Kind::Bool && !string_bool {
                                problems.push(format!(
                                    "{at}: boolean filter on `{}` sends `{}`, which the spec types {}",
                                    f.column,
                                    f.param,
                                    s.describe()
                                ));
                            }
                            if col_ty != Some(ColType::Bool) {
                                problems.push(format!(
                                    "{at}: boolean filter on `{}`, which is no boolean column",
                                    f.column
                                ));
                            }
                        }
                        FilterKind::TimeRange { .. } => unreachable!(),
                    }
                }
            }
        }
        for (key, value) in e.fixed_query {
            check_sent_param(
                &format!("{at}: fixed query `{key}={value}`"),
                op,
                key,
                value,
                &mut problems,
            );
        }
        // A column's needed parameter goes to every endpoint of its object.
        for c in o.columns {
            if let Some((key, value)) = c.needs_param {
                check_sent_param(
                    &format!("{at}: `{}` needs `{key}={value}`", c.name),
                    op,
                    key,
                    value,
                    &mut problems,
                );
            }
        }
        check_orders(o, e, op, &at, &mut problems);
    }
    report("filter/query/order", problems);
}

/// A parameter the catalog always sends exists and takes that value.
fn check_sent_param(what: &str, op: &Op, key: &str, value: &str, problems: &mut Vec<String>) {
    let Some(p) = op.query(key) else {
        problems.push(format!("{what}, which is no query parameter of the operation"));
        return;
    };
    let s = &p.schema;
    let fits = match s.kind() {
        Kind::Bool => matches!(value, "true" | "false"),
        Kind::Int => value.parse::<i64>().is_ok(),
        Kind::Num => value.parse::<f64>().is_ok(),
        Kind::Str => s.enum_values.is_empty() || s.enum_values.iter().any(|v| v == value),
        Kind::Json => true,
    };
    if !fits {
        problems.push(format!(
            "{what}: the spec types `{key}` {} {:?}",
            s.describe(),
            s.enum_values
        ));
    }
}

/// Paths whose `order_by` description cannot be trusted to list the
/// fields: ENDPOINTS.md notes `/saml_connections`' text is copy-pasted from
/// the memberships endpoints (it names phone_number, first_name, ...,
/// which SAML connections do not have), so any order pushed there would
/// pass the word check without being known to work.
const UNTRUSTED_ORDER_DOCS: &[&str] = &["/saml_connections"];

fn check_orders(o: &ObjectSpec, e: &Endpoint, op: &Op, at: &str, problems: &mut Vec<String>) {
    let order_param = op.query("order_by");
    if e.order_by.is_empty() && e.default_order.is_none() {
        return;
    }
    let Some(p) = order_param else {
        problems.push(format!(
            "{at}: declares orders but the spec has no `order_by` parameter"
        ));
        return;
    };
    for s in e.order_by {
        if UNTRUSTED_ORDER_DOCS.contains(&e.path) {
            problems.push(format!(
                "{at}: order on `{}`: the spec's order_by description of this path is copy-pasted from memberships, so `{}` cannot be checked",
                s.column, s.field
            ));
        } else if !has_word(&p.description, s.field) {
            problems.push(format!(
                "{at}: order on `{}` sends order_by={}, which the spec's order_by description does not list",
                s.column, s.field
            ));
        }
        // A total order has no NULLs and no collation question.
        if s.total {
            if let Some(c) = o.column(s.column) {
                if c.nullable || matches!(c.ty, ColType::Text | ColType::Jsonb) {
                    problems.push(format!(
                        "{at}: order on `{}` is declared total, but the column is {}{:?}",
                        s.column,
                        if c.nullable { "nullable " } else { "" },
                        c.ty
                    ));
                }
            }
        }
    }
    let spec_default = p
        .schema
        .default
        .and_then(Value::as_str)
        .map(|d| d.trim_start_matches('+').to_string());
    let ours = e.default_order.map(|d| d.trim_start_matches('+').to_string());
    if let (Some(theirs), Some(ours)) = (&spec_default, &ours) {
        if theirs != ours {
            problems.push(format!(
                "{at}: default_order {ours:?} but the spec's order_by default is {theirs:?}"
            ));
        }
    }
}

/// What the spec says about one column of one endpoint.
enum Found {
    /// The property's schema and whether it is never null nor missing.
    Property {
        schema: Box<Schema>,
        key: String,
        never_null: bool,
    },
    /// The property is not in that endpoint's item schema.
    Missing(String),
}

/// Resolves a column source in an item schema.
fn find(item: &Schema, c: &ColumnSpec) -> Option<Found> {
    match c.source {
        // Parent sources are resolved by the caller, against the parent.
        Source::Whole | Source::Parent(_) | Source::IsPrimary { .. } | Source::Composite(_) => None,
        Source::Key(k) => Some(property(item, k)),
        Source::Pointer(pointer) => {
            let mut current: Option<Schema> = None;
            let mut never_null = true;
            let mut key = String::new();
            for seg in pointer.trim_start_matches('/').split('/') {
                let parent = current.as_ref().unwrap_or(item);
                key = seg.to_string();
                let Some(raw) = parent.properties.get(seg) else {
                    return Some(Found::Missing(format!(
                        "`{seg}` of pointer {pointer} is no property of {}",
                        parent.label()
                    )));
                };
                let s = flatten(raw);
                never_null &= parent.required.contains(seg) && !s.nullable;
                current = Some(s);
            }
            current.map(|schema| Found::Property {
                schema: Box::new(schema),
                key,
                never_null,
            })
        }
        Source::PrimaryOf {
            list,
            id_key,
            value_key,
        } => {
            let Found::Property {
                never_null: id_never_null,
                ..
            } = property(item, id_key)
            else {
                return Some(Found::Missing(format!("`{id_key}` is no property of {}", item.label())));
            };
            let Some(list_schema) = item.array_property(list) else {
                return Some(Found::Missing(format!(
                    "`{list}` is no array property of {}",
                    item.label()
                )));
            };
            let entry = list_schema.items.map(flatten).unwrap_or_default();
            match property(&entry, value_key) {
                Found::Property { schema, never_null, .. } => Some(Found::Property {
                    schema,
                    key: value_key.to_string(),
                    // Non-null only if a primary is always set and its entry
                    // always has the value (the list may still lack it).
                    never_null: never_null && id_never_null,
                }),
                Found::Missing(_) => Some(Found::Missing(format!(
                    "`{value_key}` is no property of the items of `{list}` ({})",
                    entry.label()
                ))),
            }
        }
    }
}

fn property(item: &Schema, key: &str) -> Found {
    match item.properties.get(key) {
        None => Found::Missing(format!("`{key}` is no property of {}", item.label())),
        Some(raw) => {
            let schema = flatten(raw);
            let never_null = item.required.contains(key) && !schema.nullable;
            Found::Property {
                schema: Box::new(schema),
                key: key.to_string(),
                never_null,
            }
        }
    }
}

/// The column type fits the property's spec type.
fn type_fits(ty: ColType, key: &str, s: &Schema) -> bool {
    let ts = is_timestamp(key, s);
    match (ty, s.kind()) {
        (ColType::Bool, Kind::Bool) | (ColType::Text, Kind::Str) | (ColType::F64, Kind::Num) => true,
        (ColType::I32, Kind::Int) => !ts && s.format.as_deref() != Some("int64"),
        (ColType::I64, Kind::Int) => !ts,
        (ColType::Timestamptz, Kind::Int) => ts,
        (ColType::Jsonb, Kind::Json) => true,
        _ => false,
    }
}

/// Checks 8 and 9: columns against the item schema, both ways, and
/// non-null claims against `required` and `nullable`.
#[test]
fn columns_match_the_item_schemas() {
    let mut problems = Vec::new();
    let ops = endpoints(&mut problems);
    for o in CATALOG {
        let bound: BTreeSet<&str> = o.bound_columns().into_iter().collect();
        // Each endpoint of this object with its item schema.
        // A child table's rows are the items of an array of the parent.
        let items: Vec<(&Endpoint, Schema, Option<Schema>)> = ops
            .iter()
            .filter(|(obj, _, _)| obj.table == o.table)
            .filter_map(|(obj, e, op)| item_schema(obj, e, op, &mut Vec::new()).map(|s| (*e, s)))
            .filter_map(|(e, s)| match o.rows {
                Rows::Items => Some((e, s, None)),
                Rows::Nested { key } => match s.array_property(key).and_then(|a| a.items) {
                    Some(child) => Some((e, flatten(child), Some(s))),
                    None => {
                        problems.push(format!("{} {}: `{key}` is no array of {}", o.table, e.path, s.label()));
                        None
                    }
                },
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        for c in o.columns {
            if c.name == ATTRS_COLUMN {
                if c.source != Source::Whole {
                    problems.push(format!("{}: `attrs` is not the whole object", o.table));
                }
                continue;
            }
            let mut missing: Vec<String> = Vec::new();
            let mut present = 0;
            for (e, item, parent) in &items {
                let at = format!("{} {}", o.table, e.path);
                let found = match (c.source, parent) {
                    (Source::Parent(k), Some(p)) => Some(property(p, k)),
                    (Source::IsPrimary { parent_key }, Some(p)) => match property(p, parent_key) {
                        Found::Missing(why) => Some(Found::Missing(why)),
                        // A computed boolean: nothing to type-check.
                        Found::Property { .. } => None,
                    },
                    (Source::Parent(_) | Source::IsPrimary { .. }, None) => {
                        Some(Found::Missing(format!("`{}` reads a parent, but {} has none", c.name, o.table)))
                    }
                    (Source::Composite(pointers), _) => {
                        // Each part must resolve to a string property.
                        let missing_part = pointers.iter().find_map(|p| {
                            let part = ColumnSpec { source: Source::Pointer(p), ..*c };
                            match find(item, &part) {
                                Some(Found::Property { schema, .. }) if schema.kind() == Kind::Str => None,
                                Some(Found::Missing(why)) => Some(why),
                                _ => Some(format!("{p} is no string")),
                            }
                        });
                        missing_part.map(Found::Missing)
                    }
                    _ => find(item, c),
                };
                if found.is_none() && matches!(c.source, Source::IsPrimary { .. } | Source::Composite(_)) {
                    present += 1;
                }
                match found {
                    None => {}
                    Some(Found::Missing(why)) => missing.push(format!("{}: {why}", e.path)),
                    Some(Found::Property {
                        schema,
                        key,
                        never_null,
                    }) => {
                        present += 1;
                        if !type_fits(c.ty, &key, &schema) {
                            problems.push(format!(
                                "{at}: column `{}` is {:?} but the spec types `{key}` {}{}",
                                c.name,
                                c.ty,
                                schema.describe(),
                                if schema.kind() == Kind::Int && is_timestamp(&key, &schema) {
                                    " (a millisecond timestamp: Timestamptz)"
                                } else {
                                    ""
                                }
                            ));
                        }
                        // A needed parameter makes the API fill a field the
                        // spec leaves optional; it still may not be `nullable`.
                        let never_null = never_null || (c.needs_param.is_some() && !schema.nullable);
                        if !c.nullable && !never_null {
                            problems.push(format!(
                                "{at}: column `{}` is declared NOT NULL but the spec's {} `{key}` is optional or nullable",
                                c.name,
                                item.label()
                            ));
                        }
                    }
                }
            }
            // A bound column the response lacks is filled from the request.
            if bound.contains(c.name) && matches!(c.source, Source::Key(_)) {
                continue;
            }
            if present == 0 {
                problems.push(format!("{}: column `{}`: {}", o.table, c.name, missing.join("; ")));
            } else if !missing.is_empty() && !c.nullable {
                problems.push(format!(
                    "{}: column `{}` is declared NOT NULL but some endpoint's rows lack it: {}",
                    o.table,
                    c.name,
                    missing.join("; ")
                ));
            }
        }
        // The converse: every scalar property has a typed column.
        for (e, item, _) in &items {
            for (key, raw) in &item.properties {
                let s = flatten(raw);
                if key == "object" || s.kind() == Kind::Json {
                    continue;
                }
                // A credential is deliberately no column (and not in attrs).
                if o.hidden.contains(&key.as_str()) {
                    if o.columns.iter().any(|c| c.name == key.as_str()) {
                        problems.push(format!("{}: hidden key `{key}` is a column", o.table));
                    }
                    continue;
                }
                let has_column = o.columns.iter().any(|c| matches!(c.source, Source::Key(k) if k == key));
                if !has_column {
                    problems.push(format!(
                        "{} {}: scalar property `{key}` ({}) of {} has no column",
                        o.table,
                        e.path,
                        s.describe(),
                        item.label()
                    ));
                }
            }
        }
    }
    report("column", problems);
}

/// Writes: every write endpoint exists with its method, has exactly one
/// placeholder for the row id where it addresses a row, and every typed
/// column it accepts is a property of the request body (an array where the
/// column is sent as a one-item array).
#[test]
fn writes_match_the_spec() {
    let mut problems = Vec::new();
    for o in CATALOG {
        let ops: [(&str, &Option<WriteOp>); 3] =
            [("insert", &o.writes.insert), ("update", &o.writes.update), ("delete", &o.writes.delete)];
        for (what, op) in ops {
            let Some(op) = op else { continue };
            let method = match op.method {
                Method::Post => "post",
                Method::Patch => "patch",
                Method::Put => "put",
                Method::Delete => "delete",
            };
            let at = format!("{} {what}: {} {}", o.table, method.to_uppercase(), op.path);
            let Some(operation) = spec()["paths"].get(op.path).and_then(|p| p.get(method)) else {
                problems.push(format!("{at}: no such operation in the spec"));
                continue;
            };
            let placeholders = op.path.matches('{').count();
            // Update and delete fill one placeholder per part of the row id.
            let rowid_parts = match o.rowid.and_then(|r| o.column(r)).map(|c| c.source) {
                Some(Source::Composite(parts)) => parts.len(),
                _ => 1,
            };
            let expected = if what == "insert" { usize::from(op.path_column.is_some()) } else { rowid_parts };
            if placeholders != expected {
                problems.push(format!("{at}: {placeholders} placeholders, expected {expected} (the row id)"));
            }
            if what != "insert" && o.rowid.is_none() {
                problems.push(format!("{at}: the table has no row id"));
            }
            if op.fields.is_empty() {
                continue;
            }
            let Some(schema) = operation.pointer("/requestBody").map(resolve).and_then(|b| b.pointer("/content/application~1json/schema")) else {
                problems.push(format!("{at}: the spec documents no json request body"));
                continue;
            };
            let body = flatten(schema);
            for f in op.fields {
                if o.column(f.column).is_none() {
                    problems.push(format!("{at}: field of unknown column `{}`", f.column));
                }
                match body.properties.get(f.field) {
                    None => problems.push(format!("{at}: `{}` is no property of the request body", f.field)),
                    Some(raw) => {
                        let p = flatten(raw);
                        if f.form == Form::OneItemArray && p.ty.as_deref() != Some("array") {
                            problems.push(format!("{at}: `{}` is sent as an array but the body types it {}", f.field, p.describe()));
                        }
                    }
                }
            }
        }
        for extra in o.writes.update_extra {
            let (method, path, fields): (&str, Vec<&str>, &[clerk_core::catalog::BodyField]) = match extra {
                Extra::Toggle { column, on, off } => {
                    if o.column(column).is_none_or(|c| c.ty != ColType::Bool) {
                        problems.push(format!("{}: toggle on `{column}`, which is no boolean column", o.table));
                    }
                    ("post", vec![on, off], &[])
                }
                Extra::Fields { method, path, fields } => {
                    (if *method == Method::Patch { "patch" } else { "put" }, vec![path], fields)
                }
            };
            for p in path {
                let Some(operation) = spec()["paths"].get(p).and_then(|x| x.get(method)) else {
                    problems.push(format!("{} update: {} {p}: no such operation in the spec", o.table, method.to_uppercase()));
                    continue;
                };
                if !fields.is_empty() {
                    let body = operation
                        .pointer("/requestBody")
                        .map(resolve)
                        .and_then(|b| b.pointer("/content/application~1json/schema"))
                        .map(flatten)
                        .unwrap_or_default();
                    for f in fields {
                        if !body.properties.contains_key(f.field) || o.column(f.column).is_none() {
                            problems.push(format!("{} update: {p}: `{}` is no column or no body property", o.table, f.field));
                        }
                    }
                }
            }
        }
    }
    report("write", problems);
}

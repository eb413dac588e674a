//! Writes through the Postgres-free harness: for every object of the
//! catalog with a write (iterated, never listed here), the request
//! `clerk_core::write` plans for a row is checked (method, path, every typed
//! column under its body field), sent through the guest's [`Host`] trait to
//! the emulator's router in process, its answer checked by
//! [`check_response`] as the guest does, and the change read back by a
//! scan ([`Scanner`] over [`plan_scan`]), as a later `select` would:
//!
//! - insert: every typed column the insert takes (the parent the row is
//!   created in from the emulator's seed); each reads back as written (or
//!   within what was read: metadata merged, ids answered as objects);
//! - update: one column of the update endpoint changed, then each column
//!   an endpoint of its own sets (ban, metadata...), each read back;
//! - delete: the row is gone, or revoked where the delete is a revoke.
//!
//! Values come from the column's type and name ([`value`]): a small table
//! of values the spec's request bodies describe, references to seeded
//! objects (`user_id`, `organization_id`...) taken from scans. Every
//! failure is collected and the test fails once with the list. What the
//! harness cannot exercise is in [`NOT_EXERCISED`], each with its reason;
//! an entry naming a write the catalog no longer has fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use axum::body::Body;
use axum::Router;
use clerk_core::catalog::{ColType, Extra, Form, Method, ObjectSpec, Source, WriteOp, CATALOG};
use clerk_core::time::micros_to_rfc3339;
use clerk_core::write::{check_response, plan_delete, plan_insert, plan_update, WriteKind, WriteRequest};
use clerk_core::{plan_scan, ApiUrl, Cell, Qual, ScanInput, TargetColumn};
use clerk_fdw::host::{Host, HttpResponse};
use clerk_fdw::scan::{request_headers, Scanner};
use http::Request;
use serde_json::{json, Value};
use tower::ServiceExt;

const KEY: &str = "sk_test_fdw_write_harness";
const BASE: &str = "http://emulator.test/v1";
const USERS: u32 = 40;
const ORGS: u32 = 9;
const SEED: u64 = 7;

/// Catalog writes the harness does not exercise, each with the reason. An
/// entry whose table no longer has that write fails the test.
const NOT_EXERCISED: &[(&str, WriteKind, &str)] = &[];

/// Insert columns left out of the insert row, with the reason (the test
/// fails when the insert no longer takes the column).
const LEFT_OUT: &[(&str, &str, &str)] = &[
    // Clerk answers a custom signing key only with `signing_key`, a secret
    // no column holds (attrs would carry it); without one the template
    // keeps Clerk's key and RS256, and `signing_algorithm` reads RS256.
    ("jwt_templates", "custom_signing_key", "needs signing_key, a secret no column holds"),
];

/// Body fields an insert needs that no column holds, sent through `attrs`
/// (Supabase's form) beside the typed columns.
fn insert_attrs(table: &str) -> Option<Value> {
    match table {
        // Required by `POST /role_sets`, both among the set's `roles`.
        "role_sets" => Some(json!({ "default_role_key": "org:member", "creator_role_key": "org:admin" })),
        _ => None,
    }
}

/// Update columns that must be sent with the one changed (the endpoint
/// requires them).
fn update_also(table: &str) -> &'static [&'static str] {
    match table {
        // `PATCH /jwt_templates/{template_id}` requires `name` and `claims`.
        "jwt_templates" => &["name", "claims"],
        _ => &[],
    }
}

// ---------------------------------------------------------------------------
// The host: the emulator's router, in process.

struct Emulator {
    router: Router,
    rt: tokio::runtime::Runtime,
}

impl Emulator {
    fn new() -> Emulator {
        let config = clerk_emulator::Config::new(KEY, USERS, ORGS).with_seed(SEED);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        Emulator { router: clerk_emulator::app(config), rt }
    }

    fn request(
        &self,
        method: http::Method,
        url: &str,
        headers: &[(String, String)],
        body: Option<&str>,
    ) -> Result<HttpResponse, String> {
        let rest = url.strip_prefix(BASE).ok_or_else(|| format!("{url} is not under {BASE}"))?;
        let mut request = Request::builder().method(method).uri(format!("/v1{rest}"));
        for (k, v) in headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let request = match body {
            Some(b) => request.header("content-type", "application/json").body(Body::from(b.to_string())),
            None => request.body(Body::empty()),
        }
        .map_err(|e| e.to_string())?;
        self.rt.block_on(async {
            let response = self.router.clone().oneshot(request).await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
                .collect();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.map_err(|e| e.to_string())?;
            let body = String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())?;
            Ok(HttpResponse { status, headers, body })
        })
    }
}

impl Host for Emulator {
    fn get(&self, url: &str, headers: &[(String, String)]) -> Result<HttpResponse, String> {
        self.request(http::Method::GET, url, headers, None)
    }
    fn send(&self, method: Method, url: &str, headers: &[(String, String)], body: &str) -> Result<HttpResponse, String> {
        let m = match method {
            Method::Post => http::Method::POST,
            Method::Patch => http::Method::PATCH,
            Method::Put => http::Method::PUT,
            Method::Delete => http::Method::DELETE,
        };
        // As the guest sends them: a DELETE without a body.
        self.request(m, url, headers, (!body.is_empty()).then_some(body))
    }
    fn epoch_secs(&self) -> i64 {
        0
    }
    fn sleep_ms(&self, _ms: u64) {}
    fn add_bytes_in(&self, _bytes: i64) {}
}

// ---------------------------------------------------------------------------
// Scans.

type Row = BTreeMap<String, Option<Cell>>;

fn spec_of(table: &str) -> &'static ObjectSpec {
    CATALOG.iter().find(|s| s.table == table).unwrap_or_else(|| panic!("no table {table}"))
}

/// Every catalog column of the rows `quals` select (re-checked here as
/// Postgres would, for `=` quals on text columns).
fn scan(emu: &Emulator, spec: &ObjectSpec, quals: &[Qual]) -> Result<Vec<Row>, String> {
    let columns: Vec<TargetColumn> = spec.columns.iter().map(|c| TargetColumn::new(c.name, c.ty.into())).collect();
    let plan = plan_scan(&ScanInput {
        object: spec.table.into(),
        columns: columns.clone(),
        quals: quals.to_vec(),
        sorts: vec![],
        limit: None,
        push_params: false,
    })
    .map_err(|e| format!("plan of a scan where {quals:?}: {e}"))?;
    let mut scanner = Scanner::new(plan, ApiUrl::parse(Some(BASE)).unwrap(), KEY);
    let mut rows = Vec::new();
    while let Some(cells) = scanner.next_row(emu).map_err(|e| format!("scan: {e}"))? {
        let row: Row = columns.iter().map(|c| c.name.clone()).zip(cells).collect();
        let keep = quals.iter().all(|q| match &q.value {
            clerk_core::QualValue::Cell(v) => row.get(&q.field).and_then(Option::as_ref) == Some(v),
            clerk_core::QualValue::Array(_) => true,
        });
        if keep {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The row of `spec` whose `id` is `id`, as a `select ... where id = ...`
/// returns it.
fn read_back(emu: &Emulator, spec: &ObjectSpec, id: &str) -> Result<Option<Row>, String> {
    let rows = scan(emu, spec, &[Qual::cell("id", "=", Cell::String(id.into()))])?;
    match rows.len() {
        0 | 1 => Ok(rows.into_iter().next()),
        n => Err(format!("{n} rows with id {id}")),
    }
}

fn text(row: &Row, column: &str) -> Option<String> {
    row.get(column).and_then(Option::as_ref).and_then(Cell::as_text).map(str::to_string)
}

// ---------------------------------------------------------------------------
// Values.

/// Ids of seeded objects, for columns that reference one.
struct Seed {
    users: Vec<String>,
    organizations: Vec<String>,
    role_sets: Vec<String>,
    machines: Vec<String>,
    permissions: Vec<String>,
}

impl Seed {
    fn of(emu: &Emulator) -> Result<Seed, String> {
        let ids = |table: &str, column: &str| -> Result<Vec<String>, String> {
            let rows = scan(emu, spec_of(table), &[])?;
            Ok(rows.iter().filter_map(|r| text(r, column)).collect())
        };
        Ok(Seed {
            users: ids("users", "id")?,
            organizations: ids("organizations", "id")?,
            role_sets: ids("role_sets", "key")?,
            machines: ids("machines", "id")?,
            permissions: ids("organization_permissions", "id")?,
        })
    }
}

/// The seeded objects a reference column can name, by the column's name
/// (`user_id`: a user; the spec's `subject` and `created_by` of an API key
/// or organization name users too), or `None` for a plain column.
fn referenced<'s>(seed: &'s Seed, column: &str) -> Option<&'s [String]> {
    match column {
        "user_id" | "subject" | "created_by" => Some(&seed.users),
        "organization_id" => Some(&seed.organizations),
        "role_set_key" => Some(&seed.role_sets),
        _ => None,
    }
}

/// 2024-05-01T12:00:00Z, plus a day per variant (whole milliseconds: Clerk
/// keeps milliseconds).
fn time(variant: usize) -> Cell {
    Cell::Timestamptz(1_714_564_800_000_000 + i64::try_from(variant).unwrap() * 86_400_000_000)
}

/// A value of `table.column` that Clerk accepts (`variant` 0 for an insert,
/// 1 for an update, which differs), or `None` when the table below has
/// none.
fn value(table: &str, column: &str, ty: ColType, variant: usize, seed: &Seed) -> Option<Cell> {
    let v = variant;
    let host = format!("harness{v}.{}.wrapper-test.example", table.replace('_', "-"));
    if let Some(ids) = referenced(seed, column) {
        return ids.get(v).map(|id| Cell::String(id.clone()));
    }
    let json = |j: Value| Some(Cell::Json(j.to_string()));
    let s = |t: String| Some(Cell::String(t));
    match (ty, column) {
        (ColType::Bool, "is_satellite") => Some(Cell::Bool(true)),
        // `true` needs the IdP configured, which the harness does not do.
        (ColType::Bool, "active") => Some(Cell::Bool(false)),
        (ColType::Bool, _) => Some(Cell::Bool(v == 0)),
        (ColType::I32 | ColType::I64, c) => {
            let n: i64 = match c {
                "lifetime" | "default_token_ttl" => 3600,
                "allowed_clock_skew" => 10,
                "max_allowed_memberships" => 25,
                "create_organizations_limit" => 3,
                _ => return None,
            } * (i64::try_from(v).unwrap() + 1);
            Some(if ty == ColType::I32 { Cell::I32(i32::try_from(n).unwrap()) } else { Cell::I64(n) })
        }
        (ColType::Timestamptz, "created_at" | "legal_accepted_at") => Some(time(v)),
        (ColType::Jsonb, c) if c.ends_with("metadata") => json(json!({ "harness": v })),
        (ColType::Jsonb, "claims") => json(json!({ "harness": v })),
        (ColType::Jsonb, "redirect_uris") => json(json!([format!("https://{host}/callback")])),
        (ColType::Jsonb, "domains") => json(json!([host])),
        (ColType::Jsonb, "scopes") => json(json!([format!("harness:read{v}")])),
        // Ids of seeded objects (read back as the objects they name).
        (ColType::Jsonb, "scoped_machines") => json(json!([seed.machines.get(v)?])),
        (ColType::Jsonb, "permissions") => json(json!([seed.permissions.get(v)?])),
        (ColType::Jsonb, "roles") => json(json!(["org:member", "org:admin"])),
        (ColType::Jsonb, "attribute_mapping") => json(json!({ "email_address": format!("mail{v}") })),
        (ColType::Jsonb, "login_hint") => json(json!({ "mode": "email_address" })),
        (ColType::Jsonb, "custom_attributes") => json(json!([{ "name": "Department", "key": format!("department{v}") }])),
        (ColType::Text, "email" | "email_address" | "identifier") => {
            s(format!("harness.{v}@{host}"))
        }
        (ColType::Text, "phone") => s(format!("+1555010000{v}")),
        (ColType::Text, "name") => match table {
            "domains" | "organization_domains" => s(host),
            // At most 25 characters.
            "api_keys" => s(format!("harness key {v}")),
            _ => s(format!("Harness {table} {v}")),
        },
        (ColType::Text, "key") => match table {
            "organization_roles" => s(format!("org:harness_{v}")),
            "organization_permissions" => s(format!("org:harness:read_{v}")),
            "role_sets" => s(format!("role_set:harness_{v}")),
            _ => None,
        },
        (ColType::Text, "domain") => s(host),
        (ColType::Text, "slug") => s(format!("harness-org-{v}")),
        (ColType::Text, "username") => s(format!("harness_user_{v}")),
        (ColType::Text, "first_name") => s(format!("Harness{v}")),
        (ColType::Text, "last_name") => s(format!("Writer{v}")),
        (ColType::Text, "external_id") => s(format!("harness-ext-{v}")),
        (ColType::Text, "locale") => s(["en-US", "fr-FR"][v].to_string()),
        (ColType::Text, "description") => s(format!("written by the harness ({v})")),
        // Deprecated alias of the first of `redirect_uris`, sent with them:
        // the same URL.
        (ColType::Text, "callback_url") => s(format!("https://{host}/callback")),
        (ColType::Text, "url" | "proxy_url" | "idp_metadata_url" | "idp_sso_url" | "idp_entity_id") => {
            s(format!("https://{host}/{}", column.replace('_', "-")))
        }
        (ColType::Text, "idp_certificate") => s(format!("MIIC-harness-certificate-{v}")),
        (ColType::Text, "idp_metadata") => s(format!("<EntityDescriptor entityID=\"https://{host}\"/>")),
        (ColType::Text, "scopes") => s(["profile email", "profile"][v].to_string()),
        (ColType::Text, "role") => s(["org:member", "org:admin"][v].to_string()),
        (ColType::Text, "enrollment_mode") => s(["manual_invitation", "automatic_invitation"][v].to_string()),
        (ColType::Text, "signing_algorithm") => s("RS256".to_string()),
        (ColType::Text, "provider") => match table {
            "saml_connections" => s("saml_custom".to_string()),
            _ => s(["oidc_custom", "oidc_gitlab"][v].to_string()),
        },
        (ColType::Text, "type") => match table {
            "api_keys" => s("api_key".to_string()),
            "role_sets" => s("custom".to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// A cell as the JSON a request body carries (the guest's rules: times as
/// RFC 3339, jsonb as its JSON).
fn body_json(cell: &Cell) -> Value {
    match cell {
        Cell::Bool(b) => json!(b),
        Cell::I32(n) => json!(n),
        Cell::I64(n) => json!(n),
        Cell::F64(f) => json!(f),
        Cell::String(s) => json!(s),
        Cell::Json(j) => serde_json::from_str(j).unwrap(),
        Cell::Timestamptz(us) => json!(micros_to_rfc3339(*us)),
        other => panic!("no value of this kind in the table: {other:?}"),
    }
}

/// A cell as JSON for comparisons (times as microseconds).
fn read_json(cell: &Cell) -> Value {
    match cell {
        Cell::Timestamptz(us) => json!(us),
        other => body_json(other),
    }
}

/// Whether the written value is visible in the value read back: equal
/// scalars, objects whose every written key is (metadata is merged,
/// mappings filled with defaults), arrays whose every written item is
/// (an id or key written may read back as the object it names).
fn visible(written: &Value, read: &Value) -> bool {
    match (written, read) {
        (Value::Object(w), Value::Object(r)) => w.iter().all(|(k, v)| r.get(k).is_some_and(|x| visible(v, x))),
        (Value::Array(w), Value::Array(r)) => w.iter().all(|item| {
            r.iter().any(|x| visible(item, x) || ["id", "key"].iter().any(|k| x.get(k) == Some(item)))
        }),
        (w, r) => w == r,
    }
}

fn cell_visible(written: &Cell, read: Option<&Cell>) -> bool {
    read.is_some_and(|r| visible(&read_json(written), &read_json(r)))
}

// ---------------------------------------------------------------------------
// The checks.

/// `path` with its placeholders filled, in order, by `parts`.
fn filled(path: &str, parts: &[&str]) -> String {
    let mut out = path.to_string();
    for part in parts {
        let (Some(open), Some(close)) = (out.find('{'), out.find('}')) else { break };
        out.replace_range(open..=close, &clerk_core::url::encode_component(part));
    }
    out
}

/// The ids a row id names: its parts for a composite row id, else itself.
fn id_parts<'a>(spec: &ObjectSpec, rowid: &'a str) -> Vec<&'a str> {
    let composite = spec.rowid.and_then(|r| spec.column(r)).is_some_and(|c| matches!(c.source, Source::Composite(_)));
    if composite {
        rowid.split('/').collect()
    } else {
        vec![rowid]
    }
}

/// Every problem of one table's writes.
struct Checker<'e> {
    emu: &'e Emulator,
    spec: &'static ObjectSpec,
    problems: Vec<String>,
    /// What was written and read back, for the summary.
    done: Vec<String>,
}

impl Checker<'_> {
    fn fail(&mut self, what: impl std::fmt::Display) {
        self.problems.push(format!("{}: {what}", self.spec.table));
    }

    /// Sends one planned request as the guest does and checks its answer;
    /// the answer's JSON when accepted.
    fn send(&mut self, kind: WriteKind, req: &WriteRequest) -> Option<Value> {
        let url = format!("{BASE}{}", req.path);
        let resp = match self.emu.send(req.method, &url, &request_headers(KEY), req.body.as_deref().unwrap_or("")) {
            Ok(r) => r,
            Err(e) => {
                self.fail(format_args!("{} {:?} {}: transport: {e}", kind.sql(), req.method, req.path));
                return None;
            }
        };
        if let Err(e) = check_response(self.spec, kind, resp.status, &resp.body, 0) {
            self.fail(format_args!("{} {:?} {} with {:?}: refused: {e}", kind.sql(), req.method, req.path, req.body));
            return None;
        }
        match serde_json::from_str(&resp.body) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(format_args!("{} {}: answer is not JSON ({e}): {}", kind.sql(), req.path, resp.body));
                None
            }
        }
    }

    /// The request's body holds each (field, form, cell) as the guest
    /// must send it.
    fn check_body(&mut self, what: &str, req: &WriteRequest, expected: &[(&str, Form, Cell)]) {
        let body: Value = req.body.as_deref().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
        for (field, form, cell) in expected {
            let want = match form {
                Form::Value => body_json(cell),
                Form::OneItemArray => json!([body_json(cell)]),
            };
            if body.get(field) != Some(&want) {
                self.fail(format_args!("{what}: body field `{field}` is {:?}, expected {want}", body.get(field)));
            }
        }
    }

    fn check_request(&mut self, what: &str, req: &WriteRequest, method: Method, path: &str) {
        if req.method != method || req.path != path {
            self.fail(format_args!("{what}: planned {:?} {}, expected {method:?} {path}", req.method, req.path));
        }
    }

    /// Each written column of `row` (with its cell) reads back.
    fn check_read(&mut self, what: &str, read: &Row, written: &[(&str, Cell)]) {
        for (column, cell) in written {
            let got = read.get(*column).and_then(Option::as_ref);
            if !cell_visible(cell, got) {
                self.fail(format_args!("{what}: column `{column}` reads {got:?}, written {cell:?}"));
            }
        }
    }

    /// A value for an insert column not already taken by a row of the
    /// table with the same parent (a user already a member, say).
    fn fresh_reference(&mut self, column: &str, parent: Option<(&str, &str)>, seed: &Seed) -> Option<Cell> {
        let ids = referenced(seed, column)?;
        let Some((parent_column, parent_id)) = parent else {
            return ids.first().map(|id| Cell::String(id.clone()));
        };
        if self.spec.column(column).is_none() {
            return ids.first().map(|id| Cell::String(id.clone()));
        }
        let quals = [Qual::cell(parent_column, "=", Cell::String(parent_id.into()))];
        let taken: Vec<String> = match scan(self.emu, self.spec, &quals) {
            Ok(rows) => rows.iter().filter_map(|r| text(r, column)).collect(),
            Err(e) => {
                self.fail(format_args!("rows of {parent_column} = {parent_id}: {e}"));
                return None;
            }
        };
        ids.iter().find(|id| !taken.contains(id)).map(|id| Cell::String(id.clone()))
    }

    /// Insert, then read back; the new row (scanned) when it worked.
    fn insert(&mut self, op: &'static WriteOp, seed: &Seed) -> Option<Row> {
        let table = self.spec.table;
        let mut row: Vec<(String, Option<Cell>)> = Vec::new();
        // The parent the row is created in: a seeded one.
        let parent = op.path_column.and_then(|c| referenced(seed, c).and_then(|ids| ids.first()).map(|id| (c, id.clone())));
        if let (Some(c), None) = (op.path_column, &parent) {
            self.fail(format_args!("insert: no seeded object for the parent column `{c}`"));
            return None;
        }
        if let Some((c, id)) = &parent {
            row.push(((*c).to_string(), Some(Cell::String(id.clone()))));
        }
        let mut written: Vec<(&str, Form, Cell)> = Vec::new();
        let mut read_columns: Vec<(&str, Cell)> = Vec::new();
        for f in op.fields {
            if LEFT_OUT.iter().any(|(t, c, _)| *t == table && *c == f.column) {
                continue;
            }
            let Some(col) = self.spec.column(f.column) else {
                self.fail(format_args!("insert: field of unknown column `{}`", f.column));
                continue;
            };
            let cell = if referenced(seed, f.column).is_some() {
                self.fresh_reference(f.column, parent.as_ref().map(|(c, id)| (*c, id.as_str())), seed)
            } else {
                value(table, f.column, col.ty, 0, seed)
            };
            let Some(cell) = cell else {
                self.fail(format_args!(
                    "insert: no value for `{}` ({:?}): add one to `value` or the column to LEFT_OUT",
                    f.column, col.ty
                ));
                continue;
            };
            row.push((f.column.to_string(), Some(cell.clone())));
            written.push((f.field, f.form, cell.clone()));
            read_columns.push((f.column, cell));
        }
        let attrs = insert_attrs(table);
        if let Some(a) = &attrs {
            row.push(("attrs".into(), Some(Cell::Json(a.to_string()))));
        }
        // Postgres passes every column; those not given are NULL.
        for c in self.spec.columns {
            if !row.iter().any(|(n, _)| n == c.name) {
                row.push((c.name.to_string(), None));
            }
        }
        let req = match plan_insert(self.spec, &row) {
            Ok(r) => r,
            Err(e) => {
                self.fail(format_args!("insert: plan: {e}"));
                return None;
            }
        };
        let parent_id: Vec<&str> = parent.iter().map(|(_, id)| id.as_str()).collect();
        self.check_request("insert", &req, op.method, &filled(op.path, &parent_id));
        self.check_body("insert", &req, &written);
        let body: Value = req.body.as_deref().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
        if let Some((c, _)) = &parent {
            if body.get(c).is_some() {
                self.fail(format_args!("insert: the parent column `{c}` is in the body, not only the path"));
            }
        }
        if let Some(Value::Object(a)) = &attrs {
            for (k, v) in a {
                if body.get(k) != Some(v) {
                    self.fail(format_args!("insert: attrs key `{k}` is not in the body as given"));
                }
            }
        }
        let answer = self.send(WriteKind::Insert, &req)?;
        let Some(id) = answer.get("id").and_then(Value::as_str) else {
            self.fail(format_args!("insert: the answer has no id: {answer}"));
            return None;
        };
        let read = match read_back(self.emu, self.spec, id) {
            Ok(Some(r)) => r,
            Ok(None) => {
                self.fail(format_args!("insert: {id} is not found by a scan afterwards"));
                return None;
            }
            Err(e) => {
                self.fail(format_args!("insert: reading {id} back: {e}"));
                return None;
            }
        };
        if let Some((c, pid)) = &parent {
            read_columns.push((c, Cell::String(pid.clone())));
        }
        self.check_read("insert", &read, &read_columns);
        self.done.push(format!("insert({} of {} columns)", written.len(), op.fields.len()));
        Some(read)
    }

    /// One UPDATE of `row` setting `set` (column, cell): planned into
    /// exactly the request `expect` (method, path, body fields), sent, and
    /// the columns read back; the row as read afterwards.
    fn update_one(
        &mut self,
        what: &str,
        row: &Row,
        set: &[(&'static str, Cell)],
        expect: (Method, &str, Vec<(&'static str, Form, Cell)>),
    ) -> Option<Row> {
        let rowid = self.spec.rowid.and_then(|r| text(row, r))?;
        let id = text(row, "id")?;
        let cells: Vec<(String, Option<Cell>)> = set.iter().map(|(c, v)| (c.to_string(), Some(v.clone()))).collect();
        let reqs = match plan_update(self.spec, &Cell::String(rowid.clone()), &cells) {
            Ok(r) => r,
            Err(e) => {
                self.fail(format_args!("{what}: plan: {e}"));
                return None;
            }
        };
        let [req] = reqs.as_slice() else {
            self.fail(format_args!("{what}: {} requests planned, expected one: {reqs:?}", reqs.len()));
            return None;
        };
        let (method, path, fields) = expect;
        self.check_request(what, req, method, &filled(path, &id_parts(self.spec, &rowid)));
        self.check_body(what, req, &fields);
        self.send(WriteKind::Update, req)?;
        let read = match read_back(self.emu, self.spec, &id) {
            Ok(Some(r)) => r,
            Ok(None) => {
                self.fail(format_args!("{what}: {id} is gone after the update"));
                return None;
            }
            Err(e) => {
                self.fail(format_args!("{what}: reading {id} back: {e}"));
                return None;
            }
        };
        self.check_read(what, &read, set);
        self.done.push(format!("update({})", set.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(",")));
        Some(read)
    }

    /// One column of the update endpoint changed, then each extra
    /// endpoint's; the row as read at the end.
    fn update(&mut self, row: Row, seed: &Seed) -> Option<Row> {
        let table = self.spec.table;
        let mut row = row;
        let changed = |c: &str, ty: ColType| value(table, c, ty, 1, seed).filter(|v| value(table, c, ty, 0, seed).as_ref() != Some(v));
        if let Some(op) = &self.spec.writes.update {
            // The first plain column (not a reference to another object)
            // the harness has a new value for.
            let pick = op.fields.iter().find_map(|f| {
                let col = self.spec.column(f.column)?;
                (referenced(seed, f.column).is_none()).then(|| changed(f.column, col.ty)).flatten().map(|v| (f, v))
            });
            let Some((field, cell)) = pick else {
                self.fail("update: no column of the update endpoint has a value in the table");
                return Some(row);
            };
            let mut set = vec![(field.column, cell.clone())];
            let mut fields = vec![(field.field, field.form, cell)];
            for also in update_also(table) {
                if *also == field.column {
                    continue;
                }
                let (Some(f), Some(col)) = (op.fields.iter().find(|f| f.column == *also), self.spec.column(also)) else {
                    self.fail(format_args!("update: `{also}` (sent along) is not a field of the update"));
                    continue;
                };
                if let Some(v) = changed(also, col.ty).or_else(|| value(table, also, col.ty, 0, seed)) {
                    set.push((f.column, v.clone()));
                    fields.push((f.field, f.form, v));
                }
            }
            row = self.update_one(&format!("update of {}", field.column), &row, &set, (op.method, op.path, fields))?;
        }
        for extra in self.spec.writes.update_extra {
            match extra {
                Extra::Toggle { column, on, off } => {
                    // The opposite of what the row holds.
                    let now = row.get(*column).and_then(Option::as_ref) == Some(&Cell::Bool(true));
                    let path = if now { off } else { on };
                    let set = [(*column, Cell::Bool(!now))];
                    row = self.update_one(&format!("update of {column}"), &row, &set, (Method::Post, path, vec![]))?;
                }
                Extra::Fields { method, path, fields } => {
                    let Some(f) = fields.first() else { continue };
                    let Some(col) = self.spec.column(f.column) else {
                        self.fail(format_args!("update: extra field of unknown column `{}`", f.column));
                        continue;
                    };
                    let Some(v) = changed(f.column, col.ty) else {
                        self.fail(format_args!("update: no new value for `{}`", f.column));
                        continue;
                    };
                    let set = [(f.column, v.clone())];
                    let expect = (*method, *path, vec![(f.field, f.form, v)]);
                    row = self.update_one(&format!("update of {}", f.column), &row, &set, expect)?;
                }
            }
        }
        Some(row)
    }

    /// Delete, then read back: gone, or revoked for a revoke.
    fn delete(&mut self, op: &'static WriteOp, row: &Row) {
        let (Some(rowid), Some(id)) = (self.spec.rowid.and_then(|r| text(row, r)), text(row, "id")) else {
            self.fail(format_args!("delete: the row lacks its row id or id: {row:?}"));
            return;
        };
        let req = match plan_delete(self.spec, &Cell::String(rowid.clone())) {
            Ok(r) => r,
            Err(e) => {
                self.fail(format_args!("delete: plan: {e}"));
                return;
            }
        };
        let path = filled(op.path, &id_parts(self.spec, &rowid));
        self.check_request("delete", &req, op.method, &path);
        let revoke = op.method != Method::Delete;
        let body_ok = if revoke { req.body.as_deref() == Some("{}") } else { req.body.is_none() };
        if !body_ok || (revoke && !op.path.ends_with("/revoke")) {
            self.fail(format_args!("delete: a {} with body {:?}", if revoke { "revoke" } else { "DELETE" }, req.body));
        }
        if self.send(WriteKind::Delete, &req).is_none() {
            return;
        }
        self.done.push(if revoke { "delete(revoked)" } else { "delete(gone)" }.to_string());
        match (read_back(self.emu, self.spec, &id), revoke) {
            (Ok(None), false) => {}
            (Ok(Some(_)), false) => self.fail(format_args!("delete: {id} is still read after the delete")),
            (Ok(Some(r)), true) => {
                let revoked = r.get("revoked").and_then(Option::as_ref) == Some(&Cell::Bool(true))
                    || text(&r, "status").as_deref() == Some("revoked");
                if !revoked {
                    self.fail(format_args!("delete (revoke): {id} reads back not revoked: {r:?}"));
                }
            }
            (Ok(None), true) => self.fail(format_args!("delete (revoke): {id} is gone, a revoke keeps it")),
            (Err(e), _) => self.fail(format_args!("delete: reading {id} back: {e}")),
        }
    }
}

fn has_write(spec: &ObjectSpec, kind: WriteKind) -> bool {
    let w = &spec.writes;
    match kind {
        WriteKind::Insert => w.insert.is_some(),
        WriteKind::Update => w.update.is_some() || !w.update_extra.is_empty(),
        WriteKind::Delete => w.delete.is_some(),
    }
}

fn exercised(table: &str, kind: WriteKind) -> bool {
    !NOT_EXERCISED.iter().any(|(t, k, _)| *t == table && *k == kind)
}

#[test]
fn every_catalog_write_is_sent_accepted_and_read_back() {
    let mut problems: Vec<String> = Vec::new();
    // The exclusion lists name writes that still exist.
    for (table, kind, why) in NOT_EXERCISED {
        match CATALOG.iter().find(|s| s.table == *table) {
            Some(s) if has_write(s, *kind) => {}
            _ => problems.push(format!("NOT_EXERCISED names {} on {table} ({why}), which the catalog no longer has", kind.sql())),
        }
    }
    for (table, column, why) in LEFT_OUT {
        let takes = CATALOG
            .iter()
            .find(|s| s.table == *table)
            .and_then(|s| s.writes.insert.as_ref())
            .is_some_and(|op| op.fields.iter().any(|f| f.column == *column));
        if !takes {
            problems.push(format!("LEFT_OUT names {table}.{column} ({why}), which its insert no longer takes"));
        }
    }
    let mut covered: Vec<String> = Vec::new();
    for spec in CATALOG {
        let kinds: Vec<WriteKind> = [WriteKind::Insert, WriteKind::Update, WriteKind::Delete]
            .into_iter()
            .filter(|k| has_write(spec, *k))
            .collect();
        if kinds.is_empty() {
            continue;
        }
        // A fresh instance per table: one table's writes never see another's.
        let emu = Emulator::new();
        let seed = match Seed::of(&emu) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{}: reading the seed: {e}", spec.table));
                continue;
            }
        };
        let mut checker = Checker { emu: &emu, spec, problems: Vec::new(), done: Vec::new() };
        // Update and delete work on the row the insert made (every table
        // with either has an insert).
        let Some(op) = spec.writes.insert.as_ref().filter(|_| exercised(spec.table, WriteKind::Insert)) else {
            checker.fail("update and delete need a row the harness inserts; the table has no insert");
            problems.append(&mut checker.problems);
            continue;
        };
        let Some(mut row) = checker.insert(op, &seed) else {
            problems.append(&mut checker.problems);
            continue;
        };
        if kinds.contains(&WriteKind::Update) && exercised(spec.table, WriteKind::Update) {
            if let Some(r) = checker.update(row.clone(), &seed) {
                row = r;
            }
        }
        if let Some(op) = spec.writes.delete.as_ref().filter(|_| exercised(spec.table, WriteKind::Delete)) {
            checker.delete(op, &row);
        }
        if checker.problems.is_empty() {
            covered.push(format!("{}: {}", spec.table, checker.done.join(" ")));
        }
        problems.append(&mut checker.problems);
    }
    eprintln!("writes covered:\n  {}", covered.join("\n  "));
    assert!(
        problems.is_empty(),
        "{} write problem(s):\n  - {}",
        problems.len(),
        problems.join("\n  - ")
    );
    // Not vacuous: the tables known to write are among those covered.
    for table in ["users", "organization_memberships", "organization_invitations", "organization_domains", "api_keys"] {
        assert!(covered.iter().any(|c| c.starts_with(&format!("{table}:"))), "{table} not covered");
    }
}

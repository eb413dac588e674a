//! INSERT, UPDATE and DELETE: a row becomes one Clerk write request, from
//! the table's [`Writes`] in the catalog.
//!
//! The body is the `attrs` column's JSON object as is (Supabase's form),
//! with every typed column the write accepts set on top (a typed column
//! wins over the same key in `attrs`). An INSERT ignores NULL columns
//! (Postgres passes every column, given or not); an UPDATE gets only the
//! columns its SET names, and sends a NULL as JSON null.

use serde_json::{Map, Value};

use crate::catalog::{BodyField, Extra, Form, Method, ObjectSpec, WriteOp, ATTRS_COLUMN};
use crate::cell::Cell;
use crate::error::{CoreError, CoreResult};
use crate::time::micros_to_rfc3339;
use crate::url::encode_component;

/// Which write a statement makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    Insert,
    Update,
    Delete,
}

impl WriteKind {
    pub fn sql(self) -> &'static str {
        match self {
            WriteKind::Insert => "insert",
            WriteKind::Update => "update",
            WriteKind::Delete => "delete",
        }
    }
}

/// One request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRequest {
    pub method: Method,
    /// Relative to `api_url`, placeholders filled and encoded.
    pub path: String,
    /// JSON body (none for a delete).
    pub body: Option<String>,
}

/// The write endpoint of `kind`, or the error listing what the table allows.
pub fn write_op(spec: &'static ObjectSpec, kind: WriteKind) -> CoreResult<&'static WriteOp> {
    let op = match kind {
        WriteKind::Insert => spec.writes.insert.as_ref(),
        WriteKind::Update => spec.writes.update.as_ref(),
        WriteKind::Delete => spec.writes.delete.as_ref(),
    };
    op.ok_or_else(|| CoreError::NotWritable { table: spec.table, operation: kind.sql(), allowed: allowed_ops(spec) })
}

/// `insert, delete` (what the table allows), or `none`.
pub fn allowed_ops(spec: &ObjectSpec) -> String {
    let w = &spec.writes;
    let ops: Vec<&str> = [(w.insert.is_some(), "insert"), (w.update.is_some(), "update"), (w.delete.is_some(), "delete")]
        .iter()
        .filter(|(ok, _)| *ok)
        .map(|(_, name)| *name)
        .collect();
    if ops.is_empty() {
        "none (the table is read-only)".to_string()
    } else {
        ops.join(", ")
    }
}

/// The request for an INSERT of `row` (column name, value).
pub fn plan_insert(spec: &'static ObjectSpec, row: &[(String, Option<Cell>)]) -> CoreResult<WriteRequest> {
    let op = write_op(spec, WriteKind::Insert)?;
    let (path, rest): (String, Vec<(String, Option<Cell>)>) = match op.path_column {
        None => (op.path.to_string(), row.to_vec()),
        Some(column) => {
            let value = row.iter().find(|(c, _)| c == column).and_then(|(_, v)| v.as_ref());
            let id = value
                .and_then(Cell::as_text)
                .filter(|s| !s.is_empty())
                .ok_or(CoreError::MissingWriteColumn { table: spec.table, column })?;
            let path = fill(op.path, id)?;
            (path, row.iter().filter(|(c, _)| c != column).cloned().collect())
        }
    };
    let body = body(spec, op.fields, WriteKind::Insert, &rest, &writable_columns(op))?;
    Ok(WriteRequest { method: op.method, path, body: Some(body) })
}

/// The requests for an UPDATE of the row `rowid` with the SET columns
/// `row`: the update endpoint for its fields (and `attrs`), then one
/// request per [`Extra`] whose columns the SET names.
pub fn plan_update(
    spec: &'static ObjectSpec,
    rowid: &Cell,
    row: &[(String, Option<Cell>)],
) -> CoreResult<Vec<WriteRequest>> {
    let extras = spec.writes.update_extra;
    let in_extra = |c: &str| {
        extras.iter().any(|e| match e {
            Extra::Toggle { column, .. } => *column == c,
            Extra::Fields { fields, .. } => fields.iter().any(|f| f.column == c),
        })
    };
    let (own, other): (Vec<_>, Vec<_>) = row.iter().cloned().partition(|(c, _)| !in_extra(c));
    let id = row_id(spec, rowid)?;
    let mut out = Vec::new();
    if !own.is_empty() || other.is_empty() {
        let op = write_op(spec, WriteKind::Update)?;
        let body = body(spec, op.fields, WriteKind::Update, &own, &update_columns(spec))?;
        out.push(WriteRequest { method: op.method, path: fill(op.path, id)?, body: Some(body) });
    }
    for extra in extras {
        match extra {
            Extra::Toggle { column, on, off } => {
                if let Some((_, cell)) = other.iter().find(|(c, _)| c == column) {
                    let path = match cell {
                        Some(Cell::Bool(true)) => on,
                        Some(Cell::Bool(false)) => off,
                        _ => return Err(CoreError::NullToggle { table: spec.table, column }),
                    };
                    out.push(WriteRequest { method: Method::Post, path: fill(path, id)?, body: Some("{}".into()) });
                }
            }
            Extra::Fields { method, path, fields } => {
                let mine: Vec<_> =
                    other.iter().filter(|(c, _)| fields.iter().any(|f| f.column == c.as_str())).cloned().collect();
                if !mine.is_empty() {
                    let body = body(spec, fields, WriteKind::Update, &mine, &update_columns(spec))?;
                    out.push(WriteRequest { method: *method, path: fill(path, id)?, body: Some(body) });
                }
            }
        }
    }
    Ok(out)
}

/// The request for a DELETE of the row `rowid` (a POST for a revoke).
pub fn plan_delete(spec: &'static ObjectSpec, rowid: &Cell) -> CoreResult<WriteRequest> {
    let op = write_op(spec, WriteKind::Delete)?;
    let body = (op.method != Method::Delete).then(|| "{}".to_string());
    Ok(WriteRequest { method: op.method, path: fill(op.path, row_id(spec, rowid)?)?, body })
}

fn row_id<'c>(spec: &'static ObjectSpec, rowid: &'c Cell) -> CoreResult<&'c str> {
    rowid.as_text().filter(|s| !s.is_empty()).ok_or(CoreError::BadRowId { table: spec.table })
}

/// The path with its placeholders set, in order, to the `/`-separated
/// parts of `id` (one part for most rows; a composite row id such as a
/// membership's `org_.../user_...` fills two), each encoded.
fn fill(path: &str, id: &str) -> CoreResult<String> {
    // One placeholder takes the id whole (encoded, whatever it holds).
    let parts: Vec<&str> = if path.matches('{').count() == 1 { vec![id] } else { id.split('/').collect() };
    let mut out = String::with_capacity(path.len() + id.len());
    let mut rest = path;
    let mut used = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        let Some(part) = parts.get(used).filter(|p| !p.is_empty()) else {
            return Err(CoreError::BadCompositeId { id: id.to_string(), parts: path.matches('{').count() });
        };
        out.push_str(&rest[..open]);
        out.push_str(&encode_component(part));
        rest = &rest[close + 1..];
        used += 1;
    }
    if used == 0 {
        return Err(CoreError::Internal(format!("write path {path} has no placeholder")));
    }
    if used != parts.len() {
        return Err(CoreError::BadCompositeId { id: id.to_string(), parts: used });
    }
    out.push_str(rest);
    Ok(out)
}

/// Every column an UPDATE can set, for messages.
fn update_columns(spec: &ObjectSpec) -> String {
    let mut cols: Vec<&str> = vec![ATTRS_COLUMN];
    if let Some(op) = &spec.writes.update {
        cols.extend(op.fields.iter().map(|f| f.column));
    }
    for e in spec.writes.update_extra {
        match e {
            Extra::Toggle { column, .. } => cols.push(column),
            Extra::Fields { fields, .. } => cols.extend(fields.iter().map(|f| f.column)),
        }
    }
    cols.join(", ")
}

fn body(
    spec: &'static ObjectSpec,
    fields: &[BodyField],
    kind: WriteKind,
    row: &[(String, Option<Cell>)],
    writable: &str,
) -> CoreResult<String> {
    let mut body: Map<String, Value> = Map::new();
    // Supabase's form first: the attrs object, as is.
    if let Some((_, Some(cell))) = row.iter().find(|(c, _)| c == ATTRS_COLUMN) {
        match cell_json(cell)? {
            Value::Object(map) => body = map,
            Value::Null => {}
            other => {
                return Err(CoreError::BadAttrs { table: spec.table, got: crate::decode::json_type(&other) });
            }
        }
    }
    for (column, cell) in row.iter().filter(|(c, _)| c != ATTRS_COLUMN) {
        let field = fields.iter().find(|f| f.column == column.as_str());
        match (field, cell) {
            // An INSERT passes every column; the ones not given are NULL.
            (_, None) if kind == WriteKind::Insert => {}
            (Some(f), cell) => set_field(&mut body, f, cell.as_ref().map(cell_json).transpose()?),
            (None, _) => {
                return Err(CoreError::ColumnNotWritable {
                    table: spec.table,
                    operation: kind.sql(),
                    column: column.clone(),
                    writable: writable.to_string(),
                });
            }
        }
    }
    Ok(Value::Object(body).to_string())
}

fn set_field(body: &mut Map<String, Value>, f: &BodyField, value: Option<Value>) {
    let value = value.unwrap_or(Value::Null);
    let value = match (f.form, value) {
        (Form::OneItemArray, Value::Null) => Value::Null,
        (Form::OneItemArray, v) => Value::Array(vec![v]),
        (Form::Value, v) => v,
    };
    body.insert(f.field.to_string(), value);
}

/// `attrs, a, b` for messages.
pub fn writable_columns(op: &WriteOp) -> String {
    let mut cols: Vec<&str> = vec![ATTRS_COLUMN];
    cols.extend(op.path_column);
    cols.extend(op.fields.iter().map(|f| f.column));
    cols.join(", ")
}

/// A cell as the JSON value a request body carries.
fn cell_json(cell: &Cell) -> CoreResult<Value> {
    Ok(match cell {
        Cell::Bool(b) => Value::Bool(*b),
        Cell::I8(n) => Value::from(*n),
        Cell::I16(n) => Value::from(*n),
        Cell::I32(n) => Value::from(*n),
        Cell::I64(n) => Value::from(*n),
        Cell::F32(f) => Value::from(f64::from(*f)),
        Cell::F64(f) | Cell::Numeric(f) => Value::from(*f),
        Cell::String(s) | Cell::Uuid(s) => Value::String(s.clone()),
        Cell::Json(text) => serde_json::from_str(text)
            .map_err(|e| CoreError::InvalidJson { reason: e.to_string(), excerpt: crate::error::excerpt(text) })?,
        // Clerk's write bodies take times as RFC 3339 strings.
        Cell::Timestamp(us) | Cell::Timestamptz(us) => Value::String(micros_to_rfc3339(*us)),
        Cell::Date(secs) => Value::String(micros_to_rfc3339(secs.saturating_mul(1_000_000))),
    })
}

/// Checks the answer to a write. `written`: rows of the statement already
/// written, for the message. A 2xx is success; anything else becomes the
/// ERROR with Clerk's message, the column its `meta.param_name` names, and
/// a SQLSTATE for its kind.
pub fn check_response(
    spec: &'static ObjectSpec,
    kind: WriteKind,
    status: u16,
    body: &str,
    written: u64,
) -> CoreResult<()> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let first = parsed.as_ref().and_then(|v| v.get("errors")).and_then(|e| e.get(0));
    let text = |k: &str| first.and_then(|f| f.get(k)).and_then(Value::as_str).filter(|s| !s.is_empty());
    let Some(code) = text("code") else {
        // No Clerk error body: the generic status error.
        return Err(crate::response::status_error(crate::response::RequestKind::GetById, status, body));
    };
    let message = text("long_message").or_else(|| text("message")).unwrap_or(code);
    let param = first.and_then(|f| f.pointer("/meta/param_name")).and_then(Value::as_str);
    // Name the column the user wrote, not the API's field.
    let column = param.map(|p| {
        [spec.writes.insert, spec.writes.update]
            .iter()
            .flatten()
            .flat_map(|op| op.fields.iter())
            .find(|f| f.field == p)
            .map_or(p, |f| f.column)
            .to_string()
    });
    Err(CoreError::WriteRejected {
        table: spec.table,
        operation: kind.sql(),
        status,
        code: code.to_string(),
        message: crate::error::excerpt(message),
        column,
        written,
    })
}

/// Planning, before any row: whether a statement making `kind` writes
/// with these `columns` (INSERT: the columns it gives; UPDATE: the columns
/// its SET names) can be attempted at all. The rules are
/// [`plan_insert`]'s, [`plan_update`]'s and [`plan_delete`]'s, without the
/// values: the table lacks the write, or a column is not one the write
/// takes (the error lists those it does).
pub fn check_columns(spec: &'static ObjectSpec, kind: WriteKind, columns: &[String]) -> CoreResult<()> {
    let refuse = |column: &String, writable: String| CoreError::ColumnNotWritable {
        table: spec.table,
        operation: kind.sql(),
        column: column.clone(),
        writable,
    };
    match kind {
        WriteKind::Insert => {
            let op = write_op(spec, kind)?;
            let takes =
                |c: &str| c == ATTRS_COLUMN || op.path_column == Some(c) || op.fields.iter().any(|f| f.column == c);
            match columns.iter().find(|c| !takes(c)) {
                Some(column) => Err(refuse(column, writable_columns(op))),
                None => Ok(()),
            }
        }
        WriteKind::Update => {
            let extras = spec.writes.update_extra;
            let in_extra = |c: &str| {
                extras.iter().any(|e| match e {
                    Extra::Toggle { column, .. } => *column == c,
                    Extra::Fields { fields, .. } => fields.iter().any(|f| f.column == c),
                })
            };
            let (own, other): (Vec<&String>, Vec<&String>) = columns.iter().partition(|c| !in_extra(c));
            if own.is_empty() && !other.is_empty() {
                return Ok(());
            }
            let op = write_op(spec, kind)?;
            let takes = |c: &str| c == ATTRS_COLUMN || op.fields.iter().any(|f| f.column == c);
            match own.into_iter().find(|c| !takes(c)) {
                Some(column) => Err(refuse(column, update_columns(spec))),
                None => Ok(()),
            }
        }
        WriteKind::Delete => write_op(spec, kind).map(|_| ()),
    }
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;

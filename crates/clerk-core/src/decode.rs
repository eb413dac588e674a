//! Response bodies to rows, and JSON values to typed cells per the declared
//! SQL type of each target column.

use serde_json::Value;

use crate::catalog::{Envelope, ObjectSpec, Source, SourceRef};
use crate::cell::{Cell, SqlType};
use crate::error::{excerpt, CoreError, CoreResult, DecodeFailure};
use crate::plan::TargetColumn;
use crate::time::parse_rfc3339_micros;

/// The rows of one list page, and the envelope's total if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Value>,
    pub total_count: Option<u64>,
}

/// Parses a body as JSON, with a short excerpt in the error.
pub fn parse_json(body: &str) -> CoreResult<Value> {
    serde_json::from_str(body).map_err(|e| CoreError::InvalidJson {
        reason: e.to_string(),
        excerpt: excerpt(body),
    })
}

/// Parses a list response body per the endpoint's envelope.
pub fn decode_page(envelope: Envelope, body: &str) -> CoreResult<Page> {
    let value = parse_json(body)?;
    match (envelope, value) {
        (Envelope::BareArray, Value::Array(items)) => Ok(Page { items, total_count: None }),
        (Envelope::Keyed(key), Value::Object(mut map)) if map.get(key).is_some_and(Value::is_array) => {
            let total_count = map.get("total_count").and_then(Value::as_u64);
            let items = match map.remove(key) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            Ok(Page { items, total_count })
        }
        // Tolerate `paginated=true` style answers on bare-array endpoints.
        (_, Value::Object(mut map)) if map.get("data").is_some_and(Value::is_array) => {
            let total_count = map.get("total_count").and_then(Value::as_u64);
            let items = match map.remove("data") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            Ok(Page { items, total_count })
        }
        (Envelope::BareArray, other) => Err(CoreError::UnexpectedShape {
            expected: "a json array",
            got: json_type(&other),
        }),
        (Envelope::DataTotalCount, other) => Err(CoreError::UnexpectedShape {
            expected: "an object with a \"data\" array",
            got: json_type(&other),
        }),
        (Envelope::Keyed(_), other) => Err(CoreError::UnexpectedShape {
            expected: "an object with an array of rows",
            got: json_type(&other),
        }),
    }
}

/// Parses a get-by-id response body: one object.
pub fn decode_object(body: &str) -> CoreResult<Value> {
    match parse_json(body)? {
        v @ Value::Object(_) => Ok(v),
        other => Err(CoreError::UnexpectedShape { expected: "a json object", got: json_type(&other) }),
    }
}

/// The JSON type name used in messages.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Precomputed column sources for one scan; turns API objects into rows of
/// cells in target-column order.
#[derive(Debug, Clone)]
pub struct Projection {
    /// The API object's name in messages.
    object: &'static str,
    /// Keys removed from `attrs` (credentials).
    hidden: &'static [&'static str],
    columns: Vec<(String, SqlType, SourceRef)>,
}

impl Projection {
    pub fn new(spec: &'static ObjectSpec, columns: &[TargetColumn]) -> Projection {
        Projection {
            object: spec.noun,
            hidden: spec.hidden,
            columns: columns
                .iter()
                .map(|c| (c.name.clone(), c.ty.clone(), spec.source_of(&c.name)))
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// One row: a cell (or SQL NULL) per target column, in order. `bound`:
    /// the values the request was made for (see [`crate::plan::Fetch`]),
    /// read by a column the object itself lacks.
    /// `parent`: for a child table, the object the row was un-nested from.
    pub fn row(
        &self,
        item: &Value,
        parent: Option<&Value>,
        bound: &[(&'static str, String)],
    ) -> CoreResult<Vec<Option<Cell>>> {
        self.columns
            .iter()
            .map(|(name, ty, source)| {
                let computed;
                let value = match source {
                    SourceRef::Catalog(Source::IsPrimary { parent_key }) => {
                        let child_id = item.get("id").and_then(Value::as_str);
                        let primary = parent.and_then(|p| p.get(*parent_key)).and_then(Value::as_str);
                        computed = Value::Bool(child_id.is_some() && child_id == primary);
                        Some(&computed)
                    }
                    SourceRef::Catalog(Source::Parent(k)) => parent.and_then(|p| p.get(*k)),
                    SourceRef::Catalog(Source::Whole) if !self.hidden.is_empty() => {
                        let mut whole = item.clone();
                        if let Some(map) = whole.as_object_mut() {
                            for k in self.hidden {
                                map.remove(*k);
                            }
                        }
                        computed = whole;
                        Some(&computed)
                    }
                    SourceRef::Catalog(Source::Composite(pointers)) => {
                        let parts: Option<Vec<&str>> =
                            pointers.iter().map(|p| item.pointer(p).and_then(Value::as_str)).collect();
                        computed = parts.map_or(Value::Null, |p| Value::String(p.join("/")));
                        Some(&computed)
                    }
                    SourceRef::Catalog(s) => extract(item, *s),
                    SourceRef::ExtraKey(k) if self.hidden.contains(&k.as_str()) => None,
                    SourceRef::ExtraKey(k) => item.get(k.as_str()),
                };
                let from_request;
                let value = match value {
                    None | Some(Value::Null) => match bound.iter().find(|(c, _)| c == name) {
                        Some((_, v)) => {
                            from_request = Value::String(v.clone());
                            Some(&from_request)
                        }
                        None => value,
                    },
                    some => some,
                };
                match value {
                    None | Some(Value::Null) => Ok(None),
                    Some(v) => to_cell(v, ty).map(Some).map_err(|fail| {
                        CoreError::Decode(Box::new(DecodeFailure {
                            column: name.clone(),
                            object: self.object.to_string(),
                            id: item.get("id").and_then(Value::as_str).unwrap_or("?").to_string(),
                            json_type: json_type(v),
                            sql_type: ty.sql_name().to_string(),
                            detail: fail.0,
                        }))
                    }),
                }
            })
            .collect()
    }
}

/// The JSON value a catalog source points at, if present.
pub fn extract(item: &Value, source: Source) -> Option<&Value> {
    match source {
        Source::Key(k) => item.get(k),
        Source::Pointer(p) => item.pointer(p),
        Source::Whole => Some(item),
        // Read from the parent object, see [`Projection::row`].
        Source::Parent(_) | Source::IsPrimary { .. } | Source::Composite(_) => None,
        Source::PrimaryOf { list, id_key, value_key } => {
            let id = item.get(id_key)?.as_str()?;
            item.get(list)?
                .as_array()?
                .iter()
                .find(|e| e.get("id").and_then(Value::as_str) == Some(id))?
                .get(value_key)
        }
    }
}

/// Why a value could not become a cell (the caller adds column and id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertFailure(pub String);

fn fail(detail: impl Into<String>) -> ConvertFailure {
    ConvertFailure(detail.into())
}

/// Converts a non-null JSON value to a cell of the declared type.
pub fn to_cell(v: &Value, ty: &SqlType) -> Result<Cell, ConvertFailure> {
    match ty {
        SqlType::Bool => v.as_bool().map(Cell::Bool).ok_or_else(|| fail("(not a boolean)")),
        SqlType::I8 => int_in_range(v, i64::from(i8::MIN), i64::from(i8::MAX))
            .map(|n| Cell::I8(n as i8)),
        SqlType::I16 => int_in_range(v, i64::from(i16::MIN), i64::from(i16::MAX))
            .map(|n| Cell::I16(n as i16)),
        SqlType::I32 => int_in_range(v, i64::from(i32::MIN), i64::from(i32::MAX))
            .map(|n| Cell::I32(n as i32)),
        SqlType::I64 => int_in_range(v, i64::MIN, i64::MAX).map(Cell::I64),
        SqlType::F32 => {
            let f = float(v)?;
            let narrowed = f as f32;
            if narrowed.is_finite() {
                Ok(Cell::F32(narrowed))
            } else {
                Err(fail(format!("{f} (out of range)")))
            }
        }
        SqlType::F64 => float(v).map(Cell::F64),
        SqlType::Numeric => float(v).map(Cell::Numeric),
        SqlType::Text => Ok(Cell::String(match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })),
        SqlType::Jsonb => Ok(Cell::Json(v.to_string())),
        SqlType::Uuid => match v {
            Value::String(s) if is_uuid(s) => Ok(Cell::Uuid(s.to_ascii_lowercase())),
            Value::String(_) => Err(fail("(not a uuid)")),
            _ => Err(fail("(not a uuid string)")),
        },
        SqlType::Timestamp => micros(v).map(Cell::Timestamp),
        SqlType::Timestamptz => micros(v).map(Cell::Timestamptz),
        SqlType::Date => {
            let us = micros(v)?;
            // Midnight UTC of that day, in seconds.
            Ok(Cell::Date(us.div_euclid(86_400_000_000) * 86_400))
        }
        SqlType::Other(name) => Err(fail(format!("(column type {name} is not supported)"))),
    }
}

fn int_in_range(v: &Value, min: i64, max: i64) -> Result<i64, ConvertFailure> {
    let n = match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i
            } else if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18) {
                f as i64
            } else {
                return Err(fail(format!("{n} (not an integer in range)")));
            }
        }
        _ => return Err(fail("(not a number)")),
    };
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(fail(format!("{n} (out of range)")))
    }
}

fn float(v: &Value) -> Result<f64, ConvertFailure> {
    v.as_f64().ok_or_else(|| fail("(not a number)"))
}

/// Clerk timestamps are integer Unix milliseconds; RFC 3339 strings are
/// accepted too.
fn micros(v: &Value) -> Result<i64, ConvertFailure> {
    match v {
        Value::Number(n) => {
            let ms = match n.as_i64() {
                Some(ms) => ms,
                None => return Err(fail(format!("{n} (not integer milliseconds)"))),
            };
            ms.checked_mul(1000).ok_or_else(|| fail(format!("{ms} (out of range)")))
        }
        Value::String(s) => parse_rfc3339_micros(s).ok_or_else(|| fail("(not an rfc 3339 timestamp)")),
        _ => Err(fail("(not a timestamp)")),
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    match b.len() {
        32 => b.iter().all(u8::is_ascii_hexdigit),
        36 => b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        }),
        _ => false,
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;

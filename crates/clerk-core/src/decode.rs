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

/// [`decode_page`], keeping of each object only the top-level keys `keep`
/// names (when given): the rest of the body is read past without building
/// values, which is most of a page's cost when a query reads few columns
/// (see [`Projection::needed_keys`]). A body the fast path cannot read is
/// decoded by [`decode_page`], for its exact error.
pub fn decode_page_keeping(envelope: Envelope, body: &str, keep: Option<&[String]>) -> CoreResult<Page> {
    match keep {
        Some(keep) => match filtered::page(envelope, body, keep) {
            Some(page) => Ok(page),
            None => decode_page(envelope, body),
        },
        None => decode_page(envelope, body),
    }
}

/// The fast path of [`decode_page_keeping`]: serde visitors that build a
/// value only for the wanted keys of each object.
mod filtered {
    use std::fmt;

    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    use super::Page;
    use crate::catalog::Envelope;

    /// `None`: not a body of that envelope with objects as items (the slow
    /// path then says what is wrong).
    pub(super) fn page(envelope: Envelope, body: &str, keep: &[String]) -> Option<Page> {
        let items_key = match envelope {
            Envelope::BareArray | Envelope::DataTotalCount => "data",
            Envelope::Keyed(key) => key,
        };
        let mut de = serde_json::Deserializer::from_str(body);
        let page = Body { keep, items_key, bare: envelope == Envelope::BareArray }.deserialize(&mut de).ok()?;
        de.end().ok()?;
        page
    }

    /// The whole body: an array of items (a bare-array endpoint) or an
    /// object with the items under `items_key` and maybe `total_count`.
    struct Body<'a> {
        keep: &'a [String],
        items_key: &'a str,
        bare: bool,
    }

    impl<'de> DeserializeSeed<'de> for Body<'_> {
        type Value = Option<Page>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Body<'_> {
        type Value = Option<Page>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a page of objects")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            if !self.bare {
                return Ok(None);
            }
            Ok(Items(self.keep).visit_seq(seq)?.map(|items| Page { items, total_count: None }))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let (mut items, mut total_count) = (None, None);
            while let Some(key) = map.next_key::<String>()? {
                if key == self.items_key {
                    items = map.next_value_seed(Items(self.keep))?;
                } else if key == "total_count" {
                    total_count = map.next_value::<Value>()?.as_u64();
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(items.map(|items| Page { items, total_count }))
        }
    }

    /// An array of objects, each filtered; `None` if an item is no object.
    struct Items<'a>(&'a [String]);

    impl<'de> DeserializeSeed<'de> for Items<'_> {
        type Value = Option<Vec<Value>>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Items<'_> {
        type Value = Option<Vec<Value>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of objects")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1000));
            while let Some(item) = seq.next_element_seed(Object(self.0))? {
                match item {
                    Some(item) => items.push(item),
                    None => return Ok(None),
                }
            }
            Ok(Some(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }

    /// One object with only the wanted keys; `None` if it is no object.
    struct Object<'a>(&'a [String]);

    impl<'de> DeserializeSeed<'de> for Object<'_> {
        type Value = Option<Value>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Object<'_> {
        type Value = Option<Value>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if self.0.contains(&key) {
                    let value = map.next_value::<Value>()?;
                    out.insert(key, value);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(Some(Value::Object(out)))
        }
        // anything else is no object: the slow path reports it
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
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

    /// The top-level keys of an API object the columns read, `id` always
    /// among them; `None` when a column needs the whole object (`attrs`)
    /// or the rows are un-nested children (which read their parent).
    pub fn needed_keys(&self, spec: &ObjectSpec) -> Option<Vec<String>> {
        if !matches!(spec.rows, crate::catalog::Rows::Items) {
            return None;
        }
        let mut keys: Vec<String> = vec!["id".to_string()];
        let first_segment = |pointer: &str| -> String {
            let segment = pointer.trim_start_matches('/').split('/').next().unwrap_or("");
            segment.replace("~1", "/").replace("~0", "~")
        };
        for (_, _, source) in &self.columns {
            match source {
                SourceRef::Catalog(Source::Key(k)) => keys.push((*k).to_string()),
                SourceRef::Catalog(Source::Pointer(p)) => keys.push(first_segment(p)),
                SourceRef::Catalog(Source::PrimaryOf { list, id_key, .. }) => {
                    keys.push((*list).to_string());
                    keys.push((*id_key).to_string());
                }
                SourceRef::Catalog(Source::Composite(pointers)) => {
                    keys.extend(pointers.iter().map(|p| first_segment(p)));
                }
                SourceRef::Catalog(Source::Whole | Source::Parent(_) | Source::IsPrimary { .. }) => return None,
                SourceRef::ExtraKey(k) => keys.push(k.clone()),
            }
        }
        keys.sort();
        keys.dedup();
        Some(keys)
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

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

/// The fast path of [`decode_page_keeping`]: a scanner over the body's
/// bytes that checks the JSON grammar as `serde_json` does when it skips a
/// value, and hands only the wanted values to `serde_json`. Skipping with
/// serde's `IgnoredAny` cost more than two thirds of a 100k-user scan's
/// backend CPU (issue 9): a call per token and a `String` per key; here a
/// key is borrowed from the body and strings are searched eight bytes at a
/// time. Whatever the scanner does not expect (other shapes, nesting near
/// `serde_json`'s depth limit, a grammar error) gives `None`, and the
/// whole decode then answers, with its exact error.
mod filtered {
    use std::borrow::Cow;

    use serde_json::{Map, Value};

    use super::Page;
    use crate::catalog::Envelope;

    /// Deeper than this, leave the body to the whole decode (`serde_json`
    /// refuses 128 levels; its error is the one to report).
    const MAX_DEPTH: u32 = 100;

    /// `None`: not a body of that envelope with objects as items (the slow
    /// path then says what is wrong).
    pub(super) fn page(envelope: Envelope, body: &str, keep: &[String]) -> Option<Page> {
        let items_key = match envelope {
            Envelope::BareArray | Envelope::DataTotalCount => "data",
            Envelope::Keyed(key) => key,
        };
        let mut s = Scanner { src: body, b: body.as_bytes(), i: 0 };
        s.ws();
        let page = match s.peek()? {
            b'[' if envelope == Envelope::BareArray => Page { items: s.items(keep)?, total_count: None },
            b'{' => {
                s.i += 1;
                let (mut items, mut total_count, mut seen_total) = (None, None, false);
                s.ws();
                if !s.eat(b'}') {
                    loop {
                        let key = s.string()?;
                        s.ws();
                        s.require(b':')?;
                        s.ws();
                        if key == items_key {
                            // a repeated key: the whole decode keeps the last
                            if items.is_some() {
                                return None;
                            }
                            items = Some(s.items(keep)?);
                        } else if key == "total_count" {
                            if seen_total {
                                return None;
                            }
                            seen_total = true;
                            let start = s.i;
                            s.skip_value(1)?;
                            total_count = serde_json::from_str::<Value>(&body[start..s.i]).ok()?.as_u64();
                        } else {
                            s.skip_value(1)?;
                        }
                        if !s.next_member(b'}')? {
                            break;
                        }
                    }
                }
                Page { items: items?, total_count }
            }
            _ => return None,
        };
        s.ws();
        (s.i == s.b.len()).then_some(page)
    }

    struct Scanner<'a> {
        src: &'a str,
        b: &'a [u8],
        i: usize,
    }

    const ONES: u64 = u64::MAX / 255;
    const HIGHS: u64 = ONES << 7;

    impl<'a> Scanner<'a> {
        fn peek(&self) -> Option<u8> {
            self.b.get(self.i).copied()
        }

        fn ws(&mut self) {
            while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
                self.i += 1;
            }
        }

        fn eat(&mut self, c: u8) -> bool {
            let hit = self.peek() == Some(c);
            if hit {
                self.i += 1;
            }
            hit
        }

        /// Past `c` at the cursor, or `None` (the body goes to the whole
        /// decode): an `Option`, never a panic.
        fn require(&mut self, c: u8) -> Option<()> {
            self.eat(c).then_some(())
        }

        /// After a member or element: `true` at a comma (and the space
        /// after it), `false` at `close`, `None` at anything else.
        fn next_member(&mut self, close: u8) -> Option<bool> {
            self.ws();
            if self.eat(b',') {
                self.ws();
                Some(true)
            } else {
                self.require(close).map(|()| false)
            }
        }

        /// The array of items: objects, each with only the wanted keys.
        fn items(&mut self, keep: &[String]) -> Option<Vec<Value>> {
            self.require(b'[')?;
            let mut items = Vec::new();
            self.ws();
            if self.eat(b']') {
                return Some(items);
            }
            loop {
                items.push(self.object(keep)?);
                if !self.next_member(b']')? {
                    return Some(items);
                }
            }
        }

        /// One item (depth 2 in the body), keeping the wanted keys.
        fn object(&mut self, keep: &[String]) -> Option<Value> {
            self.require(b'{')?;
            let mut out = Map::new();
            self.ws();
            if self.eat(b'}') {
                return Some(Value::Object(out));
            }
            loop {
                let key = self.string()?;
                self.ws();
                self.require(b':')?;
                self.ws();
                let start = self.i;
                let plain = self.skip_value(3)?;
                if keep.iter().any(|k| *k == *key) {
                    let raw = &self.src[start..self.i];
                    let value = if plain {
                        // a string without escapes: its text as it stands
                        Value::String(raw[1..raw.len() - 1].to_owned())
                    } else {
                        serde_json::from_str(raw).ok()?
                    };
                    out.insert(key.into_owned(), value);
                }
                if !self.next_member(b'}')? {
                    return Some(Value::Object(out));
                }
            }
        }

        /// A string at the cursor: borrowed from the body unless it has
        /// escapes.
        fn string(&mut self) -> Option<Cow<'a, str>> {
            let start = self.i;
            if self.skip_string()? {
                Some(Cow::Borrowed(&self.src[start + 1..self.i - 1]))
            } else {
                serde_json::from_str::<String>(&self.src[start..self.i]).ok().map(Cow::Owned)
            }
        }

        /// Past one value at nesting `depth`; `Some(true)` for a string
        /// without escapes.
        fn skip_value(&mut self, depth: u32) -> Option<bool> {
            match self.peek()? {
                b'"' => return self.skip_string(),
                b'{' | b'[' => self.skip_container(depth)?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                b'-' | b'0'..=b'9' => self.number()?,
                _ => return None,
            }
            Some(false)
        }

        fn skip_container(&mut self, depth: u32) -> Option<()> {
            if depth > MAX_DEPTH {
                return None;
            }
            let close = if self.eat(b'{') { b'}' } else { self.require(b'[').map(|()| b']')? };
            self.ws();
            if self.eat(close) {
                return Some(());
            }
            loop {
                if close == b'}' {
                    self.skip_string()?;
                    self.ws();
                    self.require(b':')?;
                    self.ws();
                }
                self.skip_value(depth + 1)?;
                if !self.next_member(close)? {
                    return Some(());
                }
            }
        }

        /// Past a string; `Some(true)` when it has no escape. Checks what
        /// `serde_json` checks: no control character, known escapes, four
        /// hex digits after `\u`.
        fn skip_string(&mut self) -> Option<bool> {
            self.require(b'"')?;
            let mut plain = true;
            loop {
                // eight bytes at a time to the next quote, backslash or
                // control character
                while let Some(word) = self.b.get(self.i..).and_then(<[u8]>::first_chunk::<8>) {
                    let x = u64::from_le_bytes(*word);
                    let ctrl = x.wrapping_sub(ONES * 0x20) & !x;
                    let q = x ^ (ONES * u64::from(b'"'));
                    let quote = q.wrapping_sub(ONES) & !q;
                    let bs = x ^ (ONES * u64::from(b'\\'));
                    let backslash = bs.wrapping_sub(ONES) & !bs;
                    let hits = (ctrl | quote | backslash) & HIGHS;
                    if hits != 0 {
                        self.i += (hits.trailing_zeros() / 8) as usize;
                        break;
                    }
                    self.i += 8;
                }
                match self.peek()? {
                    b'"' => {
                        self.i += 1;
                        return Some(plain);
                    }
                    b'\\' => {
                        plain = false;
                        match self.b.get(self.i + 1)? {
                            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                            b'u' => {
                                let hex = self.b.get(self.i + 2..self.i + 6)?;
                                if !hex.iter().all(u8::is_ascii_hexdigit) {
                                    return None;
                                }
                                self.i += 6;
                            }
                            _ => return None,
                        }
                    }
                    0x00..=0x1f => return None,
                    _ => self.i += 1,
                }
            }
        }

        fn literal(&mut self, word: &[u8]) -> Option<()> {
            (self.b.get(self.i..self.i + word.len())? == word).then(|| self.i += word.len())
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
        fn number(&mut self) -> Option<()> {
            self.eat(b'-');
            match self.peek()? {
                b'0' => self.i += 1,
                b'1'..=b'9' => self.digits(),
                _ => return None,
            }
            if self.eat(b'.') {
                self.digits1()?;
            }
            if let Some(b'e' | b'E') = self.peek() {
                self.i += 1;
                if let Some(b'+' | b'-') = self.peek() {
                    self.i += 1;
                }
                self.digits1()?;
            }
            Some(())
        }

        fn digits(&mut self) {
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
        }

        fn digits1(&mut self) -> Option<()> {
            let start = self.i;
            self.digits();
            (self.i > start).then_some(())
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

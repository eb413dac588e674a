//! JSON request bodies of write endpoints: parsed into an object, checked
//! against the operation's declared fields (the spec's request schemas are
//! `additionalProperties: false`, so an unknown field is a 422
//! `form_param_unknown`), then read field by field with typed accessors
//! that answer Clerk's 422s naming the field at fault.

use serde_json::{Map, Value};

use crate::server::error::{ApiError, ApiResult};

/// A parsed request body.
#[derive(Debug, Default, Clone)]
pub struct JsonBody {
    map: Map<String, Value>,
}

impl JsonBody {
    /// Parse `bytes` (empty means `{}`) and reject fields not in `allowed`.
    pub fn parse(bytes: &[u8], allowed: &[&str]) -> ApiResult<Self> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| ApiError::BodyInvalid {
            reason: format!("not valid JSON ({e})"),
        })?;
        let Value::Object(map) = value else {
            return Err(ApiError::BodyInvalid {
                reason: "the body must be a JSON object".into(),
            });
        };
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(ApiError::ParamUnknown {
                param: unknown.clone(),
            });
        }
        Ok(Self { map })
    }

    /// Parse a bulk body: a JSON array of 1 to `max` objects, each checked
    /// like `parse`.
    pub fn parse_array(bytes: &[u8], allowed: &[&str], max: usize) -> ApiResult<Vec<Self>> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| ApiError::BodyInvalid {
            reason: format!("not valid JSON ({e})"),
        })?;
        let Value::Array(items) = value else {
            return Err(ApiError::BodyInvalid {
                reason: "the body must be a JSON array".into(),
            });
        };
        if items.is_empty() || items.len() > max {
            return Err(ApiError::BodyInvalid {
                reason: format!("the array must hold 1 to {max} items"),
            });
        }
        items
            .into_iter()
            .map(|item| {
                let Value::Object(map) = item else {
                    return Err(ApiError::BodyInvalid {
                        reason: "every item must be a JSON object".into(),
                    });
                };
                if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
                    return Err(ApiError::ParamUnknown {
                        param: unknown.clone(),
                    });
                }
                Ok(Self { map })
            })
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.map.get(name)
    }

    /// A string field; `null` counts as absent.
    pub fn string(&self, name: &'static str) -> ApiResult<Option<String>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::ParamFormat {
                param: name,
                expected: "a string",
            }),
        }
    }

    /// A required, non-empty string field.
    pub fn required_string(&self, name: &'static str) -> ApiResult<String> {
        self.string(name)?
            .filter(|s| !s.trim().is_empty())
            .ok_or(ApiError::ParamMissing { param: name })
    }

    /// A string field that may be sent as `null` to clear it: `None` when
    /// absent, `Some(None)` when null.
    pub fn nullable_string(&self, name: &'static str) -> ApiResult<Option<Option<String>>> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(_) => Err(ApiError::ParamFormat {
                param: name,
                expected: "a string or null",
            }),
        }
    }

    /// A string-array field (a lone string is accepted as one element).
    pub fn strings(&self, name: &'static str) -> ApiResult<Vec<String>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or(ApiError::ParamFormat {
                        param: name,
                        expected: "an array of strings",
                    })
                })
                .collect(),
            Some(_) => Err(ApiError::ParamFormat {
                param: name,
                expected: "an array of strings",
            }),
        }
    }

    pub fn bool(&self, name: &'static str) -> ApiResult<Option<bool>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::ParamFormat {
                param: name,
                expected: "a boolean",
            }),
        }
    }

    pub fn int(&self, name: &'static str) -> ApiResult<Option<i64>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or(ApiError::ParamFormat {
                param: name,
                expected: "an integer",
            }),
        }
    }

    /// A JSON-object field (metadata).
    pub fn object(&self, name: &'static str) -> ApiResult<Option<Map<String, Value>>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m.clone())),
            Some(_) => Err(ApiError::ParamFormat {
                param: name,
                expected: "a JSON object",
            }),
        }
    }
}

/// An RFC 3339 UTC timestamp (`2024-01-02T03:04:05Z`, optional fraction)
/// as Unix milliseconds: what `created_at` and `legal_accepted_at` take in
/// bodies. Offsets other than `Z` are rejected (422) rather than guessed.
pub fn rfc3339_ms(param: &'static str, s: &str) -> ApiResult<i64> {
    let bad = || ApiError::ParamFormat {
        param,
        expected: "an RFC 3339 UTC timestamp such as 2024-01-02T03:04:05Z",
    };
    let s = s.strip_suffix('Z').ok_or_else(bad)?;
    let (date, time) = s.split_once('T').ok_or_else(bad)?;
    let mut d = date.split('-').map(str::parse::<i64>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(day)), None) = (d.next(), d.next(), d.next(), d.next())
    else {
        return Err(bad());
    };
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.split(':').map(str::parse::<i64>);
    let (Some(Ok(hh)), Some(Ok(mm)), Some(Ok(ss)), None) = (t.next(), t.next(), t.next(), t.next())
    else {
        return Err(bad());
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 {
        return Err(bad());
    }
    let millis: i64 = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().chain("000".chars()).take(3).collect();
        digits.parse().map_err(|_| bad())?
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + millis)
}

/// How a `…/metadata` endpoint writes a metadata object it was given:
/// `PATCH` deep-merges it (`merge_metadata`), `PUT` replaces the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataWrite {
    Merge,
    Replace,
}

impl MetadataWrite {
    /// Write `given` (when the body had it) into `target`.
    pub fn apply(self, target: &mut Value, given: Option<Map<String, Value>>) {
        match (self, given) {
            (_, None) => {}
            (Self::Merge, Some(patch)) => merge_metadata(target, &patch),
            (Self::Replace, Some(object)) => *target = Value::Object(object),
        }
    }
}

/// The metadata objects of a `…/metadata` body, one per field of `fields`
/// (the only fields it may have), `None` for those it leaves out.
pub fn metadata_objects<const N: usize>(
    bytes: &[u8],
    fields: &[&'static str; N],
) -> ApiResult<[Option<Map<String, Value>>; N]> {
    let body = JsonBody::parse(bytes, fields)?;
    let mut objects = [const { None }; N];
    for (object, field) in objects.iter_mut().zip(fields) {
        *object = body.object(field)?;
    }
    Ok(objects)
}

/// Deep merge for `PATCH …/metadata`: objects merge key by key, a `null`
/// value deletes the key, anything else replaces.
pub fn merge_metadata(target: &mut Value, patch: &Map<String, Value>) {
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else { return };
    for (key, value) in patch {
        match value {
            Value::Null => {
                map.remove(key);
            }
            Value::Object(inner) if map.get(key).is_some_and(Value::is_object) => {
                if let Some(existing) = map.get_mut(key) {
                    merge_metadata(existing, inner);
                }
            }
            other => {
                map.insert(key.clone(), other.clone());
            }
        }
    }
}

#[cfg(test)]
mod body_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_and_non_objects_are_rejected() {
        assert!(JsonBody::parse(b"", &["a"]).is_ok());
        assert!(matches!(
            JsonBody::parse(br#"{"b":1}"#, &["a"]),
            Err(ApiError::ParamUnknown { .. })
        ));
        assert!(matches!(
            JsonBody::parse(b"[1]", &["a"]),
            Err(ApiError::BodyInvalid { .. })
        ));
        assert!(matches!(
            JsonBody::parse(b"{", &["a"]),
            Err(ApiError::BodyInvalid { .. })
        ));
        let body = JsonBody::parse(br#"{"a":1}"#, &["a"]).unwrap_or_default();
        assert!(matches!(
            body.string("a"),
            Err(ApiError::ParamFormat { param: "a", .. })
        ));
    }

    #[test]
    fn rfc3339_timestamps_become_milliseconds() {
        assert_eq!(rfc3339_ms("t", "1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            rfc3339_ms("t", "2020-01-01T00:00:00Z"),
            Ok(1_577_836_800_000)
        );
        assert_eq!(
            rfc3339_ms("t", "2026-05-01T00:00:00.5Z"),
            Ok(1_777_593_600_500)
        );
        assert!(rfc3339_ms("t", "2026-05-01").is_err());
        assert!(rfc3339_ms("t", "2026-13-01T00:00:00Z").is_err());
    }

    #[test]
    fn metadata_merge_is_deep_and_null_deletes() {
        let mut m = json!({ "a": 1, "b": { "c": 2, "d": 3 }, "e": 4 });
        let patch = json!({ "a": null, "b": { "c": null, "x": 9 }, "f": [1] });
        merge_metadata(&mut m, patch.as_object().unwrap_or(&Map::new()));
        assert_eq!(m, json!({ "b": { "d": 3, "x": 9 }, "e": 4, "f": [1] }));
    }
}

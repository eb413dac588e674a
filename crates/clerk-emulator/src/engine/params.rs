//! Query-string parsing shared by every endpoint: raw `key=value` pairs
//! (repeated keys kept, as Clerk's multi-value filters need), then
//! validation into typed values (`Paging`, `OrderBy`, `IdFilter`, ...) with
//! Clerk's 422 errors naming the parameter at fault.

use crate::server::error::{ApiError, ApiResult};

/// Clerk's shared paging bounds (`LimitParameter` in the spec).
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 500;
/// Most multi-value filters accept at most this many values.
pub const MAX_FILTER_VALUES: usize = 100;

/// The decoded query string of one request.
#[derive(Debug, Default, Clone)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

/// `limit` and `offset`, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub limit: usize,
    pub offset: usize,
}

/// A field an endpoint can be ordered by; each resource declares its own.
pub trait OrderField: Copy + Eq + std::fmt::Debug + 'static {
    /// Every accepted `order_by` name with its field.
    const FIELDS: &'static [(&'static str, Self)];
}

/// A parsed `order_by`: one field and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderBy<F> {
    pub field: F,
    pub descending: bool,
}

/// How the spec types a true/false query parameter.
#[derive(Debug, Clone, Copy)]
enum BoolType {
    Boolean,
    String,
}

/// A multi-value id filter whose values may carry a `+` (include, the
/// default) or `-` (exclude) prefix, as Clerk's `user_id`/`organization_id`/
/// `external_id` filters do.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IdFilter {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl IdFilter {
    pub fn is_active(&self) -> bool {
        !self.include.is_empty() || !self.exclude.is_empty()
    }

    /// Whether an object with this value passes. Unknown values are simply
    /// never matched, so including only unknown ids yields nothing.
    pub fn matches(&self, value: Option<&str>) -> bool {
        let included =
            self.include.is_empty() || value.is_some_and(|v| self.include.iter().any(|i| i == v));
        let excluded = value.is_some_and(|v| self.exclude.iter().any(|e| e == v));
        included && !excluded
    }
}

impl IdFilter {
    /// Whether an object related to several values (a user's
    /// organizations) passes: one of them included, none excluded.
    pub fn matches_any<'v>(&self, values: impl IntoIterator<Item = &'v str> + Clone) -> bool {
        let included = self.include.is_empty()
            || values
                .clone()
                .into_iter()
                .any(|v| self.include.iter().any(|i| i == v));
        let excluded = values
            .into_iter()
            .any(|v| self.exclude.iter().any(|e| e == v));
        included && !excluded
    }
}

impl QueryParams {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self { pairs }
    }

    /// Only the parameters named in `names` (an endpoint that shares a
    /// filter parser with another but documents fewer parameters ignores
    /// the rest, as Clerk does).
    pub fn only(&self, names: &[&str]) -> Self {
        Self {
            pairs: self
                .pairs
                .iter()
                .filter(|(k, _)| names.contains(&k.as_str()))
                .cloned()
                .collect(),
        }
    }

    /// The first value of `name` (Clerk keeps only the first of repeated
    /// single-valued parameters such as `order_by`).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn paging(&self) -> ApiResult<Paging> {
        self.paging_up_to(MAX_LIMIT)
    }

    /// `limit` (1 to `max`, default 10) and `offset`, for the endpoints with
    /// a smaller ceiling than Clerk's shared 500 (`/api_keys`, `/m2m_tokens`).
    pub fn paging_up_to(&self, max: usize) -> ApiResult<Paging> {
        Ok(Paging {
            limit: self.bounded_int("limit", DEFAULT_LIMIT, 1, max)?,
            offset: self.bounded_int("offset", 0, 0, usize::MAX)?,
        })
    }

    fn bounded_int(
        &self,
        param: &'static str,
        default: usize,
        min: usize,
        max: usize,
    ) -> ApiResult<usize> {
        let Some(raw) = self.first(param) else {
            return Ok(default);
        };
        let value: i128 = raw.trim().parse().map_err(|_| ApiError::ParamFormat {
            param,
            expected: "an integer",
        })?;
        match usize::try_from(value) {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            _ if max == usize::MAX => Err(ApiError::ParamValue {
                param,
                reason: format!("must be greater than or equal to {min}"),
            }),
            _ => Err(ApiError::ParamValue {
                param,
                reason: format!("must be between {min} and {max}"),
            }),
        }
    }

    /// `order_by` among `names`: the index of the name and whether it is
    /// descending, `None` when absent. The one implementation of the spec's
    /// rule (ENDPOINTS.md 1.5): only the first `order_by` counts, `-` is
    /// descending, `+` or no prefix ascending; any other name is a 422
    /// listing the accepted ones.
    pub fn order_among(&self, names: &[&str]) -> ApiResult<Option<(usize, bool)>> {
        let Some(raw) = self.first("order_by") else {
            return Ok(None);
        };
        // A literal `+` in a query string decodes to a space: accept both.
        let (descending, name) = match raw.as_bytes().first() {
            Some(b'-') => (true, &raw[1..]),
            Some(b'+' | b' ') => (false, &raw[1..]),
            _ => (false, raw),
        };
        names
            .iter()
            .position(|n| *n == name)
            .map(|i| Some((i, descending)))
            .ok_or_else(|| ApiError::ParamValue {
                param: "order_by",
                reason: format!(
                    "must be one of {}, optionally prefixed with + or -",
                    names.join(", ")
                ),
            })
    }

    /// `order_by` over a resource's typed fields; `default` when absent.
    pub fn order_by<F: OrderField>(&self, default: OrderBy<F>) -> ApiResult<OrderBy<F>> {
        let names: Vec<&str> = F::FIELDS.iter().map(|(n, _)| *n).collect();
        Ok(match self.order_among(&names)? {
            Some((i, descending)) => OrderBy {
                field: F::FIELDS[i].1,
                descending,
            },
            None => default,
        })
    }

    /// A parameter the spec types `boolean` (`banned`, `paginated`, ...):
    /// `true` or `false`; anything else, the empty string included, is not
    /// a boolean (422 `form_param_format_invalid`).
    pub fn bool(&self, param: &'static str) -> ApiResult<Option<bool>> {
        self.true_or_false(param, BoolType::Boolean)
    }

    /// A parameter the spec types `string` with the values `"true"` and
    /// `"false"` (`verified` on organization domains, `include_invalid` on
    /// `/api_keys`): a string, so another value, the empty string included
    /// (the spec allows no empty value), is a string of the wrong value (422
    /// `form_param_value_invalid`).
    pub fn string_bool(&self, param: &'static str) -> ApiResult<Option<bool>> {
        self.true_or_false(param, BoolType::String)
    }

    fn true_or_false(&self, param: &'static str, kind: BoolType) -> ApiResult<Option<bool>> {
        match self.first(param) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(match kind {
                BoolType::Boolean => ApiError::ParamFormat {
                    param,
                    expected: "a boolean (true or false)",
                },
                BoolType::String => ApiError::ParamValue {
                    param,
                    reason: "must be \"true\" or \"false\"".into(),
                },
            }),
        }
    }

    pub fn int(&self, param: &'static str) -> ApiResult<Option<i64>> {
        self.first(param)
            .map(|raw| {
                raw.trim().parse().map_err(|_| ApiError::ParamFormat {
                    param,
                    expected: "an integer",
                })
            })
            .transpose()
    }

    /// A non-empty single string (empty strings count as absent).
    pub fn string(&self, param: &str) -> Option<&str> {
        self.first(param).filter(|s| !s.is_empty())
    }

    /// Every value of a repeatable filter, at most `MAX_FILTER_VALUES`.
    pub fn strings(&self, param: &'static str) -> ApiResult<Vec<String>> {
        let values: Vec<String> = self
            .all(param)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        if values.len() > MAX_FILTER_VALUES {
            return Err(ApiError::ParamValue {
                param,
                reason: format!("accepts at most {MAX_FILTER_VALUES} values"),
            });
        }
        Ok(values)
    }

    /// A repeatable `+`/`-` id filter.
    pub fn id_filter(&self, param: &'static str) -> ApiResult<IdFilter> {
        let mut filter = IdFilter::default();
        for value in self.strings(param)? {
            match value.as_bytes().first() {
                Some(b'-') => filter.exclude.push(value[1..].to_owned()),
                Some(b'+' | b' ') => filter.include.push(value[1..].to_owned()),
                _ => filter.include.push(value),
            }
        }
        Ok(filter)
    }
}

#[cfg(test)]
mod params_tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum F {
        A,
        B,
    }
    impl OrderField for F {
        const FIELDS: &'static [(&'static str, Self)] = &[("a", F::A), ("b", F::B)];
    }
    const DEFAULT: OrderBy<F> = OrderBy {
        field: F::A,
        descending: true,
    };

    fn q(s: &str) -> QueryParams {
        QueryParams::parse(Some(s))
    }

    #[test]
    fn order_by_accepts_plus_minus_encoded_plus_and_bare() {
        assert_eq!(q("").order_by(DEFAULT), Ok(DEFAULT));
        assert_eq!(
            q("order_by=-b").order_by(DEFAULT),
            Ok(OrderBy {
                field: F::B,
                descending: true
            })
        );
        assert_eq!(
            q("order_by=%2Bb").order_by(DEFAULT),
            Ok(OrderBy {
                field: F::B,
                descending: false
            })
        );
        assert_eq!(
            q("order_by=+b").order_by(DEFAULT),
            Ok(OrderBy {
                field: F::B,
                descending: false
            })
        );
        assert_eq!(
            q("order_by=b&order_by=-a").order_by(DEFAULT),
            Ok(OrderBy {
                field: F::B,
                descending: false
            })
        );
        assert!(q("order_by=c").order_by(DEFAULT).is_err());
    }

    #[test]
    fn booleans_and_string_booleans_reject_every_other_value() {
        assert_eq!(q("").bool("b"), Ok(None));
        assert_eq!(q("b=true&b=x").bool("b"), Ok(Some(true)));
        assert_eq!(q("b=false").string_bool("b"), Ok(Some(false)));
        for bad in ["b=", "b=yes", "b=TRUE"] {
            assert!(matches!(
                q(bad).bool("b"),
                Err(ApiError::ParamFormat { param: "b", .. })
            ));
            assert!(matches!(
                q(bad).string_bool("b"),
                Err(ApiError::ParamValue { param: "b", .. })
            ));
        }
    }

    #[test]
    fn paging_bounds() {
        assert_eq!(
            q("").paging(),
            Ok(Paging {
                limit: 10,
                offset: 0
            })
        );
        assert_eq!(
            q("limit=500&offset=7").paging(),
            Ok(Paging {
                limit: 500,
                offset: 7
            })
        );
        assert!(matches!(
            q("limit=0").paging(),
            Err(ApiError::ParamValue { param: "limit", .. })
        ));
        assert!(matches!(
            q("limit=501").paging(),
            Err(ApiError::ParamValue { param: "limit", .. })
        ));
        assert!(matches!(
            q("limit=ten").paging(),
            Err(ApiError::ParamFormat { param: "limit", .. })
        ));
        assert!(matches!(
            q("offset=-1").paging(),
            Err(ApiError::ParamValue {
                param: "offset",
                ..
            })
        ));
        assert!(matches!(
            q("offset=1.5").paging(),
            Err(ApiError::ParamFormat {
                param: "offset",
                ..
            })
        ));
    }

    #[test]
    fn id_filter_splits_include_and_exclude() {
        let f = q("user_id=a&user_id=%2Bb&user_id=-c")
            .id_filter("user_id")
            .unwrap_or_default();
        assert_eq!(f.include, vec!["a", "b"]);
        assert_eq!(f.exclude, vec!["c"]);
        assert!(f.matches(Some("a")));
        assert!(!f.matches(Some("c")));
        assert!(!f.matches(Some("z")));
        let too_many = (0..101)
            .map(|i| format!("user_id=u{i}"))
            .collect::<Vec<_>>()
            .join("&");
        assert!(q(&too_many).id_filter("user_id").is_err());
    }
}

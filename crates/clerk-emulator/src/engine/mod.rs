//! The list engine every list endpoint shares, and its query parsers.
//!
//! - `params`: the query string (repeated keys kept) validated into typed
//!   values with Clerk's 422 bodies: `limit`/`offset` bounds, `order_by`
//!   with `+`/`-` prefixes, string and query booleans, integers (the ms
//!   time windows), multi-value and `+`/`-` id filters.
//! - `table`: ordering, filtering and paging over a table of typed rows
//!   addressed by a dense index (users, organizations, memberships: the
//!   tables that grow to a million rows), with per-field cached orders.
//! - `collection`: the same over JSON objects generated on demand from the
//!   seed plus a write overlay (every other resource).
//!
//! Both orders are the spec's: field value with nulls last, then id, the
//! whole order reversed for descending; both parse `order_by` with
//! `params::QueryParams::order_among`.

pub mod collection;
pub mod params;
pub mod table;
pub mod window;

//! The list engine every list endpoint shares, and its query parsers.
//!
//! - `params`: the query string (repeated keys kept) validated into typed
//!   values with Clerk's 422 bodies: `limit`/`offset` bounds, `order_by`
//!   with `+`/`-` prefixes, string and query booleans, integers (the ms
//!   time windows), multi-value and `+`/`-` id filters.
//! - `window`: the one list algorithm: the selected objects in the spec's
//!   order (field value with nulls last, then id, the whole order reversed
//!   for descending), their count and the `offset`/`limit` window.
//! - `table`: its back-end for tables of typed rows addressed by a dense
//!   index (users, organizations, memberships and both invitation lists:
//!   the tables that grow to a million rows), with per-field cached orders.
//! - `collection`: its back-end for JSON objects generated on demand from
//!   the seed plus a write overlay (every other resource), and for small
//!   lists held whole (`list_held`).

pub mod collection;
pub mod params;
pub mod table;
pub mod window;
